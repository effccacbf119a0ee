"""Log-in rate limits, kept in the database (table ``login_failure``) so every process agrees.

A failed log-in is one row (username as typed, client address, time); inserting it writes an
audit entry like any other write (entity ``login_failure``). Once a username, or an address,
has ``per_username`` (``per_address``) failures within the window, further attempts are refused
with 429 and ``Retry-After`` before the password is even checked, so a correct password is
refused too until enough failures have aged out of the window. Refused attempts are not counted:
they test no password, and counting them would let an attacker keep a user locked out for
ever. A successful log-in clears its username's failures (not its address's: one valid account
must not reset the count for guessing others).

The API's token route and the log-in page share these through ``crm.auth.service.log_in``.
"""

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from crm.auth.models import LoginFailure
from crm.config import Settings
from crm.errors import NotAuthenticated, TooManyAttempts

_COLUMN_LENGTH = 64  # of login_failure.username and .address


@dataclass(frozen=True)
class LoginLimits:
    per_username: int = 10
    per_address: int = 50
    window: timedelta = timedelta(minutes=15)

    @classmethod
    def from_settings(cls, settings: Settings) -> "LoginLimits":
        return cls(
            per_username=settings.login_failures_per_username,
            per_address=settings.login_failures_per_address,
            window=timedelta(minutes=settings.login_failure_window_minutes),
        )


class LoginRefused(NotAuthenticated):
    """A wrong username or password; the failure it recorded is kept (committed)."""

    keeps_changes = True


def check_login_allowed(
    session: Session, *, username: str, address: str, now: datetime, limits: LoginLimits
) -> None:
    """Raise ``TooManyAttempts`` (429, Retry-After) if the username or address is limited."""
    by_username = LoginFailure.username == _fit(username)
    by_address = LoginFailure.address == _fit(address)
    wait = max(
        _wait(session, by_username, limits.per_username, now, limits.window),
        _wait(session, by_address, limits.per_address, now, limits.window),
    )
    if wait > 0:
        raise TooManyAttempts(
            f"too many failed log-ins; try again in {_minutes(wait)}", retry_after=wait
        )


def record_login_failure(
    session: Session, *, username: str, address: str, now: datetime, limits: LoginLimits
) -> None:
    """Write down one failed log-in; failures older than the window are forgotten."""
    session.execute(delete(LoginFailure).where(LoginFailure.at <= now - limits.window))
    session.add(LoginFailure(username=_fit(username), address=_fit(address), at=now))
    session.flush()


def clear_login_failures(session: Session, *, username: str) -> None:
    """Forget a username's failures once it has signed in with the right password."""
    session.execute(delete(LoginFailure).where(LoginFailure.username == _fit(username)))


def _wait(session: Session, whose, limit: int, now: datetime, window: timedelta) -> int:
    """Seconds until fewer than ``limit`` of these failures lie within the window (0: now)."""
    recent = (LoginFailure.at > now - window) & whose
    count = session.scalar(select(func.count()).select_from(LoginFailure).where(recent)) or 0
    if count < limit:
        return 0
    # The attempt is heard again once the (count - limit + 1) oldest failures have aged out.
    freeing = session.scalar(
        select(LoginFailure.at).where(recent).order_by(LoginFailure.at).offset(count - limit)
    )
    return max(1, math.ceil((freeing + window - now).total_seconds()))


def _fit(value: str) -> str:
    return value[:_COLUMN_LENGTH]


def _minutes(seconds: int) -> str:
    minutes = math.ceil(seconds / 60)
    return "1 minute" if minutes == 1 else f"{minutes} minutes"
