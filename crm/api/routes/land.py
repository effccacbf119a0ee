"""Parks as carriers: land plots and the idle clock, standard factories, 标准地 thresholds,
park figures, and a lead's (or project's) site needs and matching sites."""

from typing import Annotated, Literal

from fastapi import APIRouter, Query, Response
from pydantic import BaseModel

from crm.api.deps import AppSettings, CurrentUser, DbSession, PageParams, RequestTime
from crm.api.records import WritableLead, WritableProject
from crm.clock import local_date
from crm.companies import parks as park_service
from crm.leads import service as lead_service
from crm.listing import ListResult
from crm.parks import factories, figures, needs, plots, service, thresholds
from crm.parks.models import FactoryStatus, PlotStatus
from crm.parks.publics import factory_public, plot_public
from crm.parks.schemas import (
    FactoryCreate,
    FactoryPublic,
    FactoryUpdate,
    GovernmentDelay,
    NeedsPublic,
    NeedsPut,
    PlotCreate,
    PlotMove,
    PlotPublic,
    PlotUpdate,
    SiteRef,
    SitesPublic,
    ThresholdPublic,
    ThresholdPut,
)
from crm.projects import service as project_service

land_router = APIRouter(prefix="/land", tags=["land"])
factory_router = APIRouter(prefix="/factories", tags=["land"])
park_figures_router = APIRouter(prefix="/parks", tags=["parks"])
lead_sites_router = APIRouter(prefix="/leads", tags=["leads"])
project_needs_router = APIRouter(prefix="/projects", tags=["projects"])


class ParkFiguresPublic(BaseModel):
    park_id: int
    park: str
    level: str
    plots: int
    land_mu: float
    available_mu: float
    idle_plots: int
    idle_mu: float
    fees_due: float
    fees_levied: float
    reclaim_proposed: int
    factory_m2: float
    vacant_m2: float
    let_m2: float
    sold_m2: float
    reserved_m2: float
    mode_m2: dict[str, float]
    vacancy_rate: float | None
    projects: int
    project_land_mu: float


class ProjectLand(BaseModel):
    project_id: int
    name: str | None
    land_mu: float
    factory_m2: float


class ParkFiguresDetail(ParkFiguresPublic):
    project_land: list[ProjectLand]


class IdlePlotPublic(BaseModel):
    plot: PlotPublic
    idle_days: int
    fee_due: float | None
    reclaim_on: str | None


class IdleParkPublic(BaseModel):
    park_id: int
    park: str
    idle_mu: float
    fees_due: float
    plots: list[IdlePlotPublic]


def _figures_public(item: figures.ParkFigures) -> dict:
    return {**item.__dict__, "vacancy_rate": item.vacancy_rate}


# --- land -------------------------------------------------------------------------------------


@land_router.get("", response_model=ListResult[PlotPublic])
def list_land(
    session: DbSession,
    page: PageParams,
    now: RequestTime,
    settings: AppSettings,
    status: Annotated[PlotStatus | None, Query()] = None,
    park: Annotated[int | None, Query(description="park id")] = None,
    q: Annotated[str | None, Query(max_length=64, description="plot number contains")] = None,
):
    """Plots with their idle clock; the clock is brought up to today first."""
    items, total = service.land_page(
        session,
        service.rules(settings),
        local_date(now),
        status=status,
        park_id=park,
        q=q,
        page=page,
    )
    return {"items": items, "total": total}


@land_router.get("/idle", response_model=list[IdleParkPublic])
def idle_land(
    session: DbSession,
    now: RequestTime,
    settings: AppSettings,
    park: Annotated[int | None, Query(description="park id")] = None,
):
    """The city's idle plots per park: idle days, the fee due and the reclaim date."""
    rules, today = service.rules(settings), local_date(now)
    service.swept(session, rules, today)
    grouped = figures.idle_plots(session, rules, today, park)
    return [
        IdleParkPublic(
            park_id=park_id,
            park=items[0].plot.park.name,
            idle_mu=sum(i.plot.area_mu for i in items),
            fees_due=sum(i.fee_due or 0 for i in items),
            plots=[
                IdlePlotPublic(
                    plot=plot_public(i.plot, rules, today),
                    idle_days=i.idle_days,
                    fee_due=i.fee_due,
                    reclaim_on=i.reclaim_on.isoformat() if i.reclaim_on else None,
                )
                for i in items
            ],
        )
        for park_id, items in grouped.items()
    ]


@land_router.get("/figures", response_model=list[ParkFiguresPublic])
def all_park_figures(session: DbSession, now: RequestTime, settings: AppSettings):
    """Every park's land, idle land, fees due, factory occupancy and projects."""
    service.swept(session, service.rules(settings), local_date(now))
    return [_figures_public(item) for item in figures.park_figures(session)]


@land_router.post("/sweep")
def sweep_land(session: DbSession, now: RequestTime, settings: AppSettings) -> dict[str, int]:
    """Apply the idle clock's marks reached by today; a second sweep changes nothing."""
    return {"changed": service.clock.sweep(session, service.rules(settings), local_date(now))}


@land_router.get("/thresholds", response_model=list[ThresholdPublic])
def list_thresholds(session: DbSession):
    return [thresholds.public(row) for row in thresholds.list_thresholds(session)]


@land_router.put("/thresholds", response_model=ThresholdPublic)
def put_threshold(data: ThresholdPut, session: DbSession):
    """Set the 标准地 thresholds of a park, an industry (chain), or a park and chain."""
    row = thresholds.put(session, data)
    session.refresh(row)
    return thresholds.public(row)


@land_router.delete("/thresholds/{threshold_id}", status_code=204)
def delete_threshold(threshold_id: int, session: DbSession) -> Response:
    thresholds.delete(session, threshold_id)
    return Response(status_code=204)


@land_router.post("", response_model=PlotPublic, status_code=201)
def create_plot(
    data: PlotCreate, session: DbSession, user: CurrentUser, now: RequestTime, settings: AppSettings
):
    today = local_date(now)
    plot = plots.create(session, data, today=today, by=user.username)
    return service.plot_detail(session, service.rules(settings), today, plot.id)


@land_router.get("/{plot_id}", response_model=PlotPublic)
def get_plot(plot_id: int, session: DbSession, now: RequestTime, settings: AppSettings):
    """A plot with its clock and its dated status history, oldest first."""
    return service.plot_detail(session, service.rules(settings), local_date(now), plot_id)


@land_router.patch("/{plot_id}", response_model=PlotPublic)
def update_plot(
    plot_id: int, data: PlotUpdate, session: DbSession, now: RequestTime, settings: AppSettings
):
    plots.update(session, plots.get(session, plot_id), data)
    return service.plot_detail(session, service.rules(settings), local_date(now), plot_id)


@land_router.post("/{plot_id}/status", response_model=PlotPublic)
def move_plot(
    plot_id: int,
    data: PlotMove,
    session: DbSession,
    user: CurrentUser,
    now: RequestTime,
    settings: AppSettings,
):
    """Move a plot to another status (dated, audited); a refused move is 409 or 422."""
    today = local_date(now)
    plots.move(session, plots.get(session, plot_id), data, today=today, by=user.username)
    return service.plot_detail(session, service.rules(settings), today, plot_id)


@land_router.post("/{plot_id}/government-delay", response_model=PlotPublic)
def government_delay(
    plot_id: int, data: GovernmentDelay, session: DbSession, now: RequestTime, settings: AppSettings
):
    """Flag (or clear) a delay of the government's making: the idle clock stops meanwhile."""
    today = local_date(now)
    plots.set_government_delay(session, plots.get(session, plot_id), data, today=today)
    return service.plot_detail(session, service.rules(settings), today, plot_id)


# --- factories --------------------------------------------------------------------------------


@factory_router.get("", response_model=ListResult[FactoryPublic])
def list_factories(
    session: DbSession,
    page: PageParams,
    status: Annotated[FactoryStatus | None, Query()] = None,
    park: Annotated[int | None, Query(description="park id")] = None,
    q: Annotated[str | None, Query(max_length=64, description="building contains")] = None,
):
    items, total = service.factory_page(session, status=status, park_id=park, q=q, page=page)
    return {"items": items, "total": total}


@factory_router.post("", response_model=FactoryPublic, status_code=201)
def create_factory(data: FactoryCreate, session: DbSession):
    factory = factories.create(session, data)
    return factory_public(factories.get(session, factory.id))


@factory_router.get("/{factory_id}", response_model=FactoryPublic)
def get_factory(factory_id: int, session: DbSession):
    return factory_public(factories.get(session, factory_id))


@factory_router.patch("/{factory_id}", response_model=FactoryPublic)
def update_factory(factory_id: int, data: FactoryUpdate, session: DbSession):
    factory = factories.update(session, factories.get(session, factory_id), data)
    session.refresh(factory)
    return factory_public(factory)


# --- park figures -----------------------------------------------------------------------------


@park_figures_router.get("/{park_id}/figures", response_model=ParkFiguresDetail)
def park_figures(park_id: int, session: DbSession, now: RequestTime, settings: AppSettings):
    """One park's land, idle land and fees due, factory occupancy, projects and their land."""
    park_service.get(session, park_id)
    service.swept(session, service.rules(settings), local_date(now))
    (item,) = figures.park_figures(session, [park_id])
    return {**_figures_public(item), "project_land": figures.project_land(session, park_id)}


# --- a lead's needs and sites -----------------------------------------------------------------


@lead_sites_router.get("/{lead_id}/needs", response_model=NeedsPublic)
def lead_needs(lead_id: int, session: DbSession):
    lead = lead_service.get(session, lead_id)
    return needs.public(needs.of_lead(session, lead.id))


@lead_sites_router.put("/{lead_id}/needs", response_model=NeedsPublic)
def put_lead_needs(data: NeedsPut, lead: WritableLead, session: DbSession):
    """State the lead's land, factory and special needs (replaces what was stated)."""
    return needs.public(needs.put_for_lead(session, lead, data))


@lead_sites_router.get("/{lead_id}/sites", response_model=SitesPublic)
def lead_sites(lead_id: int, session: DbSession):
    """Available plots and vacant factories that fit the lead's needs, ranked, with reasons."""
    return service.lead_sites(session, lead_service.get(session, lead_id))


@lead_sites_router.post("/{lead_id}/sites", response_model=SitesPublic)
def reserve_site(
    site: SiteRef, lead: WritableLead, session: DbSession, user: CurrentUser, now: RequestTime
):
    """Reserve a site for the lead (assigned at once if the lead has signed); a site already
    taken is 409."""
    return service.reserve_site(session, lead, site, today=local_date(now), by=user.username)


@lead_sites_router.delete("/{lead_id}/sites/{kind}/{site_id}", response_model=SitesPublic)
def release_site(
    kind: Literal["plot", "factory"],
    site_id: int,
    lead: WritableLead,
    session: DbSession,
    user: CurrentUser,
    now: RequestTime,
):
    """Give a site reserved for the lead back to the park's offer."""
    return service.release_site(
        session, lead, kind, site_id, today=local_date(now), by=user.username
    )


@project_needs_router.get("/{project_id}/needs", response_model=NeedsPublic)
def project_needs(project_id: int, session: DbSession):
    project = project_service.get(session, project_id)
    return needs.public(needs.of_project(session, project.id))


@project_needs_router.put("/{project_id}/needs", response_model=NeedsPublic)
def put_project_needs(data: NeedsPut, project: WritableProject, session: DbSession):
    return needs.public(needs.put_for_project(session, project, data))
