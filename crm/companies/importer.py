"""Company import from CSV/XLSX (SPEC §5): validate every row, then write in one transaction.

Duplicates merge instead of doubling: a row matches a company by credit code, else by
normalised name. A file with any bad row is refused whole unless ``partial`` is asked for.
"""

from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from crm import places
from crm.chains.models import Segment
from crm.companies.import_columns import CHINESE_HEADERS, COLUMNS, PARSERS
from crm.companies.models import Company, CompanyTag, Park
from crm.companies.schemas import CompanyCreate, normalise_name
from crm.db import take_write_lock
from crm.importing import (
    ImportReport,
    Progress,
    RowError,
    SegmentNames,
    chunks,
    count_refused,
    open_table,
    validate_row,
)
from crm.tabular import Table

__all__ = ["CHINESE_HEADERS", "import_companies", "match_company"]

BATCH = 2000


@dataclass
class CompanyRow:
    row: int
    data: CompanyCreate
    segments: list[Segment] = field(default_factory=list)
    park: Park | None = None


def import_companies(
    session: Session,
    content: bytes,
    filename: str,
    *,
    partial: bool = False,
    ignore: Iterable[str] = (),
    sheet: str | None = None,
    progress: Progress | None = None,
) -> ImportReport:
    """Validate the whole file, then write all of it (or, if ``partial``, its good rows)."""
    report = ImportReport()
    opened = open_table(content, filename, COLUMNS, ("name",), report, ignore=ignore, sheet=sheet)
    if opened is None:
        return report
    table, columns = opened
    segments = SegmentNames(session, table, columns.get("segments"), many=True)
    rows = _parse_rows(table, columns, report, {**PARSERS, "segments": segments.parse})
    rows = _resolve_references(session, rows, segments.by_key, table, columns, report)
    count_refused(report)
    if report.errors and not partial:
        return report
    created, merged = _write(session, _merge_duplicates(rows), progress)
    report.created, report.merged = created, merged + (len(rows) - _distinct(rows))
    report.applied = bool(rows)
    return report


def _parse_rows(
    table: Table, columns: dict[str, int], report: ImportReport, parsers: dict
) -> list[CompanyRow]:
    header_of = {f: table.headers[i] for f, i in columns.items()}
    parsed: list[CompanyRow] = []
    for number, cells in table.rows:
        raw = {f: (cells[i] if i < len(cells) else None) for f, i in columns.items()}
        data, errors = validate_row(number, raw, parsers, CompanyCreate, header_of)
        if data is not None:
            parsed.append(CompanyRow(row=number, data=data))
        report.errors.extend(errors)
    return parsed


def _resolve_references(
    session: Session,
    rows: list[CompanyRow],
    segments: dict[str, Segment],
    table: Table,
    columns: dict[str, int],
    report: ImportReport,
) -> list[CompanyRow]:
    """Attach segments (already looked up) and parks, looked up once for the whole file;
    drop rows naming unknown parks."""
    park_names = {row.data.park for row in rows if row.data.park}
    parks = {p.name: p for p in session.scalars(select(Park).where(Park.name.in_(park_names)))}
    header = {f: table.headers[i] for f, i in columns.items()}
    good = []
    for row in rows:
        errors = []
        if row.data.park and row.data.park not in parks:
            message = f"unknown park '{row.data.park}'"
            errors.append(RowError(row=row.row, column=header.get("park"), message=message))
        elif row.data.park and not row.data.is_local:
            message = "only a local company (是否本地 = 是) has a park"
            errors.append(RowError(row=row.row, column=header.get("park"), message=message))
        if errors:
            report.errors.extend(errors)
            continue
        row.segments = list({segments[ref].id: segments[ref] for ref in row.data.segments}.values())
        row.park = parks.get(row.data.park) if row.data.park else None
        good.append(row)
    return good


def _identity(data: CompanyCreate) -> tuple[str, str]:
    return ("code", data.credit_code) if data.credit_code else ("name", normalise_name(data.name))


def _distinct(rows: list[CompanyRow]) -> int:
    return len({_identity(row.data) for row in rows})


def _merge_duplicates(rows: list[CompanyRow]) -> list[CompanyRow]:
    """Rows naming the same company (same credit code, else same name) become one."""
    merged: dict[tuple[str, str], CompanyRow] = {}
    for row in rows:
        key = _identity(row.data)
        if key not in merged:
            merged[key] = row
            continue
        first = merged[key]
        updates = row.data.model_dump(exclude_unset=True, exclude={"segments", "tags"})
        first.data = first.data.model_copy(
            update={
                **updates,
                "tags": list(dict.fromkeys([*first.data.tags, *row.data.tags])),
            }
        )
        first.segments = list({s.id: s for s in [*first.segments, *row.segments]}.values())
        first.park = row.park or first.park
    return list(merged.values())


WRITE_ATTEMPTS = 3


def _write(session: Session, rows: list[CompanyRow], progress: Progress | None) -> tuple[int, int]:
    """Create or merge every row's company; ``(created, merged)``.

    The database holds each company once (unique credit code; unique normalised name among
    companies without one). An import running at the same time may store some of the same
    companies between our reading and our writing: its insert wins, ours fails on the unique
    index, and we roll back to a savepoint, read again and merge into what it stored.
    """
    take_write_lock(session, Company.__tablename__)
    for attempt in range(1, WRITE_ATTEMPTS + 1):
        try:
            with session.begin_nested():
                return _write_once(session, rows, progress)
        except IntegrityError:
            if attempt == WRITE_ATTEMPTS:
                raise
    raise AssertionError("unreachable")


def _write_once(
    session: Session, rows: list[CompanyRow], progress: Progress | None
) -> tuple[int, int]:
    existing_by_code, existing_by_name = _existing(session, rows)
    created = merged = 0
    for done, row in enumerate(rows, start=1):
        company = match_company(
            row.data.name, row.data.credit_code, existing_by_code, existing_by_name
        )
        if company is None:
            company = Company(name=row.data.name, name_key=normalise_name(row.data.name))
            _fill(company, row, new=True)
            session.add(company)
            created += 1
        else:
            if _fill(company, row, new=False):
                company.touch()
            merged += 1
        if company.credit_code:
            existing_by_code[company.credit_code] = company
        existing_by_name.setdefault(company.name_key, company)
        if done % BATCH == 0:
            session.flush()
            if progress:
                progress(done, len(rows))
    session.flush()
    if progress:
        progress(len(rows), len(rows))
    return created, merged


def match_company(
    name: str, credit_code: str | None, by_code: dict[str, Company], by_name: dict[str, Company]
) -> Company | None:
    """The stored company a row names: same credit code; else same normalised name, unless
    both carry different codes."""
    if credit_code and credit_code in by_code:
        return by_code[credit_code]
    candidate = by_name.get(normalise_name(name))
    if candidate is not None and (not credit_code or not candidate.credit_code):
        return candidate
    return None


def _fill(company: Company, row: CompanyRow, *, new: bool) -> bool:
    """Copy what the row says onto the company; True if anything changed.

    A merge only adds: blank cells keep stored values, segments and tags are united.
    """
    data = row.data
    changed = False
    stored_as = {"province": places.province_name, "city": places.city_name}
    for name in ("credit_code", "province", "city", "revenue", "employees", "listing"):
        value = getattr(data, name)
        if name in stored_as:  # 深圳 is the 深圳市 already stored: no change
            value = stored_as[name](value)
        if value is not None and getattr(company, name) != value:
            setattr(company, name, value)
            changed = True
    if (new or "is_local" in data.model_fields_set) and company.is_local != data.is_local:
        company.is_local = data.is_local
        changed = True
    if row.park is not None and company.park_id != row.park.id:
        company.park = row.park
        changed = True
    have_segments = set() if new else {s.id for s in company.segments}
    added_segments = [s for s in row.segments if s.id not in have_segments]
    if added_segments:
        company.segments = [*([] if new else company.segments), *added_segments]
        changed = True
    have_tags = set() if new else set(company.tags)
    for tag in data.tags:
        if tag not in have_tags:
            company.tag_rows.append(CompanyTag(tag=tag))
            have_tags.add(tag)
            changed = True
    return changed


def _existing(
    session: Session, rows: list[CompanyRow]
) -> tuple[dict[str, Company], dict[str, Company]]:
    """Companies already stored that rows may match, fetched in chunks, not per row."""
    codes = sorted({r.data.credit_code for r in rows if r.data.credit_code})
    names = sorted({normalise_name(r.data.name) for r in rows})
    load = (selectinload(Company.segments), selectinload(Company.tag_rows))
    by_code: dict[str, Company] = {}
    by_name: dict[str, Company] = {}
    for chunk in chunks(codes):
        for company in session.scalars(
            select(Company).where(Company.credit_code.in_(chunk)).options(*load)
        ):
            by_code[company.credit_code] = company
    for chunk in chunks(names):
        for company in session.scalars(
            select(Company).where(Company.name_key.in_(chunk)).options(*load).order_by(Company.id)
        ):
            by_name.setdefault(company.name_key, company)
    return by_code, by_name
