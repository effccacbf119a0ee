"""Pause proposals: a lead still being pursued that has had no progress (no stage move, no
done visit) for ``lead_pause_after_days`` (180 by default), counted from its last contact or
from the day a leader last renewed it, is proposed for a pause with the reason "长期无进展".
The leader of the lead's task force (or the office) confirms (the lead moves to ``paused``
with that reason) or renews (the count starts again; the change is audited on the lead)."""

from datetime import date, datetime

from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import Session

from crm.auth.models import User
from crm.auth.policy import is_office
from crm.clock import local_date
from crm.errors import Conflict
from crm.leads import service as lead_service
from crm.leads.lights import is_proposed, proposed_condition
from crm.leads.models import Lead, Stage
from crm.listing import Page, Total, fetch_page_by_ids
from crm.taskforces.models import TaskForce

PAUSE_REASON = "长期无进展"

__all__ = ["PAUSE_REASON", "confirm", "decided_by", "is_proposed", "list_proposals", "renew"]


def decided_by(user: User) -> ColumnElement[bool]:
    """The proposals ``user`` decides: the office all, a leader those of the task forces they
    lead."""
    if is_office(user):
        return Lead.id.is_not(None)
    return Lead.task_force_id.in_(select(TaskForce.id).where(TaskForce.leader_id == user.id))


def list_proposals(
    session: Session,
    *,
    today: date,
    page: Page,
    for_user: User | None = None,
    task_force_id: int | None = None,
) -> tuple[list[Lead], Total]:
    """Proposed leads, quietest first."""
    query = select(Lead).where(proposed_condition(today))
    if for_user is not None:
        query = query.where(decided_by(for_user))
    if task_force_id is not None:
        query = query.where(Lead.task_force_id == task_force_id)
    query = query.order_by(Lead.last_contact_on, Lead.id)
    return fetch_page_by_ids(session, query, page, entity=Lead, options=lead_service.LOAD_OPTIONS)


def _require_proposed(lead: Lead, today: date) -> None:
    if not is_proposed(lead, today):
        raise Conflict(
            f"lead {lead.id} is not proposed for a pause: it is {lead.stage} and had contact "
            f"on {lead.last_contact_on}"
            + (f", renewed on {lead.pause_renewed_on}" if lead.pause_renewed_on else "")
        )


def confirm(
    session: Session,
    lead: Lead,
    *,
    by: str,
    now: datetime,
    version: int | None = None,
    note: str | None = None,
) -> Lead:
    """Pause the lead with the reason "长期无进展"."""
    lead_service.check_version(lead, version)
    _require_proposed(lead, local_date(now))
    target = lead_service.plan_move(lead, Stage.paused, PAUSE_REASON)
    lead_service.record_move(session, lead, target, by=by, reason=PAUSE_REASON, note=note, at=now)
    return lead


def renew(session: Session, lead: Lead, *, now: datetime, version: int | None = None) -> Lead:
    """Keep pursuing: the 180 days start again today (the lights still show the silence)."""
    lead_service.check_version(lead, version)
    _require_proposed(lead, local_date(now))
    lead.pause_renewed_on = local_date(now)
    session.flush()
    return lead
