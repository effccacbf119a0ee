"""Time in stage: median and 90th-percentile days between consecutive pipeline stages."""

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from crm.chains.models import Chain
from crm.dashboard import sql
from crm.dashboard.schemas import Velocity, VelocityRow
from crm.leads.models import PIPELINE
from crm.taskforces.models import TaskForce


def velocity(session: Session, scope: sql.Scope, by: str) -> Velocity:
    """Days from a lead's furthest stage to the next further one it enters, per group and
    the stage entered (forward skips count from the stage left; steps back and resumes don't).

    Percentiles are nearest-rank, computed with window functions (the same SQL on SQLite and
    PostgreSQL): the p-th percentile is the smallest duration whose rank is at least p·n.
    """
    keys = sql.lead_keys(scope, by).subquery()
    events = sql.pipeline_events(keys).subquery()
    order = (events.c.at, events.c.rank)
    # Only moves that take a lead further than it has ever been count: a step back, its
    # return, or a resume after a pause is not time spent getting to the next stage.
    furthest_before = func.max(events.c.rank).over(
        partition_by=events.c.lead_id, order_by=order, rows=(None, -1)
    )
    marked = select(
        events.c.key,
        events.c.lead_id,
        events.c.rank,
        events.c.at,
        furthest_before.label("furthest_before"),
    ).subquery()
    advances = (
        select(marked)
        .where(marked.c.furthest_before.is_(None) | (marked.c.rank > marked.c.furthest_before))
        .subquery()
    )
    previous = func.lag(advances.c.at).over(
        partition_by=advances.c.lead_id, order_by=(advances.c.at, advances.c.rank)
    )
    steps = select(
        advances.c.key, advances.c.rank, advances.c.at, previous.label("previous_at")
    ).subquery()
    durations = (
        select(
            steps.c.key,
            steps.c.rank,
            sql.days_between(session, steps.c.at, steps.c.previous_at).label("days"),
        )
        .where(steps.c.previous_at.is_not(None))
        .where(*sql.in_window(steps.c.at, scope.start, scope.end))
        .subquery()
    )
    ordered = select(
        durations.c.key,
        durations.c.rank,
        durations.c.days,
        func.row_number()
        .over(partition_by=(durations.c.key, durations.c.rank), order_by=durations.c.days)
        .label("position"),
        func.count().over(partition_by=(durations.c.key, durations.c.rank)).label("n"),
    ).subquery()

    rows = session.execute(
        select(
            ordered.c.key,
            ordered.c.rank,
            func.max(ordered.c.n),
            func.min(_when(ordered.c.position >= 0.5 * ordered.c.n, ordered.c.days)),
            func.min(_when(ordered.c.position >= 0.9 * ordered.c.n, ordered.c.days)),
        )
        .group_by(ordered.c.key, ordered.c.rank)
        .order_by(ordered.c.key, ordered.c.rank)
    ).all()
    labels = _labels(session, by, {row[0] for row in rows})
    return Velocity(
        by=by,
        rows=[
            VelocityRow(
                group=str(key),
                label=labels.get(key, str(key)),
                stage=PIPELINE[rank],
                moves=n,
                median_days=_round(median),
                p90_days=_round(p90),
            )
            for key, rank, n, median, p90 in rows
        ],
    )


def _when(condition, value):
    return case((condition, value))


def _round(days) -> float | None:
    return None if days is None else round(float(days), 1)


def _labels(session: Session, by: str, keys: set) -> dict:
    ids = [k for k in keys if k is not None]
    if by == "task_force" and ids:
        return dict(
            session.execute(select(TaskForce.id, TaskForce.name).where(TaskForce.id.in_(ids))).all()
        )
    if by == "chain" and ids:
        return dict(
            session.execute(select(Chain.code, Chain.name).where(Chain.code.in_(ids))).all()
        )
    return {}
