from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query

from crm.api.deps import CurrentUser, DbSession, PageParams
from crm.api.records import MineVisits, WritableVisit
from crm.auth import policy
from crm.leads import service as lead_service
from crm.leads import visits as visit_service
from crm.leads.models import VisitKind, VisitStatus
from crm.leads.schemas import VisitCreate, VisitPublic, VisitUpdate
from crm.listing import ListResult

router = APIRouter(prefix="/visits", tags=["visits"])


@router.get("", response_model=ListResult[VisitPublic])
def list_visits(
    session: DbSession,
    page: PageParams,
    mine: MineVisits,
    lead_id: int | None = None,
    task_force_id: int | None = None,
    status: VisitStatus | None = None,
    kind: VisitKind | None = None,
    city: str | None = None,
    date_from: Annotated[date | None, Query()] = None,
    date_to: Annotated[date | None, Query()] = None,
):
    items, total = visit_service.list_visits(
        session,
        page=page,
        lead_id=lead_id,
        task_force_id=task_force_id,
        status=status,
        kind=kind,
        city=city,
        date_from=date_from,
        date_to=date_to,
        only=mine,
    )
    return {"items": [visit_service.public(v) for v in items], "total": total}


@router.post("", response_model=VisitPublic, status_code=201)
def create_visit(data: VisitCreate, session: DbSession, user: CurrentUser):
    """Plan or record a visit. A done visit of a lead below ``visited`` answers with
    ``suggested_stage`` so the user can move it; the lead is not moved silently."""
    policy.require_write_lead(session, user, lead_service.require(session, data.lead_id))
    policy.require_visit_fields(session, user, data.model_dump(exclude_unset=True))
    return visit_service.public(visit_service.create(session, data))


@router.get("/{visit_id}", response_model=VisitPublic)
def get_visit(visit_id: int, session: DbSession):
    return visit_service.public(visit_service.get(session, visit_id))


@router.patch("/{visit_id}", response_model=VisitPublic)
def update_visit(visit: WritableVisit, data: VisitUpdate, session: DbSession, user: CurrentUser):
    policy.require_visit_fields(session, user, data.model_dump(exclude_unset=True), visit=visit)
    return visit_service.public(visit_service.update(session, visit, data))
