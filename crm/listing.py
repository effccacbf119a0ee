"""Shared list helpers: every list endpoint takes limit/offset and returns the total.

Big lists (leads, companies) page by ids: the page's ids come from a narrow query an index
answers however deep the offset (``page_ids_subquery``: in the same statement as the rows for
the API; ``fetch_page_by_ids``: a query of its own, then ORM objects, for the pages). Their
totals are exact up to ``EXACT_COUNT_LIMIT`` matching rows; past that, PostgreSQL's planner
estimate is given instead and the response says so (``total_exact: false``), so a count never
costs more than the page itself. SQLite (small deployments) always counts exactly. A short last
page needs no count at all: its total is its offset plus its rows.
"""

import json
from collections.abc import Sequence
from typing import Annotated, Any, Generic, TypeVar

from fastapi import Query, Response
from pydantic import BaseModel, Field
from pydantic_core import to_json
from sqlalchemy import ColumnElement, Select, func, literal, select
from sqlalchemy.orm import Session
from sqlalchemy.orm.interfaces import ORMOption

T = TypeVar("T")

MAX_LIMIT = 1000
# Count exactly up to this many matching rows; beyond, estimate (PostgreSQL).
EXACT_COUNT_LIMIT = 10_000


class Page(BaseModel):
    limit: int = 50
    offset: int = 0


async def page_params(  # async: nothing to wait for, so no hop to the thread pool
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 50,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> Page:
    return Page(limit=limit, offset=offset)


class ListResult(BaseModel, Generic[T]):
    items: list[T]
    total: int
    total_exact: bool = Field(
        True, description="false: more rows match than are counted exactly; total is an estimate"
    )


class CursorResult(ListResult[T], Generic[T]):
    next_cursor: str | None = Field(
        None,
        description="present when the page was full: pass it as `cursor` for the next page "
        "(same filters and sort, no offset)",
    )


class Total(int):
    """A list's total, and whether it was counted (``exact``) or estimated."""

    exact: bool

    def __new__(cls, value: int, *, exact: bool = True) -> "Total":
        total = super().__new__(cls, value)
        total.exact = exact
        return total


def fetch_page(session: Session, query: Select[Any], page: Page) -> tuple[list[Any], int]:
    """One page of ``query``'s entities and the count of all rows it matches."""
    total = session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
    items = list(session.scalars(query.limit(page.limit).offset(page.offset)))
    return items, total or 0


def fetch_page_by_ids(
    session: Session,
    query: Select[Any],
    page: Page,
    *,
    entity: Any,
    options: Sequence[ORMOption] = (),
) -> tuple[list[Any], Total]:
    """One page of ``query`` (a filtered, ordered ``select(entity)``): the page's ids first,
    then those rows with ``options``, in the query's order; and the total (see the module)."""
    id_column = entity.id
    ids = page_ids(session, query, id_column, page)
    if not ids:
        rows: list[Any] = []
    else:
        loaded = session.scalars(select(entity).where(id_column.in_(ids)).options(*options))
        by_id = {row.id: row for row in loaded.unique()}
        rows = [by_id[i] for i in ids if i in by_id]
    return rows, page_total(session, query, page, len(ids), None)


def page_ids(session: Session, query: Select[Any], id_column: Any, page: Page) -> list[int]:
    """The ids of one page of ``query``: a narrow query an index answers at any offset."""
    narrow = query.with_only_columns(id_column, maintain_column_froms=True)
    return list(session.scalars(narrow.limit(page.limit).offset(page.offset)))


def json_list(items: Sequence[BaseModel | dict], total: int, next_cursor: str | None = None):
    """``{items, total, total_exact}`` (and ``next_cursor`` when a next page may follow)
    serialised once by pydantic-core (models or dicts shaped as the route's response model),
    skipping FastAPI's second validation of a response it would only rebuild; the route
    keeps its ``response_model`` for the OpenAPI document."""
    body = {"items": items, "total": int(total), "total_exact": getattr(total, "exact", True)}
    if next_cursor is not None:
        body["next_cursor"] = next_cursor
    return Response(to_json(body), media_type="application/json")


def json_model(model: BaseModel) -> Response:
    """A response model serialised once by pydantic-core, as ``json_list`` does for lists:
    FastAPI would dump it, validate the dump against the route's ``response_model`` and
    serialise that, three passes over a large report."""
    return Response(model.model_dump_json(), media_type="application/json")


def page_ids_subquery(query: Select[Any], id_column: Any, page: Page) -> Select[Any]:
    """The ids of one page, as a subquery: ``WHERE id IN (...)`` reads a page in one statement."""
    narrow = query.with_only_columns(id_column, maintain_column_froms=True).correlate(None)
    return narrow.limit(page.limit).offset(page.offset)


def capped_count(query: Select[Any]) -> Any:
    """A scalar subquery counting ``query``'s rows up to one past ``EXACT_COUNT_LIMIT``; in a
    page's SELECT it runs once (it is not correlated), saving a round trip."""
    matching = query.order_by(None).with_only_columns(literal(1), maintain_column_froms=True)
    capped = matching.limit(EXACT_COUNT_LIMIT + 1).subquery()
    return select(func.count()).select_from(capped).correlate(None).scalar_subquery()


def page_total(
    session: Session, query: Select[Any], page: Page, on_page: int, counted: int | None
) -> Total:
    """The total of a page of ``on_page`` rows whose SELECT also gave ``capped_count``
    (``counted``; None when no row came back to carry it)."""
    if on_page < page.limit and (on_page or page.offset == 0):
        return Total(page.offset + on_page)  # the last page: the total is known
    if counted is None:
        return count_total(session, query)
    return total_from(session, query, counted)


def count_total(session: Session, query: Select[Any]) -> Total:
    """Exact up to ``EXACT_COUNT_LIMIT`` rows; past it, the planner's estimate on PostgreSQL."""
    return total_from(session, query, session.scalar(select(capped_count(query))) or 0)


def total_from(session: Session, query: Select[Any], counted: int) -> Total:
    """The total from a capped count of ``query``: exact, or past the cap, estimated."""
    if counted <= EXACT_COUNT_LIMIT:
        return Total(counted)
    matching = query.order_by(None).with_only_columns(literal(1), maintain_column_froms=True)
    if session.get_bind().dialect.name != "postgresql":
        exact = session.scalar(select(func.count()).select_from(matching.subquery()))
        return Total(exact or 0)
    return Total(max(_planner_rows(session, matching), counted), exact=False)


def _planner_rows(session: Session, query: Select[Any]) -> int:
    """How many rows PostgreSQL's planner expects ``query`` to return (EXPLAIN, not run)."""
    compiled = query.compile(
        dialect=session.get_bind().dialect, compile_kwargs={"render_postcompile": True}
    )
    plan = (
        session.connection()
        .exec_driver_sql(f"EXPLAIN (FORMAT JSON) {compiled}", compiled.params)
        .scalar()
    )
    if isinstance(plan, str):
        plan = json.loads(plan)
    return int(plan[0]["Plan"]["Plan Rows"])


def contains(column: ColumnElement[Any], text: str) -> ColumnElement[bool]:
    """Case-insensitive "column contains text", with LIKE's wildcards taken literally."""
    return column.ilike(f"%{escape_like(text)}%", escape="\\")


def escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
