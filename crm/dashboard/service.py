"""Leadership dashboards: the funnel, its breakdown, with targets and overdue tickets.

Every figure follows ``funnel.COUNTING_RULE`` (each counts its own event date), and each
response says so in ``counting_rule``.
"""

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from crm.chains.models import Chain
from crm.dashboard import sql, targets
from crm.dashboard.funnel import COUNTING_RULE, empty_figures, figures_by_group, signed_cohort
from crm.dashboard.milestones import by_group_in_scopes
from crm.dashboard.schemas import Breakdown, Funnel, Group
from crm.i18n import label
from crm.taskforces.models import TaskForce

UNASSIGNED = "未分配"


def funnel(session: Session, scope: sql.Scope, *, now: datetime) -> Funnel:
    keys = sql.lead_keys(scope, None).cte("scope")
    year = (scope.date_from or now.date()).year
    subject = _target_subject(scope)
    milestones = actuals = None
    if subject is not None:  # the period's and the target year's projects: one pass
        year_scope = targets.year_scope(year, include_framework=scope.include_framework)
        milestones, actuals = by_group_in_scopes(
            session, [scope, year_scope], keys, every_lead=sql.every_lead(scope, None)
        )
    figures = figures_by_group(session, scope, None, now=now, keys=keys, milestones=milestones).get(
        "all"
    )
    progress = None
    if subject is not None:
        kind, key = subject
        progress = targets.progress(
            session,
            year,
            kind,
            keys,
            {"all": key},
            include_framework=scope.include_framework,
            actuals=actuals,
        )["all"]
    return Funnel(
        **(figures or empty_figures()).model_dump(),
        counting_rule=COUNTING_RULE,
        targets=progress,
        signed_cohort=signed_cohort(session, scope, keys),
    )


def _target_subject(scope: sql.Scope) -> tuple[str | None, object] | None:
    """Whose targets a funnel shows: the city's, one task force's or one park's; a chain or
    a task force within a park has none."""
    if scope.chain or (scope.park and scope.task_force_id is not None):
        return None
    if scope.park:
        return ("park", scope.park)
    if scope.task_force_id is not None:
        return ("task_force", scope.task_force_id)
    return (None, None)


def breakdown(session: Session, scope: sql.Scope, by: str, *, now: datetime) -> Breakdown:
    """The funnel's figures per group; by task force, with subtotals per unit kind."""
    groups = _groups(session, scope, by, now=now)
    subtotals = _groups(session, scope, "unit_kind", now=now) if by == "task_force" else None
    return Breakdown(by=by, counting_rule=COUNTING_RULE, groups=groups, subtotals=subtotals)


def _groups(session: Session, scope: sql.Scope, by: str, *, now: datetime) -> list[Group]:
    keys = sql.lead_keys(scope, by).cte("scope")
    groups = figures_by_group(session, scope, by, now=now, keys=keys)
    labels, kinds = _labels(session, by, set(groups))
    year = (scope.date_from or now.date()).year
    progress = {}
    if by in targets.SUBJECTS and not _sliced_across(scope, by):
        subjects = {key: key for key in groups if key is not None}
        progress = targets.progress(
            session, year, by, keys, subjects, include_framework=scope.include_framework
        )
    items = [
        Group(
            key=key,
            label=labels.get(key, UNASSIGNED if key is None else str(key)),
            unit_kind=kinds.get(key),
            targets=progress.get(key),
            **figures.model_dump(),
        )
        for key, figures in groups.items()
    ]
    if by == "month":
        items.sort(key=lambda g: str(g.key))
    else:
        items.sort(
            key=lambda g: (
                g.key is None,  # the unassigned group last
                -g.signed.investment,
                -g.signed.count,
                -g.stages[0].reached,
                str(g.key),
            )
        )
    return items


def _sliced_across(scope: sql.Scope, by: str) -> bool:
    """A group's target is for all of it: none when the filters take a slice of the group
    (a chain, or another kind of subject)."""
    return bool(
        scope.chain
        or (scope.park and by != "park")
        or (scope.task_force_id is not None and by != "task_force")
    )


def _labels(session: Session, by: str, keys: set) -> tuple[dict, dict]:
    """Display labels of the groups and, by task force, each unit's kind."""
    ids = [k for k in keys if k is not None]
    if by == "task_force" and ids:
        rows = session.execute(
            select(TaskForce.id, TaskForce.name, TaskForce.kind).where(TaskForce.id.in_(ids))
        ).all()
        return {i: name for i, name, _ in rows}, {i: kind.value for i, _, kind in rows}
    if by == "unit_kind":
        return {k: label("zh", "tf_kind", k) for k in ids}, {k: str(k) for k in ids}
    if by == "chain" and ids:
        rows = session.execute(select(Chain.code, Chain.name).where(Chain.code.in_(ids))).all()
        return dict(rows), {}
    return {}, {}
