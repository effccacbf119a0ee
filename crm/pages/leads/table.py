"""``/leads``: the leads table with the API's filters, saved views, sorting, paging and an
export of exactly the rows the filters select."""

from datetime import date
from typing import Annotated, Literal
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Request, Response
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, Field, ValidationError
from sqlalchemy import ColumnElement, and_, select
from sqlalchemy.orm import Session

from crm.api.deps import DbSession, RequestTime
from crm.auth import policy
from crm.auth.models import Role, User
from crm.chains.models import Chain, Segment
from crm.clock import local_date
from crm.leads import export as lead_export
from crm.leads import lights, pauses
from crm.leads import lists as lead_lists
from crm.leads import service as lead_service
from crm.leads.models import Lead, Priority, Source, Stage
from crm.leads.schemas import LeadFilters
from crm.listing import Page
from crm.pages.deps import PageUser
from crm.pages.templating import render
from crm.taskforces.models import TaskForce

router = APIRouter()

PAGE_SIZE = 50
NOT_VISITED_DAYS = 90
View = Literal["mine", "task_forces", "overdue", "not_visited", "pause_proposals"]
VIEWS: tuple[View, ...] = ("mine", "task_forces", "overdue", "not_visited", "pause_proposals")
SORT_COLUMNS = (
    "id",
    "priority",
    "expected_investment",
    "next_follow_up",
    "stage_changed_at",
    "last_contact_on",
    "last_visit_on",
)


class LeadQuery(BaseModel):
    """What the table's address says: a saved view, the API's filters, sort and page."""

    view: View | None = None
    q: str | None = Field(None, max_length=200)
    stage: Stage | None = None
    chain: str | None = Field(None, max_length=64)
    segment: str | None = Field(None, max_length=130)
    task_force_id: int | None = Field(None, ge=1, le=2**31 - 1)
    owner: str | None = Field(None, max_length=64)
    priority: Priority | None = None
    source: Source | None = None
    overdue: bool | None = None
    not_visited: int | None = Field(None, ge=1, le=3650)
    not_moved: int | None = Field(None, ge=1, le=3650)
    light: Literal["green", "amber", "red"] | None = None
    sort: str = Field("-id", pattern=r"^-?(" + "|".join(SORT_COLUMNS) + ")$")
    offset: int = Field(0, ge=0, le=10_000_000)

    def link(self, **changes: object) -> str:
        """The query string of these settings with ``changes``, never the offset."""
        values = {**self.model_dump(exclude={"offset"}, exclude_none=True), **changes}
        if values.get("sort") == "-id":
            values.pop("sort")
        return urlencode(
            {
                k: str(v).lower() if isinstance(v, bool) else v
                for k, v in values.items()
                if v is not None
            }
        )

    def sort_link(self, column: str) -> str:
        """Sort by ``column``; the same column again flips the order."""
        return self.link(sort=column if self.sort == f"-{column}" else f"-{column}")

    def sort_state(self, column: str) -> str | None:
        if self.sort.lstrip("-") != column:
            return None
        return "descending" if self.sort.startswith("-") else "ascending"


def lead_query(request: Request) -> LeadQuery:
    given = {key: value for key, value in request.query_params.items() if value != ""}
    try:
        return LeadQuery.model_validate(given)
    except ValidationError as error:
        raise RequestValidationError(error.errors(include_url=False)) from None


Query = Annotated[LeadQuery, Depends(lead_query)]


def selection(
    session: Session, user: User, query: LeadQuery, today: date
) -> tuple[LeadFilters, ColumnElement[bool] | None]:
    """The API's filters plus what a view or "not visited" adds, as the list and the
    export both apply them."""
    fields = query.model_dump(include=set(LeadFilters.model_fields), exclude_none=True)
    if query.view == "mine":
        fields["owner"] = user.username
    if query.view == "overdue":
        fields["overdue"] = True
    conditions: list[ColumnElement[bool]] = []
    days = query.not_visited or (NOT_VISITED_DAYS if query.view == "not_visited" else None)
    fields["not_visited_days"] = days
    fields["not_moved_days"] = query.not_moved
    if query.view == "pause_proposals":
        fields["pause_proposed"] = True
        conditions.append(pauses.decided_by(user))
    if query.view == "task_forces":
        conditions.append(Lead.task_force_id.in_(policy.task_force_ids(session, user)))
    return LeadFilters(**fields), and_(*conditions) if conditions else None


@router.get("/leads")
def lead_list(request: Request, session: DbSession, user: PageUser, now: RequestTime, query: Query):
    today = local_date(now)
    filters, condition = selection(session, user, query, today)
    leads, total = lead_lists.list_leads(
        session,
        page=Page(limit=PAGE_SIZE, offset=query.offset),
        filters=filters,
        sort=query.sort,
        today=today,
        only=condition,
    )
    context = {
        "query": query,
        "leads": leads,
        "lights": {
            lead.id: lights.light_of(lead.stage, lead.priority, lead.last_contact_on, today)
            for lead in leads
        },
        "overdue_ids": {
            lead.id for lead in leads if lead_service.public(lead, today=today).follow_up_overdue
        },
        "total": total,
        "limit": PAGE_SIZE,
        "views": VIEWS,
        **filter_choices(session),
    }
    return render(request, "leads/list.html", context, block="results")


@router.get("/leads/export", response_class=Response)
def export_leads(
    session: DbSession,
    user: PageUser,
    now: RequestTime,
    query: Query,
    file_format: Literal["xlsx", "csv"] = "xlsx",
) -> Response:
    """The rows the table's filters select, in the API export's file (reads back on import)."""
    today = local_date(now)
    filters, condition = selection(session, user, query, today)
    selected = lead_lists.filtered_query(filters, today=today)
    if condition is not None:
        selected = selected.where(condition)
    filename = f"leads-{today.isoformat()}.{file_format}"
    return lead_export.download(session.get_bind(), selected, file_format, filename)


def segments_by_chain(session: Session) -> dict[str, list[tuple[str, str]]]:
    """Chain name → [("chain:segment", segment name)], for a grouped select."""
    segments = session.execute(
        select(Chain.code, Chain.name, Segment.code, Segment.name)
        .join(Segment.chain)
        .order_by(Chain.code, Segment.id)
    ).all()
    by_chain: dict[str, list[tuple[str, str]]] = {}
    for chain_code, chain_name, code, name in segments:
        by_chain.setdefault(chain_name, []).append((f"{chain_code}:{code}", name))
    return by_chain


def filter_choices(session: Session) -> dict:
    """The options of the filter form, named as people read them (never codes or ids)."""
    owners = session.execute(
        select(User.username, User.full_name)
        .where(User.role.in_([Role.admin, Role.staff, Role.leader]))
        .order_by(User.username)
    ).all()
    return {
        "chains": session.execute(select(Chain.code, Chain.name).order_by(Chain.code)).all(),
        "segments_by_chain": segments_by_chain(session),
        "task_forces": session.execute(
            select(TaskForce.id, TaskForce.name).order_by(TaskForce.name)
        ).all(),
        "owners": [(username, full_name or username) for username, full_name in owners],
        "stages": list(Stage),
        "priorities": list(Priority),
        "sources": list(Source),
    }
