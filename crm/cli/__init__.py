"""The ``crm`` command: thin wrappers over the same services the API uses."""

import getpass
import json
import sys
from pathlib import Path
from typing import Annotated

import typer
from pydantic import ValidationError
from rich.console import Console

from crm.auth import service as auth_service
from crm.auth.models import Role
from crm.auth.schemas import UserCreate
from crm.cli.common import acting, fail, progress_bar, report_errors, unit_of_work
from crm.cli.escalations import escalations_app, tickets_app
from crm.cli.files import export_app, import_app, report_app, worker
from crm.cli.land import factory_app, land_app
from crm.cli.parks import import_parks, park_app
from crm.config import get_settings
from crm.db import make_engine, make_sessionmaker, transaction
from crm.errors import DomainError

app = typer.Typer(help="招商图谱 CRM: investment-promotion CRM with industry-chain maps.")
db_app = typer.Typer(help="Database schema.")
user_app = typer.Typer(help="User accounts.")
app.add_typer(db_app, name="db")
app.add_typer(user_app, name="user")
app.add_typer(import_app, name="import")
app.add_typer(export_app, name="export")
app.add_typer(report_app, name="report")
app.add_typer(land_app, name="land")
app.add_typer(factory_app, name="factory")
app.add_typer(park_app, name="park")
import_app.command("parks")(import_parks)
app.add_typer(escalations_app, name="escalations")
app.add_typer(tickets_app, name="tickets")
app.command()(worker)


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="address to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="port to listen on")] = 8000,
) -> None:
    """Serve the API (and its docs at /api/docs)."""
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


@app.command()
def backup(file: Path) -> None:
    """Back up the configured database to FILE (SQLite: a copy; PostgreSQL: pg_dump).

    The file is readable by its owner only: it holds password hashes and the token key."""
    from crm.backup import BackupError
    from crm.backup import backup as run_backup

    try:
        typer.echo(run_backup(get_settings().database_url, file))
    except BackupError as error:
        fail(str(error))


@app.command()
def restore(
    file: Annotated[Path, typer.Argument(help="a file written by crm backup")],
    force: Annotated[
        bool, typer.Option("--force", help="replace a database that holds data")
    ] = False,
) -> None:
    """Replace the configured database with a backup from crm backup. Stop the servers first.

    A database that holds data is refused unless --force is given (its data is lost)."""
    from crm.backup import BackupError
    from crm.backup import restore as run_restore

    try:
        typer.echo(run_restore(get_settings().database_url, file, force=force))
    except BackupError as error:
        fail(str(error))


@app.command()
def seed(
    seeds: Annotated[
        Path | None, typer.Option(help="seed folder (default: the repo's seeds/)")
    ] = None,
) -> None:
    """Load the demo data set, demo users included, into the configured database: for trying
    the product out, never for a real database. Running it again changes nothing."""
    from crm.seeding import DEFAULT_SEEDS, SeedError, load_seeds

    try:
        with progress_bar("导入种子数据") as progress, unit_of_work() as session:
            result = load_seeds(session, seeds or DEFAULT_SEEDS, progress=progress)
    except SeedError as error:
        fail(str(error))
    except (ValidationError, DomainError) as error:
        report_errors(error)
    typer.echo(
        f"seeded {result.chains} chains, {result.parks} parks, {result.companies} companies, "
        f"{result.task_forces} task forces, {result.leads} leads, {result.projects} projects"
    )
    for username, password in result.new_logins.items():
        typer.echo(f"  new user {username}  password {password}")


DEMO_DATABASE = Path("crm-demo.db")
DEMO_LOGINS = Path("crm-demo.logins.json")


@app.command()
def demo(
    host: Annotated[str, typer.Option(help="address to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="port to listen on")] = 8000,
) -> None:
    """Create or reuse ./crm-demo.db (SQLite), migrate, seed, print the log-ins and serve."""
    _refuse_busy_port(host, port)
    import uvicorn

    from crm import migrate
    from crm.api.app import create_app
    from crm.config import Settings
    from crm.seeding import load_seeds

    url = f"sqlite:///{DEMO_DATABASE.resolve()}"
    migrate.upgrade(url)
    passwords = json.loads(DEMO_LOGINS.read_text("utf-8")) if DEMO_LOGINS.exists() else {}
    factory = make_sessionmaker(make_engine(url))
    with progress_bar("准备演示数据") as progress, acting(transaction(factory)) as session:
        result = load_seeds(session, passwords=passwords, progress=progress)
        logins = _demo_logins(session, {**passwords, **result.new_logins})
    DEMO_LOGINS.write_text(json.dumps(logins, indent=2) + "\n", encoding="utf-8")
    DEMO_LOGINS.chmod(0o600)
    _print_logins(host, port, logins)
    uvicorn.run(create_app(Settings(database_url=url)), host=host, port=port)


def _refuse_busy_port(host: str, port: int) -> None:
    """Fail at once, before any work or output, when the port is taken."""
    import socket

    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as the server will
        try:
            probe.bind((host, port))
        except OSError as error:
            fail(
                f"port {port} on {host} is in use ({error.strerror}); choose another: "
                f"crm demo --port {port + 1}  (or make demo PORT={port + 1})"
            )


def _demo_logins(session, known: dict[str, str]) -> dict[str, str]:
    """Every seeded user's demo password. Passwords from ./crm-demo.logins.json are trusted
    (checking 27 argon2 hashes would slow every start); a user missing there gets a new one."""
    from crm.seeding import new_password, seed_users

    logins = {}
    for item in seed_users():
        username = item["username"]
        password = known.get(username)
        if password is None:
            password = new_password()
            auth_service.set_password(session, auth_service.get(session, username), password)
        logins[username] = password
    return logins


def _print_logins(host: str, port: int, logins: dict[str, str]) -> None:
    from rich.table import Table

    from crm.seeding import seed_users

    roles = {u["username"]: (u["role"], u["full_name"]) for u in seed_users()}
    table = Table(title="演示账号 Demo log-ins")
    for column in ("用户名 username", "角色 role", "姓名 name", "密码 password"):
        table.add_column(column)
    for username, password in logins.items():
        role, full_name = roles.get(username, ("", ""))
        table.add_row(username, role, full_name, password)
    console = Console()
    console.print(table)
    console.print(
        f"招商图谱 CRM demo: open http://{host}:{port}/ in a browser  (API docs: /api/docs)"
    )
    console.print(f"Log in with a user above; passwords are kept in {DEMO_LOGINS}.")


def main() -> None:
    app()
