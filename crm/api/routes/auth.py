from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.security import OAuth2PasswordRequestForm

from crm.api.deps import DbSession, token_secret
from crm.auth import service as auth_service
from crm.auth.schemas import Token
from crm.auth.tokens import issue_token
from crm.errors import NotAuthenticated

router = APIRouter(prefix="/auth", tags=["auth"])


@router.post("/token", response_model=Token)
def log_in(
    request: Request,
    session: DbSession,
    form: Annotated[OAuth2PasswordRequestForm, Depends()],
) -> Token:
    """Exchange a username and password (OAuth2 password form) for a bearer token."""
    user = auth_service.authenticate(session, form.username, form.password)
    if user is None:
        raise NotAuthenticated("wrong username or password")
    minutes = request.app.state.settings.token_minutes
    secret = token_secret(request, session)
    return Token(access_token=issue_token(user.username, secret=secret, minutes=minutes))
