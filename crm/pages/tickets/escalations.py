"""The 督办 page ``/tickets/escalations``: escalations at both levels with the chain of who was
told when, and the 督办 notes waiting for an answer. A leader sees what reached them; the
office sees everything."""

from typing import Annotated

from fastapi import APIRouter, Query, Request

from crm.api.deps import DbSession, RequestTime
from crm.auth import policy
from crm.escalations import notes as note_service
from crm.escalations import service as escalation_service
from crm.escalations.sweep import sweep
from crm.listing import Page
from crm.pages.deps import PageUser
from crm.pages.templating import render
from crm.pages.tickets.common import local_time

router = APIRouter(include_in_schema=False)

PAGE_SIZE = 30
NOTES_SHOWN = 50


@router.get("/tickets/escalations")
def escalations(
    request: Request,
    session: DbSession,
    user: PageUser,
    now: RequestTime,
    offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
):
    office = policy.is_office(user)
    sweep(session, now=now)
    rows, total = escalation_service.list_escalations(
        session,
        page=Page(limit=PAGE_SIZE, offset=offset),
        now=now,
        recipient_id=None if office else user.id,
    )
    notes_page = Page(limit=NOTES_SHOWN, offset=0)
    to_answer, _ = note_service.list_notes(
        session, page=notes_page, now=now, respondent_id=user.id, unanswered=True
    )
    others, _ = note_service.list_notes(
        session, page=notes_page, now=now, sent_by_id=None if office else user.id
    )
    context = {
        "office": office,
        "rows": rows,
        "total": total,
        "limit": PAGE_SIZE,
        "query": {"offset": offset},
        "to_answer": to_answer,
        "notes": [n for n in others if n.id not in {a.id for a in to_answer}],
        "local_time": local_time,
        "return_to": "/tickets/escalations" + (f"?offset={offset}" if offset else ""),
    }
    return render(request, "tickets/escalations.html", context)
