"""A lead before signing (specialist, assessment, planning links, draft policy package) and
its pause proposals (长期无进展). Served under /api/leads, before the lead routes."""

from typing import Annotated

from fastapi import APIRouter, Query

from crm.api.deps import CurrentUser, DbSession, PageParams, RequestTime
from crm.api.records import WritableLead
from crm.auth import policy
from crm.auth import service as auth_service
from crm.clock import local_date
from crm.leads import pauses, presigning
from crm.leads import service as lead_service
from crm.leads.presigning_schemas import (
    AssessmentPut,
    DraftPolicyPut,
    PauseDecision,
    PlanningLinksPut,
    PolicyApproval,
    PresigningPublic,
    SpecialistPut,
)
from crm.leads.schemas import LeadDetail, LeadPublic
from crm.listing import ListResult

router = APIRouter(prefix="/leads", tags=["leads"])


@router.get("/pause-proposals", response_model=ListResult[LeadPublic])
def pause_proposals(
    session: DbSession,
    page: PageParams,
    user: CurrentUser,
    now: RequestTime,
    to: Annotated[
        str | None,
        Query(
            description="'me' (default for a leader): the proposals this user decides; "
            "or a leader's username"
        ),
    ] = None,
    task_force_id: int | None = None,
):
    """Leads proposed for a pause (no stage move or done visit for 180 days, counted from a
    renewal if later), quietest first: a leader's are those of the task forces they lead."""
    decider = None
    if to == "me" or (to is None and not policy.is_office(user)):
        decider = user
    elif to:
        decider = auth_service.require_user(session, to, field="to")
    today = local_date(now)
    leads, total = pauses.list_proposals(
        session, today=today, page=page, for_user=decider, task_force_id=task_force_id
    )
    return {"items": [lead_service.public(lead, today=today) for lead in leads], "total": total}


@router.get("/{lead_id}/presigning", response_model=PresigningPublic)
def get_presigning(lead_id: int, session: DbSession):
    return presigning.public(lead_service.get(session, lead_id))


@router.put("/{lead_id}/specialist", response_model=PresigningPublic)
def set_specialist(lead: WritableLead, data: SpecialistPut, session: DbSession):
    """Name the specialist (项目专员) who will carry the project; signing takes this one
    unless it names another. A negotiating lead of priority A or ≥ 1亿 must keep one."""
    return presigning.public(presigning.set_specialist(session, lead, data))


@router.put("/{lead_id}/assessment", response_model=PresigningPublic)
def set_assessment(lead: WritableLead, data: AssessmentPut, session: DbSession):
    """The think-tank assessment (研判报告); null removes it."""
    return presigning.public(presigning.set_assessment(session, lead, data))


@router.put("/{lead_id}/planning-links", response_model=PresigningPublic)
def set_planning_links(lead: WritableLead, data: PlanningLinksPut, session: DbSession):
    """VR planning maps, site plans: the whole list."""
    return presigning.public(presigning.set_planning_links(session, lead, data))


@router.put("/{lead_id}/policy", response_model=PresigningPublic)
def replace_policy(lead: WritableLead, data: DraftPolicyPut, session: DbSession):
    """The draft policy package (incentives as a project's); a change makes it a draft again."""
    return presigning.public(presigning.replace_policy(session, lead, data))


@router.post("/{lead_id}/policy/approve", response_model=PresigningPublic)
def approve_policy(
    lead: WritableLead,
    data: PolicyApproval,
    session: DbSession,
    user: CurrentUser,
    now: RequestTime,
):
    """Approve the draft: the office or the leader of the lead's task force. Signing copies an
    approved package to the project; a draft stays on the lead."""
    policy.require_decide_for_lead(session, user, lead)
    lead = presigning.approve_policy(session, lead, version=data.version, by=user.username, now=now)
    return presigning.public(lead)


@router.post("/{lead_id}/pause-proposal/confirm", response_model=LeadDetail)
def confirm_pause(
    lead: WritableLead, data: PauseDecision, session: DbSession, user: CurrentUser, now: RequestTime
):
    """Pause a proposed lead with the reason "长期无进展" (the task force's leader or the office)."""
    policy.require_decide_for_lead(session, user, lead)
    pauses.confirm(session, lead, by=user.username, now=now, version=data.version, note=data.note)
    return lead_service.detail(lead, today=local_date(now))


@router.post("/{lead_id}/pause-proposal/renew", response_model=LeadDetail)
def renew_pause(
    lead: WritableLead, data: PauseDecision, session: DbSession, user: CurrentUser, now: RequestTime
):
    """Keep pursuing a proposed lead: the 180 days count again from today."""
    policy.require_decide_for_lead(session, user, lead)
    pauses.renew(session, lead, now=now, version=data.version)
    return lead_service.detail(lead, today=local_date(now))
