"""Service tickets (诉求 / 服务工单) with an SLA by priority: under a project's green card, or
raised for a local company (no project).

A ticket open or in progress past its due time is overdue; overdue tickets escalate to the
leader of the task force pursuing the project's lead (a local company's ticket: to the city
leader who keeps in touch with the firm), and are counted for the dashboard.
"""

from datetime import datetime, timedelta
from enum import StrEnum

from sqlalchemy import ColumnElement, Select, and_, case, func, or_, select
from sqlalchemy.orm import Session, selectinload

from crm.auth import service as auth_service
from crm.auth.models import User
from crm.chains.models import Chain, Segment
from crm.companies.models import Company
from crm.errors import Conflict, Invalid, NotFound
from crm.ladder.models import CompanyLiaison
from crm.leads.models import Lead
from crm.listing import Page, contains, fetch_page
from crm.projects.models import CardStatus, Project
from crm.taskforces.models import TaskForce
from crm.tickets.models import (
    OPEN_STATUSES,
    Ticket,
    TicketCategory,
    TicketPriority,
    TicketStatus,
)
from crm.tickets.schemas import TicketCreate, TicketPublic, TicketUpdate
from crm.tickets.sla import SlaRules, calendar, schedule
from crm.updates import check_version, refuse_nulls

FINAL_STATUSES = (TicketStatus.resolved, TicketStatus.closed)

_LOAD = (
    selectinload(Ticket.assignee),
    selectinload(Ticket.company),
    selectinload(Ticket.liaison).selectinload(CompanyLiaison.user),
    selectinload(Ticket.green_card),
    selectinload(Ticket.project).selectinload(Project.lead).selectinload(Lead.company),
    selectinload(Ticket.project)
    .selectinload(Project.lead)
    .selectinload(Lead.task_force)
    .selectinload(TaskForce.leader),
)


def overdue_condition(now: datetime) -> ColumnElement[bool]:
    return Ticket.status.in_(OPEN_STATUSES) & (Ticket.due_at < now)


def is_overdue(ticket: Ticket, now: datetime) -> bool:
    return ticket.status in OPEN_STATUSES and ticket.due_at < now


# An open ticket due within this window is "due soon" (the queue shows it as a warning): an
# urgent ticket (due at the end of the next working day) raised on a working day before a working
# day is due soon from the moment it is raised.
DUE_SOON = timedelta(hours=48)


class SlaState(StrEnum):
    overdue = "overdue"
    due_soon = "due_soon"
    on_time = "on_time"
    stopped = "stopped"  # resolved or closed: the SLA clock no longer runs


def sla_state(ticket: Ticket, now: datetime) -> SlaState:
    """Where the ticket stands against its due time; overdue exactly as :func:`is_overdue`."""
    if ticket.status not in OPEN_STATUSES:
        return SlaState.stopped
    if is_overdue(ticket, now):
        return SlaState.overdue
    if ticket.due_at - now <= DUE_SOON:
        return SlaState.due_soon
    return SlaState.on_time


def escalation_target(ticket: Ticket) -> User | None:
    """The leader of the task force pursuing the project's lead, if there is one; for a local
    company's ticket, the firm's liaison city leader."""
    if ticket.project is None:
        return ticket.liaison.user if ticket.liaison else None
    task_force = ticket.project.lead.task_force
    return task_force.leader if task_force else None


def get(session: Session, ticket_id: int) -> Ticket:
    ticket = session.get(Ticket, ticket_id, options=list(_LOAD))
    if ticket is None:
        raise NotFound(f"ticket {ticket_id} not found")
    return ticket


def create(
    session: Session,
    project: Project,
    data: TicketCreate,
    *,
    by: str | None,
    now: datetime,
    sla: SlaRules,
) -> Ticket:
    card = project.green_card
    if card is None:
        raise Conflict(f"project {project.id} has no green card; tickets are raised under one")
    if card.status != CardStatus.active:
        raise Conflict(
            f"green card {card.card_no} of project {project.id} is closed; "
            "tickets can only be raised under an active green card"
        )
    assignee = (
        auth_service.require_user(session, data.assignee, field="assignee")
        if data.assignee
        else project.specialist
    )
    ticket = Ticket(
        project=project,
        green_card=card,
        category=data.category,
        title=data.title,
        description=data.description,
        priority=data.priority,
        status=TicketStatus.open,
        assignee=assignee,
        raised_by=by,
        raised_at=now,
    )
    schedule(ticket, sla, calendar(session, sla))
    session.add(ticket)
    session.flush()
    return ticket


def create_for_company(
    session: Session,
    company: Company,
    data: TicketCreate,
    *,
    by: str | None,
    now: datetime,
    sla: SlaRules,
) -> Ticket:
    """A ticket for a local company with no project: the same SLA; assigned to whoever
    raises it unless an assignee is named."""
    if not company.is_local:
        raise Invalid(
            "company_id",
            f"企业 {company.name} 不是本地企业：无项目的诉求只为本地企业受理 "
            "(a ticket without a project is for a local company only)",
        )
    named = data.assignee or by
    ticket = Ticket(
        company=company,
        category=data.category,
        title=data.title,
        description=data.description,
        priority=data.priority,
        status=TicketStatus.open,
        assignee=auth_service.require_user(session, named, field="assignee") if named else None,
        raised_by=by,
        raised_at=now,
    )
    schedule(ticket, sla, calendar(session, sla))
    session.add(ticket)
    session.flush()
    return ticket


def company_name(ticket: Ticket) -> str:
    if ticket.company is not None:
        return ticket.company.name
    return ticket.project.lead.company.name


def update(
    session: Session,
    ticket: Ticket,
    data: TicketUpdate,
    *,
    now: datetime,
    sla: SlaRules,
) -> Ticket:
    check_version(ticket, data.version, f"ticket {ticket.id}")
    changes = data.model_dump(exclude_unset=True, exclude={"version"})
    refuse_nulls(changes, "status", "category", "title", "priority")
    if ticket.status == TicketStatus.closed and set(changes) - {"satisfaction"}:
        raise Invalid(
            "status", f"ticket {ticket.id} is closed; it only takes a satisfaction rating"
        )
    with session.no_autoflush:
        if "assignee" in changes:
            username = changes.pop("assignee")
            ticket.assignee = (
                auth_service.require_user(session, username, field="assignee") if username else None
            )
        for key in ("category", "title", "description", "satisfaction"):
            if key in changes:
                setattr(ticket, key, changes[key])
        if "resolution" in changes:
            ticket.resolution = (changes["resolution"] or "").strip() or None
        if "priority" in changes:
            ticket.priority = changes["priority"]
            schedule(ticket, sla, calendar(session, sla))
        _move(ticket, changes.get("status", ticket.status), now=now)
        if changes.get("satisfaction") is not None and ticket.status not in FINAL_STATUSES:
            raise Invalid("satisfaction", "a ticket is rated once it is resolved")
        ticket.touch()
    session.flush()
    return ticket


def _move(ticket: Ticket, status: TicketStatus, *, now: datetime) -> None:
    """Put the ticket in ``status``, stamping when it was resolved or closed."""
    if status in FINAL_STATUSES and not ticket.resolution:
        raise Invalid("resolution", f"a {status.value} ticket needs a resolution")
    if status in OPEN_STATUSES:  # reopened: the old rating was of the old resolution
        ticket.resolved_at = None
        ticket.closed_at = None
        ticket.satisfaction = None
    if status in FINAL_STATUSES and ticket.resolved_at is None:
        ticket.resolved_at = now
    if status == TicketStatus.closed and ticket.closed_at is None:
        ticket.closed_at = now
    ticket.status = status


def filtered_query(
    *,
    now: datetime,
    q: str | None = None,
    status: TicketStatus | None = None,
    category: TicketCategory | None = None,
    priority: TicketPriority | None = None,
    project_id: int | None = None,
    company_id: int | None = None,
    assignee: str | None = None,
    overdue: bool | None = None,
    escalated_to: str | None = None,
    task_force_id: int | None = None,
    chain: str | None = None,
    only: ColumnElement[bool] | None = None,
) -> Select:
    """``only``: a further condition, such as the policy's tickets a user may write."""
    query = select(Ticket)
    if only is not None:
        query = query.where(only)
    if q:
        query = query.where(contains(Ticket.title, q))
    if status:
        query = query.where(Ticket.status == status)
    if category:
        query = query.where(Ticket.category == category)
    if priority:
        query = query.where(Ticket.priority == priority)
    if project_id is not None:
        query = query.where(Ticket.project_id == project_id)
    if company_id is not None:
        query = query.where(Ticket.company_id == company_id)
    if assignee:
        query = query.where(Ticket.assignee.has(User.username == assignee))
    if overdue is not None:
        late = overdue_condition(now)
        query = query.where(late if overdue else ~late)
    if escalated_to:
        query = query.where(
            overdue_condition(now),
            or_(
                Ticket.project.has(
                    Project.lead.has(
                        Lead.task_force.has(TaskForce.leader.has(User.username == escalated_to))
                    )
                ),
                Ticket.liaison.has(CompanyLiaison.user.has(User.username == escalated_to)),
            ),
        )
    lead_conditions = []
    if task_force_id is not None:
        lead_conditions.append(Lead.task_force_id == task_force_id)
    if chain:
        lead_conditions.append(Lead.segment.has(Segment.chain.has(Chain.code == chain)))
    if lead_conditions:
        query = query.where(Ticket.project.has(Project.lead.has(and_(*lead_conditions))))
    return query


def list_tickets(
    session: Session, *, page: Page, now: datetime, **filters
) -> tuple[list[Ticket], int]:
    query = filtered_query(now=now, **filters)
    return fetch_page(session, query.options(*_LOAD).order_by(Ticket.due_at, Ticket.id), page)


def list_queue(
    session: Session, *, page: Page, now: datetime, **filters
) -> tuple[list[Ticket], int]:
    """The ticket queue: overdue tickets first, then the other open ones, then the resolved
    and closed; soonest due first within each."""
    rank = case((overdue_condition(now), 0), (Ticket.status.in_(OPEN_STATUSES), 1), else_=2)
    query = filtered_query(now=now, **filters).options(*_LOAD)
    return fetch_page(session, query.order_by(rank, Ticket.due_at, Ticket.id), page)


def overdue_ticket_count(
    session: Session,
    *,
    now: datetime,
    task_force_id: int | None = None,
    chain: str | None = None,
    escalated_to: str | None = None,
) -> int:
    """Open and in-progress tickets past their due time (the dashboard's count)."""
    query = filtered_query(
        now=now, overdue=True, task_force_id=task_force_id, chain=chain, escalated_to=escalated_to
    )
    return session.scalar(select(func.count()).select_from(query.subquery())) or 0


def public(ticket: Ticket, *, now: datetime) -> TicketPublic:
    overdue = is_overdue(ticket, now)
    leader = escalation_target(ticket) if overdue else None
    return TicketPublic(
        id=ticket.id,
        project_id=ticket.project_id,
        company_id=ticket.company_id,
        company=company_name(ticket),
        card_no=ticket.green_card.card_no if ticket.green_card else None,
        category=ticket.category,
        title=ticket.title,
        description=ticket.description,
        priority=ticket.priority,
        status=ticket.status,
        assignee=ticket.assignee.username if ticket.assignee else None,
        raised_by=ticket.raised_by,
        raised_at=ticket.raised_at,
        due_at=ticket.due_at,
        overdue=overdue,
        escalated_to=leader.username if leader else None,
        resolution=ticket.resolution,
        resolved_at=ticket.resolved_at,
        closed_at=ticket.closed_at,
        satisfaction=ticket.satisfaction,
        version=ticket.version,
    )
