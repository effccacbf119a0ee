"""Green cards (服务绿卡): numbers, issue at signing, the service team, closing."""

from datetime import datetime

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from crm.auth import service as auth_service
from crm.clock import local_date
from crm.errors import Invalid, NotFound
from crm.leads.schemas import TaskForceRef
from crm.projects.models import CardStatus, GreenCard, GreenCardCounter, Project
from crm.projects.schemas import GreenCardPublic, GreenCardUpdate
from crm.taskforces import service as task_force_service
from crm.taskforces.models import TaskForce
from crm.updates import check_version, refuse_nulls

# Stored as data, in the language of the data (the page shows it as it is).
CLOSED_BY_PRODUCTION = "项目已投产"

_UPSERTS = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}


def next_card_no(session: Session, year: int) -> str:
    """The next card number of the year, e.g. ``GC-2026-0001``.

    One atomic upsert bumps the year's counter and returns the new value: concurrent
    signings wait on the counter row (PostgreSQL) or the write lock (SQLite) and each gets
    its own number. A rolled-back signing rolls its increment back too, so numbers stay
    sequential; an issued number is never handed out again because the counter never falls.
    """
    table = GreenCardCounter.__table__
    upsert = _UPSERTS.get(session.get_bind().dialect.name)
    if upsert is None:
        raise RuntimeError(f"green card numbering does not support {session.get_bind().dialect}")
    statement = (
        upsert(table)
        .values(year=year, value=1)
        .on_conflict_do_update(index_elements=[table.c.year], set_={"value": table.c.value + 1})
        .returning(table.c.value)
    )
    value = session.execute(statement).scalar_one()
    return f"GC-{year}-{value:04d}"


def issue(
    session: Session, project: Project, *, now: datetime, task_force: TaskForce | None
) -> GreenCard:
    card = GreenCard(
        card_no=next_card_no(session, local_date(now).year),
        issued_at=now,
        status=CardStatus.active,
        task_force=task_force,
    )
    project.green_card = card
    session.flush()
    return card


def card_of(project: Project) -> GreenCard:
    if project.green_card is None:
        raise NotFound(f"project {project.id} has no green card")
    return project.green_card


def close(card: GreenCard, *, now: datetime, reason: str | None) -> None:
    if card.status == CardStatus.closed:
        return
    card.status = CardStatus.closed
    card.closed_at = now
    card.closed_reason = reason


def update(session: Session, card: GreenCard, data: GreenCardUpdate, *, now: datetime) -> GreenCard:
    check_version(card, data.version, f"green card {card.card_no}")
    changes = data.model_dump(exclude_unset=True, exclude={"version"})
    refuse_nulls(changes, "status", "members")
    with session.no_autoflush:
        status = changes.get("status")
        if status == CardStatus.closed:
            close(card, now=now, reason=changes.get("closed_reason"))
        elif status == CardStatus.active:
            card.status = CardStatus.active
            card.closed_at = None
            card.closed_reason = None
        elif "closed_reason" in changes:
            if card.status != CardStatus.closed:
                raise Invalid("closed_reason", "only a closed card has a closing reason")
            card.closed_reason = changes["closed_reason"]
        if "task_force_id" in changes:
            tf_id = changes["task_force_id"]
            card.task_force = (
                task_force_service.require(session, tf_id) if tf_id is not None else None
            )
        if "members" in changes:
            card.members = [
                auth_service.require_user(session, username, field="members")
                for username in dict.fromkeys(changes["members"])
            ]
        card.touch()
    session.flush()
    return card


def public(card: GreenCard) -> GreenCardPublic:
    return GreenCardPublic(
        id=card.id,
        card_no=card.card_no,
        issued_at=card.issued_at,
        status=card.status,
        closed_at=card.closed_at,
        closed_reason=card.closed_reason,
        task_force=TaskForceRef(id=card.task_force.id, name=card.task_force.name)
        if card.task_force
        else None,
        members=sorted(user.username for user in card.members),
        version=card.version,
    )
