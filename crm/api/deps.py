"""Request-scoped dependencies: the database session, the signed-in user, authorisation.

Dependencies with nothing to wait for are ``async``: FastAPI runs a plain ``def`` dependency
in the thread pool, and each such hop costs more than the work of these small functions.
"""

from collections.abc import AsyncIterator
from datetime import datetime
from typing import Annotated

from fastapi import Depends, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.security import OAuth2PasswordBearer
from sqlalchemy.orm import Session

from crm.audit import set_actor
from crm.auth import service as auth_service
from crm.auth.models import User
from crm.auth.policy import Action, check
from crm.auth.throttle import LoginLimits
from crm.auth.tokens import read_token
from crm.config import Settings
from crm.errors import DomainError, NotAuthenticated
from crm.listing import Page, page_params

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

oauth2_scheme = OAuth2PasswordBearer(tokenUrl="/api/auth/token", auto_error=False)


async def get_session(request: Request) -> AsyncIterator[Session]:
    """The request's one unit of work: committed here on success, rolled back on error.

    Async, so opening it costs no trip to the thread pool (a session connects on first use);
    ending it (a round trip to the database) takes one.
    """
    session = request.app.state.sessionmaker()
    try:
        yield session
    except BaseException as error:
        await run_in_threadpool(_end, session, error)
        raise
    await run_in_threadpool(_end, session, None)


def _end(session: Session, error: BaseException | None) -> None:
    try:
        # A refusal that must be written down (a failed log-in) keeps what it wrote.
        if error is None or (isinstance(error, DomainError) and error.keeps_changes):
            session.commit()
        else:
            session.rollback()
    finally:
        session.close()


# scope="function": commit before the response is sent, so a failed commit is the response.
DbSession = Annotated[Session, Depends(get_session, scope="function")]


def token_secret(request: Request, session: Session) -> str:
    state = request.app.state
    if state.secret_key is None:
        state.secret_key = auth_service.secret_key(session)
    return state.secret_key


def current_user(
    request: Request,
    session: DbSession,
    token: Annotated[str | None, Depends(oauth2_scheme)],
) -> User:
    if not token:
        raise NotAuthenticated("not signed in: send 'Authorization: Bearer <token>'")
    claims = read_token(token, secret=token_secret(request, session))
    user = auth_service.get_by_username(session, claims.username) if claims else None
    if user is None or not user.is_active or user.credentials_version != claims.credentials_version:
        raise NotAuthenticated("invalid or expired token")
    set_actor(session, user.username)
    return user


CurrentUser = Annotated[User, Depends(current_user)]


def authorize(resource: str):
    """The dependency that guards every route of a resource; applied when routers are assembled."""

    async def check_access(request: Request, user: CurrentUser) -> User:
        action = Action.read if request.method in SAFE_METHODS else Action.write
        check(user, resource, action)
        return user

    return check_access


PageParams = Annotated[Page, Depends(page_params)]


def request_time(request: Request) -> datetime:
    """The time of this request, from the app's clock (``app.state.clock``; tests freeze it)."""
    return request.app.state.clock()


async def _request_time(request: Request) -> datetime:
    return request_time(request)


RequestTime = Annotated[datetime, Depends(_request_time)]


async def app_settings(request: Request) -> Settings:
    return request.app.state.settings


AppSettings = Annotated[Settings, Depends(app_settings)]


async def login_limits(request: Request) -> LoginLimits:
    return LoginLimits.from_settings(request.app.state.settings)


LoginLimitsDep = Annotated[LoginLimits, Depends(login_limits)]


async def client_address(request: Request) -> str:
    """The client's address, as the server saw it (behind a proxy, uvicorn's proxy headers
    option decides whether X-Forwarded-For is believed)."""
    return request.client.host if request.client else "unknown"


ClientAddress = Annotated[str, Depends(client_address)]
