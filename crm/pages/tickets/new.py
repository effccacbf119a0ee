"""Raise a ticket ``/tickets/new``: the same rules and service as
``POST /api/projects/{id}/tickets``, offered for the projects the user may write."""

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from pydantic import Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from crm.api.deps import AppSettings, DbSession, RequestTime
from crm.auth import policy
from crm.auth.models import User
from crm.companies.models import Company
from crm.errors import Invalid, NotFound
from crm.leads.models import Lead
from crm.pages.deps import PageUser
from crm.pages.forms import form_values, refused_form, see_other
from crm.pages.templating import render
from crm.projects import service as project_service
from crm.projects.models import CardStatus, GreenCard, Project
from crm.tickets import service as ticket_service
from crm.tickets.models import TicketCategory, TicketPriority
from crm.tickets.schemas import TicketCreate
from crm.tickets.sla import SlaRules

router = APIRouter(include_in_schema=False)

TEMPLATE = "tickets/new.html"


class RaiseForm(TicketCreate):
    project_id: Annotated[int, Field(ge=1, le=2**31 - 1)]


def open_projects(session: Session, user: User) -> list[tuple[int, str, str]]:
    """(project id, company, card number) of the projects ``user`` may raise tickets under:
    theirs by the policy, with an active green card."""
    query = (
        select(Project.id, Company.name, GreenCard.card_no)
        .join(Lead, Project.lead_id == Lead.id)
        .join(Company, Lead.company_id == Company.id)
        .join(GreenCard, GreenCard.project_id == Project.id)
        .where(GreenCard.status == CardStatus.active, policy.writable_projects(user))
        .order_by(Company.name, Project.id)
    )
    return [tuple(row) for row in session.execute(query)]


def _context(session: Session, user: User) -> dict[str, Any]:
    return {
        "projects": open_projects(session, user),
        "categories": list(TicketCategory),
        "priorities": list(TicketPriority),
    }


@router.get("/tickets/new")
def new_ticket(
    request: Request,
    session: DbSession,
    user: PageUser,
    project_id: Annotated[int | None, Query(ge=1, le=2**31 - 1)] = None,
):
    policy.check(user, "tickets", policy.Action.write)
    values = {"project_id": project_id, "priority": TicketPriority.normal.value}
    return render(request, TEMPLATE, {**_context(session, user), "values": values})


@router.post("/tickets/new")
async def raise_ticket(
    request: Request,
    session: DbSession,
    user: PageUser,
    now: RequestTime,
    settings: AppSettings,
):
    policy.check(user, "tickets", policy.Action.write)
    values = await form_values(request)
    with refused_form(request, session, TEMPLATE, lambda: _context(session, user), values=values):
        data = RaiseForm.model_validate(values)
        project = _writable_project(session, user, data.project_id)
        create = TicketCreate.model_validate(data.model_dump(exclude={"project_id"}))
        ticket = ticket_service.create(
            session,
            project,
            create,
            by=user.username,
            now=now,
            sla=SlaRules.from_settings(settings),
        )
    return see_other(request, f"/tickets/{ticket.id}")


def _writable_project(session: Session, user: User, project_id: int) -> Project:
    try:
        project = project_service.get(session, project_id)
    except NotFound:
        raise Invalid("project_id", f"project {project_id} not found") from None
    policy.require_write_project(session, user, project)
    return project
