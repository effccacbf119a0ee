"""The lead list: its filters, its sorts and a page of ORM records (the API's list reads plain
rows instead: ``crm.leads.list_rows``, with the same filters and sorts)."""

from datetime import date

from sqlalchemy import ColumnElement, Select, select
from sqlalchemy.orm import Session

from crm import places
from crm.auth.models import User
from crm.chains import service as chain_service
from crm.chains.models import Chain, Segment
from crm.companies import search as company_search
from crm.companies.models import Company
from crm.errors import Invalid
from crm.leads import lights
from crm.leads.models import PIPELINE, RANK, Lead, Stage
from crm.leads.schemas import LeadFilters
from crm.leads.service import LOAD_OPTIONS
from crm.listing import Page, Total, fetch_page_by_ids

# Each has an index on (column, id), so a page is read in order, not sorted.
SORTABLE = {
    "id": Lead.id,
    "created_at": Lead.created_at,
    "updated_at": Lead.updated_at,
    "priority": Lead.priority,
    "stage_changed_at": Lead.stage_changed_at,
    "expected_investment": Lead.expected_investment,
    "next_follow_up": Lead.next_follow_up,
    "last_contact_on": Lead.last_contact_on,
    "last_visit_on": Lead.last_visit_on,
}
NULLABLE = frozenset(
    {"expected_investment", "next_follow_up", "last_visit_on"}
)  # their nulls sort last


def list_leads(
    session: Session,
    *,
    page: Page,
    filters: LeadFilters,
    sort: str = "-id",
    today: date | None = None,
    only: ColumnElement[bool] | None = None,
) -> tuple[list[Lead], Total]:
    """``only``: a further condition, such as the policy's leads a user may write."""
    query = filtered_query(filters, today=today)
    if only is not None:
        query = query.where(only)
    query = query.order_by(*ordering(sort))
    return fetch_page_by_ids(session, query, page, entity=Lead, options=LOAD_OPTIONS)


def filtered_query(filters: LeadFilters, *, today: date | None = None) -> Select:
    f = filters
    query = select(Lead)
    if f.q:
        query = query.where(Lead.company_id.in_(company_search.matching_ids(f.q)))
    if f.stage:
        query = query.where(Lead.stage == f.stage)
    if f.chain:
        query = query.where(Lead.segment.has(Segment.chain.has(Chain.code == f.chain)))
    if f.segment:
        chain_code, segment_code = chain_service.split_ref(f.segment)
        condition = Segment.code == segment_code
        if chain_code:
            condition &= Segment.chain.has(Chain.code == chain_code)
        query = query.where(Lead.segment.has(condition))
    if f.task_force_id is not None:
        query = query.where(Lead.task_force_id == f.task_force_id)
    if f.owner:
        query = query.where(Lead.owner.has(User.username == f.owner))
    if f.priority:
        query = query.where(Lead.priority == f.priority)
    if f.source:
        query = query.where(Lead.source == f.source)
    if f.company_id is not None:
        query = query.where(Lead.company_id == f.company_id)
    if f.city:
        query = query.where(Lead.company.has(Company.city.in_(places.city_spellings(f.city))))
    if f.province:
        spellings = places.province_spellings(f.province)
        query = query.where(Lead.company.has(Company.province.in_(spellings)))
    if f.overdue is not None:
        open_stages = [s for s in PIPELINE if RANK[s] < RANK[Stage.signed]]
        late = (Lead.next_follow_up < (today or date.today())) & Lead.stage.in_(open_stages)
        query = query.where(late if f.overdue else ~late | Lead.next_follow_up.is_(None))
    return query.where(*lights.clock_conditions(f, today or date.today()))


def ordering(sort: str) -> list:
    """``field`` or ``-field``, then the id the same way (so one index serves both ways);
    NULLS LAST only where nulls can occur, so the primary key's index serves ``-id``."""
    descending = sort.startswith("-")
    name = sort.lstrip("-")
    column = SORTABLE.get(name)
    if column is None:
        raise Invalid(("query", "sort"), f"cannot sort by '{sort}'; use {', '.join(SORTABLE)}")
    order = column.desc() if descending else column.asc()
    if name in NULLABLE:
        order = order.nulls_last()
    if name == "id":
        return [order]
    return [order, Lead.id.desc() if descending else Lead.id.asc()]
