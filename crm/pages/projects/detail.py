"""``/projects/{id}``: everything about one signed project, and the forms its user may use."""

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Path, Request
from sqlalchemy import select
from sqlalchemy.orm import Session

from crm.api.deps import AppSettings, DbSession, RequestTime
from crm.auth import policy
from crm.auth import service as auth_service
from crm.auth.models import Role, User
from crm.config import Settings
from crm.errors import NotPermitted
from crm.listing import Page
from crm.pages.deps import PageUser
from crm.pages.projects.choices import edit_choices
from crm.pages.projects.plan_context import plan_context
from crm.pages.templating import render
from crm.projects import policy as package_service
from crm.projects import records as project_records
from crm.projects import service as project_service
from crm.projects.models import CardStatus, IncentiveType, Project
from crm.tickets import service as ticket_service
from crm.tickets.models import TicketCategory, TicketPriority

router = APIRouter()

ProjectId = Annotated[int, Path(ge=1, le=2**31 - 1)]
TEMPLATE = "projects/detail.html"
TICKETS_SHOWN = 100


@router.get("/projects/{project_id}")
def project_page(
    request: Request,
    session: DbSession,
    user: PageUser,
    now: RequestTime,
    settings: AppSettings,
    project_id: ProjectId,
):
    context = project_context(session, user, project_id, now=now, settings=settings)
    return render(request, TEMPLATE, context)


def project_context(
    session: Session, user: User, project_id: int, *, now: datetime, settings: Settings
) -> dict:
    """What the project page shows; built again from the database after a refused form."""
    project = project_service.get(session, project_id)
    may_write = policy.may_write_project(session, user, project)
    tickets, ticket_total = ticket_service.list_tickets(
        session, page=Page(limit=TICKETS_SHOWN), now=now, project_id=project.id
    )
    card = project.green_card
    in_place = project_records.investment_in_place(project)
    may_reassign = may_write and may_reassign_specialist(session, user, project)
    actors = [change.by for change in project.specialist_history]
    actors += [entry.by for entry in project.funding]
    actors += [m.verified_by for m in project.milestones if m.verified_by]
    return {
        "project": project,
        "lead": project.lead,
        "card": card,
        "in_place": in_place,
        "in_place_rate": in_place / project.signed_investment
        if project.signed_investment
        else None,
        "policy_totals": _policy_totals(project),
        "tickets": [(ticket, ticket_service.sla_state(ticket, now)) for ticket in tickets],
        "ticket_total": ticket_total,
        "names": auth_service.full_names(session, actors),
        "may_write": may_write,
        "may_raise_ticket": may_write and card is not None and card.status == CardStatus.active,
        "may_reassign": may_reassign,
        "specialists": _specialists(session) if may_reassign else [],
        "incentive_types": list(IncentiveType),
        "ticket_categories": list(TicketCategory),
        "ticket_priorities": list(TicketPriority),
        "form": None,
        **edit_choices(session, user, project, may_write=may_write),
        **plan_context(session, user, project, now=now, settings=settings),
    }


def may_reassign_specialist(session: Session, user: User, project: Project) -> bool:
    """Asks the policy's own field rule whether ``user`` may name another specialist."""
    try:
        policy.require_project_fields(session, user, project, {"specialist": object()})
    except NotPermitted:
        return False
    return True


def _specialists(session: Session) -> list[Any]:
    query = select(User.username, User.full_name).where(
        User.role == Role.specialist, User.is_active.is_(True)
    )
    return session.execute(query.order_by(User.username)).all()


def _policy_totals(project: Project) -> dict:
    return package_service.totals(project.incentives).model_dump()
