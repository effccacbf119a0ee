"""Lead import and export (SPEC §5): ``crm import leads`` / ``crm export leads`` as a user runs
them, ``POST /api/import/leads`` and ``/companies`` uploads, and ``GET /api/leads/export``.
"""

import csv
import datetime as dt
import gc
import io
import re
import tempfile

import pytest
from openpyxl import Workbook, load_workbook

from tests.database import empty_tables
from tests.factories import chain_file, company, credit_code
from tests.signing import LEADER, move, negotiating_lead, prepare, sign
from tests.test_cli import run_crm

ZH = ["企业名称", "统一社会信用代码", "城市", "所属环节", "招商专班", "负责人", "优先级"]
ZH += ["线索来源", "预计投资(万元)", "预计就业", "下次跟进", "阶段", "备注", "意向园区"]
EN = ["company", "credit_code", "city", "segment", "task_force", "owner", "priority"]
EN += ["source", "expected_investment", "expected_jobs", "next_follow_up", "stage", "notes", "park"]
TASK_FORCE = "新型显示专班"
OWNER = "li"
STORED = "云江华鑫显示科技有限公司"  # a company already registered, with credit_code(1)


def row(**cells: str) -> list[str]:
    """A file row in the column order above; cells not named are blank."""
    unknown = set(cells) - set(EN)
    assert not unknown, unknown
    return [cells.get(name, "") for name in EN]


ROWS = [
    # row 2: the stored company, found by its credit code under another name
    row(
        company="云江华鑫显示科技股份有限公司",
        credit_code=credit_code(1),
        segment="new-display:panel",
        task_force=TASK_FORCE,
        owner=OWNER,
        priority="A",
        source="驻外中心",
        expected_investment="50000",
        expected_jobs="800",
        next_follow_up="2026/3/5",
        stage="已接洽",
        notes="首次接触",
    ),
    # row 3: a new company without a credit code
    row(
        company="合肥启天背光有限公司",
        city="合肥市",
        segment="new-display:glass-substrate",
        priority="B",
        source="展会",
        expected_investment="12000",
        next_follow_up="2026-04-01",
    ),
    # row 4: a new company with a credit code; English stage and source words
    row(
        company="苏州晶澜显示科技有限公司",
        credit_code=credit_code(31, "91320505"),
        city="苏州市",
        segment="new-display:liquid-crystal",
        task_force=TASK_FORCE,
        priority="C",
        source="referral",
        expected_jobs="120",
        stage="negotiating",
    ),
    # row 5: row 3's company (spelt with a space) and segment again: one lead, filled in
    row(
        company="合肥启天 背光有限公司",
        segment="new-display:glass-substrate",
        owner=OWNER,
        expected_jobs="300",
        notes="展会上结识",
    ),
]
EXPECTED = {
    (STORED, "new-display:panel"): {
        "task_force": TASK_FORCE,
        "owner": OWNER,
        "priority": "A",
        "source": "center",
        "expected_investment": 50000.0,
        "expected_jobs": 800,
        "next_follow_up": "2026-03-05",
        "stage": "contacted",
        "notes": "首次接触",
    },
    ("合肥启天背光有限公司", "new-display:glass-substrate"): {
        "task_force": None,
        "owner": OWNER,
        "priority": "B",
        "source": "exhibition",
        "expected_investment": 12000.0,
        "expected_jobs": 300,
        "next_follow_up": "2026-04-01",
        "stage": "identified",
        "notes": "展会上结识",
    },
    ("苏州晶澜显示科技有限公司", "new-display:liquid-crystal"): {
        "task_force": TASK_FORCE,
        "owner": None,
        "priority": "C",
        "source": "referral",
        "expected_investment": None,
        "expected_jobs": 120,
        "next_follow_up": None,
        "stage": "negotiating",
        "notes": None,
    },
}
GOOD_A = row(
    company="云江瑞博光电有限公司",
    city="云江市",
    segment="new-display:panel",
    task_force=TASK_FORCE,
    owner=OWNER,
    priority="A",
    source="驻外中心",
    expected_investment="3000",
    expected_jobs="50",
    next_follow_up="2026-05-01",
    stage="已接洽",
)
GOOD_B = row(company="武汉锐拓光电有限公司", city="武汉市", segment="new-display:terminal")


def _bad(column: str, value: str) -> list[str]:
    cells = row(company="深圳联康视讯有限公司", city="深圳市", segment="new-display:panel")
    cells[ZH.index(column)] = value
    return cells


BAD_ROWS = [
    GOOD_A,  # row 2
    _bad("统一社会信用代码", "91110000600037341X"),  # row 3: wrong check character
    _bad("所属环节", "new-display:backlight"),  # row 4: the chain has no such segment
    _bad("招商专班", "火星专班"),  # row 5
    _bad("负责人", "nobody"),  # row 6
    _bad("阶段", "已签约"),  # row 7: signing needs a project; never imported
    _bad("优先级", "D"),  # row 8
    _bad("下次跟进", "下周"),  # row 9
    _bad("预计投资(万元)", "很多"),  # row 10
    _bad("企业名称", ""),  # row 11
    _bad("线索来源", "朋友"),  # row 12
    GOOD_B,  # row 13
]
BAD = {
    3: "统一社会信用代码",
    4: "所属环节",
    5: "招商专班",
    6: "负责人",
    7: "阶段",
    8: "优先级",
    9: "下次跟进",
    10: "预计投资(万元)",
    11: "企业名称",
    12: "线索来源",
}


def csv_text(headers, rows) -> str:
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(headers)
    writer.writerows(rows)
    return buffer.getvalue()


def xlsx_bytes(headers, rows) -> bytes:
    """A workbook as Excel keeps it: numbers as numbers, dates as date cells, blanks empty."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(headers)
    for row in rows:
        sheet.append([_cell(header, value) for header, value in zip(headers, row, strict=True)])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _cell(header: str, value: str):
    if value == "":
        return None
    if header in ("下次跟进", "next_follow_up"):
        try:
            return dt.date(*map(int, re.split(r"[-/]", value)))
        except ValueError:
            return value
    if header in ("预计投资(万元)", "预计就业"):
        try:
            return float(value) if "." in value else int(value)
        except ValueError:
            return value
    return value


def rows_reported(stderr: str) -> dict[int, set[str]]:
    """``{row: {column, …}}`` from the CLI's ``row N [column]: message`` lines."""
    found: dict[int, set[str]] = {}
    for row, column in re.findall(r"row (\d+)(?: \[([^\]]+)\])?:", stderr):
        found.setdefault(int(row), set()).add(column)
    return found


def leads_by_key(client, **filters) -> dict[tuple[str, str], dict]:
    response = client.get("/api/leads", params={"limit": 500, **filters})
    assert response.status_code == 200, response.text
    data = response.json()
    assert data["total"] == len(data["items"])
    return {(item["company"]["name"], item["segment"]): item for item in data["items"]}


def readable(lead: dict) -> dict:
    return {
        key: (lead[key]["name"] if key == "task_force" and lead[key] else lead[key])
        for key in EXPECTED[(STORED, "new-display:panel")]
    }


def assert_imported(client) -> None:
    leads = leads_by_key(client)
    assert set(leads) == set(EXPECTED)
    for key, fields in EXPECTED.items():
        assert readable(leads[key]) == fields, key


def history(client, lead_id: int) -> list[dict]:
    response = client.get(f"/api/leads/{lead_id}")
    assert response.status_code == 200, response.text
    return response.json()["history"]


def set_up(staff, make_user) -> None:
    """The chain, the task force, the owner and one stored company that files refer to."""
    make_user(OWNER, "leader")
    assert staff.post("/api/chains", json=chain_file()).status_code == 201
    task_force = {"name": TASK_FORCE, "kind": "task_force", "leader": OWNER}
    assert staff.post("/api/taskforces", json=task_force).status_code == 201
    company = {
        "name": STORED,
        "credit_code": credit_code(1),
        "city": "云江市",
        "is_local": True,
        "segments": ["new-display:panel"],
    }
    assert staff.post("/api/companies", json=company).status_code == 201


@pytest.fixture
def crm(database_url, clean_db):
    return lambda *args: run_crm(database_url, *args)


@pytest.fixture
def world(staff, make_user):
    set_up(staff, make_user)


@pytest.fixture
def clean_xlsx(tmp_path):
    source = tmp_path / "线索.xlsx"
    source.write_bytes(xlsx_bytes(ZH, ROWS))
    return source


def upload(client, path: str, name: str, content: bytes, **params):
    files = {"file": (name, content, "application/octet-stream")}
    return client.post(path, files=files, params=params)


def test_intended_park_column(world, staff, table_counts):
    """意向园区 sets a lead's intended park; a new lead without one gets the one park leading
    its chain; an unknown park refuses the file, naming the column."""
    for name, chains in (("高新区", []), ("经开区", ["new-display"])):
        body = {"name": name, "level": "provincial", "leading_chains": chains}
        assert staff.post("/api/parks", json=body).status_code == 201
    given = row(company="甲显示有限公司", segment="new-display:panel", park="高新区")
    default = row(company="乙显示有限公司", segment="new-display:panel")
    content = csv_text(ZH, [given, default]).encode("utf-8-sig")
    response = upload(staff, "/api/import/leads", "线索.csv", content)
    assert response.status_code == 200, response.text
    parks = {key[0]: lead["park"] for key, lead in leads_by_key(staff).items()}
    assert parks == {"甲显示有限公司": "高新区", "乙显示有限公司": "经开区"}
    before = table_counts()
    unknown = row(company="丙显示有限公司", segment="new-display:panel", park="无此园区")
    bad = upload(staff, "/api/import/leads", "bad.csv", csv_text(ZH, [unknown]).encode())
    assert bad.status_code == 422, bad.text
    error = bad.json()["detail"]["errors"][0]
    assert (error["column"], error["message"]) == ("意向园区", "unknown park '无此园区'")
    assert table_counts() == before


# --- the CLI ----------------------------------------------------------------------------------


def test_clean_xlsx_with_chinese_headers_imports(crm, world, staff, clean_xlsx):
    result = crm("import", "leads", str(clean_xlsx))
    assert result.returncode == 0, result.stderr
    assert "4 rows: 3 created, 1 merged, 0 refused" in result.stdout
    assert_imported(staff)
    companies = staff.get("/api/companies", params={"limit": 100}).json()
    assert companies["total"] == 3  # the stored one was found, two were created
    created = {c["name"]: c for c in companies["items"]}["苏州晶澜显示科技有限公司"]
    assert created["credit_code"] == credit_code(31, "91320505")
    assert created["city"] == "苏州市" and created["is_local"] is False

    leads = leads_by_key(staff)
    contacted_id = leads[(STORED, "new-display:panel")]["id"]
    contacted = history(staff, contacted_id)
    assert [(h["from"], h["to"], h["note"]) for h in contacted] == [
        ("identified", "contacted", "导入")
    ]
    assert contacted[0]["by"].startswith("cli:")
    glass = leads[("合肥启天背光有限公司", "new-display:glass-substrate")]
    assert history(staff, glass["id"]) == []  # imported at identified: no move
    negotiating = leads[("苏州晶澜显示科技有限公司", "new-display:liquid-crystal")]
    assert negotiating["highest_stage"] == "negotiating"
    assert [h["to"] for h in history(staff, negotiating["id"])] == ["negotiating"]

    def audited(entity: str, action: str) -> list[dict]:
        params = {"entity": entity, "action": action, "limit": 100}
        return staff.get("/api/audit", params=params).json()["items"]

    # As for companies: one entry for the import, with the ids it wrote, not one per row.
    [entry] = audited("lead", "import")
    assert entry["actor"].startswith("cli:")
    assert entry["changes"]["file"].endswith(clean_xlsx.name)
    changes = entry["changes"]
    assert sorted(changes["created"]) == sorted(x["id"] for x in leads.values())
    assert sorted(changes["moved"]) == sorted([contacted_id, negotiating["id"]])
    assert changes["changed"] == [] and changes["rows"] == 4
    new_companies = {c["id"] for c in companies["items"] if c["name"] != STORED}
    assert sorted(changes["companies_created"]) == sorted(new_companies)
    assert audited("lead", "insert") == audited("lead_stage_change", "insert") == []
    assert len(audited("company", "insert")) == 1  # the stored one, by the API


def test_importing_the_same_file_again_merges_and_changes_nothing(
    crm, world, staff, clean_xlsx, table_counts
):
    assert crm("import", "leads", str(clean_xlsx)).returncode == 0
    before, leads = table_counts(), leads_by_key(staff)
    again = crm("import", "leads", str(clean_xlsx))
    assert again.returncode == 0, again.stderr
    assert "4 rows: 0 created, 4 merged, 0 refused" in again.stdout
    assert table_counts() == before  # no lead, company, history row or even audit entry
    assert leads_by_key(staff) == leads  # versions included


def test_a_later_file_fills_and_advances_open_leads(crm, world, staff, clean_xlsx, tmp_path):
    assert crm("import", "leads", str(clean_xlsx)).returncode == 0
    leads = leads_by_key(staff)
    panel = leads[(STORED, "new-display:panel")]
    glass = leads[("合肥启天背光有限公司", "new-display:glass-substrate")]
    lost = staff.post(
        f"/api/leads/{glass['id']}/stage", json={"stage": "lost", "reason": "已在外地落户"}
    )
    assert lost.status_code == 200, lost.text
    update = [
        # the panel lead moves on; blank cells keep what it has
        row(
            company=STORED,
            segment="new-display:panel",
            expected_investment="60000",
            stage="已拜访",
        ),
        # the stored lead is lost, so this is a new lead for the same company and segment
        row(company="合肥启天背光有限公司", segment="new-display:glass-substrate", priority="A"),
        # a stage behind the lead's is not a move back
        row(
            company="苏州晶澜显示科技有限公司",
            segment="new-display:liquid-crystal",
            priority="A",
            stage="已识别",
        ),
    ]
    source = tmp_path / "update.csv"
    source.write_text(csv_text(ZH, update), encoding="utf-8-sig")
    result = crm("import", "leads", str(source))
    assert result.returncode == 0, result.stderr
    assert "3 rows: 1 created, 2 merged, 0 refused" in result.stdout

    after = leads_by_key(staff)
    moved = staff.get(f"/api/leads/{panel['id']}").json()
    assert moved["stage"] == "visited" and moved["expected_investment"] == 60000
    assert moved["priority"] == "A" and moved["notes"] == "首次接触"
    assert moved["version"] > panel["version"]
    assert [(h["from"], h["to"]) for h in moved["history"]] == [
        ("identified", "contacted"),
        ("contacted", "visited"),
    ]
    negotiating = after[("苏州晶澜显示科技有限公司", "new-display:liquid-crystal")]
    assert negotiating["stage"] == "negotiating" and negotiating["priority"] == "A"
    glass_leads = staff.get(
        "/api/leads", params={"segment": "new-display:glass-substrate", "limit": 10}
    ).json()
    assert sorted(lead["stage"] for lead in glass_leads["items"]) == ["identified", "lost"]


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_a_file_with_bad_rows_is_refused_whole(crm, world, tmp_path, table_counts, kind):
    source = tmp_path / f"bad.{kind}"
    if kind == "csv":
        source.write_text(csv_text(ZH, BAD_ROWS), encoding="utf-8-sig")
    else:
        source.write_bytes(xlsx_bytes(ZH, BAD_ROWS))
    before = table_counts()
    result = crm("import", "leads", str(source))
    assert result.returncode != 0
    assert rows_reported(result.stderr) == {row: {column} for row, column in BAD.items()}
    for word in ("new-display:backlight", "火星专班", "nobody", "下周", "很多", "朋友"):
        assert word in result.stderr
    assert "nothing was imported" in result.stderr
    assert table_counts() == before


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_partial_import_takes_the_good_rows_and_lists_the_bad(crm, world, staff, tmp_path, kind):
    source = tmp_path / f"bad.{kind}"
    if kind == "csv":
        source.write_text(csv_text(ZH, BAD_ROWS), encoding="utf-8-sig")
    else:
        source.write_bytes(xlsx_bytes(ZH, BAD_ROWS))
    result = crm("import", "leads", str(source), "--partial")
    assert result.returncode == 0, result.stderr
    assert "12 rows: 2 created, 0 merged, 10 refused" in result.stdout
    assert rows_reported(result.stderr) == {row: {column} for row, column in BAD.items()}
    leads = leads_by_key(staff)
    assert set(leads) == {(GOOD_A[0], GOOD_A[3]), (GOOD_B[0], GOOD_B[3])}
    assert leads[(GOOD_A[0], GOOD_A[3])]["stage"] == "contacted"
    assert leads[(GOOD_B[0], GOOD_B[3])]["priority"] == "B"  # the defaults of a new lead
    assert leads[(GOOD_B[0], GOOD_B[3])]["source"] == "other"
    # no company was created for a refused row
    names = {c["name"] for c in staff.get("/api/companies").json()["items"]}
    assert names == {STORED, GOOD_A[0], GOOD_B[0]}


def test_a_file_without_the_required_columns_is_refused(crm, world, tmp_path, table_counts):
    source = tmp_path / "leads.csv"
    source.write_text(csv_text(["企业名称", "优先级"], [["某公司", "A"]]), encoding="utf-8")
    before = table_counts()
    result = crm("import", "leads", str(source), "--partial")
    assert "row 1: no segment column" in result.stderr
    assert table_counts() == before


@pytest.mark.parametrize("kind", ["xlsx", "csv"])
def test_exported_leads_import_back_the_same(
    crm, world, staff, make_user, clean_xlsx, tmp_path, clean_db, kind
):
    assert crm("import", "leads", str(clean_xlsx)).returncode == 0
    exported = tmp_path / f"out.{kind}"
    result = crm("export", "leads", str(exported))
    assert result.returncode == 0, result.stderr
    before = {key: readable(lead) for key, lead in leads_by_key(staff).items()}
    companies = {c["name"]: c["credit_code"] for c in staff.get("/api/companies").json()["items"]}

    empty_tables(clean_db)
    make_user("staff1", "staff")  # the signed-in client's user, again
    set_up(staff, make_user)
    again = crm("import", "leads", str(exported))
    assert again.returncode == 0, again.stderr
    assert "3 rows: 3 created, 0 merged, 0 refused" in again.stdout
    after = {key: readable(lead) for key, lead in leads_by_key(staff).items()}
    assert after == before
    names = {c["name"]: c["credit_code"] for c in staff.get("/api/companies").json()["items"]}
    assert names == companies


# --- the API ----------------------------------------------------------------------------------


def _utf16(text_: str) -> bytes:
    return b"\xff\xfe" + text_.encode("utf-16-le")


@pytest.mark.parametrize(
    ("encode", "headers"),
    [
        pytest.param(lambda t: t.encode("utf-8-sig"), ZH, id="utf-8-bom"),
        pytest.param(lambda t: t.encode("gb18030"), ZH, id="gb18030"),
        pytest.param(lambda t: t.encode("utf-8"), EN, id="utf-8-english-headers"),
    ],
)
def test_csv_flavours_upload_through_the_api(world, staff, encode, headers):
    content = encode(csv_text(headers, ROWS))
    response = upload(staff, "/api/import/leads", "线索.csv", content)
    assert response.status_code == 200, response.text
    report = response.json()
    assert report == {
        "rows": 4,
        "created": 3,
        "merged": 1,
        "refused": 0,
        "applied": True,
        "file_refused": False,
        "sheet": None,
        "columns": headers,
        "ignored": [],
        "errors": [],
    }
    assert_imported(staff)
    lead = leads_by_key(staff)[(STORED, "new-display:panel")]
    assert history(staff, lead["id"])[0]["by"] == "staff1"


def test_api_refuses_a_bad_file_with_the_report_and_writes_nothing(world, staff, table_counts):
    before = table_counts()
    content = csv_text(ZH, BAD_ROWS).encode("utf-8-sig")
    response = upload(staff, "/api/import/leads", "bad.csv", content)
    assert response.status_code == 422, response.text
    report = response.json()["detail"]
    assert report["applied"] is False and report["created"] == 0
    assert report["rows"] == 12 and report["refused"] == 10
    assert {(e["row"], e["column"]) for e in report["errors"]} == set(BAD.items())
    assert table_counts() == before

    partial = upload(staff, "/api/import/leads", "bad.csv", content, partial="true")
    assert partial.status_code == 200, partial.text
    assert partial.json()["created"] == 2 and partial.json()["refused"] == 10
    assert len(leads_by_key(staff)) == 2


def test_api_refuses_what_is_not_a_table(world, staff, table_counts):
    before = table_counts()
    response = upload(staff, "/api/import/leads", "notes.pdf", b"%PDF-1.4")
    assert response.status_code == 422
    assert "unsupported file type" in response.json()["detail"]["errors"][0]["message"]
    assert table_counts() == before


def test_only_the_office_imports(world, login):
    content = csv_text(ZH, ROWS).encode("utf-8")
    for role in ("viewer", "leader", "specialist"):
        client = login(role)
        assert upload(client, "/api/import/leads", "l.csv", content).status_code == 403
        assert upload(client, "/api/import/companies", "c.csv", content).status_code == 403
    admin = login("admin")
    assert upload(admin, "/api/import/leads", "l.csv", content).status_code == 200


def test_export_honours_the_filters_and_is_a_real_workbook(world, staff, clean_xlsx, login):
    assert upload(staff, "/api/import/leads", "l.xlsx", clean_xlsx.read_bytes()).status_code == 200
    viewer = login("viewer")  # reading is open to every role
    response = viewer.get("/api/leads/export", params={"stage": "contacted"})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    assert re.search(
        r'attachment; filename="leads-[\d-]+\.xlsx"', response.headers["content-disposition"]
    )
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert list(rows[0]) == ZH
    assert len(rows) == 2
    record = dict(zip(ZH, rows[1], strict=True))
    assert record["企业名称"] == STORED and record["所属环节"] == "new-display:panel"
    assert record["阶段"] == "已接洽" and record["线索来源"] == "驻外中心"
    assert record["预计投资(万元)"] == 50000 and record["招商专班"] == TASK_FORCE
    assert record["下次跟进"].date() == dt.date(2026, 3, 5)

    chain = staff.get("/api/leads/export", params={"chain": "new-display", "priority": "C"})
    assert len(list(load_workbook(io.BytesIO(chain.content)).active.iter_rows())) == 2

    as_csv = staff.get("/api/leads/export", params={"format": "csv"})
    assert as_csv.status_code == 200
    assert as_csv.headers["content-type"].startswith("text/csv")
    assert as_csv.content.startswith(b"\xef\xbb\xbf")  # so Excel reads the Chinese right
    table = list(csv.reader(io.StringIO(as_csv.content.decode("utf-8-sig"))))
    assert table[0] == ZH and len(table) == 4

    assert staff.get("/api/leads/export", params={"format": "pdf"}).status_code == 422
    # "export" is not taken for a lead id
    assert staff.get("/api/leads/export", params={"stage": "lost"}).status_code == 200


# --- company import through the API ------------------------------------------------------------

COMPANY_HEADERS = ["企业名称", "统一社会信用代码", "城市", "所属环节", "标签", "是否本地"]
COMPANIES = [
    ["云江瑞博光电有限公司", credit_code(11), "云江市", "new-display:panel", "专精特新", "是"],
    ["苏州晶澜显示科技有限公司", "", "苏州市", "new-display:glass-substrate", "上市", "否"],
]


def test_company_import_through_the_api(staff, table_counts):
    assert staff.post("/api/chains", json=chain_file()).status_code == 201
    content = csv_text(COMPANY_HEADERS, COMPANIES).encode("gb18030")
    response = upload(staff, "/api/import/companies", "企业.csv", content)
    assert response.status_code == 200, response.text
    assert response.json()["created"] == 2 and response.json()["applied"] is True
    found = staff.get("/api/companies", params={"q": credit_code(11)}).json()["items"]
    assert found[0]["tags"] == ["srdi"] and found[0]["is_local"] is True

    bad = [*COMPANIES, ["武汉锐拓光电有限公司", "123", "武汉市", "new-display:nowhere", "", "否"]]
    before = table_counts()
    refused = upload(staff, "/api/import/companies", "企业.xlsx", xlsx_bytes(COMPANY_HEADERS, bad))
    assert refused.status_code == 422, refused.text
    report = refused.json()["detail"]
    assert {(e["row"], e["column"]) for e in report["errors"]} == {
        (4, "统一社会信用代码"),
        (4, "所属环节"),  # segments are looked up with the other cells: every bad cell shows
    }
    assert report["applied"] is False
    assert table_counts() == before


def test_company_import_reports_unknown_segments_by_row(staff, table_counts, login):
    assert staff.post("/api/chains", json=chain_file()).status_code == 201
    bad = [*COMPANIES, ["武汉锐拓光电有限公司", "", "武汉市", "new-display:nowhere", "", "否"]]
    before = table_counts()
    content = csv_text(COMPANY_HEADERS, bad).encode("utf-8-sig")
    refused = upload(staff, "/api/import/companies", "c.csv", content)
    assert refused.status_code == 422
    errors = refused.json()["detail"]["errors"]
    assert [(e["row"], e["column"]) for e in errors] == [(4, "所属环节")]
    assert "new-display:nowhere" in errors[0]["message"]
    assert table_counts() == before
    assert upload(login("viewer"), "/api/import/companies", "c.csv", content).status_code == 403
    partial = upload(staff, "/api/import/companies", "c.csv", content, partial="true")
    assert partial.status_code == 200 and partial.json()["created"] == 2


# --- every bad cell of a row ------------------------------------------------------------------


def test_every_bad_cell_of_a_row_is_reported(crm, world, tmp_path, table_counts):
    rows = [
        # row 2: three independent problems
        row(
            company="深圳联康视讯有限公司",
            credit_code="91110000600037341X",  # wrong check character
            segment="new-display:panel",
            priority="D",
            expected_investment="很多",
        ),
        # row 3: a segment no chain has (so also missing to validation) and a bad date
        row(company="武汉锐拓光电有限公司", segment="nowhere", next_follow_up="下周"),
    ]
    source = tmp_path / "bad.csv"
    source.write_text(csv_text(ZH, rows), encoding="utf-8-sig")
    before = table_counts()
    result = crm("import", "leads", str(source))
    assert result.returncode != 0
    lines = [line for line in result.stderr.splitlines() if line.startswith("row ")]
    assert [line.split(":")[0] for line in lines] == [
        "row 2 [统一社会信用代码]",
        "row 2 [优先级]",
        "row 2 [预计投资(万元)]",
        "row 3 [所属环节]",
        "row 3 [下次跟进]",
    ], result.stderr
    assert "unknown segment 'nowhere'" in result.stderr
    assert "required" not in result.stderr  # the unparsed segment is not also "missing"
    assert table_counts() == before


# --- an export reads back into its own database -----------------------------------------------


def _lead(client, name: str, segment: str = "panel", **fields) -> int:
    """A new lead at identified, for the company called ``name`` (created if need be)."""
    found = client.get("/api/companies", params={"q": name}).json()["items"]
    company_id = found[0]["id"] if found else None
    if company_id is None:
        created = client.post("/api/companies", json=company(name, city="成都市"))
        assert created.status_code == 201, created.text
        company_id = created.json()["id"]
    body = {"company_id": company_id, "segment": f"new-display:{segment}", **fields}
    lead = client.post("/api/leads", json=body)
    assert lead.status_code == 201, lead.text
    return lead.json()["id"]


def _moved(client, lead_id: int, *stages: str, **body) -> None:
    for stage in stages:
        response = move(client, lead_id, stage, **body)
        assert response.status_code == 200, response.text


def every_stage(client, make_user) -> dict[str, int]:
    """Leads in every stage, built through the API: ``{label: lead id}``."""
    prepare(client, make_user)  # the chain, parks, specialists and the task force
    task_force = client.get("/api/taskforces").json()["items"][0]["id"]
    leads = {
        "identified": _lead(
            client,
            "成都一号光电有限公司",
            priority="A",
            source="center",
            owner=LEADER,
            task_force_id=task_force,
            expected_investment=1234.5,
            expected_jobs=80,
            next_follow_up="2026-03-05",
            notes="首次接触, 有意向",
        ),
        "contacted": _lead(client, "成都二号光电有限公司", segment="terminal"),
        "visited": _lead(client, "成都三号光电有限公司", source="exhibition"),
        "negotiating": negotiating_lead(client, "成都四号光电有限公司"),
        "signed": negotiating_lead(client, "成都五号光电有限公司", task_force_id=task_force),
        "started": negotiating_lead(client, "成都六号光电有限公司"),
        "producing": negotiating_lead(client, "成都七号光电有限公司", segment="glass-substrate"),
        "paused": _lead(client, "成都八号光电有限公司", priority="C"),
        "lost": _lead(client, "成都九号光电有限公司", segment="liquid-crystal"),
    }
    _moved(client, leads["contacted"], "contacted")
    _moved(client, leads["visited"], "contacted", "visited")
    for label in ("signed", "started", "producing"):
        assert sign(client, leads[label]).status_code == 200
    _moved(client, leads["started"], "started")
    _moved(client, leads["producing"], "started", "producing")
    _moved(client, leads["paused"], "contacted")
    _moved(client, leads["paused"], "paused", reason="企业暂缓投资计划")
    _moved(client, leads["lost"], "lost", reason="已在外地落户")
    # the lost lead's company and segment pursued again: a second, open lead
    leads["again"] = _lead(client, "成都九号光电有限公司", segment="liquid-crystal", priority="A")
    # two leads at one stage for one company and segment, saying different things
    leads["twin 1"] = _lead(client, "成都十号光电有限公司", priority="A", notes="先立项的")
    leads["twin 2"] = _lead(client, "成都十号光电有限公司", priority="C", expected_jobs=10)
    return leads


def all_leads(client) -> list[dict]:
    response = client.get("/api/leads", params={"limit": 500, "sort": "id"})
    assert response.status_code == 200, response.text
    return sorted(response.json()["items"], key=lambda lead: lead["id"])


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_an_export_imports_back_into_the_same_database_unchanged(
    crm, staff, make_user, tmp_path, table_counts, kind
):
    leads = every_stage(staff, make_user)
    before, counts = all_leads(staff), table_counts()
    assert {lead["stage"] for lead in before} == {
        "identified",
        "contacted",
        "visited",
        "negotiating",
        "signed",
        "started",
        "producing",
        "paused",
        "lost",
    }
    exported = tmp_path / f"all.{kind}"
    result = crm("export", "leads", str(exported))
    assert result.returncode == 0, result.stderr

    again = crm("import", "leads", str(exported))
    assert again.returncode == 0, again.stderr
    total = len(leads)
    assert f"{total} rows: 0 created, {total} merged, 0 refused" in again.stdout
    assert table_counts() == counts  # no lead, company, history row, project or audit entry
    assert all_leads(staff) == before  # versions included


def test_a_row_may_repeat_a_later_stage_but_not_move_there(
    crm, staff, make_user, tmp_path, table_counts
):
    leads = every_stage(staff, make_user)
    rows = [
        # row 2: repeats the producing lead's stage and changes its priority: a merge
        row(
            company="成都七号光电有限公司",
            segment="new-display:glass-substrate",
            priority="A",
            stage="已投产",
        ),
        # row 3: repeats the lost lead's stage (the company's newer lead is identified)
        row(company="成都九号光电有限公司", segment="new-display:liquid-crystal", stage="已流失"),
    ]
    source = tmp_path / "repeat.csv"
    source.write_text(csv_text(ZH, rows), encoding="utf-8-sig")
    result = crm("import", "leads", str(source))
    assert result.returncode == 0, result.stderr
    assert "2 rows: 0 created, 2 merged, 0 refused" in result.stdout
    producing = staff.get(f"/api/leads/{leads['producing']}").json()
    assert producing["stage"] == "producing" and producing["priority"] == "A"
    assert staff.get(f"/api/leads/{leads['lost']}").json()["stage"] == "lost"
    assert staff.get(f"/api/leads/{leads['again']}").json()["stage"] == "identified"

    refused = [
        # row 2: the negotiating lead is not signed: signing is never an import
        row(company="成都四号光电有限公司", segment="new-display:panel", stage="已签约"),
        # row 3: the lost lead is not producing
        row(company="成都九号光电有限公司", segment="new-display:liquid-crystal", stage="已投产"),
        # row 4: the signed lead is not started
        row(company="成都五号光电有限公司", segment="new-display:panel", stage="已开工"),
        # row 5: no lead of this company in this segment at all
        row(company="成都八号光电有限公司", segment="new-display:terminal", stage="暂缓"),
        # row 6: a new company cannot come in lost
        row(company="重庆新来光电有限公司", segment="new-display:panel", stage="lost"),
    ]
    source.write_text(csv_text(ZH, refused), encoding="utf-8-sig")
    before = table_counts()
    result = crm("import", "leads", str(source))
    assert result.returncode != 0
    assert rows_reported(result.stderr) == {n: {"阶段"} for n in range(2, 7)}, result.stderr
    assert "a lead cannot be imported as 已签约 (signed)" in result.stderr
    assert table_counts() == before


def test_a_refused_export_leaves_no_temporary_file(staff, tmp_path, monkeypatch):
    """Found by tests/test_fuzz_api.py: an id the database cannot hold is a 422, but the
    workbook's stream stayed open and its temporary file stayed on disk."""
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))  # openpyxl streams sheets there
    response = staff.get("/api/leads/export", params={"task_force_id": 2**70})
    assert response.status_code == 422, response.text
    gc.collect()
    assert list(tmp_path.iterdir()) == []
