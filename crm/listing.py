"""Shared list helpers: every list endpoint takes limit/offset and returns the total."""

from typing import Annotated, Any, Generic, TypeVar

from fastapi import Query
from pydantic import BaseModel
from sqlalchemy import ColumnElement, Select, func, select
from sqlalchemy.orm import Session

T = TypeVar("T")

MAX_LIMIT = 1000


class Page(BaseModel):
    limit: int = 50
    offset: int = 0


def page_params(
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 50,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> Page:
    return Page(limit=limit, offset=offset)


class ListResult(BaseModel, Generic[T]):
    items: list[T]
    total: int


def fetch_page(session: Session, query: Select[Any], page: Page) -> tuple[list[Any], int]:
    """One page of ``query``'s entities and the count of all rows it matches."""
    total = session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
    items = list(session.scalars(query.limit(page.limit).offset(page.offset)))
    return items, total or 0


def contains(column: ColumnElement[Any], text: str) -> ColumnElement[bool]:
    """Case-insensitive "column contains text", with LIKE's wildcards taken literally."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return column.ilike(f"%{escaped}%", escape="\\")
