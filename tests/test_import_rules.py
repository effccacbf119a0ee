"""Careless files and busy servers: nothing dropped without a word (unknown columns, empty
sheets), segments named as people name them, and concurrent imports storing each company once.
"""

import io
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from openpyxl import Workbook
from sqlalchemy import select

from crm.companies.importer import import_companies
from crm.companies.models import Company
from crm.db import transaction
from crm.leads.importer import import_leads
from crm.leads.models import Lead
from tests.factories import chain_file, company, credit_code
from tests.test_company_import import crm as crm  # noqa: F401 (fixture)
from tests.test_company_import import csv_text

MISSPELT = ["企业名称", "统一社会信用代玛", "城市", "所属环节"]
ROWS = [["成都京东方光电科技有限公司", "91110000600037341L", "成都市", "new-display:panel"]]
LEAD_HEADERS = ["企业名称", "所属环节", "预计投资(万圆)"]
LEAD_ROWS = [["成都京东方光电科技有限公司", "new-display:panel", "5000"]]


@pytest.fixture
def chain(staff):
    response = staff.post("/api/chains", json=chain_file())
    assert response.status_code == 201, response.text
    return "new-display"


def upload(client, path, headers, rows, **params):
    content = csv_text(headers, rows).encode("utf-8-sig")
    files = {"file": ("register.csv", content, "text/csv")}
    return client.post(path, files=files, params=params)


# --- unknown columns --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "headers", "rows", "misspelt", "meant"),
    [
        ("/api/import/companies", MISSPELT, ROWS, "统一社会信用代玛", "统一社会信用代码"),
        ("/api/import/leads", LEAD_HEADERS, LEAD_ROWS, "预计投资(万圆)", "预计投资(万元)"),
    ],
)
def test_a_misspelt_header_refuses_the_file_naming_it_and_the_close_match(
    staff, chain, table_counts, path, headers, rows, misspelt, meant
):
    before = table_counts()
    response = upload(staff, path, headers, rows)
    assert response.status_code == 422, response.text
    report = response.json()["detail"]
    assert report["file_refused"] is True and report["applied"] is False
    [error] = report["errors"]
    assert error["column"] == misspelt
    assert f"unknown column '{misspelt}'" in error["message"]
    assert repr(meant) in error["message"]
    assert table_counts() == before


@pytest.mark.parametrize(
    ("path", "headers", "rows", "misspelt"),
    [
        ("/api/import/companies", MISSPELT, ROWS, "统一社会信用代玛"),
        ("/api/import/leads", LEAD_HEADERS, LEAD_ROWS, "预计投资(万圆)"),
    ],
)
def test_an_ignored_column_is_left_out_and_listed(staff, chain, path, headers, rows, misspelt):
    response = upload(staff, path, headers, rows, ignore_column=misspelt)
    assert response.status_code == 200, response.text
    report = response.json()
    assert report["created"] == 1 and report["errors"] == []
    assert report["ignored"] == [misspelt]
    assert report["columns"] == [h for h in headers if h != misspelt]
    [company] = staff.get("/api/companies").json()["items"]
    assert company["credit_code"] is None  # the ignored column really was left out


def test_the_cli_refuses_a_misspelt_header_without_counting_rows(crm, chain, tmp_path):  # noqa: F811
    source = tmp_path / "companies.csv"
    source.write_text(csv_text(MISSPELT, ROWS), encoding="utf-8-sig")
    refused = crm("import", "companies", str(source))
    assert refused.returncode != 0
    assert "row 1 [统一社会信用代玛]: unknown column" in refused.stderr
    assert "'统一社会信用代码'" in refused.stderr
    assert "0 of" not in refused.stderr and "rows are bad" not in refused.stderr

    accepted = crm("import", "companies", str(source), "--ignore-column", "统一社会信用代玛")
    assert accepted.returncode == 0, accepted.stderr
    assert "columns ignored: 统一社会信用代玛" in accepted.stdout
    assert "columns read: 企业名称, 城市, 所属环节" in accepted.stdout
    assert "1 rows: 1 created" in accepted.stdout


def test_a_repeated_column_and_a_headless_column_with_data_are_refused(staff, chain):
    headers = ["企业名称", "名称", "城市", ""]
    rows = [["甲公司", "乙公司", "成都市", "某值"]]
    response = upload(staff, "/api/import/companies", headers, rows)
    assert response.status_code == 422, response.text
    messages = [e["message"] for e in response.json()["detail"]["errors"]]
    assert any("'名称' repeats '企业名称'" in m for m in messages), messages
    assert any("column 4 has no header but holds data" in m for m in messages), messages


# --- sheets -----------------------------------------------------------------------------------


def workbook_with_an_empty_first_sheet() -> bytes:
    workbook = Workbook()
    workbook.active.title = "说明"
    sheet = workbook.create_sheet("企业名单")
    sheet.append(["企业名称", "城市"])
    sheet.append(["成都京东方光电科技有限公司", "成都市"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def test_an_empty_first_sheet_is_named_and_another_can_be_picked(staff, chain):
    content = workbook_with_an_empty_first_sheet()
    files = {"file": ("register.xlsx", content, "application/octet-stream")}
    response = staff.post("/api/import/companies", files=files)
    assert response.status_code == 422, response.text
    report = response.json()["detail"]
    assert report["file_refused"] is True and report["rows"] == 0
    [error] = report["errors"]
    assert "sheet '说明'" in error["message"] and "'企业名单'" in error["message"]

    picked = staff.post("/api/import/companies", files=files, params={"sheet": "企业名单"})
    assert picked.status_code == 200, picked.text
    assert picked.json()["sheet"] == "企业名单" and picked.json()["created"] == 1

    unknown = staff.post("/api/import/companies", files=files, params={"sheet": "别的"})
    assert unknown.status_code == 422
    assert "no sheet '别的'" in unknown.json()["detail"]["errors"][0]["message"]


# --- segments by name -------------------------------------------------------------------------


def robotics_chain() -> dict:
    """A second chain that also has a 面板 (panel) segment, to make that name ambiguous."""
    segment = {"stage": "midstream", "parent": None, "direction": True, "products": []}
    return {
        "code": "robotics",
        "name": "机器人",
        "name_en": "Robotics",
        "segments": [
            {**segment, "code": "reducer", "name": "精密减速器"},
            {**segment, "code": "panel", "name": "面板"},
        ],
        "links": [],
    }


@pytest.fixture
def chains(staff, chain):
    response = staff.post("/api/chains", json=robotics_chain())
    assert response.status_code == 201, response.text


def test_chinese_chain_and_segment_names_import(staff, chains):
    headers = ["企业名称", "所属环节"]
    rows = [
        ["秦川精密传动有限公司", "机器人:精密减速器"],
        ["云江液晶材料有限公司", "新型显示：液晶材料；精密减速器"],  # full-width ： and ；
        ["云江玻璃有限公司", "new-display:玻璃基板, robotics:reducer"],
    ]
    response = upload(staff, "/api/import/companies", headers, rows)
    assert response.status_code == 200, response.text
    companies = {c["name"]: c for c in staff.get("/api/companies").json()["items"]}
    assert companies["秦川精密传动有限公司"]["segments"] == ["robotics:reducer"]
    assert set(companies["云江液晶材料有限公司"]["segments"]) == {
        "new-display:liquid-crystal",
        "robotics:reducer",
    }
    assert set(companies["云江玻璃有限公司"]["segments"]) == {
        "new-display:glass-substrate",
        "robotics:reducer",
    }

    leads = upload(
        staff,
        "/api/import/leads",
        ["企业名称", "所属环节"],
        [["秦川精密传动有限公司", "精密减速器"]],
    )
    assert leads.status_code == 200, leads.text
    [lead] = staff.get("/api/leads").json()["items"]
    assert lead["segment"] == "robotics:reducer"


def test_an_ambiguous_segment_name_lists_the_candidates(staff, chains, table_counts):
    before = table_counts()
    for path, header in (("/api/import/companies", "所属环节"), ("/api/import/leads", "所属环节")):
        response = upload(staff, path, ["企业名称", header], [["秦川精密传动有限公司", "面板"]])
        assert response.status_code == 422, response.text
        [error] = response.json()["detail"]["errors"]
        assert error["row"] == 2 and error["column"] == "所属环节"
        assert "'面板' is ambiguous" in error["message"]
        assert "new-display:panel (新型显示:面板)" in error["message"]
        assert "robotics:panel (机器人:面板)" in error["message"]
    unknown = upload(
        staff, "/api/import/companies", ["企业名称", "所属环节"], [["甲", "汽车:电池"]]
    )
    assert "unknown chain '汽车'" in unknown.json()["detail"]["errors"][0]["message"]
    assert table_counts() == before


# --- concurrent imports -----------------------------------------------------------------------


def test_four_concurrent_imports_of_one_file_store_each_company_once(db, staff):
    """Four imports of one 2,000-row file without credit codes, at once, each in its own
    session (as four uploads would be): every company once, whoever wins each insert."""
    rows = [[f"并发测试{n:04d}有限公司", "成都市", "否"] for n in range(2000)]
    content = csv_text(["企业名称", "城市", "是否本地"], rows).encode("utf-8-sig")
    start = threading.Barrier(4)
    reports: list = []

    def run_import() -> None:
        start.wait()
        with transaction(db) as session:
            reports.append(import_companies(session, content, "companies.csv"))

    with ThreadPoolExecutor(4) as pool:
        for future in [pool.submit(run_import) for _ in range(4)]:
            future.result()
    assert sum(report.created for report in reports) == 2000
    assert all(report.created + report.merged == 2000 for report in reports)
    with db() as session:
        names = session.scalars(select(Company.name)).all()
    assert len(names) == 2000 and set(names) == {row[0] for row in rows}


def test_a_second_company_of_the_same_name_without_credit_code_is_409(staff):
    first = staff.post("/api/companies", json=company("云江同名有限公司"))
    assert first.status_code == 201, first.text
    again = staff.post("/api/companies", json=company("云江同名 有限公司"))
    assert again.status_code == 409, again.text
    assert f"company {first.json()['id']}" in again.json()["detail"]
    other = staff.post("/api/companies", json=company("云江别名有限公司"))
    renamed = staff.patch(
        f"/api/companies/{other.json()['id']}",
        json={"name": "云江同名有限公司", "version": other.json()["version"]},
    )
    assert renamed.status_code == 409, renamed.text
    with_code = company("云江同名有限公司", credit_code=credit_code(77))
    assert staff.post("/api/companies", json=with_code).status_code == 201


def test_four_concurrent_lead_imports_store_each_new_company_and_lead_once(db, chain):
    rows = [[f"线索并发{n:03d}有限公司", "new-display:panel"] for n in range(300)]
    content = csv_text(["企业名称", "所属环节"], rows).encode("utf-8-sig")
    start = threading.Barrier(4)
    reports: list = []

    def run_import() -> None:
        start.wait()
        with transaction(db) as session:
            reports.append(import_leads(session, content, "leads.csv"))

    with ThreadPoolExecutor(4) as pool:
        for future in [pool.submit(run_import) for _ in range(4)]:
            future.result()
    assert sum(report.created for report in reports) == 300
    with db() as session:
        assert len(session.scalars(select(Company.name)).all()) == 300
        assert len(session.scalars(select(Lead.id)).all()) == 300


# --- 专精特新 and 小巨人 only for SMEs ---------------------------------------------------------

SME_HEADERS = [
    "企业名称",
    "统一社会信用代码",
    "城市",
    "所属环节",
    "标签",
    "营业收入(亿元)",
    "从业人数",
]


def test_an_import_refuses_the_srdi_tag_on_a_large_firm_as_a_single_save_does(
    staff, chain, table_counts
):
    large = ["云江重工集团有限公司", credit_code(7_001), "绵阳", "new-display:panel"]
    rows = [
        [*large, "专精特新", "52", "6800"],
        [
            "云江精工有限公司",
            credit_code(7_002),
            "绵阳",
            "new-display:panel",
            "专精特新",
            "3",
            "420",
        ],
        [
            "云江国际有限公司",
            credit_code(7_003),
            "绵阳",
            "new-display:panel",
            "世界500强;小巨人",
            "",
            "",
        ],
    ]
    one_at_a_time = staff.post(
        "/api/companies",
        json=company(large[0], tags=["srdi"], revenue=52, employees=6800),
    )
    assert one_at_a_time.status_code == 422, one_at_a_time.text
    before = table_counts()

    refused = upload(staff, "/api/import/companies", SME_HEADERS, rows, background="false")
    assert refused.status_code == 422, refused.text
    errors = refused.json()["detail"]["errors"]
    assert [(e["row"], e["column"]) for e in errors] == [(2, "标签"), (4, "标签")]
    assert "不属于中小企业" in errors[0]["message"] and "6800" in errors[0]["message"]
    assert "世界500强" in errors[1]["message"]
    assert table_counts() == before

    partial = upload(
        staff, "/api/import/companies", SME_HEADERS, rows, background="false", partial="true"
    )
    assert partial.status_code == 200, partial.text
    assert (partial.json()["created"], partial.json()["refused"]) == (1, 2)
    stored = staff.get("/api/companies", params={"q": "云江"}).json()["items"]
    assert [(c["name"], c["tags"]) for c in stored] == [("云江精工有限公司", ["srdi"])]


def test_an_import_judges_the_srdi_tag_on_the_firm_as_stored_when_the_row_has_no_figures(
    staff, chain, table_counts
):
    large = company("云江重机有限公司", credit_code=credit_code(7_101), revenue=52, employees=6800)
    small = company("云江微电有限公司", credit_code=credit_code(7_102), revenue=2, employees=150)
    listed = company("云江环球有限公司", credit_code=credit_code(7_103), tags=["fortune500"])
    for body in (large, small, listed):
        assert staff.post("/api/companies", json=body).status_code == 201
    rows = [
        [body["name"], body["credit_code"], "绵阳", "new-display:panel", tag, "", ""]
        for body, tag in ((large, "专精特新"), (small, "专精特新"), (listed, "小巨人"))
    ]
    before = table_counts()
    refused = upload(staff, "/api/import/companies", SME_HEADERS, rows, background="false")
    assert refused.status_code == 422, refused.text
    errors = refused.json()["detail"]["errors"]
    assert [(e["row"], e["column"]) for e in errors] == [(2, "标签"), (4, "标签")]
    assert "6800" in errors[0]["message"] and "世界500强" in errors[1]["message"]
    assert table_counts() == before

    partial = upload(
        staff, "/api/import/companies", SME_HEADERS, rows, background="false", partial="true"
    )
    assert (partial.json()["merged"], partial.json()["refused"]) == (1, 2)
    tags = {
        c["name"]: c["tags"]
        for c in staff.get("/api/companies", params={"q": "云江"}).json()["items"]
    }
    assert tags == {
        "云江重机有限公司": [],
        "云江微电有限公司": ["srdi"],
        "云江环球有限公司": ["fortune500"],
    }


def test_two_rows_for_one_firm_are_judged_together(staff, chain, table_counts):
    """One row gives the figures (or 世界500强), a later row of the same file the tag."""
    heavy, listed = credit_code(7_201), credit_code(7_202)
    rows = [
        ["云江重装有限公司", heavy, "绵阳", "new-display:panel", "", "52", "6800"],
        ["云江重装有限公司", heavy, "绵阳", "new-display:panel", "专精特新", "", ""],
        ["云江寰宇有限公司", listed, "绵阳", "new-display:panel", "世界500强", "", ""],
        ["云江寰宇有限公司", listed, "绵阳", "new-display:panel", "小巨人", "", ""],
        ["云江小微有限公司", credit_code(7_203), "绵阳", "new-display:panel", "", "1", "80"],
        ["云江小微有限公司", credit_code(7_203), "绵阳", "new-display:panel", "专精特新", "", ""],
    ]
    before = table_counts()
    refused = upload(staff, "/api/import/companies", SME_HEADERS, rows, background="false")
    assert refused.status_code == 422, refused.text
    errors = refused.json()["detail"]["errors"]
    assert [(e["row"], e["column"]) for e in errors] == [(3, "标签"), (5, "标签")]
    assert table_counts() == before
