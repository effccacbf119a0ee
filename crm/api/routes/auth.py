from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.security import OAuth2PasswordRequestForm

from crm.api.deps import ClientAddress, DbSession, LoginLimitsDep, RequestTime, token_secret
from crm.auth import service as auth_service
from crm.auth.models import User
from crm.auth.schemas import Token
from crm.auth.tokens import issue_token

router = APIRouter(prefix="/auth", tags=["auth"])


@router.post(
    "/token",
    response_model=Token,
    responses={
        401: {"description": "wrong username or password"},
        429: {"description": "too many failed log-ins; see the Retry-After header"},
    },
)
def log_in(
    request: Request,
    session: DbSession,
    form: Annotated[OAuth2PasswordRequestForm, Depends()],
    address: ClientAddress,
    now: RequestTime,
    limits: LoginLimitsDep,
) -> Token:
    """Exchange a username and password (OAuth2 password form) for a bearer token.

    Rate-limited per username and per client address (429 with Retry-After).
    """
    user = auth_service.log_in(
        session,
        username=form.username,
        password=form.password,
        address=address,
        now=now,
        limits=limits,
    )
    return bearer_token(request, session, user)


def bearer_token(request: Request, session: DbSession, user: User) -> Token:
    """A new token for the user, valid for ``token_minutes`` or until their credentials change."""
    token = issue_token(
        user.username,
        credentials_version=user.credentials_version,
        secret=token_secret(request, session),
        minutes=request.app.state.settings.token_minutes,
    )
    return Token(access_token=token)
