from enum import StrEnum

from sqlalchemy import Boolean, Enum, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from crm.db import Base, VersionedMixin


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

    @property
    def audit_label(self) -> str:
        return self.username


class AppSetting(Base):
    """Values the application generates for itself, such as the token signing key."""

    __tablename__ = "app_setting"
    __audit__ = False

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text)
