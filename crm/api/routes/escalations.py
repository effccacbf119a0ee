"""督办: escalations of overdue work (``/api/escalations``) and formal notes on projects and
tickets (``/api/supervision-notes``)."""

from typing import Annotated

from fastapi import APIRouter, Query

from crm.api.deps import CurrentUser, DbSession, PageParams, RequestTime
from crm.auth import policy
from crm.auth import service as auth_service
from crm.errors import NotPermitted
from crm.escalations import notes as note_service
from crm.escalations import service as escalation_service
from crm.escalations.models import SubjectType
from crm.escalations.schemas import (
    EscalationPublic,
    NoteAnswer,
    NoteCreate,
    NotePublic,
    SweepResult,
)
from crm.escalations.subjects import require
from crm.escalations.sweep import sweep
from crm.listing import ListResult

router = APIRouter(tags=["escalations"])

To = Annotated[
    str | None,
    Query(
        max_length=64,
        description="'me', or a username (the office only); left out: everyone's (the office only)",
    ),
]

# Reading someone else's escalations or notes is for the promotion office only.
OTHERS_REFUSED: dict[int | str, dict] = {
    403: {"description": "`to` names another user and the signed-in user is not the office"}
}


def _recipient_id(session, user, to: str | None) -> int | None:
    if to == "me":
        return user.id
    if not policy.is_office(user) and not (to == user.username):
        raise NotPermitted("only the promotion office reads other people's 督办; ask with to=me")
    return auth_service.require_user(session, to, field="to").id if to else None


@router.get("/escalations", response_model=ListResult[EscalationPublic], responses=OTHERS_REFUSED)
def list_escalations(
    session: DbSession,
    page: PageParams,
    now: RequestTime,
    user: CurrentUser,
    to: To = None,
    level: Annotated[int | None, Query(ge=1, le=2)] = None,
    subject_type: SubjectType | None = None,
    still_late: bool | None = None,
):
    """Escalations, newest first, each with the chain of who was told when; the sweep runs
    first, so what is due by now is there."""
    recipient = _recipient_id(session, user, to)
    sweep(session, now=now)
    items, total = escalation_service.list_escalations(
        session,
        page=page,
        now=now,
        recipient_id=recipient,
        level=level,
        subject_type=subject_type,
        still_late=still_late,
    )
    return {"items": items, "total": total}


@router.post("/escalations/sweep", response_model=SweepResult)
def run_sweep(session: DbSession, now: RequestTime, user: CurrentUser):
    """Record the escalations due by now (idempotent: running it again records nothing)."""
    if not policy.is_office(user):
        raise NotPermitted("the sweep is run by the promotion office (or by the clock)")
    return {"recorded": sweep(session, now=now)}


@router.get("/supervision-notes", response_model=ListResult[NotePublic], responses=OTHERS_REFUSED)
def list_notes(
    session: DbSession,
    page: PageParams,
    now: RequestTime,
    user: CurrentUser,
    to: Annotated[str | None, Query(max_length=64, description="'me': notes I must answer")] = None,
    sent_by: Annotated[str | None, Query(max_length=64, description="'me' or a username")] = None,
    unanswered: bool | None = None,
    subject_type: SubjectType | None = None,
    subject_id: int | None = None,
):
    """督办 notes, unanswered first."""
    respondent = _recipient_id(session, user, to) if to else None
    sender = None
    if sent_by:
        sender = (
            user.id
            if sent_by == "me"
            else auth_service.require_user(session, sent_by, field="sent_by").id
        )
    subject = (subject_type, subject_id) if subject_type and subject_id is not None else None
    items, total = note_service.list_notes(
        session,
        page=page,
        now=now,
        respondent_id=respondent,
        sent_by_id=sender,
        unanswered=unanswered,
        subject=subject,
    )
    return {"items": items, "total": total}


def _send(session, user, subject_type: SubjectType, subject_id: int, data: NoteCreate, now):
    note = note_service.send(session, user, subject_type, subject_id, data, now=now)
    return note_service.public(note, require(session, subject_type, subject_id, now=now))


@router.post("/projects/{project_id}/supervision-notes", response_model=NotePublic, status_code=201)
def supervise_project(
    project_id: int, data: NoteCreate, session: DbSession, user: CurrentUser, now: RequestTime
):
    """Send a 督办 note on a project; its specialist must answer."""
    return _send(session, user, SubjectType.project, project_id, data, now)


@router.post("/tickets/{ticket_id}/supervision-notes", response_model=NotePublic, status_code=201)
def supervise_ticket(
    ticket_id: int, data: NoteCreate, session: DbSession, user: CurrentUser, now: RequestTime
):
    """Send a 督办 note on a ticket; its assignee must answer."""
    return _send(session, user, SubjectType.ticket, ticket_id, data, now)


@router.post("/supervision-notes/{note_id}/answer", response_model=NotePublic)
def answer_note(
    note_id: int, data: NoteAnswer, session: DbSession, user: CurrentUser, now: RequestTime
):
    """Answer a 督办 note addressed to you (once)."""
    note = note_service.answer(session, user, note_service.get(session, note_id), data, now=now)
    return note_service.public(note, require(session, note.subject_type, note.subject_id, now=now))
