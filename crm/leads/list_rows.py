"""The lead list as the API answers it, read as plain rows: the same filters, order, paging
and total as ``lists.list_leads`` (which pages keep using: they need the ORM objects), but
the page comes in one SELECT: the page's ids (a subquery an index answers at any offset), the
columns a ``LeadPublic`` shows, joined, and the capped count (crm.listing), with no ORM
objects built. At 50 rows the ORM was most of a request's CPU, and each round trip counts on a
busy server."""

from datetime import date

from sqlalchemy import ColumnElement, Select, select
from sqlalchemy.orm import Session

from crm.auth.models import User
from crm.chains.models import Chain, Segment
from crm.companies.models import Company, Park
from crm.keyset import BadCursor, SortKey
from crm.leads import lights, lists, service
from crm.leads.models import PIPELINE, Lead
from crm.leads.schemas import LeadFilters
from crm.listing import (
    Page,
    Total,
    capped_count,
    count_total,
    page_ids_subquery,
    page_total,
    total_from,
)
from crm.projects.models import Project
from crm.taskforces.models import TaskForce

_LEAD_COLUMNS = (
    Lead.id,
    Lead.stage,
    Lead.left_stage,
    Lead.halt_reason,
    Lead.highest_rank,
    Lead.stage_changed_at,
    Lead.priority,
    Lead.source,
    Lead.expected_investment,
    Lead.expected_jobs,
    Lead.next_follow_up,
    Lead.notes,
    Lead.version,
    Lead.created_at,
    Lead.updated_at,
    Lead.last_contact_on,
    Lead.last_visit_on,
)


def sort_key(sort: str) -> SortKey:
    """The keyset of a lead list order (``lists.ordering`` checks the name first)."""
    name = sort.lstrip("-")
    return SortKey(
        sort=sort,
        column=lists.SORTABLE[name],
        id_column=Lead.id,
        descending=sort.startswith("-"),
        nullable=name in lists.NULLABLE,
    )


def public_page(
    session: Session,
    *,
    page: Page,
    filters: LeadFilters,
    sort: str = "-id",
    today: date,
    only: ColumnElement[bool] | None = None,
    cursor: str | None = None,
) -> tuple[list[dict], Total, str | None]:
    """A page of the lead list shaped as ``LeadPublic`` (``project_id`` filled), its total
    (of every matching lead, whatever the cursor), and the cursor of the next page (None when
    the page was not full, so nothing can follow)."""
    query = lists.filtered_query(filters, today=today)
    if only is not None:
        query = query.where(only)
    order = lists.ordering(sort)
    key = sort_key(sort)
    paged = query
    if cursor is not None:
        if page.offset:
            raise BadCursor("a cursor says where the page starts: leave offset out")
        paged = query.where(key.after(cursor))
    rows = list(session.execute(_page_select(query, paged.order_by(*order), page, order)))
    counted = rows[0].capped_total if rows else None
    if cursor is None:
        total = page_total(session, query, page, len(rows), counted)
    else:
        total = (
            count_total(session, query) if counted is None else total_from(session, query, counted)
        )
    next_cursor = None
    if len(rows) == page.limit:
        last = rows[-1]
        next_cursor = key.cursor(getattr(last, key.column.key), last.id)
    return [_public(row, today) for row in rows], total, next_cursor


def _page_select(counted: Select, query: Select, page: Page, order: list) -> Select:
    """The page's leads with what they show, and the capped count of ``counted``: one
    statement. The page's ids are a derived table the rest joins onto (not ``IN``: as a
    semi-join PostgreSQL may hash-join every lead before keeping the page's 50)."""
    ids = page_ids_subquery(query, Lead.id, page).subquery("page")
    return (
        select(
            *_LEAD_COLUMNS,
            Company.id.label("company_id"),
            Company.name.label("company_name"),
            Company.city,
            Company.province,
            Segment.code.label("segment_code"),
            Chain.code.label("chain_code"),
            TaskForce.id.label("task_force_id"),
            TaskForce.name.label("task_force_name"),
            User.username,
            Park.name.label("park_name"),
            Project.id.label("project_id"),
            capped_count(counted).label("capped_total"),
        )
        .select_from(ids)
        .join(Lead, Lead.id == ids.c.id)
        .join(Company, Company.id == Lead.company_id)
        .join(Segment, Segment.id == Lead.segment_id)
        .join(Chain, Chain.id == Segment.chain_id)
        .outerjoin(TaskForce, TaskForce.id == Lead.task_force_id)
        .outerjoin(User, User.id == Lead.owner_id)
        .outerjoin(Park, Park.id == Lead.park_id)
        .outerjoin(Project, Project.lead_id == Lead.id)
        .order_by(*order)
    )


def _public(row, today: date) -> dict:
    """The row as ``LeadPublic`` serialises it (the same keys, in order): the values come
    typed from the database, and building a model per row would cost more than reading them."""
    return {
        "id": row.id,
        "company": {
            "id": row.company_id,
            "name": row.company_name,
            "city": row.city,
            "province": row.province,
        },
        "segment": f"{row.chain_code}:{row.segment_code}",
        "chain": row.chain_code,
        "task_force": {"id": row.task_force_id, "name": row.task_force_name}
        if row.task_force_id is not None
        else None,
        "owner": row.username,
        "stage": row.stage,
        "left_stage": row.left_stage,
        "halt_reason": row.halt_reason,
        "highest_stage": PIPELINE[row.highest_rank],
        "stage_changed_at": row.stage_changed_at,
        "priority": row.priority,
        "source": row.source,
        "expected_investment": row.expected_investment,
        "expected_jobs": row.expected_jobs,
        "next_follow_up": row.next_follow_up,
        "follow_up_overdue": bool(
            row.next_follow_up and row.next_follow_up < today and service.is_open(row)
        ),
        "notes": row.notes,
        "park": row.park_name,
        "project_id": row.project_id,
        "last_contact_on": row.last_contact_on,
        "last_visit_on": row.last_visit_on,
        "light": lights.light_of(row.stage, row.priority, row.last_contact_on, today),
        "version": row.version,
        "created_at": row.created_at,
        "updated_at": row.updated_at,
    }
