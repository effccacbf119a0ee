"""The cultivation ladder (四库三台阶): dated tiers per local company, the city leader who keeps
in touch with a tiered firm, its yearly plan (一企一策) and the yearly targets per tier."""

from datetime import date
from enum import StrEnum

from sqlalchemy import (
    CheckConstraint,
    Date,
    Enum,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from crm.auth.models import User
from crm.companies.models import Company, Tag
from crm.db import Base, VersionedMixin


class Tier(StrEnum):
    """The rungs, lowest first (their order is the ladder's: a move to a later one is up)."""

    upgrade = "upgrade"  # 升规培育 (规上培育库)
    srdi = "srdi"  # 省级专精特新中小企业
    little_giant = "little_giant"  # 国家级专精特新"小巨人"企业
    champion = "champion"  # 制造业单项冠军企业
    large_group = "large_group"  # 大企业大集团


TIER_ORDER = {tier: rank for rank, tier in enumerate(Tier)}

# A tier that carries a search tag: entering the tier sets the tag, leaving it removes the tag
# unless another current tier carries the same tag.
TIER_TAGS: dict[Tier, Tag] = {
    Tier.srdi: Tag.srdi,
    Tier.little_giant: Tag.little_giant,
    Tier.champion: Tag.champion,
}


class PlanStatus(StrEnum):
    draft = "draft"  # 编制中
    active = "active"  # 实施中
    done = "done"  # 已完成


class MeasureStatus(StrEnum):
    planned = "planned"
    in_progress = "in_progress"
    done = "done"
    dropped = "dropped"


class CompanyTier(VersionedMixin, Base):
    """A company in a tier from ``entered_on`` until ``left_on`` (null: still in it)."""

    __tablename__ = "company_tier"
    __table_args__ = (
        CheckConstraint("left_on IS NULL OR left_on >= entered_on", name="dates"),
        # At most one open entry per company and tier.
        Index(
            "uq_company_tier_open",
            "company_id",
            "tier",
            unique=True,
            sqlite_where=text("left_on IS NULL"),
            postgresql_where=text("left_on IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    company_id: Mapped[int] = mapped_column(
        ForeignKey("company.id", ondelete="CASCADE"), index=True
    )
    tier: Mapped[Tier] = mapped_column(Enum(Tier, native_enum=False, length=16), index=True)
    entered_on: Mapped[date] = mapped_column(Date, index=True)
    left_on: Mapped[date | None] = mapped_column(Date, index=True)
    source_document: Mapped[str | None] = mapped_column(String(200))  # 文号 or title
    note: Mapped[str | None] = mapped_column(Text)

    company: Mapped[Company] = relationship()

    @property
    def audit_label(self) -> str:
        return f"{self.company.name} {self.tier.value}"


class CompanyLiaison(VersionedMixin, Base):
    """The city leader who keeps in touch with a firm (联系市领导), from ``since`` until
    ``until`` (null: now); a change ends the current row, so the history stays."""

    __tablename__ = "company_liaison"
    __table_args__ = (
        CheckConstraint("until IS NULL OR until >= since", name="dates"),
        Index(
            "uq_company_liaison_current",
            "company_id",
            unique=True,
            sqlite_where=text("until IS NULL"),
            postgresql_where=text("until IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    company_id: Mapped[int] = mapped_column(
        ForeignKey("company.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    since: Mapped[date] = mapped_column(Date)
    until: Mapped[date | None] = mapped_column(Date)

    company: Mapped[Company] = relationship()
    user: Mapped[User] = relationship()

    @property
    def audit_label(self) -> str:
        return f"{self.company.name} {self.user.username}"


class FirmPlan(VersionedMixin, Base):
    """A firm's plan for a year (一企一策): measures, each with who does it and by when."""

    __tablename__ = "firm_plan"
    __table_args__ = (
        UniqueConstraint("company_id", "year"),
        CheckConstraint("year BETWEEN 2000 AND 2100", name="year_range"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    company_id: Mapped[int] = mapped_column(
        ForeignKey("company.id", ondelete="CASCADE"), index=True
    )
    year: Mapped[int] = mapped_column(Integer, index=True)
    status: Mapped[PlanStatus] = mapped_column(
        Enum(PlanStatus, native_enum=False, length=16), default=PlanStatus.draft
    )
    summary: Mapped[str | None] = mapped_column(Text)

    company: Mapped[Company] = relationship()
    measures: Mapped[list["PlanMeasure"]] = relationship(
        cascade="all, delete-orphan", order_by="PlanMeasure.position"
    )

    @property
    def audit_label(self) -> str:
        return f"{self.company.name} {self.year}"


class PlanMeasure(Base):
    __tablename__ = "plan_measure"
    __audit__ = False  # recorded as a change of the plan's measures

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("firm_plan.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(Text)
    responsible_unit: Mapped[str | None] = mapped_column(String(100))
    due_on: Mapped[date | None] = mapped_column(Date)
    status: Mapped[MeasureStatus] = mapped_column(
        Enum(MeasureStatus, native_enum=False, length=16), default=MeasureStatus.planned
    )

    @property
    def audit_label(self) -> str:
        return self.text[:40]


class TierTarget(VersionedMixin, Base):
    """How many firms should enter a tier in a year (e.g. 2026: 升规 30)."""

    __tablename__ = "tier_target"
    __table_args__ = (
        UniqueConstraint("year", "tier"),
        CheckConstraint("firms >= 0", name="firms_not_negative"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    year: Mapped[int] = mapped_column(Integer, index=True)
    tier: Mapped[Tier] = mapped_column(Enum(Tier, native_enum=False, length=16))
    firms: Mapped[int] = mapped_column(Integer)

    @property
    def audit_label(self) -> str:
        return f"{self.year} {self.tier.value}"
