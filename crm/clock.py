"""The application's clock, in one place so tests can freeze it.

The API reads the time of a request from ``app.state.clock`` (see ``crm.api.deps.RequestTime``);
services take that moment as an argument instead of asking the system clock themselves.
"""

from collections.abc import Callable
from datetime import date, datetime

from crm.db import utcnow

Clock = Callable[[], datetime]

system_clock: Clock = utcnow


def local_date(moment: datetime) -> date:
    """The calendar day of a moment where the server runs (milestone dates, card years)."""
    return moment.astimezone().date()
