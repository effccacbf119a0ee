"""Company import and export (SPEC §5) through ``crm import companies`` / ``crm export companies``.

Files are written the way Excel and WPS write them, imported by the CLI as a subprocess on the
test database, and read back through the API.
"""

import csv
import io
import re

import pytest
from openpyxl import Workbook

from tests.factories import chain_file, company, credit_code
from tests.test_cli import run_crm

PARK = "高新区"
ZH = ["企业名称", "统一社会信用代码", "省份", "城市", "所属环节", "标签"]
ZH += ["营业收入(亿元)", "从业人数", "是否本地", "所在园区"]
EN = ["name", "credit_code", "province", "city", "segments", "tags"]
EN += ["revenue", "employees", "is_local", "park"]

# The same three companies, once as a Chinese office writes them, once in English.
ROWS_ZH = [
    [
        "成都京东方光电科技有限公司",
        "91110000600037341L",  # real, published
        "四川",
        "成都市",
        "new-display:panel;new-display:glass-substrate",
        "龙头、上市",
        "1780.5",
        "8,000",
        "否",
        "",
    ],
    [
        "云江华鑫显示科技有限公司",
        credit_code(1),
        "四川",
        "云江市",
        "new-display:liquid-crystal",
        "专精特新",
        "2.35",
        "180",
        "是",
        PARK,
    ],
    [
        "TCL华星光电（深圳）有限公司",
        "",
        "广东",
        "深圳市",
        "new-display:terminal",
        "",
        "",
        "",
        "否",
        "",
    ],
]
ROWS_EN = [
    [*row[:5], tags, *row[6:8], local, row[9]]
    for row, tags, local in zip(
        ROWS_ZH, ["leader;listed", "srdi", ""], ["no", "yes", "no"], strict=True
    )
]
EXPECTED = {
    "成都京东方光电科技有限公司": {
        "credit_code": "91110000600037341L",
        "province": "四川省",
        "city": "成都市",
        "segments": {"new-display:panel", "new-display:glass-substrate"},
        "tags": {"leader", "listed"},
        "revenue": 1780.5,
        "employees": 8000,
        "is_local": False,
        "park": None,
    },
    "云江华鑫显示科技有限公司": {
        "credit_code": credit_code(1),
        "province": "四川省",
        "city": "云江市",
        "segments": {"new-display:liquid-crystal"},
        "tags": {"srdi"},
        "revenue": 2.35,
        "employees": 180,
        "is_local": True,
        "park": PARK,
    },
    "TCL华星光电（深圳）有限公司": {
        "credit_code": None,
        "province": "广东省",
        "city": "深圳市",
        "segments": {"new-display:terminal"},
        "tags": set(),
        "revenue": None,
        "employees": None,
        "is_local": False,
        "park": None,
    },
}


def csv_text(headers, rows, *, delimiter=",", newline="\r\n") -> str:
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator=newline)
    writer.writerow(headers)
    writer.writerows(rows)
    return buffer.getvalue()


def xlsx(path, headers, rows) -> None:
    """A workbook as Excel keeps it: numbers as numbers, blank cells empty."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(headers)
    for row in rows:
        sheet.append([_cell(value) for value in row])
    workbook.save(path)


def _cell(value: str):
    if value == "":
        return None
    if len(value) >= 15:
        return value  # a credit code stays text, even when it is all digits
    try:
        number = float(value.replace(",", ""))
    except ValueError:
        return value
    return int(number) if number.is_integer() else number


def by_name(client) -> dict[str, dict]:
    response = client.get("/api/companies", params={"limit": 1000})
    assert response.status_code == 200, response.text
    data = response.json()
    assert data["total"] == len(data["items"])
    return {item["name"]: item for item in data["items"]}


def readable(item: dict) -> dict:
    """The fields an import sets, with segments and tags as sets (their order is not data)."""
    return {
        key: set(item[key]) if key in ("segments", "tags") else item[key]
        for key in EXPECTED["TCL华星光电（深圳）有限公司"]
    }


def assert_imported(client, expected=EXPECTED) -> None:
    companies = by_name(client)
    assert set(companies) == set(expected)
    for name, fields in expected.items():
        assert readable(companies[name]) == fields, name


def rows_reported(stderr: str) -> dict[int, set[str]]:
    """``{row: {column, …}}`` from the CLI's ``row N [column]: message`` lines."""
    found: dict[int, set[str]] = {}
    for row, column in re.findall(r"row (\d+)(?: \[([^\]]+)\])?:", stderr):
        found.setdefault(int(row), set()).add(column)
    return found


@pytest.fixture
def crm(database_url, clean_db):
    return lambda *args: run_crm(database_url, *args)


@pytest.fixture
def chain(staff):
    response = staff.post("/api/chains", json=chain_file())
    assert response.status_code == 201, response.text
    park = staff.post("/api/parks", json={"name": PARK, "level": "national"})
    assert park.status_code == 201, park.text
    return "new-display"


@pytest.fixture
def imported(crm, chain, staff, tmp_path):
    """The three companies imported from a clean Chinese CSV."""
    source = tmp_path / "companies.csv"
    source.write_text(csv_text(ZH, ROWS_ZH), encoding="utf-8-sig")
    result = crm("import", "companies", str(source))
    assert result.returncode == 0, result.stderr
    return source


# --- clean files ------------------------------------------------------------------------------


def test_clean_csv_with_chinese_headers_imports(crm, chain, staff, tmp_path):
    source = tmp_path / "企业名单.csv"
    source.write_text(csv_text(ZH, ROWS_ZH), encoding="utf-8")
    result = crm("import", "companies", str(source))
    assert result.returncode == 0, result.stderr
    assert "3 rows: 3 created, 0 merged, 0 refused" in result.stdout
    assert_imported(staff)

    def total(**filters) -> int:
        return staff.get("/api/companies", params=filters).json()["total"]

    assert total(is_local="true") == 1
    assert total(is_local="false") == 2
    assert total(park=PARK) == 1
    assert total(tag="leader") == 1
    assert total(tag="srdi") == 1
    assert total(segment="new-display:panel") == 1
    assert total(chain="new-display") == 3
    assert total(q="91110000600037341L") == 1


def test_clean_csv_with_english_headers_imports(crm, chain, staff, tmp_path):
    source = tmp_path / "companies.csv"
    source.write_text(csv_text(EN, ROWS_EN), encoding="utf-8")
    result = crm("import", "companies", str(source))
    assert result.returncode == 0, result.stderr
    assert "3 rows: 3 created" in result.stdout
    assert_imported(staff)


def _utf16(text: str) -> bytes:
    return b"\xff\xfe" + text.encode("utf-16-le")


@pytest.mark.parametrize(
    ("encode", "delimiter", "newline"),
    [
        pytest.param(lambda t: t.encode("utf-8-sig"), ",", "\r\n", id="utf-8-bom"),
        pytest.param(lambda t: t.encode("gb18030"), ",", "\r\n", id="gb18030"),
        pytest.param(lambda t: t.encode("gbk"), ",", "\r\n", id="gbk"),
        pytest.param(_utf16, "\t", "\r\n", id="utf-16le-bom-tabs"),
        pytest.param(lambda t: t.encode("utf-8-sig"), ";", "\r\n", id="semicolons"),
        pytest.param(lambda t: t.encode("gbk"), ";", "\r\n", id="gbk-semicolons"),
        pytest.param(lambda t: t.encode("utf-8"), ",", "\n", id="utf-8-lf"),
    ],
)
def test_excel_csv_flavours_import_the_same_companies(
    crm, chain, staff, tmp_path, encode, delimiter, newline
):
    source = tmp_path / "companies.csv"
    source.write_bytes(encode(csv_text(ZH, ROWS_ZH, delimiter=delimiter, newline=newline)))
    result = crm("import", "companies", str(source))
    assert result.returncode == 0, result.stderr
    assert "3 rows: 3 created" in result.stdout
    assert_imported(staff)


def test_unicode_text_saved_as_txt_imports(crm, chain, staff, tmp_path):
    """Excel's "Unicode text" save has a .txt name."""
    source = tmp_path / "companies.txt"
    text = csv_text(ZH, ROWS_ZH, delimiter="\t")
    source.write_bytes(b"\xff\xfe" + text.encode("utf-16-le"))
    result = crm("import", "companies", str(source))
    assert result.returncode == 0, result.stderr
    assert_imported(staff)


def test_clean_xlsx_with_chinese_headers_imports(crm, chain, staff, tmp_path):
    source = tmp_path / "companies.xlsx"
    xlsx(source, ZH, ROWS_ZH)
    result = crm("import", "companies", str(source))
    assert result.returncode == 0, result.stderr
    assert "3 rows: 3 created, 0 merged, 0 refused" in result.stdout
    assert_imported(staff)


# --- bad rows ---------------------------------------------------------------------------------

GOOD_A = ["云江瑞博光电有限公司", credit_code(11), "四川", "云江市", "new-display:panel"]
GOOD_A += ["", "3.5", "200", "是", PARK]
GOOD_B = ["苏州晶澜显示科技有限公司", credit_code(12, "91320505"), "江苏", "苏州市"]
GOOD_B += ["new-display:glass-substrate", "上市", "12", "900", "否", ""]
BAD_ROWS = [
    GOOD_A,  # row 2
    # row 3: wrong check character
    ["云江恒宇材料有限公司", "91110000600037341X", "四川", "云江市", "", "", "", "", "是", ""],
    # row 4: a segment the chain does not have
    ["合肥启天背光有限公司", "", "安徽", "合肥市", "new-display:backlight", "", "", "", "否", ""],
    [""] * 10,  # row 5: blank, skipped, but still counted as a row of the file
    # row 6: a park nobody registered
    ["云江嘉芯电子有限公司", "", "四川", "云江市", "", "", "", "", "是", "火星园区"],
    # row 7: revenue that is not a number
    ["武汉锐拓光电有限公司", "", "湖北", "武汉市", "", "", "很多", "", "否", ""],
    # row 8: a tag that is not one of ours
    ["深圳联康视讯有限公司", "", "广东", "深圳市", "", "独角兽", "", "", "否", ""],
    GOOD_B,  # row 9
]
BAD = {
    3: "统一社会信用代码",
    4: "所属环节",
    6: "所在园区",
    7: "营业收入(亿元)",
    8: "标签",
}


def write_bad_file(tmp_path, kind: str):
    if kind == "csv":
        source = tmp_path / "bad.csv"
        source.write_text(csv_text(ZH, BAD_ROWS), encoding="utf-8-sig")
    else:
        source = tmp_path / "bad.xlsx"
        xlsx(source, ZH, BAD_ROWS)
    return source


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_a_file_with_bad_rows_is_refused_whole(crm, chain, staff, tmp_path, table_counts, kind):
    source = write_bad_file(tmp_path, kind)
    before = table_counts()
    result = crm("import", "companies", str(source))
    assert result.returncode != 0
    reported = rows_reported(result.stderr)
    assert reported == {row: {column} for row, column in BAD.items()}, result.stderr
    assert "火星园区" in result.stderr
    assert "new-display:backlight" in result.stderr
    assert "很多" in result.stderr
    assert "独角兽" in result.stderr
    assert "nothing was imported" in result.stderr
    assert table_counts() == before
    assert staff.get("/api/companies").json()["total"] == 0


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_partial_import_takes_the_good_rows_and_lists_the_bad(crm, chain, staff, tmp_path, kind):
    source = write_bad_file(tmp_path, kind)
    result = crm("import", "companies", str(source), "--partial")
    assert result.returncode == 0, result.stderr
    assert "7 rows: 2 created, 0 merged, 5 refused" in result.stdout
    assert rows_reported(result.stderr) == {row: {column} for row, column in BAD.items()}
    companies = by_name(staff)
    assert set(companies) == {GOOD_A[0], GOOD_B[0]}
    assert companies[GOOD_A[0]]["park"] == PARK
    assert companies[GOOD_B[0]]["tags"] == ["listed"]


# --- duplicates -------------------------------------------------------------------------------


def test_importing_the_same_file_twice_creates_nothing_new(crm, imported, staff, table_counts):
    before, companies = table_counts(), by_name(staff)
    again = crm("import", "companies", str(imported))
    assert again.returncode == 0, again.stderr
    assert "3 rows: 0 created, 3 merged, 0 refused" in again.stdout
    assert table_counts() == before  # not even an audit entry: nothing changed
    assert by_name(staff) == companies  # versions included


def test_same_credit_code_under_another_name_merges(crm, imported, staff, tmp_path):
    renamed = tmp_path / "renamed.csv"
    row = ["云江华鑫显示科技股份有限公司", credit_code(1), "", "", "new-display:panel"]
    row += ["上市", "", "", "", ""]
    renamed.write_text(csv_text(ZH, [row]), encoding="utf-8")
    result = crm("import", "companies", str(renamed))
    assert result.returncode == 0, result.stderr
    assert "1 rows: 0 created, 1 merged" in result.stdout
    companies = by_name(staff)
    assert len(companies) == 3
    found = staff.get("/api/companies", params={"q": credit_code(1)}).json()
    assert found["total"] == 1
    merged = found["items"][0]
    assert set(merged["segments"]) == {"new-display:liquid-crystal", "new-display:panel"}
    assert set(merged["tags"]) == {"srdi", "listed"}
    # a merge only adds: blank cells keep what was stored
    assert merged["province"] == "四川省" and merged["city"] == "云江市"
    assert merged["revenue"] == 2.35 and merged["employees"] == 180
    assert merged["is_local"] is True and merged["park"] == PARK


SPELLINGS = [
    "TCL华星光电(深圳)有限公司",  # half-width brackets
    "TCL 华星光电 （深圳） 有限公司",  # spaces
    "ＴＣＬ华星光电（深圳）有限公司",  # full-width letters
    "tcl华星光电(深圳)有限公司",  # case
]


def test_a_name_differing_only_in_width_or_spaces_merges(crm, imported, staff, tmp_path):
    """Stored without a credit code as "TCL华星光电（深圳）有限公司"."""
    segments = ["new-display:glass-substrate", "new-display:liquid-crystal", "new-display:panel"]
    for spelling, segment in zip(SPELLINGS, [*segments, "new-display:terminal"], strict=True):
        source = tmp_path / "again.csv"
        row = [spelling, "", "广东", "深圳市", segment, "上市", "", "", "否", ""]
        source.write_text(csv_text(ZH, [row]), encoding="utf-8")
        result = crm("import", "companies", str(source))
        assert result.returncode == 0, result.stderr
        assert "1 rows: 0 created, 1 merged" in result.stdout, spelling
        assert set(by_name(staff)) == set(EXPECTED), spelling
    merged = by_name(staff)["TCL华星光电（深圳）有限公司"]
    assert set(merged["segments"]) == {*segments, "new-display:terminal"}
    assert merged["tags"] == ["listed"]


def test_duplicates_inside_one_file_merge(crm, chain, staff, tmp_path):
    code = credit_code(21)
    rows = [
        ["云江腾翔光电有限公司", code, "四川", "云江市", "new-display:panel", "专精特新"]
        + ["5", "300", "是", PARK],
        ["云江腾翔光电股份有限公司", code, "", "", "new-display:terminal", "上市"]
        + ["", "", "是", ""],
        ["西安卓越显示有限公司", "", "陕西", "西安市", "new-display:glass-substrate", ""]
        + ["", "", "否", ""],
        ["西安卓越显示 有限公司", "", "", "", "new-display:liquid-crystal", "龙头"]
        + ["", "", "否", ""],
    ]
    source = tmp_path / "twice.csv"
    source.write_text(csv_text(ZH, rows), encoding="utf-8")
    result = crm("import", "companies", str(source))
    assert result.returncode == 0, result.stderr
    assert "4 rows: 2 created, 2 merged, 0 refused" in result.stdout
    companies = staff.get("/api/companies", params={"limit": 1000}).json()
    assert companies["total"] == 2
    by_code = {c["credit_code"]: c for c in companies["items"]}
    assert set(by_code[code]["segments"]) == {"new-display:panel", "new-display:terminal"}
    assert set(by_code[code]["tags"]) == {"srdi", "listed"}
    assert by_code[code]["park"] == PARK and by_code[code]["revenue"] == 5
    assert set(by_code[None]["segments"]) == {
        "new-display:glass-substrate",
        "new-display:liquid-crystal",
    }
    assert by_code[None]["tags"] == ["leader"]


# --- export and back --------------------------------------------------------------------------


def listing(client) -> list[dict]:
    items = client.get("/api/companies", params={"limit": 1000}).json()["items"]
    plain = [{k: v for k, v in item.items() if k not in ("id", "version")} for item in items]
    return sorted(plain, key=lambda item: item["name"])


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_export_then_import_reads_back_equal(crm, imported, staff, tmp_path, suffix):
    more = [
        company(
            '云江"澜睿", 精密光电有限公司',
            credit_code=credit_code(31),
            is_local=True,
            park=PARK,
            segments=["new-display:panel", "new-display:terminal"],
            tags=["little_giant", "champion", "listed"],
            revenue=0.5,
            employees=0,
            listing="深交所主板",
        ),
        company("只有名字的公司"),
    ]
    for body in more:
        assert staff.post("/api/companies", json=body).status_code == 201
    before = listing(staff)
    assert len(before) == 5
    target = tmp_path / f"out{suffix}"
    exported = crm("export", "companies", str(target))
    assert exported.returncode == 0, exported.stderr
    assert target.stat().st_size > 0

    for item in staff.get("/api/companies", params={"limit": 1000}).json()["items"]:
        assert staff.delete(f"/api/companies/{item['id']}").status_code == 204
    assert staff.get("/api/companies").json()["total"] == 0

    result = crm("import", "companies", str(target))
    assert result.returncode == 0, result.stderr
    assert "5 rows: 5 created, 0 merged, 0 refused" in result.stdout
    assert listing(staff) == before


def test_export_to_an_unknown_type_is_refused(crm, imported, tmp_path):
    result = crm("export", "companies", str(tmp_path / "out.pdf"))
    assert result.returncode != 0
    assert ".pdf" in result.stderr


# --- files that are not company lists ---------------------------------------------------------


@pytest.mark.parametrize(
    ("filename", "content", "message"),
    [
        ("no-name.csv", "统一社会信用代码,城市\r\n91110000600037341L,北京\r\n".encode(), "name"),
        ("empty.csv", b"", "header"),
        ("blank-lines.csv", b"\r\n\r\n , \r\n", "header"),
        ("companies.pdf", b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n", ".pdf"),
        ("broken.xlsx", b"PK\x03\x04 this is not a workbook", "workbook"),
        # a UTF-16 byte-order mark, then half a surrogate pair: not UTF-16 at all
        ("utf-16-le-broken.csv", b"\xff\xfe\x00\xd8", "UTF-16"),
        ("utf-16-be-broken.csv", b"\xfe\xff\xd8\x00", "UTF-16"),
        ("utf-8-bom-broken.csv", b"\xef\xbb\xbf\xe4\xbc\x81\xff\xfe,x\r\n", "UTF-8"),
        ("huge-cell.csv", b'name\r\n"' + b"x" * 200_000 + b'"\r\n', "CSV"),
    ],
)
def test_files_that_are_not_company_lists_are_refused(
    crm, chain, tmp_path, table_counts, filename, content, message
):
    source = tmp_path / filename
    source.write_bytes(content)
    before = table_counts()
    result = crm("import", "companies", str(source))
    assert result.returncode != 0
    assert message in result.stderr
    assert "Traceback" not in result.stderr
    assert table_counts() == before


def test_a_missing_file_is_refused(crm, tmp_path):
    result = crm("import", "companies", str(tmp_path / "nowhere.csv"))
    assert result.returncode != 0
    assert "nowhere.csv" in result.stderr


UNDECODABLE = [
    pytest.param(b"\xff\xfe\x00\xd8", id="utf-16-le-bom-then-a-lone-surrogate"),
    pytest.param(b"\xfe\xff\xd8\x00", id="utf-16-be-bom-then-a-lone-surrogate"),
    pytest.param(b"\xff\xfe" + "企业名称".encode("utf-16-le") + b"\x00", id="utf-16-odd-length"),
    pytest.param(b"\xef\xbb\xbf\xff\xfe\xfd", id="utf-8-bom-then-not-utf-8"),
]


@pytest.mark.parametrize("content", UNDECODABLE)
@pytest.mark.parametrize("path", ["/api/import/companies", "/api/import/leads"])
def test_an_undecodable_upload_is_a_422_report_not_a_500(staff, table_counts, path, content):
    before = table_counts()
    files = {"file": ("x.csv", content, "text/csv")}
    response = staff.post(path, files=files)
    assert response.status_code == 422, response.text
    report = response.json()["detail"]
    assert report["applied"] is False and report["created"] == 0
    [error] = report["errors"]
    assert error["row"] == 1 and error["column"] is None
    assert "byte-order mark" in error["message"]
    assert table_counts() == before


# --- tag spellings ----------------------------------------------------------------------------

TAG_SPELLINGS = {
    '专精特新"小巨人"': {"little_giant"},
    "专精特新“小巨人”": {"little_giant"},
    "专精特新「小巨人」": {"little_giant"},
    "专精特新 小巨人": {"little_giant"},
    "国家级专精特新小巨人企业": {"little_giant"},
    "专精特新企业": {"srdi"},
    "制造业单项冠军": {"champion"},
    "世界500强企业": {"fortune500"},
    "世界５００强": {"fortune500"},  # full-width digits
    "链主企业": {"leader"},
    "龙头企业": {"leader"},
    "行业龙头": {"leader"},
    "上市公司": {"listed"},
    "Leader": {"leader"},
    "专精特新“小巨人”、制造业单项冠军；上市公司": {"little_giant", "champion", "listed"},
    "龙头企业;链主企业;行业龙头": {"leader"},  # three spellings of one tag
}


def test_tags_as_registers_spell_them_import(crm, chain, staff, tmp_path):
    names = {spelling: f"标签测试{index}有限公司" for index, spelling in enumerate(TAG_SPELLINGS)}
    rows = [
        [names[spelling], "", "四川", "成都市", "", spelling, "", "", "否", ""]
        for spelling in TAG_SPELLINGS
    ]
    source = tmp_path / "tags.csv"
    source.write_text(csv_text(ZH, rows), encoding="utf-8-sig")
    result = crm("import", "companies", str(source))
    assert result.returncode == 0, result.stderr
    assert f"{len(rows)} rows: {len(rows)} created, 0 merged, 0 refused" in result.stdout
    companies = by_name(staff)
    for spelling, tags in TAG_SPELLINGS.items():
        assert set(companies[names[spelling]]["tags"]) == tags, spelling


@pytest.mark.parametrize("word", ["独角兽", "企业", "专精特新企业企业", "小巨人公司"])
def test_an_unknown_tag_word_is_still_refused(crm, chain, tmp_path, table_counts, word):
    row = ["深圳联康视讯有限公司", "", "广东", "深圳市", "", f"上市公司;{word}", "", "", "否", ""]
    source = tmp_path / "tags.csv"
    source.write_text(csv_text(ZH, [row]), encoding="utf-8")
    before = table_counts()
    result = crm("import", "companies", str(source))
    assert result.returncode != 0
    assert rows_reported(result.stderr) == {2: {"标签"}}
    assert f"unknown tag '{word}'" in result.stderr
    assert table_counts() == before


# --- every bad cell of a row is reported ------------------------------------------------------


def test_every_bad_cell_of_a_row_is_reported(crm, chain, staff, tmp_path, table_counts):
    rows = [
        # row 2: a wrong check character, an unknown tag and revenue that is not a number
        ["云江恒宇材料有限公司", "91110000600037341X", "四川", "云江市", "", "独角兽", "很多"]
        + ["", "是", ""],
        # row 3: a blank name and a negative head count (both found by validation)
        ["", "", "四川", "云江市", "", "", "", "-5", "否", ""],
        # row 4: not yes/no, and a whole number that is not whole
        ["云江嘉芯电子有限公司", "", "四川", "云江市", "", "", "", "3.5", "也许", ""],
    ]
    source = tmp_path / "bad.csv"
    source.write_text(csv_text(ZH, rows), encoding="utf-8-sig")
    before = table_counts()
    result = crm("import", "companies", str(source))
    assert result.returncode != 0
    lines = [line for line in result.stderr.splitlines() if line.startswith("row ")]
    row_2 = [line for line in lines if line.startswith("row 2 ")]
    assert len(row_2) == 3, result.stderr  # one line per bad cell, in column order
    assert row_2[0].startswith("row 2 [统一社会信用代码]: invalid unified social credit code")
    assert row_2[1:] == [
        "row 2 [标签]: unknown tag '独角兽'",
        "row 2 [营业收入(亿元)]: '很多' is not a number",
    ]
    assert rows_reported(result.stderr) == {
        2: {"统一社会信用代码", "标签", "营业收入(亿元)"},
        3: {"企业名称", "从业人数"},
        4: {"从业人数", "是否本地"},
    }
    assert len(lines) == 7, result.stderr
    assert "required: the cell is blank" in result.stderr
    assert table_counts() == before

    response = staff.post(
        "/api/import/companies",
        files={"file": ("bad.csv", source.read_bytes(), "text/csv")},
    )
    assert response.status_code == 422, response.text
    errors = response.json()["detail"]["errors"]
    assert [(e["row"], e["column"]) for e in errors if e["row"] == 2] == [
        (2, "统一社会信用代码"),
        (2, "标签"),
        (2, "营业收入(亿元)"),
    ]
    assert response.json()["detail"]["refused"] == 3
