from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import JSON, Date, Enum, Float, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from crm import places
from crm.auth.models import User
from crm.chains.models import Segment
from crm.companies.models import Company, Park
from crm.db import Base, UTCDateTime, VersionedMixin, utcnow
from crm.taskforces.models import TaskForce


class Stage(StrEnum):
    identified = "identified"  # 已识别
    contacted = "contacted"  # 已接洽
    visited = "visited"  # 已拜访
    negotiating = "negotiating"  # 洽谈中
    signed = "signed"  # 已签约
    started = "started"  # 已开工
    producing = "producing"  # 已投产
    paused = "paused"  # 暂缓
    lost = "lost"  # 已流失


PIPELINE = [
    Stage.identified,
    Stage.contacted,
    Stage.visited,
    Stage.negotiating,
    Stage.signed,
    Stage.started,
    Stage.producing,
]
RANK = {stage: rank for rank, stage in enumerate(PIPELINE)}
HALTED = frozenset({Stage.paused, Stage.lost})


class Priority(StrEnum):
    A = "A"
    B = "B"
    C = "C"


class Source(StrEnum):
    center = "center"  # 驻外中心
    task_force = "task_force"  # 招商专班
    think_tank = "think_tank"  # 智库
    referral = "referral"  # 以商招商
    exhibition = "exhibition"  # 展会
    other = "other"


class VisitStatus(StrEnum):
    planned = "planned"
    done = "done"
    cancelled = "cancelled"


class Lead(VersionedMixin, Base):
    """One target company pursued for one investment (招商线索)."""

    __tablename__ = "lead"
    # The list's sorts (crm.leads.service.SORTABLE) read these in order: (column, id) both
    # ways; a nullable column sorted descending with nulls last needs its own order on
    # PostgreSQL (migration 3b7e51c0d2a4).
    __table_args__ = (
        Index("ix_lead_stage_task_force", "stage", "task_force_id"),
        Index("ix_lead_created_at_id", "created_at", "id"),
        Index("ix_lead_updated_at_id", "updated_at", "id"),
        Index("ix_lead_stage_changed_at_id", "stage_changed_at", "id"),
        Index("ix_lead_priority_id", "priority", "id"),
        Index("ix_lead_expected_investment_id", "expected_investment", "id"),
        Index("ix_lead_next_follow_up_id", "next_follow_up", "id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("company.id"), index=True)
    segment_id: Mapped[int] = mapped_column(ForeignKey("segment.id"), index=True)
    task_force_id: Mapped[int | None] = mapped_column(ForeignKey("task_force.id"), index=True)
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), index=True)
    # The park the investment is meant for (意向园区); the project's park once signed.
    park_id: Mapped[int | None] = mapped_column(ForeignKey("park.id"), index=True)
    stage: Mapped[Stage] = mapped_column(Enum(Stage, native_enum=False, length=16), index=True)
    # The pipeline stage a paused or lost lead left, and why it halted.
    left_stage: Mapped[Stage | None] = mapped_column(Enum(Stage, native_enum=False, length=16))
    halt_reason: Mapped[str | None] = mapped_column(Text)
    # The furthest pipeline stage ever reached (the funnel's "reached").
    highest_rank: Mapped[int] = mapped_column(Integer, default=0)
    stage_changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    priority: Mapped[Priority] = mapped_column(Enum(Priority, native_enum=False, length=1))
    source: Mapped[Source] = mapped_column(Enum(Source, native_enum=False, length=16))
    expected_investment: Mapped[float | None] = mapped_column(Float)  # 万元
    expected_jobs: Mapped[int | None] = mapped_column(Integer)
    next_follow_up: Mapped[date | None] = mapped_column(Date)
    notes: Mapped[str | None] = mapped_column(Text)

    company: Mapped[Company] = relationship()
    segment: Mapped[Segment] = relationship()
    task_force: Mapped[TaskForce | None] = relationship()
    owner: Mapped[User | None] = relationship()
    park: Mapped[Park | None] = relationship()
    history: Mapped[list["StageChange"]] = relationship(
        order_by="StageChange.id", cascade="all, delete-orphan", back_populates="lead"
    )


class StageChange(Base):
    """One move of a lead between stages; never changed once written."""

    __tablename__ = "lead_stage_change"
    __table_args__ = (Index("ix_lead_stage_change_lead_id_at", "lead_id", "at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    lead_id: Mapped[int] = mapped_column(ForeignKey("lead.id", ondelete="CASCADE"), index=True)
    from_stage: Mapped[Stage | None] = mapped_column(Enum(Stage, native_enum=False, length=16))
    to_stage: Mapped[Stage] = mapped_column(Enum(Stage, native_enum=False, length=16), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    by: Mapped[str | None] = mapped_column(String(64))
    reason: Mapped[str | None] = mapped_column(Text)
    note: Mapped[str | None] = mapped_column(Text)

    lead: Mapped[Lead] = relationship(back_populates="history")


class Visit(VersionedMixin, Base):
    """A planned or done meeting with a lead's company (拜访 / 走访)."""

    __tablename__ = "visit"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    lead_id: Mapped[int] = mapped_column(ForeignKey("lead.id", ondelete="CASCADE"), index=True)
    task_force_id: Mapped[int | None] = mapped_column(ForeignKey("task_force.id"), index=True)
    date: Mapped[date] = mapped_column(Date, index=True)
    city: Mapped[str | None] = mapped_column(String(50))
    participants: Mapped[list[str]] = mapped_column(JSON, default=list)
    purpose: Mapped[str | None] = mapped_column(Text)
    outcome: Mapped[str | None] = mapped_column(Text)
    next_step: Mapped[str | None] = mapped_column(Text)
    status: Mapped[VisitStatus] = mapped_column(
        Enum(VisitStatus, native_enum=False, length=16), default=VisitStatus.planned
    )

    lead: Mapped[Lead] = relationship()
    task_force: Mapped[TaskForce | None] = relationship()

    @validates("city")
    def _full_city_name(self, _key: str, value: str | None) -> str | None:
        return places.city_name(value)
