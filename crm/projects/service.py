"""Projects (项目): created when a lead is signed; specialist, funding, milestones.

How a project reads is in ``crm.projects.records``; the project list in ``crm.projects.lists``.
"""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload, selectinload

from crm import places, updates
from crm.auth import service as auth_service
from crm.auth.models import Role, User
from crm.chains.models import Segment
from crm.clock import local_date
from crm.companies import parks as park_service
from crm.companies.models import Company, Park
from crm.errors import Conflict, Invalid, NotFound
from crm.leads.models import RANK, Lead, Stage
from crm.places import InvestorOrigin
from crm.projects import greencards, milestones
from crm.projects.models import (
    AgreementType,
    FundingEntry,
    GreenCard,
    Project,
    SpecialistChange,
)
from crm.projects.schemas import (
    Assessment,
    Division,
    FundingCreate,
    HomeCounties,
    ProjectUpdate,
)
from crm.updates import refuse_nulls

# Many-to-one and one-to-one joined into the project's statement; collections one SELECT each.
LOAD = (
    joinedload(Project.lead).joinedload(Lead.company),
    joinedload(Project.lead).joinedload(Lead.segment).joinedload(Segment.chain),
    joinedload(Project.lead).joinedload(Lead.task_force),
    joinedload(Project.park),
    joinedload(Project.specialist),
    selectinload(Project.funding),
    selectinload(Project.incentives),
    joinedload(Project.green_card).joinedload(GreenCard.task_force),
    joinedload(Project.green_card).selectinload(GreenCard.members),
)
_HISTORY = (
    selectinload(Project.specialist_history).joinedload(SpecialistChange.from_user),
    selectinload(Project.specialist_history).joinedload(SpecialistChange.to_user),
)
# The date each pipeline stage from signing on sets on the project.
MILESTONES = {
    Stage.signed: "signed_on",
    Stage.started: "construction_started_on",
    Stage.producing: "production_started_on",
}


@dataclass(frozen=True)
class SigningTerms:
    """What signing needs besides the lead, checked before anything is written."""

    specialist: User
    park: Park | None
    investment: float | None
    name: str | None = None
    agreement_type: AgreementType = AgreementType.formal


def get(session: Session, project_id: int) -> Project:
    project = session.get(Project, project_id, options=[*LOAD, *_HISTORY])
    if project is None:
        raise NotFound(f"project {project_id} not found")
    return project


def find_by_lead(session: Session, lead_id: int) -> Project | None:
    return session.scalar(select(Project).where(Project.lead_id == lead_id))


def project_ids_by_lead(session: Session, lead_ids: list[int]) -> dict[int, int]:
    """``{lead id: project id}`` for the signed ones among ``lead_ids``, in one query."""
    if not lead_ids:
        return {}
    rows = session.execute(select(Project.lead_id, Project.id).where(Project.lead_id.in_(lead_ids)))
    return {lead_id: project_id for lead_id, project_id in rows}


def check_version(project: Project, version: int) -> None:
    updates.check_version(project, version, f"project {project.id}")


def require_specialist(session: Session, username: str, *, field: str = "specialist") -> User:
    """The user a request names as specialist: must exist, be active and be a specialist."""
    user = auth_service.get_by_username(session, username)
    if user is None:
        raise Invalid(field, f"unknown user '{username}'")
    if user.role != Role.specialist:
        raise Invalid(field, f"user '{username}' is {user.role.value}, not a specialist (项目专员)")
    if not user.is_active:
        raise Invalid(field, f"user '{username}' is deactivated")
    return user


def signing_terms(
    session: Session,
    lead: Lead,
    *,
    specialist: str | None,
    park: str | None,
    investment: float | None,
    name: str | None = None,
    agreement_type: AgreementType | None = None,
) -> SigningTerms:
    """Check what signing ``lead`` needs; the signed investment defaults to the expected one,
    the park to the lead's intended park, the agreement to a formal one (a framework
    agreement is said so)."""
    if not specialist:
        raise Invalid(
            "specialist", "signing needs a specialist (项目专员): a user whose role is specialist"
        )
    return SigningTerms(
        specialist=require_specialist(session, specialist),
        park=park_service.require(session, park) if park else lead.park,
        investment=investment if investment is not None else lead.expected_investment,
        name=name,
        agreement_type=agreement_type or AgreementType.formal,
    )


def create_for_signed_lead(
    session: Session, lead: Lead, terms: SigningTerms, *, by: str | None, now: datetime
) -> Project:
    """The project of a lead just signed, with its first specialist and its green card."""
    if find_by_lead(session, lead.id) is not None:
        raise Conflict(f"lead {lead.id} already has a project")
    if terms.park is not None:
        lead.park = terms.park  # where it signed is where it was meant to go
    project = Project(
        lead=lead,
        park=terms.park,
        specialist=terms.specialist,
        signed_investment=terms.investment,
        name=terms.name or default_name(lead),
        agreement_type=terms.agreement_type,
        investor_origin=derived_origin(lead.company),
        jobs_planned=lead.expected_jobs,
        signed_on=local_date(now),
        planning_links=[],
    )
    project.specialist_history.append(
        SpecialistChange(from_user=None, to_user=terms.specialist, by=by, at=now)
    )
    session.add(project)
    session.flush()
    greencards.issue(session, project, now=now, task_force=lead.task_force)
    milestones.plan_for_signing(project, now=now)
    return project


def default_name(lead: Lead) -> str:
    """A project's name until someone gives it one: the company and the segment it fills."""
    return f"{lead.company.name}{lead.segment.name}项目"[:200]


def derived_origin(company: Company) -> InvestorOrigin | None:
    """Where the investor comes from (境外/省外/省内市外/市内), from the company's place seen
    from the home city; None when its place is not known well enough."""
    return places.investor_origin(
        province_text=company.province, city_text=company.city, is_local=company.is_local
    )


def record_milestone(project: Project, stage: Stage, *, now: datetime) -> None:
    """The lead of ``project`` moved to ``stage``: date the milestone it reached, clear the
    ones a backward move undid; production closes the green card."""
    if stage not in MILESTONES:  # paused or lost: nothing happened on site
        return
    before = milestones.project_dates(project)
    for later, attribute in MILESTONES.items():
        if RANK[later] > RANK[stage]:
            setattr(project, attribute, None)
    if project.construction_started_on is None:
        project.construction_start_inferred = False
    if getattr(project, MILESTONES[stage]) is None:
        setattr(project, MILESTONES[stage], local_date(now))
    if stage == Stage.producing and project.construction_started_on is None:
        # Producing implies started: the start is taken to be the production day.
        project.construction_started_on = project.production_started_on
        project.construction_start_inferred = True
    if stage == Stage.producing and project.green_card is not None:
        greencards.close(project.green_card, now=now, reason=greencards.CLOSED_BY_PRODUCTION)
    milestones.follow_project_dates(project, before, now=now)


def update(
    session: Session, project: Project, data: ProjectUpdate, *, by: str | None, now: datetime
) -> Project:
    check_version(project, data.version)
    changes = data.model_dump(exclude_unset=True, exclude={"version", "specialist_reason"})
    refuse_nulls(changes, "specialist", "signed_on", "planning_links", "agreement_type")
    for stage in (Stage.started, Stage.producing):
        field = MILESTONES[stage]
        if field in changes and (changes[field] is None or getattr(project, field) is None):
            raise Invalid(
                field, f"{field} is set and cleared by moving the lead to {stage}; only corrected"
            )
    if data.specialist_reason is not None and "specialist" not in changes:
        raise Invalid("specialist_reason", "a reason goes with a new specialist")
    before = milestones.project_dates(project)
    with session.no_autoflush:
        if "specialist" in changes:
            username = changes.pop("specialist")
            reason = data.specialist_reason
            _change_specialist(session, project, username, by=by, now=now, reason=reason)
        if "park" in changes:
            name = changes.pop("park")
            project.park = park_service.require(session, name) if name else None
        if "county" in changes:
            _set_county(project, changes.pop("county"))
        if "assessment" in changes:
            _set_assessment(project, data.assessment)
            changes.pop("assessment")
        if "planning_links" in changes:
            project.planning_links = changes.pop("planning_links")
        if "construction_started_on" in changes:
            project.construction_start_inferred = False
        for key, value in changes.items():
            setattr(project, key, value)
        project.touch()
        milestones.follow_project_dates(project, before, now=now, by=by)
    session.flush()
    return project


def _change_specialist(
    session: Session,
    project: Project,
    username: str,
    *,
    by: str | None,
    now: datetime,
    reason: str | None,
) -> None:
    specialist = require_specialist(session, username)
    if specialist.id == project.specialist_id:
        return
    project.specialist_history.append(
        SpecialistChange(
            from_user=project.specialist, to_user=specialist, by=by, at=now, reason=reason
        )
    )
    project.specialist = specialist


def home_counties() -> HomeCounties:
    city = places.home_city()
    return HomeCounties(
        city=Division(code=city.code, name=city.name),
        counties=[Division(code=c.code, name=c.name) for c in places.home_counties()],
    )


def _set_county(project: Project, text: str | None) -> None:
    county = places.home_county(text)
    if text and county is None:
        names = "、".join(c.name for c in places.home_counties())
        raise Invalid("county", f"'{text}' is not a county of {places.home_city().name}: {names}")
    project.county = county.name if county else None
    project.county_code = county.code if county else None


def _set_assessment(project: Project, assessment: Assessment | None) -> None:
    project.assessment_org = assessment.organisation if assessment else None
    project.assessment_date = assessment.date if assessment else None
    project.assessment_conclusion = assessment.conclusion if assessment else None
    project.assessment_url = assessment.attachment if assessment else None


def add_funding(
    session: Session, project: Project, data: FundingCreate, *, by: str | None, now: datetime
) -> FundingEntry:
    if data.date > local_date(now):
        raise Invalid("date", "funding in place cannot be dated in the future")
    entry = FundingEntry(
        date=data.date,
        amount=data.amount,
        source_region=data.source_region or project.investor_origin,
        note=data.note,
        by=by,
        at=now,
    )
    project.funding.append(entry)
    session.flush()
    return entry


def delete_funding(session: Session, project: Project, entry_id: int) -> None:
    entry = next((e for e in project.funding if e.id == entry_id), None)
    if entry is None:
        raise NotFound(f"funding entry {entry_id} not found in project {project.id}")
    project.funding.remove(entry)
    session.flush()
