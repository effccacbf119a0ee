"""The ``crm`` command: thin wrappers over the same services the API uses."""

import getpass
import json
import sys
from pathlib import Path
from typing import Annotated

import typer
from pydantic import ValidationError

from crm.audit import set_actor
from crm.auth import service as auth_service
from crm.auth.models import Role
from crm.auth.schemas import UserCreate
from crm.chains import service as chain_service
from crm.chains.schemas import ChainFile
from crm.config import get_settings
from crm.db import make_engine, make_sessionmaker, transaction
from crm.errors import DomainError

app = typer.Typer(help="招商图谱 CRM: investment-promotion CRM with industry-chain maps.")
db_app = typer.Typer(help="Database schema.")
user_app = typer.Typer(help="User accounts.")
import_app = typer.Typer(help="Import chain maps and registers.")
export_app = typer.Typer(help="Export chain maps and registers.")
app.add_typer(db_app, name="db")
app.add_typer(user_app, name="user")
app.add_typer(import_app, name="import")
app.add_typer(export_app, name="export")


def fail(message: str, code: int = 1) -> None:
    typer.secho(message, err=True, fg=typer.colors.RED)
    raise typer.Exit(code)


def unit_of_work():
    """A transaction on the configured database, acting as the shell user."""
    factory = make_sessionmaker(make_engine(get_settings().database_url))
    return _acting(transaction(factory))


class _acting:
    def __init__(self, context):
        self.context = context

    def __enter__(self):
        session = self.context.__enter__()
        set_actor(session, f"cli:{getpass.getuser()}")
        return session

    def __exit__(self, *exc):
        return self.context.__exit__(*exc)


def report_errors(error: Exception) -> None:
    """Print why input was refused and exit non-zero."""
    if isinstance(error, ValidationError):
        for item in error.errors():
            where = ".".join(str(part) for part in item["loc"])
            typer.secho(f"{where}: {item['msg']}", err=True, fg=typer.colors.RED)
        raise typer.Exit(1)
    if isinstance(error, DomainError):
        detail = error.detail
        if isinstance(detail, list):
            for item in detail:
                where = ".".join(str(part) for part in item["loc"][1:])
                typer.secho(f"{where}: {item['msg']}", err=True, fg=typer.colors.RED)
            raise typer.Exit(1)
        fail(str(detail))
    raise error


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="address to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="port to listen on")] = 8000,
) -> None:
    """Serve the web pages and the API."""
    import uvicorn

    from crm.api.app import create_app

    uvicorn.run(create_app(), host=host, port=port)


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Bring the database schema up to date (Alembic migrations)."""
    from crm import migrate

    migrate.upgrade(get_settings().database_url)
    typer.echo("database is up to date")


@user_app.command("add")
def user_add(
    name: str,
    role: Annotated[Role, typer.Option(help="admin, staff, leader, specialist or viewer")],
    full_name: Annotated[str, typer.Option(help="display name")] = "",
) -> None:
    """Add a user; the password is read from standard input, never from the command line."""
    password = _read_password()
    try:
        data = UserCreate(username=name, full_name=full_name, role=role, password=password)
        with unit_of_work() as session:
            auth_service.create(session, data)
    except (ValidationError, DomainError) as error:
        report_errors(error)
    typer.echo(f"user '{name}' added with role {role.value}")


def _read_password() -> str:
    if sys.stdin.isatty():
        password = getpass.getpass("password: ")
        if getpass.getpass("again: ") != password:
            fail("the passwords differ")
        return password
    return sys.stdin.readline().rstrip("\r\n")


@import_app.command("chain")
def import_chain(file: Annotated[Path, typer.Argument(exists=True, dir_okay=False)]) -> None:
    """Create a chain map from a chain file (JSON, SPEC §5); refused whole on any error."""
    try:
        data = ChainFile.model_validate_json(file.read_bytes())
        with unit_of_work() as session:
            chain = chain_service.create(session, data)
            summary = (
                f"chain '{chain.code}': {len(chain.segments)} segments, {len(chain.links)} links"
            )
    except (ValidationError, DomainError) as error:
        report_errors(error)
    typer.echo(f"imported {summary}")


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


def main() -> None:
    app()
