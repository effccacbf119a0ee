"""SQL building blocks shared by the dashboard queries, written for SQLite and PostgreSQL."""

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import ColumnElement, Select, case, func, literal, select, union_all
from sqlalchemy.orm import Session, aliased

from crm.chains.models import Chain, Segment
from crm.companies.models import Park
from crm.leads.models import PIPELINE, RANK, Lead, StageChange
from crm.projects.models import Project
from crm.taskforces.models import TaskForce

GROUPINGS = ("task_force", "unit_kind", "chain", "park", "county", "month")


@dataclass(frozen=True)
class Scope:
    """Which leads a figure covers, and the period whose events it counts (each figure by
    its own event date: see ``crm.dashboard.funnel``)."""

    chain: str | None = None
    task_force_id: int | None = None
    park: str | None = None
    date_from: date | None = None
    date_to: date | None = None  # inclusive
    # 新签约 counts formal agreements only; a framework agreement (框架协议) counts when asked.
    include_framework: bool = False

    @property
    def windowed(self) -> bool:
        return self.date_from is not None or self.date_to is not None

    @property
    def start(self) -> datetime | None:
        """The first moment of ``date_from`` where the server runs (the days milestones
        are dated in), so a stage move and a milestone of the same day count alike."""
        return _local_midnight(self.date_from) if self.date_from else None

    @property
    def end(self) -> datetime | None:
        """Exclusive end: the first moment of the day after ``date_to``."""
        return _local_midnight(self.date_to + timedelta(days=1)) if self.date_to else None


def _local_midnight(day: date) -> datetime:
    return datetime.combine(day, time()).astimezone().astimezone(UTC)


def _local_offset_minutes() -> int:
    offset = datetime.now().astimezone().utcoffset() or timedelta()
    return int(offset.total_seconds() // 60)


def in_days(column: ColumnElement, scope: "Scope") -> list[ColumnElement[bool]]:
    """``column`` (a date) within the scope's days, both ends included."""
    conditions = []
    if scope.date_from is not None:
        conditions.append(column >= scope.date_from)
    if scope.date_to is not None:
        conditions.append(column <= scope.date_to)
    return conditions


def dialect(session: Session) -> str:
    return session.get_bind().dialect.name


def month_of(session: Session, column: ColumnElement) -> ColumnElement[str]:
    """``YYYY-MM`` of a date column."""
    if dialect(session) == "postgresql":
        return func.to_char(column, "YYYY-MM")
    return func.strftime("%Y-%m", column)


def local_month_of(session: Session, column: ColumnElement) -> ColumnElement[str]:
    """``YYYY-MM`` of a UTC timestamp column, in the server's local time (as milestones)."""
    minutes = _local_offset_minutes()
    if dialect(session) == "postgresql":
        shifted = func.timezone("UTC", column) + func.make_interval(0, 0, 0, 0, 0, minutes)
        return func.to_char(shifted, "YYYY-MM")
    return func.strftime("%Y-%m", column, f"{minutes:+d} minutes")


def days_between(session: Session, later: ColumnElement, earlier: ColumnElement) -> ColumnElement:
    if dialect(session) == "postgresql":
        return func.extract("epoch", later - earlier) / 86400.0
    return func.julianday(later) - func.julianday(earlier)


def stage_rank(column: ColumnElement) -> ColumnElement[int]:
    return case({stage: rank for stage, rank in RANK.items()}, value=column)


def every_lead(scope: Scope, by: str | None) -> bool:
    """Whether ``lead_keys(scope, by)`` is every lead under the one key "all" (the whole
    city, not grouped): then a project or ticket aggregate needs no join to the leads (every
    project has its lead), and reads its own table as the hand-written SQL does."""
    return by is None and not (scope.chain or scope.task_force_id is not None or scope.park)


def lead_keys(scope: Scope, by: str | None) -> Select:
    """``(lead_id, key)`` for every lead in scope; ``key`` is the lead's group (one per lead,
    None when it has none: the "unassigned" group). A lead's park is its project's park once
    signed, else its intended park; its county is its project's. Only the joins the grouping
    and the filters need are made, so the whole city reads the lead table alone."""
    project_park, lead_park = aliased(Park), aliased(Park)
    park = func.coalesce(project_park.name, lead_park.name)
    key = {
        None: literal("all"),
        "month": literal("all"),
        "task_force": Lead.task_force_id,
        "unit_kind": TaskForce.kind,
        "chain": Chain.code,
        "park": park,
        "county": Project.county,
    }[by]
    query = select(Lead.id.label("lead_id"), key.label("key"))
    if scope.chain or by == "chain":
        query = query.join(Segment, Segment.id == Lead.segment_id).join(
            Chain, Chain.id == Segment.chain_id
        )
    if by == "unit_kind":
        query = query.outerjoin(TaskForce, TaskForce.id == Lead.task_force_id)
    if scope.park or by in ("park", "county"):
        query = query.outerjoin(Project, Project.lead_id == Lead.id)
    if scope.park or by == "park":
        query = query.outerjoin(project_park, project_park.id == Project.park_id).outerjoin(
            lead_park, lead_park.id == Lead.park_id
        )
    if scope.chain:
        query = query.where(Chain.code == scope.chain)
    if scope.task_force_id is not None:
        query = query.where(Lead.task_force_id == scope.task_force_id)
    if scope.park:
        query = query.where(park == scope.park)
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
