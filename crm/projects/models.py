from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Date,
    Enum,
    Float,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    Table,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from crm.auth.models import User
from crm.companies.models import Park
from crm.db import Base, UTCDateTime, VersionedMixin, utcnow
from crm.leads.models import Lead
from crm.places import InvestorOrigin
from crm.taskforces.models import TaskForce


class IncentiveType(StrEnum):
    land = "land"  # 土地
    tax = "tax"  # 税收
    subsidy = "subsidy"  # 补贴
    loan_interest_subsidy = "loan_interest_subsidy"  # 贷款贴息
    talent = "talent"  # 人才
    other = "other"


class AgreementType(StrEnum):
    framework = "framework"  # 框架协议
    formal = "formal"  # 正式协议 (合同): what counts as 新签约 by default


class MilestoneKind(StrEnum):
    """A project's milestones from signing to the statistics register, in their order."""

    filed = "filed"  # 备案
    land_supplied = "land_supplied"  # 供地
    planning_permit = "planning_permit"  # 规划许可
    construction_permit = "construction_permit"  # 施工许可
    construction_started = "construction_started"  # 开工
    completed = "completed"  # 竣工
    production_started = "production_started"  # 投产
    registered = "registered"  # 入统 / 上规


class Verification(StrEnum):
    pending = "pending"  # 待核验
    accepted = "accepted"  # 已认定
    rejected = "rejected"  # 未通过


class Light(StrEnum):
    """A project's or milestone's light (红黄绿灯)."""

    green = "green"
    amber = "amber"
    red = "red"


class CardStatus(StrEnum):
    active = "active"
    closed = "closed"


class Project(VersionedMixin, Base):
    """A signed lead (项目): one per lead, one specialist, one policy package."""

    __tablename__ = "project"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    lead_id: Mapped[int] = mapped_column(ForeignKey("lead.id"), unique=True)
    park_id: Mapped[int | None] = mapped_column(ForeignKey("park.id"), index=True)
    specialist_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    # What leadership reports count: the project's own name (年产10GWh储能电池项目), the kind
    # of agreement signed, where the investor comes from, fixed-asset investment and the county.
    name: Mapped[str | None] = mapped_column(String(200))
    agreement_type: Mapped[AgreementType] = mapped_column(
        Enum(AgreementType, native_enum=False, length=16), default=AgreementType.formal
    )
    investor_origin: Mapped[InvestorOrigin | None] = mapped_column(
        Enum(InvestorOrigin, native_enum=False, length=16)
    )
    fixed_asset_investment: Mapped[float | None] = mapped_column(Float)  # 万元
    county: Mapped[str | None] = mapped_column(String(50))  # 区县 of the home city
    county_code: Mapped[str | None] = mapped_column(String(6), index=True)
    signed_investment: Mapped[float | None] = mapped_column(Float)  # 万元
    jobs_planned: Mapped[int | None] = mapped_column(Integer)
    jobs_created: Mapped[int | None] = mapped_column(Integer)
    # Milestones: signing and the stage moves set them; land (供地) is entered by hand.
    signed_on: Mapped[date] = mapped_column(Date, index=True)
    land_on: Mapped[date | None] = mapped_column(Date)
    construction_started_on: Mapped[date | None] = mapped_column(Date)
    production_started_on: Mapped[date | None] = mapped_column(Date)
    # Set when production was recorded without a construction start: the start is taken to
    # be the production day (a milestone implies its predecessors).
    construction_start_inferred: Mapped[bool] = mapped_column(
        Boolean, default=False, server_default=false()
    )
    # Think-tank assessment (研判报告).
    assessment_org: Mapped[str | None] = mapped_column(String(200))
    assessment_date: Mapped[date | None] = mapped_column(Date)
    assessment_conclusion: Mapped[str | None] = mapped_column(Text)
    assessment_url: Mapped[str | None] = mapped_column(String(1000))
    # VR planning maps, site plans: [{"title": …, "url": …}].
    planning_links: Mapped[list[dict]] = mapped_column(JSON, default=list)
    notes: Mapped[str | None] = mapped_column(Text)

    lead: Mapped[Lead] = relationship()
    park: Mapped[Park | None] = relationship()
    specialist: Mapped[User] = relationship()
    specialist_history: Mapped[list["SpecialistChange"]] = relationship(
        order_by="SpecialistChange.id", cascade="all, delete-orphan", back_populates="project"
    )
    funding: Mapped[list["FundingEntry"]] = relationship(
        order_by="(FundingEntry.date, FundingEntry.id)",
        cascade="all, delete-orphan",
        back_populates="project",
    )
    incentives: Mapped[list["Incentive"]] = relationship(
        order_by="Incentive.position", cascade="all, delete-orphan", back_populates="project"
    )
    green_card: Mapped["GreenCard | None"] = relationship(
        cascade="all, delete-orphan", back_populates="project"
    )
    milestones: Mapped[list["Milestone"]] = relationship(
        order_by="Milestone.position", cascade="all, delete-orphan", back_populates="project"
    )
    funding_schedule: Mapped[list["FundingInstalment"]] = relationship(
        order_by="(FundingInstalment.due_on, FundingInstalment.id)",
        cascade="all, delete-orphan",
        back_populates="project",
    )


class SpecialistChange(Base):
    """One (re)assignment of a project's specialist; never changed once written."""

    __tablename__ = "project_specialist_change"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    project_id: Mapped[int] = mapped_column(
        ForeignKey("project.id", ondelete="CASCADE"), index=True
    )
    from_user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    to_user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    by: Mapped[str | None] = mapped_column(String(64))
    reason: Mapped[str | None] = mapped_column(Text)

    project: Mapped[Project] = relationship(back_populates="specialist_history")
    from_user: Mapped[User | None] = relationship(foreign_keys=[from_user_id])
    to_user: Mapped[User] = relationship(foreign_keys=[to_user_id])


class FundingEntry(Base):
    """Money that arrived (资金到位), dated; the sum is the investment in place to date."""

    __tablename__ = "project_funding"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    project_id: Mapped[int] = mapped_column(
        ForeignKey("project.id", ondelete="CASCADE"), index=True
    )
    date: Mapped[date] = mapped_column(Date)
    amount: Mapped[float] = mapped_column(Float)  # 万元
    # Where the money comes from (境外/省外/省内市外/市内); by default the investor's origin.
    source_region: Mapped[InvestorOrigin | None] = mapped_column(
        Enum(InvestorOrigin, native_enum=False, length=16)
    )
    note: Mapped[str | None] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    by: Mapped[str | None] = mapped_column(String(64))

    project: Mapped[Project] = relationship(back_populates="funding")


class FundingInstalment(Base):
    """Money the agreement says should be in place by a date (资金到位计划)."""

    __tablename__ = "project_funding_instalment"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    project_id: Mapped[int] = mapped_column(
        ForeignKey("project.id", ondelete="CASCADE"), index=True
    )
    due_on: Mapped[date] = mapped_column(Date)
    amount: Mapped[float] = mapped_column(Float)  # 万元
    note: Mapped[str | None] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    by: Mapped[str | None] = mapped_column(String(64))

    project: Mapped[Project] = relationship(back_populates="funding_schedule")


class Milestone(Base):
    """One milestone of a project's plan: when it should happen, when it did, the evidence
    and whether the office accepted it (only accepted ones reach the reports, by default)."""

    __tablename__ = "project_milestone"
    __table_args__ = (UniqueConstraint("project_id", "kind"),)

    # Its own version: two people editing different milestones of a project do not collide.
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)
    __mapper_args__ = {"version_id_col": version}

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    project_id: Mapped[int] = mapped_column(
        ForeignKey("project.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[MilestoneKind] = mapped_column(Enum(MilestoneKind, native_enum=False, length=32))
    position: Mapped[int] = mapped_column(Integer)
    planned_on: Mapped[date] = mapped_column(Date, index=True)
    actual_on: Mapped[date | None] = mapped_column(Date)
    evidence_url: Mapped[str | None] = mapped_column(String(1000))
    evidence_file_id: Mapped[int | None] = mapped_column(
        ForeignKey("project_evidence_file.id", ondelete="SET NULL")
    )
    note: Mapped[str | None] = mapped_column(Text)
    recorded_by: Mapped[str | None] = mapped_column(String(64))
    recorded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # None until an actual date is recorded; a new actual date or evidence asks again.
    verification: Mapped[Verification | None] = mapped_column(
        Enum(Verification, native_enum=False, length=16), index=True
    )
    opinion: Mapped[str | None] = mapped_column(Text)
    verified_by: Mapped[str | None] = mapped_column(String(64))
    verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    project: Mapped[Project] = relationship(back_populates="milestones")
    evidence_file: Mapped["EvidenceFile | None"] = relationship()

    @property
    def audit_label(self) -> str:
        return f"project {self.project_id} {self.kind.value}"


class EvidenceFile(Base):
    """A file kept as evidence of a milestone (a permit scan, a photo of the site)."""

    __tablename__ = "project_evidence_file"
    __audit__ = False  # the bytes stay out of the audit log; the milestone's change is audited

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    project_id: Mapped[int] = mapped_column(
        ForeignKey("project.id", ondelete="CASCADE"), index=True
    )
    filename: Mapped[str] = mapped_column(String(200))
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(Integer)
    content: Mapped[bytes] = mapped_column(LargeBinary)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    by: Mapped[str | None] = mapped_column(String(64))


class Incentive(Base):
    """One incentive of a project's policy package (一策) and whether it was honoured (兑现)."""

    __tablename__ = "policy_incentive"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    project_id: Mapped[int] = mapped_column(
        ForeignKey("project.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(Integer, default=0)
    type: Mapped[IncentiveType] = mapped_column(Enum(IncentiveType, native_enum=False, length=32))
    amount: Mapped[float | None] = mapped_column(Float)  # 万元
    conditions: Mapped[str | None] = mapped_column(Text)
    honoured_at: Mapped[date | None] = mapped_column(Date)
    honoured_amount: Mapped[float | None] = mapped_column(Float)  # 万元
    # Why the incentive would not pass a fair-competition review (公平竞争审查), if it would not.
    compliance: Mapped[str | None] = mapped_column(Text)

    project: Mapped[Project] = relationship(back_populates="incentives")


green_card_member = Table(
    "green_card_member",
    Base.metadata,
    Column("green_card_id", ForeignKey("green_card.id", ondelete="CASCADE"), primary_key=True),
    Column("user_id", ForeignKey("user_account.id", ondelete="CASCADE"), primary_key=True),
)


class GreenCard(VersionedMixin, Base):
    """The service green card (服务绿卡) issued to a project at signing."""

    __tablename__ = "green_card"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    project_id: Mapped[int] = mapped_column(
        ForeignKey("project.id", ondelete="CASCADE"), unique=True
    )
    card_no: Mapped[str] = mapped_column(String(32), unique=True)
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime)
    status: Mapped[CardStatus] = mapped_column(
        Enum(CardStatus, native_enum=False, length=16), default=CardStatus.active, index=True
    )
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_reason: Mapped[str | None] = mapped_column(Text)
    task_force_id: Mapped[int | None] = mapped_column(ForeignKey("task_force.id"), index=True)

    project: Mapped[Project] = relationship(back_populates="green_card")
    task_force: Mapped[TaskForce | None] = relationship()
    members: Mapped[list[User]] = relationship(secondary=green_card_member, order_by=User.username)

    @property
    def audit_label(self) -> str:
        return self.card_no


class GreenCardCounter(Base):
    """The last card number issued in a year; bumped atomically, so numbers are never reused."""

    __tablename__ = "green_card_counter"
    __audit__ = False

    year: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    value: Mapped[int] = mapped_column(Integer, default=0)
