"""Signed bearer tokens (JWT, HS256) naming the user."""

from datetime import timedelta

import jwt

from crm.db import utcnow

ALGORITHM = "HS256"


def issue_token(username: str, *, secret: str, minutes: int) -> str:
    now = utcnow()
    claims = {"sub": username, "iat": now, "exp": now + timedelta(minutes=minutes)}
    return jwt.encode(claims, secret, algorithm=ALGORITHM)


def read_token(token: str, *, secret: str) -> str | None:
    """The username a valid, unexpired token names, else None."""
    try:
        claims = jwt.decode(token, secret, algorithms=[ALGORITHM], options={"require": ["exp"]})
    except jwt.PyJWTError:
        return None
    subject = claims.get("sub")
    return subject if isinstance(subject, str) else None
