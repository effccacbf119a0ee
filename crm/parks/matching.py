"""Matching a lead's needs to the sites parks can offer (available plots, vacant factories).

Order: first sites in the lead's intended park, then in parks whose leading chains include
the lead's chain (with no intended park and no such park: every park); within a tier, the
site whose size is closest above the need first (least land or floor space left idle), then
by park and label. A site that fails a hard need (too small, a utility missing, floor load
too low) is never offered; one that meets them but misses a 标准地 threshold for the lead's
expected investment is listed apart as unfit, with the threshold it misses.
"""

from dataclasses import dataclass
from typing import Literal

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from crm.companies.models import Park, park_chain
from crm.i18n import translate
from crm.leads.models import Lead
from crm.parks import needs as need_service
from crm.parks import thresholds as threshold_service
from crm.parks.models import Factory, FactoryStatus, LandPlot, PlotStatus, SiteNeed
from crm.parks.schemas import Reason, SiteMatch, SitesPublic

Tier = Literal["intended_park", "chain_park", "other"]
TIER_ORDER = {"intended_park": 0, "chain_park": 1, "other": 2}
PLOT_UTILITIES = ("dual_power", "pure_water", "hazardous_chemicals")
FACTORY_UTILITIES = ("dual_power", "pure_water", "clean_room", "hazardous_chemicals")


def reason(code: str, **params: float | str) -> Reason:
    return Reason(code=code, params=params, text=translate("zh", f"sites.why.{code}", **params))


@dataclass
class Check:
    reasons: list[Reason]
    problems: list[Reason]

    def fit(self, code: str, **params) -> None:
        self.reasons.append(reason(code, **params))

    def miss(self, code: str, **params) -> None:
        self.problems.append(reason(code, **params))


def sites_for_lead(session: Session, lead: Lead) -> SitesPublic:
    need = need_service.of_lead(session, lead.id) or SiteNeed()
    chain_id = lead.segment.chain_id
    tiers = _park_tiers(session, lead.park_id, chain_id)
    limits = threshold_service.load(session)
    wants_land = need.land_mu is not None or need.factory_m2 is None
    wants_factory = need.factory_m2 is not None or need.land_mu is None
    matches: list[SiteMatch] = []
    if wants_land:
        for plot in _plots(session, tiers):
            matches.append(
                _match_plot(plot, need, lead, tiers, limits.applying(plot.park_id, chain_id))
            )
    if wants_factory:
        for factory in _factories(session, tiers):
            matches.append(_match_factory(factory, need, tiers))
    offered = [m for m in matches if m is not None]
    offered.sort(key=lambda m: (TIER_ORDER[m.tier], -m.score, m.park, m.kind, m.label))
    return SitesPublic(
        lead_id=lead.id,
        needs=need_service.public(need if need.id else None),
        expected_investment=lead.expected_investment,
        items=[m for m in offered if m.fits],
        unfit=[m for m in offered if not m.fits],
        reserved=reserved_for(session, lead, tiers),
    )


def reserved_for(session: Session, lead: Lead, tiers: dict[int, Tier] | None = None):
    """The sites reserved for the lead (or assigned to its project), whatever their park."""
    tiers = tiers or {}
    plots = session.scalars(
        select(LandPlot).where(LandPlot.lead_id == lead.id).options(selectinload(LandPlot.park))
    )
    factories = session.scalars(
        select(Factory).where(Factory.lead_id == lead.id).options(selectinload(Factory.park))
    )
    found = [_site(p, "plot", tiers, Check([], [])) for p in plots]
    found += [_site(f, "factory", tiers, Check([], [])) for f in factories]
    return found


def _park_tiers(session: Session, intended: int | None, chain_id: int) -> dict[int, Tier]:
    tiers: dict[int, Tier] = {}
    chain_parks = session.scalars(
        select(park_chain.c.park_id).where(park_chain.c.chain_id == chain_id)
    )
    for park_id in chain_parks:
        tiers[park_id] = "chain_park"
    if intended is not None:
        tiers[intended] = "intended_park"
    if not tiers:
        tiers = {park_id: "other" for park_id in session.scalars(select(Park.id))}
    return tiers


def _plots(session: Session, tiers: dict[int, Tier]) -> list[LandPlot]:
    return list(
        session.scalars(
            select(LandPlot)
            .where(LandPlot.status == PlotStatus.available, LandPlot.park_id.in_(tiers))
            .options(selectinload(LandPlot.park))
        )
    )


def _factories(session: Session, tiers: dict[int, Tier]) -> list[Factory]:
    return list(
        session.scalars(
            select(Factory)
            .where(Factory.status == FactoryStatus.vacant, Factory.park_id.in_(tiers))
            .options(selectinload(Factory.park))
        )
    )


def _match_plot(plot: LandPlot, need: SiteNeed, lead: Lead, tiers, limit) -> SiteMatch | None:
    check = Check([], [])
    _tier_reason(check, tiers[plot.park_id], plot.park.name)
    if need.land_mu is not None:
        if plot.area_mu < need.land_mu:
            return None  # a hard need: never offered
        check.fit("land_area", area=plot.area_mu, need=need.land_mu)
    for utility in PLOT_UTILITIES:
        if getattr(need, utility):
            if not getattr(plot, utility):
                return None
            check.fit(utility)
    if need.clean_room or need.floor_load_kn is not None:
        check.fit("self_built")
    if limit is not None:
        _check_standard_land(check, plot, lead.expected_investment, limit)
    score = need.land_mu / plot.area_mu if need.land_mu else 0.0
    return _site(plot, "plot", tiers, check, score)


def _check_standard_land(check: Check, plot: LandPlot, investment: float | None, limit) -> None:
    if limit.investment_per_mu is not None:
        if investment is None:
            check.miss("intensity_unknown", threshold=limit.investment_per_mu)
        else:
            intensity = round(investment / plot.area_mu, 1)
            if intensity >= limit.investment_per_mu:
                check.fit("intensity", value=intensity, threshold=limit.investment_per_mu)
            else:
                check.miss("intensity_short", value=intensity, threshold=limit.investment_per_mu)
    if limit.tax_per_mu is not None:
        check.fit("tax_commitment", threshold=limit.tax_per_mu)
    if limit.output_per_mu is not None:
        check.fit("output_commitment", threshold=limit.output_per_mu)


def _match_factory(factory: Factory, need: SiteNeed, tiers) -> SiteMatch | None:
    check = Check([], [])
    _tier_reason(check, tiers[factory.park_id], factory.park.name)
    if need.factory_m2 is not None:
        if factory.area_m2 < need.factory_m2:
            return None
        check.fit("factory_area", area=factory.area_m2, need=need.factory_m2)
    for utility in FACTORY_UTILITIES:
        if getattr(need, utility):
            if not getattr(factory, utility):
                return None
            check.fit(utility)
    if need.floor_load_kn is not None:
        if factory.floor_load_kn is None or factory.floor_load_kn < need.floor_load_kn:
            return None
        check.fit("floor_load", load=factory.floor_load_kn, need=need.floor_load_kn)
    score = need.factory_m2 / factory.area_m2 if need.factory_m2 else 0.0
    return _site(factory, "factory", tiers, check, score)


def _tier_reason(check: Check, tier: Tier, park: str) -> None:
    if tier == "intended_park":
        check.fit("intended_park", park=park)
    elif tier == "chain_park":
        check.fit("chain_park", park=park)


def _site(site, kind, tiers, check: Check, score: float = 0.0) -> SiteMatch:
    is_plot = kind == "plot"
    return SiteMatch(
        kind=kind,
        id=site.id,
        park_id=site.park_id,
        park=site.park.name,
        label=site.plot_no if is_plot else f"{site.building} {site.floor}",
        area=site.area_mu if is_plot else site.area_m2,
        tier=tiers.get(site.park_id, "other"),
        fits=not check.problems,
        status=site.status.value,
        reasons=check.reasons,
        problems=check.problems,
        score=round(score, 4),
    )
