"""The lead page's forms: edit (with the version), stage move (signing included), plan a
visit or record one as done. Each goes through the policy and the API's services; a refusal
shows the lead page again with the message beside the field."""

import re
from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, Request
from sqlalchemy.orm import Session

from crm.api.deps import DbSession, RequestTime
from crm.auth import policy
from crm.auth.models import User
from crm.errors import Invalid, NotFound
from crm.i18n import translate
from crm.leads import moves as lead_moves
from crm.leads import presigning
from crm.leads import service as lead_service
from crm.leads import visits as visit_service
from crm.leads.models import Lead, Stage, VisitStatus
from crm.leads.schemas import LeadUpdate, StageMove, VisitCreate, VisitUpdate
from crm.pages.deps import PageUser
from crm.pages.forms import form_values, refused_form, see_other
from crm.pages.leads.lead import TEMPLATE, LeadId, lead_context
from crm.pipeline import service as pipeline

router = APIRouter()

# The fields of the edit form; an emptied one clears the value.
CLEARABLE = ("owner", "park", "expected_investment", "expected_jobs", "next_follow_up", "notes")
SIGNING_FIELDS = ("specialist", "investment", "park", "project_name", "agreement_type")
SEPARATORS = re.compile(r"[,，、;；\n]+")


def writable_lead(session: Session, user: User, lead_id: int) -> Lead:
    """The lead, if the policy lets this user change it (else 403, nothing written)."""
    policy.check(user, "leads", policy.Action.write)
    lead = lead_service.get(session, lead_id, with_history=True)
    policy.require_write_lead(session, user, lead)
    return lead


def _page_again(session: Session, user: User, lead_id: int, now, form: str) -> Callable[[], dict]:
    return lambda: lead_context(session, user, lead_id, now=now, form=form)


@router.post("/leads/{lead_id:int}/edit")
async def edit_lead(
    request: Request, session: DbSession, user: PageUser, now: RequestTime, lead_id: LeadId
):
    values = await form_values(request)
    lead = writable_lead(session, user, lead_id)
    page = _page_again(session, user, lead_id, now, "edit")
    with refused_form(
        request, session, TEMPLATE, page, values=values, stale_record=("lead", lead_id)
    ):
        changes: dict[str, Any] = {key: values.get(key) for key in CLEARABLE}
        for key in ("version", "segment", "priority", "source", "task_force_id"):
            if key in values:
                changes[key] = values[key]
        if "task_force_id" in values and values["task_force_id"] == "none":
            changes["task_force_id"] = None
        data = LeadUpdate.model_validate(changes)
        policy.require_lead_fields(session, user, data.model_dump(exclude_unset=True), lead=lead)
        lead_service.update(session, lead, data)
    return see_other(request, f"/leads/{lead_id}")


@router.post("/leads/{lead_id:int}/stage")
async def move_lead(
    request: Request, session: DbSession, user: PageUser, now: RequestTime, lead_id: LeadId
):
    values = await form_values(request)
    lead = writable_lead(session, user, lead_id)
    page = _page_again(session, user, lead_id, now, "stage")
    signed_project = None
    with refused_form(
        request, session, TEMPLATE, page, values=values, stale_record=("lead", lead_id)
    ):
        fields = {k: v for k, v in values.items() if k in StageMove.model_fields}
        signing = lead_moves.signs_when_moved_to(lead, fields.get("stage"))
        if not signing:
            fields = {k: v for k, v in fields.items() if k not in SIGNING_FIELDS}
        move = StageMove.model_validate(fields)
        _check_what_the_move_needs(request, lead, move, signing)
        project_id = pipeline.move_stage(session, lead, move, user, now=now)
        signed_project = project_id if signing else None
    if signed_project is not None:
        return see_other(request, f"/projects/{signed_project}")
    return see_other(request, f"/leads/{lead_id}")


def _check_what_the_move_needs(request: Request, lead: Lead, move: StageMove, signing: bool):
    """The service's own rules, asked first so the message is in the page's language."""
    lang = getattr(request.state, "lang", "zh")
    needs_reason = dict(lead_moves.move_options(lead)).get(move.stage, False)
    if needs_reason and not (move.reason or "").strip():
        raise Invalid("reason", translate(lang, "leadpage.reason_required"))
    if signing and not move.specialist and lead.specialist is None:
        raise Invalid("specialist", translate(lang, "leadpage.specialist_required"))
    unnamed = lead.specialist is None and move.stage == Stage.negotiating
    if unnamed and presigning.needs_specialist(lead, Stage.negotiating):
        raise Invalid("stage", translate(lang, "board.rule.negotiating_specialist"))


@router.post("/leads/{lead_id:int}/visits")
async def add_visit(
    request: Request, session: DbSession, user: PageUser, now: RequestTime, lead_id: LeadId
):
    """Plan a visit, or record one already made (the API's POST /api/visits)."""
    values = await form_values(request)
    lead = writable_lead(session, user, lead_id)
    page = _page_again(session, user, lead_id, now, "visit")
    with refused_form(request, session, TEMPLATE, page, values=values):
        fields = {k: v for k, v in values.items() if k in VisitCreate.model_fields}
        fields["participants"] = participants(values.get("participants"))
        data = VisitCreate.model_validate({**fields, "lead_id": lead.id})
        policy.require_visit_fields(session, user, data.model_dump(exclude_unset=True))
        visit_service.create(session, data)
    return see_other(request, f"/leads/{lead_id}#visits")


@router.post("/leads/{lead_id:int}/visits/{visit_id:int}/done")
async def record_visit_done(
    request: Request,
    session: DbSession,
    user: PageUser,
    now: RequestTime,
    lead_id: LeadId,
    visit_id: LeadId,
):
    """A planned visit took place (the API's PATCH /api/visits/{id} with status done)."""
    values = await form_values(request)
    writable_lead(session, user, lead_id)
    visit = visit_service.get(session, visit_id)
    if visit.lead_id != lead_id:
        raise NotFound(f"visit {visit_id} is not of lead {lead_id}")
    policy.require_write_visit(session, user, visit)
    page = _page_again(session, user, lead_id, now, f"visit-{visit_id}")
    with refused_form(
        request, session, TEMPLATE, page, values=values, stale_record=("visit", visit_id)
    ):
        fields = {k: v for k, v in values.items() if k in ("version", "outcome", "next_step")}
        data = VisitUpdate.model_validate({**fields, "status": VisitStatus.done})
        visit_service.update(session, visit, data)
    return see_other(request, f"/leads/{lead_id}#visits")


def participants(text: str | list[str] | None) -> list[str]:
    if not text:
        return []
    joined = "\n".join(text) if isinstance(text, list) else text
    return [name.strip() for name in SEPARATORS.split(joined) if name.strip()]
