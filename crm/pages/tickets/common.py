"""What the ticket pages share: people's names, local times, how late a ticket is, rows."""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from crm.auth import policy
from crm.auth.models import User
from crm.errors import NotPermitted
from crm.pages.deps import safe_next
from crm.tickets import service as ticket_service
from crm.tickets.models import Ticket
from crm.tickets.service import SlaState


def full_names(session: Session, usernames: Iterable[str | None]) -> dict[str, str]:
    """username → the name people know them by, in one query."""
    wanted = {u for u in usernames if u}
    if not wanted:
        return {}
    rows = session.execute(select(User.username, User.full_name).where(User.username.in_(wanted)))
    return {username: full_name or username for username, full_name in rows}


def person(user: User | None) -> str | None:
    return (user.full_name or user.username) if user else None


def local_time(moment: datetime | None) -> str:
    """Day and minute in the server's time zone, as the rest of the pages show times."""
    return "–" if moment is None else moment.astimezone().strftime("%Y-%m-%d %H:%M")


def late_by(ticket: Ticket, now: datetime) -> tuple[int, int]:
    """(days, hours) past the due time."""
    late = max(now - ticket.due_at, timedelta(0))
    return late.days, late.seconds // 3600


def may_write_tickets(user: User) -> bool:
    """The role layer of the policy: may this role change any ticket at all?"""
    try:
        policy.check(user, "tickets", policy.Action.write)
    except NotPermitted:
        return False
    return True


def back_path(value: object) -> str | None:
    """Where to return after an action: a page of the ticket area, nothing else."""
    if not isinstance(value, str):
        return None
    target = safe_next(value)
    return target if target.startswith("/tickets") else None


@dataclass(frozen=True)
class TicketRow:
    ticket: Ticket
    company: str
    task_force: str | None
    assignee: str | None
    sla: SlaState
    late: tuple[int, int] | None
    escalated_to: str | None


def ticket_rows(tickets: list[Ticket], now: datetime) -> list[TicketRow]:
    """The rows of a list; everything they show was loaded with the tickets."""
    rows = []
    for ticket in tickets:
        lead = ticket.project.lead if ticket.project else None
        state = ticket_service.sla_state(ticket, now)
        overdue = state == SlaState.overdue
        rows.append(
            TicketRow(
                ticket=ticket,
                company=ticket_service.company_name(ticket),
                task_force=lead.task_force.name if lead and lead.task_force else None,
                assignee=person(ticket.assignee),
                sla=state,
                late=late_by(ticket, now) if overdue else None,
                escalated_to=person(ticket_service.escalation_target(ticket)) if overdue else None,
            )
        )
    return rows
