"""Writing one batch of a company import with Core statements: the companies the rows name
are read as plain rows, merged in Python, then written with one multi-row INSERT (ids
returned), one executemany UPDATE and the segment and tag rows in bulk. No ORM object is
made, so memory stays that of one batch whatever the file's size. On PostgreSQL the new
companies and every segment and tag row go in with ``COPY … FROM STDIN`` (ids drawn from the
table's sequence first), in the import's transaction like any statement.

The rules are those of the register: a row matches a company by credit code, else by
normalised name (unless both carry different codes); a merge only adds (blank cells keep
stored values, segments and tags are united).
"""

from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, Protocol, TypeVar

from sqlalchemy import bindparam, select, update
from sqlalchemy.orm import Session

from crm import places
from crm.companies.models import Company, CompanyTag, Tag, company_segment
from crm.companies.schemas import CompanyCreate, normalise_name
from crm.companies.search import name_pinyin
from crm.db import btree_lookups, insert_returning_ids, insert_rows, utcnow
from crm.importing import chunks

FIELDS = ("credit_code", "province", "city", "revenue", "employees", "listing")
STORED = (
    "id",
    "name_key",
    "credit_code",
    "province",
    "city",
    "revenue",
    "employees",
    "listing",
    "is_local",
    "park_id",
)
WRITTEN = (*FIELDS, "city_code", "is_local", "park_id")


# A register names few places, each many times: look each spelling up once per process.
city_place = lru_cache(maxsize=4096)(places.city)
city_name = lru_cache(maxsize=4096)(places.city_name)
province_name = lru_cache(maxsize=1024)(places.province_name)


@dataclass
class CompanyRow:
    """A good row: its number in the file, its values, the ids of what it names."""

    row: int
    data: CompanyCreate
    segment_ids: list[int] = field(default_factory=list)
    park_id: int | None = None


@dataclass
class Target:
    """A company a batch writes: one stored (``id`` set) or a new one."""

    values: dict[str, Any]
    id: int | None = None
    segment_ids: set[int] = field(default_factory=set)
    tags: set[str] = field(default_factory=set)
    added_segments: list[int] = field(default_factory=list)
    added_tags: list[str] = field(default_factory=list)
    changed: bool = False

    @property
    def credit_code(self) -> str | None:
        return self.values.get("credit_code")


class Identified(Protocol):
    @property
    def credit_code(self) -> str | None: ...


T = TypeVar("T", bound=Identified)


def match_company(
    name: str, credit_code: str | None, by_code: dict[str, T], by_name: dict[str, T]
) -> T | None:
    """The stored company a row names: same credit code; else same normalised name, unless
    both carry different codes."""
    if credit_code and credit_code in by_code:
        return by_code[credit_code]
    candidate = by_name.get(normalise_name(name))
    if candidate is not None and (not credit_code or not candidate.credit_code):
        return candidate
    return None


@dataclass
class BatchWritten:
    created: list[int]
    changed: list[int]


def write_batch(session: Session, rows: list[CompanyRow]) -> BatchWritten:
    """Create or merge the companies of ``rows`` (already merged among themselves)."""
    by_code, by_name = stored_targets(session, rows)
    new: list[Target] = []
    for row in rows:
        target = match_company(row.data.name, row.data.credit_code, by_code, by_name)
        if target is None:
            target = new_target(row.data.name)
            new.append(target)
            _fill(target, row, new=True)
        else:
            _fill(target, row, new=False)
        if target.credit_code:
            by_code[target.credit_code] = target
        by_name.setdefault(target.values["name_key"], target)
    stored = {id(t): t for t in [*by_code.values(), *by_name.values()] if t.id is not None}
    changed = [t for t in stored.values() if t.changed]
    insert_companies(session, new)
    _update(session, changed)
    _link(session, [*new, *changed])
    return BatchWritten(created=[t.id for t in new], changed=[t.id for t in changed])


def new_target(name: str) -> Target:
    values = {"name": name, "name_key": normalise_name(name), "is_local": False}
    values.update({key: None for key in (*FIELDS, "city_code", "park_id")})
    return Target(values=values)


def _fill(target: Target, row: CompanyRow, *, new: bool) -> None:
    """Copy what the row says onto the target, noting whether anything changed."""
    data, values = row.data, target.values
    stored_as = {"province": province_name, "city": city_name}
    for name in FIELDS:
        value = getattr(data, name)
        if name in stored_as:  # 深圳 is the 深圳市 already stored: no change
            value = stored_as[name](value)
        if value is not None and values[name] != value:
            values[name] = value
            target.changed = True
    if (new or "is_local" in data.model_fields_set) and values["is_local"] != data.is_local:
        values["is_local"] = data.is_local
        target.changed = True
    if row.park_id is not None and values["park_id"] != row.park_id:
        values["park_id"] = row.park_id
        target.changed = True
    for segment_id in row.segment_ids:
        if segment_id not in target.segment_ids:
            target.segment_ids.add(segment_id)
            target.added_segments.append(segment_id)
            target.changed = True
    for tag in data.tags:
        if tag not in target.tags:
            target.tags.add(tag)
            target.added_tags.append(tag)
            target.changed = True


def stored_targets(session: Session, rows: list[CompanyRow]) -> tuple[dict, dict]:
    """The stored companies the rows may name, with their segments and tags, as targets."""
    codes = sorted({r.data.credit_code for r in rows if r.data.credit_code})
    names = sorted({normalise_name(r.data.name) for r in rows})
    columns = [getattr(Company, name) for name in STORED]
    found: dict[int, Target] = {}
    by_code: dict[str, Target] = {}
    by_name: dict[str, Target] = {}
    with btree_lookups(session):
        for column, wanted in ((Company.credit_code, codes), (Company.name_key, names)):
            for chunk in chunks(wanted):
                query = select(*columns).where(column.in_(chunk)).order_by(Company.id)
                for stored in session.execute(query).mappings():
                    target = found.setdefault(
                        stored["id"], Target(values=dict(stored), id=stored["id"])
                    )
                    if target.credit_code:
                        by_code[target.credit_code] = target
                    by_name.setdefault(target.values["name_key"], target)
    _load_links(session, found)
    return by_code, by_name


def _load_links(session: Session, targets: dict[int, Target]) -> None:
    for chunk in chunks(sorted(targets)):
        segment_rows = select(company_segment.c.company_id, company_segment.c.segment_id).where(
            company_segment.c.company_id.in_(chunk)
        )
        for company_id, segment_id in session.execute(segment_rows):
            targets[company_id].segment_ids.add(segment_id)
        tag_rows = select(CompanyTag.company_id, CompanyTag.tag).where(
            CompanyTag.company_id.in_(chunk)
        )
        for company_id, tag in session.execute(tag_rows):
            targets[company_id].tags.add(tag.value)


def insert_companies(session: Session, targets: list[Target]) -> None:
    """Insert new companies (``Target`` without id) and set their ids."""
    if not targets:
        return
    now = utcnow()
    rows = []
    for target in targets:
        values = target.values
        place = city_place(values["city"])
        values["city_code"] = place.code if place else None
        rows.append(
            {
                **values,
                "name_pinyin": name_pinyin(values["name"]),
                "version": 1,
                "created_at": now,
                "updated_at": now,
            }
        )
    ids = insert_returning_ids(session, Company.__table__, rows)
    for target, new_id in zip(targets, ids, strict=True):
        target.id = new_id


def _update(session: Session, targets: list[Target]) -> None:
    if not targets:
        return
    table = Company.__table__
    now = utcnow()
    params = []
    for target in targets:
        place = city_place(target.values["city"])
        target.values["city_code"] = place.code if place else None
        params.append({"target_id": target.id, **{f"new_{n}": target.values[n] for n in WRITTEN}})
    statement = (
        update(table)
        .where(table.c.id == bindparam("target_id"))
        .values(
            version=table.c.version + 1,
            updated_at=now,
            **{name: bindparam(f"new_{name}") for name in WRITTEN},
        )
    )
    session.connection().execute(statement, params)


def _link(session: Session, targets: list[Target]) -> None:
    segments = [{"company_id": t.id, "segment_id": s} for t in targets for s in t.added_segments]
    tags = [{"company_id": t.id, "tag": Tag(tag)} for t in targets for tag in t.added_tags]
    insert_rows(session, company_segment, segments)
    insert_rows(session, CompanyTag.__table__, tags)
