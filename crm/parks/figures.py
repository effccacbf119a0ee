"""Each park's figures, aggregated in SQL: land (total, available, idle, fees due), factory
occupancy (the 建/租/售 mix and vacancy), and the projects on its land; and the city's list of
idle plots per park with the fee due and the reclaim date."""

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session, selectinload

from crm.companies.models import Park
from crm.parks.clock import IDLE, IdleRules, clock_of
from crm.parks.models import Factory, FactoryMode, FactoryStatus, LandPlot, PlotStatus
from crm.projects.models import Project


@dataclass
class ParkFigures:
    park_id: int
    park: str
    level: str
    plots: int = 0
    land_mu: float = 0.0
    available_mu: float = 0.0
    idle_plots: int = 0
    idle_mu: float = 0.0
    fees_due: float = 0.0  # 万元, idle plots whose fee is due and not yet levied
    fees_levied: float = 0.0
    reclaim_proposed: int = 0
    factory_m2: float = 0.0
    vacant_m2: float = 0.0
    let_m2: float = 0.0
    sold_m2: float = 0.0
    reserved_m2: float = 0.0
    mode_m2: dict[str, float] = field(default_factory=dict)  # build_to_suit / rent / sale
    projects: int = 0
    project_land_mu: float = 0.0

    @property
    def vacancy_rate(self) -> float | None:
        return self.vacant_m2 / self.factory_m2 if self.factory_m2 else None


def park_figures(session: Session, park_ids: list[int] | None = None) -> list[ParkFigures]:
    parks = select(Park.id, Park.name, Park.level).order_by(Park.id)
    if park_ids is not None:
        parks = parks.where(Park.id.in_(park_ids))
    figures = {
        pid: ParkFigures(pid, name, level.value) for pid, name, level in session.execute(parks)
    }
    if not figures:
        return []
    _land(session, figures)
    _factories(session, figures)
    _projects(session, figures)
    return list(figures.values())


def _sum_if(condition, column):
    return func.coalesce(func.sum(case((condition, column), else_=0.0)), 0.0)


def _land(session: Session, figures: dict[int, ParkFigures]) -> None:
    idle = LandPlot.status.in_(IDLE)
    due = idle & (LandPlot.status != PlotStatus.fee_levied) & LandPlot.government_delay.is_(False)
    rows = session.execute(
        select(
            LandPlot.park_id,
            func.count(LandPlot.id),
            func.coalesce(func.sum(LandPlot.area_mu), 0.0),
            _sum_if(LandPlot.status == PlotStatus.available, LandPlot.area_mu),
            func.count(case((idle, LandPlot.id))),
            _sum_if(idle, LandPlot.area_mu),
            _sum_if(due, func.coalesce(LandPlot.fee_due, 0.0)),
            _sum_if(LandPlot.status == PlotStatus.fee_levied, func.coalesce(LandPlot.fee_due, 0.0)),
            func.count(case((idle & LandPlot.reclaim_proposed_on.is_not(None), LandPlot.id))),
        )
        .where(LandPlot.park_id.in_(figures))
        .group_by(LandPlot.park_id)
    )
    for park_id, plots, land, available, idle_plots, idle_mu, due_sum, levied, reclaim in rows:
        f = figures[park_id]
        f.plots, f.land_mu, f.available_mu = plots, land, available
        f.idle_plots, f.idle_mu, f.fees_due = idle_plots, idle_mu, due_sum
        f.fees_levied, f.reclaim_proposed = levied, reclaim


def _factories(session: Session, figures: dict[int, ParkFigures]) -> None:
    rows = session.execute(
        select(Factory.park_id, Factory.status, Factory.mode, func.sum(Factory.area_m2))
        .where(Factory.park_id.in_(figures))
        .group_by(Factory.park_id, Factory.status, Factory.mode)
    )
    for park_id, status, mode, area in rows:
        f = figures[park_id]
        f.factory_m2 += area
        attribute = {
            FactoryStatus.vacant: "vacant_m2",
            FactoryStatus.let: "let_m2",
            FactoryStatus.sold: "sold_m2",
            FactoryStatus.reserved: "reserved_m2",
        }[status]
        setattr(f, attribute, getattr(f, attribute) + area)
        f.mode_m2[mode.value] = f.mode_m2.get(mode.value, 0.0) + area
    for f in figures.values():
        for mode in FactoryMode:
            f.mode_m2.setdefault(mode.value, 0.0)


def _projects(session: Session, figures: dict[int, ParkFigures]) -> None:
    counts = session.execute(
        select(Project.park_id, func.count(Project.id))
        .where(Project.park_id.in_(figures))
        .group_by(Project.park_id)
    )
    for park_id, count in counts:
        figures[park_id].projects = count
    land = session.execute(
        select(LandPlot.park_id, func.sum(LandPlot.area_mu))
        .where(LandPlot.park_id.in_(figures), LandPlot.project_id.is_not(None))
        .group_by(LandPlot.park_id)
    )
    for park_id, area in land:
        figures[park_id].project_land_mu = area


def project_land(session: Session, park_id: int) -> list[dict]:
    """The park's projects with the land and factory space they hold (a fixed two queries)."""
    rows = session.execute(
        select(Project.id, Project.name, func.coalesce(func.sum(LandPlot.area_mu), 0.0))
        .outerjoin(LandPlot, LandPlot.project_id == Project.id)
        .where(Project.park_id == park_id)
        .group_by(Project.id, Project.name)
        .order_by(Project.id)
    ).all()
    space = dict(
        session.execute(
            select(Factory.project_id, func.sum(Factory.area_m2))
            .where(Factory.park_id == park_id, Factory.project_id.is_not(None))
            .group_by(Factory.project_id)
        ).all()
    )
    return [
        {"project_id": pid, "name": name, "land_mu": land, "factory_m2": space.get(pid, 0.0)}
        for pid, name, land in rows
    ]


@dataclass
class IdlePlot:
    plot: LandPlot
    idle_days: int
    fee_due: float | None
    reclaim_on: date | None


def idle_plots(
    session: Session, rules: IdleRules, today: date, park_id: int | None = None
) -> dict[int, list[IdlePlot]]:
    """Idle plots (suspected, confirmed, fee levied) per park, longest idle first."""
    query = (
        select(LandPlot)
        .where(LandPlot.status.in_(IDLE))
        .options(selectinload(LandPlot.park), selectinload(LandPlot.holder))
        .order_by(LandPlot.park_id, LandPlot.id)
    )
    if park_id is not None:
        query = query.where(LandPlot.park_id == park_id)
    grouped: dict[int, list[IdlePlot]] = {}
    for plot in session.scalars(query):
        clock = clock_of(plot, rules, today)
        fee = None if plot.government_delay else plot.fee_due
        grouped.setdefault(plot.park_id, []).append(
            IdlePlot(plot, clock.idle_days, fee, None if clock.stopped else clock.reclaim_on)
        )
    for items in grouped.values():
        items.sort(key=lambda item: -item.idle_days)
    return grouped
