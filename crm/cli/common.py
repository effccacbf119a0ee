"""What the ``crm`` commands share: failing with a message, one unit of work, progress."""

import getpass
from contextlib import contextmanager

import typer
from pydantic import ValidationError
from rich.console import Console

from crm.audit import set_actor
from crm.config import get_settings
from crm.db import make_engine, make_sessionmaker, transaction
from crm.errors import DomainError


def fail(message: str, code: int = 1) -> None:
    typer.secho(message, err=True, fg=typer.colors.RED)
    raise typer.Exit(code)


def unit_of_work():
    """A transaction on the configured database, acting as the shell user."""
    factory = make_sessionmaker(make_engine(get_settings().database_url))
    return acting(transaction(factory))


class acting:
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
