"""The ticket queue ``/tickets`` (overdue first, filters, paging)."""

from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Request
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, Field, ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from crm.api.deps import DbSession, RequestTime
from crm.auth.models import Role, User
from crm.chains.models import Chain
from crm.companies.models import Company
from crm.leads.models import Lead
from crm.listing import Page
from crm.pages.deps import PageUser
from crm.pages.templating import render
from crm.pages.tickets.common import local_time, ticket_rows
from crm.projects.models import Project
from crm.taskforces.models import TaskForce
from crm.tickets import service as ticket_service
from crm.tickets.models import TicketCategory, TicketPriority, TicketStatus

router = APIRouter(include_in_schema=False)

PAGE_SIZE = 30
Id = Annotated[int, Field(ge=1, le=2**31 - 1)]


class TicketQuery(BaseModel):
    q: str | None = Field(None, max_length=200)
    status: TicketStatus | None = None
    category: TicketCategory | None = None
    priority: TicketPriority | None = None
    assignee: str | None = Field(None, max_length=64)
    task_force_id: Id | None = None
    chain: str | None = Field(None, max_length=64)
    project_id: Id | None = None
    offset: int = Field(0, ge=0, le=10_000_000)

    def filters(self) -> dict:
        return self.model_dump(exclude={"offset"}, exclude_none=True)

    def link(self) -> str:
        """The query string of these filters (without the offset), for paging links."""
        return urlencode(self.filters())

    def here(self) -> str:
        """This very page, to come back to after acting on a ticket."""
        query = urlencode({**self.filters(), **({"offset": self.offset} if self.offset else {})})
        return "/tickets" + (f"?{query}" if query else "")


def _validated(model: type[BaseModel]):
    def parse(request: Request):
        # Empty form fields (``?chain=``) mean "any", as a browser submits them.
        values = {k: v for k, v in request.query_params.items() if v != ""}
        try:
            return model.model_validate(values)
        except ValidationError as error:
            raise RequestValidationError(error.errors(include_url=False)) from None

    return parse


@router.get("/tickets")
def ticket_queue(
    request: Request,
    session: DbSession,
    user: PageUser,
    now: RequestTime,
    query: Annotated[TicketQuery, Depends(_validated(TicketQuery))],
):
    tickets, total = ticket_service.list_queue(
        session, page=Page(limit=PAGE_SIZE, offset=query.offset), now=now, **query.filters()
    )
    context = {
        "query": query,
        "rows": ticket_rows(tickets, now),
        "total": total,
        "limit": PAGE_SIZE,
        "return_to": query.here(),
        "local_time": local_time,
        **filter_options(session),
    }
    return render(request, "tickets/queue.html", context, block="results")


def filter_options(session: Session) -> dict:
    """The choices of the queue's filters, by name: four queries."""
    people = select(User.username, User.full_name).where(User.role != Role.viewer)
    projects = (
        select(Project.id, Company.name)
        .join(Lead, Project.lead_id == Lead.id)
        .join(Company, Lead.company_id == Company.id)
        .order_by(Company.name, Project.id)
    )
    return {
        "people": [(u, n or u) for u, n in session.execute(people.order_by(User.full_name))],
        "task_forces": session.execute(
            select(TaskForce.id, TaskForce.name).order_by(TaskForce.name)
        ).all(),
        "chains": session.execute(select(Chain.code, Chain.name).order_by(Chain.code)).all(),
        "projects": session.execute(projects).all(),
        "statuses": list(TicketStatus),
        "categories": list(TicketCategory),
        "priorities": list(TicketPriority),
    }
