"""Demo land plots, standard factories, 标准地 thresholds and site needs for every park.

Derived deterministically from what the earlier steps loaded (parks, companies, leads,
projects), relative to the demo's own date: the day of the last recorded stage move. Every
park gets plots in every status, the idle ones dated so that the demo shows plots idle 11
months (the clock still running), 13 months (suspected idle, fee due) and 25 months (reclaim
proposed), and factories in every status. The idle marks are set by the clock's own sweep and
the later moves by the plot service, so histories are what users would have produced.
Idempotent: a park that has plots already is left as it is.
"""

import random
from datetime import date, datetime

from dateutil.relativedelta import relativedelta
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from crm.clock import local_date
from crm.companies.models import Company, Park
from crm.config import get_settings
from crm.leads.models import RANK, Lead, Stage, StageChange
from crm.parks import clock, plots, reservations
from crm.parks.models import (
    DisposalPath,
    Factory,
    FactoryMode,
    FactoryStatus,
    LandPlot,
    LandUse,
    PlotStatus,
    PlotStatusChange,
    SiteNeed,
    StandardLandThreshold,
    SupplyMode,
)
from crm.parks.schemas import PlotMove
from crm.projects.models import Project

SEED = 2208
OPEN_STAGES = (Stage.contacted, Stage.visited, Stage.negotiating)
BY = "seed"
# (investment 万元/亩, tax 万元/亩, output 万元/亩) by park level.
THRESHOLDS = {"national": (400, 30, 500), "provincial": (300, 25, 400), "city": (250, 20, 300)}
# Months past the contracted start, and the moves after the clock's own marks.
IDLE_PLOTS = [
    ("idle-11", 11, []),
    ("idle-13", 13, []),
    ("idle-25", 25, []),
    ("confirmed", 16, [PlotStatus.idle_confirmed]),
    ("levied", 20, [PlotStatus.idle_confirmed, PlotStatus.fee_levied]),
    ("reclaimed", 30, [PlotStatus.idle_confirmed, PlotStatus.fee_levied, PlotStatus.reclaimed]),
    ("disposed", 18, [PlotStatus.idle_confirmed, PlotStatus.disposed]),
]


def demo_today(session: Session) -> date:
    last = session.scalar(select(func.max(StageChange.at)))
    return local_date(last) if last else local_date(datetime.now().astimezone())


def load_parks_carriers(session: Session) -> int:
    """Seed every park that has no plots yet; returns the number of plots created."""
    today = demo_today(session)
    parks = list(session.scalars(select(Park).order_by(Park.name)))
    seeded = set(session.scalars(select(LandPlot.park_id).distinct()))
    rules = clock.IdleRules.from_settings(get_settings())
    created = 0
    for park in parks:
        if park.id in seeded:
            continue
        rng = random.Random(f"{SEED}:{park.name}")
        context = _ParkContext(session, park, rng)
        created += _seed_plots(session, context, rules, today)
        _seed_factories(session, context, today)
        _seed_threshold(session, park)
    _seed_needs(session)
    session.flush()
    return created


class _ParkContext:
    """The companies, projects and open leads a park's demo sites are given to."""

    def __init__(self, session: Session, park: Park, rng: random.Random):
        self.park, self.rng = park, rng
        self.short = park.name.removeprefix("云江")[:2]
        locals_ = select(Company).where(Company.is_local.is_(True)).order_by(Company.id)
        self.companies = list(session.scalars(locals_.where(Company.park_id == park.id))) or list(
            session.scalars(locals_.limit(40))
        )
        self.projects = list(
            session.scalars(select(Project).where(Project.park_id == park.id).order_by(Project.id))
        )
        reserved = select(LandPlot.lead_id).where(LandPlot.lead_id.is_not(None))
        open_leads = (
            select(Lead)
            .where(Lead.stage.in_(OPEN_STAGES), Lead.id.not_in(reserved))
            .order_by(Lead.id)
        )
        # The park's own leads; a park nobody intends yet lends a site to any open lead.
        self.open_leads = list(session.scalars(open_leads.where(Lead.park_id == park.id))) or list(
            session.scalars(open_leads.limit(20))
        )
        self.count = 0

    def number(self, year: int) -> str:
        self.count += 1
        return f"{self.short}{year}-{self.count:02d}"

    def holder(self) -> Company:
        return self.rng.choice(self.companies)


def _plot(ctx: _ParkContext, year: int, status: PlotStatus, **fields) -> LandPlot:
    rng = ctx.rng
    area = fields.pop("area_mu", round(rng.uniform(20, 150), 1))
    return LandPlot(
        park_id=ctx.park.id,
        plot_no=ctx.number(year),
        area_mu=area,
        use=fields.pop(
            "use", rng.choice([LandUse.industrial] * 4 + [LandUse.m0, LandUse.warehousing])
        ),
        supply_mode=fields.pop("supply_mode", rng.choice(list(SupplyMode))),
        term_years=fields.pop("term_years", rng.choice([20, 30, 50])),
        price=round(area * rng.uniform(18, 40), 1),
        status=status,
        **fields,
    )


def _seed_plots(session: Session, ctx: _ParkContext, rules, today: date) -> int:
    rng, year = ctx.rng, today.year
    made: list[LandPlot] = [
        _plot(ctx, year, PlotStatus.reserve, status_on=today - relativedelta(months=8)),
        _plot(
            ctx,
            year,
            PlotStatus.available,
            area_mu=_about(rng, 60.0),
            dual_power=True,
            pure_water=True,
            status_on=today - relativedelta(months=5),
        ),
        _plot(
            ctx,
            year,
            PlotStatus.available,
            area_mu=_about(rng, 120.0),
            dual_power=True,
            hazardous_chemicals=rng.random() < 0.5,
            status_on=today - relativedelta(months=3),
        ),
        _plot(
            ctx,
            year,
            PlotStatus.available,
            area_mu=_about(rng, 35.0),
            status_on=today - relativedelta(months=2),
        ),
        _plot(
            ctx,
            year,
            PlotStatus.available,
            area_mu=_about(rng, 15.0),
            dual_power=True,
            use=LandUse.m0,
            status_on=today - relativedelta(months=1),
        ),
    ]
    held = []
    for months_ahead, status in ((4, PlotStatus.supplied), (-10, PlotStatus.started)):
        contracted = today + relativedelta(months=months_ahead)
        plot = _held_plot(ctx, year - 1, status, contracted, today)
        if status == PlotStatus.started:
            plot.actual_start_on = contracted + relativedelta(days=rng.randint(0, 40))
            plot.built_ratio, plot.invested_ratio = round(rng.uniform(0.4, 0.9), 2), 0.6
        held.append(plot)
    delayed = _held_plot(
        ctx, year - 2, PlotStatus.supplied, today - relativedelta(months=15), today
    )
    delayed.government_delay, delayed.government_delay_since = True, today - relativedelta(months=6)
    delayed.notes = "规划调整，政府原因延迟交地"
    idle = [
        (
            _held_plot(ctx, year - 2, PlotStatus.supplied, today - relativedelta(months=m), today),
            moves,
        )
        for _, m, moves in IDLE_PLOTS
    ]
    everything = made + held + [delayed] + [plot for plot, _ in idle]
    session.add_all(everything)
    session.flush()
    for plot in everything:
        session.add(_first_history(plot))
    session.flush()
    clock.sweep(session, rules, today)
    for plot, moves in idle:
        for step, status in enumerate(moves, start=1):
            on = min(today, (plot.idle_suspected_on or today) + relativedelta(months=step))
            path = DisposalPath.promote_start if status == PlotStatus.disposed else None
            plots.move(
                session,
                plot,
                PlotMove(status=status, on=on, disposal_path=path),
                today=today,
                by=BY,
            )
    if ctx.open_leads:
        target = made[1]
        reservations.reserve(
            session,
            ctx.rng.choice(ctx.open_leads),
            "plot",
            target.id,
            project=None,
            today=today,
            by=BY,
        )
    return len(everything)


def _about(rng: random.Random, size: float) -> float:
    """A size near ``size`` (±20%), so that parks differ."""
    return round(size * rng.uniform(0.8, 1.2), 0)


def _held_plot(ctx: _ParkContext, year: int, status, contracted: date, today: date) -> LandPlot:
    supplied_on = min(today, contracted - relativedelta(months=6))
    project = ctx.rng.choice(ctx.projects) if ctx.projects and ctx.rng.random() < 0.5 else None
    holder_id = project.lead.company_id if project else ctx.holder().id
    return _plot(
        ctx,
        year,
        status,
        holder_id=holder_id,
        project_id=project.id if project else None,
        contracted_start_on=contracted,
        status_on=supplied_on,
    )


def _first_history(plot: LandPlot) -> PlotStatusChange:
    return PlotStatusChange(plot_id=plot.id, to_status=plot.status, on=plot.status_on, by=BY)


def _seed_factories(session: Session, ctx: _ParkContext, today: date) -> None:
    rng = ctx.rng
    operator = f"{ctx.park.name}投资运营有限公司"
    specs = [
        (FactoryStatus.vacant, FactoryMode.rent, 2400.0, 12.0, True, True),
        (FactoryStatus.vacant, FactoryMode.sale, 4800.0, 8.0, True, False),
        (FactoryStatus.vacant, FactoryMode.build_to_suit, 9000.0, 15.0, True, True),
        (FactoryStatus.let, FactoryMode.rent, 3200.0, 8.0, False, False),
        (FactoryStatus.let, FactoryMode.rent, 1800.0, 5.0, False, False),
        (FactoryStatus.sold, FactoryMode.sale, 5200.0, 10.0, True, False),
    ]
    made = []
    for index, (status, mode, size, load, power, clean) in enumerate(specs, start=1):
        area = _about(rng, size)
        occupied = status in (FactoryStatus.let, FactoryStatus.sold)
        made.append(
            Factory(
                park_id=ctx.park.id,
                building=f"{(index + 1) // 2}号厂房",
                floor=str(2 - index % 2),
                area_m2=area,
                clear_height_m=8.0 if index % 2 else 5.5,
                floor_load_kn=load,
                dual_power=power,
                clean_room=clean,
                pure_water=clean,
                operator=operator,
                mode=mode,
                status=status,
                tenant_id=ctx.holder().id if occupied else None,
                rent=round(rng.uniform(12, 28), 1) if mode == FactoryMode.rent else None,
            )
        )
    session.add_all(made)
    session.flush()
    others = [lead for lead in ctx.open_leads if lead.id not in _reserved_leads(session)]
    if others:
        reservations.reserve(
            session,
            rng.choice(others),
            "factory",
            made[0].id,
            project=None,
            today=today,
            by=BY,
        )


def _reserved_leads(session: Session) -> set[int]:
    return set(session.scalars(select(LandPlot.lead_id).where(LandPlot.lead_id.is_not(None))))


def _seed_threshold(session: Session, park: Park) -> None:
    investment, tax, output = THRESHOLDS[park.level.value]
    session.add(
        StandardLandThreshold(
            park_id=park.id, investment_per_mu=investment, tax_per_mu=tax, output_per_mu=output
        )
    )


def _seed_needs(session: Session) -> None:
    """Site needs for every third open lead with an expected investment and no needs yet."""
    stated = select(SiteNeed.lead_id).where(SiteNeed.lead_id.is_not(None))
    leads = session.scalars(
        select(Lead)
        .where(Lead.expected_investment.is_not(None), Lead.id.not_in(stated))
        .order_by(Lead.id)
    )
    for lead in leads:
        if RANK.get(lead.stage, 99) >= RANK[Stage.signed] or lead.id % 3:
            continue
        rng = random.Random(f"{SEED}:lead:{lead.id}")
        if rng.random() < 0.6:
            need = SiteNeed(
                lead_id=lead.id,
                land_mu=round(max(5.0, lead.expected_investment / 800), 0),
                dual_power=rng.random() < 0.5,
            )
        else:
            need = SiteNeed(
                lead_id=lead.id,
                factory_m2=float(rng.choice([1500, 2000, 3000, 4500])),
                floor_load_kn=float(rng.choice([5, 8])),
                clean_room=rng.random() < 0.3,
            )
        session.add(need)
