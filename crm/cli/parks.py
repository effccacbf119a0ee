"""``crm park add`` and ``crm import parks``: the parks (园区) companies and leads name."""

from pathlib import Path
from typing import Annotated

import typer
from pydantic import ValidationError

from crm.cli.common import fail, report_errors, unit_of_work
from crm.companies.models import ParkLevel
from crm.errors import DomainError

park_app = typer.Typer(help="Industrial parks (园区).")


@park_app.command("add")
def park_add(
    name: Annotated[str, typer.Argument(help="the park's name, e.g. 云江高新技术产业开发区")],
    level: Annotated[ParkLevel, typer.Option(help="national, provincial or city")],
    chain: Annotated[
        list[str] | None,
        typer.Option("--chain", help="code of a chain the park leads in (repeatable)"),
    ] = None,
    area_mu: Annotated[float | None, typer.Option(help="area in mu (亩)")] = None,
    description: Annotated[str | None, typer.Option(help="a short description")] = None,
) -> None:
    """Add a park; companies and leads then name it in their park column."""
    from crm.companies import parks as park_service
    from crm.companies.schemas import ParkCreate

    try:
        data = ParkCreate(
            name=name,
            level=level,
            leading_chains=chain or [],
            area_mu=area_mu,
            description=description,
        )
        with unit_of_work() as session:
            park_service.create(session, data)
    except (ValidationError, DomainError) as error:
        report_errors(error)
    typer.echo(f"park '{name}' added ({level.value})")


def import_parks(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="CSV or XLSX")],
) -> None:
    """Import parks from CSV or XLSX: 园区名称, 级别, 主导产业链, 面积(亩), 简介 (or English
    headers name, level, leading_chains, area_mu, description); parks present are kept."""
    from crm.cli.files import read_table_file
    from crm.companies.park_import import import_parks as run_import
    from crm.tabular import TableError

    try:
        with unit_of_work() as session:
            result = run_import(session, read_table_file(file), file.name)
    except TableError as error:
        fail(f"{file}: {error}")
    for row, message in result.errors:
        typer.secho(f"row {row}: {message}", err=True, fg=typer.colors.RED)
    if result.errors:
        fail(f"refused: {len(result.errors)} bad rows; nothing was imported")
    typer.echo(f"{result.rows} rows: {result.created} parks created, {result.present} present")
