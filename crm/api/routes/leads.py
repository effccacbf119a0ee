from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query, Response

from crm.api.deps import CurrentUser, DbSession, PageParams
from crm.leads import service as lead_service
from crm.leads.models import Priority, Source, Stage
from crm.leads.schemas import (
    LeadCreate,
    LeadCreated,
    LeadDetail,
    LeadPublic,
    LeadUpdate,
    StageMove,
    StageMoved,
)
from crm.listing import ListResult
from crm.pipeline import service as pipeline

router = APIRouter(prefix="/leads", tags=["leads"])


@router.get("", response_model=ListResult[LeadPublic])
def list_leads(
    session: DbSession,
    page: PageParams,
    q: Annotated[str | None, Query(description="text in the company name")] = None,
    stage: Stage | None = None,
    chain: str | None = None,
    segment: Annotated[str | None, Query(description="'chain:segment'")] = None,
    task_force_id: int | None = None,
    owner: Annotated[str | None, Query(description="username")] = None,
    priority: Priority | None = None,
    source: Source | None = None,
    company_id: int | None = None,
    overdue: Annotated[bool | None, Query(description="follow-up date passed")] = None,
    sort: Annotated[str, Query(description="field, '-' for descending")] = "-id",
):
    leads, total = lead_service.list_leads(
        session,
        page=page,
        q=q,
        stage=stage,
        chain=chain,
        segment=segment,
        task_force_id=task_force_id,
        owner=owner,
        priority=priority,
        source=source,
        company_id=company_id,
        overdue=overdue,
        sort=sort,
    )
    today = date.today()
    return {"items": [lead_service.public(lead, today=today) for lead in leads], "total": total}


@router.post("", response_model=LeadCreated, status_code=201)
def create_lead(data: LeadCreate, session: DbSession):
    """Create a lead at stage ``identified``."""
    lead, warnings = lead_service.create(session, data)
    detail = lead_service.detail(lead_service.get(session, lead.id, with_history=True))
    return LeadCreated(**detail.model_dump(by_alias=False), warnings=warnings)


@router.get("/{lead_id}", response_model=LeadDetail)
def get_lead(lead_id: int, session: DbSession):
    return lead_service.detail(lead_service.get(session, lead_id, with_history=True))


@router.patch("/{lead_id}", response_model=LeadDetail)
def update_lead(lead_id: int, data: LeadUpdate, session: DbSession):
    lead = lead_service.update(session, lead_service.get(session, lead_id, with_history=True), data)
    return lead_service.detail(lead)


@router.delete("/{lead_id}", status_code=204)
def delete_lead(lead_id: int, session: DbSession) -> Response:
    lead_service.delete(session, lead_service.get(session, lead_id))
    return Response(status_code=204)


@router.post("/{lead_id}/stage", response_model=StageMoved)
def move_stage(lead_id: int, move: StageMove, session: DbSession, user: CurrentUser):
    """Move the lead to another stage (SPEC §3); signing returns the new ``project_id``."""
    lead = lead_service.get(session, lead_id, with_history=True)
    project_id = pipeline.move_stage(session, lead, move, user)
    detail = lead_service.detail(lead)
    return StageMoved(
        **detail.model_dump(by_alias=False, exclude={"project_id"}), project_id=project_id
    )
