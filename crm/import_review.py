"""Looking at an import before it is made: the dry run, the template, the refused rows.

The same importers as the API and the CLI do the work (``crm.companies.importer``,
``crm.leads.importer``); a dry run runs one inside a savepoint and rolls it back, so its report
(rows created, merged, refused) is exactly what the import would do, and nothing is written.
"""

from collections.abc import Callable, Iterable
from enum import StrEnum
from typing import Any

from sqlalchemy.orm import Session

from crm.companies import import_columns as company_columns
from crm.companies import importer as company_importer
from crm.evaluation import figure_import
from crm.importing import ImportReport, Progress
from crm.leads import import_rows as lead_rows
from crm.leads import importer as lead_importer
from crm.table_writing import table_bytes
from crm.tabular import TableError, stream_table


class ImportKind(StrEnum):
    companies = "companies"
    leads = "leads"
    figures = "figures"  # local firms' yearly figures (亩均)


# The headers a template carries: the very ones the importer reads and its export writes.
TEMPLATE_HEADERS: dict[ImportKind, dict[str, str]] = {
    ImportKind.companies: company_columns.CHINESE_HEADERS,
    ImportKind.leads: lead_rows.CHINESE_HEADERS,
    ImportKind.figures: figure_import.CHINESE_HEADERS,
}


def run_import(
    session: Session,
    kind: ImportKind,
    content: bytes,
    filename: str,
    *,
    partial: bool,
    ignore: Iterable[str] = (),
    sheet: str | None = None,
    by: str | None = None,
    progress: Progress | None = None,
) -> ImportReport:
    """Import the file for real: all of it (refused whole if a row is bad) or its good rows."""
    options: dict[str, Any] = {
        "partial": partial,
        "ignore": list(ignore),
        "sheet": sheet,
        "progress": progress,
    }
    if kind == ImportKind.leads:
        return lead_importer.import_leads(session, content, filename, by=by, **options)
    if kind == ImportKind.figures:
        return figure_import.import_figures(session, content, filename, **options)
    return company_importer.import_companies(session, content, filename, **options)


def dry_run(
    session: Session,
    kind: ImportKind,
    content: bytes,
    filename: str,
    *,
    ignore: Iterable[str] = (),
    sheet: str | None = None,
    by: str | None = None,
    progress: Progress | None = None,
) -> ImportReport:
    """What importing the file's good rows would do, with nothing written: the import runs
    in a savepoint that is rolled back."""
    return _rolled_back(
        session,
        lambda: run_import(
            session,
            kind,
            content,
            filename,
            partial=True,
            ignore=ignore,
            sheet=sheet,
            by=by,
            progress=progress,
        ),
    )


def _rolled_back(session: Session, run: Callable[[], ImportReport]) -> ImportReport:
    savepoint = session.begin_nested()
    try:
        report = run()
    finally:
        savepoint.rollback()
    report.applied = False
    return report


def template_file(kind: ImportKind) -> bytes:
    """An empty workbook with the Chinese headers the importer expects."""
    return table_bytes("xlsx", list(TEMPLATE_HEADERS[kind].values()), [])


def refused_rows(
    content: bytes,
    filename: str,
    report: ImportReport,
    *,
    sheet: str | None,
    error_header: str,
) -> tuple[list[str], list[list[Any]]]:
    """The refused rows as the file had them (every column) plus one column of their errors,
    so the user can fix them and import that file again."""
    messages: dict[int, list[str]] = {}
    for error in report.errors:
        text = f"{error.column}: {error.message}" if error.column else error.message
        messages.setdefault(error.row, []).append(text)
    try:
        table = stream_table(content, filename, sheet)
        width = len(table.headers)
        rows = [
            [*cells[:width], *[None] * (width - len(cells)), "; ".join(messages[number])]
            for number, cells in table.rows
            if number in messages
        ]
    except TableError:
        return [error_header], [["; ".join(texts)] for texts in messages.values()]
    return [*table.headers, error_header], rows
