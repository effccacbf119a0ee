"""Counties, formal agreements, 省外 funding and targets per park and county, through the API,
the monthly bulletin and its workbook, on a hand-built history.

Home city: 云江市 (510700), counties 江油市 and 涪城区 among them. The clock stands at
2026-06-15; the bulletin is May 2026 (序时进度 5/12 = 41.67%; 累计 2026-01-01..05-31).
Every expected figure below is worked out by hand from this table, not by the code.

| lead | unit | signed (万元, agreement) | park, county | later |
|---|---|---|---|---|
| A | 上海中心 (center) | 2026-02-10, 150000, formal | 高新区, 江油 | funding 2026-03-01 20000 省外, 2026-04-01 5000 市内 |
| B | 上海中心 | 2026-03-05, 50000, framework | –, 涪城区 | funding 2026-04-10 3000 境外 |
| C | 显示专班 (task_force) | 2026-01-20, 250000, formal | –, – | funding 2026-05-01 10000 省外 |
| D | 显示专班 | 2026-04-02, 8000, formal | 高新区, 江油市 | started 2026-05-02 |
| E | none | not signed (created 2026-01-05) | | |

新签约 (formal): A, C, D = 3 projects, 408000 万元; ≥1亿: A, C; ≥10亿: A, C; ≥20亿: C.
With framework agreements: 4 projects, 458000 万元, ≥1亿: A, B, C.
到位资金 38000 万元, of it 省外 30000 (A's 20000, C's 10000; B's overseas money is not 省外).
"""

from datetime import UTC, date, datetime

import openpyxl
import pytest

from crm.reports.monthly import monthly_report
from crm.reports.xlsx import workbook_bytes
from tests.factories import chain_file, company
from tests.test_reports_monthly import header_columns

D = date
SPECIALIST = "wang-zy"
UNITS = {"SH": ("上海中心", "center"), "T1": ("显示专班", "task_force")}
PARK = "高新区"
LEADS = {"A": "SH", "B": "SH", "C": "T1", "D": "T1", "E": None}
SIGNINGS = {
    # lead: (day, 万元, agreement, park, county)
    "A": (D(2026, 2, 10), 150000, "formal", PARK, "江油"),
    "B": (D(2026, 3, 5), 50000, "framework", None, "涪城区"),
    "C": (D(2026, 1, 20), 250000, "formal", None, None),
    "D": (D(2026, 4, 2), 8000, "formal", PARK, "江油市"),
}
FUNDING = [
    ("A", D(2026, 3, 1), 20000, "other_province"),
    ("A", D(2026, 4, 1), 5000, "local"),
    ("B", D(2026, 4, 10), 3000, "overseas"),
    ("C", D(2026, 5, 1), 10000, "other_province"),
]
NOW = D(2026, 6, 15)
GREEN, AMBER, RED = "FFC6EFCE", "FFFFEB9C", "FFFFC7CE"


def at(app, day: date) -> None:
    moment = datetime(day.year, day.month, day.day, 12, tzinfo=UTC)
    app.state.clock = lambda: moment


@pytest.fixture
def history(app, staff, make_user) -> dict:
    at(app, D(2026, 1, 2))
    make_user(SPECIALIST, "specialist")
    assert staff.post("/api/chains", json=chain_file()).status_code == 201
    body = {"name": PARK, "level": "provincial", "leading_chains": []}  # no default park
    assert staff.post("/api/parks", json=body).status_code == 201
    units = {}
    for key, (name, kind) in UNITS.items():
        response = staff.post("/api/taskforces", json={"name": name, "kind": kind})
        assert response.status_code == 201, response.text
        units[key] = response.json()["id"]
    at(app, D(2026, 1, 5))
    leads, projects = {}, {}
    for name, unit in LEADS.items():
        firm = staff.post("/api/companies", json=company(f"企业{name}"))
        lead = {
            "company_id": firm.json()["id"],
            "segment": "new-display:panel",
            "task_force_id": units.get(unit),
            "expected_investment": 1000,
        }
        response = staff.post("/api/leads", json=lead)
        assert response.status_code == 201, response.text
        leads[name] = response.json()["id"]
    for name, (day, investment, agreement, park, county) in sorted(
        SIGNINGS.items(), key=lambda item: item[1][0]
    ):
        at(app, day)
        move = {
            "stage": "signed",
            "specialist": SPECIALIST,
            "investment": investment,
            "agreement_type": agreement,
            **({"park": park} if park else {}),
        }
        response = staff.post(f"/api/leads/{leads[name]}/stage", json=move)
        assert response.status_code == 200, response.text
        projects[name] = response.json()["project_id"]
        if county:
            url = f"/api/projects/{projects[name]}"
            version = staff.get(url).json()["version"]
            patched = staff.patch(url, json={"version": version, "county": county})
            assert patched.status_code == 200, patched.text
    for name, day, amount, region in FUNDING:
        at(app, day)
        entry = {"date": day.isoformat(), "amount": amount, "source_region": region}
        response = staff.post(f"/api/projects/{projects[name]}/funding", json=entry)
        assert response.status_code == 201, response.text
    at(app, D(2026, 5, 2))
    response = staff.post(f"/api/leads/{leads['D']}/stage", json={"stage": "started"})
    assert response.status_code == 200, response.text
    at(app, NOW)
    return units


def test_formal_agreements_count_as_signed_and_funding_outside_the_province(history, staff):
    body = staff.get("/api/dashboard/funnel").json()
    assert "formal agreements only" in body["counting_rule"]["description"]
    assert body["signed"] == {
        "count": 3,
        "investment": 408000,
        "investment_yi": 40.8,
        "at_least_1yi": 2,
        "at_least_10yi": 2,
        "at_least_20yi": 1,
    }
    assert body["stages"][4]["reached"] == 3  # the signed stage counts 新签约 too
    assert body["investment_in_place"] == 38000
    assert body["investment_in_place_yi"] == 3.8
    assert body["investment_in_place_outside_province"] == 30000
    assert body["investment_in_place_outside_province_yi"] == 3.0
    everything = staff.get("/api/dashboard/funnel", params={"include_framework": True}).json()
    assert everything["signed"]["count"] == 4
    assert everything["signed"]["investment"] == 458000
    assert everything["signed"]["at_least_1yi"] == 3
    march = {"date_from": "2026-03-01", "date_to": "2026-03-31"}
    assert staff.get("/api/dashboard/funnel", params=march).json()["signed"]["count"] == 0
    march_all = staff.get("/api/dashboard/funnel", params=march | {"include_framework": 1})
    assert march_all.json()["signed"]["count"] == 1  # B's framework agreement


FIGURES = (
    ("signed", "count"),
    ("signed", "investment"),
    ("signed", "at_least_1yi"),
    ("signed", "at_least_10yi"),
    ("signed", "at_least_20yi"),
    ("started",),
    ("producing",),
    ("investment_in_place",),
    ("investment_in_place_outside_province",),
    ("overdue_tickets",),
    ("lost", "count"),
    ("paused", "count"),
)


def figure(body: dict, path: tuple) -> float:
    for part in path:
        body = body[part]
    return body


def test_breakdown_by_county_adds_up_to_the_total(history, staff):
    total = staff.get("/api/dashboard/funnel").json()
    groups = staff.get("/api/dashboard/breakdown", params={"by": "county"}).json()["groups"]
    by_label = {g["label"]: g for g in groups}
    assert [g["key"] for g in groups] == ["江油市", "涪城区", None]  # unassigned last
    jiangyou, fucheng, unassigned = by_label["江油市"], by_label["涪城区"], by_label["未分配"]
    assert (jiangyou["signed"]["count"], jiangyou["signed"]["investment"]) == (2, 158000)
    assert (fucheng["signed"]["count"], unassigned["signed"]["count"]) == (0, 1)
    assert jiangyou["investment_in_place"] == 25000
    assert jiangyou["investment_in_place_outside_province"] == 20000
    assert fucheng["investment_in_place"] == 3000
    assert fucheng["investment_in_place_outside_province"] == 0
    assert unassigned["investment_in_place_outside_province"] == 10000
    assert [g["stages"][0]["reached"] for g in groups] == [2, 1, 2]  # E is unassigned
    assert jiangyou["started"] == 1
    for path in FIGURES:
        assert sum(figure(g, path) for g in groups) == figure(total, path), path
    for rank in range(7):
        for column in ("reached", "current", "amount"):
            column_sum = sum(g["stages"][rank][column] for g in groups)
            assert column_sum == total["stages"][rank][column], (rank, column)


TARGETS = {
    "overall": {"signed_projects": 6, "funding": 100000, "funding_outside_province": 60000},
    "task_forces": [],
    "parks": [
        {"park": PARK, "signed_projects": 2, "funding": 80000, "funding_outside_province": 40000}
    ],
    "counties": [
        {
            "county": "江油",
            "signed_investment": 400000,
            "signed_at_least_1yi": 2,
            "funding": 100000,
        }
    ],
}


def test_targets_per_park_and_county_round_trip_and_refusals(history, staff, table_counts):
    put = staff.put("/api/targets/2026", json=TARGETS)
    assert put.status_code == 200, put.text
    saved = put.json()
    assert staff.get("/api/targets/2026").json() == saved
    assert saved["counties"][0]["county"] == "江油市"  # answered in full
    assert saved["parks"][0]["park"] == PARK
    assert saved["parks"][0]["funding"] == 80000 and saved["parks"][0]["started"] is None
    before = table_counts()
    refused = [
        TARGETS | {"parks": [{"park": "不存在园区", "signed_projects": 1}]},
        TARGETS | {"counties": [{"county": "海淀区", "signed_projects": 1}]},
        TARGETS | {"counties": [{"county": "江油"}, {"county": "江油市"}]},
        TARGETS | {"overall": {"funding": 1000, "funding_outside_province": 2000}},
        TARGETS | {"overall": {"signed_at_least_10yi": 3, "signed_at_least_20yi": 4}},
        TARGETS | {"overall": {"signed_projects": -1}},
    ]
    for body in refused:
        response = staff.put("/api/targets/2026", json=body)
        assert response.status_code == 422, (body, response.text)
        assert "detail" in response.json()
    assert table_counts() == before
    assert staff.get("/api/targets/2026").json() == saved

    # Progress in 2026: the park (A, D) signed 2 of 2; its funding 25000 of 80000, 省外
    # 20000 of 40000. The county 江油市 (A, D): 158000 of 400000 万元, one ≥1亿 of 2.
    parks = staff.get("/api/dashboard/breakdown", params={"by": "park"}).json()["groups"]
    park = next(g for g in parks if g["key"] == PARK)["targets"]
    assert park["signed_projects"] == {"target": 2, "actual": 2, "rate": 1.0}
    assert park["funding"]["rate"] == round(25000 / 80000, 3)
    assert park["funding_outside_province"]["actual_yi"] == 2.0
    assert park["funding_outside_province"]["rate"] == 0.5
    park_funnel = staff.get("/api/dashboard/funnel", params={"park": PARK}).json()["targets"]
    assert park_funnel["funding"] == park["funding"]
    counties = staff.get("/api/dashboard/breakdown", params={"by": "county"}).json()["groups"]
    county = next(g for g in counties if g["key"] == "江油市")["targets"]
    assert county["signed_investment"]["rate"] == 0.395
    assert county["signed_at_least_1yi"] == {"target": 2, "actual": 1, "rate": 0.5}
    city = staff.get("/api/dashboard/funnel").json()["targets"]
    assert city["funding_outside_province"]["actual"] == 30000
    assert city["funding_outside_province"]["rate"] == 0.5
    assert city["signed_projects"] == {"target": 6, "actual": 3, "rate": 0.5}


def row_of(sheet, label: str) -> int:
    return next(r for r in range(5, sheet.max_row + 1) if sheet.cell(r, 1).value == label)


def test_bulletin_rows_for_parks_and_counties_with_their_targets(history, staff, db, tmp_path):
    assert staff.put("/api/targets/2026", json=TARGETS).status_code == 200
    report = staff.get("/api/reports/monthly", params={"year": 2026, "month": 5}).json()
    counties = {r["label"]: r for r in report["rows"] if r["section"] == "county"}
    assert {"江油市", "涪城区", "未分配"} <= set(counties)
    jiangyou = counties["江油市"]["indicators"]
    assert jiangyou["signed_count"]["ytd"] == 2
    assert jiangyou["signed_investment"]["ytd_yi"] == 15.8
    assert jiangyou["signed_investment"]["status"] == "behind"  # 39.5% vs 41.67%
    assert jiangyou["signed_1yi"]["status"] == "ahead"  # 50%
    assert jiangyou["funding"]["status"] == "far_behind"  # 25%
    assert jiangyou["started"]["month"] == 1 and jiangyou["started"]["status"] is None
    assert counties["涪城区"]["indicators"]["signed_count"]["ytd"] == 0  # framework only
    city = next(r for r in report["rows"] if r["section"] == "city")["indicators"]
    assert (city["funding"]["ytd"], city["funding_outside"]["ytd"]) == (38000, 30000)
    assert city["funding"]["month"] == 10000  # C's entry of 1 May
    assert city["funding_outside"]["status"] == "ahead"  # 50%
    assert city["funding"]["status"] == "behind"  # 38%: 3.67 points behind
    assert city["signed_count"]["status"] == "ahead"  # 3 of 6: 50%

    with db() as session:
        content = workbook_bytes(monthly_report(session, 2026, 5))
    path = tmp_path / "may.xlsx"
    path.write_bytes(content)
    sheet = openpyxl.load_workbook(path).active
    columns = header_columns(sheet)

    def cell(label: str, group: str, sub: str):
        return sheet.cell(row_of(sheet, label), columns[(group, sub)])

    money, funding = "新签约金额（亿元）", "到位资金（亿元）"
    outside, signed, major = "其中省外到位资金（亿元）", "新签约项目（个）", "亿元以上项目（个）"
    county, park = "区县：江油市", "园区：高新区"
    assert cell(county, money, "累计").value == 15.8
    assert cell(county, money, "目标").value == 40.0
    assert cell(county, money, "完成率").value == 0.395
    assert cell(county, money, "完成率").fill.start_color.rgb == AMBER
    assert cell(county, major, "累计").value == 1
    assert cell(county, major, "完成率").fill.start_color.rgb == GREEN
    assert cell(county, funding, "累计").value == 2.5
    assert cell(county, funding, "目标").value == 10.0
    assert cell(county, funding, "完成率").value == 0.25
    assert cell(county, funding, "完成率").fill.start_color.rgb == RED
    assert cell(county, signed, "完成率").value is None
    assert cell(county, signed, "完成率").fill.fill_type is None  # no target, no colour
    assert cell(park, signed, "累计").value == 2
    assert cell(park, signed, "完成率").value == 1.0
    assert cell(park, signed, "完成率").fill.start_color.rgb == GREEN
    assert cell(park, funding, "完成率").value == 0.3125
    assert cell(park, funding, "完成率").fill.start_color.rgb == RED
    assert cell(park, outside, "累计").value == 2.0
    assert cell(park, outside, "目标").value == 4.0
    assert cell(park, outside, "完成率").fill.start_color.rgb == GREEN
    assert cell("区县：涪城区", signed, "累计").value == 0
    assert cell("全市", outside, "本月").value == 1.0
    assert cell("全市", outside, "累计").value == 3.0


def test_the_pages_show_county_rows_and_colours(history, staff, browser_login):
    """The bulletin page for May and the cockpit for 2026, as a viewer sees them. The cockpit's
    序时进度 on 15 June is 166/365 = 45.5%: 江油市's 15.8 of 40 亿 (39.5%) is amber."""
    assert staff.put("/api/targets/2026", json=TARGETS).status_code == 200
    client = browser_login("viewer")
    html = client.get("/reports/monthly", params={"month": "2026-05"}).text
    assert "区县" in html
    county = html.split('data-row="county:江油市"')[1].split("</tr>")[0]
    assert 'data-indicator="signed_investment" data-status="behind">39.5%' in county
    assert 'data-indicator="funding" data-status="far_behind">25.0%' in county
    park = html.split(f'data-row="park:{PARK}"')[1].split("</tr>")[0]
    assert 'data-indicator="funding_outside" data-status="ahead">50.0%' in park
    cockpit = client.get("/", params={"year": 2026}).text
    counties = cockpit.split('id="counties-heading"')[1].split("</section>")[0]
    jiangyou = counties.split("江油市")[1].split("</tr>")[0]
    assert "15.80" in jiangyou and 'data-status="behind">39.5%' in jiangyou
    strip = cockpit.split('data-figure="in_place_outside"')[1].split("</li>")[0]
    assert "3.00" in strip  # 30000 万元 of 省外 funding in 2026
