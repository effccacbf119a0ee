"""The one audit mechanism: every ORM insert, update and delete writes an audit entry.

Services never write audit rows by hand. The acting user is taken from
``session.info["actor"]``, which the API's authentication dependency and the CLI set.
"""

from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any

from sqlalchemy import JSON, Integer, String, event, insert, inspect
from sqlalchemy.orm import Mapped, Session, mapped_column
from sqlalchemy.orm.properties import ColumnProperty
from sqlalchemy.orm.relationships import RelationshipProperty

from crm.db import Base, UTCDateTime, utcnow

REDACTED = "***"
SECRET_COLUMNS = {"password_hash"}
NOISE_COLUMNS = {"updated_at", "created_at"}


class AuditEntry(Base):
    __tablename__ = "audit_entry"
    __audit__ = False

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    actor: Mapped[str | None] = mapped_column(String(64), index=True)
    action: Mapped[str] = mapped_column(String(8))  # insert | update | delete
    entity: Mapped[str] = mapped_column(String(64), index=True)
    record_id: Mapped[str] = mapped_column(String(64), index=True)
    changes: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


def set_actor(session: Session, username: str | None) -> None:
    session.info["actor"] = username


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, list | tuple | set):
        return [_plain(v) for v in value]
    if isinstance(value, Base):
        return _label(value)
    return value


def _primary_key(obj: Any) -> list[Any]:
    # Read from the columns: a row inserted by this flush has no identity key yet.
    return inspect(obj).mapper.primary_key_from_instance(obj)


def _label(obj: Any) -> Any:
    label = getattr(obj, "audit_label", None)
    if label is not None:
        return label
    key = _primary_key(obj)
    return key[0] if len(key) == 1 else key


def _record_id(obj: Any) -> str:
    return ",".join(str(part) for part in _primary_key(obj))


def _audited(obj: Any) -> bool:
    return getattr(type(obj), "__audit__", True)


def _column_value(key: str, value: Any) -> Any:
    return REDACTED if key in SECRET_COLUMNS and value is not None else _plain(value)


def _snapshot(obj: Any, *, removing: bool) -> dict[str, list[Any]]:
    """The loaded column values of a row being inserted or deleted; unset ones are left out.

    Read straight from the instance's dict: nothing is loaded, and it is the hot path of a
    bulk import (one call per row).
    """
    state = inspect(obj)
    loaded = state.dict
    changes = {}
    for prop in state.mapper.column_attrs:
        key = prop.key
        if key in NOISE_COLUMNS:
            continue
        value = loaded.get(key)
        if value is None:
            continue
        value = _column_value(key, value)
        changes[key] = [value, None] if removing else [None, value]
    return changes


def _differences(obj: Any) -> dict[str, Any]:
    state = inspect(obj)
    changes: dict[str, Any] = {}
    for prop in state.mapper.attrs:
        if prop.key in NOISE_COLUMNS:
            continue
        history = state.attrs[prop.key].history
        if not history.has_changes():
            continue
        if isinstance(prop, ColumnProperty):
            old = history.deleted[0] if history.deleted else None
            new = history.added[0] if history.added else None
            if old != new:
                changes[prop.key] = [_column_value(prop.key, old), _column_value(prop.key, new)]
        elif isinstance(prop, RelationshipProperty) and prop.uselist:
            changes[prop.key] = {
                "added": [_label(o) for o in history.added],
                "removed": [_label(o) for o in history.deleted],
            }
    return changes


@event.listens_for(Session, "after_flush")
def _write_audit_entries(session: Session, _flush_context) -> None:
    actor = session.info.get("actor")
    rows = []

    def add(action: str, obj: Any, changes: dict[str, Any]) -> None:
        rows.append(
            {
                "at": utcnow(),
                "actor": actor,
                "action": action,
                "entity": obj.__tablename__,
                "record_id": _record_id(obj),
                "changes": changes,
            }
        )

    for obj in session.new:
        if _audited(obj):
            add("insert", obj, _snapshot(obj, removing=False))
    for obj in session.dirty:
        if _audited(obj) and session.is_modified(obj):
            changes = _differences(obj)
            if changes:
                add("update", obj, changes)
    for obj in session.deleted:
        if _audited(obj):
            add("delete", obj, _snapshot(obj, removing=True))
    if rows:
        session.connection().execute(AuditEntry.__table__.insert(), rows)


IMPORT_ACTION = "import"


def record_import(session: Session, entity: str, filename: str, changes: dict[str, Any]) -> None:
    """One entry for a bulk import (which writes with Core, so no row-by-row entries): the
    file and ``changes`` (its counts and the ids it created and changed)."""
    entry = {
        "at": utcnow(),
        "actor": session.info.get("actor"),
        "action": IMPORT_ACTION,
        "entity": entity,
        "record_id": filename[-64:] or "-",
        "changes": {"file": filename, **changes},
    }
    session.execute(insert(AuditEntry.__table__), [entry])
