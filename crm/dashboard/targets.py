"""Annual targets (年度目标) and progress against them."""

from datetime import date

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from crm.dashboard.models import AnnualTarget
from crm.dashboard.schemas import Progress, TargetProgress, TargetsIn, TargetsOut, TargetValues
from crm.errors import Invalid
from crm.leads.models import Lead
from crm.projects.models import Project
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
                field: _progress(getattr(target, field) if target else None, figures[i])
                for i, field in enumerate(FIELDS)
            },
        )
    return result


def _actuals(session: Session, year: int) -> dict[int | None, list]:
    start, end = date(year, 1, 1), date(year, 12, 31)

    def within(column):
        return case((column.between(start, end), 1), else_=0)

    query = (
        select(
            Lead.task_force_id,
            func.sum(within(Project.signed_on)),
            func.sum(
                case((Project.signed_on.between(start, end), Project.signed_investment), else_=0)
            ),
            func.sum(within(Project.construction_started_on)),
            func.sum(within(Project.production_started_on)),
        )
        .join(Lead, Lead.id == Project.lead_id)
        .group_by(Lead.task_force_id)
    )
    return {
        row[0]: [int(row[1] or 0), float(row[2] or 0), int(row[3] or 0), int(row[4] or 0)]
        for row in session.execute(query)
    }


def _progress(target: float | None, actual: float) -> Progress:
    rate = round(actual / target, 3) if target else None
    return Progress(target=target, actual=round(actual, 2), rate=rate)


def _values(row: AnnualTarget | None) -> TargetValues:
    if row is None:
        return TargetValues()
    return TargetValues(**{field: getattr(row, field) for field in FIELDS})


def _check_year(year: int) -> None:
    if not 2000 <= year <= 2100:
        raise Invalid(("path", "year"), "year must be between 2000 and 2100")
