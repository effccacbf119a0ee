"""``crm backup`` and ``crm restore``, run as a user runs them: subprocesses on real databases."""

import json
import os
import stat
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, text

from crm.all_models import metadata
from crm.api.app import create_app
from crm.config import Settings
from crm.db import make_engine
from tests.conftest import PASSWORD, _scratch_postgres_database
from tests.factories import chain_file
from tests.signing import prepare, signed_project
from tests.test_cli import run_crm


def is_postgres(url: str) -> bool:
    return url.startswith("postgresql")


@pytest.fixture
def filled(staff, make_user, clock, anon) -> None:
    """Rows in most tables: users, a chain, parks, a task force, a signed project with its
    green card and ticket, audit entries, a failed log-in."""
    setup = prepare(staff, make_user)
    project = signed_project(staff, task_force_id=setup["task_force_id"])
    ticket = {"category": "land", "title": "用地指标", "priority": "high"}
    assert staff.post(f"/api/projects/{project['id']}/tickets", json=ticket).status_code == 201
    anon.post("/api/auth/token", data={"username": "staff1", "password": "not the password"})


@contextmanager
def fresh_database(database_url: str, tmp_path: Path) -> Iterator[str]:
    """A new, empty database of the same kind as the test database."""
    if is_postgres(database_url):
        with _scratch_postgres_database(os.environ["CRM_TEST_DATABASE_URL"]) as url:
            yield url
    else:
        yield f"sqlite:///{tmp_path / 'fresh.db'}"


def contents(url: str) -> dict[str, list[tuple]]:
    """Every table's rows, ordered by primary key."""
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            tables = {
                t.name: connection.execute(select(t).order_by(*t.primary_key.columns)).all()
                for t in metadata.sorted_tables
            }
            tables["alembic_version"] = connection.execute(
                text("SELECT version_num FROM alembic_version")
            ).all()
            return tables
    finally:
        engine.dispose()


def backup(database_url: str, target: Path):
    result = run_crm(database_url, "backup", str(target))
    if "pg_dump is not installed" in result.stderr:
        pytest.skip("pg_dump is not installed")
    assert result.returncode == 0, result.stderr
    return result


@pytest.mark.parametrize("migrated", [False, True], ids=["blank", "migrated"])
def test_backup_then_restore_into_a_fresh_database(filled, database_url, tmp_path, migrated):
    original = contents(database_url)
    assert all(original[name] for name in ("user_account", "project", "login_failure"))
    file = tmp_path / "crm.backup"
    made = backup(database_url, file)
    assert stat.S_IMODE(file.stat().st_mode) == 0o600
    assert "owner only" in made.stdout

    with fresh_database(database_url, tmp_path) as fresh:
        if migrated:
            assert run_crm(fresh, "db", "upgrade").returncode == 0
        restored = run_crm(fresh, "restore", str(file))
        assert restored.returncode == 0, restored.stderr
        assert "restored" in restored.stdout
        copy = contents(fresh)
        assert copy.keys() == original.keys()
        for name, rows in original.items():
            assert len(copy[name]) == len(rows), name
            assert copy[name] == rows, name
        # the copy is a working database: its users sign in
        assert run_crm(fresh, "db", "upgrade").returncode == 0
        app = create_app(Settings(database_url=fresh))
        try:
            with TestClient(app) as client:
                signed_in = client.post(
                    "/api/auth/token", data={"username": "staff1", "password": PASSWORD}
                )
                assert signed_in.status_code == 200, signed_in.text
        finally:
            app.state.engine.dispose()


def test_restore_refuses_a_database_with_data_unless_forced(filled, database_url, tmp_path, staff):
    file = tmp_path / "crm.backup"
    backup(database_url, file)
    saved = contents(database_url)
    assert staff.post("/api/chains", json=chain_file("later")).status_code == 201
    changed = contents(database_url)

    refused = run_crm(database_url, "restore", str(file))
    assert refused.returncode != 0
    assert "not empty" in refused.stderr and "--force" in refused.stderr
    assert contents(database_url) == changed

    forced = run_crm(database_url, "restore", "--force", str(file))
    assert forced.returncode == 0, forced.stderr
    assert contents(database_url) == saved
    assert staff.get("/api/chains/later").status_code == 404


def test_restore_refuses_what_is_not_a_backup(database_url, tmp_path, clean_db):
    missing = run_crm(database_url, "restore", str(tmp_path / "nothing.backup"))
    assert missing.returncode != 0
    assert "Traceback" not in missing.stderr
    junk = tmp_path / "notes.txt"
    junk.write_text("not a backup\n")
    refused = run_crm(database_url, "restore", "--force", str(junk))
    assert refused.returncode != 0
    assert "not a" in refused.stderr
    assert "Traceback" not in refused.stderr


def test_the_postgres_password_reaches_pg_dump_through_the_environment(tmp_path):
    """A stand-in pg_dump records what it was given (the command line is visible to every
    user of the machine; the environment is not)."""
    tools = tmp_path / "bin"
    tools.mkdir()
    seen = tmp_path / "seen.json"
    fake = tools / "pg_dump"
    fake.write_text(
        f"#!{sys.executable}\n"
        "import json, os, sys\n"
        "target = next(a.split('=', 1)[1] for a in sys.argv if a.startswith('--file='))\n"
        "open(target, 'wb').write(b'PGDMP fake')\n"
        f"json.dump({{'argv': sys.argv, 'password': os.environ.get('PGPASSWORD')}}, open({str(seen)!r}, 'w'))\n"
    )
    fake.chmod(0o700)
    url = "postgresql+psycopg://crm:s3cret%40pw@db.example:5433/crm"
    target = tmp_path / "crm.dump"
    result = run_crm(url, "backup", str(target), env={"PATH": f"{tools}:{os.environ['PATH']}"})
    assert result.returncode == 0, result.stderr
    recorded = json.loads(seen.read_text())
    assert recorded["password"] == "s3cret@pw"
    assert not any("s3cret" in arg for arg in recorded["argv"])
    assert "--dbname=postgresql://crm@db.example:5433/crm" in recorded["argv"]
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert "owner only" in result.stdout
