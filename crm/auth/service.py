import os
import secrets
from concurrent.futures import ThreadPoolExecutor

from sqlalchemy import func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from crm.auth import passwords
from crm.auth.models import AppSetting, Role, User
from crm.auth.schemas import UserCreate, UserUpdate
from crm.errors import Conflict, Invalid, NotFound
from crm.listing import Page, contains, fetch_page
from crm.updates import check_version

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


def create(session: Session, data: UserCreate) -> User:
    if get_by_username(session, data.username) is not None:
        raise Conflict(f"user '{data.username}' already exists")
    user = User(
        username=data.username,
        full_name=data.full_name,
        role=data.role,
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
    with ThreadPoolExecutor(max_workers=os.cpu_count() or 2) as pool:
        hashes = list(pool.map(passwords.hash_password, [item.password for item in items]))
    users = [
        User(username=i.username, full_name=i.full_name, role=i.role, password_hash=h)
        for i, h in zip(items, hashes, strict=True)
    ]
    session.add_all(users)
    session.flush()
    return users


def update(session: Session, user: User, data: UserUpdate) -> User:
    check_version(user, data.version, f"user '{user.username}'")
    fields = data.model_dump(exclude_unset=True, exclude={"version", "password"})
    for key, value in fields.items():
        setattr(user, key, value)
    if data.password is not None:
        user.password_hash = passwords.hash_password(data.password)
    user.touch()
    session.flush()
    return user


def set_password(session: Session, user: User, password: str) -> None:
    user.password_hash = passwords.hash_password(password)
    session.flush()


def authenticate(session: Session, username: str, password: str) -> User | None:
    user = get_by_username(session, username)
    if user is None or not user.is_active:
        passwords.verify_password(_DUMMY_HASH, password)  # same cost whether or not it exists
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


_DUMMY_HASH = passwords.hash_password(secrets.token_hex(8))
