"""Company import from CSV/XLSX (SPEC §5), in one transaction and bounded memory.

The file is read as a stream, a batch of rows at a time: each batch is validated, then
written (``import_write``: Core statements, no ORM objects). A file with any bad row is
refused whole unless ``partial`` is asked for: the writing stops at the first bad row, the
rest is still checked for the report, and what was written is rolled back. Duplicates merge
instead of doubling: a row matches a company by credit code, else by normalised name.

The audit trail holds one entry per import (the file, the ids it created and changed), not
a snapshot per row.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from crm.audit import IMPORT_ACTION, record_import
from crm.companies.import_columns import CHINESE_HEADERS, COLUMNS, PARSERS
from crm.companies.import_write import (
    CompanyRow,
    Target,
    match_company,
    stored_targets,
    write_batch,
)
from crm.companies.models import Company, CompanyTag, Park, Tag, company_segment
from crm.companies.schemas import CompanyCreate, normalise_name
from crm.companies.sme import SME_TAGS, not_sme_reason
from crm.db import PlannerStatistics, take_write_lock
from crm.importing import (
    BatchWrites,
    ImportReport,
    Progress,
    RowError,
    SegmentNames,
    count_refused,
    open_table,
    validate_row,
)
from crm.table_writing import batches

__all__ = ["CHINESE_HEADERS", "WRITE_ATTEMPTS", "import_companies", "match_company"]

BATCH = 2000
# What an import writes, whose planner statistics it keeps current (``PlannerStatistics``).
WRITTEN_TABLES = [Company.__tablename__, company_segment.name, CompanyTag.__tablename__]
WRITE_ATTEMPTS = 3
AUDIT_ACTION = IMPORT_ACTION


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
    """Import the whole file (refused whole if a row is bad) or, if ``partial``, its good
    rows; the report counts rows created, merged and refused."""
    report = ImportReport()
    opened = open_table(content, filename, COLUMNS, ("name",), report, ignore=ignore, sheet=sheet)
    if opened is None:
        return report
    table, columns = opened
    header = {name: table.headers[index] for name, index in columns.items()}
    lookups = _Lookups(session, columns)
    take_write_lock(session, Company.__tablename__)
    writes = BatchWrites(session, report, partial=partial)
    statistics = PlannerStatistics(session, WRITTEN_TABLES)
    created: list[int] = []
    changed: list[int] = []
    done = good = 0
    for batch in batches(table.rows, BATCH):
        rows = _good_rows(batch, columns, header, lookups, report)
        good += len(rows)
        if writes.keep_writing() and rows:
            written = _write_with_retries(session, _merge_duplicates(rows))
            created += written.created
            changed += written.changed
            statistics.wrote(len(written.created))
        done += len(batch)
        if progress:
            progress(done, report.rows)
    count_refused(report)
    if not writes.active:
        return report
    report.created, report.merged = len(created), good - len(created)
    report.applied = good > 0
    if created or changed:
        _audit(session, filename, report, created, changed)
    writes.commit()
    return report


class _Lookups:
    """What rows name, looked up a batch at a time: segments (kept), parks (all, few)."""

    def __init__(self, session: Session, columns: dict[str, int]):
        self.session = session
        self.segments = SegmentNames(session, many=True)
        self.segment_column = columns.get("segments")
        self.parks = {name: id_ for name, id_ in session.execute(select(Park.name, Park.id))}
        self.parsers = {**PARSERS, "segments": self.segments.parse}

    def prepare(self, batch: list[tuple[int, list[Any]]]) -> None:
        index = self.segment_column
        if index is not None:
            self.segments.look_up(cells[index] for _, cells in batch if index < len(cells))


def _good_rows(
    batch: list[tuple[int, list[Any]]],
    columns: dict[str, int],
    header: dict[str, str],
    lookups: _Lookups,
    report: ImportReport,
) -> list[CompanyRow]:
    """The batch's rows that are good, with the ids of what they name; the others' errors
    go into the report."""
    lookups.prepare(batch)
    checked = []
    for number, cells in batch:
        raw = {f: (cells[i] if i < len(cells) else None) for f, i in columns.items()}
        checked.append((number, *validate_row(number, raw, lookups.parsers, CompanyCreate, header)))
    tagged = [data for _, data, _ in checked if data is not None and SME_TAGS & set(data.tags)]
    sizes = _stored_sizes(lookups.session, tagged)
    earlier: dict[tuple[str, str], _Size] = {}  # the firm as this batch's rows leave it
    good = []
    for number, data, errors in checked:
        if data is not None:
            before = earlier.get(_identity(data)) or match_company(
                data.name, data.credit_code, *sizes
            )
            errors = _park_errors(number, data, lookups.parks, header)
            errors += _sme_errors(number, data, header, before)
        report.errors.extend(errors)
        if data is not None and not errors:
            earlier[_identity(data)] = _left_by(data, before)
            segments = lookups.segments.by_key
            segment_ids = list(dict.fromkeys(segments[ref].id for ref in data.segments))
            park_id = lookups.parks.get(data.park) if data.park else None
            good.append(CompanyRow(row=number, data=data, segment_ids=segment_ids, park_id=park_id))
    return good


def _park_errors(
    number: int, data: CompanyCreate, parks: dict[str, int], header: dict[str, str]
) -> list[RowError]:
    if data.park and data.park not in parks:
        message = f"unknown park '{data.park}'"
    elif data.park and not data.is_local:
        message = "only a local company (是否本地 = 是) has a park"
    else:
        return []
    return [RowError(row=number, column=header.get("park"), message=message)]


@dataclass(frozen=True)
class _Size:
    """What the SME rule reads of a stored company."""

    credit_code: str | None
    employees: int | None
    revenue: float | None
    tags: frozenset[Tag]


def _stored_sizes(session: Session, rows: list[CompanyCreate]) -> tuple[dict, dict]:
    """The stored companies these rows name, by credit code and by normalised name, as
    ``_Size`` (read as a batch's write reads them: ``stored_targets``)."""
    if not rows:
        return {}, {}
    by_code, by_name = stored_targets(session, [CompanyRow(row=0, data=row) for row in rows])
    sizes = {id(t): _size_of(t) for t in [*by_code.values(), *by_name.values()]}
    return (
        {code: sizes[id(t)] for code, t in by_code.items()},
        {name: sizes[id(t)] for name, t in by_name.items()},
    )


def _size_of(target: Target) -> _Size:
    values = target.values
    tags = frozenset(Tag(tag) for tag in target.tags)
    return _Size(target.credit_code, values["employees"], values["revenue"], tags)


def _sme_errors(
    number: int, data: CompanyCreate, header: dict[str, str], before: _Size | None
) -> list[RowError]:
    """专精特新 and 小巨人 are for SMEs only, as when a company is saved one at a time
    (``crm.companies.sme``): judged on the firm as the row leaves it (``_left_by``), from
    the stored company or from earlier rows of the batch for the same firm."""
    if not SME_TAGS & set(data.tags):
        return []
    firm = _left_by(data, before)
    reason = not_sme_reason(employees=firm.employees, revenue_yi=firm.revenue, tags=firm.tags)
    return [RowError(row=number, column=header.get("tags"), message=reason)] if reason else []


def _left_by(data: CompanyCreate, before: _Size | None) -> _Size:
    """The row's figures where it gives them, else the firm's; its tags added to the firm's."""
    if before is None:
        return _Size(data.credit_code, data.employees, data.revenue, frozenset(data.tags))
    return _Size(
        data.credit_code or before.credit_code,
        before.employees if data.employees is None else data.employees,
        before.revenue if data.revenue is None else data.revenue,
        before.tags | set(data.tags),
    )


def _identity(data: CompanyCreate) -> tuple[str, str]:
    return ("code", data.credit_code) if data.credit_code else ("name", normalise_name(data.name))


def _merge_duplicates(rows: list[CompanyRow]) -> list[CompanyRow]:
    """Rows of a batch naming the same company (same credit code, else same name) become
    one; rows in later batches merge into what the earlier ones wrote."""
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
        first.segment_ids = list(dict.fromkeys([*first.segment_ids, *row.segment_ids]))
        first.park_id = row.park_id or first.park_id
    return list(merged.values())


def _write_with_retries(session: Session, rows: list[CompanyRow]):
    """Write a batch in a savepoint.

    The database holds each company once (unique credit code; unique normalised name among
    companies without one). An import running at the same time may store some of the same
    companies between our reading and our writing: its insert wins, ours fails on the unique
    index, and we roll back to the savepoint, read again and merge into what it stored.
    """
    for attempt in range(1, WRITE_ATTEMPTS + 1):
        try:
            with session.begin_nested():
                return write_batch(session, rows)
        except IntegrityError:
            if attempt == WRITE_ATTEMPTS:
                raise
    raise AssertionError("unreachable")


def _audit(
    session: Session, filename: str, report: ImportReport, created: list[int], changed: list[int]
) -> None:
    """One audit entry for an import that changed something: the file, its counts, the ids
    created and changed."""
    new = set(created)
    changes = {
        "rows": report.rows,
        "created": created,
        "merged": report.merged,
        "changed": sorted({i for i in changed if i not in new}),
    }
    record_import(session, Company.__tablename__, filename, changes)
