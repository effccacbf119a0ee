"""``crm import``, ``crm export`` and ``crm report``: files in and out, over the same
services the API uses."""

import json
from pathlib import Path
from typing import Annotated

import typer
from pydantic import ValidationError

from crm.chains import service as chain_service
from crm.chains.schemas import ChainFile
from crm.cli.common import fail, progress_bar, report_errors, unit_of_work
from crm.config import get_settings
from crm.db import make_engine, make_sessionmaker
from crm.errors import DomainError

import_app = typer.Typer(help="Import chain maps and registers.")
export_app = typer.Typer(help="Export chain maps and registers.")
report_app = typer.Typer(help="Reports for leadership.")


@import_app.command("chain")
def import_chain(
    files: Annotated[
        list[Path], typer.Argument(exists=True, dir_okay=False, help="chain files (JSON)")
    ],
) -> None:
    """Create chain maps from chain files (JSON), e.g. ``crm import chain seeds/chains/*.json``.

    Links between the chains given resolve whatever the files' order; all are refused on any
    error."""
    chain_files = []
    for file in files:
        try:
            chain_files.append(ChainFile.model_validate_json(_chain_text(file)))
        except ValidationError as error:
            if len(files) > 1:  # say which of them
                typer.secho(f"{file}:", err=True, fg=typer.colors.RED)
            report_errors(error)
    try:
        with unit_of_work() as session:
            chains = chain_service.create_many(session, chain_files)
            summaries = [
                f"chain '{c.code}': {len(c.segments)} segments, {len(c.links)} links"
                for c in chains
            ]
    except DomainError as error:
        report_errors(error)
    for summary in summaries:
        typer.echo(f"imported {summary}")


def _chain_text(file: Path) -> str:
    try:  # Windows Notepad saves UTF-8 with a byte-order mark
        return file.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError:
        fail(f"{file} is not UTF-8 text: save the chain file as UTF-8")


IgnoreColumn = Annotated[
    list[str] | None,
    typer.Option(
        "--ignore-column",
        help="a column of the file to leave out (repeatable); other unknown columns refuse it",
    ),
]
Sheet = Annotated[
    str | None, typer.Option("--sheet", help="the workbook sheet to read (default: the first)")
]


@import_app.command("companies")
def import_companies(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False)],
    partial: Annotated[
        bool, typer.Option("--partial", help="import the good rows even if some are bad")
    ] = False,
    ignore_column: IgnoreColumn = None,
    sheet: Sheet = None,
) -> None:
    """Import companies from CSV or XLSX (English or Chinese headers); duplicates merge."""
    from crm.companies.importer import import_companies as run_import

    run_file_import(run_import, "导入企业", file, partial, ignore_column, sheet)


@import_app.command("leads")
def import_leads(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False)],
    partial: Annotated[
        bool, typer.Option("--partial", help="import the good rows even if some are bad")
    ] = False,
    ignore_column: IgnoreColumn = None,
    sheet: Sheet = None,
) -> None:
    """Import leads from CSV or XLSX (English or Chinese headers); duplicates merge.

    A company not found by credit code or name is created. A row for a company and segment
    updates the lead already there: the one at the row's stage (so an export reads back), else
    the open one; new leads come in at a stage before signing.
    """
    from crm.leads.importer import import_leads as run_import

    run_file_import(run_import, "导入线索", file, partial, ignore_column, sheet)


@import_app.command("figures")
def import_figures(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False)],
    partial: Annotated[
        bool, typer.Option("--partial", help="import the good rows even if some are bad")
    ] = False,
    ignore_column: IgnoreColumn = None,
    sheet: Sheet = None,
) -> None:
    """Import local firms' yearly figures (亩均) from CSV or XLSX, Chinese or English headers;
    a row for a firm and year already stored updates it. Refused whole on a bad row unless
    --partial."""
    from crm.evaluation.figure_import import import_figures as run_import

    run_file_import(run_import, "导入亩均数据", file, partial, ignore_column, sheet)


def run_file_import(run_import, title: str, file: Path, partial, ignore_column, sheet) -> None:
    """Run an importer on the file in one unit of work, with progress, then report."""
    with progress_bar(title) as progress, unit_of_work() as session:
        report = run_import(
            session,
            read_table_file(file),
            file.name,
            partial=partial,
            ignore=ignore_column or (),
            sheet=sheet,
            progress=progress,
        )
    print_report(report, partial=partial)


def read_table_file(file: Path) -> bytes:
    """The file's content, refused unread when it is beyond the size limit."""
    from crm.spreadsheet import LimitExceeded, check_size

    try:
        check_size(file.stat().st_size)
    except LimitExceeded as error:
        fail(f"{file}: {error}")
    return file.read_bytes()


def print_report(report, *, partial: bool) -> None:
    """Print an import report; exit non-zero when the file or some of its rows were bad."""
    if report.sheet is not None:
        typer.echo(f"sheet read: {report.sheet}", err=True)
    for error in report.errors:
        column = f" [{error.column}]" if error.column else ""
        typer.secho(f"row {error.row}{column}: {error.message}", err=True, fg=typer.colors.RED)
    if report.file_refused:
        fail("refused: the file as a whole (see above); no row was read, nothing was imported")
    typer.echo(f"columns read: {', '.join(report.columns)}")
    if report.ignored:
        typer.echo(f"columns ignored: {', '.join(report.ignored)}")
    if report.errors and not partial:
        fail(f"refused: {report.refused} of {report.rows} rows are bad; nothing was imported")
    if report.errors and not report.applied:
        fail(f"nothing to import: all {report.rows} rows are bad")
    typer.echo(
        f"{report.rows} rows: {report.created} created, {report.merged} merged, "
        f"{report.refused} refused"
    )


@export_app.command("companies")
def export_companies(file: Path) -> None:
    """Write every company to CSV or XLSX (by extension), Chinese headers."""
    from crm.companies.export import export_rows
    from crm.table_writing import write_table
    from crm.tabular import TableError

    with unit_of_work() as session:
        headers, rows = export_rows(session.get_bind())
        try:
            write_table(file, headers, rows)
        except TableError as error:
            fail(str(error))
    typer.echo(f"exported companies to {file}")


@export_app.command("leads")
def export_leads(
    file: Path,
    stage: Annotated[str | None, typer.Option(help="only leads in this stage")] = None,
    chain: Annotated[str | None, typer.Option(help="only leads of this chain (code)")] = None,
) -> None:
    """Write leads to CSV or XLSX (by extension), Chinese headers; reads back with import."""
    from crm.leads import lists as lead_lists
    from crm.leads.export import export_rows
    from crm.leads.models import Stage
    from crm.leads.schemas import LeadFilters
    from crm.table_writing import write_table
    from crm.tabular import TableError

    if stage is not None and stage not in Stage.__members__:
        fail(f"unknown stage '{stage}': use {', '.join(Stage.__members__)}")
    query = lead_lists.filtered_query(
        LeadFilters(stage=Stage(stage) if stage else None, chain=chain)
    )
    with unit_of_work() as session:
        headers, rows = export_rows(session.get_bind(), query)
        try:
            write_table(file, headers, rows)
        except TableError as error:
            fail(str(error))
    typer.echo(f"exported leads to {file}")


@export_app.command("chain")
def export_chain(code: str, file: Path) -> None:
    """Write a chain map as a chain file that imports back to the same chain."""
    try:
        with unit_of_work() as session:
            exported = chain_service.export(session, chain_service.get(session, code))
    except DomainError as error:
        report_errors(error)
    file.write_text(json.dumps(exported, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    typer.echo(f"exported chain '{code}' to {file}")


@report_app.command("monthly")
def report_monthly(
    file: Annotated[Path, typer.Argument(help="the workbook to write (.xlsx)")],
    year: Annotated[int, typer.Option(help="the year, e.g. 2026")],
    month: Annotated[int, typer.Option(help="the month, 1 to 12")],
) -> None:
    """Write the monthly bulletin (月度招商引资通报) as an XLSX workbook."""
    from crm.reports.monthly import monthly_report
    from crm.reports.xlsx import workbook_bytes

    if file.suffix.lower() != ".xlsx":
        fail(f"unsupported file type '{file.suffix}': use .xlsx")
    with unit_of_work() as session:
        try:
            report = monthly_report(session, year, month)
        except DomainError as error:
            report_errors(error)
    file.write_bytes(workbook_bytes(report))
    typer.echo(f"wrote {report.title} to {file}")


def worker(
    once: Annotated[
        bool, typer.Option("--once", help="work the jobs waiting now, then stop")
    ] = False,
) -> None:
    """Run background imports (PostgreSQL): for servers started with CRM_JOBS_IN_PROCESS=false."""
    from crm.jobs.runners import ProcrastinateRunner

    settings = get_settings()
    engine = make_engine(settings.database_url)
    if engine.dialect.name != "postgresql":
        fail("on SQLite, background imports run inside `crm serve`; no worker is needed")
    runner = ProcrastinateRunner(make_sessionmaker(engine), settings.database_url)
    typer.echo("working background imports" + ("" if once else " (Ctrl+C to stop)"), err=True)
    if once:
        runner.work_until_idle()
    else:
        runner.run_forever()
