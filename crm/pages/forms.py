"""Forms on pages: read what was posted, run the service, and on refusal show the form again.

A page handler writes::

    values = await form_values(request)
    with refused_form(request, session, "leads/edit.html", lambda: context, block="edit"):
        data = LeadUpdate.model_validate(values)
        lead_service.update(session, lead, data, now=now)
    return see_other(request, f"/leads/{lead.id}")

When the service or the schema refuses (422, 409, 403 on one field), the transaction is
rolled back, ``context()`` is built again from the database, and the form is rendered with
``errors`` (field → message, in the page's language), ``values`` (what the user typed) and,
for a stale edit, ``stale`` (who changed the record, and when). Success answers 303, or
``HX-Redirect`` to htmx.
"""

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from crm.audit import AuditEntry
from crm.errors import Conflict, Invalid, NotPermitted
from crm.i18n import translate
from crm.pages.refusals import refusal_text
from crm.pages.templating import is_htmx, render

GENERAL = "__all__"  # the key of a message about the form as a whole


class FormRejected(Exception):
    """Carries the re-rendered form; the page error handler answers with it."""

    def __init__(self, response: HTMLResponse):
        self.response = response


@dataclass(frozen=True)
class LastChange:
    actor: str | None
    at: datetime


async def form_values(request: Request) -> dict[str, Any]:
    """The posted fields; empty inputs become absent, so optional fields stay unset.

    A field posted more than once (checkboxes) is a list.
    """
    form = await request.form()
    values: dict[str, Any] = {}
    for key in form:
        items = [v for v in form.getlist(key) if isinstance(v, str)]
        items = [v.strip() for v in items if v.strip() != ""]
        if not items:
            continue
        values[key] = items if len(items) > 1 else items[0]
    return values


def see_other(request: Request, url: str) -> Response:
    """After a successful post: 303 to ``url``; htmx follows ``HX-Redirect`` instead."""
    if is_htmx(request):
        return Response(status_code=200, headers={"HX-Redirect": url})
    return RedirectResponse(url, status_code=303)


def field_errors(lang: str, error: Exception) -> dict[str, str]:
    """Field → message for a refusal by pydantic or by a service."""
    if isinstance(error, ValidationError):
        return _pydantic_errors(lang, error.errors())
    if isinstance(error, Invalid):
        field = error.field if isinstance(error.field, str) else str(error.field[-1])
        return {field: refusal_text(lang, error.message)}
    if isinstance(error, NotPermitted):
        return {error.field or GENERAL: translate(lang, "error.forbidden")}
    if isinstance(error, Conflict):
        detail = error.detail if isinstance(error.detail, str) else ""
        text = refusal_text(lang, detail)
        return {GENERAL: text if text != detail else translate(lang, "error.conflict") + detail}
    raise error


def _pydantic_errors(lang: str, errors: list[dict[str, Any]]) -> dict[str, str]:
    messages: dict[str, str] = {}
    for error in errors:
        loc = [part for part in error["loc"] if part != "body"]
        field = str(loc[0]) if loc else GENERAL
        key = f"form.error.{error['type']}"
        text = translate(lang, key, **{k: v for k, v in (error.get("ctx") or {}).items()})
        messages.setdefault(field, error["msg"] if text == key else text)
    return messages


def last_change(session: Session, entity: str, record_id: int | str) -> LastChange | None:
    """Who last changed a record and when, from the audit log (for a stale-edit notice)."""
    row = session.execute(
        select(AuditEntry.actor, AuditEntry.at)
        .where(AuditEntry.entity == entity, AuditEntry.record_id == str(record_id))
        .order_by(AuditEntry.id.desc())
        .limit(1)
    ).first()
    return LastChange(row.actor, row.at) if row else None


@contextmanager
def refused_form(
    request: Request,
    session: Session,
    template: str,
    context: Callable[[], dict[str, Any]],
    *,
    values: dict[str, Any] | None = None,
    block: str | None = None,
    stale_record: tuple[str, int] | None = None,
) -> Iterator[None]:
    """Run a change; when it is refused, raise :class:`FormRejected` with the form again.

    ``stale_record`` (table name, id) names the record a 409 is about, so the notice can say
    who changed it and when.
    """
    try:
        yield
    except (ValidationError, Invalid, Conflict, NotPermitted) as error:
        lang = getattr(request.state, "lang", "zh")
        errors = field_errors(lang, error)
        session.rollback()
        page = context()
        stale = None
        if isinstance(error, Conflict) and stale_record is not None:
            stale = last_change(session, *stale_record)
        page.update(errors=errors, values=values or {}, stale=stale)
        status = 422 if isinstance(error, ValidationError) else error.status_code
        response = render(request, template, page, block=block, status_code=status)
        raise FormRejected(response) from error
