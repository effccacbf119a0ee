from datetime import datetime
from enum import StrEnum

from sqlalchemy import Boolean, Enum, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from crm.db import Base, UTCDateTime, VersionedMixin, utcnow


class Role(StrEnum):
    admin = "admin"
    staff = "staff"
    leader = "leader"
    specialist = "specialist"
    viewer = "viewer"


class User(VersionedMixin, Base):
    __tablename__ = "user_account"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    full_name: Mapped[str] = mapped_column(String(100), default="")
    role: Mapped[Role] = mapped_column(Enum(Role, native_enum=False, length=16))
    password_hash: Mapped[str] = mapped_column(String(255))
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    # 市领导: the second level of 督办 (crm.escalations) reaches them.
    city_leader: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")
    # Bumped when the password, the role or the active flag changes: tokens and page sessions
    # carry the value they were issued under and stop working once it moves on.
    credentials_version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")

    @property
    def audit_label(self) -> str:
        return self.username


class AppSetting(Base):
    """Values the application generates for itself, such as the token signing key."""

    __tablename__ = "app_setting"
    __audit__ = False

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


class WebSession(Base):
    """A signed-in browser. Only a hash of the cookie's token is kept, so a stolen database
    cannot sign anyone in; deleting the row (log-out, password change) ends the session."""

    __tablename__ = "web_session"
    __audit__ = False

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), index=True
    )
    # The user's credentials_version when the session began; a change ends the session.
    credentials_version: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class LoginFailure(Base):
    """One failed log-in, for rate limiting by username and by client address (crm.auth.throttle).

    Audited like any write, so the audit keeps every failure after the row itself is pruned.
    """

    __tablename__ = "login_failure"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(64), index=True)
    address: Mapped[str] = mapped_column(String(64), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
