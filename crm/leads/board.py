"""The stage board: the leads of each stage as cards, in a fixed number of queries.

One query counts the leads per stage; one more loads the first cards of every stage at once
(a window function numbers the leads within their stage), with what a card shows joined in.
"""

from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import ColumnElement, func, select, true
from sqlalchemy.orm import Session

from crm.chains.models import Segment
from crm.clock import local_date
from crm.companies.models import Company
from crm.leads.models import HALTED, PIPELINE, Lead, Priority, Stage

BOARD_STAGES = [*PIPELINE, Stage.paused, Stage.lost]


@dataclass(frozen=True)
class Card:
    lead_id: int
    version: int
    stage: Stage
    left_stage: Stage | None
    company: str
    segment: str
    priority: Priority
    expected_investment: float | None  # 万元
    days_in_stage: int
    task_force_id: int | None
    movable: bool


@dataclass
class Column:
    stage: Stage
    total: int = 0
    cards: list[Card] = field(default_factory=list)

    @property
    def halted(self) -> bool:
        return self.stage in HALTED

    @property
    def more(self) -> int:
        return self.total - len(self.cards)


def board_columns(
    session: Session,
    *,
    now: datetime,
    per_stage: int,
    task_force_id: int | None = None,
    movable: ColumnElement[bool] | None = None,
) -> list[Column]:
    """A column per stage (pipeline order, then paused and lost) with its first ``per_stage``
    cards: priority A first, then the longest in their stage. ``movable`` is the condition for
    the leads the viewer may move (the policy's), answered per card in the same query."""
    scope = [Lead.task_force_id == task_force_id] if task_force_id is not None else []
    columns = {stage: Column(stage) for stage in BOARD_STAGES}
    counts = select(Lead.stage, func.count()).where(*scope).group_by(Lead.stage)
    for stage, total in session.execute(counts):
        columns[stage].total = total
    today = local_date(now)
    for row in session.execute(_cards_query(scope, per_stage, movable)):
        columns[row.stage].cards.append(_card(row, today))
    return list(columns.values())


def _cards_query(scope: list, per_stage: int, movable: ColumnElement[bool] | None):
    place = (
        func.row_number()
        .over(
            partition_by=Lead.stage,
            order_by=(Lead.priority.asc(), Lead.stage_changed_at.asc(), Lead.id.asc()),
        )
        .label("place")
    )
    movable_column = (movable if movable is not None else true()).label("movable")
    ranked = (
        select(
            Lead.id.label("lead_id"),
            Lead.version,
            Lead.stage,
            Lead.left_stage,
            Lead.priority,
            Lead.expected_investment,
            Lead.stage_changed_at,
            Lead.task_force_id,
            Company.name.label("company"),
            Segment.name.label("segment"),
            movable_column,
            place,
        )
        .join(Company, Company.id == Lead.company_id)
        .join(Segment, Segment.id == Lead.segment_id)
        .where(*scope)
        .subquery()
    )
    return select(ranked).where(ranked.c.place <= per_stage).order_by(ranked.c.place)


def _card(row, today: date) -> Card:
    return Card(
        lead_id=row.lead_id,
        version=row.version,
        stage=row.stage,
        left_stage=row.left_stage,
        company=row.company,
        segment=row.segment,
        priority=row.priority,
        expected_investment=row.expected_investment,
        days_in_stage=max((today - local_date(row.stage_changed_at)).days, 0),
        task_force_id=row.task_force_id,
        movable=bool(row.movable),
    )
