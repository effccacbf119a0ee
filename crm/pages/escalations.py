"""督办 notes on a project or ticket page (``/supervision/{type}/{id}``, loaded by htmx into
those pages), sending one and answering one: the same services as the API."""

from typing import Annotated

from fastapi import APIRouter, Path, Request
from pydantic import ValidationError

from crm.api.deps import DbSession, RequestTime
from crm.errors import Invalid
from crm.escalations import notes as note_service
from crm.escalations.models import SubjectType
from crm.escalations.schemas import NoteAnswer, NoteCreate
from crm.escalations.subjects import require
from crm.listing import Page
from crm.pages.deps import PageUser
from crm.pages.forms import form_values, see_other
from crm.pages.templating import render
from crm.pages.tickets.common import local_time

router = APIRouter(include_in_schema=False)

Id = Annotated[int, Path(ge=1, le=2**31 - 1)]
PAGES = {SubjectType.ticket: "/tickets/{}", SubjectType.project: "/projects/{}"}


def _subject_page(subject_type: SubjectType, subject_id: int) -> str:
    return PAGES[subject_type].format(subject_id) + "#supervision"


@router.get("/supervision/{subject_type}/{subject_id}")
def supervision_panel(
    request: Request,
    session: DbSession,
    user: PageUser,
    now: RequestTime,
    subject_type: SubjectType,
    subject_id: Id,
):
    subject = require(session, subject_type, subject_id, now=now)
    notes, _ = note_service.list_notes(
        session, page=Page(limit=100, offset=0), now=now, subject=(subject_type, subject_id)
    )
    context = {
        "subject": subject,
        "notes": notes,
        "may_send": note_service.may_supervise(session, user, subject)
        and subject.respondent_id is not None
        and subject.is_open,
        "local_time": local_time,
    }
    return render(request, "escalations/_supervision.html", context)


def _validated(model, values):
    try:
        return model.model_validate(values)
    except ValidationError as error:
        field = str(error.errors()[0]["loc"][0])
        raise Invalid(
            field, "write the text of the note or answer (at most 10000 characters)"
        ) from None


@router.post("/supervision/{subject_type}/{subject_id}")
async def send_note(
    request: Request,
    session: DbSession,
    user: PageUser,
    now: RequestTime,
    subject_type: SubjectType,
    subject_id: Id,
):
    data = _validated(NoteCreate, await form_values(request))
    note_service.send(session, user, subject_type, subject_id, data, now=now)
    return see_other(request, _subject_page(subject_type, subject_id))


@router.post("/supervision/notes/{note_id}/answer")
async def answer_note(
    request: Request, session: DbSession, user: PageUser, now: RequestTime, note_id: Id
):
    data = _validated(NoteAnswer, await form_values(request))
    note = note_service.answer(session, user, note_service.get(session, note_id), data, now=now)
    return see_other(request, _subject_page(note.subject_type, note.subject_id))
