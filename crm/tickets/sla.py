"""A ticket's SLA in working days: due at the end of the N-th working day after the day it is
raised (N by priority), and escalated to the city leader at the end of the N-th working day
after that (overdue by as long again)."""

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, time

from sqlalchemy import select
from sqlalchemy.orm import Session

from crm.config import DEFAULT_SLA_WORKING_DAYS, Settings
from crm.tickets.models import OPEN_STATUSES, Ticket, TicketPriority
from crm.workdays import service as workday_service
from crm.workdays.calendar import WorkCalendar


@dataclass(frozen=True)
class SlaRules:
    working_days: Mapping[str, int]
    day_ends_at: time

    @classmethod
    def from_settings(cls, settings: Settings) -> "SlaRules":
        return cls(settings.sla_working_days, settings.workday_ends_at)

    def days_for(self, priority: TicketPriority) -> int:
        return self.working_days.get(priority.value, DEFAULT_SLA_WORKING_DAYS[priority.value])


DEFAULT_RULES = SlaRules(DEFAULT_SLA_WORKING_DAYS, time(18, 0))


def calendar(session: Session, rules: SlaRules) -> WorkCalendar:
    return workday_service.work_calendar(session, day_ends_at=rules.day_ends_at)


def schedule(ticket: Ticket, rules: SlaRules, work: WorkCalendar) -> None:
    """Set the ticket's due time and its city-level escalation time from when it was raised."""
    days = rules.days_for(ticket.priority)
    ticket.due_at = work.due_after(ticket.raised_at, days)
    ticket.city_due_at = work.due_after(ticket.due_at, days)


def reschedule_open_tickets(
    session: Session, rules: SlaRules, *, touching: date | None = None
) -> int:
    """Recompute the due times of the open tickets (after a closure is added or removed, or the
    calendar package learns a new year); ``touching``: only those whose SLA window holds that
    day. The escalations already recorded stay as they were. Returns how many moved."""
    work = calendar(session, rules)
    query = select(Ticket).where(Ticket.status.in_(OPEN_STATUSES))
    moved = 0
    for ticket in session.scalars(query):
        if touching is not None and not (
            ticket.raised_at.astimezone().date()
            < touching
            <= ticket.city_due_at.astimezone().date()
        ):
            continue
        before = (ticket.due_at, ticket.city_due_at)
        schedule(ticket, rules, work)
        if (ticket.due_at, ticket.city_due_at) != before:
            ticket.touch()
            moved += 1
    session.flush()
    return moved
