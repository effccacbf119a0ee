"""Annual targets (年度目标) and progress against them."""

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from crm.dashboard import sql
from crm.dashboard.funnel import PRODUCING, SIGNED, STARTED, milestone_figures
from crm.dashboard.models import AnnualTarget
from crm.dashboard.schemas import (
    MoneyProgress,
    Progress,
    TargetProgress,
    TargetsIn,
    TargetsOut,
    TargetValues,
    yi,
)
from crm.errors import Invalid
from crm.taskforces.models import TaskForce

FIELDS = ("signed_projects", "signed_investment", "started", "producing")


def put_targets(session: Session, year: int, data: TargetsIn) -> TargetsOut:
    """Replace the year's targets, overall and per task force."""
    _check_year(year)
    wanted = {None: data.overall, **{t.task_force_id: t for t in data.task_forces}}
    if len(wanted) != len(data.task_forces) + 1:
        raise Invalid("task_forces", "a task force is listed twice")
    known = set(
        session.scalars(select(TaskForce.id).where(TaskForce.id.in_([k for k in wanted if k])))
    )
    unknown = [k for k in wanted if k is not None and k not in known]
    if unknown:
        raise Invalid("task_forces", f"unknown task force {unknown[0]}")
    existing = {
        t.task_force_id: t
        for t in session.scalars(select(AnnualTarget).where(AnnualTarget.year == year))
    }
    for task_force_id, values in wanted.items():
        row = existing.pop(task_force_id, None) or AnnualTarget(
            year=year, task_force_id=task_force_id
        )
        for field in FIELDS:
            if getattr(row, field) != getattr(values, field):
                setattr(row, field, getattr(values, field))
        session.add(row)
    for stale in existing.values():
        session.delete(stale)
    session.flush()
    return get_targets(session, year)


def get_targets(session: Session, year: int) -> TargetsOut:
    _check_year(year)
    rows = list(
        session.scalars(
            select(AnnualTarget)
            .where(AnnualTarget.year == year)
            .order_by(AnnualTarget.task_force_id)
        )
    )
    overall = next((r for r in rows if r.task_force_id is None), None)
    return TargetsOut(
        year=year,
        overall=_values(overall),
        task_forces=[
            {"task_force_id": r.task_force_id, **_values(r).model_dump()}
            for r in rows
            if r.task_force_id is not None
        ],
    )


def progress(
    session: Session, year: int, *, task_force_ids: list[int | None]
) -> dict[int | None, TargetProgress]:
    """Progress in ``year`` for each task force (None: overall), actuals from projects."""
    targets = {
        t.task_force_id: t
        for t in session.scalars(select(AnnualTarget).where(AnnualTarget.year == year))
    }
    actual = _actuals(session, year)
    result = {}
    for task_force_id in task_force_ids:
        target = targets.get(task_force_id)
        if task_force_id is None:
            figures = [sum(v[i] for v in actual.values()) for i in range(4)]
        else:
            figures = actual.get(task_force_id, [0, 0.0, 0, 0])
        result[task_force_id] = TargetProgress(
            year=year,
            **{
                field: _progress(
                    getattr(target, field) if target else None,
                    figures[i],
                    money=field == "signed_investment",
                )
                for i, field in enumerate(FIELDS)
            },
        )
    return result


def _actuals(session: Session, year: int) -> dict[int | None, list]:
    """Per task force: signed projects and investment, started, producing in ``year``, by
    the funnel's counting rule (each by its own date)."""
    scope = sql.Scope(date_from=date(year, 1, 1), date_to=date(year, 12, 31))
    keys = sql.lead_keys(scope, "task_force").subquery()
    result = {}
    for task_force_id, rows in milestone_figures(session, scope, keys, by_month=False).items():
        signed, investment = rows.get(SIGNED, (0, 0.0))
        result[task_force_id] = [
            signed,
            investment,
            rows.get(STARTED, (0, 0.0))[0],
            rows.get(PRODUCING, (0, 0.0))[0],
        ]
    return result


def _progress(target: float | None, actual: float, *, money: bool = False) -> Progress:
    rate = round(actual / target, 3) if target else None
    if money:
        return MoneyProgress(
            target=target,
            actual=round(actual, 2),
            rate=rate,
            target_yi=yi(target),
            actual_yi=yi(actual),
        )
    return Progress(target=target, actual=round(actual, 2), rate=rate)


def _values(row: AnnualTarget | None) -> TargetValues:
    if row is None:
        return TargetValues()
    return TargetValues(**{field: getattr(row, field) for field in FIELDS})


def _check_year(year: int) -> None:
    if not 2000 <= year <= 2100:
        raise Invalid(("path", "year"), "year must be between 2000 and 2100")
