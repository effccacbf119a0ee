"""Signed bearer tokens (JWT, HS256) naming the user and their credentials version."""

from dataclasses import dataclass
from datetime import timedelta

import jwt

from crm.db import utcnow

ALGORITHM = "HS256"
# Private claim: the user's credentials_version when the token was issued. A password, role
# or active-flag change moves the user's version on, and the token stops working.
CREDENTIALS_CLAIM = "cv"


@dataclass(frozen=True)
class TokenClaims:
    username: str
    credentials_version: int


def issue_token(username: str, *, credentials_version: int, secret: str, minutes: int) -> str:
    # Expiry is checked against the real time (PyJWT), not the app's clock that tests freeze.
    now = utcnow()
    claims = {
        "sub": username,
        CREDENTIALS_CLAIM: credentials_version,
        "iat": now,
        "exp": now + timedelta(minutes=minutes),
    }
    return jwt.encode(claims, secret, algorithm=ALGORITHM)


def read_token(token: str, *, secret: str) -> TokenClaims | None:
    """What a valid, unexpired token says, else None (tokens without a version included)."""
    try:
        claims = jwt.decode(
            token, secret, algorithms=[ALGORITHM], options={"require": ["exp", "sub"]}
        )
    except jwt.PyJWTError:
        return None
    subject, version = claims.get("sub"), claims.get(CREDENTIALS_CLAIM)
    if not isinstance(subject, str) or type(version) is not int:
        return None
    return TokenClaims(username=subject, credentials_version=version)
