"""A lead's work before signing (一项一策一专员): its specialist, the think-tank assessment
(研判报告), planning links and a draft policy package that the office or the task force's
leader approves. Signing hands them to the project (``crm.pipeline.handover``).

Every change carries the lead's version and bumps it. Changing an approved package makes it a
draft again: an incentive nobody approved must not reach the project as approved.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from crm.auth.models import Role, User
from crm.auth.service import require_user
from crm.config import get_settings
from crm.errors import Conflict, Invalid
from crm.leads.models import Lead, LeadIncentive, PolicyStatus, Priority, Stage
from crm.leads.presigning_schemas import (
    AssessmentPut,
    DraftIncentivePublic,
    DraftPolicyPublic,
    DraftPolicyPut,
    PlanningLinksPut,
    PresigningPublic,
    SpecialistPut,
)
from crm.projects.schemas import Assessment, PlanningLink
from crm.updates import check_version


@dataclass(frozen=True)
class SpecialistRule:
    """Which negotiating leads must have a specialist (settings ``lead_specialist_*``)."""

    priorities: frozenset[str]
    investment: float  # 万元

    @classmethod
    def from_settings(cls) -> "SpecialistRule":
        settings = get_settings()
        return cls(
            frozenset(settings.lead_specialist_priorities), settings.lead_specialist_investment
        )

    def applies(self, priority: Priority, expected_investment: float | None) -> bool:
        big = expected_investment is not None and expected_investment >= self.investment
        return priority.value in self.priorities or big


def needs_specialist(lead: Lead, stage: Stage | None = None) -> bool:
    """Must the lead (at ``stage``, by default its own) have a specialist?"""
    return (stage or lead.stage) == Stage.negotiating and SpecialistRule.from_settings().applies(
        lead.priority, lead.expected_investment
    )


def check_specialist_rule(lead: Lead, stage: Stage | None = None) -> None:
    """Refuse a lead that would be negotiating without the specialist the rule asks for."""
    if lead.specialist_id is None and lead.specialist is None and needs_specialist(lead, stage):
        rule = SpecialistRule.from_settings()
        raise Invalid(
            "specialist",
            "a negotiating lead with priority "
            + "/".join(sorted(rule.priorities))
            + f" or an expected investment of at least {rule.investment:g} 万元 must have a "
            "specialist (项目专员); name one first",
        )


def require_specialist(session: Session, username: str, *, field: str = "specialist") -> User:
    user = require_user(session, username, field=field)
    if not user.is_active:
        raise Invalid(field, f"user '{username}' is deactivated")
    if user.role != Role.specialist:
        raise Invalid(field, f"user '{username}' is {user.role.value}, not a specialist (项目专员)")
    return user


def set_specialist(session: Session, lead: Lead, data: SpecialistPut) -> Lead:
    check_version(lead, data.version, f"lead {lead.id}")
    specialist = require_specialist(session, data.specialist) if data.specialist else None
    if specialist is None and needs_specialist(lead):
        raise Conflict(
            f"lead {lead.id} is negotiating and its priority or investment needs a specialist "
            "(项目专员): name another instead of removing this one"
        )
    lead.specialist = specialist
    lead.touch()
    session.flush()
    return lead


def set_assessment(session: Session, lead: Lead, data: AssessmentPut) -> Lead:
    check_version(lead, data.version, f"lead {lead.id}")
    found = data.assessment
    lead.assessment_org = found.organisation if found else None
    lead.assessment_date = found.date if found else None
    lead.assessment_conclusion = found.conclusion if found else None
    lead.assessment_url = found.attachment if found else None
    lead.touch()
    session.flush()
    return lead


def set_planning_links(session: Session, lead: Lead, data: PlanningLinksPut) -> Lead:
    check_version(lead, data.version, f"lead {lead.id}")
    lead.planning_links = [link.model_dump() for link in data.links]
    lead.touch()
    session.flush()
    return lead


def replace_policy(session: Session, lead: Lead, data: DraftPolicyPut) -> Lead:
    """Make the draft package what ``data`` lists; it is a draft again until approved."""
    check_version(lead, data.version, f"lead {lead.id}")
    lead.incentives = [
        LeadIncentive(
            position=index, type=item.type.value, amount=item.amount, conditions=item.conditions
        )
        for index, item in enumerate(data.incentives)
    ]
    lead.policy_status = PolicyStatus.draft
    lead.policy_approved_by = None
    lead.policy_approved_at = None
    lead.touch()
    session.flush()
    return lead


def approve_policy(session: Session, lead: Lead, *, version: int, by: str, now: datetime) -> Lead:
    check_version(lead, version, f"lead {lead.id}")
    if not lead.incentives:
        raise Invalid("incentives", "an empty policy package cannot be approved; add incentives")
    if lead.policy_status == PolicyStatus.approved:
        raise Conflict(f"the policy package of lead {lead.id} is already approved")
    lead.policy_status = PolicyStatus.approved
    lead.policy_approved_by = by
    lead.policy_approved_at = now
    lead.touch()
    session.flush()
    return lead


def assessment_of(lead: Lead) -> Assessment | None:
    if not lead.assessment_org:
        return None
    return Assessment(
        organisation=lead.assessment_org,
        date=lead.assessment_date,
        conclusion=lead.assessment_conclusion,
        attachment=lead.assessment_url,
    )


def links_of(lead: Lead) -> list[PlanningLink]:
    return [PlanningLink(**link) for link in lead.planning_links or []]


def approved_incentives(lead: Lead) -> Sequence[LeadIncentive]:
    """What signing hands to the project: the package, only once approved."""
    return lead.incentives if lead.policy_status == PolicyStatus.approved else ()


def public(lead: Lead) -> PresigningPublic:
    incentives = [
        DraftIncentivePublic(id=i.id, type=i.type, amount=i.amount, conditions=i.conditions)
        for i in lead.incentives
    ]
    return PresigningPublic(
        lead_id=lead.id,
        version=lead.version,
        specialist=lead.specialist.username if lead.specialist else None,
        specialist_required=needs_specialist(lead),
        assessment=assessment_of(lead),
        planning_links=links_of(lead),
        policy=DraftPolicyPublic(
            status=lead.policy_status,
            approved_by=lead.policy_approved_by,
            approved_at=lead.policy_approved_at,
            incentives=incentives,
            amount=round(sum(i.amount or 0 for i in lead.incentives), 2),
        ),
    )
