"""Turning a trip plan into planned visits, and the month a visit calendar shows.

The trip plan (``crm.leads.trips``) numbers its days 1, 2, 3…; a trip starts on a day the
leader chooses and goes on over working days (Monday to Friday), the days officials travel.
Accepting proposals creates ordinary planned visits through the visit service, as
``POST /api/visits`` does.
"""

import calendar
from datetime import date, timedelta
from typing import Annotated

from pydantic import Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from crm.errors import Invalid
from crm.fields import InputModel, LongText
from crm.leads import visits as visit_service
from crm.leads.models import Lead, Visit, VisitStatus
from crm.leads.schemas import VisitCreate
from crm.taskforces.models import TaskForce

SATURDAY = 5
MIN_YEAR, MAX_YEAR = 2000, 2100


class ProposedVisit(InputModel):
    lead_id: int = Field(ge=1, le=2**31 - 1)
    date: date


class AcceptedProposals(InputModel):
    """The proposals a leader ticked: at most one trip's worth at a time."""

    visits: Annotated[list[ProposedVisit], Field(min_length=1, max_length=200)]
    purpose: LongText | None = None


def next_working_day(day: date) -> date:
    day += timedelta(days=1)
    while day.weekday() >= SATURDAY:
        day += timedelta(days=1)
    return day


def trip_dates(start: date, days: int) -> list[date]:
    """The calendar dates of trip days 1…``days`` starting on ``start`` (a weekend start
    moves to the Monday), working days only."""
    first = start if start.weekday() < SATURDAY else next_working_day(start)
    dates = [first]
    while len(dates) < days:
        dates.append(next_working_day(dates[-1]))
    return dates


def plan_visits(session: Session, task_force: TaskForce, data: AcceptedProposals) -> list[Visit]:
    """Create a planned visit for each accepted proposal, booked to ``task_force``.

    Every lead must be one of the task force's (a 422 naming ``visits`` otherwise), so a
    forged form cannot book visits of another team through this one; the same lead on the
    same day is planned once.
    """
    lead_ids = {proposal.lead_id for proposal in data.visits}
    owned = set(
        session.scalars(
            select(Lead.id).where(Lead.id.in_(lead_ids), Lead.task_force_id == task_force.id)
        )
    )
    strangers = sorted(lead_ids - owned)
    if strangers:
        listed = ", ".join(str(lead_id) for lead_id in strangers)
        raise Invalid("visits", f"lead(s) {listed} are not of task force {task_force.id}")
    unique = dict.fromkeys((p.lead_id, p.date) for p in data.visits)
    return [
        visit_service.create(
            session,
            VisitCreate(
                lead_id=lead_id,
                date=day,
                task_force_id=task_force.id,
                purpose=data.purpose,
                status=VisitStatus.planned,
            ),
        )
        for lead_id, day in unique
    ]


def month_of(text: str | None, *, today: date) -> date:
    """The first day of the month ``YYYY-MM`` names (this month when absent)."""
    if not text:
        return today.replace(day=1)
    try:
        year, month = (int(part) for part in text.split("-"))
        if not MIN_YEAR <= year <= MAX_YEAR:
            raise ValueError(year)
        return date(year, month, 1)
    except ValueError:
        raise Invalid(("query", "month"), f"'{text}' is no month; write it as 2026-11") from None


def month_weeks(first: date) -> list[list[date | None]]:
    """The weeks of the month, Monday first; days outside the month are ``None``."""
    weeks = calendar.Calendar(firstweekday=0).monthdatescalendar(first.year, first.month)
    return [[day if day.month == first.month else None for day in week] for week in weeks]


def month_end(first: date) -> date:
    return first.replace(day=calendar.monthrange(first.year, first.month)[1])


def shift_month(first: date, months: int) -> date:
    index = first.year * 12 + first.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)
