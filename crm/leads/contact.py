"""The lead's clock: its last done visit and its last contact (that visit or the last stage
move, creation included), kept on the lead so the list filters and sorts on indexed columns.

The visit side is written with a plain UPDATE: it is derived from the visits, so recording a
visit neither bumps the lead's version (a form open on the lead stays valid) nor adds a lead
audit entry beside the visit's own.
"""

from datetime import date, datetime

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from crm.clock import local_date
from crm.leads.models import Lead, Visit, VisitStatus


def latest(*days: date | None) -> date | None:
    known = [day for day in days if day is not None]
    return max(known) if known else None


def after_move(lead: Lead, at: datetime) -> None:
    """A stage move (or the lead's creation) at ``at`` is contact."""
    lead.last_contact_on = latest(local_date(at), lead.last_visit_on)


def after_visit_change(session: Session, lead_id: int) -> None:
    """Re-read the lead's last done visit after one of its visits was written."""
    session.flush()
    last_visit = session.scalar(
        select(func.max(Visit.date)).where(
            Visit.lead_id == lead_id, Visit.status == VisitStatus.done
        )
    )
    moved_at = session.scalar(select(Lead.stage_changed_at).where(Lead.id == lead_id))
    session.execute(
        update(Lead)
        .where(Lead.id == lead_id)
        .values(
            last_visit_on=last_visit,
            last_contact_on=latest(local_date(moved_at), last_visit),
        ),
        execution_options={"synchronize_session": "fetch"},
    )
