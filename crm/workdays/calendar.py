"""Working days on the Chinese calendar: statutory holidays off, the weekend days worked in
their place on, and the bureau's own closures off.

The statutory calendar comes from the ``chinese-calendar`` package, which knows the years up to
its release (the State Council publishes each year's plan in the autumn before). For a year it
does not know yet, Monday to Friday count as working days, the closures still apply, and a
warning is logged once per year: upgrade the package when the new plan is out (due times
already computed keep their value; ``crm tickets recompute-due`` moves open tickets).
"""

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

import chinese_calendar

log = logging.getLogger(__name__)

_warned_years: set[int] = set()


def statutory_years() -> tuple[int, int]:
    """The first and last year the installed calendar package knows."""
    known = list(chinese_calendar.holidays) + list(chinese_calendar.workdays)
    return min(known).year, max(known).year


def _statutory_working_day(day: date) -> bool:
    try:
        return chinese_calendar.is_workday(day)
    except NotImplementedError:
        if day.year not in _warned_years:
            _warned_years.add(day.year)
            log.warning(
                "chinese-calendar %s does not know the holidays of %d: counting Monday to Friday "
                "as working days; upgrade the package once that year's plan is published",
                getattr(chinese_calendar, "__version__", "?"),
                day.year,
            )
        return day.weekday() < 5


@dataclass(frozen=True)
class WorkCalendar:
    """The statutory calendar with the bureau's closures; ``day_ends_at`` is the local time at
    which a working day ends (a due time)."""

    closures: frozenset[date]
    day_ends_at: time

    def is_working_day(self, day: date) -> bool:
        return day not in self.closures and _statutory_working_day(day)

    def working_days_after(self, day: date, count: int) -> date:
        """The ``count``-th working day after ``day`` (``day`` itself never counts)."""
        if count < 1:
            raise ValueError("count a positive number of working days")
        while count:
            day += timedelta(days=1)
            if self.is_working_day(day):
                count -= 1
        return day

    def end_of(self, day: date) -> datetime:
        """The end of the working day ``day``, in the server's zone, as an aware moment."""
        return datetime.combine(day, self.day_ends_at).astimezone()

    def due_after(self, moment: datetime, working_days: int) -> datetime:
        """The end of the ``working_days``-th working day after the local day of ``moment``:
        the day something is raised on never counts, however early it comes in."""
        start = moment.astimezone().date()
        return self.end_of(self.working_days_after(start, working_days))

    def working_days_between(self, first: date, last: date) -> list[date]:
        """The working days from ``first`` to ``last``, both included."""
        days = (first + timedelta(days=n) for n in range((last - first).days + 1))
        return [day for day in days if self.is_working_day(day)]


def make_calendar(closures: Iterable[date], day_ends_at: time) -> WorkCalendar:
    return WorkCalendar(closures=frozenset(closures), day_ends_at=day_ends_at)
