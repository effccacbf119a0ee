"""Demo 督办: the leadership flagged as city leaders, a 链长 for most chains, the
escalations of the demo's overdue tickets at both levels, and a few 督办 notes, some answered.

Derived deterministically from what the earlier steps loaded (users, chains, tickets), as of the
last ticket the demo raised; the live sweep adds whatever fell due since, on the first read.
Idempotent: a second run finds everything in place and changes nothing.
"""

import random
from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from crm.auth.models import Role, User
from crm.chains.models import Chain
from crm.escalations import notes as note_service
from crm.escalations.models import Escalation, Level, SubjectType, SupervisionNote
from crm.escalations.schemas import NoteAnswer, NoteCreate
from crm.escalations.sweep import late_tickets, record
from crm.tickets.models import Ticket

SEED = 20261001
NOTES = 6  # 督办 notes on escalated tickets; every other one answered
TICKET_NOTES = (
    "请说明逾期原因及办结时限。",
    "企业反映强烈，请本周内拿出解决方案。",
    "请会同相关部门现场办公，尽快办结。",
)
ANSWERS = (
    "已与相关部门对接，预计三个工作日内办结。",
    "已现场协调，企业表示满意，正在走流程。",
)


def load_escalations(session: Session) -> int:
    """Returns how many escalations were recorded (0 on a second run)."""
    city_leaders = _flag_city_leaders(session)
    _name_chain_leaders(session, city_leaders)
    as_of = session.scalar(select(func.max(Ticket.raised_at)))
    if as_of is None:
        return 0
    recorded = record(session, late_tickets(session, now=as_of), now=as_of, told_when_due=True)
    _send_notes(session)
    return recorded


def _flag_city_leaders(session: Session) -> list[User]:
    """The leadership (viewers) are the city leaders of the demo, all but the first, who stays
    a reader without 督办 duties."""
    leaders = list(session.scalars(select(User).where(User.role == Role.viewer).order_by(User.id)))[
        1:
    ]
    for user in leaders:
        if not user.city_leader:
            user.city_leader = True
    session.flush()
    return leaders


def _name_chain_leaders(session: Session, city_leaders: list[User]) -> None:
    if not city_leaders:
        return
    # Every chain but the last (by code) gets one, so the demo also shows a chain whose
    # second-level escalations go to every city leader.
    chains = list(session.scalars(select(Chain).order_by(Chain.code)))[:-1]
    for index, chain in enumerate(chains):
        if chain.leader_user_id is None:
            chain.leader_user_id = city_leaders[index % len(city_leaders)].id
    session.flush()


def _send_notes(session: Session) -> None:
    if session.scalar(select(func.count()).select_from(SupervisionNote)):
        return
    escalated = session.execute(
        select(Escalation.subject_id, Escalation.recipient_id, Escalation.due_at)
        .where(
            Escalation.subject_type == SubjectType.ticket,
            Escalation.level == int(Level.task_force_leader),
        )
        .order_by(Escalation.subject_id)
    ).all()
    rng = random.Random(SEED)
    chosen = rng.sample(escalated, min(NOTES, len(escalated)))
    users = {u.id: u for u in session.scalars(select(User))}
    tickets = {
        t.id: t
        for t in session.scalars(select(Ticket).where(Ticket.id.in_([c[0] for c in chosen])))
    }
    for index, (ticket_id, leader_id, due_at) in enumerate(sorted(chosen)):
        ticket = tickets[ticket_id]
        if ticket.assignee_id is None:
            continue
        sent_at = due_at + timedelta(days=1)
        body = NoteCreate(body=TICKET_NOTES[index % len(TICKET_NOTES)])
        note = note_service.send(
            session, users[leader_id], SubjectType.ticket, ticket_id, body, now=sent_at
        )
        if index % 2 == 0:
            answer = NoteAnswer(answer=ANSWERS[index // 2 % len(ANSWERS)])
            note_service.answer(
                session, users[ticket.assignee_id], note, answer, now=sent_at + timedelta(hours=5)
            )
