"""A project's milestone plan (里程碑计划): planned dates from signing, actual dates with
evidence, their verification, and the project dates the reports count.

The reports read ``Project.land_on``, ``construction_started_on`` and
``production_started_on``; this module keeps them equal to the accepted milestones (or to the
recorded ones when ``milestones_need_acceptance`` is off), so the dashboards have one source.
A stage move of the lead sets those dates directly, as before, and the milestone follows as
accepted: the move is made by the people who verify.
"""

import calendar
from datetime import date, datetime, timedelta

from sqlalchemy.orm import Session

from crm.clock import local_date
from crm.config import DEFAULT_MILESTONE_MONTHS, Settings, get_settings
from crm.errors import Conflict, Invalid, NotFound
from crm.projects import greencards
from crm.projects.models import Milestone, MilestoneKind, Project, Verification
from crm.projects.plan_schemas import MilestoneUpdate, VerificationDecision
from crm.updates import check_version

ORDER = tuple(MilestoneKind)
# The project's own dates the reports count, kept equal to these milestones.
PROJECT_DATES = {
    MilestoneKind.land_supplied: "land_on",
    MilestoneKind.construction_started: "construction_started_on",
    MilestoneKind.production_started: "production_started_on",
}
# Work on site: never before the agreement, and in this order.
WORKS = (
    MilestoneKind.construction_started,
    MilestoneKind.completed,
    MilestoneKind.production_started,
    MilestoneKind.registered,
)
# Land, filing and permits are often prepared before the agreement is signed; a bureau takes
# those up to a year earlier, not older papers of some other plan.
PREPARATION_BEFORE_SIGNING = timedelta(days=366)
STAGE_MOVE = "recorded by the lead's stage move"


def add_months(day: date, months: int) -> date:
    """The same day ``months`` later (earlier if negative), the month's last day if shorter."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    month += 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def planned_date(signed_on: date, kind: MilestoneKind, settings: Settings) -> date:
    months = settings.milestone_months.get(kind.value, DEFAULT_MILESTONE_MONTHS[kind.value])
    return add_months(signed_on, months)


def plan_for_signing(project: Project, *, now: datetime, settings: Settings | None = None) -> None:
    """Give ``project`` the milestones it lacks, planned from its signing date, and take in
    the dates it already has."""
    settings = settings or get_settings()
    have = {milestone.kind for milestone in project.milestones}
    for position, kind in enumerate(ORDER):
        if kind not in have:
            planned = planned_date(project.signed_on, kind, settings)
            project.milestones.append(Milestone(kind=kind, position=position, planned_on=planned))
    follow_project_dates(project, dict.fromkeys(PROJECT_DATES.values()), now=now)


def project_dates(project: Project) -> dict[str, date | None]:
    """The dates the reports count, to compare after a change (:func:`follow_project_dates`)."""
    return {attribute: getattr(project, attribute) for attribute in PROJECT_DATES.values()}


def follow_project_dates(
    project: Project, before: dict[str, date | None], *, now: datetime, by: str | None = None
) -> None:
    """A stage move or an edit changed the project's dates: its milestones follow, accepted
    (a new date) or cleared (a backward move)."""
    for kind, attribute in PROJECT_DATES.items():
        value = getattr(project, attribute)
        milestone = find(project, kind)
        if milestone is None or value == before.get(attribute) or value == milestone.actual_on:
            continue
        if value is None:
            if milestone.verification == Verification.accepted:
                _clear_actual(milestone)
            continue
        milestone.actual_on = value
        milestone.recorded_by, milestone.recorded_at = by, now
        milestone.verification = Verification.accepted
        milestone.verified_by, milestone.verified_at = by, now
        milestone.opinion = STAGE_MOVE


def find(project: Project, kind: MilestoneKind) -> Milestone | None:
    return next((m for m in project.milestones if m.kind == kind), None)


def get(project: Project, kind: MilestoneKind) -> Milestone:
    milestone = find(project, kind)
    if milestone is None:
        raise NotFound(f"project {project.id} has no milestone {kind.value}")
    return milestone


def update(
    session: Session,
    project: Project,
    kind: MilestoneKind,
    data: MilestoneUpdate,
    *,
    by: str | None,
    now: datetime,
    settings: Settings,
) -> Milestone:
    """Change the plan or record what happened; checked in full before anything is written."""
    milestone = get(project, kind)
    check_version(milestone, data.version, f"milestone {kind.value}")
    changes = data.model_dump(exclude_unset=True, exclude={"version"})
    if "planned_on" in changes:
        _check_planned(project, changes["planned_on"])
    if "actual_on" in changes and changes["actual_on"] is None:
        _check_may_clear(milestone, settings)
    if changes.get("actual_on") is not None:
        _check_actual(project, kind, changes["actual_on"], today=local_date(now))
    evidence_changes = (
        "evidence_url" in changes and changes["evidence_url"] != milestone.evidence_url
    )
    actual_changes = "actual_on" in changes and changes["actual_on"] != milestone.actual_on
    for key, value in changes.items():
        setattr(milestone, key, value)
    if actual_changes and milestone.actual_on is None:
        _clear_actual(milestone)
    elif actual_changes or (evidence_changes and milestone.actual_on is not None):
        _ask_verification(milestone, by=by, now=now)
    if actual_changes and not settings.milestones_need_acceptance:
        _count_in_reports(project, milestone, now=now)
    project.touch()
    session.flush()
    return milestone


def verify(
    session: Session,
    project: Project,
    kind: MilestoneKind,
    data: VerificationDecision,
    *,
    by: str,
    now: datetime,
    settings: Settings,
) -> Milestone:
    """Accept or reject a recorded milestone (the office, or a leader of the project's task
    force: the route checks who); an accepted one counts in the reports."""
    milestone = get(project, kind)
    if milestone.actual_on is None:
        raise Conflict(f"milestone {kind.value} has no actual date to verify yet")
    if milestone.verification != Verification.pending:
        raise Conflict(f"milestone {kind.value} is {milestone.verification}, not pending")
    opinion = (data.opinion or "").strip() or None
    if data.decision == Verification.rejected and opinion is None:
        raise Invalid("opinion", "a rejection says why (opinion), so the specialist can act")
    milestone.verification = data.decision
    milestone.opinion = opinion
    milestone.verified_by, milestone.verified_at = by, now
    if data.decision == Verification.accepted and settings.milestones_need_acceptance:
        _count_in_reports(project, milestone, now=now)
    project.touch()
    session.flush()
    return milestone


def counts_in_reports(milestone: Milestone, settings: Settings) -> bool:
    if milestone.actual_on is None:
        return False
    if settings.milestones_need_acceptance:
        return milestone.verification == Verification.accepted
    return milestone.verification != Verification.rejected


def _check_planned(project: Project, planned_on: date | None) -> None:
    if planned_on is None:
        raise Invalid("planned_on", "every milestone keeps a planned date")
    if planned_on < project.signed_on:
        raise Invalid("planned_on", f"a plan looks forward from the signing on {project.signed_on}")


def _check_may_clear(milestone: Milestone, settings: Settings) -> None:
    if milestone.kind in PROJECT_DATES and counts_in_reports(milestone, settings):
        raise Invalid(
            "actual_on",
            "this date counts in the reports: correct it, or move the lead back a stage",
        )


def _check_actual(project: Project, kind: MilestoneKind, actual_on: date, *, today: date) -> None:
    if actual_on > today:
        raise Invalid("actual_on", "a milestone is recorded once it happened, not in advance")
    if kind in WORKS and actual_on < project.signed_on:
        raise Invalid(
            "actual_on", f"work on site cannot predate the signing on {project.signed_on}"
        )
    if actual_on < project.signed_on - PREPARATION_BEFORE_SIGNING:
        raise Invalid("actual_on", "more than a year before the signing: not this project's")
    if kind in WORKS:
        _check_works_order(project, kind, actual_on)


def _check_works_order(project: Project, kind: MilestoneKind, actual_on: date) -> None:
    position = WORKS.index(kind)
    for other in WORKS:
        milestone = find(project, other)
        if milestone is None or milestone.actual_on is None:
            continue
        if milestone.verification == Verification.rejected:
            continue
        earlier = WORKS.index(other) < position
        if (earlier and milestone.actual_on > actual_on) or (
            WORKS.index(other) > position and milestone.actual_on < actual_on
        ):
            raise Invalid(
                "actual_on",
                f"{kind.value} on {actual_on} would come "
                f"{'before' if earlier else 'after'} {other.value} on {milestone.actual_on}",
            )


def _ask_verification(milestone: Milestone, *, by: str | None, now: datetime) -> None:
    milestone.recorded_by, milestone.recorded_at = by, now
    milestone.verification = Verification.pending
    milestone.opinion = milestone.verified_by = milestone.verified_at = None


def _clear_actual(milestone: Milestone) -> None:
    milestone.actual_on = None
    milestone.verification = None
    milestone.opinion = milestone.verified_by = milestone.verified_at = None


def _count_in_reports(project: Project, milestone: Milestone, *, now: datetime) -> None:
    """Set the project date the reports read from ``milestone`` (a start and production
    only move forward in the pipeline through the lead; here they are dated)."""
    attribute = PROJECT_DATES.get(milestone.kind)
    if attribute is None or milestone.actual_on is None:
        return
    setattr(project, attribute, milestone.actual_on)
    if milestone.kind == MilestoneKind.construction_started:
        project.construction_start_inferred = False
    if milestone.kind == MilestoneKind.production_started:
        if project.construction_started_on is None or project.construction_start_inferred:
            # Producing implies started: the start is taken to be the production day.
            project.construction_started_on = milestone.actual_on
            project.construction_start_inferred = True
        if project.green_card is not None:
            greencards.close(project.green_card, now=now, reason=greencards.CLOSED_BY_PRODUCTION)
