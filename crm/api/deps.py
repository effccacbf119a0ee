"""Request-scoped dependencies: the database session, the signed-in user, authorisation."""

from collections.abc import Iterator
from datetime import datetime
from typing import Annotated

from fastapi import Depends, Request
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


def get_session(request: Request) -> Iterator[Session]:
    """The request's one unit of work: committed here on success, rolled back on error."""
    session = request.app.state.sessionmaker()
    try:
        yield session
        session.commit()
    except DomainError as error:
        # A refusal that must be written down (a failed log-in) keeps what it wrote.
        if error.keeps_changes:
            session.commit()
        else:
            session.rollback()
        raise
    except BaseException:
        session.rollback()
        raise
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


RequestTime = Annotated[datetime, Depends(request_time)]


def app_settings(request: Request) -> Settings:
    return request.app.state.settings


AppSettings = Annotated[Settings, Depends(app_settings)]


def login_limits(request: Request) -> LoginLimits:
    return LoginLimits.from_settings(request.app.state.settings)


LoginLimitsDep = Annotated[LoginLimits, Depends(login_limits)]


def client_address(request: Request) -> str:
    """The client's address, as the server saw it (behind a proxy, uvicorn's proxy headers
    option decides whether X-Forwarded-For is believed)."""
    return request.client.host if request.client else "unknown"


ClientAddress = Annotated[str, Depends(client_address)]
