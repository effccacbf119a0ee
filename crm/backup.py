"""Consistent backups of the database while it is in use, and restoring one.

SQLite: the online backup API copies the live database page by page into a new file, and
back into the configured database on restore. PostgreSQL: ``pg_dump`` in its custom format,
``pg_restore --clean --if-exists`` in one transaction. A backup holds password hashes and the
token signing key, so its file is created readable by its owner only (mode 0600), and the
PostgreSQL password reaches the client tools through ``PGPASSWORD``, never their command line
(which every user of the machine can read).
"""

import os
import shutil
import sqlite3
import subprocess
from pathlib import Path

from sqlalchemy import URL, inspect, make_url, select, table, text
from sqlalchemy.exc import SQLAlchemyError

OWNER_ONLY = 0o600
SQLITE_MAGIC = b"SQLite format 3\x00"
PG_DUMP_MAGIC = b"PGDMP"
KEPT_ON_RESTORE = "alembic_version"  # a migrated, empty database counts as empty


class BackupError(Exception):
    pass


def backup(database_url: str, target: Path) -> str:
    """Write a backup of the database to ``target``; returns a one-line description."""
    url = make_url(database_url)
    backend = url.get_backend_name()
    if backend not in ("sqlite", "postgresql"):
        raise BackupError(f"no backup method for {backend}")
    if target.exists():
        raise BackupError(f"{target} exists; choose a new file name")
    target.parent.mkdir(parents=True, exist_ok=True)
    # Created empty and private before any byte is written, so the copy is never readable.
    os.close(os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, OWNER_ONLY))
    try:
        if backend == "sqlite":
            done = _backup_sqlite(url.database, target)
        else:
            done = _backup_postgres(url, target)
        os.chmod(target, OWNER_ONLY)
    except BaseException:
        target.unlink(missing_ok=True)
        raise
    return f"{done}; the file is readable by its owner only (mode 600): it holds password hashes"


def restore(database_url: str, source: Path, *, force: bool = False) -> str:
    """Replace the configured database's contents with a backup made by ``backup``.

    Refuses a database that holds data unless ``force``: restoring is for a fresh or broken
    database, and what the database holds now is lost. Stop every server first.
    """
    url = make_url(database_url)
    if not source.is_file():
        raise BackupError(f"no backup file at {source}")
    with source.open("rb") as file:
        magic = file.read(len(SQLITE_MAGIC))
    backend = url.get_backend_name()
    if backend == "sqlite":
        if not magic.startswith(SQLITE_MAGIC):
            raise BackupError(f"{source} is not a SQLite backup (made by crm backup on SQLite)")
        return _restore_sqlite(url.database, source, force=force)
    if backend == "postgresql":
        if not magic.startswith(PG_DUMP_MAGIC):
            raise BackupError(f"{source} is not a pg_dump custom-format file (crm backup)")
        return _restore_postgres(url, source, force=force)
    raise BackupError(f"no restore method for {backend}")


def _backup_sqlite(path: str | None, target: Path) -> str:
    if not path or path == ":memory:" or not Path(path).exists():
        raise BackupError(f"no SQLite database at {path}")
    source = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    destination = sqlite3.connect(target)
    try:
        with destination:
            source.backup(destination)
        # One self-contained file: no -wal or -shm companions (created with the umask's mode).
        destination.execute("PRAGMA journal_mode=DELETE")
        check = destination.execute("PRAGMA integrity_check").fetchone()[0]
    finally:
        destination.close()
        source.close()
    if check != "ok":
        raise BackupError(f"the copy failed its integrity check: {check}")
    return f"SQLite database {path} copied to {target}"


def _restore_sqlite(path: str | None, source: Path, *, force: bool) -> str:
    if not path or path == ":memory:":
        raise BackupError("the configured SQLite database is not a file")
    backup_file = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    try:
        if backup_file.execute("PRAGMA integrity_check").fetchone()[0] != "ok":
            raise BackupError(f"{source} is damaged: it fails SQLite's integrity check")
        if not _sqlite_tables(backup_file) & {KEPT_ON_RESTORE}:
            raise BackupError(f"{source} is not a CRM database (no alembic_version table)")
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        target = sqlite3.connect(path, timeout=10)
        try:
            if not force:
                _refuse_if_holding_data(_sqlite_rows(target), path)
            # The backup API writes the whole copy as one transaction under SQLite's own locks:
            # open connections see the old database or the new one, never a mix, and no -wal
            # file of the old database is left to be replayed onto the new one.
            backup_file.backup(target)
            check = target.execute("PRAGMA integrity_check").fetchone()[0]
        finally:
            target.close()
    except sqlite3.Error as error:
        raise BackupError(f"restore failed: {error}") from error
    finally:
        backup_file.close()
    if check != "ok":
        raise BackupError(f"the restored database failed its integrity check: {check}")
    return f"SQLite database {path} restored from {source}"


def _sqlite_tables(connection: sqlite3.Connection) -> set[str]:
    rows = connection.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
        " AND name NOT LIKE 'company_fts%'"  # the name search index: derived, never empty
    )
    return {name for (name,) in rows}


def _sqlite_rows(connection: sqlite3.Connection) -> list[str]:
    """The tables that hold rows (alembic_version aside)."""
    return [
        name
        for name in sorted(_sqlite_tables(connection) - {KEPT_ON_RESTORE})
        if connection.execute(f'SELECT EXISTS (SELECT 1 FROM "{name}")').fetchone()[0]
    ]


def _refuse_if_holding_data(tables: list[str], where: str) -> None:
    if tables:
        raise BackupError(
            f"{where} is not empty ({', '.join(tables[:3])}{', …' if len(tables) > 3 else ''} "
            "hold rows); restoring replaces everything in it: add --force to go ahead"
        )


def _client_tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise BackupError(f"{name} is not installed (Debian: apt-get install postgresql-client)")
    return found


def _libpq(url: URL) -> tuple[str, dict[str, str]]:
    """A connection URL for the PostgreSQL client tools without the password, and the
    environment that carries the password."""
    without_password = URL.create(
        "postgresql",
        username=url.username,
        host=url.host,
        port=url.port,
        database=url.database,
        query=url.query,
    )
    env = dict(os.environ)
    if url.password is not None:
        env["PGPASSWORD"] = str(url.password)
    return without_password.render_as_string(hide_password=False), env


def _backup_postgres(url: URL, target: Path) -> str:
    pg_dump = _client_tool("pg_dump")
    dbname, env = _libpq(url)
    result = subprocess.run(
        [pg_dump, "--format=custom", "--no-owner", f"--file={target}", f"--dbname={dbname}"],
        capture_output=True,
        text=True,
        env=env,
    )
    if result.returncode != 0:
        raise BackupError(f"pg_dump failed: {result.stderr.strip()}")
    return f"PostgreSQL database {url.database} dumped to {target} (crm restore reads it back)"


def _restore_postgres(url: URL, source: Path, *, force: bool) -> str:
    pg_restore = _client_tool("pg_restore")
    if not force:
        _refuse_if_holding_data(_postgres_rows(url), f"database {url.database}")
    dbname, env = _libpq(url)
    result = subprocess.run(
        [
            pg_restore,
            "--clean",
            "--if-exists",
            "--no-owner",
            "--single-transaction",  # all or nothing
            f"--dbname={dbname}",
            str(source),
        ],
        capture_output=True,
        text=True,
        env=env,
    )
    if result.returncode != 0:
        raise BackupError(f"pg_restore failed; nothing was changed: {result.stderr.strip()}")
    return f"PostgreSQL database {url.database} restored from {source}"


def _postgres_rows(url: URL) -> list[str]:
    """The tables of the default schema that hold rows (alembic_version aside)."""
    from crm.db import make_engine

    engine = make_engine(url.render_as_string(hide_password=False))
    try:
        with engine.connect() as connection:
            names = sorted(set(inspect(connection).get_table_names()) - {KEPT_ON_RESTORE})
            return [
                name
                for name in names
                if connection.execute(select(text("1")).select_from(table(name)).limit(1)).first()
            ]
    except SQLAlchemyError as error:
        raise BackupError(f"cannot read database {url.database}: {error}") from error
    finally:
        engine.dispose()
