"""Expected due times, computed straight from the ``chinese_calendar`` package (never from the
code under test): the end (18:00 server time) of the n-th working day after a day."""

from datetime import UTC, date, datetime, time, timedelta

import chinese_calendar

DAY_ENDS_AT = time(18, 0)


def nth_working_day_after(day: date, n: int, *, closed: frozenset[date] = frozenset()) -> date:
    days = chinese_calendar.get_workdays(day + timedelta(days=1), day + timedelta(days=n * 3 + 30))
    return [d for d in days if d not in closed][n - 1]


def end_of(day: date) -> datetime:
    return datetime.combine(day, DAY_ENDS_AT).astimezone()


def due(raised: datetime, n: int, *, closed: frozenset[date] = frozenset()) -> datetime:
    return end_of(nth_working_day_after(raised.astimezone().date(), n, closed=closed))


def iso(moment: datetime) -> str:
    """As the API writes a moment."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
