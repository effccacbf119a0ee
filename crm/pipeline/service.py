"""Moving a lead through the pipeline: the lead's own rules plus what a move sets off
in other domains (signing creates the project and its green card)."""

from sqlalchemy.orm import Session

from crm.auth.models import User
from crm.errors import Invalid
from crm.leads import service as lead_service
from crm.leads.models import Lead, Stage
from crm.leads.schemas import StageMove


def move_stage(session: Session, lead: Lead, move: StageMove, user: User) -> int | None:
    """Apply a stage move; returns the project id when the move signs the lead."""
    lead_service.check_version(lead, move.version)
    target = lead_service.plan_move(lead, move.stage, move.reason)
    if target == Stage.signed:
        raise Invalid("stage", "signing needs the projects module, which is not available yet")
    lead_service.record_move(
        session, lead, target, by=user.username, reason=move.reason, note=move.note
    )
    return None
