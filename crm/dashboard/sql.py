"""SQL building blocks shared by the dashboard queries, written for SQLite and PostgreSQL."""

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import ColumnElement, Select, case, func, literal, select, union_all
from sqlalchemy.orm import Session

from crm.chains.models import Chain, Segment
from crm.companies.models import Park
from crm.leads.models import PIPELINE, RANK, Lead, StageChange
from crm.projects.models import Project

GROUPINGS = ("task_force", "chain", "park", "month")


@dataclass(frozen=True)
class Scope:
    """Which leads a figure covers, and the time window of their stage moves."""

    chain: str | None = None
    task_force_id: int | None = None
    park: str | None = None
    date_from: date | None = None
    date_to: date | None = None  # inclusive

    @property
    def start(self) -> datetime | None:
        return datetime.combine(self.date_from, time(), UTC) if self.date_from else None

    @property
    def end(self) -> datetime | None:
        """Exclusive end: the day after ``date_to``."""
        return (
            datetime.combine(self.date_to + timedelta(days=1), time(), UTC)
            if self.date_to
            else None
        )


def dialect(session: Session) -> str:
    return session.get_bind().dialect.name


def month_of(session: Session, column: ColumnElement) -> ColumnElement[str]:
    if dialect(session) == "postgresql":
        return func.to_char(column, "YYYY-MM")
    return func.strftime("%Y-%m", column)


def days_between(session: Session, later: ColumnElement, earlier: ColumnElement) -> ColumnElement:
    if dialect(session) == "postgresql":
        return func.extract("epoch", later - earlier) / 86400.0
    return func.julianday(later) - func.julianday(earlier)


def stage_rank(column: ColumnElement) -> ColumnElement[int]:
    return case({stage: rank for stage, rank in RANK.items()}, value=column)


def lead_keys(scope: Scope, by: str | None) -> Select:
    """``(lead_id, key)`` for every lead in scope; ``key`` is the lead's group."""
    key = {
        None: literal("all"),
        "month": literal("all"),
        "task_force": Lead.task_force_id,
        "chain": Chain.code,
        "park": Park.name,
    }[by]
    query = (
        select(Lead.id.label("lead_id"), key.label("key"))
        .join(Segment, Segment.id == Lead.segment_id)
        .join(Chain, Chain.id == Segment.chain_id)
        .outerjoin(Project, Project.lead_id == Lead.id)
        .outerjoin(Park, Park.id == Project.park_id)
    )
    if scope.chain:
        query = query.where(Chain.code == scope.chain)
    if scope.task_force_id is not None:
        query = query.where(Lead.task_force_id == scope.task_force_id)
    if scope.park:
        query = query.where(Park.name == scope.park)
    return query


def pipeline_events(keys) -> Select:
    """Every time a lead entered a pipeline stage: its creation (identified) and its moves."""
    created = select(
        keys.c.key,
        Lead.id.label("lead_id"),
        literal(0).label("rank"),
        Lead.created_at.label("at"),
    ).join(keys, keys.c.lead_id == Lead.id)
    moved = (
        select(
            keys.c.key,
            StageChange.lead_id,
            stage_rank(StageChange.to_stage).label("rank"),
            StageChange.at,
        )
        .join(keys, keys.c.lead_id == StageChange.lead_id)
        .where(StageChange.to_stage.in_(PIPELINE))
    )
    return union_all(created, moved)


def in_window(column: ColumnElement, start, end) -> list[ColumnElement[bool]]:
    conditions = []
    if start is not None:
        conditions.append(column >= start)
    if end is not None:
        conditions.append(column < end)
    return conditions
