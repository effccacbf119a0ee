"""Parks as carriers: ``/parks`` (every park with its land, idle land, factory and project
figures), ``/parks/{id}`` (its plots with their idle clocks, factories, occupancy, projects and
their land), the cockpit's park table, and the lead page's sites panel with reserve/release.

The pages call the same services as ``/api/land``, ``/api/factories`` and
``/api/leads/{id}/sites``; the idle clock is swept before land is shown.
"""

from datetime import date
from typing import Annotated, Literal

from fastapi import APIRouter, Form, Path, Query, Request
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from crm.api.deps import AppSettings, DbSession, RequestTime
from crm.auth import policy
from crm.auth.models import User
from crm.clock import local_date
from crm.companies import parks as park_service
from crm.companies.models import Park
from crm.config import Settings
from crm.leads import service as lead_service
from crm.leads.models import Lead
from crm.listing import Page
from crm.pages.deps import PageUser
from crm.pages.forms import see_other
from crm.pages.templating import render
from crm.parks import factories, figures, needs, plots, service
from crm.parks.models import PlotStatus
from crm.parks.publics import plot_public
from crm.parks.schemas import NeedsPut, SiteRef

router = APIRouter(include_in_schema=False)

ParkId = Annotated[int, Path(ge=1, le=2**31 - 1)]
LeadId = Annotated[int, Path(ge=1, le=2**31 - 1)]
SITES_SHOWN = 8
SPECIAL_NEEDS = ("dual_power", "pure_water", "hazardous_chemicals", "clean_room")
ALL = Page(limit=1000)


@router.get("/parks")
def parks_page(
    request: Request, session: DbSession, user: PageUser, now: RequestTime, settings: AppSettings
):
    service.swept(session, service.rules(settings), local_date(now))
    parks = {
        p.id: p for p in session.scalars(select(Park).options(selectinload(Park.leading_chains)))
    }
    rows = [(parks[f.park_id], f) for f in figures.park_figures(session)]
    context = {"rows": rows, "totals": _totals([f for _, f in rows])}
    return render(request, "parks/list.html", context)


@router.get("/parks/{park_id}")
def park_page(
    request: Request,
    session: DbSession,
    user: PageUser,
    now: RequestTime,
    settings: AppSettings,
    park_id: ParkId,
    status: Annotated[PlotStatus | None, Query()] = None,
):
    park = park_service.get(session, park_id)
    rules, today = service.rules(settings), local_date(now)
    service.swept(session, rules, today)
    (park_figures,) = figures.park_figures(session, [park.id])
    query = plots.filtered_query(park_id=park.id, status=status)
    plot_rows, _ = plots.list_plots(session, query, ALL)
    factory_rows, _ = factories.list_factories(
        session, factories.filtered_query(park_id=park.id), ALL
    )
    context = {
        "park": park,
        "figures": park_figures,
        "status": status,
        "statuses": list(PlotStatus),
        "plots": [plot_public(p, rules, today) for p in plot_rows],
        "idle": figures.idle_plots(session, rules, today, park.id).get(park.id, []),
        "factories": factory_rows,
        "project_land": figures.project_land(session, park.id),
        "today": today,
    }
    return render(request, "parks/detail.html", context)


def cockpit_table(session: Session, settings: Settings, today: date) -> list:
    """The cockpit's park table: every park's land, idle land and fees, factory vacancy."""
    service.swept(session, service.rules(settings), today)
    return figures.park_figures(session)


def _totals(items: list[figures.ParkFigures]) -> dict[str, float]:
    keys = ("land_mu", "available_mu", "idle_mu", "fees_due", "factory_m2", "vacant_m2")
    totals = {key: sum(getattr(f, key) for f in items) for key in keys}
    totals["idle_plots"] = sum(f.idle_plots for f in items)
    totals["projects"] = sum(f.projects for f in items)
    totals["vacancy_rate"] = (
        totals["vacant_m2"] / totals["factory_m2"] if totals["factory_m2"] else None
    )
    return totals


# --- the lead page's sites panel ---------------------------------------------------------------


def sites_panel(session: Session, user: User, lead: Lead) -> dict:
    """What the lead page's 可选落地空间 panel shows, and whether the user may reserve."""
    found = service.lead_sites(session, lead)
    return {
        "sites": found,
        "sites_shown": found.items[:SITES_SHOWN],
        "sites_may_reserve": policy.may_write_lead(session, user, lead),
        "special_needs": SPECIAL_NEEDS,
    }


@router.post("/parks/sites/{lead_id}")
def reserve_or_release(
    request: Request,
    session: DbSession,
    user: PageUser,
    now: RequestTime,
    lead_id: LeadId,
    action: Annotated[Literal["reserve", "release"], Form()],
    kind: Annotated[Literal["plot", "factory"], Form()],
    site_id: Annotated[int, Form(ge=1, le=2**31 - 1)],
):
    """Reserve a site for the lead (or release it), then back to the lead's sites panel."""
    lead = lead_service.get(session, lead_id)
    policy.require_write_lead(session, user, lead)
    today = local_date(now)
    if action == "reserve":
        service.reserve_site(
            session, lead, SiteRef(kind=kind, id=site_id), today=today, by=user.username
        )
    else:
        service.release_site(session, lead, kind, site_id, today=today, by=user.username)
    return see_other(request, f"/leads/{lead.id}#sites")


Amount = Annotated[float | None, Form(ge=0, le=1e7)]


@router.post("/parks/sites/{lead_id}/needs")
def save_needs(
    request: Request,
    session: DbSession,
    user: PageUser,
    lead_id: LeadId,
    land_mu: Amount = None,
    factory_m2: Amount = None,
    floor_load_kn: Annotated[float | None, Form(gt=0, le=1000)] = None,
    special: Annotated[list[str] | None, Form()] = None,
):
    """State the lead's site needs from its page (the same service as PUT /api/leads/{id}/needs)."""
    lead = lead_service.get(session, lead_id)
    policy.require_write_lead(session, user, lead)
    flags = set(special or ())
    data = NeedsPut(
        land_mu=land_mu,
        factory_m2=factory_m2,
        floor_load_kn=floor_load_kn,
        **{flag: flag in flags for flag in SPECIAL_NEEDS},
    )
    needs.put_for_lead(session, lead, data)
    return see_other(request, f"/leads/{lead.id}#sites")
