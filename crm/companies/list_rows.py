"""The company list as the API answers it, read as plain rows (the pages keep using
``service.list_companies`` and its ORM objects): one SELECT for the page's companies and the
capped count (crm.listing), one for their segments, tags and chains led together; no ORM
objects built. Walking on with a ``cursor`` (crm.keyset) reads the next page from the primary
key at any depth, as the lead list does."""

from collections import defaultdict

from sqlalchemy import Select, literal, select, union_all
from sqlalchemy.orm import Session

from crm import places
from crm.chains.models import Chain, Segment
from crm.companies import service
from crm.companies.models import (
    Company,
    CompanyTag,
    Park,
    Tag,
    chain_leader,
    company_segment,
)
from crm.keyset import BadCursor, SortKey
from crm.listing import (
    Page,
    Total,
    capped_count,
    count_total,
    page_ids_subquery,
    page_total,
    total_from,
)

# The company list has one order, by id; its cursor is the last id of a page.
KEY = SortKey(sort="id", column=Company.id, id_column=Company.id, descending=False, nullable=False)

_COLUMNS = (
    Company.id,
    Company.name,
    Company.credit_code,
    Company.province,
    Company.city,
    Company.city_code,
    Company.is_local,
    Park.name.label("park"),
    Company.revenue,
    Company.employees,
    Company.listing,
    Company.version,
)
# CompanyPublic's keys around its lists: id … city_code, place_unrecognised, is_local and park,
# the lists, then revenue … listing.
_HEAD = ("id", "name", "credit_code", "province", "city", "city_code")
_TAIL = ("revenue", "employees", "listing")


def public_page(
    session: Session, *, page: Page, cursor: str | None = None, **filters
) -> tuple[list[dict], Total, str | None]:
    """A page of ``service.filtered_query(**filters)`` shaped as ``CompanyPublic`` (its keys,
    in order), its total (of every matching company, whatever the cursor), and the cursor of
    the next page (None when the page was not full, so nothing can follow)."""
    query = service.filtered_query(**filters)
    paged = query
    if cursor is not None:
        if page.offset:
            raise BadCursor("a cursor says where the page starts: leave offset out")
        paged = query.where(KEY.after(cursor))
    rows = list(
        session.execute(
            select(*_COLUMNS, capped_count(query).label("capped_total"))
            .outerjoin(Park, Park.id == Company.park_id)
            .where(Company.id.in_(page_ids_subquery(paged, Company.id, page)))
            .order_by(Company.id)
        )
    )
    counted = rows[0].capped_total if rows else None
    if cursor is None:
        total = page_total(session, query, page, len(rows), counted)
    else:
        total = (
            count_total(session, query) if counted is None else total_from(session, query, counted)
        )
    next_cursor = KEY.cursor(rows[-1].id, rows[-1].id) if len(rows) == page.limit else None
    lists = _lists_of(session, [row.id for row in rows])
    items = [
        {
            **{key: getattr(row, key) for key in _HEAD},
            "place_unrecognised": places.unrecognised(province=row.province, city=row.city),
            "is_local": row.is_local,
            "park": row.park,
            "segments": lists["segment"][row.id],
            "tags": lists["tag"][row.id],
            **{key: getattr(row, key) for key in _TAIL},
            "leader_of": lists["leader"][row.id],
            "version": row.version,
        }
        for row in rows
    ]
    return items, total, next_cursor


def _lists_of(session: Session, ids: list[int]) -> dict[str, defaultdict]:
    """``{"segment" | "tag" | "leader": {company id: [values in order]}}``, one statement."""
    lists: dict[str, defaultdict] = {key: defaultdict(list) for key in ("segment", "tag", "leader")}
    if not ids:
        return lists
    for kind, company_id, value, _ in session.execute(_lists_select(ids)):
        lists[kind][company_id].append(Tag(value) if kind == "tag" else value)
    return lists


def _lists_select(ids: list[int]) -> Select:
    segments = (
        select(
            literal("segment").label("kind"),
            company_segment.c.company_id,
            (Chain.code + ":" + Segment.code).label("value"),
            Segment.id.label("position"),
        )
        .join(Segment, Segment.id == company_segment.c.segment_id)
        .join(Chain, Chain.id == Segment.chain_id)
        .where(company_segment.c.company_id.in_(ids))
    )
    tags = select(literal("tag"), CompanyTag.company_id, CompanyTag.tag, literal(0)).where(
        CompanyTag.company_id.in_(ids)
    )
    leaders = (
        select(literal("leader"), chain_leader.c.company_id, Chain.code, literal(0))
        .join(Chain, Chain.id == chain_leader.c.chain_id)
        .where(chain_leader.c.company_id.in_(ids))
    )
    union = union_all(segments, tags, leaders).subquery()
    return select(union).order_by(union.c.kind, union.c.position, union.c.value)
