from datetime import datetime
from enum import StrEnum

from sqlalchemy import CheckConstraint, Enum, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from crm.auth.models import User
from crm.companies.models import Company
from crm.db import Base, UTCDateTime, VersionedMixin
from crm.ladder.models import CompanyLiaison
from crm.projects.models import GreenCard, Project


class TicketCategory(StrEnum):
    financing = "financing"  # 融资
    planning = "planning"  # 规划
    land = "land"  # 用地
    permits = "permits"  # 审批
    utilities = "utilities"  # 水电气
    talent = "talent"  # 人才
    subsidy = "subsidy"  # 补贴
    other = "other"


class TicketPriority(StrEnum):
    urgent = "urgent"
    high = "high"
    normal = "normal"
    low = "low"


class TicketStatus(StrEnum):
    open = "open"
    in_progress = "in_progress"
    resolved = "resolved"
    closed = "closed"


# Statuses in which the SLA clock runs: such a ticket past its due time is overdue.
OPEN_STATUSES = (TicketStatus.open, TicketStatus.in_progress)


class Ticket(VersionedMixin, Base):
    """A service request (诉求 / 服务工单): raised under a project's green card, or for a local
    company (its ``company_id``, no project): exactly one of the two."""

    __tablename__ = "service_ticket"
    __table_args__ = (
        CheckConstraint("satisfaction BETWEEN 1 AND 5", name="satisfaction_range"),
        CheckConstraint(
            "(project_id IS NOT NULL AND green_card_id IS NOT NULL AND company_id IS NULL)"
            " OR (project_id IS NULL AND green_card_id IS NULL AND company_id IS NOT NULL)",
            name="one_subject",
        ),
        Index("ix_service_ticket_status_due_at", "status", "due_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    project_id: Mapped[int | None] = mapped_column(
        ForeignKey("project.id", ondelete="CASCADE"), index=True
    )
    green_card_id: Mapped[int | None] = mapped_column(
        ForeignKey("green_card.id", ondelete="CASCADE"), index=True
    )
    # A local company's own ticket (no project): 一企一策 support for firms already here.
    company_id: Mapped[int | None] = mapped_column(
        ForeignKey("company.id", ondelete="CASCADE"), index=True
    )
    category: Mapped[TicketCategory] = mapped_column(
        Enum(TicketCategory, native_enum=False, length=16), index=True
    )
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str | None] = mapped_column(Text)
    priority: Mapped[TicketPriority] = mapped_column(
        Enum(TicketPriority, native_enum=False, length=16)
    )
    status: Mapped[TicketStatus] = mapped_column(
        Enum(TicketStatus, native_enum=False, length=16), default=TicketStatus.open
    )
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), index=True)
    raised_by: Mapped[str | None] = mapped_column(String(64))
    raised_at: Mapped[datetime] = mapped_column(UTCDateTime)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # Overdue this long again (the SLA's working days once more, counted from the due day):
    # the 督办 reaches the city leader (crm.escalations).
    city_due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    resolution: Mapped[str | None] = mapped_column(Text)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    satisfaction: Mapped[int | None] = mapped_column(Integer)

    project: Mapped[Project | None] = relationship()
    green_card: Mapped[GreenCard | None] = relationship()
    company: Mapped[Company | None] = relationship()
    # A local company's ticket escalates to the city leader who keeps in touch with the firm.
    liaison: Mapped[CompanyLiaison | None] = relationship(
        primaryjoin="and_(Ticket.company_id == foreign(CompanyLiaison.company_id),"
        " CompanyLiaison.until.is_(None))",
        viewonly=True,
        uselist=False,
    )
    assignee: Mapped[User | None] = relationship()
