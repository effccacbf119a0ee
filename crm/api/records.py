"""Dependencies that load the record a write route names, once, and check that the signed-in
user may write it (``crm.auth.policy``); a handler that takes ``WritableLead`` gets the lead
only if the policy allows the write, else the request ends with 404 or 403.

Also ``mine=true`` for lists: the policy's condition for the records the user may write.
"""

from collections.abc import Callable
from typing import Annotated

from fastapi import Depends, Query
from sqlalchemy import ColumnElement

from crm.api.deps import CurrentUser, DbSession
from crm.auth import policy
from crm.auth.models import User
from crm.leads import service as lead_service
from crm.leads import visits as visit_service
from crm.leads.models import Lead, Visit
from crm.projects import service as project_service
from crm.projects.models import Project
from crm.tickets import service as ticket_service
from crm.tickets.models import Ticket


def writable_lead(lead_id: int, session: DbSession, user: CurrentUser) -> Lead:
    lead = lead_service.get(session, lead_id, with_history=True)
    policy.require_write_lead(session, user, lead)
    return lead


def writable_visit(visit_id: int, session: DbSession, user: CurrentUser) -> Visit:
    visit = visit_service.get(session, visit_id)
    policy.require_write_visit(session, user, visit)
    return visit


def writable_project(project_id: int, session: DbSession, user: CurrentUser) -> Project:
    project = project_service.get(session, project_id)
    policy.require_write_project(session, user, project)
    return project


def writable_ticket(ticket_id: int, session: DbSession, user: CurrentUser) -> Ticket:
    ticket = ticket_service.get(session, ticket_id)
    policy.require_write_ticket(session, user, ticket)
    return ticket


WritableLead = Annotated[Lead, Depends(writable_lead)]
WritableVisit = Annotated[Visit, Depends(writable_visit)]
WritableProject = Annotated[Project, Depends(writable_project)]
WritableTicket = Annotated[Ticket, Depends(writable_ticket)]

Condition = ColumnElement[bool] | None


def _only_mine(writable: Callable[[User], ColumnElement[bool]]):
    async def condition(
        user: CurrentUser,
        mine: Annotated[bool, Query(description="only the records I may change")] = False,
    ) -> Condition:
        return writable(user) if mine else None

    return condition


MineLeads = Annotated[Condition, Depends(_only_mine(policy.writable_leads))]
MineVisits = Annotated[Condition, Depends(_only_mine(policy.writable_visits))]
MineProjects = Annotated[Condition, Depends(_only_mine(policy.writable_projects))]
MineTickets = Annotated[Condition, Depends(_only_mine(policy.writable_tickets))]
