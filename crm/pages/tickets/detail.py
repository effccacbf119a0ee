"""One ticket ``/tickets/{id}``: its facts, its history, and the actions the policy allows
(assign, change status, resolve, close with a rating) through the same service as the API."""

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Request
from pydantic import Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from crm.api.deps import AppSettings, DbSession, RequestTime
from crm.auth import policy
from crm.auth.models import Role, User
from crm.fields import InputModel, LongText
from crm.pages.deps import PageUser
from crm.pages.forms import form_values, refused_form, see_other
from crm.pages.templating import render
from crm.pages.tickets.common import (
    back_path,
    full_names,
    local_time,
    may_write_tickets,
    ticket_rows,
)
from crm.tickets import history as ticket_history
from crm.tickets import service as ticket_service
from crm.tickets.models import OPEN_STATUSES, Ticket, TicketStatus
from crm.tickets.schemas import Satisfaction, TicketUpdate
from crm.tickets.sla import SlaRules

router = APIRouter(include_in_schema=False)

TicketId = Annotated[int, Path(ge=1, le=2**31 - 1)]
TEMPLATE = "tickets/detail.html"


class AssignForm(InputModel):
    version: int
    assignee: str = Field(max_length=64)


class StatusForm(InputModel):
    """Between open and in progress (reopening included); resolving and closing have their
    own forms, which ask for a resolution and a rating."""

    version: int
    status: Literal["open", "in_progress"]


class ResolveForm(InputModel):
    version: int
    resolution: Annotated[LongText, Field(min_length=1)]


class CloseForm(InputModel):
    version: int
    satisfaction: Satisfaction


@router.get("/tickets/{ticket_id}")
def ticket_page(
    request: Request,
    session: DbSession,
    user: PageUser,
    now: RequestTime,
    ticket_id: TicketId,
    back: str | None = None,
):
    context = ticket_context(session, user, ticket_service.get(session, ticket_id), now)
    context["return_to"] = back_path(back)
    return render(request, TEMPLATE, context)


def ticket_context(session: Session, user: User, ticket: Ticket, now) -> dict[str, Any]:
    events = ticket_history.ticket_history(session, ticket)
    names = full_names(
        session,
        [ticket.raised_by]
        + [e.actor for e in events]
        + [v for e in events if e.field == "assignee" for v in (e.old, e.new)],
    )
    may_act = may_write_tickets(user) and policy.may_write_ticket(session, user, ticket)
    return {
        "ticket": ticket,
        "row": ticket_rows([ticket], now)[0],
        "raised_by": names.get(ticket.raised_by or "", ticket.raised_by),
        "events": events,
        "names": names,
        "actions": _actions(ticket) if may_act else set(),
        "people": _assignable_people(session) if may_act else [],
        "next_statuses": [s for s in OPEN_STATUSES if s != ticket.status],
        "local_time": local_time,
    }


def _actions(ticket: Ticket) -> set[str]:
    """What may be done to a ticket in its status (a closed one takes nothing more)."""
    if ticket.status == TicketStatus.closed:
        return set()
    if ticket.status == TicketStatus.resolved:
        return {"assign", "status", "close"}
    return {"assign", "status", "resolve"}


def _assignable_people(session: Session) -> list[tuple[str, str]]:
    query = (
        select(User.username, User.full_name, User.role)
        .where(User.is_active.is_(True), User.role != Role.viewer)
        .order_by(User.role, User.full_name)
    )
    return [(u, n or u) for u, n, _role in session.execute(query)]


async def _act(
    request: Request,
    session: Session,
    user: User,
    now,
    settings,
    ticket_id: int,
    form: type[InputModel],
    **fixed: Any,
):
    """Check the policy, validate the form, run the service; show the form again if refused."""
    ticket = ticket_service.get(session, ticket_id)
    policy.check(user, "tickets", policy.Action.write)
    policy.require_write_ticket(session, user, ticket)
    values = await form_values(request)
    back = back_path(values.pop("back", None))

    def again() -> dict[str, Any]:
        context = ticket_context(session, user, ticket_service.get(session, ticket_id), now)
        context["return_to"] = back
        return context

    with refused_form(
        request,
        session,
        TEMPLATE,
        again,
        values=values,
        stale_record=(Ticket.__tablename__, ticket_id),
    ):
        data = form.model_validate(values)
        change = TicketUpdate.model_validate({**data.model_dump(), **fixed})
        ticket_service.update(
            session, ticket, change, now=now, sla=SlaRules.from_settings(settings)
        )
    return see_other(request, back or f"/tickets/{ticket_id}")


@router.post("/tickets/{ticket_id}/assign")
async def assign(
    request: Request,
    session: DbSession,
    user: PageUser,
    now: RequestTime,
    settings: AppSettings,
    ticket_id: TicketId,
):
    return await _act(request, session, user, now, settings, ticket_id, AssignForm)


@router.post("/tickets/{ticket_id}/status")
async def change_status(
    request: Request,
    session: DbSession,
    user: PageUser,
    now: RequestTime,
    settings: AppSettings,
    ticket_id: TicketId,
):
    return await _act(request, session, user, now, settings, ticket_id, StatusForm)


@router.post("/tickets/{ticket_id}/resolve")
async def resolve(
    request: Request,
    session: DbSession,
    user: PageUser,
    now: RequestTime,
    settings: AppSettings,
    ticket_id: TicketId,
):
    return await _act(
        request, session, user, now, settings, ticket_id, ResolveForm, status="resolved"
    )


@router.post("/tickets/{ticket_id}/close")
async def close(
    request: Request,
    session: DbSession,
    user: PageUser,
    now: RequestTime,
    settings: AppSettings,
    ticket_id: TicketId,
):
    return await _act(request, session, user, now, settings, ticket_id, CloseForm, status="closed")
