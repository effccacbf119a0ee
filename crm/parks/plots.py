"""Land plots (地块): the register, hand-made status moves (each dated, with its history row,
audited like every write), and the government-delay flag that stops the idle clock."""

from datetime import date

from sqlalchemy import Select, select
from sqlalchemy.orm import Session, selectinload

from crm.companies import parks as park_service
from crm.companies.models import Company
from crm.errors import Conflict, Invalid, NotFound
from crm.listing import Page, contains, fetch_page
from crm.parks.models import DisposalPath, LandPlot, PlotStatus, PlotStatusChange
from crm.parks.schemas import GovernmentDelay, PlotCreate, PlotMove, PlotUpdate
from crm.projects.models import Project
from crm.updates import check_version

S = PlotStatus
# The moves a person may make; the clock moves supplied/started → idle_suspected itself, and
# reserving for a lead (→ reserved) and assigning at signing go through crm.parks.reservations.
MOVES: dict[PlotStatus, frozenset[PlotStatus]] = {
    S.reserve: frozenset({S.available}),
    S.available: frozenset({S.reserve, S.supplied}),
    S.reserved: frozenset({S.available, S.supplied}),
    S.supplied: frozenset({S.started, S.idle_suspected}),
    S.started: frozenset({S.idle_suspected}),
    S.idle_suspected: frozenset({S.idle_confirmed, S.started}),
    S.idle_confirmed: frozenset({S.fee_levied, S.reclaimed, S.disposed, S.started}),
    S.fee_levied: frozenset({S.reclaimed, S.disposed, S.started}),
    S.reclaimed: frozenset({S.reserve}),
    S.disposed: frozenset({S.started, S.reserve}),
}
HELD = frozenset({S.supplied, S.started, S.idle_suspected, S.idle_confirmed, S.fee_levied})


def get(session: Session, plot_id: int) -> LandPlot:
    plot = session.get(
        LandPlot, plot_id, options=[selectinload(LandPlot.park), selectinload(LandPlot.holder)]
    )
    if plot is None:
        raise NotFound(f"plot {plot_id} not found")
    return plot


def filtered_query(
    *, status: PlotStatus | None = None, park_id: int | None = None, q: str | None = None
) -> Select:
    query = select(LandPlot).options(selectinload(LandPlot.park), selectinload(LandPlot.holder))
    if status is not None:
        query = query.where(LandPlot.status == status)
    if park_id is not None:
        query = query.where(LandPlot.park_id == park_id)
    if q:
        query = query.where(contains(LandPlot.plot_no, q))
    return query.order_by(LandPlot.park_id, LandPlot.plot_no)


def list_plots(session: Session, query: Select, page: Page) -> tuple[list[LandPlot], int]:
    return fetch_page(session, query, page)


def history(session: Session, plot_id: int) -> list[PlotStatusChange]:
    return list(
        session.scalars(
            select(PlotStatusChange)
            .where(PlotStatusChange.plot_id == plot_id)
            .order_by(PlotStatusChange.id)
        )
    )


def create(session: Session, data: PlotCreate, *, today: date, by: str | None) -> LandPlot:
    park = park_service.require(session, data.park)
    _refuse_taken_number(session, park.id, data.plot_no)
    fields = data.model_dump(exclude={"park", "status", "holder_company_id"}, exclude_unset=True)
    plot = LandPlot(park=park, **fields, use=data.use, status=S(data.status), status_on=today)
    _set_holder(session, plot, data.holder_company_id, data.project_id)
    session.add(plot)
    session.flush()
    session.add(PlotStatusChange(plot_id=plot.id, to_status=plot.status, on=today, by=by))
    session.flush()
    return plot


def update(session: Session, plot: LandPlot, data: PlotUpdate) -> LandPlot:
    check_version(plot, data.version, f"plot {plot.id}")
    changes = data.model_dump(exclude_unset=True, exclude={"version"})
    for required in ("plot_no", "area_mu", "use"):
        if required in changes and changes[required] is None:
            raise Invalid(required, f"{required} may not be null")
    if "plot_no" in changes and changes["plot_no"] != plot.plot_no:
        _refuse_taken_number(session, plot.park_id, changes["plot_no"])
    if "holder_company_id" in changes or "project_id" in changes:
        _set_holder(
            session,
            plot,
            changes.pop("holder_company_id", plot.holder_id),
            changes.pop("project_id", plot.project_id),
        )
    for flag in ("dual_power", "pure_water", "hazardous_chemicals"):
        if changes.get(flag, False) is None:
            changes.pop(flag)
    for key, value in changes.items():
        setattr(plot, key, value)
    plot.touch()
    session.flush()
    return plot


def move(session: Session, plot: LandPlot, data: PlotMove, *, today: date, by: str | None):
    """A status change by hand, checked against ``MOVES`` and the plot's own facts."""
    check_version(plot, data.version, f"plot {plot.id}")
    on = data.on or today
    if on > today:
        raise Invalid("on", "a status change cannot be dated in the future")
    target = data.status
    if target == S.reserved:
        raise Invalid("status", "a plot is reserved for a lead from the lead's sites")
    if target not in MOVES[plot.status]:
        allowed = ", ".join(sorted(MOVES[plot.status])) or "none"
        raise Conflict(f"plot {plot.plot_no} is {plot.status.value}: it may move to {allowed}")
    _check_target(plot, target, data.disposal_path)
    record_status(session, plot, target, on=on, by=by, note=data.note)
    _apply_effects(plot, target, on, data.disposal_path)
    session.flush()
    return plot


def _check_target(plot: LandPlot, target: PlotStatus, path: DisposalPath | None) -> None:
    if target == S.supplied and plot.holder_id is None:
        raise Invalid("holder_company_id", "a supplied plot needs its holder (company)")
    if target == S.fee_levied and plot.government_delay:
        raise Invalid("status", "no idle fee: the delay is the government's doing")
    if target == S.disposed and path in (None, DisposalPath.reclaim):
        raise Invalid(
            "disposal_path", "a disposal names its path: promote_start, change_use or land_swap"
        )
    if target != S.disposed and path is not None and target != S.reclaimed:
        raise Invalid("disposal_path", "only a disposal or reclaim takes a disposal path")


def _apply_effects(plot: LandPlot, target: PlotStatus, on: date, path: DisposalPath | None):
    if target == S.started and (plot.actual_start_on is None or plot.work_stopped_on):
        plot.actual_start_on = plot.actual_start_on or on
        plot.work_stopped_on = None
    if target == S.available:
        plot.lead_id = None
    if target == S.reclaimed:
        plot.disposal_path = DisposalPath.reclaim
    elif target == S.disposed:
        plot.disposal_path = path
    if target == S.reserve:
        plot.holder_id = plot.project_id = plot.lead_id = None


def record_status(
    session: Session,
    plot: LandPlot,
    target: PlotStatus,
    *,
    on: date,
    by: str | None,
    note: str | None = None,
) -> None:
    """Move the plot and write the dated history row of the move."""
    session.add(
        PlotStatusChange(
            plot_id=plot.id, from_status=plot.status, to_status=target, on=on, by=by, note=note
        )
    )
    plot.status = target
    plot.status_on = on


def set_government_delay(session: Session, plot: LandPlot, data: GovernmentDelay, *, today: date):
    """Flag or clear a delay of the government's making: the idle clock stops while it lasts
    and resumes, the delay's days added, when it is cleared. No fee is due meanwhile."""
    check_version(plot, data.version, f"plot {plot.id}")
    on = data.on or today
    if on > today:
        raise Invalid("on", "the delay cannot be dated in the future")
    if data.government_delay and not plot.government_delay:
        plot.government_delay = True
        plot.government_delay_since = on
        if plot.status in (S.idle_suspected, S.idle_confirmed):
            plot.fee_due = plot.fee_due_on = plot.reclaim_proposed_on = None
    elif not data.government_delay and plot.government_delay:
        since = plot.government_delay_since or on
        if on < since:
            raise Invalid("on", f"the delay began on {since.isoformat()}")
        plot.government_delay_days += (on - since).days
        plot.government_delay = False
        plot.government_delay_since = None
    plot.touch()
    session.flush()
    return plot


def _refuse_taken_number(session: Session, park_id: int, plot_no: str) -> None:
    taken = select(LandPlot.id).where(LandPlot.park_id == park_id, LandPlot.plot_no == plot_no)
    if session.scalar(taken) is not None:
        raise Conflict(f"plot '{plot_no}' already exists in this park")


def _set_holder(
    session: Session, plot: LandPlot, company_id: int | None, project_id: int | None
) -> None:
    if company_id is not None and session.get(Company, company_id) is None:
        raise Invalid("holder_company_id", f"unknown company {company_id}")
    project = session.get(Project, project_id) if project_id is not None else None
    if project_id is not None and project is None:
        raise Invalid("project_id", f"unknown project {project_id}")
    plot.holder_id = company_id
    plot.project_id = project_id
    if project is not None and company_id is None:
        plot.holder_id = project.lead.company_id
