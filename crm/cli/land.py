"""``crm land`` and ``crm factory``: plots and standard factories in and out of files, and the
idle-land clock's sweep, over the same services the API uses."""

from pathlib import Path
from typing import Annotated

import typer

from crm.cli.common import fail, progress_bar, unit_of_work
from crm.cli.files import IgnoreColumn, Sheet, print_report, read_table_file
from crm.clock import local_date, system_clock

land_app = typer.Typer(help="Land plots (地块) and the idle-land clock.")
factory_app = typer.Typer(help="Standard factories (标准厂房).")

Partial = Annotated[
    bool, typer.Option("--partial", help="import the good rows even if some are bad")
]
InputFile = Annotated[Path, typer.Argument(exists=True, dir_okay=False)]


def _run_import(run_import, title: str, file: Path, partial, ignore_column, sheet) -> None:
    with progress_bar(title) as progress, unit_of_work() as session:
        report = run_import(
            session,
            read_table_file(file),
            file.name,
            today=local_date(system_clock()),
            partial=partial,
            ignore=ignore_column or (),
            sheet=sheet,
            progress=progress,
        )
    print_report(report, partial=partial)


def _export(export_rows, file: Path, what: str) -> None:
    from crm.table_writing import write_table
    from crm.tabular import TableError

    with unit_of_work() as session:
        headers, rows = export_rows(session)
        try:
            write_table(file, headers, rows)
        except TableError as error:
            fail(str(error))
    typer.echo(f"exported {what} to {file}")


@land_app.command("import")
def import_plots(
    file: InputFile,
    partial: Partial = False,
    ignore_column: IgnoreColumn = None,
    sheet: Sheet = None,
) -> None:
    """Import plots from CSV or XLSX (Chinese headers); a row for a park's plot number that
    exists updates it. A file with a bad row is refused whole unless --partial."""
    from crm.parks.importer import import_plots as run_import

    _run_import(run_import, "导入地块", file, partial, ignore_column, sheet)


@land_app.command("export")
def export_plots(file: Path) -> None:
    """Write every plot to CSV or XLSX (by extension), Chinese headers; reads back with import."""
    from crm.parks.importer import export_plots as export_rows

    _export(export_rows, file, "plots")


@land_app.command("sweep")
def sweep() -> None:
    """Apply the idle-land clock up to today (suspected idle, fee due, reclaim proposed);
    running it twice changes nothing the second time."""
    from crm.config import get_settings
    from crm.parks import clock

    with unit_of_work() as session:
        changed = clock.sweep(
            session, clock.IdleRules.from_settings(get_settings()), local_date(system_clock())
        )
    typer.echo(f"idle-land clock: {changed} plots changed")


@factory_app.command("import")
def import_factories(
    file: InputFile,
    partial: Partial = False,
    ignore_column: IgnoreColumn = None,
    sheet: Sheet = None,
) -> None:
    """Import standard factories from CSV or XLSX (Chinese headers); a row for a park's
    building and floor that exists updates it. Refused whole on a bad row unless --partial."""
    from crm.parks.importer import import_factories as run_import

    _run_import(run_import, "导入标准厂房", file, partial, ignore_column, sheet)


@factory_app.command("export")
def export_factories(file: Path) -> None:
    """Write every standard factory to CSV or XLSX (by extension), Chinese headers."""
    from crm.parks.importer import export_factories as export_rows

    _export(export_rows, file, "factories")
