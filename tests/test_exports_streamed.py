"""Streamed exports (``GET /api/leads/export``, ``/leads/export``, ``crm export``) write the
very file the former whole-file exports wrote: the same bytes for CSV, the same cells for
XLSX. The expected files are built here from ORM objects, as the former export read them."""

import csv
import io
import re

import pytest
from openpyxl import load_workbook
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from crm.chains.models import Segment
from crm.companies.models import Company
from crm.leads.models import Lead
from tests.factories import chain_file, company, credit_code
from tests.test_cli import run_crm

LEAD_HEADERS = [
    "企业名称",
    "统一社会信用代码",
    "城市",
    "所属环节",
    "招商专班",
    "负责人",
    "优先级",
    "线索来源",
    "预计投资(万元)",
    "预计就业",
    "下次跟进",
    "阶段",
    "备注",
    "意向园区",
]
COMPANY_HEADERS = [
    "企业名称",
    "统一社会信用代码",
    "省份",
    "城市",
    "所属环节",
    "标签",
    "营业收入(亿元)",
    "从业人数",
    "是否本地",
    "所在园区",
    "上市情况",
]
STAGES = {"identified": "已识别", "contacted": "已接洽"}
SOURCES = {"other": "其他", "center": "驻外中心", "exhibition": "展会"}
CONTROLS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def as_exported(cell):
    """A cell as an export must write it: text never a formula, no control characters."""
    if isinstance(cell, str):
        cell = CONTROLS.sub("\ufffd", cell)
        return "'" + cell if cell[:1] in ("=", "+", "-", "@", "\t", "\r") else cell
    return cell


def csv_file(headers, rows) -> bytes:
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer)
    for row in [headers, *rows]:
        writer.writerow([as_exported(cell) for cell in row])
    return buffer.getvalue().encode("utf-8-sig")


@pytest.fixture
def registry(staff, make_user):
    """Companies and leads with every kind of cell: blanks, tags, several segments, parks,
    owners, task forces, whole and fractional numbers, dates, text that looks like a formula."""
    assert staff.post("/api/chains", json=chain_file()).status_code == 201
    for name, chains in (("高新区", []), ("经开区", ["new-display"])):
        body = {"name": name, "level": "provincial", "leading_chains": chains}
        assert staff.post("/api/parks", json=body).status_code == 201
    make_user("zhang", "specialist")
    force = staff.post("/api/taskforces", json={"name": "显示专班", "kind": "task_force"})
    assert force.status_code == 201, force.text
    companies = [
        company("甲显示有限公司", credit_code=credit_code(1), province="四川", city="绵阳"),
        company(
            '=HYPERLINK("x")乙公司',
            is_local=True,
            park="高新区",
            segments=["new-display:terminal", "new-display:panel"],
            tags=["srdi", "leader"],
            revenue=12.5,
            employees=300,
            listing="科创板",
        ),
        company("丙材料", segments=["new-display:glass-substrate"], revenue=3.0),
    ]
    ids = []
    for body in companies:
        response = staff.post("/api/companies", json=body)
        assert response.status_code == 201, response.text
        ids.append(response.json()["id"])
    leads = [
        {"company_id": ids[0], "segment": "new-display:panel", "notes": "-首笔\n两行"},
        {
            "company_id": ids[1],
            "segment": "new-display:terminal",
            "owner": "zhang",
            "task_force_id": force.json()["id"],
            "priority": "A",
            "source": "exhibition",
            "expected_investment": 50000,
            "expected_jobs": 120,
            "next_follow_up": "2026-12-01",
            "park": "高新区",
        },
        {"company_id": ids[2], "segment": "new-display:panel", "expected_investment": 0.25},
    ]
    for body in leads:
        response = staff.post("/api/leads", json=body)
        assert response.status_code == 201, response.text
    moved = staff.post(f"/api/leads/{response.json()['id']}/stage", json={"stage": "contacted"})
    assert moved.status_code == 200, moved.text


def former_lead_rows(db, **where) -> list[list]:
    with db() as session:
        query = (
            select(Lead)
            .filter_by(**where)
            .options(
                selectinload(Lead.company),
                selectinload(Lead.segment).selectinload(Segment.chain),
                selectinload(Lead.task_force),
                selectinload(Lead.owner),
                selectinload(Lead.park),
            )
            .order_by(Lead.id)
        )
        return [
            [
                lead.company.name,
                lead.company.credit_code,
                lead.company.city,
                f"{lead.segment.chain.code}:{lead.segment.code}",
                lead.task_force.name if lead.task_force else None,
                lead.owner.username if lead.owner else None,
                lead.priority.value,
                SOURCES[lead.source.value],
                _whole(lead.expected_investment),
                lead.expected_jobs,
                lead.next_follow_up,
                STAGES[lead.stage.value],
                lead.notes,
                lead.park.name if lead.park else None,
            ]
            for lead in session.scalars(query)
        ]


def former_company_rows(db) -> list[list]:
    with db() as session:
        query = (
            select(Company)
            .options(
                selectinload(Company.park),
                selectinload(Company.segments).selectinload(Segment.chain),
                selectinload(Company.tag_rows),
            )
            .order_by(Company.id)
        )
        return [
            [
                c.name,
                c.credit_code,
                c.province,
                c.city,
                ";".join(f"{s.chain.code}:{s.code}" for s in c.segments),
                ";".join(tag.value for tag in c.tags),
                c.revenue,
                c.employees,
                "是" if c.is_local else "否",
                c.park.name if c.park else None,
                c.listing,
            ]
            for c in session.scalars(query)
        ]


def _whole(value):
    return int(value) if value is not None and value.is_integer() else value


def test_streamed_csv_export_is_the_former_file(registry, staff, browser_login, db):
    expected = former_lead_rows(db)
    assert len(expected) == 3
    response = staff.get("/api/leads/export", params={"format": "csv"})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    assert response.content == csv_file(LEAD_HEADERS, expected)
    page = browser_login("viewer").get("/leads/export", params={"file_format": "csv"})
    assert page.status_code == 200
    assert page.content == response.content


def test_streamed_export_keeps_the_filters(registry, staff, db):
    response = staff.get("/api/leads/export", params={"format": "csv", "stage": "contacted"})
    assert response.content == csv_file(LEAD_HEADERS, former_lead_rows(db, stage="contacted"))
    assert response.content.decode("utf-8-sig").count("\n") == 2  # header and one lead


def test_streamed_xlsx_export_holds_the_former_cells(registry, staff, db):
    response = staff.get("/api/leads/export")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    cells = [[cell.value for cell in row] for row in sheet.iter_rows()]
    formulas = [
        cell.coordinate for row in sheet.iter_rows() for cell in row if cell.data_type == "f"
    ]
    assert formulas == []
    expected = [[as_exported(cell) for cell in row] for row in former_lead_rows(db)]
    assert cells[0] == LEAD_HEADERS
    assert len(cells) == 1 + len(expected)
    for got, want in zip(cells[1:], expected, strict=True):
        # XLSX stores dates as date-times and CR as LF; everything else reads back as written
        want = [f"{w.isoformat()} 00:00:00" if hasattr(w, "isoformat") else w for w in want]
        got = [g.isoformat(" ") if hasattr(g, "isoformat") else g for g in got]
        assert got == want


@pytest.mark.parametrize("suffix", ["csv", "xlsx"])
def test_cli_company_export_is_the_former_file(registry, database_url, db, tmp_path, suffix):
    target = tmp_path / f"企业.{suffix}"
    result = run_crm(database_url, "export", "companies", str(target))
    assert result.returncode == 0, result.stderr
    expected = former_company_rows(db)
    assert [row[4] for row in expected] == [
        "",
        "new-display:panel;new-display:terminal",
        "new-display:glass-substrate",
    ]
    assert expected[1][5] == "leader;srdi"
    if suffix == "csv":
        assert target.read_bytes() == csv_file(COMPANY_HEADERS, expected)
    else:
        sheet = load_workbook(target).active
        cells = [[cell.value for cell in row] for row in sheet.iter_rows()]
        blank_as_none = [[as_exported(c) if c != "" else None for c in r] for r in expected]
        assert cells == [COMPANY_HEADERS, *blank_as_none]  # an empty cell reads back as None


def test_an_empty_export_is_the_header_alone(staff):
    response = staff.get("/api/leads/export", params={"format": "csv"})
    assert response.status_code == 200
    assert response.content == csv_file(LEAD_HEADERS, [])
