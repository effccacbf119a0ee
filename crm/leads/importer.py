"""Lead import from CSV/XLSX (SPEC §5): validate every row, then write in one transaction.

A row names its company (found by credit code, else by normalised name; created, non-local,
when not found) and the chain segment the investment would fill. Duplicates merge instead of
doubling: a row at the current stage of a stored lead of its company and segment updates that
lead (so an export reads back into its own database, whatever the stages), other rows for a
company and segment that already has an open lead update that lead, and rows for the same
company and segment within one file become one lead. A file with any bad row is refused whole
unless ``partial`` is asked for. The file's columns: ``import_rows``.

The whole file is read and planned first (``import_plan``, on plain values), then written in
batches with Core statements (``import_write``) inside one savepoint. As for companies, the
audit trail holds one entry per import (the file, the ids it created, changed and moved on),
not a snapshot per row.
"""

from collections.abc import Iterable
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from crm.audit import IMPORT_ACTION, record_import
from crm.auth.models import User
from crm.chains.models import Segment
from crm.companies.importer import WRITE_ATTEMPTS
from crm.companies.models import Company, Park
from crm.db import take_write_lock
from crm.importing import (
    ImportReport,
    Progress,
    RowError,
    SegmentNames,
    chunks,
    count_refused,
    open_table,
)
from crm.leads import service as lead_service
from crm.leads.import_plan import LeadPlan, plan_leads
from crm.leads.import_rows import (
    COLUMNS,
    REQUIRED,
    LeadRow,
    parse_rows,
)
from crm.leads.import_write import Written, write_plans
from crm.leads.models import Lead
from crm.taskforces.models import TaskForce

AUDIT_ACTION = IMPORT_ACTION


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
    """Validate the whole file, then write all of it (or, if ``partial``, its good rows).

    ``by`` is the username written into the history of leads imported past ``identified``;
    by default the session's acting user.
    """
    report = ImportReport()
    opened = open_table(content, filename, COLUMNS, REQUIRED, report, ignore=ignore, sheet=sheet)
    if opened is None:
        return report
    table, columns = opened
    header = {name: table.headers[index] for name, index in columns.items()}
    segments = SegmentNames(session, many=False)
    index = columns["segment"]
    segments.look_up(cells[index] for _, cells in table.rows if index < len(cells))
    rows = parse_rows(table, columns, header, report, segments.parse)
    rows = _resolve_references(session, rows, segments.by_key, header, report)
    # As for companies (``crm.companies.importer._write``): an import running at the same
    # time may store some of the same new companies first; then we plan again on what it stored.
    take_write_lock(session, Company.__tablename__)
    checked = list(report.errors)
    for attempt in range(1, WRITE_ATTEMPTS + 1):
        report.errors[:] = checked
        try:
            with session.begin_nested():
                return _plan_and_write(
                    session,
                    rows,
                    header,
                    report,
                    filename=filename,
                    partial=partial,
                    by=by,
                    progress=progress,
                )
        except IntegrityError:
            if attempt == WRITE_ATTEMPTS:
                raise
    raise AssertionError("unreachable")


def _plan_and_write(
    session: Session,
    rows: list[LeadRow],
    header: dict[str, str],
    report: ImportReport,
    *,
    filename: str,
    partial: bool,
    by: str | None,
    progress: Progress | None,
) -> ImportReport:
    plans, rows = plan_leads(session, rows, header, report)
    count_refused(report)
    if report.errors and not partial:
        return report
    actor = by or session.info.get("actor")
    written = _write(session, plans, filename, report, by=actor, progress=progress)
    report.created = len(written.leads)
    report.merged = len(rows) - report.created
    report.applied = bool(plans)
    return report


def _resolve_references(
    session: Session,
    rows: list[LeadRow],
    segments: dict[str, Segment],
    header: dict[str, str],
    report: ImportReport,
) -> list[LeadRow]:
    """Attach segments (already looked up), task forces and owners, looked up once for the
    whole file."""
    task_forces = _by_name(session, TaskForce, TaskForce.name, {r.data.task_force for r in rows})
    owners = _by_name(session, User, User.username, {r.data.owner for r in rows})
    parks = _by_name(session, Park, Park.name, {r.data.park for r in rows})
    good = []
    for row in rows:
        data, unknown = row.data, {}
        row.segment = segments.get(data.segment)
        if row.segment is None:
            unknown["segment"] = f"unknown segment '{data.segment}'"
        if data.task_force is not None:
            row.task_force = task_forces.get(data.task_force)
            if row.task_force is None:
                unknown["task_force"] = f"unknown task force '{data.task_force}'"
        if data.owner is not None:
            row.owner = owners.get(data.owner)
            if row.owner is None:
                unknown["owner"] = f"unknown user '{data.owner}'"
        if data.park is not None:
            row.park = parks.get(data.park)
            if row.park is None:
                unknown["park"] = f"unknown park '{data.park}'"
        report.errors.extend(
            RowError(row=row.row, column=header.get(name), message=message)
            for name, message in unknown.items()
        )
        if not unknown:
            good.append(row)
    return good


def _by_name(session: Session, model: type, column, names: set[str | None]) -> dict[str, Any]:
    wanted = sorted(name for name in names if name)
    found: dict[str, Any] = {}
    for chunk in chunks(wanted):
        for record in session.scalars(select(model).where(column.in_(chunk))):
            found[getattr(record, column.key)] = record
    return found


def _write(
    session: Session,
    plans: list[LeadPlan],
    filename: str,
    report: ImportReport,
    *,
    by: str | None,
    progress: Progress | None,
) -> Written:
    """Write the plans (``import_write``: Core statements) and their one audit entry."""
    parks = {chain_id: park.id for chain_id, park in lead_service.default_parks(session).items()}
    written = write_plans(session, plans, by=by, default_parks=parks, progress=progress)
    if written.leads or written.changed or written.companies:
        _audit(session, filename, report.rows, written)
    return written


def _audit(session: Session, filename: str, rows: int, written: Written) -> None:
    """One audit entry for an import that changed something, as for a company import
    (``crm.companies.importer._audit``): the file, the ids of the leads created, changed
    and moved on a stage (each move has its history row), and of the companies created."""
    changes = {
        "rows": rows,
        "created": written.leads,
        "changed": written.changed,
        "moved": written.moved,
        "companies_created": written.companies,
    }
    record_import(session, Lead.__tablename__, filename, changes)
