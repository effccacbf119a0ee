"""The signed-in user's own account: open to every role, acting only on that user."""

from fastapi import APIRouter, Request

from crm.api.deps import ClientAddress, CurrentUser, DbSession, LoginLimitsDep, RequestTime
from crm.api.routes.auth import bearer_token
from crm.auth import service as auth_service
from crm.auth.schemas import PasswordChange, Token

router = APIRouter(prefix="/users/me", tags=["users"])


@router.post(
    "/password",
    response_model=Token,
    responses={429: {"description": "too many wrong passwords; see the Retry-After header"}},
)
def change_own_password(
    data: PasswordChange,
    request: Request,
    user: CurrentUser,
    session: DbSession,
    address: ClientAddress,
    now: RequestTime,
    limits: LoginLimitsDep,
) -> Token:
    """Change your own password; the current one is needed, and a wrong one counts as a
    failed log-in. Every token and page session you had ends: the answer carries a new token
    for this client."""
    auth_service.change_own_password(
        session,
        user,
        old_password=data.old_password,
        new_password=data.new_password,
        address=address,
        now=now,
        limits=limits,
    )
    return bearer_token(request, session, user)
