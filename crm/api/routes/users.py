from fastapi import APIRouter

from crm.api.deps import CurrentUser, DbSession, PageParams
from crm.auth import service as auth_service
from crm.auth.models import Role
from crm.auth.schemas import UserCreate, UserPublic, UserUpdate
from crm.listing import ListResult

router = APIRouter(prefix="/users", tags=["users"])


@router.get("/me", response_model=UserPublic)
def me(user: CurrentUser):
    return user


@router.get("", response_model=ListResult[UserPublic])
def list_users(
    session: DbSession, page: PageParams, role: Role | None = None, q: str | None = None
):
    users, total = auth_service.list_users(session, role=role, q=q, page=page)
    return {"items": users, "total": total}


@router.post("", response_model=UserPublic, status_code=201)
def create_user(data: UserCreate, session: DbSession):
    return auth_service.create(session, data)


@router.get("/{username}", response_model=UserPublic)
def get_user(username: str, session: DbSession):
    return auth_service.get(session, username)


@router.patch("/{username}", response_model=UserPublic)
def update_user(username: str, data: UserUpdate, session: DbSession):
    return auth_service.update(session, auth_service.get(session, username), data)
