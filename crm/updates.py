"""Rules every PATCH shares: the caller's version must be current, required fields stay set."""

from typing import Any

from crm.errors import Conflict, Invalid


def check_version(record: Any, version: int | None, label: str) -> None:
    """Refuse a change made from a stale read (optimistic locking, SPEC §5)."""
    if version is not None and version != record.version:
        raise Conflict(f"{label} was changed by someone else; reload it")


def refuse_nulls(changes: dict[str, Any], *fields: str) -> None:
    """A PATCH may leave a required field out, but may not set it to null."""
    for field in fields:
        if field in changes and changes[field] is None:
            raise Invalid(field, f"{field} may not be null")
