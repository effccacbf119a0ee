"""The monthly bulletin (月度招商引资通报): API, XLSX and CLI on a hand-built history.

Report: June 2026 (序时进度 6/12 = 50%); 累计 2026-01-01..06-30; last year 2025-01-01..06-30.
Every expected figure below is worked out by hand from this table, not by the code.

| lead | chain:segment (park) | unit (kind) | history |
|---|---|---|---|
| A | new-display:panel (高新区) | 上海中心 (center) | created 2025-03-01, signed 2025-04-10 (50000 万元), funding 2025-05-01 10000, started 2025-07-01 |
| B | new-energy:cell (经开区) | 深圳中心 (center) | created 2025-11-01, signed 2025-12-20 (30000), funding 2025-12-31 5000, started 2026-01-10, funding 2026-06-15 8000 |
| C | new-display:terminal (高新区) | 上海中心 | created 2026-01-05, signed 2026-06-01 (12000) |
| D | new-energy:cathode (经开区) | 深圳中心 | created 2026-02-01, signed 2026-03-01 (20000), producing 2026-06-30 without a start |
| E | new-energy:cell (经开区) | 深圳中心 | created 2026-02-02, signed 2026-05-31 (10000) |
| F | new-display:panel (高新区) | 显示专班 (task_force) | created 2026-01-02, signed 2026-02-01 (40000) |
| G | new-display:terminal (高新区) | 经信组 (group) | created 2026-01-03, signed 2026-07-01 (5000): after June |
| H | new-energy:cathode (经开区) | none | created 2025-05-01, signed 2025-06-30 (15000), funding 2026-01-31 2000 |

Targets 2026: city 10 projects, 100000 万元; 上海中心 2 projects, 20000 万元; 深圳中心 5
projects; 显示专班 5 projects; 经信组 none.
"""

import os
import subprocess
import sys
from datetime import UTC, date, datetime

import openpyxl
import pytest
from sqlalchemy import event

from crm.reports.monthly import monthly_report, status
from crm.reports.xlsx import workbook_bytes
from tests.factories import chain_file, company
from tests.test_dashboard import ENERGY_CHAIN

D = date
SPECIALIST = "li-zy"
UNITS = {
    "SH": ("上海中心", "center"),
    "SZ": ("深圳中心", "center"),
    "T1": ("显示专班", "task_force"),
    "G1": ("经信组", "group"),
}
PARKS = {"高新区": ["new-display"], "经开区": ["new-energy"]}
LEADS = {
    "A": ("new-display:panel", "SH"),
    "B": ("new-energy:cell", "SZ"),
    "C": ("new-display:terminal", "SH"),
    "D": ("new-energy:cathode", "SZ"),
    "E": ("new-energy:cell", "SZ"),
    "F": ("new-display:panel", "T1"),
    "G": ("new-display:terminal", "G1"),
    "H": ("new-energy:cathode", None),
}
HISTORY = [
    (D(2025, 3, 1), "A", "create", {}),
    (D(2025, 4, 10), "A", "signed", {"investment": 50000}),
    (D(2025, 5, 1), "A", "fund", {"amount": 10000}),
    (D(2025, 5, 1), "H", "create", {}),
    (D(2025, 6, 30), "H", "signed", {"investment": 15000}),
    (D(2025, 7, 1), "A", "started", {}),
    (D(2025, 11, 1), "B", "create", {}),
    (D(2025, 12, 20), "B", "signed", {"investment": 30000}),
    (D(2025, 12, 31), "B", "fund", {"amount": 5000}),
    (D(2026, 1, 2), "F", "create", {}),
    (D(2026, 1, 3), "G", "create", {}),
    (D(2026, 1, 5), "C", "create", {}),
    (D(2026, 1, 10), "B", "started", {}),
    (D(2026, 1, 31), "H", "fund", {"amount": 2000}),
    (D(2026, 2, 1), "D", "create", {}),
    (D(2026, 2, 1), "F", "signed", {"investment": 40000}),
    (D(2026, 2, 2), "E", "create", {}),
    (D(2026, 3, 1), "D", "signed", {"investment": 20000}),
    (D(2026, 5, 31), "E", "signed", {"investment": 10000}),
    (D(2026, 6, 1), "C", "signed", {"investment": 12000}),
    (D(2026, 6, 15), "B", "fund", {"amount": 8000}),
    (D(2026, 6, 30), "D", "producing", {}),
    (D(2026, 7, 1), "G", "signed", {"investment": 5000}),
]


def at(app, day: date) -> None:
    moment = datetime(day.year, day.month, day.day, 12, tzinfo=UTC)
    app.state.clock = lambda: moment


@pytest.fixture
def history(app, staff, make_user) -> dict:
    at(app, D(2025, 1, 2))
    make_user(SPECIALIST, "specialist")
    for chain in (chain_file(), ENERGY_CHAIN):
        assert staff.post("/api/chains", json=chain).status_code == 201
    for name, chains in PARKS.items():
        body = {"name": name, "level": "provincial", "leading_chains": chains}
        assert staff.post("/api/parks", json=body).status_code == 201
    units = {}
    for key, (name, kind) in UNITS.items():
        response = staff.post("/api/taskforces", json={"name": name, "kind": kind})
        assert response.status_code == 201, response.text
        units[key] = response.json()["id"]
    leads, projects = {}, {}
    for day, name, action, body in HISTORY:
        at(app, day)
        if action == "create":
            segment, unit = LEADS[name]
            firm = staff.post("/api/companies", json=company(f"企业{name}"))
            lead = {
                "company_id": firm.json()["id"],
                "segment": segment,
                "task_force_id": units.get(unit),
                "expected_investment": 1000,
            }
            response = staff.post("/api/leads", json=lead)
            assert response.status_code == 201, response.text
            leads[name] = response.json()["id"]
        elif action == "fund":
            url = f"/api/projects/{projects[name]}/funding"
            response = staff.post(url, json={"date": day.isoformat(), **body})
            assert response.status_code == 201, response.text
        else:
            move = {"stage": action, **body}
            if action == "signed":
                move["specialist"] = SPECIALIST
            response = staff.post(f"/api/leads/{leads[name]}/stage", json=move)
            assert response.status_code == 200, (name, action, response.text)
            if action == "signed":
                projects[name] = response.json()["project_id"]
    targets = {
        "overall": {"signed_projects": 10, "signed_investment": 100000},
        "task_forces": [
            {"task_force_id": units["SH"], "signed_projects": 2, "signed_investment": 20000},
            {"task_force_id": units["SZ"], "signed_projects": 5},
            {"task_force_id": units["T1"], "signed_projects": 5},
        ],
    }
    assert staff.put("/api/targets/2026", json=targets).status_code == 200
    at(app, D(2026, 7, 15))
    return units


def june(client) -> dict:
    response = client.get("/api/reports/monthly", params={"year": 2026, "month": 6})
    assert response.status_code == 200, response.text
    return response.json()


def find(report: dict, section: str, label: str) -> dict:
    return next(r for r in report["rows"] if r["section"] == section and r["label"] == label)


def test_city_month_ytd_and_year_on_year_across_the_year_boundary(history, login):
    report = june(login("viewer"))
    assert report["title"] == "2026年6月全市招商引资工作通报"
    assert report["schedule"] == 0.5
    assert report["counting_rule"]["name"] == "event_date"
    assert (report["ytd_from"], report["ytd_to"]) == ("2026-01-01", "2026-06-30")
    assert (report["last_year_from"], report["last_year_to"]) == ("2025-01-01", "2025-06-30")
    city = find(report, "city", "全市")["indicators"]
    # signed: June C; 2026 C, D, E, F (B signed 2025-12-20, G in July); 2025 A, H
    signed = city["signed_count"]
    assert (signed["month"], signed["ytd"], signed["last_year_ytd"]) == (1, 4, 2)
    assert signed["yoy"] == 1.0  # (4 − 2) / 2
    assert city["signed_count"]["target"] == 10
    assert city["signed_count"]["completion"] == 0.4
    assert city["signed_count"]["status"] == "behind"  # 40% vs 50%: exactly 10 points behind
    money = city["signed_investment"]
    assert (money["month_yi"], money["ytd_yi"], money["last_year_ytd_yi"]) == (1.2, 8.2, 6.5)
    assert money["yoy"] == round((82000 - 65000) / 65000, 4)
    assert (money["completion"], money["status"]) == (0.82, "ahead")
    # started: B 2026-01-10, D 2026-06-30 (inferred from production); A started in July 2025
    assert (city["started"]["month"], city["started"]["ytd"]) == (1, 2)
    assert (city["started"]["last_year_ytd"], city["started"]["yoy"]) == (0, None)
    assert city["started"]["status"] is None  # no target set for started
    assert (city["producing"]["month"], city["producing"]["ytd"]) == (1, 1)
    # funding: 2026 B 8000 (June) + H 2000; 2025 A 10000 (B's 2025-12-31 is in neither)
    funding = city["funding"]
    assert (funding["month_yi"], funding["ytd_yi"], funding["last_year_ytd_yi"]) == (
        0.8,
        1.0,
        1.0,
    )
    assert (funding["yoy"], funding["target"], funding["status"]) == (0.0, None, None)
    rates = find(report, "city", "全市")["rates"]
    assert rates == {"started_rate": 0.5, "producing_rate": 0.25, "funding_rate": 0.122}


def test_units_completion_colour_on_the_thresholds_and_rank(history, login):
    report = june(login("leader"))
    sh, sz = find(report, "unit", "上海中心"), find(report, "unit", "深圳中心")
    t1, g1 = find(report, "unit", "显示专班"), find(report, "unit", "经信组")
    # 上海中心 1 of 2 = 50% = 序时进度; 深圳中心 2 of 5 = 40%, 10 points behind;
    # 显示专班 1 of 5 = 20%, 30 behind; 经信组 has no target.
    assert [u["indicators"]["signed_count"]["completion"] for u in (sh, sz, t1, g1)] == [
        0.5,
        0.4,
        0.2,
        None,
    ]
    assert [u["indicators"]["signed_count"]["status"] for u in (sh, sz, t1, g1)] == [
        "ahead",
        "behind",
        "far_behind",
        None,
    ]
    assert [u["indicators"]["signed_count"]["schedule_gap"] for u in (sh, sz, t1, g1)] == [
        0.0,
        -10.0,
        -30.0,
        None,
    ]
    assert sh["indicators"]["signed_investment"]["completion"] == 0.6  # 12000 / 20000
    assert sh["indicators"]["signed_investment"]["yoy"] == -0.76  # vs A's 50000
    assert (sh["rank"], sz["rank"]) == (1, 2)  # SZ has no money target: after
    centers = find(report, "unit_kind", "驻外中心")
    # both centres have a count target (2 + 5), only one a money target: none for the kind
    assert centers["indicators"]["signed_count"]["target"] == 7
    assert centers["indicators"]["signed_count"]["ytd"] == 3
    assert centers["indicators"]["signed_investment"]["target"] is None
    labels = [r["label"] for r in report["rows"]]
    assert labels.index("驻外中心") < labels.index("上海中心") < labels.index("深圳中心")
    unassigned = find(report, "unit", "未分配")["indicators"]
    assert unassigned["funding"]["ytd"] == 2000 and unassigned["signed_count"]["last_year_ytd"] == 1
    # parks and chains: 高新区/new-display C, F; 经开区/new-energy D, E
    for section, label_, count, yi_ in (
        ("park", "高新区", 2, 5.2),
        ("park", "经开区", 2, 3.0),
        ("chain", "新型显示", 2, 5.2),
        ("chain", "新能源", 2, 3.0),
    ):
        row = find(report, section, label_)["indicators"]
        assert (row["signed_count"]["ytd"], row["signed_investment"]["ytd_yi"]) == (count, yi_)
        assert row["signed_count"]["target"] is None


def test_status_thresholds_exactly():
    assert status(0.5, 0.5) == "ahead"
    assert status(0.4, 0.5) == "behind"
    assert status(7 / 12 - 0.1, 7 / 12) == "behind"
    assert status(0.3999, 0.5) == "far_behind"
    assert status(None, 0.5) is None


def test_a_bad_month_is_a_422(history, login):
    client = login("viewer")
    for params in ({"year": 2026, "month": 13}, {"year": 2026, "month": 0}, {"year": 2026}):
        assert client.get("/api/reports/monthly", params=params).status_code == 422


def test_a_fixed_number_of_queries(history, db, engine):
    statements = []

    def count(*_args):
        statements.append(1)

    event.listen(engine, "before_cursor_execute", count)
    try:
        with db() as session:
            monthly_report(session, 2026, 6)
            june_count = len(statements)
            statements.clear()
            monthly_report(session, 2026, 1)
    finally:
        event.remove(engine, "before_cursor_execute", count)
    # 4 groupings (unit, park, county, chain) × 3 periods, targets, units, parks, chains.
    assert june_count == len(statements) == 16


def test_the_workbook_read_back_cell_by_cell(history, db, tmp_path):
    with db() as session:
        content = workbook_bytes(monthly_report(session, 2026, 6))
    path = tmp_path / "bulletin.xlsx"
    path.write_bytes(content)
    _check_workbook(path)


def header_columns(sheet) -> dict[tuple[str, str], int]:
    """``(indicator group, sub-column) → column`` from the two merged header rows."""
    columns, group = {}, None
    for column in range(2, sheet.max_column + 1):
        group = sheet.cell(3, column).value or group
        columns[(group, sheet.cell(4, column).value)] = column
    return columns


def _check_workbook(path) -> None:
    sheet = openpyxl.load_workbook(path).active
    assert sheet["A1"].value == "2026年6月全市招商引资工作通报"
    merged = {str(r) for r in sheet.merged_cells.ranges}
    # 1 label column, 9 indicators × 5 columns (B..AT), 3 rates (AU..AW)
    assert {"A1:AW1", "A2:AW2", "A3:A4", "B3:F3", "G3:K3", "AK3:AO3", "AU3:AW3"} <= merged
    assert sheet["B3"].value == "新签约项目（个）" and sheet["G3"].value == "新签约金额（亿元）"
    assert sheet["AK3"].value == "到位资金（亿元）" and sheet["AU3"].value == "比率"
    assert sheet["AP3"].value == "其中省外到位资金（亿元）"
    assert [sheet.cell(4, c).value for c in range(2, 7)] == [
        "本月",
        "累计",
        "目标",
        "完成率",
        "同比",
    ]
    assert sheet.freeze_panes == "B5"
    assert sheet["A5"].value == "全市"
    # city: signed 1 / 4 / 10 / 40% / +100%; money 1.20 / 8.20 / 10.00 / 82% / 26.15%
    assert [sheet.cell(5, c).value for c in range(2, 7)] == [1, 4, 10, 0.4, 1.0]
    assert [sheet.cell(5, c).value for c in range(7, 12)] == [1.2, 8.2, 10.0, 0.82, 0.2615]
    assert sheet["H5"].number_format == "0.00" and sheet["J5"].number_format == "0.00%"
    assert sheet["E5"].number_format == "0.00%" and sheet["B5"].number_format == "0"
    funding = header_columns(sheet)[("到位资金（亿元）", "本月")]
    assert [sheet.cell(5, c).value for c in range(funding, funding + 5)] == [
        0.8,
        1.0,
        None,
        None,
        0.0,
    ]
    assert [sheet.cell(5, c).value for c in range(47, 50)] == [0.5, 0.25, 0.122]
    assert sheet["E5"].fill.start_color.rgb == "FFFFEB9C"  # 40% vs 50%: amber
    assert sheet["J5"].fill.start_color.rgb == "FFC6EFCE"  # 82%: green
    rows = {sheet.cell(r, 1).value.strip(): r for r in range(5, sheet.max_row + 1)}
    assert sheet.cell(rows["1. 上海中心"], 5).fill.start_color.rgb == "FFC6EFCE"
    assert sheet.cell(rows["2. 深圳中心"], 5).fill.start_color.rgb == "FFFFEB9C"
    t1 = next(r for label, r in rows.items() if label.endswith("显示专班"))
    g1 = next(r for label, r in rows.items() if label.endswith("经信组"))
    assert sheet.cell(t1, 5).fill.start_color.rgb == "FFFFC7CE"  # red
    assert sheet.cell(g1, 5).fill.fill_type is None and sheet.cell(g1, 4).value is None
    assert sheet.cell(rows["园区：高新区"], 8).value == 5.2


def run_crm(database_url: str, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "CRM_DATABASE_URL": database_url, "COLUMNS": "300"}
    return subprocess.run(
        [sys.executable, "-m", "crm", *args], capture_output=True, text=True, env=env, timeout=600
    )


def test_the_cli_writes_the_same_workbook_and_refuses_month_13(history, database_url, tmp_path):
    path = tmp_path / "june.xlsx"
    result = run_crm(database_url, "report", "monthly", "--year", "2026", "--month", "6", str(path))
    assert result.returncode == 0, result.stderr
    _check_workbook(path)
    bad = tmp_path / "bad.xlsx"
    result = run_crm(database_url, "report", "monthly", "--year", "2026", "--month", "13", str(bad))
    assert result.returncode != 0
    assert "month must be between 1 and 12" in result.stderr
    assert not bad.exists()
