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


class VisitKind(StrEnum):
    outbound = "outbound"  # 外出拜访
    inbound = "inbound"  # 来访考察 (received by a city leader)
    event = "event"  # 活动洽谈
    online = "online"  # 线上
    signing = "signing"  # 签约仪式


class PolicyStatus(StrEnum):
    draft = "draft"  # 草案
    approved = "approved"  # 已审定


def _created_on(context) -> date:
    """A new lead's last contact is its creation (the day its stage was set), wherever it is
    written from (API, import, seeds)."""
    moved = context.get_current_parameters().get("stage_changed_at") or utcnow()
    return moved.astimezone().date()


class Lead(VersionedMixin, Base):
    """One target company pursued for one investment (招商线索)."""

    __tablename__ = "lead"
    # The list's sorts (crm.leads.lists.SORTABLE) read these in order: (column, id) both
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
        Index("ix_lead_last_contact_on_id", "last_contact_on", "id"),
        Index("ix_lead_last_visit_on_id", "last_visit_on", "id"),
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
    # Before signing (一项一策一专员): the specialist, the think-tank assessment (研判报告),
    # planning links and a draft policy package; signing hands them to the project
    # (crm.pipeline.handover).
    specialist_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), index=True)
    assessment_org: Mapped[str | None] = mapped_column(String(200))
    assessment_date: Mapped[date | None] = mapped_column(Date)
    assessment_conclusion: Mapped[str | None] = mapped_column(Text)
    assessment_url: Mapped[str | None] = mapped_column(String(1000))
    # VR planning maps, site plans: [{"title": …, "url": …}].
    planning_links: Mapped[list[dict] | None] = mapped_column(JSON, default=list)
    policy_status: Mapped[PolicyStatus] = mapped_column(
        Enum(PolicyStatus, native_enum=False, length=16), default=PolicyStatus.draft
    )
    policy_approved_by: Mapped[str | None] = mapped_column(String(64))
    policy_approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The lead's clock (crm.leads.contact): the last done visit, the last contact (that visit
    # or a stage move, creation included), and when a leader last renewed a stale lead.
    last_visit_on: Mapped[date | None] = mapped_column(Date)
    last_contact_on: Mapped[date | None] = mapped_column(Date, default=_created_on)
    pause_renewed_on: Mapped[date | None] = mapped_column(Date)

    company: Mapped[Company] = relationship()
    segment: Mapped[Segment] = relationship()
    task_force: Mapped[TaskForce | None] = relationship()
    owner: Mapped[User | None] = relationship(foreign_keys=[owner_id])
    park: Mapped[Park | None] = relationship()
    specialist: Mapped[User | None] = relationship(foreign_keys=[specialist_id])
    incentives: Mapped[list["LeadIncentive"]] = relationship(
        order_by="LeadIncentive.position", cascade="all, delete-orphan", back_populates="lead"
    )
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
    kind: Mapped[VisitKind] = mapped_column(
        Enum(VisitKind, native_enum=False, length=16), default=VisitKind.outbound
    )
    # For an inbound inspection (来访考察): the city leader who received the visitors.
    received_by: Mapped[str | None] = mapped_column(String(100))

    lead: Mapped[Lead] = relationship()
    task_force: Mapped[TaskForce | None] = relationship()

    @validates("city")
    def _full_city_name(self, _key: str, value: str | None) -> str | None:
        return places.city_name(value)


class LeadIncentive(Base):
    """One incentive of a lead's draft policy package, shaped as a project's
    (``crm.projects.models.Incentive``); ``type`` holds an ``IncentiveType`` value."""

    __tablename__ = "lead_incentive"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    lead_id: Mapped[int] = mapped_column(ForeignKey("lead.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    type: Mapped[str] = mapped_column(String(32))
    amount: Mapped[float | None] = mapped_column(Float)  # 万元
    conditions: Mapped[str | None] = mapped_column(Text)

    lead: Mapped[Lead] = relationship(back_populates="incentives")
