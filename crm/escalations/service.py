"""Escalations as people read them: each with the chain of everyone told of its subject."""

from datetime import datetime

from sqlalchemy import func, select, tuple_
from sqlalchemy.orm import Session, selectinload

from crm.escalations.models import Escalation, SubjectType
from crm.escalations.schemas import EscalationPublic, Told
from crm.escalations.subjects import describe
from crm.listing import Page


def list_escalations(
    session: Session,
    *,
    page: Page,
    now: datetime,
    recipient_id: int | None = None,
    level: int | None = None,
    subject_type: SubjectType | None = None,
    still_late: bool | None = None,
) -> tuple[list[EscalationPublic], int]:
    """Newest first; ``recipient_id``: those told to that person. ``still_late`` is decided
    after the page is read (a ticket's state), so it filters the page, not the total."""
    query = select(Escalation)
    if recipient_id is not None:
        query = query.where(Escalation.recipient_id == recipient_id)
    if level is not None:
        query = query.where(Escalation.level == level)
    if subject_type is not None:
        query = query.where(Escalation.subject_type == subject_type)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = list(
        session.scalars(
            query.options(selectinload(Escalation.recipient))
            .order_by(Escalation.notified_at.desc(), Escalation.level.desc(), Escalation.id.desc())
            .limit(page.limit)
            .offset(page.offset)
        )
    )
    items = publics(session, rows, now=now)
    if still_late is not None:
        items = [item for item in items if item.still_late == still_late]
    return items, total


def publics(session: Session, rows: list[Escalation], *, now: datetime) -> list[EscalationPublic]:
    """Three more queries whatever the number of rows: the chains, the subjects, their users."""
    keys = {(row.subject_type, row.subject_id) for row in rows}
    if not keys:
        return []
    chains: dict[tuple[SubjectType, int], list[Told]] = {}
    related = session.scalars(
        select(Escalation)
        .where(tuple_(Escalation.subject_type, Escalation.subject_id).in_(list(keys)))
        .options(selectinload(Escalation.recipient))
        .order_by(Escalation.level, Escalation.notified_at, Escalation.id)
    )
    for row in related:
        chains.setdefault((row.subject_type, row.subject_id), []).append(_told(row))
    subjects = describe(session, keys, now=now)
    items = []
    for row in rows:
        subject = subjects.get((row.subject_type, row.subject_id))
        if subject is None:  # the ticket or project was deleted since
            continue
        items.append(
            EscalationPublic(
                **_told(row).model_dump(),
                id=row.id,
                subject_type=row.subject_type,
                subject_id=row.subject_id,
                subject=subject.label,
                project_id=subject.project_id,
                company=subject.company,
                reason=row.reason,
                still_late=subject.still_late,
                chain=chains[(row.subject_type, row.subject_id)],
            )
        )
    return items


def _told(row: Escalation) -> Told:
    return Told(
        level=row.level,
        to=row.recipient.username,
        to_name=row.recipient.full_name or row.recipient.username,
        due_at=row.due_at,
        notified_at=row.notified_at,
    )
