"""The escalation sweep: records who is told of late work, once per subject, level and person.

Run whenever the escalation lists are read and by ``crm escalations sweep`` (a cron job), so
nothing needs a background thread: an escalation is recorded at the first sweep after it falls
due, with both moments kept (``due_at``, ``notified_at``). Sweeping again records nothing new.

A source of late work yields ``Late`` items; tickets are one (open past their due time: first
level; past their city-level time: second level). Red projects plug in the same way
(``late_projects``), given the projects and when each turned red.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time

from sqlalchemy import and_, exists, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from crm.clock import local_date
from crm.config import get_settings
from crm.escalations.leaders import (
    city_leader_ids,
    project_leaders,
    project_leaders_query,
    second_level_recipients,
)
from crm.escalations.models import Escalation, Level, SubjectType
from crm.ladder.models import CompanyLiaison
from crm.projects import lights
from crm.projects.milestones import add_months
from crm.tickets.models import OPEN_STATUSES, Ticket

# The audit names the sweep, not whoever happened to open a list when it ran.
SWEEP_ACTOR = "escalation-sweep"


@dataclass(frozen=True)
class Late:
    subject_type: SubjectType
    subject_id: int
    level: Level
    due_at: datetime
    task_force_leader_id: int | None
    chain_leader_id: int | None
    reason: str


def _not_escalated(subject_type: SubjectType, subject_id, level: Level):
    return ~exists().where(
        and_(
            Escalation.subject_type == subject_type,
            Escalation.subject_id == subject_id,
            Escalation.level == int(level),
        )
    )


def late_tickets(session: Session, *, now: datetime) -> list[Late]:
    """Open tickets past a level's time and not yet escalated at that level: two queries."""
    leaders = project_leaders_query().subquery()
    late = []
    for level, moment in (
        (Level.task_force_leader, Ticket.due_at),
        (Level.city_leader, Ticket.city_due_at),
    ):
        query = (
            select(Ticket.id, moment, leaders.c.leader_id, leaders.c.leader_user_id)
            .join(leaders, leaders.c.id == Ticket.project_id)
            .where(
                Ticket.status.in_(OPEN_STATUSES),
                moment < now,
                _not_escalated(SubjectType.ticket, Ticket.id, level),
            )
        )
        late += [
            Late(SubjectType.ticket, tid, level, due, tf, chain, "overdue")
            for tid, due, tf, chain in session.execute(query)
        ]
        # A local company's ticket (no project): first level to the firm's liaison city
        # leader, second level to the city leaders.
        local = select(Ticket.id, moment, CompanyLiaison.user_id).outerjoin(
            CompanyLiaison,
            (CompanyLiaison.company_id == Ticket.company_id) & CompanyLiaison.until.is_(None),
        )
        local = local.where(
            Ticket.company_id.is_not(None),
            Ticket.status.in_(OPEN_STATUSES),
            moment < now,
            _not_escalated(SubjectType.ticket, Ticket.id, level),
        )
        late += [
            Late(SubjectType.ticket, tid, level, due, liaison, None, "overdue")
            for tid, due, liaison in session.execute(local)
        ]
    return late


def late_projects(
    session: Session,
    red_since: Mapping[int, datetime],
    second_level_at: Mapping[int, datetime],
    *,
    now: datetime,
) -> list[Late]:
    """Red projects: the first level when they turned red, the second at ``second_level_at``
    (as the lights decide it), each once."""
    if not red_since:
        return []
    done = set(
        session.execute(
            select(Escalation.subject_id, Escalation.level).where(
                Escalation.subject_type == SubjectType.project,
                Escalation.subject_id.in_(list(red_since)),
            )
        ).all()
    )
    leaders = project_leaders(session, red_since)
    late = []
    for project_id, since in red_since.items():
        who = leaders.get(project_id)
        if who is None:
            continue
        for level, moment in (
            (Level.task_force_leader, since),
            (Level.city_leader, second_level_at.get(project_id)),
        ):
            if moment is not None and moment < now and (project_id, int(level)) not in done:
                late.append(
                    Late(
                        SubjectType.project,
                        project_id,
                        level,
                        moment,
                        who.task_force_leader_id,
                        who.chain_leader_id,
                        "red",
                    )
                )
    return late


def record(
    session: Session, late: Iterable[Late], *, now: datetime, told_when_due: bool = False
) -> int:
    """Record an escalation per late item and recipient; returns how many were recorded.
    ``told_when_due``: as if the sweep had run at each due time (loading history)."""
    late = list(late)
    if not late:
        return 0
    city_leaders = city_leader_ids(session)
    rows = []
    for item in late:
        if item.level == Level.task_force_leader:
            recipients = [item.task_force_leader_id] if item.task_force_leader_id else []
        else:
            recipients = second_level_recipients(item.chain_leader_id, city_leaders)
        rows += [
            Escalation(
                subject_type=item.subject_type,
                subject_id=item.subject_id,
                level=int(item.level),
                recipient_id=recipient,
                due_at=item.due_at,
                notified_at=item.due_at if told_when_due else now,
                reason=item.reason,
            )
            for recipient in recipients
        ]
    return _insert(session, rows)


def _insert(session: Session, rows: list[Escalation]) -> int:
    """Insert in a savepoint: a concurrent sweep that recorded the same escalations first
    makes this one record nothing, instead of failing the request."""
    if not rows:
        return 0
    actor = session.info.get("actor")
    session.info["actor"] = SWEEP_ACTOR
    try:
        with session.begin_nested():
            session.add_all(rows)
            session.flush()
    except IntegrityError:
        return 0
    finally:
        session.info["actor"] = actor
    return len(rows)


def late_red_projects(session: Session, *, now: datetime) -> list[Late]:
    """Red projects (crm.projects.lights): the first level from the day each turned red, the
    second when it has stayed red as long again as it took to turn red from amber."""
    settings = get_settings()
    since = lights.red_since(session, today=local_date(now), settings=settings)
    second = {
        project_id: _local_midnight(add_months(day, settings.milestone_red_months))
        for project_id, day in since.items()
    }
    first = {project_id: _local_midnight(day) for project_id, day in since.items()}
    return late_projects(session, first, second, now=now)


def _local_midnight(day: date) -> datetime:
    return datetime.combine(day, time.min).astimezone()


def sweep(session: Session, *, now: datetime) -> int:
    """Escalate every late ticket and red project that is due for it; returns how many
    people were told."""
    late = late_tickets(session, now=now) + late_red_projects(session, now=now)
    return record(session, late, now=now)
