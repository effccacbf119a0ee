"""Moving a lead through the pipeline: the lead's own rules plus what a move sets off
in other domains (signing creates the project and its green card)."""

from datetime import datetime
from typing import Literal

from sqlalchemy.orm import Session

from crm.auth.models import User
from crm.clock import local_date
from crm.db import utcnow
from crm.errors import Conflict, Invalid
from crm.leads import presigning
from crm.leads import service as lead_service
from crm.leads.models import Lead, Stage
from crm.leads.schemas import StageMove
from crm.parks import reservations as site_reservations
from crm.pipeline import handover
from crm.projects import service as project_service
from crm.projects.models import AgreementType, Project

SIGNING_FIELDS = ("specialist", "investment", "park", "project_name", "agreement_type")


def move_stage(
    session: Session, lead: Lead, move: StageMove, user: User, *, now: datetime | None = None
) -> int | None:
    """Apply a stage move; returns the lead's project id once it is signed.

    Signing (an explicit move to ``signed``) creates the project and issues its green card in
    the same transaction; a lead signs once. ``resume`` returns a halted signed lead to its
    stage without signing again. Later moves date the project's milestones.
    """
    now = now or utcnow()
    lead_service.check_version(lead, move.version)
    project = project_service.find_by_lead(session, lead.id)
    _refuse_second_signing(lead, move.stage, project)
    target = lead_service.plan_move(lead, move.stage, move.reason)
    signing = target == Stage.signed and project is None
    if target == Stage.negotiating and move.specialist is not None:
        # Entering negotiations may name the lead's specialist in the same move.
        lead.specialist = presigning.require_specialist(session, move.specialist)
    presigning.check_specialist_rule(lead, target)
    if not signing:
        named = SIGNING_FIELDS[1:] if target == Stage.negotiating else SIGNING_FIELDS
        given = [field for field in named if getattr(move, field) is not None]
        if given:
            raise Invalid(given[0], f"{', '.join(given)}: only a signing move takes these")
    terms = (
        project_service.signing_terms(
            session,
            lead,
            specialist=handover.specialist_for_signing(lead, move.specialist),
            park=move.park,
            investment=move.investment,
            name=move.project_name,
            agreement_type=AgreementType(move.agreement_type) if move.agreement_type else None,
        )
        if signing
        else None
    )
    lead_service.record_move(
        session, lead, target, by=user.username, reason=move.reason, note=move.note, at=now
    )
    if terms is not None:
        project = project_service.create_for_signed_lead(
            session, lead, terms, by=user.username, now=now
        )
        handover.copy_to_project(session, lead, project)
    elif project is not None:
        project_service.record_milestone(project, target, now=now)
        session.flush()
    site_reservations.follow_stage_move(
        session, lead, target, project, today=local_date(now), by=user.username
    )
    return project.id if project is not None else None


def move_needs(
    session: Session, lead: Lead, stage: Stage | Literal["resume"]
) -> dict[str, str | None]:
    """What moving ``lead`` to ``stage`` needs beyond the stage: ``"reason"`` (backward,
    paused, lost, reopening; with the rule's words) and/or ``"signing"`` (specialist, park,
    investment). Changes nothing; raises the move's refusal when no reason or signing terms
    could make it pass."""
    project = project_service.find_by_lead(session, lead.id)
    _refuse_second_signing(lead, stage, project)
    needs: dict[str, str | None] = {}
    try:
        target = lead_service.plan_move(lead, stage, None)
    except Invalid as refusal:
        if refusal.field != "reason":
            raise
        needs["reason"] = refusal.message
        target = lead_service.plan_move(lead, stage, "(a reason)")
    if target == Stage.signed and project is None:
        needs["signing"] = None
    return needs


def _refuse_second_signing(
    lead: Lead, stage: Stage | Literal["resume"], project: Project | None
) -> None:
    if project is not None and stage == Stage.signed and _signs_again(lead):
        raise Conflict(
            f"lead {lead.id} was already signed: it has project {project.id}"
            + ("; reopen it with 'resume'" if lead.stage == Stage.lost else "")
        )


def _signs_again(lead: Lead) -> bool:
    """Would moving this lead, which has a project, to ``signed`` be a second signing?

    Not when it steps back from a later milestone (a correction) or returns from a pause;
    a lost lead is reopened with ``resume``.
    """
    if lead.stage in (Stage.started, Stage.producing):
        return False
    signed_stages = (Stage.signed, Stage.started, Stage.producing)
    return not (lead.stage == Stage.paused and lead.left_stage in signed_stages)
