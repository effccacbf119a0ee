from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel, ConfigDict
from sqlalchemy import select

from crm.api.deps import DbSession, PageParams
from crm.audit import AuditEntry
from crm.db import as_utc
from crm.listing import ListResult, fetch_page

router = APIRouter(prefix="/audit", tags=["audit"])


class AuditEntryPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    at: datetime
    actor: str | None
    action: str
    entity: str
    record_id: str
    changes: dict


@router.get("", response_model=ListResult[AuditEntryPublic])
def list_audit_entries(
    session: DbSession,
    page: PageParams,
    entity: Annotated[str | None, Query(description="table, e.g. company")] = None,
    record_id: str | None = None,
    actor: str | None = None,
    action: str | None = None,
    date_from: datetime | None = None,
    date_to: datetime | None = None,
):
    """Every write, newest first: who, when, which record, what changed."""
    query = select(AuditEntry).order_by(AuditEntry.id.desc())
    for column, value in (
        (AuditEntry.entity, entity),
        (AuditEntry.record_id, record_id),
        (AuditEntry.actor, actor),
        (AuditEntry.action, action),
    ):
        if value is not None:
            query = query.where(column == value)
    if date_from:
        query = query.where(AuditEntry.at >= as_utc(date_from))
    if date_to:
        query = query.where(AuditEntry.at < as_utc(date_to))
    items, total = fetch_page(session, query, page)
    return {"items": items, "total": total}
