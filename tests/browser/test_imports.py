"""The imports page in Chromium: staff check a companies file with one bad row (nothing is
written), import its good rows, and download the bad row with its error."""

import io
import re
import uuid

from openpyxl import Workbook, load_workbook
from playwright.sync_api import expect

from tests.browser.harness import assert_accessible, screenshot

PHONE = {"width": 390, "height": 844}


def sheet_rows(download) -> list[tuple]:
    assert download.suggested_filename.endswith(".xlsx")
    with open(download.path(), "rb") as file:
        book = load_workbook(io.BytesIO(file.read()))
    return list(book.active.iter_rows(values_only=True))


def template_headers(page) -> list[str]:
    """The headers of the template the page offers, as a user would download it."""
    with page.expect_download() as download:
        page.get_by_role("link", name="下载企业导入模板（XLSX）").click()
    return list(sheet_rows(download.value)[0])


def companies_file(headers: list[str], good: str, bad: str) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.append(headers)
    for name, revenue in ((good, "3.2"), (bad, "很多")):
        cells = dict.fromkeys(headers, None)
        cells.update({"企业名称": name, "城市": "成都市", "所属环节": "new-display:panel"})
        cells.update({"营业收入(亿元)": revenue, "是否本地": "否"})
        sheet.append(list(cells.values()))
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def companies_named(page, name: str) -> int:
    """How many companies the companies list shows for a search on ``name``."""
    listed = page.request.get("/companies", params={"q": name})
    assert listed.ok
    return len(re.findall(r'<a href="/companies/\d+">' + re.escape(name), listed.text()))


def test_staff_check_a_file_then_import_its_good_rows_and_download_the_bad_one(page, log_in):
    log_in("staff")
    page.goto("/imports")
    expect(page.locator("h1")).to_have_text("数据导入")
    tag = uuid.uuid4().hex[:8]
    good, bad = f"导入测试{tag}好科技有限公司", f"导入测试{tag}坏科技有限公司"
    content = companies_file(template_headers(page), good, bad)

    page.get_by_label("导入内容").select_option("companies")
    page.locator("input[type=file]").set_input_files(
        {"name": "企业名单.xlsx", "mimeType": "application/octet-stream", "buffer": content}
    )
    page.get_by_role("button", name="上传并检查").click()
    expect(page.locator("h1")).to_have_text("导入预检")
    expect(page.get_by_role("status")).to_contain_text("尚未写入任何数据")
    errors = page.locator("table.import-errors tbody tr")
    expect(errors).to_have_count(1)
    expect(errors.first).to_contain_text("营业收入(亿元)")
    expect(errors.first).to_contain_text("很多")
    assert companies_named(page, f"导入测试{tag}") == 0  # the dry run wrote nothing
    assert_accessible(page)
    screenshot(page, "imports-zh-desktop")

    with page.expect_download() as download:
        page.get_by_role("link", name="下载错误行（XLSX）").click()
    rows = sheet_rows(download.value)
    assert rows[0][-1] == "错误说明" and len(rows) == 2
    assert rows[1][0] == bad and "很多" in rows[1][-1]

    page.get_by_role("button", name="只导入正确的 1 行").click()
    expect(page.locator("h1")).to_have_text("导入结果")
    figures = page.locator(".import-figures")
    expect(figures.locator(".figure", has_text="新建")).to_contain_text("1")
    expect(figures.locator(".figure", has_text="未导入")).to_contain_text("1")
    assert companies_named(page, good) == 1
    assert companies_named(page, bad) == 0
    with page.expect_download() as download:
        page.get_by_role("link", name="下载错误行（XLSX）").click()
    rows = sheet_rows(download.value)
    assert [row[0] for row in rows[1:]] == [bad]


def test_the_imports_page_in_english_and_on_a_phone(page, log_in):
    log_in("staff")
    page.goto("/lang/en?next=/imports")
    expect(page.locator("h1")).to_have_text("Imports")
    expect(page.get_by_role("button", name="Upload and check")).to_be_visible()
    assert_accessible(page)
    screenshot(page, "imports-en-desktop")
    page.goto("/lang/zh?next=/imports")
    page.set_viewport_size(PHONE)
    expect(page.locator("h1")).to_have_text("数据导入")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"] + 1


def test_a_viewer_has_no_imports(page, log_in, browser_watch):
    log_in("viewer")
    expect(page.locator("nav.mainnav a[href='/imports']")).to_have_count(0)
    browser_watch.allow_console_error(r"403")
    response = page.goto("/imports")
    assert response is not None and response.status == 403
    forged = page.request.post("/imports", multipart={"kind": "companies"})
    assert forged.status == 403
