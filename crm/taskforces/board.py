"""What a task force's page and the task force listing show, aggregated in SQL.

Each function answers for any number of task forces (or one) in a fixed number of queries:
a page never asks the database once per task force, lead or project.
"""

from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import and_, func, select
from sqlalchemy.orm import Session, selectinload

from crm.chains.models import Segment
from crm.leads.models import PIPELINE, RANK, Lead, Stage, Visit, VisitStatus
from crm.projects.models import Project
from crm.taskforces.models import TaskForce, task_force_member
from crm.tickets import service as ticket_service
from crm.tickets.models import OPEN_STATUSES, Ticket

OPEN_STAGES = [stage for stage in PIPELINE if RANK[stage] < RANK[Stage.signed]]
SIGNED_STAGES = [stage for stage in PIPELINE if RANK[stage] >= RANK[Stage.signed]]


@dataclass
class UnitFigures:
    """The key numbers of one task force."""

    members: int = 0
    open_leads: int = 0
    signed_leads: int = 0
    upcoming_visits: int = 0
    overdue_follow_ups: int = 0
    open_tickets: int = 0
    overdue_tickets: int = 0


@dataclass
class ProjectTickets:
    project: Project
    open_tickets: int
    overdue_tickets: int
    tickets: list[Ticket] = field(default_factory=list)


def all_task_forces(session: Session) -> list[TaskForce]:
    """Every task force with its leader, by kind and id."""
    query = select(TaskForce).options(selectinload(TaskForce.leader)).order_by(TaskForce.id)
    return list(session.scalars(query))


def unit_figures(
    session: Session, task_force_ids: list[int], *, today: date, now: datetime
) -> dict[int, UnitFigures]:
    """``{task force id: UnitFigures}`` in five grouped queries, whatever the number of ids."""
    figures = {tf_id: UnitFigures() for tf_id in task_force_ids}
    if not task_force_ids:
        return figures
    for tf_id, count in _members(session, task_force_ids):
        figures[tf_id].members = count
    for tf_id, open_leads, signed, overdue in _lead_figures(session, task_force_ids, today):
        figures[tf_id].open_leads = open_leads or 0
        figures[tf_id].signed_leads = signed or 0
        figures[tf_id].overdue_follow_ups = overdue or 0
    for tf_id, count in _upcoming_visits(session, task_force_ids, today):
        figures[tf_id].upcoming_visits = count
    for tf_id, open_count, overdue in _ticket_figures(session, task_force_ids, now):
        figures[tf_id].open_tickets = open_count or 0
        figures[tf_id].overdue_tickets = overdue or 0
    return figures


def _members(session: Session, ids: list[int]):
    column = task_force_member.c.task_force_id
    query = select(column, func.count()).where(column.in_(ids)).group_by(column)
    return session.execute(query).all()


def _lead_figures(session: Session, ids: list[int], today: date):
    is_open = Lead.stage.in_(OPEN_STAGES)
    late = is_open & (Lead.next_follow_up < today)
    query = (
        select(
            Lead.task_force_id,
            func.count().filter(is_open),
            func.count().filter(Lead.stage.in_(SIGNED_STAGES)),
            func.count().filter(late),
        )
        .where(Lead.task_force_id.in_(ids))
        .group_by(Lead.task_force_id)
    )
    return session.execute(query).all()


def _upcoming_visits(session: Session, ids: list[int], today: date):
    query = (
        select(Visit.task_force_id, func.count())
        .where(
            Visit.task_force_id.in_(ids),
            Visit.status == VisitStatus.planned,
            Visit.date >= today,
        )
        .group_by(Visit.task_force_id)
    )
    return session.execute(query).all()


def _ticket_figures(session: Session, ids: list[int], now: datetime):
    is_open = Ticket.status.in_(OPEN_STATUSES)
    query = (
        select(
            Lead.task_force_id,
            func.count().filter(is_open),
            func.count().filter(ticket_service.overdue_condition(now)),
        )
        .select_from(Ticket)
        .join(Project, Project.id == Ticket.project_id)
        .join(Lead, Lead.id == Project.lead_id)
        .where(Lead.task_force_id.in_(ids))
        .group_by(Lead.task_force_id)
    )
    return session.execute(query).all()


_LEAD_LOAD = (
    selectinload(Lead.company),
    selectinload(Lead.segment).selectinload(Segment.chain),
    selectinload(Lead.owner),
)


def open_leads(session: Session, task_force_id: int) -> list[Lead]:
    """The leads still pursued: priority first, then the furthest along."""
    query = (
        select(Lead)
        .where(Lead.task_force_id == task_force_id, Lead.stage.in_(OPEN_STAGES))
        .options(*_LEAD_LOAD)
        .order_by(Lead.priority, Lead.highest_rank.desc(), Lead.id)
    )
    return list(session.scalars(query))


def overdue_follow_ups(session: Session, task_force_id: int, *, today: date) -> list[Lead]:
    """Open leads whose follow-up date has passed, the longest overdue first."""
    query = (
        select(Lead)
        .where(
            Lead.task_force_id == task_force_id,
            Lead.stage.in_(OPEN_STAGES),
            Lead.next_follow_up < today,
        )
        .options(*_LEAD_LOAD)
        .order_by(Lead.next_follow_up, Lead.id)
    )
    return list(session.scalars(query))


def visits_between(session: Session, task_force_id: int, first: date, last: date) -> list[Visit]:
    """The task force's visits from ``first`` to ``last`` (both included), by day."""
    query = (
        select(Visit)
        .where(Visit.task_force_id == task_force_id, Visit.date >= first, Visit.date <= last)
        .options(selectinload(Visit.lead).selectinload(Lead.company))
        .order_by(Visit.date, Visit.id)
    )
    return list(session.scalars(query))


def pending_visits(session: Session, lead_ids: list[int], *, today: date) -> dict[int, date]:
    """``{lead id: first planned visit from today on}`` for the leads that have one."""
    if not lead_ids:
        return {}
    query = (
        select(Visit.lead_id, func.min(Visit.date))
        .where(
            Visit.lead_id.in_(lead_ids),
            Visit.status == VisitStatus.planned,
            Visit.date >= today,
        )
        .group_by(Visit.lead_id)
    )
    return {lead_id: first for lead_id, first in session.execute(query)}


def projects_with_tickets(
    session: Session, task_force_id: int, *, now: datetime
) -> list[ProjectTickets]:
    """The task force's projects, newest signing first, each with its open tickets."""
    projects = list(
        session.scalars(
            select(Project)
            .join(Lead, Lead.id == Project.lead_id)
            .where(Lead.task_force_id == task_force_id)
            .options(
                selectinload(Project.lead).selectinload(Lead.company),
                selectinload(Project.specialist),
            )
            .order_by(Project.signed_on.desc(), Project.id.desc())
        )
    )
    tickets = session.scalars(
        select(Ticket)
        .join(Project, Project.id == Ticket.project_id)
        .join(Lead, and_(Lead.id == Project.lead_id, Lead.task_force_id == task_force_id))
        .where(Ticket.status.in_(OPEN_STATUSES))
        .order_by(Ticket.due_at, Ticket.id)
    )
    by_project: dict[int, list[Ticket]] = {}
    for ticket in tickets:
        by_project.setdefault(ticket.project_id, []).append(ticket)
    rows = []
    for project in projects:
        open_tickets = by_project.get(project.id, [])
        overdue = sum(1 for ticket in open_tickets if ticket_service.is_overdue(ticket, now))
        rows.append(ProjectTickets(project, len(open_tickets), overdue, open_tickets))
    return rows
