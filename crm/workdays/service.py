"""The bureau's closures (extra days off beyond the statutory calendar) and the working-day
calendar every SLA is counted on."""

from datetime import date, time

from sqlalchemy import select
from sqlalchemy.orm import Session

from crm.errors import Conflict, Invalid, NotFound
from crm.workdays.calendar import WorkCalendar, make_calendar
from crm.workdays.models import Closure
from crm.workdays.schemas import ClosureCreate

# A closure far from today is most likely a typo (2062 for 2026).
EARLIEST_YEAR, LATEST_YEAR = 2000, 2100


def work_calendar(session: Session, *, day_ends_at: time) -> WorkCalendar:
    """The calendar with every closure: one query."""
    return make_calendar(session.scalars(select(Closure.day)), day_ends_at)


def list_closures(
    session: Session, *, since: date | None = None, until: date | None = None
) -> list[Closure]:
    query = select(Closure).order_by(Closure.day)
    if since:
        query = query.where(Closure.day >= since)
    if until:
        query = query.where(Closure.day <= until)
    return list(session.scalars(query))


def add_closure(session: Session, data: ClosureCreate) -> Closure:
    if not EARLIEST_YEAR <= data.day.year <= LATEST_YEAR:
        raise Invalid("day", f"a closure falls between {EARLIEST_YEAR} and {LATEST_YEAR}")
    if session.scalar(select(Closure.id).where(Closure.day == data.day)) is not None:
        raise Conflict(f"{data.day.isoformat()} is already a closure")
    closure = Closure(day=data.day, reason=data.reason.strip())
    if not closure.reason:
        raise Invalid("reason", "say why the offices are closed")
    session.add(closure)
    session.flush()
    return closure


def get_closure(session: Session, closure_id: int) -> Closure:
    closure = session.get(Closure, closure_id)
    if closure is None:
        raise NotFound(f"closure {closure_id} not found")
    return closure


def remove_closure(session: Session, closure: Closure) -> None:
    session.delete(closure)
    session.flush()
