"""督办: escalations of late work up the hierarchy, and formal notes a leader sends.

Both name their subject by type and id (``ticket`` 12, ``project`` 7), so any late record can be
escalated or supervised without a table of its own.
"""

from datetime import datetime
from enum import IntEnum, StrEnum

from sqlalchemy import Enum, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from crm.auth.models import User
from crm.db import Base, UTCDateTime, VersionedMixin


class SubjectType(StrEnum):
    ticket = "ticket"
    project = "project"


class Level(IntEnum):
    task_force_leader = 1  # at the due time
    city_leader = 2  # overdue by as long again


class Escalation(Base):
    """One person told, by the sweep, that a subject is late: who, at which level, when it fell
    due for that level and when they were told."""

    __tablename__ = "escalation"
    __table_args__ = (
        UniqueConstraint("subject_type", "subject_id", "level", "recipient_id"),
        Index("ix_escalation_subject", "subject_type", "subject_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    subject_type: Mapped[SubjectType] = mapped_column(
        Enum(SubjectType, native_enum=False, length=16)
    )
    subject_id: Mapped[int] = mapped_column(Integer)
    level: Mapped[int] = mapped_column(Integer)
    recipient_id: Mapped[int] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), index=True
    )
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    notified_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    reason: Mapped[str] = mapped_column(String(32))  # "overdue", "red"

    recipient: Mapped[User] = relationship()


class SupervisionNote(VersionedMixin, Base):
    """A formal 督办 note from a leader on a project or ticket, which the project's specialist
    (or the ticket's assignee) must answer."""

    __tablename__ = "supervision_note"
    __table_args__ = (Index("ix_supervision_note_subject", "subject_type", "subject_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    subject_type: Mapped[SubjectType] = mapped_column(
        Enum(SubjectType, native_enum=False, length=16)
    )
    subject_id: Mapped[int] = mapped_column(Integer)
    body: Mapped[str] = mapped_column(Text)
    sent_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime)
    respondent_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    answer: Mapped[str | None] = mapped_column(Text)
    answered_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    sent_by: Mapped[User] = relationship(foreign_keys=[sent_by_id])
    respondent: Mapped[User] = relationship(foreign_keys=[respondent_id])
    answered_by: Mapped[User | None] = relationship(foreign_keys=[answered_by_id])
