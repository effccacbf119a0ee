import os
import secrets
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from functools import cache

from sqlalchemy import func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from crm.auth import passwords, throttle
from crm.auth.models import AppSetting, Role, User
from crm.auth.schemas import UserCreate, UserUpdate
from crm.auth.throttle import LoginLimits, LoginRefused
from crm.errors import Conflict, Invalid, NotFound
from crm.listing import Page, contains, fetch_page
from crm.updates import check_version, refuse_nulls

SECRET_KEY_SETTING = "token_secret_key"


def get_by_username(session: Session, username: str) -> User | None:
    return session.scalar(select(User).where(User.username == username))


def get(session: Session, username: str) -> User:
    user = get_by_username(session, username)
    if user is None:
        raise NotFound(f"user '{username}' not found")
    return user


def list_users(
    session: Session, *, page: Page, role: Role | None = None, q: str | None = None
) -> tuple[list[User], int]:
    query = select(User).order_by(User.username)
    if role is not None:
        query = query.where(User.role == role)
    if q:
        query = query.where(or_(contains(User.username, q), contains(User.full_name, q)))
    return fetch_page(session, query, page)


def count(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(User)) or 0


def check_password(
    password: str, *, username: str, full_name: str = "", field: str = "password"
) -> None:
    """Refuse a new password that is too short or too easy to guess (422 with the reason)."""
    reason = passwords.weakness(password, user_inputs=(username, full_name))
    if reason is not None:
        raise Invalid(field, reason)


def create(session: Session, data: UserCreate) -> User:
    if get_by_username(session, data.username) is not None:
        raise Conflict(f"user '{data.username}' already exists")
    check_password(data.password, username=data.username, full_name=data.full_name)
    user = User(
        username=data.username,
        full_name=data.full_name,
        role=data.role,
        city_leader=data.city_leader,
        password_hash=passwords.hash_password(data.password),
    )
    session.add(user)
    session.flush()
    return user


def create_many(session: Session, items: list[UserCreate]) -> list[User]:
    """Create several users, hashing their passwords in parallel (argon2 is slow on purpose
    and releases the GIL)."""
    taken = set(
        session.scalars(select(User.username).where(User.username.in_([i.username for i in items])))
    )
    if taken:
        raise Conflict(f"user '{sorted(taken)[0]}' already exists")
    for item in items:
        reason = passwords.weakness(item.password, user_inputs=(item.username, item.full_name))
        if reason is not None:
            raise Invalid("password", f"user '{item.username}': {reason}")
    with ThreadPoolExecutor(max_workers=os.cpu_count() or 2) as pool:
        hashes = list(pool.map(passwords.hash_password, [item.password for item in items]))
    users = [
        User(
            username=i.username,
            full_name=i.full_name,
            role=i.role,
            city_leader=i.city_leader,
            password_hash=h,
        )
        for i, h in zip(items, hashes, strict=True)
    ]
    session.add_all(users)
    session.flush()
    return users


def update(session: Session, user: User, data: UserUpdate) -> User:
    """An administrator's change to a user; a new password, role or active flag ends the
    user's tokens and page sessions."""
    check_version(user, data.version, f"user '{user.username}'")
    fields = data.model_dump(exclude_unset=True, exclude={"version", "password"})
    refuse_nulls(fields, "city_leader")
    role, active = fields.get("role", user.role), fields.get("is_active", user.is_active)
    if user.role == Role.admin and user.is_active and (role != Role.admin or not active):
        _keep_an_active_admin(session, user)
    if data.password is not None:
        full_name = fields.get("full_name", user.full_name)
        check_password(data.password, username=user.username, full_name=full_name)
    credentials_change = role != user.role or active != user.is_active or data.password is not None
    for key, value in fields.items():
        setattr(user, key, value)
    if data.password is not None:
        user.password_hash = passwords.hash_password(data.password)
    if credentials_change:
        user.credentials_version += 1
    user.touch()
    session.flush()
    return user


def _keep_an_active_admin(session: Session, user: User) -> None:
    """Refuse to demote or deactivate the last active administrator (409)."""
    others = session.scalars(
        select(User.id)
        .where(User.role == Role.admin, User.is_active.is_(True), User.id != user.id)
        .with_for_update()  # two administrators demoting each other at once: one waits
    ).first()
    if others is None:
        raise Conflict(
            f"'{user.username}' is the last active administrator: "
            "make another user an active administrator first"
        )


def set_password(session: Session, user: User, password: str) -> None:
    """Give a user a new password (checked for strength); their tokens and sessions end."""
    check_password(password, username=user.username, full_name=user.full_name)
    user.password_hash = passwords.hash_password(password)
    user.credentials_version += 1
    user.touch()
    session.flush()


class WrongPassword(Invalid):
    """The current password given to change it is wrong; counted like a failed log-in."""

    keeps_changes = True


def change_own_password(
    session: Session,
    user: User,
    *,
    old_password: str,
    new_password: str,
    address: str,
    now: datetime,
    limits: LoginLimits,
) -> None:
    """A user's change of their own password, which needs the current one. A wrong current
    password counts against the log-in limits, so the form cannot be used to guess it."""
    throttle.check_login_allowed(
        session, username=user.username, address=address, now=now, limits=limits
    )
    if not passwords.verify_password(user.password_hash, old_password):
        throttle.record_login_failure(
            session, username=user.username, address=address, now=now, limits=limits
        )
        raise WrongPassword("old_password", "this is not your current password")
    if new_password == old_password:
        raise Invalid("new_password", "the new password must differ from the current one")
    check_password(
        new_password, username=user.username, full_name=user.full_name, field="new_password"
    )
    user.password_hash = passwords.hash_password(new_password)
    user.credentials_version += 1
    user.touch()
    session.flush()


def log_in(
    session: Session,
    *,
    username: str,
    password: str,
    address: str,
    now: datetime,
    limits: LoginLimits,
) -> User:
    """The user a username and password sign in, within the log-in rate limits.

    Raises ``TooManyAttempts`` (429, Retry-After) while the username or the client address is
    limited, whatever the password; ``LoginRefused`` (401) for a wrong username or password,
    after recording the failure (the error keeps the request's unit of work, so the failure
    is committed even though the request fails).
    """
    throttle.check_login_allowed(
        session, username=username, address=address, now=now, limits=limits
    )
    user = authenticate(session, username, password)
    if user is None:
        throttle.record_login_failure(
            session, username=username, address=address, now=now, limits=limits
        )
        raise LoginRefused("wrong username or password")
    throttle.clear_login_failures(session, username=username)
    return user


def authenticate(session: Session, username: str, password: str) -> User | None:
    """The active user with this username and password, or None; no rate limit (see log_in)."""
    user = get_by_username(session, username)
    if user is None or not user.is_active:
        passwords.verify_password(_dummy_hash(), password)  # same cost whether or not it exists
        return None
    return user if passwords.verify_password(user.password_hash, password) else None


def require_user(session: Session, username: str, *, field: str) -> User:
    """The user a request names, or a 422 naming the field."""
    user = get_by_username(session, username)
    if user is None:
        raise Invalid(field, f"unknown user '{username}'")
    return user


def secret_key(session: Session) -> str:
    """The token signing key kept in the database, generated on first use."""
    stored = session.get(AppSetting, SECRET_KEY_SETTING)
    if stored is not None:
        return stored.value
    try:
        with session.begin_nested():
            session.add(AppSetting(key=SECRET_KEY_SETTING, value=secrets.token_urlsafe(48)))
    except IntegrityError:  # another process generated it first
        pass
    return session.get(AppSetting, SECRET_KEY_SETTING).value


@cache
def _dummy_hash() -> str:
    return passwords.hash_password(secrets.token_hex(8))


def full_names(session: Session, usernames: Iterable[str | None]) -> dict[str, str]:
    """``{username: full name}`` for the given usernames, in one query (a username without
    a full name maps to itself), for pages that show who did something."""
    wanted = {name for name in usernames if name}
    if not wanted:
        return {}
    rows = session.execute(select(User.username, User.full_name).where(User.username.in_(wanted)))
    return {username: full_name or username for username, full_name in rows}
