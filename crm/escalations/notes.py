"""Formal 督办 notes: a leader (a city leader, the 链长 of the project's chain, the leader of
the task force pursuing it, or the office) writes on a project or a ticket; the project's
specialist or the ticket's assignee answers, once, and nobody else may."""

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from crm.auth import policy
from crm.auth.models import User
from crm.errors import Conflict, NotFound, NotPermitted
from crm.escalations.leaders import project_leaders
from crm.escalations.models import SubjectType, SupervisionNote
from crm.escalations.schemas import NoteAnswer, NoteCreate, NotePublic
from crm.escalations.subjects import Subject, describe, require
from crm.listing import Page

_LOAD = (
    selectinload(SupervisionNote.sent_by),
    selectinload(SupervisionNote.respondent),
    selectinload(SupervisionNote.answered_by),
)


def may_supervise(session: Session, user: User, subject: Subject) -> bool:
    if policy.is_office(user) or user.city_leader:
        return True
    if subject.project_id is None:  # a local company's ticket: the office and city leaders
        return False
    leaders = project_leaders(session, [subject.project_id]).get(subject.project_id)
    return leaders is not None and user.id in (
        leaders.task_force_leader_id,
        leaders.chain_leader_id,
    )


def send(
    session: Session,
    user: User,
    subject_type: SubjectType,
    subject_id: int,
    data: NoteCreate,
    *,
    now: datetime,
) -> SupervisionNote:
    subject = require(session, subject_type, subject_id, now=now)
    if not may_supervise(session, user, subject):
        raise NotPermitted(
            "a 督办 note is sent by a city leader, the chain's 链长, the leader of the task "
            "force pursuing the project, or the promotion office"
        )
    if not subject.is_open:
        raise Conflict(f"{subject_type.value} {subject_id} is settled; it takes no 督办 note")
    if subject.respondent_id is None:
        raise Conflict(f"{subject_type.value} {subject_id} has nobody assigned to answer a note")
    note = SupervisionNote(
        subject_type=subject_type,
        subject_id=subject_id,
        body=data.body.strip(),
        sent_by_id=user.id,
        sent_at=now,
        respondent_id=subject.respondent_id,
    )
    session.add(note)
    session.flush()
    return get(session, note.id)


def get(session: Session, note_id: int) -> SupervisionNote:
    note = session.get(SupervisionNote, note_id, options=list(_LOAD))
    if note is None:
        raise NotFound(f"督办 note {note_id} not found")
    return note


def answer(
    session: Session, user: User, note: SupervisionNote, data: NoteAnswer, *, now: datetime
) -> SupervisionNote:
    if note.respondent_id != user.id:
        raise NotPermitted(
            f"督办 note {note.id} is answered by {note.respondent.username}, to whom it is addressed"
        )
    if note.answered_at is not None:
        raise Conflict(f"督办 note {note.id} was already answered")
    note.answer = data.answer.strip()
    note.answered_by_id = user.id
    note.answered_at = now
    note.touch()
    session.flush()
    session.refresh(note)
    return get(session, note.id)


def list_notes(
    session: Session,
    *,
    page: Page,
    now: datetime,
    respondent_id: int | None = None,
    sent_by_id: int | None = None,
    unanswered: bool | None = None,
    subject: tuple[SubjectType, int] | None = None,
) -> tuple[list[NotePublic], int]:
    """Unanswered first, then newest first."""
    query = select(SupervisionNote)
    if respondent_id is not None:
        query = query.where(SupervisionNote.respondent_id == respondent_id)
    if sent_by_id is not None:
        query = query.where(SupervisionNote.sent_by_id == sent_by_id)
    if unanswered is not None:
        query = query.where(
            SupervisionNote.answered_at.is_(None)
            if unanswered
            else SupervisionNote.answered_at.is_not(None)
        )
    if subject is not None:
        query = query.where(
            SupervisionNote.subject_type == subject[0], SupervisionNote.subject_id == subject[1]
        )
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    notes = list(
        session.scalars(
            query.options(*_LOAD)
            .order_by(
                SupervisionNote.answered_at.is_not(None),
                SupervisionNote.sent_at.desc(),
                SupervisionNote.id.desc(),
            )
            .limit(page.limit)
            .offset(page.offset)
        )
    )
    return publics(session, notes, now=now), total


def publics(session: Session, notes: list[SupervisionNote], *, now: datetime) -> list[NotePublic]:
    subjects = describe(session, [(n.subject_type, n.subject_id) for n in notes], now=now)
    items = []
    for note in notes:
        subject = subjects.get((note.subject_type, note.subject_id))
        if subject is not None:
            items.append(public(note, subject))
    return items


def public(note: SupervisionNote, subject: Subject) -> NotePublic:
    return NotePublic(
        id=note.id,
        subject_type=note.subject_type,
        subject_id=note.subject_id,
        subject=subject.label,
        project_id=subject.project_id,
        body=note.body,
        sent_by=note.sent_by.username,
        sent_by_name=note.sent_by.full_name or note.sent_by.username,
        sent_at=note.sent_at,
        respondent=note.respondent.username,
        respondent_name=note.respondent.full_name or note.respondent.username,
        answer=note.answer,
        answered_by=note.answered_by.username if note.answered_by else None,
        answered_at=note.answered_at,
    )
