"""Leadership dashboards: the funnel, its breakdown, with targets and overdue tickets."""

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from crm.chains.models import Chain
from crm.companies.models import Park
from crm.dashboard import sql, targets
from crm.dashboard.funnel import empty_figures, figures_by_group
from crm.dashboard.schemas import Breakdown, Funnel, Group
from crm.taskforces.models import TaskForce
from crm.tickets import service as ticket_service


def funnel(session: Session, scope: sql.Scope, *, now: datetime) -> Funnel:
    figures = figures_by_group(session, scope, None).get("all") or empty_figures()
    year = (scope.date_from or now.date()).year
    # Targets are set for the city and per task force; a chain or park slice has none.
    progress = (
        None
        if scope.chain or scope.park
        else targets.progress(session, year, task_force_ids=[scope.task_force_id])[
            scope.task_force_id
        ]
    )
    overdue = ticket_service.overdue_ticket_count(
        session, now=now, task_force_id=scope.task_force_id, chain=scope.chain
    )
    return Funnel(
        **figures.model_dump(exclude={"overdue_tickets"}), overdue_tickets=overdue, targets=progress
    )


def breakdown(session: Session, scope: sql.Scope, by: str, *, now: datetime) -> Breakdown:
    groups = figures_by_group(session, scope, by)
    labels = _labels(session, by, set(groups))
    year = (scope.date_from or now.date()).year
    progress = (
        targets.progress(session, year, task_force_ids=list(groups))
        if by == "task_force" and not (scope.chain or scope.park)
        else {}
    )
    items = [
        Group(
            key=key,
            label=labels.get(key, "未分配" if key is None else str(key)),
            targets=progress.get(key),
            **figures.model_dump(),
        )
        for key, figures in groups.items()
    ]
    if by == "month":
        items.sort(key=lambda g: str(g.key))
    else:
        items.sort(
            key=lambda g: (-g.signed.investment, -g.signed.count, -g.stages[0].reached, str(g.key))
        )
    return Breakdown(by=by, groups=items)


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
    if by == "park" and ids:
        return dict(session.execute(select(Park.name, Park.name).where(Park.name.in_(ids))).all())
    return {}
