"""The lead page's forms for the work before signing (specialist, assessment, planning links,
draft policy package and its approval) and for a pause proposal (confirm or renew). Each goes
through the policy and the same services as /api/leads/{id}/…; a refusal shows the lead page
again with the message beside the form."""

import re
from typing import Any

from fastapi import APIRouter, Request

from crm.api.deps import DbSession, RequestTime
from crm.auth import policy
from crm.errors import Invalid
from crm.leads import pauses, presigning
from crm.leads.presigning_schemas import (
    AssessmentPut,
    DraftPolicyPut,
    PauseDecision,
    PlanningLinksPut,
    PolicyApproval,
    SpecialistPut,
)
from crm.pages.deps import PageUser
from crm.pages.forms import form_values, refused_form, see_other
from crm.pages.leads.actions import writable_lead
from crm.pages.leads.lead import TEMPLATE, LeadId, lead_context

router = APIRouter()

LINK_SEPARATOR = re.compile(r"\s*[|｜]\s*|\s+(?=https?://|/)")
MAX_POLICY_ROWS = 100


def _again(session, user, lead_id: int, now, form: str):
    return lambda: lead_context(session, user, lead_id, now=now, form=form)


def _done(request: Request, lead_id: int, anchor: str):
    return see_other(request, f"/leads/{lead_id}#{anchor}")


@router.post("/leads/{lead_id:int}/specialist")
async def set_specialist(
    request: Request, session: DbSession, user: PageUser, now: RequestTime, lead_id: LeadId
):
    values = await form_values(request)
    lead = writable_lead(session, user, lead_id)
    page = _again(session, user, lead_id, now, "specialist")
    with refused_form(
        request, session, TEMPLATE, page, values=values, stale_record=("lead", lead_id)
    ):
        data = SpecialistPut.model_validate(
            {"version": values.get("version"), "specialist": values.get("specialist")}
        )
        presigning.set_specialist(session, lead, data)
    return _done(request, lead_id, "presigning")


@router.post("/leads/{lead_id:int}/assessment")
async def set_assessment(
    request: Request, session: DbSession, user: PageUser, now: RequestTime, lead_id: LeadId
):
    values = await form_values(request)
    lead = writable_lead(session, user, lead_id)
    page = _again(session, user, lead_id, now, "assessment")
    with refused_form(
        request, session, TEMPLATE, page, values=values, stale_record=("lead", lead_id)
    ):
        fields = {k: values.get(k) for k in ("organisation", "date", "conclusion", "attachment")}
        given = {k: v for k, v in fields.items() if v is not None}
        assessment = given if given else None
        if assessment is not None and "organisation" not in assessment:
            raise Invalid("organisation", "the assessment needs the organisation that made it")
        data = AssessmentPut.model_validate(
            {"version": values.get("version"), "assessment": assessment}
        )
        presigning.set_assessment(session, lead, data)
    return _done(request, lead_id, "presigning")


@router.post("/leads/{lead_id:int}/planning-links")
async def set_planning_links(
    request: Request, session: DbSession, user: PageUser, now: RequestTime, lead_id: LeadId
):
    values = await form_values(request)
    lead = writable_lead(session, user, lead_id)
    page = _again(session, user, lead_id, now, "links")
    with refused_form(
        request, session, TEMPLATE, page, values=values, stale_record=("lead", lead_id)
    ):
        data = PlanningLinksPut.model_validate(
            {"version": values.get("version"), "links": planning_links(values.get("links"))}
        )
        presigning.set_planning_links(session, lead, data)
    return _done(request, lead_id, "presigning")


def planning_links(text: str | None) -> list[dict[str, str]]:
    """``标题 | https://…`` per line (a bare link is its own title)."""
    links = []
    for line in (text or "").splitlines():
        line = line.strip()
        if not line:
            continue
        parts = LINK_SEPARATOR.split(line, maxsplit=1)
        title, url = (parts[0], parts[1]) if len(parts) == 2 else (line, line)
        links.append({"title": title.strip(), "url": url.strip()})
    return links


@router.post("/leads/{lead_id:int}/policy")
async def replace_policy(
    request: Request, session: DbSession, user: PageUser, now: RequestTime, lead_id: LeadId
):
    values = await form_values(request)
    lead = writable_lead(session, user, lead_id)
    page = _again(session, user, lead_id, now, "policy")
    with refused_form(
        request, session, TEMPLATE, page, values=values, stale_record=("lead", lead_id)
    ):
        data = DraftPolicyPut.model_validate(
            {"version": values.get("version"), "incentives": policy_rows(values)}
        )
        presigning.replace_policy(session, lead, data)
    return _done(request, lead_id, "presigning")


def policy_rows(values: dict[str, Any]) -> list[dict[str, Any]]:
    """The table's rows (``type-N``, ``amount-N``, ``conditions-N``); a row without a type
    is left out (removed)."""
    rows = []
    for index in range(MAX_POLICY_ROWS):
        kind = values.get(f"type-{index}")
        if not kind:
            continue
        rows.append(
            {
                "type": kind,
                "amount": values.get(f"amount-{index}"),
                "conditions": values.get(f"conditions-{index}"),
            }
        )
    return rows


@router.post("/leads/{lead_id:int}/policy/approve")
async def approve_policy(
    request: Request, session: DbSession, user: PageUser, now: RequestTime, lead_id: LeadId
):
    values = await form_values(request)
    lead = writable_lead(session, user, lead_id)
    page = _again(session, user, lead_id, now, "policy")
    with refused_form(
        request, session, TEMPLATE, page, values=values, stale_record=("lead", lead_id)
    ):
        policy.require_decide_for_lead(session, user, lead)
        data = PolicyApproval.model_validate({"version": values.get("version")})
        presigning.approve_policy(session, lead, version=data.version, by=user.username, now=now)
    return _done(request, lead_id, "presigning")


@router.post("/leads/{lead_id:int}/pause/{decision:str}")
async def decide_pause(
    request: Request,
    session: DbSession,
    user: PageUser,
    now: RequestTime,
    lead_id: LeadId,
    decision: str,
):
    """Confirm (pause with "长期无进展") or renew a lead proposed for a pause."""
    values = await form_values(request)
    lead = writable_lead(session, user, lead_id)
    page = _again(session, user, lead_id, now, "pause")
    with refused_form(
        request, session, TEMPLATE, page, values=values, stale_record=("lead", lead_id)
    ):
        policy.require_decide_for_lead(session, user, lead)
        version = PauseDecision.model_validate({"version": values.get("version")}).version
        if decision == "confirm":
            pauses.confirm(session, lead, by=user.username, now=now, version=version)
        elif decision == "renew":
            pauses.renew(session, lead, now=now, version=version)
        else:
            raise Invalid("decision", "decide 'confirm' or 'renew'")
    return _done(request, lead_id, "clock")
