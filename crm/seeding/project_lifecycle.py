"""Demo milestone plans and funding schedules for the signed projects the earlier steps loaded.

Signing already gave every project its plan (planned from the signing date) and the stage
moves dated its construction and production starts, accepted. This step records what else
happened by the data set's last day (``as_of``: its latest project or funding date), through
the same services users call: filing, land and permits before the start, completion before
production, registration in statistics some months after; with evidence links, most accepted
by the task force's leader, the recent ones still pending, a few rejected with an opinion.
Each project follows one of three courses, so green, amber and red projects all show:
on track (the agreement's own plan moves the open milestones past ``as_of``), slipping (the
open ones fall due a month or two before ``as_of``) and stuck (the default plan, long past).
A funding schedule of three instalments (6, 18 and 36 months after signing, adding up to the
signed investment) sits beside the money that arrived.

Deterministic (``random.Random(SEED)`` over projects by id) and idempotent: a project whose
filing is recorded or that has a funding schedule is left as it is.
"""

from datetime import UTC, date, datetime, time, timedelta
from random import Random

from sqlalchemy import func, select
from sqlalchemy.orm import Session, joinedload, selectinload

from crm.auth.models import Role, User
from crm.config import get_settings
from crm.leads.models import Lead, Stage
from crm.projects import funding_schedule, milestones
from crm.projects.milestones import add_months
from crm.projects.models import (
    FundingEntry,
    Milestone,
    MilestoneKind,
    Project,
    Verification,
)
from crm.projects.plan_schemas import InstalmentCreate, MilestoneUpdate, VerificationDecision
from crm.taskforces.models import TaskForce

SEED = 20261126
COURSES = ("on_track", "slipping", "stuck")
COURSE_WEIGHTS = (6, 3, 1)
PREPARATION = (
    MilestoneKind.filed,
    MilestoneKind.land_supplied,
    MilestoneKind.planning_permit,
    MilestoneKind.construction_permit,
)
INSTALMENTS = ((6, 0.15), (18, 0.35), (36, 0.5))  # months after signing, share when fixed
EVIDENCE = "https://zwfw.yunjiang.example/xmjd/{project}/{kind}.pdf"
REJECTION = "佐证材料不完整：请补充加盖公章的批复文件扫描件。"
PENDING_WITHIN = timedelta(days=45)  # recorded this close to as_of: not verified yet


def load_project_lifecycle(session: Session) -> int:
    """Record the demo milestones and funding schedules; returns how many projects changed."""
    projects = list(
        session.scalars(
            select(Project)
            .options(
                selectinload(Project.milestones).joinedload(Milestone.evidence_file),
                selectinload(Project.funding),
                selectinload(Project.funding_schedule),
                joinedload(Project.lead).joinedload(Lead.task_force).joinedload(TaskForce.leader),
                joinedload(Project.specialist),
                joinedload(Project.green_card),
            )
            .order_by(Project.id)
        ).unique()
    )
    if not projects:
        return 0
    as_of = _as_of(session)
    office = session.scalar(
        select(User.username).where(User.role == Role.staff).order_by(User.username)
    )
    rng = Random(SEED)
    changed = 0
    for project in projects:
        course = rng.choices(COURSES, weights=COURSE_WEIGHTS)[0]
        draws = Random(rng.random())  # the project's own draws: one course each, whatever skips
        if _seeded(project):
            continue
        verifier = _verifier(project, office)
        _record_actuals(session, project, course, draws, as_of, verifier)
        if project.lead.stage != Stage.lost:
            _replan_open_milestones(session, project, course, draws, as_of)
        _schedule_funding(session, project, course, as_of)
        changed += 1
    return changed


def _as_of(session: Session) -> date:
    latest = [
        session.scalar(select(func.max(Project.signed_on))),
        session.scalar(select(func.max(Project.construction_started_on))),
        session.scalar(select(func.max(Project.production_started_on))),
        session.scalar(select(func.max(FundingEntry.date))),
    ]
    return max(day for day in latest if day is not None)


def _seeded(project: Project) -> bool:
    filed = milestones.find(project, MilestoneKind.filed)
    return bool(project.funding_schedule) or (filed is not None and filed.actual_on is not None)


def _verifier(project: Project, office: str | None) -> str | None:
    task_force = project.lead.task_force
    if task_force is not None and task_force.leader is not None:
        return task_force.leader.username
    return office


def _moment(day: date) -> datetime:
    return datetime.combine(day, time(4), UTC)  # noon in Beijing


def _record_actuals(
    session: Session, project: Project, course: str, rng: Random, as_of: date, verifier: str | None
) -> None:
    for kind, day in _actual_dates(project, course, rng, as_of):
        fields: dict = {"actual_on": day}
        if rng.random() < 0.55:
            fields["evidence_url"] = EVIDENCE.format(project=project.id, kind=kind.value)
        update = MilestoneUpdate(version=milestones.get(project, kind).version, **fields)
        settings = get_settings()
        by = project.specialist.username
        milestones.update(
            session, project, kind, update, by=by, now=_moment(day), settings=settings
        )
        if verifier is None or as_of - day < PENDING_WITHIN and rng.random() < 0.7:
            continue  # waits for verification
        rejected = rng.random() < 0.06
        decision = VerificationDecision(
            decision=Verification.rejected if rejected else Verification.accepted,
            opinion=REJECTION if rejected else None,
        )
        when = _moment(min(as_of, day + timedelta(days=rng.randint(1, 12))))
        milestones.verify(
            session, project, kind, decision, by=verifier, now=when, settings=settings
        )


def _actual_dates(
    project: Project, course: str, rng: Random, as_of: date
) -> list[tuple[MilestoneKind, date]]:
    """What happened by ``as_of``, consistent with the dates the stage moves recorded."""
    signed, start, production = (
        project.signed_on,
        project.construction_started_on,
        project.production_started_on,
    )
    found: list[tuple[MilestoneKind, date]] = []
    if start is not None:
        gap = (start - signed).days
        for step, kind in enumerate(PREPARATION, start=1):
            day = signed + timedelta(days=gap * step // (len(PREPARATION) + 1))
            if kind == MilestoneKind.land_supplied and project.land_on is not None:
                continue  # the land date came with the project
            found.append((kind, day))
    else:
        due = [kind for kind in PREPARATION if _planned(project, kind) <= as_of]
        keep = {"on_track": len(due), "slipping": max(1, len(due) - 1), "stuck": 1}[course]
        if project.lead.stage == Stage.lost:
            keep = 1
        for kind in due[:keep] or PREPARATION[:1]:
            jitter = timedelta(days=rng.randint(-12, 12))
            found.append((kind, min(as_of, max(signed, _planned(project, kind) + jitter))))
    if production is not None:
        completed = max(start or production, production - timedelta(days=rng.randint(10, 40)))
        found.append((MilestoneKind.completed, completed))
        registered = production + timedelta(days=rng.randint(90, 120))
        if registered <= as_of and course != "stuck":
            found.append((MilestoneKind.registered, registered))
    return found


def _planned(project: Project, kind: MilestoneKind) -> date:
    return milestones.get(project, kind).planned_on


def _replan_open_milestones(
    session: Session, project: Project, course: str, rng: Random, as_of: date
) -> None:
    """The agreement's own dates for what is still open and already due by the default plan:
    later than ``as_of`` on track, a month or two before it when slipping; stuck keeps the
    default plan."""
    if course == "stuck":
        return
    settings = get_settings()
    floor = project.signed_on
    for milestone in sorted(project.milestones, key=lambda m: m.position):
        if milestone.actual_on is not None:
            continue
        planned = milestone.planned_on
        if planned <= as_of:
            if course == "on_track":
                planned = add_months(as_of, rng.randint(1, 3))
            else:
                planned = as_of - timedelta(days=rng.randint(20, 50))
        planned = max(planned, floor)  # the agreement's dates keep the milestones' order
        floor = planned
        if planned != milestone.planned_on:
            update = MilestoneUpdate(version=milestone.version, planned_on=planned)
            by = project.specialist.username
            milestones.update(
                session,
                project,
                milestone.kind,
                update,
                by=by,
                now=_moment(as_of),
                settings=settings,
            )


def _schedule_funding(session: Session, project: Project, course: str, as_of: date) -> None:
    """Three instalments adding up to the signed investment: on track, the ones already due
    are what arrived by then; slipping, the last one due asks for more than arrived; stuck,
    fixed shares that the money in place falls short of."""
    total = project.signed_investment
    if not total:
        return
    left, asked = total, 0.0
    for number, (months, share) in enumerate(INSTALMENTS, start=1):
        due_on = add_months(project.signed_on, months)
        if number == len(INSTALMENTS):
            amount = left
        elif due_on <= as_of and course != "stuck":
            amount = _received_by(project, due_on + timedelta(days=20)) - asked
            next_due = add_months(project.signed_on, INSTALMENTS[number][0])
            if course == "slipping" and next_due > as_of:
                amount += total * 0.1
        else:
            amount = total * share
        amount = round(min(amount, left), 2)
        if amount <= 0:
            continue
        instalment = InstalmentCreate(
            due_on=due_on, amount=amount, note=f"协议约定第{number}期资金到位"
        )
        by = project.specialist.username
        funding_schedule.add_instalment(
            session, project, instalment, by=by, now=_moment(project.signed_on)
        )
        left, asked = round(left - amount, 2), asked + amount


def _received_by(project: Project, day: date) -> float:
    return sum(entry.amount for entry in project.funding if entry.date <= day)
