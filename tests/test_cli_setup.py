"""Setting up a real database with the ``crm`` command, as the README's "Running it for real"
says: chain maps from several files at once, parks by hand or from a file, and the demo's port.
Each command runs as a subprocess on the test database."""

import json
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from openpyxl import Workbook

from tests.test_cli import run_crm

SEEDS = Path(__file__).resolve().parent.parent / "seeds"


@pytest.fixture
def crm(database_url, clean_db):
    return lambda *args: run_crm(database_url, *args)


def chain_counts(staff) -> dict[str, int]:
    chains = staff.get("/api/chains", params={"limit": 100}).json()["items"]
    return {chain["code"]: chain["direction_count"] for chain in chains}


def test_every_seed_chain_imports_in_one_command_whatever_the_order(crm, staff):
    files = sorted((SEEDS / "chains").glob("*.json"), reverse=True)  # links point backwards
    result = crm("import", "chain", *map(str, files))
    assert result.returncode == 0, result.stderr
    assert result.stdout.count("imported chain") == len(files)
    assert set(chain_counts(staff)) == {json.loads(f.read_text("utf-8"))["code"] for f in files}
    display = staff.get("/api/chains/new-display").json()
    assert {"from": "new-materials:sputtering-targets", "to": "lcd-panel"} in display["links"]
    chemical = staff.get("/api/chains/energy-chemical").json()
    assert chemical["focus"] is True


def test_a_link_to_a_chain_not_imported_says_what_to_do(crm, staff):
    result = crm("import", "chain", str(SEEDS / "chains" / "05-new-display.json"))
    assert result.returncode != 0
    assert "chain 'new-materials' is not imported yet" in result.stderr
    assert "import its chain file first, or together with this one" in result.stderr
    assert chain_counts(staff) == {}


def test_a_bad_file_among_several_refuses_them_all(crm, staff, tmp_path):
    broken = tmp_path / "broken.json"
    broken.write_text('{"code": "x", "name": "X", "segments": [{"code": "a"}]}', "utf-8")
    result = crm("import", "chain", str(SEEDS / "chains" / "01-new-materials.json"), str(broken))
    assert result.returncode != 0
    assert "broken.json" in result.stderr and "stage" in result.stderr
    assert chain_counts(staff) == {}


def test_the_same_chain_twice_is_refused(crm, staff):
    file = str(SEEDS / "chains" / "01-new-materials.json")
    result = crm("import", "chain", file, file)
    assert result.returncode != 0
    assert "'new-materials' is in more than one file" in result.stderr
    assert chain_counts(staff) == {}


def test_park_add_then_companies_name_it(crm, staff, tmp_path):
    assert crm("import", "chain", str(SEEDS / "chains" / "01-new-materials.json")).returncode == 0
    added = crm(
        "park", "add", "涪江新材料产业园", "--level", "provincial", "--chain", "new-materials",
        "--area-mu", "9000",
    )  # fmt: skip
    assert added.returncode == 0, added.stderr
    parks = staff.get("/api/parks").json()["items"]
    assert [(p["name"], p["level"], p["leading_chains"], p["area_mu"]) for p in parks] == [
        ("涪江新材料产业园", "provincial", ["new-materials"], 9000)
    ]
    again = crm("park", "add", "涪江新材料产业园", "--level", "city")
    assert again.returncode != 0 and "already exists" in again.stderr
    unknown = crm("park", "add", "新园", "--level", "city", "--chain", "nope")
    assert unknown.returncode != 0 and "nope" in unknown.stderr
    bad_level = crm("park", "add", "新园", "--level", "county")
    assert bad_level.returncode != 0
    assert len(staff.get("/api/parks").json()["items"]) == 1


def test_parks_import_from_csv_and_xlsx(crm, staff, tmp_path):
    assert crm("import", "chain", str(SEEDS / "chains" / "01-new-materials.json")).returncode == 0
    csv_file = tmp_path / "parks.csv"
    csv_file.write_text(
        "园区名称,级别,主导产业链,面积(亩),简介\n"
        "江油高新区,省级,新材料,12000,\n"
        "安州工业园区,市级,,6500,以装备配套为主\n",
        "utf-8-sig",
    )
    first = crm("import", "parks", str(csv_file))
    assert first.returncode == 0, first.stderr
    assert "2 rows: 2 parks created, 0 present" in first.stdout
    book = Workbook()
    book.active.append(["name", "level", "leading_chains", "area_mu"])
    book.active.append(["江油高新区", "provincial", "new-materials", 12000])
    book.active.append(["云江高新技术产业开发区", "national", "new-materials", 35000])
    book.save(tmp_path / "parks.xlsx")
    second = crm("import", "parks", str(tmp_path / "parks.xlsx"))
    assert second.returncode == 0, second.stderr
    assert "2 rows: 1 parks created, 1 present" in second.stdout
    parks = {p["name"]: p for p in staff.get("/api/parks").json()["items"]}
    assert parks["江油高新区"]["leading_chains"] == ["new-materials"]
    assert parks["安州工业园区"]["level"] == "city" and parks["安州工业园区"]["area_mu"] == 6500


def test_a_park_file_with_a_bad_row_imports_nothing(crm, staff, tmp_path):
    file = tmp_path / "parks.csv"
    file.write_text(
        "园区名称,级别,主导产业链\n甲园区,省级,\n乙园区,县级,\n丙园区,市级,白酒\n", "utf-8"
    )
    result = crm("import", "parks", str(file))
    assert result.returncode != 0
    assert "row 3" in result.stderr and "level" in result.stderr
    assert "row 4" in result.stderr and "unknown chain '白酒'" in result.stderr
    assert staff.get("/api/parks").json()["items"] == []


def test_demo_on_a_busy_port_says_so_first_and_fails(tmp_path):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = subprocess.run(
            [sys.executable, "-m", "crm", "demo", "--port", str(port)],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=120,
        )
    assert result.returncode != 0
    assert result.stdout == ""
    assert result.stderr.startswith(f"port {port} on 127.0.0.1 is in use")
    assert f"--port {port + 1}" in result.stderr
    assert not (tmp_path / "crm-demo.db").exists(), "nothing was done before the check"
