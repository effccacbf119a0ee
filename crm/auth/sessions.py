"""Page sessions: a random token in an HttpOnly cookie, only its hash in the database.

A session ends on log-out, after it has been idle too long, and at once when the user's
credentials change (password, role, deactivation bump ``credentials_version``).
"""

import hashlib
import secrets
from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from crm.auth.models import User, WebSession

# Writing last_seen_at on every request would make every page view a write.
TOUCH_EVERY = timedelta(minutes=1)


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def start(session: Session, user: User, *, now: datetime) -> str:
    """Open a session for a user who has just proved who they are; returns the cookie value."""
    token = secrets.token_urlsafe(32)
    session.add(
        WebSession(
            token_hash=_hash(token),
            user_id=user.id,
            credentials_version=user.credentials_version,
            created_at=now,
            last_seen_at=now,
        )
    )
    session.flush()
    return token


def resolve(
    session: Session, token: str, *, now: datetime, idle: timedelta, lifetime: timedelta
) -> User | None:
    """The user a live session belongs to; an expired or revoked session is deleted."""
    row = session.execute(
        select(WebSession, User)
        .join(User, User.id == WebSession.user_id)
        .where(WebSession.token_hash == _hash(token))
    ).first()
    if row is None:
        return None
    web_session, user = row
    alive = (
        user.is_active
        and web_session.credentials_version == user.credentials_version
        and now - web_session.last_seen_at < idle
        and now - web_session.created_at < lifetime
    )
    if not alive:
        session.delete(web_session)
        session.flush()
        return None
    if now - web_session.last_seen_at >= TOUCH_EVERY:
        web_session.last_seen_at = now
    return user


def end(session: Session, token: str) -> None:
    session.execute(delete(WebSession).where(WebSession.token_hash == _hash(token)))


def end_all_for(session: Session, user: User) -> None:
    """Sign a user out everywhere (the credentials version check also does it lazily)."""
    session.execute(delete(WebSession).where(WebSession.user_id == user.id))
