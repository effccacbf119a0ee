"""Consistent backups of the database while it is in use.

SQLite: the online backup API copies the live database page by page into a new file.
PostgreSQL: ``pg_dump`` in its custom format (restore with ``pg_restore``).
"""

import shutil
import sqlite3
import subprocess
from pathlib import Path

from sqlalchemy import make_url


class BackupError(Exception):
    pass


def backup(database_url: str, target: Path) -> str:
    """Write a backup of the database to ``target``; returns a one-line description."""
    url = make_url(database_url)
    if target.exists():
        raise BackupError(f"{target} exists; choose a new file name")
    target.parent.mkdir(parents=True, exist_ok=True)
    if url.get_backend_name() == "sqlite":
        return _backup_sqlite(url.database, target)
    if url.get_backend_name() == "postgresql":
        return _backup_postgres(url, target)
    raise BackupError(f"no backup method for {url.get_backend_name()}")


def _backup_sqlite(path: str | None, target: Path) -> str:
    if not path or path == ":memory:" or not Path(path).exists():
        raise BackupError(f"no SQLite database at {path}")
    source = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    destination = sqlite3.connect(target)
    try:
        with destination:
            source.backup(destination)
        check = destination.execute("PRAGMA integrity_check").fetchone()[0]
    finally:
        destination.close()
        source.close()
    if check != "ok":
        target.unlink(missing_ok=True)
        raise BackupError(f"the copy failed its integrity check: {check}")
    return f"SQLite database {path} copied to {target}"


def _backup_postgres(url, target: Path) -> str:
    pg_dump = shutil.which("pg_dump")
    if pg_dump is None:
        raise BackupError("pg_dump is not installed (Debian: apt-get install postgresql-client)")
    libpq_url = url.set(drivername="postgresql").render_as_string(hide_password=False)
    result = subprocess.run(
        [pg_dump, "--format=custom", "--no-owner", f"--file={target}", f"--dbname={libpq_url}"],
        capture_output=True,
        text=True,
    )
    if result.returncode != 0:
        target.unlink(missing_ok=True)
        raise BackupError(f"pg_dump failed: {result.stderr.strip()}")
    return f"PostgreSQL database {url.database} dumped to {target} (restore with pg_restore)"
