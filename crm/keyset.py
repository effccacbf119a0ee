"""Keyset paging: an opaque ``cursor`` that says where the last page ended.

A cursor holds the sort it was made for and the last row's sort value and id (JSON, then
base64url); the next page is the rows after that key in the same order, which an index on
(column, id) answers directly however deep the page. ``offset`` paging stays for jumping to
page N; a cursor is for walking on. A cursor that cannot be read, was made for another sort,
or carries a value of the wrong type is refused with 400.
"""

import base64
import binascii
import json
from dataclasses import dataclass
from datetime import date, datetime
from enum import Enum
from typing import Any

from sqlalchemy import ColumnElement, TypeDecorator, and_, literal, or_, tuple_

from crm.errors import DomainError


class BadCursor(DomainError):
    status_code = 400


@dataclass(frozen=True)
class SortKey:
    """One list order: ``column`` (then ``id_column`` the same way), nulls last if nullable."""

    sort: str
    column: Any
    id_column: Any
    descending: bool
    nullable: bool

    def after(self, cursor: str) -> ColumnElement[bool]:
        """The rows that come after the cursor's row in this order."""
        value, last_id = self._decode(cursor)
        column, ids = self.column, self.id_column
        id_beyond = ids < last_id if self.descending else ids > last_id
        if column is ids:
            return id_beyond
        if value is None:  # the cursor is in the trailing nulls
            return and_(column.is_(None), id_beyond)
        pair = tuple_(column, ids)
        key = tuple_(literal(value, column.type), literal(last_id, ids.type))
        beyond = pair < key if self.descending else pair > key
        return or_(beyond, column.is_(None)) if self.nullable else beyond

    def cursor(self, value: Any, last_id: int) -> str:
        payload = {"sort": self.sort, "key": [_plain(value), last_id]}
        raw = json.dumps(payload, separators=(",", ":")).encode()
        return base64.urlsafe_b64encode(raw).decode().rstrip("=")

    def _decode(self, cursor: str) -> tuple[Any, int]:
        try:
            raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
            payload = json.loads(raw)
            sort, (value, last_id) = payload["sort"], payload["key"]
        except (binascii.Error, ValueError, TypeError, KeyError, UnicodeDecodeError) as error:
            raise BadCursor("invalid cursor: use the next_cursor of a previous page") from error
        if sort != self.sort:
            raise BadCursor(f"this cursor was made for sort '{sort}', not '{self.sort}'")
        if not _bigint(last_id):
            raise BadCursor("invalid cursor: use the next_cursor of a previous page")
        if value is None:
            if not self.nullable and self.column is not self.id_column:
                raise BadCursor("invalid cursor: use the next_cursor of a previous page")
            return None, last_id
        return _typed(value, _python_type(self.column.type)), last_id


def _bigint(value: Any) -> bool:
    """An int the database can compare (a 64-bit integer): anything else would be a 500."""
    return type(value) is int and -(2**63) <= value < 2**63


def _python_type(column_type) -> type:
    if isinstance(column_type, TypeDecorator):  # e.g. UTCDateTime: the type it stores as
        column_type = column_type.impl_instance
    return column_type.python_type


def _plain(value: Any) -> Any:
    if isinstance(value, date):  # datetime included
        return value.isoformat()
    if isinstance(value, Enum):
        return value.value
    return value


def _typed(value: Any, python_type: type) -> Any:
    """The cursor's value as the column's type, or 400: a crafted value never reaches SQL."""
    try:
        if issubclass(python_type, datetime):
            parsed = datetime.fromisoformat(value)
            if parsed.tzinfo is None:
                raise ValueError("no time zone")
            return parsed
        if issubclass(python_type, date):
            return date.fromisoformat(value)
        if issubclass(python_type, Enum):
            return python_type(value)
        if python_type is float and type(value) in (int, float):
            return float(value)
        if python_type is int and _bigint(value):
            return value
        if python_type is str and isinstance(value, str):
            return value
    except (TypeError, ValueError):
        pass
    raise BadCursor("invalid cursor: use the next_cursor of a previous page")
