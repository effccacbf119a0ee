"""The ``crm`` command: thin wrappers over the same services the API uses."""

import getpass
import json
import sys
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer
from pydantic import ValidationError
from rich.console import Console

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
report_app = typer.Typer(help="Reports for leadership.")
app.add_typer(db_app, name="db")
app.add_typer(user_app, name="user")
app.add_typer(import_app, name="import")
app.add_typer(export_app, name="export")
app.add_typer(report_app, name="report")


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


@contextmanager
def progress_bar(description: str):
    """A rich progress bar on standard error, fed by ``progress(done, total)`` calls."""
    from rich.progress import Progress

    with Progress(console=Console(stderr=True), transient=True) as bar:
        task = bar.add_task(description, total=None)
        yield lambda done, total: bar.update(task, completed=done, total=total)


def report_errors(error: Exception) -> None:
    """Print why input was refused and exit non-zero."""
    if isinstance(error, ValidationError):
        for item in error.errors():
            where = ".".join(str(part) for part in item["loc"])
            message = f"{where}: {item['msg']}" if where else item["msg"]  # e.g. bad JSON
            typer.secho(message, err=True, fg=typer.colors.RED)
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


@import_app.command("chain")
def import_chain(file: Annotated[Path, typer.Argument(exists=True, dir_okay=False)]) -> None:
    """Create a chain map from a chain file (JSON, SPEC §5); refused whole on any error."""
    try:
        try:  # Windows Notepad saves UTF-8 with a byte-order mark
            text = file.read_bytes().decode("utf-8-sig")
        except UnicodeDecodeError:
            fail(f"{file} is not UTF-8 text: save the chain file as UTF-8")
        data = ChainFile.model_validate_json(text)
        with unit_of_work() as session:
            chain = chain_service.create(session, data)
            summary = (
                f"chain '{chain.code}': {len(chain.segments)} segments, {len(chain.links)} links"
            )
    except (ValidationError, DomainError) as error:
        report_errors(error)
    typer.echo(f"imported {summary}")


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
    from crm.companies.importer import export_rows
    from crm.tabular import TableError, write_table

    with unit_of_work() as session:
        headers, rows = export_rows(session)
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
    from crm.leads import service as lead_service
    from crm.leads.importer import export_rows
    from crm.leads.models import Stage
    from crm.leads.schemas import LeadFilters
    from crm.tabular import TableError, write_table

    if stage is not None and stage not in Stage.__members__:
        fail(f"unknown stage '{stage}': use {', '.join(Stage.__members__)}")
    query = lead_service.filtered_query(
        LeadFilters(stage=Stage(stage) if stage else None, chain=chain)
    )
    with unit_of_work() as session:
        headers, rows = export_rows(session, query)
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
    """Load the seed data set into the configured database; running it again changes nothing."""
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
    import uvicorn

    from crm import migrate
    from crm.api.app import create_app
    from crm.config import Settings
    from crm.seeding import load_seeds

    url = f"sqlite:///{DEMO_DATABASE.resolve()}"
    migrate.upgrade(url)
    passwords = json.loads(DEMO_LOGINS.read_text("utf-8")) if DEMO_LOGINS.exists() else {}
    factory = make_sessionmaker(make_engine(url))
    with progress_bar("准备演示数据") as progress, _acting(transaction(factory)) as session:
        result = load_seeds(session, passwords=passwords, progress=progress)
        logins = _demo_logins(session, {**passwords, **result.new_logins})
    DEMO_LOGINS.write_text(json.dumps(logins, indent=2) + "\n", encoding="utf-8")
    DEMO_LOGINS.chmod(0o600)
    _print_logins(host, port, logins)
    uvicorn.run(create_app(Settings(database_url=url)), host=host, port=port)


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
