"""The choices the project page's edit forms offer (parks, people, task forces), each list in
one query and only to a user who may write the project."""

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from crm.auth import policy
from crm.auth.models import User
from crm.companies.models import Park
from crm.errors import NotPermitted
from crm.projects.models import CardStatus, GreenCard, Project
from crm.taskforces.models import TaskForce


def edit_choices(session: Session, user: User, project: Project, *, may_write: bool) -> dict:
    """What the overview and green card forms offer; nothing for a user who may not write."""
    card = project.green_card
    if not may_write:
        return {
            "parks": [],
            "people": [],
            "card_task_forces": [],
            "may_edit_card": False,
            "card_active": False,
        }
    return {
        "parks": list(session.scalars(select(Park.name).order_by(Park.name))),
        "people": people(session, card),
        "card_task_forces": card_task_forces(session, user, card) if card else [],
        "may_edit_card": card is not None,
        "card_active": card is not None and card.status == CardStatus.active,
    }


def people(session: Session, card: GreenCard | None) -> list[Any]:
    """Active users by full name, and the card's present members even if deactivated."""
    members = [member.id for member in card.members] if card else []
    query = select(User.username, User.full_name).where(
        User.is_active.is_(True) | User.id.in_(members)
    )
    return session.execute(query.order_by(User.full_name, User.username)).all()


def card_task_forces(session: Session, user: User, card: GreenCard) -> list[Any]:
    """The task forces the policy lets ``user`` name as the card's service team (the one it
    has is always listed); empty when the user may not change it at all."""
    rows = session.execute(select(TaskForce.id, TaskForce.name).order_by(TaskForce.name)).all()
    if policy.is_office(user):
        return rows
    allowed = [row for row in rows if _may_name(session, user, card, row.id)]
    return allowed if any(row.id != card.task_force_id for row in allowed) else []


def _may_name(session: Session, user: User, card: GreenCard, task_force_id: int) -> bool:
    try:
        policy.require_green_card_fields(session, user, card, {"task_force_id": task_force_id})
    except NotPermitted:
        return False
    return True
