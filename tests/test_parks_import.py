"""``crm land`` and ``crm factory``: import (all or nothing), export that reads back, sweep."""

from datetime import date, timedelta

import pytest

from tests.factories import company
from tests.parks_world import parks
from tests.test_cli import run_crm

PLOTS_CSV = """所在园区,地块编号,面积(亩),用途,供地方式,年期(年),土地价款(万元),用地单位,约定动工日,状态,双回路供电
高新区,GX-2025-01,52.5,工业用地,出让,50,1575,导入科技,2027/3/1,已供地,是
高新区,GX-2025-02,30,新型产业用地（M0）,先租后让,20,900,,,可供应,否
经开区,JK-01,80,仓储用地,弹性年期,30,2000,,,储备,否
"""


@pytest.fixture
def crm(database_url, clean_db):
    return lambda *args: run_crm(database_url, *args)


@pytest.fixture
def world(staff):
    parks(staff)
    assert staff.post("/api/companies", json=company("导入科技")).status_code == 201


def write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_plots_import_then_import_again_updates(crm, world, staff, tmp_path):
    path = write(tmp_path, "plots.csv", PLOTS_CSV)
    result = crm("land", "import", str(path))
    assert result.returncode == 0, result.stderr
    assert "3 rows: 3 created, 0 merged, 0 refused" in result.stdout
    items = staff.get("/api/land", params={"limit": 10}).json()["items"]
    by_no = {item["plot_no"]: item for item in items}
    first = by_no["GX-2025-01"]
    assert (first["status"], first["holder"], first["supply_mode"]) == (
        "supplied",
        "导入科技",
        "transfer",
    )
    assert first["contracted_start_on"] == "2027-03-01"
    assert first["dual_power"] is True
    assert by_no["GX-2025-02"]["use"] == "m0"
    assert by_no["JK-01"]["status"] == "reserve"
    again = write(tmp_path, "again.csv", PLOTS_CSV.replace("52.5", "60"))
    result = crm("land", "import", str(again))
    assert "3 rows: 0 created, 3 merged, 0 refused" in result.stdout
    detail = staff.get(f"/api/land/{first['id']}").json()
    assert detail["area_mu"] == 60
    assert [h["to"] for h in detail["history"]] == ["supplied"]


def test_a_bad_row_refuses_the_whole_file(crm, world, staff, tmp_path, table_counts):
    bad = PLOTS_CSV + (
        "高新区,GX-X,十亩,工业用地,拍卖,,,,,可供应,否\n"
        "高新区,GX-Y,10,工业用地,出让,,,,,已供地,否\n"
        "无此园区,Z-1,5,,,,,,,,\n"
    )
    path = write(tmp_path, "bad.csv", bad)
    before = table_counts()
    result = crm("land", "import", str(path))
    assert result.returncode != 0
    assert "row 5 [面积(亩)]: '十亩' is not a number" in result.stderr
    assert "row 5 [供地方式]: '拍卖' is not one of" in result.stderr
    assert "row 6 [状态]: a supplied plot names its holder" in result.stderr
    assert "row 7 [所在园区]: unknown park '无此园区'" in result.stderr
    assert "nothing was imported" in result.stderr
    assert table_counts() == before
    partial = crm("land", "import", str(path), "--partial")
    assert "6 rows: 3 created, 0 merged, 3 refused" in partial.stdout
    assert staff.get("/api/land").json()["total"] == 3


def test_export_reads_back_and_factories_too(crm, world, staff, tmp_path):
    assert crm("land", "import", str(write(tmp_path, "p.csv", PLOTS_CSV))).returncode == 0
    factories = (
        "所在园区,楼栋,楼层,面积(㎡),净高(m),楼面荷载(kN/㎡),双回路供电,洁净室,方式,状态,入驻企业,租金(元/㎡·月)\n"
        "高新区,1号楼,1,3000,8,12,是,否,租,已出租,导入科技,18\n"
        "高新区,1号楼,2,3000,5.5,8,是,是,售,空置,,\n"
    )
    result = crm("factory", "import", str(write(tmp_path, "f.csv", factories)))
    assert result.returncode == 0, result.stderr
    listed = staff.get("/api/factories").json()["items"]
    assert [(f["floor"], f["status"], f["tenant"], f["mode"]) for f in listed] == [
        ("1", "let", "导入科技", "rent"),
        ("2", "vacant", None, "sale"),
    ]
    for kind, name in (("land", "plots.xlsx"), ("factory", "factories.xlsx")):
        out = tmp_path / name
        assert crm(kind, "export", str(out)).returncode == 0
        back = crm(kind, "import", str(out))
        assert back.returncode == 0, back.stderr
        assert "0 created" in back.stdout and "0 refused" in back.stdout
    assert staff.get("/api/land").json()["total"] == 3


def test_sweep_from_the_command_line(crm, world, staff, tmp_path):
    today = date.today()
    long_ago = today - timedelta(days=800)
    text = (
        "所在园区,地块编号,面积(亩),土地价款(万元),用地单位,约定动工日,状态\n"
        f"高新区,OLD-1,10,500,导入科技,{long_ago.isoformat()},已供地\n"
    )
    assert crm("land", "import", str(write(tmp_path, "old.csv", text))).returncode == 0
    first = crm("land", "sweep")
    assert first.returncode == 0, first.stderr
    assert "1 plots changed" in first.stdout
    assert "0 plots changed" in crm("land", "sweep").stdout
    (plot,) = staff.get("/api/land").json()["items"]
    assert plot["status"] == "idle_suspected"
    assert plot["fee_due"] == pytest.approx(100)
    assert plot["reclaim_proposed_on"] is not None
