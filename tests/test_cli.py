"""The ``crm`` command, run as a user runs it: a subprocess on the test database."""

import json
import os
import socket
import subprocess
import sys
import time

import httpx
import pytest

from tests.conftest import PASSWORD
from tests.factories import chain_file


def run_crm(
    database_url: str, *args: str, stdin: str = "", env: dict[str, str] | None = None
) -> subprocess.CompletedProcess:
    # A wide terminal, so that rich does not wrap a long path in an error box mid-word.
    env = {**os.environ, "CRM_DATABASE_URL": database_url, "COLUMNS": "300", **(env or {})}
    return subprocess.run(
        [sys.executable, "-m", "crm", *args],
        input=stdin,
        capture_output=True,
        text=True,
        env=env,
        timeout=600,  # a guard against a hang, not a speed check (seeding on a loaded machine)
    )


@pytest.fixture
def crm(database_url, clean_db):
    return lambda *args, stdin="": run_crm(database_url, *args, stdin=stdin)


def test_user_add_reads_the_password_from_stdin(crm, anon):
    result = crm("user", "add", "zhang", "--role", "leader", stdin=PASSWORD + "\n")
    assert result.returncode == 0, result.stderr
    assert "zhang" in result.stdout
    token = anon.post("/api/auth/token", data={"username": "zhang", "password": PASSWORD})
    assert token.status_code == 200


def test_user_add_refuses_bad_input_and_writes_nothing(crm, table_counts):
    before = table_counts()
    short = crm("user", "add", "zhang", "--role", "staff", stdin="short\n")
    assert short.returncode != 0
    assert "password" in short.stderr
    bad_role = crm("user", "add", "zhang", "--role", "boss", stdin=PASSWORD + "\n")
    assert bad_role.returncode != 0
    assert table_counts() == before


def test_user_add_twice_is_refused(crm):
    assert crm("user", "add", "zhang", "--role", "staff", stdin=PASSWORD).returncode == 0
    again = crm("user", "add", "zhang", "--role", "staff", stdin=PASSWORD)
    assert again.returncode != 0
    assert "already exists" in again.stderr


def test_import_and_export_chain_round_trip(crm, tmp_path, staff):
    source = tmp_path / "chain.json"
    file = chain_file(description="测试")
    source.write_text(json.dumps(file, ensure_ascii=False), encoding="utf-8")
    imported = crm("import", "chain", str(source))
    assert imported.returncode == 0, imported.stderr
    assert "5 segments" in imported.stdout
    assert staff.get("/api/chains/new-display").status_code == 200
    target = tmp_path / "out.json"
    exported = crm("export", "chain", "new-display", str(target))
    assert exported.returncode == 0, exported.stderr
    assert json.loads(target.read_text(encoding="utf-8")) == file


def test_import_of_a_broken_chain_reports_and_writes_nothing(crm, tmp_path, table_counts):
    file = chain_file()
    file["links"].append({"from": "terminal", "to": "glass-substrate"})
    source = tmp_path / "chain.json"
    source.write_text(json.dumps(file), encoding="utf-8")
    before = table_counts()
    result = crm("import", "chain", str(source))
    assert result.returncode != 0
    assert "cycle" in result.stderr
    assert table_counts() == before


def test_import_of_invalid_json_reports(crm, tmp_path):
    source = tmp_path / "chain.json"
    source.write_text("{not json", encoding="utf-8")
    result = crm("import", "chain", str(source))
    assert result.returncode != 0
    assert "json" in result.stderr.lower()


def test_a_chain_file_saved_with_a_byte_order_mark_imports(crm, tmp_path, staff):
    """Windows Notepad saves UTF-8 with a byte-order mark."""
    source = tmp_path / "chain.json"
    source.write_text(json.dumps(chain_file(), ensure_ascii=False), encoding="utf-8-sig")
    assert source.read_bytes().startswith(b"\xef\xbb\xbf")
    imported = crm("import", "chain", str(source))
    assert imported.returncode == 0, imported.stderr
    assert "5 segments" in imported.stdout
    assert staff.get("/api/chains/new-display").json()["name"] == "新型显示"


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig"])
def test_a_json_syntax_error_is_reported_without_a_stray_colon(crm, tmp_path, encoding):
    source = tmp_path / "chain.json"
    source.write_text('{"code": "new-display",', encoding=encoding)
    result = crm("import", "chain", str(source))
    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert lines and lines[0].startswith("Invalid JSON"), result.stderr
    assert not any(line.startswith(":") for line in lines)
    assert "Traceback" not in result.stderr


def test_a_chain_file_that_is_not_utf_8_is_refused(crm, tmp_path, table_counts):
    source = tmp_path / "chain.json"
    source.write_bytes(json.dumps(chain_file(), ensure_ascii=False).encode("gb18030"))
    before = table_counts()
    result = crm("import", "chain", str(source))
    assert result.returncode != 0
    assert "not UTF-8" in result.stderr
    assert "Traceback" not in result.stderr
    assert table_counts() == before


def test_export_of_unknown_chain_fails(crm, tmp_path):
    result = crm("export", "chain", "nope", str(tmp_path / "x.json"))
    assert result.returncode != 0
    assert "nope" in result.stderr
    assert not (tmp_path / "x.json").exists()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_db_upgrade_and_serve(tmp_path):
    url = f"sqlite:///{tmp_path / 'fresh.db'}"
    for _ in range(2):  # upgrading an up-to-date database is harmless
        upgraded = run_crm(url, "db", "upgrade")
        assert upgraded.returncode == 0, upgraded.stderr
    port = _free_port()
    env = {**os.environ, "CRM_DATABASE_URL": url}
    server = subprocess.Popen(
        [sys.executable, "-m", "crm", "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while True:
            try:
                health = httpx.get(f"{base}/health")
                break
            except httpx.TransportError:
                assert server.poll() is None, server.stdout.read().decode()
                assert time.monotonic() < deadline, "crm serve did not answer"
                time.sleep(0.2)
        assert health.status_code == 200
        assert health.json() == {"status": "ok"}
        assert httpx.get(f"{base}/api/docs").status_code == 200
        assert httpx.get(f"{base}/api/chains").status_code == 401
    finally:
        server.terminate()
        server.wait(timeout=30)


def test_backup_copies_the_database(crm, database_url, tmp_path, staff):
    staff.post("/api/chains", json=chain_file())
    target = tmp_path / "backup.db"
    result = crm("backup", str(target))
    if database_url.startswith("postgresql") and "pg_dump is not installed" in result.stderr:
        pytest.skip("pg_dump is not installed")
    assert result.returncode == 0, result.stderr
    assert target.stat().st_size > 0
    if database_url.startswith("sqlite"):
        import sqlite3

        copy = sqlite3.connect(target)
        assert copy.execute("SELECT code FROM chain").fetchall() == [("new-display",)]
        copy.close()
    again = crm("backup", str(target))
    assert again.returncode != 0
    assert "exists" in again.stderr
