"""Users: ``/users`` (administrators: add, change role, deactivate, reset a password) and
``/account`` (everyone: change one's own password). The same services as ``/api/users``."""

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi import Path as PathParam
from pydantic import ValidationError
from sqlalchemy.orm import Session

from crm.api.deps import ClientAddress, DbSession, LoginLimitsDep, RequestTime
from crm.auth import service as auth_service
from crm.auth import sessions
from crm.auth.models import Role, User
from crm.auth.policy import Action, check
from crm.auth.schemas import PasswordChange, UserCreate, UserUpdate
from crm.errors import Conflict, Invalid, NotPermitted, TooManyAttempts
from crm.i18n import translate
from crm.listing import Page
from crm.pages.deps import SESSION_COOKIE, PageUser
from crm.pages.forms import (
    GENERAL,
    FormRejected,
    field_errors,
    form_values,
    last_change,
    see_other,
)
from crm.pages.templating import render

router = APIRouter(include_in_schema=False)

PAGE_SIZE = 100
USERNAME = PathParam(max_length=64, pattern=r"^[A-Za-z0-9_.\-]+$")
# The services' English reasons, as the page says them (the advice zxcvbn adds stays English).
REASONS = {
    "the password needs at least": "users.reason.too_short",
    "the password may have at most": "users.reason.too_long",
    "the password is too easy to guess": "users.reason.weak",
    "this is not your current password": "account.reason.wrong_current",
    "the new password must differ": "account.reason.same",
    "is the last active administrator": "users.reason.last_admin",
    "already exists": "users.reason.taken",
    "was changed by someone else": "users.reason.stale",
    "the two passwords differ": "users.reason.differ",
}


def administrator(user: PageUser) -> User:
    """Only those the policy lets change users (administrators) see these pages."""
    check(user, "users", Action.write)
    return user


Administrator = Annotated[User, Depends(administrator)]
Username = Annotated[str, USERNAME]


def _lang(request: Request) -> str:
    return getattr(request.state, "lang", "zh")


def _messages(lang: str, error: Exception) -> dict[str, str]:
    """Field → message for the refusal, the services' reasons said in the page's language."""
    if isinstance(error, Conflict) and "already exists" in str(error.detail):
        return {"username": translate(lang, "users.reason.taken")}
    if isinstance(error, ValidationError):
        pattern = [e for e in error.errors() if e["type"] == "string_pattern_mismatch"]
        if pattern:
            return {str(pattern[0]["loc"][0]): translate(lang, "users.reason.username_chars")}
    messages = field_errors(lang, error)
    text = str(error.detail) if isinstance(error, Conflict) else getattr(error, "message", "")
    for start, key in REASONS.items():
        if start in text:
            field = next(iter(messages), GENERAL)
            messages[field] = translate(lang, key) + _advice(lang, text)
    return messages


def _advice(lang: str, text: str) -> str:
    """zxcvbn's advice after the reason, where the page is in English."""
    if lang != "en" or ": " not in text:
        return ""
    return " " + text.split(": ", 1)[1]


@contextmanager
def _form(
    request: Request,
    session: Session,
    template: str,
    context: Callable[[], dict[str, Any]],
    values: dict[str, Any],
    record_id: int | None = None,
) -> Iterator[None]:
    """As ``crm.pages.forms.refused_form``, with the messages of ``_messages``; a stale edit
    of user ``record_id`` says who changed the user, and when."""
    try:
        yield
    except (ValidationError, Invalid, Conflict, NotPermitted) as error:
        errors = _messages(_lang(request), error)
        session.rollback()
        stale = None
        if isinstance(error, Conflict) and record_id is not None:
            stale = last_change(session, User.__tablename__, record_id)
        page = {**context(), "errors": errors, "values": values, "stale": stale}
        status = 422 if isinstance(error, ValidationError) else error.status_code
        raise FormRejected(render(request, template, page, status_code=status)) from error


def _secret_free(values: dict[str, Any]) -> dict[str, Any]:
    """The posted values to show again: never a password."""
    return {k: v for k, v in values.items() if "password" not in k}


# --- the list and a new user ------------------------------------------------------------------


def _list_context(session: Session, offset: int = 0) -> dict[str, Any]:
    users, total = auth_service.list_users(session, page=Page(limit=PAGE_SIZE, offset=offset))
    return {
        "users": users,
        "total": total,
        "limit": PAGE_SIZE,
        "offset": offset,
        "roles": list(Role),
    }


@router.get("/users")
def user_list(
    request: Request,
    session: DbSession,
    user: Administrator,
    offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
    added: str | None = None,
):
    return render(request, "users/list.html", {**_list_context(session, offset), "added": added})


@router.post("/users")
async def add_user(request: Request, session: DbSession, user: Administrator):
    values = await form_values(request)
    with _form(
        request, session, "users/list.html", lambda: _list_context(session), _secret_free(values)
    ):
        _same_twice(values, "password", "password_again")
        data = UserCreate.model_validate(_without(values, "password_again"))
        created = auth_service.create(session, data)
    return see_other(request, f"/users?added={created.username}")


# --- one user ---------------------------------------------------------------------------------


def _user_context(session: Session, username: str) -> dict[str, Any]:
    return {"person": auth_service.get(session, username), "roles": list(Role)}


@router.get("/users/{username}")
def user_page(
    request: Request,
    session: DbSession,
    user: Administrator,
    username: Username,
    done: str | None = None,
):
    return render(request, "users/edit.html", {**_user_context(session, username), "done": done})


@router.post("/users/{username}")
async def change_user(
    request: Request, session: DbSession, user: Administrator, username: Username
):
    """The full name, the role, or the active flag (the deactivate/reactivate button)."""
    values = await form_values(request)
    if "full_name" in await request.form() and "full_name" not in values:
        values["full_name"] = ""  # emptied on purpose: the name is cleared, not kept
    person = auth_service.get(session, username)
    context = lambda: _user_context(session, username)  # noqa: E731
    with _form(request, session, "users/edit.html", context, values, record_id=person.id):
        data = UserUpdate.model_validate(_without(values, "action"))
        auth_service.update(session, person, data)
    return see_other(request, f"/users/{username}?done=saved")


@router.post("/users/{username}/password")
async def reset_password(
    request: Request, session: DbSession, user: Administrator, username: Username
):
    """A new password for the user; every session they had ends (the service bumps their
    credentials version)."""
    values = await form_values(request)
    person = auth_service.get(session, username)
    with _form(request, session, "users/edit.html", lambda: _user_context(session, username), {}):
        _same_twice(values, "password", "password_again")
        if not values.get("password"):
            raise Invalid("password", "the password needs at least 10 characters")
        auth_service.set_password(session, person, str(values["password"]))
    return see_other(request, f"/users/{username}?done=password")


# --- one's own account ------------------------------------------------------------------------


@router.get("/account")
def account(request: Request, user: PageUser, changed: str | None = None):
    return render(request, "users/account.html", {"person": user, "changed": changed})


@router.post("/account")
async def change_own_password(
    request: Request,
    session: DbSession,
    user: PageUser,
    address: ClientAddress,
    now: RequestTime,
    limits: LoginLimitsDep,
):
    """As ``POST /api/users/me/password``: every other session ends; this browser gets a new
    session, so the user stays signed in here."""
    values = await form_values(request)
    lang = _lang(request)
    context = {"person": user}
    try:
        _same_twice(values, "new_password", "new_password_again")
        data = PasswordChange.model_validate(_without(values, "new_password_again"))
        auth_service.change_own_password(
            session,
            user,
            old_password=data.old_password,
            new_password=data.new_password,
            address=address,
            now=now,
            limits=limits,
        )
    except auth_service.WrongPassword as error:  # the failure it recorded must be kept
        page = {**context, "errors": _messages(lang, error)}
        return render(request, "users/account.html", page, status_code=422)
    except TooManyAttempts as refusal:
        page = {**context, "errors": {GENERAL: translate(lang, "account.reason.throttled")}}
        response = render(request, "users/account.html", page, status_code=429)
        response.headers.update(refusal.headers or {})
        return response
    except (ValidationError, Invalid) as error:
        session.rollback()
        page = {**context, "errors": _messages(lang, error)}
        return render(request, "users/account.html", page, status_code=422)
    sessions.end(session, request.cookies.get(SESSION_COOKIE, ""))
    token = sessions.start(session, user, now=now)
    response = see_other(request, "/account?changed=1")
    response.set_cookie(
        SESSION_COOKIE,
        token,
        httponly=True,
        samesite="lax",
        secure=request.url.scheme == "https" or request.app.state.settings.behind_https,
        path="/",
    )
    return response


def _same_twice(values: dict[str, Any], field: str, again: str) -> None:
    """A password typed twice must be the same both times (a typo would lock the user out)."""
    if values.get(field) != values.get(again):
        raise Invalid(again, "the two passwords differ")


def _without(values: dict[str, Any], *names: str) -> dict[str, Any]:
    return {k: v for k, v in values.items() if k not in names}
