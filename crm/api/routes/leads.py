from typing import Annotated, Literal, TypeVar

from fastapi import APIRouter, Query, Response
from sqlalchemy.orm import Session

from crm import table_writing
from crm.api.deps import CurrentUser, DbSession, PageParams, RequestTime
from crm.api.records import MineLeads, WritableLead
from crm.auth import policy
from crm.clock import local_date
from crm.leads import export as lead_export
from crm.leads import list_rows
from crm.leads import lists as lead_lists
from crm.leads import service as lead_service
from crm.leads.schemas import (
    LeadCreate,
    LeadCreated,
    LeadDetail,
    LeadFilters,
    LeadPublic,
    LeadUpdate,
    StageMove,
    StageMoved,
)
from crm.listing import CursorResult, json_list
from crm.pipeline import service as pipeline
from crm.projects import service as project_service

router = APIRouter(prefix="/leads", tags=["leads"])

L = TypeVar("L", bound=LeadPublic)


def _with_project_ids(session: Session, leads: list[L]) -> list[L]:
    """Fill in ``project_id`` of the signed leads, with one query for all of them."""
    project_ids = project_service.project_ids_by_lead(session, [lead.id for lead in leads])
    for lead in leads:
        lead.project_id = project_ids.get(lead.id)
    return leads


_BAD_CURSOR = {
    "description": "the cursor cannot be used: unreadable, made for another sort, or given "
    "with an offset",
    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
}


@router.get("", response_model=CursorResult[LeadPublic], responses={400: _BAD_CURSOR})
def list_leads(
    session: DbSession,
    page: PageParams,
    now: RequestTime,
    filters: Annotated[LeadFilters, Query()],
    mine: MineLeads,
    sort: Annotated[str, Query(description="field, '-' for descending")] = "-id",
    cursor: Annotated[str | None, Query(description="a previous page's next_cursor")] = None,
):
    """A page of leads; ``total`` is exact up to 10,000 matching leads, estimated past that
    on PostgreSQL (``total_exact: false``). Walk on with ``cursor`` (keyset paging, as fast
    at any depth) or jump with ``offset``."""
    page_items, total, next_cursor = list_rows.public_page(
        session,
        page=page,
        filters=filters,
        sort=sort,
        today=local_date(now),
        only=mine,
        cursor=cursor,
    )
    return json_list(page_items, total, next_cursor)


@router.post("", response_model=LeadCreated, status_code=201)
def create_lead(data: LeadCreate, session: DbSession, user: CurrentUser, now: RequestTime):
    """Create a lead at stage ``identified``."""
    policy.require_lead_fields(session, user, data.model_dump())
    lead, warnings = lead_service.create(session, data, now=now)
    lead = lead_service.get(session, lead.id, with_history=True)
    detail = lead_service.detail(lead, today=local_date(now))
    return LeadCreated(**detail.model_dump(by_alias=False), warnings=warnings)


EXPORT_TYPES = {"xlsx": table_writing.XLSX_MEDIA_TYPE, "csv": table_writing.CSV_MEDIA_TYPE}


# Declared before the "/{lead_id}" routes, which would otherwise take "export" for an id.
@router.get(
    "/export",
    response_class=Response,
    responses={200: {"content": {media: {} for media in EXPORT_TYPES.values()}}},
)
def export_leads(
    session: DbSession,
    now: RequestTime,
    filters: Annotated[LeadFilters, Query()],
    file_format: Annotated[Literal["xlsx", "csv"], Query(alias="format")] = "xlsx",
) -> Response:
    """The leads the filters select (as for the list), as XLSX or CSV under Chinese headers;
    the file reads back through ``POST /api/import/leads``."""
    query = lead_lists.filtered_query(filters, today=local_date(now))
    filename = f"leads-{local_date(now).isoformat()}.{file_format}"
    return lead_export.download(session.get_bind(), query, file_format, filename)


@router.get("/{lead_id}", response_model=LeadDetail)
def get_lead(lead_id: int, session: DbSession, now: RequestTime):
    lead = lead_service.get(session, lead_id, with_history=True)
    detail = lead_service.detail(lead, today=local_date(now))
    return _with_project_ids(session, [detail])[0]


@router.patch("/{lead_id}", response_model=LeadDetail)
def update_lead(
    lead: WritableLead, data: LeadUpdate, session: DbSession, user: CurrentUser, now: RequestTime
):
    policy.require_lead_fields(session, user, data.model_dump(exclude_unset=True), lead=lead)
    lead_service.update(session, lead, data)
    return _with_project_ids(session, [lead_service.detail(lead, today=local_date(now))])[0]


@router.delete("/{lead_id}", status_code=204)
def delete_lead(lead: WritableLead, session: DbSession) -> Response:
    lead_service.delete(session, lead)
    return Response(status_code=204)


@router.post("/{lead_id}/stage", response_model=StageMoved)
def move_stage(
    lead: WritableLead, move: StageMove, session: DbSession, user: CurrentUser, now: RequestTime
):
    """Move the lead to another stage. Signing needs ``specialist`` (a user whose
    role is specialist; by default the one the lead names), copies the lead's assessment,
    planning links and approved policy package to the project, takes ``investment`` (万元; default the expected one) and ``park``,
    creates the project and its green card and returns the new ``project_id``; ``started``
    and ``producing`` date the project's milestones, ``producing`` closes its green card."""
    project_id = pipeline.move_stage(session, lead, move, user, now=now)
    detail = lead_service.detail(lead, today=local_date(now))
    return StageMoved(
        **detail.model_dump(by_alias=False, exclude={"project_id"}), project_id=project_id
    )
