"""Importing local firms' yearly figures: Chinese headers in CSV (GBK, UTF-8 with BOM) and
XLSX; a bad row refuses the whole file and writes nothing; a second import updates; the CLI."""

import io
import re

import pytest
from openpyxl import Workbook
from sqlalchemy import select, update

from crm.audit import AuditEntry
from crm.evaluation import figure_import
from crm.evaluation.models import CompanyYear
from tests.factories import company, credit_code
from tests.test_cli import run_crm

HEADERS = "年度,企业名称,统一社会信用代码,自有用地(亩),租用用地(亩),营业收入(万元),实缴税金(万元),年平均职工人数,是否规上"
GOOD = [
    "2024,川西精工有限公司,{code},40,10,25000,1500,320,是",
    "2024,绵阳电子有限公司,,12,0,3000,90,40,否",
    "2023,川西精工有限公司,{code},40,,20000,1200,300,是",
]
ORIGIN = {"Origin": "http://testserver"}


@pytest.fixture
def firms(staff) -> dict[str, int]:
    ids = {}
    for name, fields in (
        ("川西精工有限公司", {"credit_code": credit_code(1)}),
        ("绵阳电子有限公司", {}),
        ("外地集团有限公司", {"is_local": False}),
    ):
        body = company(name, **{"is_local": True, **fields})
        response = staff.post("/api/companies", json=body)
        assert response.status_code == 201, response.text
        ids[name] = response.json()["id"]
    return ids


def csv_text(*lines: str) -> str:
    return "\n".join([HEADERS, *(line.format(code=credit_code(1)) for line in lines)]) + "\n"


def upload(client, content: bytes, name: str, **params):
    files = {"file": (name, content, "application/octet-stream")}
    return client.post("/api/import/figures", files=files, params=params)


def stored(db) -> set[tuple]:
    with db() as session:
        rows = session.scalars(select(CompanyYear).order_by(CompanyYear.id))
        return {(r.company.name, r.year, r.land_mu, r.tax, r.employees, r.above_size) for r in rows}


EXPECTED = {
    ("川西精工有限公司", 2024, 50, 1500, 320, True),
    ("绵阳电子有限公司", 2024, 12, 90, 40, False),
    ("川西精工有限公司", 2023, 40, 1200, 300, True),
}


@pytest.mark.parametrize("encoding", ["gbk", "utf-8-sig"])
def test_csv_with_chinese_headers(staff, firms, db, encoding):
    response = upload(staff, csv_text(*GOOD).encode(encoding), "亩均.csv")
    assert response.status_code == 200, response.text
    assert (response.json()["created"], response.json()["merged"]) == (3, 0)
    assert stored(db) == EXPECTED


def test_xlsx_then_again_updates(staff, firms, db):
    book = Workbook()
    sheet = book.active
    sheet.append(HEADERS.split(","))
    for line in GOOD:
        cells = line.format(code=credit_code(1)).split(",")
        sheet.append(
            [int(cells[0]), *cells[1:3], *(float(c) if c else None for c in cells[3:8]), cells[8]]
        )
    buffer = io.BytesIO()
    book.save(buffer)
    assert upload(staff, buffer.getvalue(), "亩均.xlsx").status_code == 200
    assert stored(db) == EXPECTED
    again = upload(
        staff, csv_text("2024,川西精工,{code},40,10,25000,1800,320,是").encode(), "a.csv"
    )
    assert again.json()["merged"] == 1, again.text
    figures = staff.get(f"/api/companies/{firms['川西精工有限公司']}/figures").json()
    assert [(f["year"], f["tax"], f["version"]) for f in figures] == [
        (2024, 1800, 2),
        (2023, 1200, 1),
    ]


@pytest.mark.parametrize(
    ("line", "column", "message"),
    [
        ("2024,外地集团有限公司,,1,0,1,1,1,否", "企业名称", "not a local company"),
        ("2024,无此企业,,1,0,1,1,1,否", "企业名称", "no company"),
        ("2024,绵阳电子有限公司,,-3,0,1,1,1,否", "自有用地(亩)", "greater than or equal to 0"),
        ("2024,绵阳电子有限公司,,1,0,1,1,1.5,否", "年平均职工人数", ""),
        ("1800,绵阳电子有限公司,,1,0,1,1,1,否", "年度", ""),
        ("2024,川西精工有限公司,{code},1,0,1,1,1,否", "年度", "same firm and year as row 2"),
    ],
)
def test_a_bad_row_refuses_the_file(staff, firms, db, line, column, message):
    response = upload(staff, csv_text(GOOD[0], line).encode("gbk"), "亩均.csv")
    assert response.status_code == 422, response.text
    (error,) = response.json()["detail"]["errors"]
    assert (error["row"], error["column"]) == (3, column)
    assert message in error["message"]
    assert stored(db) == set()


def test_partial_writes_the_good_rows(staff, firms, db):
    response = upload(
        staff, csv_text(GOOD[1], "2024,无此企业,,1,0,1,1,1,否").encode(), "a.csv", partial=True
    )
    assert response.status_code == 200 and response.json()["refused"] == 1
    assert stored(db) == {("绵阳电子有限公司", 2024, 12, 90, 40, False)}


def test_a_reader_may_not_import(login, firms, db):
    response = upload(login("leader"), csv_text(*GOOD).encode(), "a.csv")
    assert response.status_code == 403
    assert stored(db) == set()


def test_cli_import(database_url, staff, firms, db, tmp_path):
    path = tmp_path / "亩均.csv"
    path.write_bytes(csv_text(*GOOD).encode("gbk"))
    result = run_crm(database_url, "import", "figures", str(path))
    assert result.returncode == 0, result.stderr
    assert re.search(r"3 rows: 3 created, 0 merged, 0 refused", result.stdout), result.stdout
    assert stored(db) == EXPECTED


def _years(db) -> dict[tuple[str, int], dict]:
    with db() as session:
        query = select(CompanyYear).order_by(CompanyYear.id)
        return {
            (r.company.name, r.year): {
                "id": r.id,
                "version": r.version,
                "tax": r.tax,
                "land_own_mu": r.land_own_mu,
                "above_size": r.above_size,
            }
            for r in session.scalars(query)
        }


def test_an_import_is_one_audit_entry_and_a_blank_flag_keeps_the_stored_one(staff, firms, db):
    assert upload(staff, csv_text(*GOOD).encode(), "亩均.csv").status_code == 200
    first = _years(db)
    again = csv_text("2024,川西精工有限公司,{code},,10,25000,1800,320,", GOOD[1])
    response = upload(staff, again.encode(), "亩均二.csv")
    assert (response.json()["created"], response.json()["merged"]) == (0, 2), response.text
    years = _years(db)
    updated = years[("川西精工有限公司", 2024)]
    assert (updated["version"], updated["tax"], updated["land_own_mu"]) == (2, 1800, None)
    assert updated["above_size"] is True  # blank 是否规上: as stored
    assert years[("川西精工有限公司", 2023)] == first[("川西精工有限公司", 2023)]
    with db() as session:
        entries = session.scalars(
            select(AuditEntry).where(AuditEntry.entity == CompanyYear.__tablename__)
        ).all()
    assert [(e.action, e.record_id, e.actor) for e in entries] == [
        ("import", "亩均.csv", "staff1"),
        ("import", "亩均二.csv", "staff1"),
    ]
    assert sorted(entries[0].changes["created"]) == sorted(y["id"] for y in first.values())
    assert entries[1].changes["created"] == []
    # 绵阳's row repeats what is stored: merged, not changed
    assert entries[1].changes["changed"] == [updated["id"]]
    assert years[("绵阳电子有限公司", 2024)] == first[("绵阳电子有限公司", 2024)]


def test_batches_judge_the_file_as_one(staff, firms, db, monkeypatch):
    """Read a few rows at a time, a file is still refused whole for a bad row in a later
    batch, and a firm and year repeated across batches is still a duplicate."""
    monkeypatch.setattr(figure_import, "BATCH", 2)
    repeated = csv_text(*GOOD, "2024,绵阳电子有限公司,,1,0,1,1,1,否")
    response = upload(staff, repeated.encode(), "a.csv")
    assert response.status_code == 422, response.text
    (error,) = response.json()["detail"]["errors"]
    assert (error["row"], error["column"]) == (5, "年度")
    assert "same firm and year as row 3" in error["message"]
    assert stored(db) == set()

    response = upload(staff, repeated.encode(), "a.csv", partial=True)
    assert (response.json()["created"], response.json()["refused"]) == (3, 1)
    assert stored(db) == EXPECTED


def test_a_year_changed_after_it_was_read_is_a_conflict_and_nothing_is_written(
    staff, firms, db, monkeypatch
):
    assert upload(staff, csv_text(GOOD[0]).encode(), "a.csv").status_code == 200
    read = figure_import._stored_years

    def read_then_someone_writes(session, keys):
        found = read(session, keys)
        session.execute(update(CompanyYear).values(version=CompanyYear.version + 1))
        return found

    monkeypatch.setattr(figure_import, "_stored_years", read_then_someone_writes)
    before = _years(db)
    response = upload(
        staff, csv_text("2024,川西精工,{code},1,1,1,1,1,否", GOOD[1]).encode(), "b.csv"
    )
    assert response.status_code == 409, response.text
    assert _years(db) == before and len(before) == 1


def test_importing_the_same_file_again_writes_nothing(staff, firms, db):
    """An export read back unchanged: no version bumped (an edit under way is not refused),
    no audit entry, every row merged."""
    assert upload(staff, csv_text(*GOOD).encode(), "a.csv").status_code == 200
    before = _years(db)
    with db() as session:
        stamps = {y.id: y.updated_at for y in session.scalars(select(CompanyYear))}
    response = upload(staff, csv_text(*GOOD).encode(), "again.csv")
    assert (response.json()["created"], response.json()["merged"]) == (0, 3), response.text
    assert _years(db) == before
    with db() as session:
        assert {y.id: y.updated_at for y in session.scalars(select(CompanyYear))} == stamps
        entries = session.scalars(
            select(AuditEntry).where(AuditEntry.entity == CompanyYear.__tablename__)
        ).all()
    assert [e.record_id for e in entries] == ["a.csv"]
