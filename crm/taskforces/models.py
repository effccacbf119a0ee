from enum import StrEnum

from sqlalchemy import Column, Enum, ForeignKey, Integer, String, Table, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from crm import places
from crm.auth.models import User
from crm.chains.models import Chain
from crm.db import Base, VersionedMixin


class TaskForceKind(StrEnum):
    task_force = "task_force"  # 企业招商专班
    group = "group"  # 招商组 (经信, 商务, …)
    center = "center"  # 驻外投资促进中心


task_force_member = Table(
    "task_force_member",
    Base.metadata,
    Column("task_force_id", ForeignKey("task_force.id", ondelete="CASCADE"), primary_key=True),
    Column("user_id", ForeignKey("user_account.id", ondelete="CASCADE"), primary_key=True),
)

task_force_chain = Table(
    "task_force_chain",
    Base.metadata,
    Column("task_force_id", ForeignKey("task_force.id", ondelete="CASCADE"), primary_key=True),
    Column("chain_id", ForeignKey("chain.id", ondelete="CASCADE"), primary_key=True),
)


class TaskForce(VersionedMixin, Base):
    """A team that pursues leads: a task force, a department group or an off-site centre."""

    __tablename__ = "task_force"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    kind: Mapped[TaskForceKind] = mapped_column(Enum(TaskForceKind, native_enum=False, length=16))
    leader_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), index=True)
    base_city: Mapped[str | None] = mapped_column(String(50))
    description: Mapped[str | None] = mapped_column(Text)

    leader: Mapped[User | None] = relationship()
    members: Mapped[list[User]] = relationship(secondary=task_force_member, order_by=User.username)
    focus_chains: Mapped[list[Chain]] = relationship(
        secondary=task_force_chain, order_by=Chain.code
    )

    @validates("base_city")
    def _full_city_name(self, _key: str, value: str | None) -> str | None:
        return places.city_name(value)

    @property
    def audit_label(self) -> str:
        return self.name
