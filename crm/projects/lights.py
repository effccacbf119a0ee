"""Project lights (红黄绿灯) and the lists leaders chase: 逾期未开工 and the 三未.

A milestone not reached is amber once its planned month has passed, red
``milestone_red_months`` months after that; a funding instalment not covered by the money in
place is amber more than ``funding_amber_days`` after its due date, red past
``funding_red_days``. A project takes the worst light of its milestones and instalments.

Every threshold becomes a date computed here from ``today`` (:class:`Cutoffs`), so the SQL
compares dates only and reads the same on SQLite and PostgreSQL.
"""

from dataclasses import asdict, dataclass, fields
from datetime import date, timedelta
from enum import StrEnum
from functools import cache

from sqlalchemy import (
    ColumnElement,
    Select,
    and_,
    bindparam,
    case,
    exists,
    func,
    not_,
    or_,
    select,
)
from sqlalchemy.orm import Session, aliased, joinedload

from crm.config import Settings, get_settings
from crm.leads.models import Lead, Stage
from crm.projects.milestones import add_months
from crm.projects.models import (
    FundingEntry,
    FundingInstalment,
    Light,
    Milestone,
    MilestoneKind,
    Project,
    Verification,
)

CENT = 0.005  # 万元: money compared to the cent, not to the float's last bit


class Watchlist(StrEnum):
    overdue_start = "overdue_start"  # 逾期未开工: the planned start month has passed
    not_started = "not_started"  # 立项未开工: signed (or filed), not started
    started_stalled = "started_stalled"  # 开工未建设: started, no progress for N days
    not_completed = "not_completed"  # 建设未竣工: started, past the planned completion


@dataclass(frozen=True)
class Cutoffs:
    """Planned or due dates before these are late by the light's measure."""

    amber_planned: date
    red_planned: date
    amber_due: date
    red_due: date
    stalled_since: date
    today: date


def cutoffs(today: date, settings: Settings | None = None) -> Cutoffs:
    settings = settings or get_settings()
    this_month = today.replace(day=1)
    return Cutoffs(
        amber_planned=this_month,
        red_planned=add_months(this_month, -settings.milestone_red_months),
        amber_due=today - timedelta(days=settings.funding_amber_days),
        red_due=today - timedelta(days=settings.funding_red_days),
        stalled_since=today - timedelta(days=settings.stalled_days),
        today=today,
    )


# --- one milestone or instalment, in Python (a project's page) ---------------------------------


def is_reached(milestone: Milestone) -> bool:
    """Recorded and not rejected: a pending date counts as progress, not yet in reports."""
    return milestone.actual_on is not None and milestone.verification != Verification.rejected


def milestone_light(milestone: Milestone, limits: Cutoffs) -> Light:
    if is_reached(milestone):
        return Light.green
    if milestone.planned_on < limits.red_planned:
        return Light.red
    if milestone.planned_on < limits.amber_planned:
        return Light.amber
    return Light.green


def days_late(milestone: Milestone, today: date) -> int:
    """Days since the planned month ended, for a milestone not reached."""
    if is_reached(milestone):
        return 0
    month_end = add_months(milestone.planned_on.replace(day=1), 1) - timedelta(days=1)
    return max(0, (today - month_end).days)


def instalment_light(due_on: date, met: bool, limits: Cutoffs) -> Light:
    if met:
        return Light.green
    if due_on < limits.red_due:
        return Light.red
    if due_on < limits.amber_due:
        return Light.amber
    return Light.green


def worst(lights: list[Light]) -> Light:
    order = [Light.green, Light.amber, Light.red]
    return max(lights, key=order.index, default=Light.green)


# --- in SQL, for lists ---------------------------------------------------------------------


def _reached() -> ColumnElement[bool]:
    return and_(
        Milestone.actual_on.is_not(None),
        or_(Milestone.verification.is_(None), Milestone.verification != Verification.rejected),
    )


def _open_milestone_before(limit: date) -> ColumnElement[bool]:
    return exists().where(
        Milestone.project_id == Project.id, not_(_reached()), Milestone.planned_on < limit
    )


def _unmet_instalment_before(limit: date, today: date) -> ColumnElement[bool]:
    """An instalment due before ``limit`` that the money in place does not cover: the
    schedule's total up to it exceeds what arrived by ``today``."""
    earlier = aliased(FundingInstalment)
    due_to_date = (
        select(func.sum(earlier.amount))
        .where(
            earlier.project_id == FundingInstalment.project_id,
            or_(
                earlier.due_on < FundingInstalment.due_on,
                and_(
                    earlier.due_on == FundingInstalment.due_on, earlier.id <= FundingInstalment.id
                ),
            ),
        )
        .scalar_subquery()
    )
    received = (
        select(func.coalesce(func.sum(FundingEntry.amount), 0.0))
        .where(FundingEntry.project_id == FundingInstalment.project_id, FundingEntry.date <= today)
        .scalar_subquery()
    )
    return exists().where(
        FundingInstalment.project_id == Project.id,
        FundingInstalment.due_on < limit,
        due_to_date > received + CENT,
    )


def light_of_project(limits: Cutoffs) -> ColumnElement[str]:
    """The project's light as a SQL expression over ``Project``."""
    red = or_(
        _open_milestone_before(limits.red_planned),
        _unmet_instalment_before(limits.red_due, limits.today),
    )
    amber = or_(
        _open_milestone_before(limits.amber_planned),
        _unmet_instalment_before(limits.amber_due, limits.today),
    )
    return case((red, Light.red.value), (amber, Light.amber.value), else_=Light.green.value)


def has_light(light: Light, limits: Cutoffs) -> ColumnElement[bool]:
    return light_of_project(limits) == light.value


def lights_of(session: Session, project_ids: list[int], limits: Cutoffs) -> dict[int, Light]:
    """``{project id: light}`` for a page of projects, in one query."""
    if not project_ids:
        return {}
    params = {"project_ids": list(project_ids), **asdict(limits)}
    return {
        project_id: Light(light) for project_id, light in session.execute(_lights_query(), params)
    }


@cache
def _lights_query() -> Select:
    """The lights query with the cut-off dates and the ids as parameters, built once: building
    its expression took longer than running it (a project's page spent ~40% of its CPU here)."""
    bound = Cutoffs(**{f.name: bindparam(f.name) for f in fields(Cutoffs)})
    ids = bindparam("project_ids", expanding=True)
    return select(Project.id, light_of_project(bound)).where(Project.id.in_(ids))


def _milestone(kind: MilestoneKind, *conditions: ColumnElement[bool]) -> ColumnElement[bool]:
    return exists().where(Milestone.project_id == Project.id, Milestone.kind == kind, *conditions)


def _started() -> ColumnElement[bool]:
    return or_(
        Project.construction_started_on.is_not(None),
        _milestone(MilestoneKind.construction_started, _reached()),
    )


def _finished() -> ColumnElement[bool]:
    """Completed, or producing (which implies it)."""
    return or_(
        Project.production_started_on.is_not(None),
        _milestone(MilestoneKind.completed, _reached()),
        _milestone(MilestoneKind.production_started, _reached()),
    )


def _no_progress_since(since: date) -> ColumnElement[bool]:
    recent_milestone = exists().where(
        Milestone.project_id == Project.id, _reached(), Milestone.actual_on >= since
    )
    recent_money = exists().where(FundingEntry.project_id == Project.id, FundingEntry.date >= since)
    return and_(
        or_(Project.construction_started_on.is_(None), Project.construction_started_on < since),
        not_(recent_milestone),
        not_(recent_money),
    )


def in_watchlist(watchlist: Watchlist, limits: Cutoffs) -> ColumnElement[bool]:
    """The condition over ``Project`` of one list; lost projects are in none."""
    alive = Project.lead.has(Lead.stage != Stage.lost)
    if watchlist == Watchlist.not_started:
        return and_(alive, not_(_started()))
    if watchlist == Watchlist.overdue_start:
        late = Milestone.planned_on < limits.amber_planned
        return and_(alive, not_(_started()), _milestone(MilestoneKind.construction_started, late))
    if watchlist == Watchlist.started_stalled:
        return and_(alive, _started(), not_(_finished()), _no_progress_since(limits.stalled_since))
    late = Milestone.planned_on < limits.amber_planned
    return and_(alive, _started(), not_(_finished()), _milestone(MilestoneKind.completed, late))


def narrowed(
    only: ColumnElement[bool] | None,
    limits: Cutoffs,
    *,
    light: Light | None = None,
    watchlist: Watchlist | None = None,
) -> ColumnElement[bool] | None:
    """A list's condition (``only``) with the light and watch list asked for."""
    conditions = [c for c in (only,) if c is not None]
    if light is not None:
        conditions.append(has_light(light, limits))
    if watchlist is not None:
        conditions.append(in_watchlist(watchlist, limits))
    return and_(*conditions) if conditions else None


def watchlist_counts(
    session: Session, limits: Cutoffs, only: ColumnElement[bool] | None = None
) -> dict[str, int]:
    """How many projects each list holds, and how many are amber and red: one query."""
    light = light_of_project(limits)
    columns = {
        **{w.value: in_watchlist(w, limits) for w in Watchlist},
        Light.amber.value: light == Light.amber.value,
        Light.red.value: light == Light.red.value,
    }
    query = select(*(func.count(case((c, 1))).label(k) for k, c in columns.items()))
    query = query.select_from(Project)
    if only is not None:
        query = query.where(only)
    return dict(session.execute(query).one()._mapping)


def red_projects(
    session: Session, *, today: date, settings: Settings | None = None
) -> list[Project]:
    """The red projects that are not lost, oldest signing first, with their lead, task force
    and specialist loaded (for escalation: 督办)."""
    limits = cutoffs(today, settings)
    query = (
        select(Project)
        .join(Project.lead)
        .where(Lead.stage != Stage.lost, has_light(Light.red, limits))
        .options(
            joinedload(Project.lead).joinedload(Lead.task_force),
            joinedload(Project.specialist),
        )
        .order_by(Project.signed_on, Project.id)
    )
    return list(session.scalars(query))


def red_since(
    session: Session, *, today: date, settings: Settings | None = None
) -> dict[int, date]:
    """When each red project turned red: the earliest day one of its milestones did (the
    first day of the month ``milestone_red_months`` after its planned month); a project red
    only for late money counts from ``today``. One query besides :func:`red_projects`."""
    settings = settings or get_settings()
    red_ids = [project.id for project in red_projects(session, today=today, settings=settings)]
    if not red_ids:
        return {}
    earliest = dict(
        session.execute(
            select(Milestone.project_id, func.min(Milestone.planned_on))
            .where(Milestone.project_id.in_(red_ids), not_(_reached()))
            .group_by(Milestone.project_id)
        ).all()
    )
    since = {}
    for project_id in red_ids:
        planned = earliest.get(project_id)
        turned = (
            add_months(planned.replace(day=1), settings.milestone_red_months + 1)
            if planned
            else today
        )
        since[project_id] = min(turned, today)
    return since
