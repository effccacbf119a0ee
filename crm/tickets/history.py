"""A ticket's history: when and by whom it was raised (the ticket's own fields), then each
change of its status, assignee or priority, by whom, from the audit log (the one record of
every write). Users are named by username, as everywhere in the domain."""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from crm.audit import AuditEntry
from crm.auth.models import User
from crm.db import as_utc
from crm.tickets.models import Ticket

TRACKED = ("status", "priority", "assignee_id")


@dataclass(frozen=True)
class TicketEvent:
    at: datetime
    actor: str | None
    field: str  # "raised", "status", "priority" or "assignee"
    old: str | None
    new: str | None


def ticket_history(session: Session, ticket: Ticket) -> list[TicketEvent]:
    """Oldest first; at most two queries whatever the length of the history."""
    entries = session.execute(
        select(AuditEntry.at, AuditEntry.actor, AuditEntry.action, AuditEntry.changes)
        .where(AuditEntry.entity == Ticket.__tablename__, AuditEntry.record_id == str(ticket.id))
        .order_by(AuditEntry.id)
    ).all()
    raw: list[tuple[datetime, str | None, str, object, object]] = [
        (ticket.raised_at, ticket.raised_by, "raised", None, None)
    ]
    for at, actor, action, changes in entries:
        if action != "update":
            continue
        for field in TRACKED:
            if field in changes:
                old, new = changes[field]
                raw.append((at, actor, field, old, new))
    usernames = _usernames(session, [v for e in raw if e[2] == "assignee_id" for v in e[3:]])
    return [
        TicketEvent(
            at=as_utc(at),
            actor=actor,
            field="assignee" if field == "assignee_id" else field,
            old=usernames.get(old) if field == "assignee_id" else old,
            new=usernames.get(new) if field == "assignee_id" else new,
        )
        for at, actor, field, old, new in raw
    ]


def _usernames(session: Session, user_ids: list) -> dict:
    ids = {i for i in user_ids if isinstance(i, int)}
    if not ids:
        return {}
    return dict(session.execute(select(User.id, User.username).where(User.id.in_(ids))).all())
