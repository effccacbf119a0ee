"""Lead import from CSV/XLSX (SPEC §5), in one transaction and bounded memory.

A row names its company (found by credit code, else by normalised name; created, non-local,
when not found) and the chain segment the investment would fill. Duplicates merge instead of
doubling: a row at the current stage of a stored lead of its company and segment updates that
lead (so an export reads back into its own database, whatever the stages), other rows for a
company and segment that already has an open lead update that lead, and rows for the same
company and segment within one file become one lead. The file's columns: ``import_rows``.

The file is read as a stream, ``BATCH`` rows at a time: each batch is checked, matched to the
leads it updates or starts (``import_plan``, on plain values) and written with Core statements
(``import_write``) before the next batch is read, so memory does not grow with the file. Rows
of a later batch merge into what the earlier ones wrote (a lead that rows of two batches move
on has a stage-history row for each move). A file with any bad row is refused whole unless
``partial`` is asked for: the writing stops at the first bad row, the rest is still checked for
the report, and what was written is rolled back. As for companies, the audit trail holds one
entry per import (the file, the ids it created, changed and moved on), not a snapshot per row.
"""

from collections.abc import Iterable
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from crm.audit import IMPORT_ACTION, record_import
from crm.auth.models import User
from crm.companies.importer import WRITE_ATTEMPTS
from crm.companies.models import Company, Park
from crm.db import PlannerStatistics, take_write_lock
from crm.importing import (
    BatchWrites,
    ImportReport,
    Progress,
    RowError,
    SegmentNames,
    chunks,
    count_refused,
    open_table,
)
from crm.leads import service as lead_service
from crm.leads.import_plan import plan_leads
from crm.leads.import_rows import COLUMNS, REQUIRED, LeadRow, parse_rows
from crm.leads.import_write import BATCH, Written, write_plans
from crm.leads.models import Lead, StageChange
from crm.table_writing import batches
from crm.taskforces.models import TaskForce

AUDIT_ACTION = IMPORT_ACTION
# What an import writes, whose planner statistics it keeps current (``PlannerStatistics``).
WRITTEN_TABLES = [Company.__tablename__, Lead.__tablename__, StageChange.__tablename__]


def import_leads(
    session: Session,
    content: bytes,
    filename: str,
    *,
    partial: bool = False,
    ignore: Iterable[str] = (),
    sheet: str | None = None,
    progress: Progress | None = None,
    by: str | None = None,
) -> ImportReport:
    """Import the whole file (refused whole if a row is bad) or, if ``partial``, its good
    rows; the report counts leads created, rows merged and rows refused.

    ``by`` is the username written into the history of leads imported past ``identified``;
    by default the session's acting user.
    """
    report = ImportReport()
    opened = open_table(content, filename, COLUMNS, REQUIRED, report, ignore=ignore, sheet=sheet)
    if opened is None:
        return report
    table, columns = opened
    header = {name: table.headers[index] for name, index in columns.items()}
    references = _References(session, columns, header)
    # As for companies (``crm.companies.importer``): an import running at the same time may
    # store some of the same new companies first; then the batch is planned again on them.
    take_write_lock(session, Company.__tablename__)
    writes = BatchWrites(session, report, partial=partial)
    statistics = PlannerStatistics(session, WRITTEN_TABLES)
    writer = _Writer(session, header, partial=partial, by=by or session.info.get("actor"))
    done = good = 0
    for batch in batches(table.rows, BATCH):
        rows = references.good_rows(batch, report)
        # Planning may refuse rows too (stages), so the batch decides on writing itself.
        batch_good, inserted = writer.import_batch(rows, report, write=writes.active)
        good += batch_good
        if writes.keep_writing():
            statistics.wrote(inserted)
        done += len(batch)
        if progress:
            progress(done, report.rows)
    count_refused(report)
    if not writes.active:
        return report
    written = writer.written
    report.created = len(written.leads)
    report.merged = good - report.created
    report.applied = good > 0
    if written.leads or written.changed or written.companies:
        _audit(session, filename, report.rows, written)
    writes.commit()
    return report


# What a lead row may name besides its segment: (field, model, name column, what it is).
NAMED = (
    ("task_force", TaskForce, TaskForce.name, "task force"),
    ("owner", User, User.username, "user"),
    ("park", Park, Park.name, "park"),
)


class _References:
    """What rows name, looked up a batch at a time and kept for later batches (a file names
    few distinct segments, task forces, owners and parks)."""

    def __init__(self, session: Session, columns: dict[str, int], header: dict[str, str]):
        self.session, self.columns, self.header = session, columns, header
        self.segments = SegmentNames(session, many=False)
        self.known: dict[type, dict[str, Any]] = {TaskForce: {}, User: {}, Park: {}}

    def good_rows(self, batch: list[tuple[int, list[Any]]], report: ImportReport) -> list[LeadRow]:
        """The batch's rows whose cells are good and whose names are known, with what they
        name attached; the others' errors go into the report."""
        index = self.columns["segment"]
        self.segments.look_up(cells[index] for _, cells in batch if index < len(cells))
        rows = parse_rows(batch, self.columns, self.header, report, self.segments.parse)
        named = [  # (the row's field, its records by name, what it names)
            (field, self._named(model, column, {getattr(r.data, field) for r in rows}), what)
            for field, model, column, what in NAMED
        ]
        good = []
        for row in rows:
            data, unknown = row.data, {}
            row.segment = self.segments.by_key.get(data.segment)
            if row.segment is None:
                unknown["segment"] = f"unknown segment '{data.segment}'"
            for name, records, what in named:
                given = getattr(data, name)
                if given is not None:
                    setattr(row, name, records.get(given))
                    if records.get(given) is None:
                        unknown[name] = f"unknown {what} '{given}'"
            report.errors.extend(
                RowError(row=row.row, column=self.header.get(name), message=message)
                for name, message in unknown.items()
            )
            if not unknown:
                good.append(row)
        return good

    def _named(self, model: type, column, names: set[str | None]) -> dict[str, Any]:
        """``{name: record, or None if there is none}`` for every name met so far."""
        known = self.known[model]
        wanted = sorted(name for name in names if name and name not in known)
        for chunk in chunks(wanted):
            for record in self.session.scalars(select(model).where(column.in_(chunk))):
                known[getattr(record, column.key)] = record
        known.update((name, None) for name in wanted if name not in known)
        return known


class _Writer:
    """Plans and writes the batches of one import, adding up what they wrote."""

    def __init__(self, session: Session, header: dict[str, str], *, partial: bool, by: str | None):
        self.session, self.header, self.partial, self.by = session, header, partial, by
        parks = lead_service.default_parks(session)
        self.default_parks = {chain_id: park.id for chain_id, park in parks.items()}
        self.written = Written()

    def import_batch(
        self, rows: list[LeadRow], report: ImportReport, *, write: bool
    ) -> tuple[int, int]:
        """Plan the batch's rows and, if ``write`` and no row of the file was refused (or
        ``partial``), write them, in a savepoint; how many rows were good, and how many
        leads and companies were inserted (for the planner statistics).

        The database holds each company once: an import running at the same time may store
        some of the batch's new companies between our planning and our writing; our insert
        then fails on the unique index, and the batch is planned again on what it stored.
        """
        checked = len(report.errors)
        for attempt in range(1, WRITE_ATTEMPTS + 1):
            del report.errors[checked:]
            try:
                with self.session.begin_nested():
                    plans, good = plan_leads(self.session, rows, self.header, report)
                    if not write or (report.errors and not self.partial):
                        return len(good), 0
                    batch = write_plans(
                        self.session, plans, by=self.by, default_parks=self.default_parks
                    )
                    self._add(batch)
                    return len(good), len(batch.leads) + len(batch.companies)
            except IntegrityError:
                if attempt == WRITE_ATTEMPTS:
                    raise
        raise AssertionError("unreachable")

    def _add(self, batch: Written) -> None:
        self.written.leads += batch.leads
        self.written.changed += batch.changed
        self.written.moved += batch.moved
        self.written.companies += batch.companies


def _audit(session: Session, filename: str, rows: int, written: Written) -> None:
    """One audit entry for an import that changed something, as for a company import
    (``crm.companies.importer._audit``): the file, the ids of the leads created, changed
    and moved on a stage (each move has its history row), and of the companies created.
    A lead that rows of several batches changed or moved is listed once, a lead the import
    created only as created."""
    created = set(written.leads)
    changes = {
        "rows": rows,
        "created": written.leads,
        "changed": [i for i in dict.fromkeys(written.changed) if i not in created],
        "moved": list(dict.fromkeys(written.moved)),
        "companies_created": written.companies,
    }
    record_import(session, Lead.__tablename__, filename, changes)
