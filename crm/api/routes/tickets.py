from typing import Annotated

from fastapi import APIRouter, Query

from crm.api.deps import AppSettings, CurrentUser, DbSession, PageParams, RequestTime
from crm.api.records import MineTickets, WritableProject, WritableTicket
from crm.auth import policy
from crm.companies import service as company_service
from crm.listing import ListResult
from crm.projects import service as project_service
from crm.tickets import service as ticket_service
from crm.tickets.models import TicketCategory, TicketPriority, TicketStatus
from crm.tickets.schemas import TicketCreate, TicketPublic, TicketUpdate
from crm.tickets.sla import SlaRules

router = APIRouter(tags=["tickets"])


@router.get("/tickets", response_model=ListResult[TicketPublic])
def list_tickets(
    session: DbSession,
    page: PageParams,
    now: RequestTime,
    mine: MineTickets,
    q: Annotated[str | None, Query(description="text in the title")] = None,
    status: TicketStatus | None = None,
    category: TicketCategory | None = None,
    priority: TicketPriority | None = None,
    project_id: int | None = None,
    assignee: Annotated[str | None, Query(description="username")] = None,
    overdue: Annotated[bool | None, Query(description="open or in progress, past due")] = None,
    escalated_to: Annotated[
        str | None, Query(description="username of a task force leader: their overdue tickets")
    ] = None,
    task_force_id: Annotated[int | None, Query(description="of the project's lead")] = None,
    chain: Annotated[str | None, Query(description="chain code of the project's lead")] = None,
):
    """Service tickets, soonest due first."""
    items, total = ticket_service.list_tickets(
        session,
        page=page,
        now=now,
        q=q,
        status=status,
        category=category,
        priority=priority,
        project_id=project_id,
        assignee=assignee,
        overdue=overdue,
        escalated_to=escalated_to,
        task_force_id=task_force_id,
        chain=chain,
        only=mine,
    )
    return {"items": [ticket_service.public(t, now=now) for t in items], "total": total}


@router.get("/tickets/escalations", response_model=ListResult[TicketPublic])
def my_escalations(session: DbSession, page: PageParams, now: RequestTime, user: CurrentUser):
    """Overdue tickets of projects whose lead's task force the signed-in user leads."""
    items, total = ticket_service.list_tickets(
        session, page=page, now=now, escalated_to=user.username
    )
    return {"items": [ticket_service.public(t, now=now) for t in items], "total": total}


@router.get("/tickets/{ticket_id}", response_model=TicketPublic)
def get_ticket(ticket_id: int, session: DbSession, now: RequestTime):
    return ticket_service.public(ticket_service.get(session, ticket_id), now=now)


@router.patch("/tickets/{ticket_id}", response_model=TicketPublic)
def update_ticket(
    ticket: WritableTicket,
    data: TicketUpdate,
    session: DbSession,
    now: RequestTime,
    settings: AppSettings,
):
    """Work on a ticket: resolving or closing needs a ``resolution``; ``satisfaction`` (1–5)
    rates a resolved ticket; a new ``priority`` moves the due time."""
    ticket_service.update(session, ticket, data, now=now, sla=SlaRules.from_settings(settings))
    return ticket_service.public(ticket, now=now)


@router.get("/projects/{project_id}/tickets", response_model=ListResult[TicketPublic])
def list_project_tickets(
    project_id: int,
    session: DbSession,
    page: PageParams,
    now: RequestTime,
    status: TicketStatus | None = None,
    overdue: bool | None = None,
):
    project_service.get(session, project_id)  # 404 for an unknown project
    items, total = ticket_service.list_tickets(
        session, page=page, now=now, project_id=project_id, status=status, overdue=overdue
    )
    return {"items": [ticket_service.public(t, now=now) for t in items], "total": total}


@router.post("/projects/{project_id}/tickets", response_model=TicketPublic, status_code=201)
def raise_ticket(
    project: WritableProject,
    data: TicketCreate,
    session: DbSession,
    user: CurrentUser,
    now: RequestTime,
    settings: AppSettings,
):
    """Raise a service request (诉求) under the project's active green card; ``due_at``
    follows the SLA of its priority."""
    ticket = ticket_service.create(
        session, project, data, by=user.username, now=now, sla=SlaRules.from_settings(settings)
    )
    return ticket_service.public(ticket, now=now)


@router.get("/companies/{company_id}/tickets", response_model=ListResult[TicketPublic])
def list_company_tickets(
    company_id: int,
    session: DbSession,
    page: PageParams,
    now: RequestTime,
    status: TicketStatus | None = None,
    overdue: bool | None = None,
):
    """A local company's own tickets (those raised for it, not under a project)."""
    company_service.get(session, company_id)  # 404 for an unknown company
    items, total = ticket_service.list_tickets(
        session, page=page, now=now, company_id=company_id, status=status, overdue=overdue
    )
    return {"items": [ticket_service.public(t, now=now) for t in items], "total": total}


@router.post("/companies/{company_id}/tickets", response_model=TicketPublic, status_code=201)
def raise_company_ticket(
    company_id: int,
    data: TicketCreate,
    session: DbSession,
    user: CurrentUser,
    now: RequestTime,
    settings: AppSettings,
):
    """Raise a service request for a local company with no project (the promotion office);
    the same SLA by priority. Assigned to whoever raises it unless ``assignee`` is named."""
    policy.require_office(user, "raises a ticket for a local company")
    company = company_service.get(session, company_id)
    ticket = ticket_service.create_for_company(
        session, company, data, by=user.username, now=now, sla=SlaRules.from_settings(settings)
    )
    return ticket_service.public(ticket, now=now)
