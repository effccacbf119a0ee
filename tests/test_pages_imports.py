"""The imports page through HTTP: upload, dry run (nothing written), confirm, refused rows."""

import io
import re

import pytest
from openpyxl import Workbook, load_workbook

from crm.companies.importer import CHINESE_HEADERS
from crm.import_review import TEMPLATE_HEADERS, ImportKind
from tests.factories import chain_file, credit_code

ORIGIN = {"Origin": "http://testserver"}
HEADERS = list(CHINESE_HEADERS.values())


def workbook(rows: list[list], headers: list[str] = HEADERS) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.append(headers)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def row(name: str, *, revenue="1.5", serial: int = 1, code: str | None = None) -> list:
    cells = dict.fromkeys(CHINESE_HEADERS, "")
    cells.update(name=name, credit_code=code or credit_code(serial), city="成都市")
    cells.update(segments="new-display:panel", revenue=revenue, is_local="否")
    return list(cells.values())


@pytest.fixture(autouse=True)
def upload_directory(app, tmp_path):
    """Each test keeps its uploads in a folder of its own."""
    app.state.upload_directory = tmp_path / "uploads"
    return app.state.upload_directory


@pytest.fixture
def office(browser_login, staff):
    assert staff.post("/api/chains", json=chain_file()).status_code == 201
    return browser_login("staff")


def upload(client, content: bytes, name: str = "企业.xlsx", kind: str = "companies"):
    files = {"file": (name, content, "application/octet-stream")}
    return client.post("/imports", data={"kind": kind}, files=files, headers=ORIGIN)


def review_url(response) -> str:
    assert response.status_code == 303, response.text
    url = response.headers["location"]
    assert re.fullmatch(r"/imports/[A-Za-z0-9_-]{43}", url)
    return url


def company_names(staff) -> set[str]:
    return {c["name"] for c in staff.get("/api/companies", params={"limit": 200}).json()["items"]}


BAD = row("坏行科技有限公司", revenue="很多", serial=2)


def test_a_dry_run_shows_the_bad_row_and_writes_nothing(office, staff, table_counts):
    before = table_counts()
    url = review_url(upload(office, workbook([row("好行科技有限公司"), BAD])))
    page = office.get(url)
    assert page.status_code == 200
    assert "尚未写入任何数据" in page.text
    assert "「很多」不是数字" in page.text and "营业收入(亿元)" in page.text
    assert "只导入正确的 1 行" in page.text
    assert 'value="all"' not in page.text  # a whole import would be refused: not offered
    assert table_counts() == before


def test_confirming_good_rows_imports_them_and_the_refused_file_holds_the_bad_one(office, staff):
    url = review_url(upload(office, workbook([row("好行科技有限公司"), BAD])))
    done = office.post(f"{url}/confirm", data={"mode": "good"}, headers=ORIGIN)
    assert done.status_code == 303 and done.headers["location"] == url
    result = office.get(url)
    assert "导入已完成" in result.text
    assert company_names(staff) == {"好行科技有限公司"}
    refused = office.get(f"{url}/refused.xlsx")
    assert refused.status_code == 200
    assert "attachment" in refused.headers["content-disposition"]
    rows = list(load_workbook(io.BytesIO(refused.content)).active.iter_rows(values_only=True))
    assert rows[0] == (*HEADERS, "错误说明")
    assert rows[1][0] == "坏行科技有限公司" and "「很多」不是数字" in rows[1][-1]
    again = office.post(f"{url}/confirm", data={"mode": "good"}, headers=ORIGIN)
    assert again.status_code == 409  # no second import of the same file
    assert company_names(staff) == {"好行科技有限公司"}


def test_a_whole_import_of_a_file_with_bad_rows_is_refused_with_nothing_written(office, staff):
    url = review_url(upload(office, workbook([row("好行科技有限公司"), BAD])))
    refused = office.post(f"{url}/confirm", data={"mode": "all"}, headers=ORIGIN)
    assert refused.status_code == 422
    assert "本次未导入任何数据" in refused.text
    assert company_names(staff) == set()


def test_a_clean_csv_imports_whole(office, staff):
    text = ",".join(HEADERS) + "\n" + ",".join(row("干净科技有限公司")) + "\n"
    url = review_url(upload(office, text.encode("utf-8-sig"), name="companies.csv"))
    assert "确认导入全部 1 行" in office.get(url).text
    assert office.post(f"{url}/confirm", data={"mode": "all"}, headers=ORIGIN).status_code == 303
    assert company_names(staff) == {"干净科技有限公司"}


def test_an_unknown_column_is_named_with_the_closest_and_can_be_ignored(office, staff):
    headers = [*HEADERS[:-1], "上市情况况"]
    url = review_url(upload(office, workbook([row("别名科技有限公司")], headers)))
    page = office.get(url)
    assert "未知的列「上市情况况」" in page.text and "上市情况" in page.text
    assert 'name="column" value="上市情况况"' in page.text
    ignored = office.post(f"{url}/ignore", data={"column": "上市情况况"}, headers=ORIGIN)
    assert ignored.status_code == 303
    again = office.get(url)
    assert "已忽略的列：上市情况况" in again.text and "确认导入全部 1 行" in again.text


def test_the_template_carries_the_importer_headers(office):
    for kind in ImportKind:
        response = office.get(f"/imports/template/{kind.value}.xlsx")
        assert response.status_code == 200
        sheet = load_workbook(io.BytesIO(response.content)).active
        headers = next(sheet.iter_rows(values_only=True))
        assert list(headers) == list(TEMPLATE_HEADERS[kind].values())


def test_an_upload_is_only_the_uploaders(office, browser_login, staff):
    url = review_url(upload(office, workbook([row("私有科技有限公司")])))
    other = browser_login("staff", "staff-other")
    assert other.get(url).status_code == 404
    assert other.post(f"{url}/confirm", data={"mode": "all"}, headers=ORIGIN).status_code == 404
    assert company_names(staff) == set()


@pytest.mark.parametrize("name", ["", "空文件.csv"])
def test_no_file_is_refused_beside_the_field(office, upload_directory, name):
    response = upload(office, b"", name=name)
    assert response.status_code == 422
    assert 'id="file-error"' in response.text and "请选择要上传的文件" in response.text
    assert not upload_directory.exists() or not list(upload_directory.iterdir())


def test_a_forged_token_is_not_found(office):
    assert office.get("/imports/" + "A" * 43).status_code == 404
    assert office.get("/imports/../../etc").status_code == 404


@pytest.mark.parametrize("role", ["viewer", "leader", "specialist"])
def test_roles_that_may_not_import_get_403_and_no_nav_item(browser_login, role, table_counts):
    client = browser_login(role)
    assert client.get("/imports").status_code == 403
    assert 'href="/imports"' not in client.get("/chains").text
    before = table_counts()
    response = upload(client, workbook([row("越权科技有限公司")]))
    assert response.status_code == 403
    assert table_counts() == before


def test_staff_see_the_nav_item_in_english(office):
    office.cookies.set("crm_lang", "en")
    page = office.get("/imports")
    assert 'href="/imports"' in page.text and "Upload and check" in page.text


def test_a_leads_file_is_checked_then_imported_in_the_uploaders_name(office, staff):
    headers = list(TEMPLATE_HEADERS[ImportKind.leads].values())
    cells = dict.fromkeys(headers, "")
    cells.update(
        {"企业名称": "线索科技有限公司", "城市": "深圳市", "所属环节": "new-display:panel"}
    )
    url = review_url(upload(office, workbook([list(cells.values())], headers), kind="leads"))
    page = office.get(url)
    assert "招商线索" in page.text and "确认导入全部 1 行" in page.text
    assert staff.get("/api/leads").json()["total"] == 0  # the dry run wrote nothing
    assert office.post(f"{url}/confirm", data={"mode": "all"}, headers=ORIGIN).status_code == 303
    leads = staff.get("/api/leads").json()
    assert leads["total"] == 1


def test_an_upload_expires_and_its_file_is_deleted(office, clock, upload_directory):
    url = review_url(upload(office, workbook([row("过期科技有限公司")])))
    assert office.get(url).status_code == 200
    clock.advance(minutes=31)
    assert office.get(url).status_code == 404
    assert list(upload_directory.iterdir()) == []


def test_uploads_are_kept_on_the_server_for_the_uploader_only(office, upload_directory):
    review_url(upload(office, workbook([row("权限科技有限公司")])))
    (folder,) = upload_directory.iterdir()
    assert folder.stat().st_mode & 0o077 == 0
    assert all(path.stat().st_mode & 0o077 == 0 for path in folder.iterdir())
    for _ in range(6):  # a user keeps at most a few uploads
        review_url(upload(office, workbook([row("权限科技有限公司")])))
    assert len(list(upload_directory.iterdir())) == 5


def test_an_upload_folder_others_could_read_is_closed_first(office, upload_directory):
    upload_directory.mkdir(mode=0o755)
    upload_directory.chmod(0o755)  # as another process's umask might have left it
    review_url(upload(office, workbook([row("权限科技有限公司")])))
    assert upload_directory.stat().st_mode & 0o077 == 0


def test_an_unreadable_file_is_refused_whole_in_chinese(office, staff):
    url = review_url(upload(office, b"not really a workbook", name="企业.xlsx"))
    page = office.get(url)
    assert "文件无法导入" in page.text and "不是有效的 Excel 工作簿" in page.text
    assert 'name="mode"' not in page.text  # nothing to confirm
    url = review_url(upload(office, b"a,b\n1,2\n", name="企业.xls"))
    assert "请另存为 .xlsx 或 .csv" in office.get(url).text


def test_a_large_file_is_imported_in_the_background_with_progress_then_the_result(
    app, office, staff
):
    app.state.settings.import_background_bytes = 100  # every file here is "large"
    rows = [row(f"后台第{n}科技有限公司", serial=10 + n) for n in range(1, 6)]
    url = review_url(upload(office, workbook(rows)))
    office.get(url)  # the check runs in the background too
    app.state.jobs.work_until_idle()
    assert "确认导入全部 5 行" in office.get(url).text
    confirmed = office.post(f"{url}/confirm", data={"mode": "all"}, headers=ORIGIN)
    assert confirmed.status_code == 303 and confirmed.headers["location"] == url
    waiting = office.get(url)
    assert waiting.status_code == 200
    # the job may be waiting, running or (a thread on SQLite) already done
    assert "后台导入" in waiting.text or "导入已完成" in waiting.text
    if "后台导入" in waiting.text:
        assert f'hx-get="{url}/progress"' in waiting.text and "every 2s" in waiting.text
    app.state.jobs.work_until_idle()
    polled = office.get(f"{url}/progress", headers={"HX-Request": "true"})
    assert polled.status_code == 200 and polled.headers["hx-redirect"] == url
    result = office.get(url)
    assert "导入已完成" in result.text
    figures = re.findall(r'<div class="value">(\d+)</div>', result.text)
    assert figures == ["5", "5", "0", "0"]  # rows, created, merged, refused
    assert company_names(staff) == {r[0] for r in rows}
    again = office.post(f"{url}/confirm", data={"mode": "all"}, headers=ORIGIN)
    assert again.status_code == 409  # no second import of the same file


def test_someone_elses_background_import_is_not_shown(app, office, browser_login):
    app.state.settings.import_background_bytes = 100
    url = review_url(upload(office, workbook([row("后台科技有限公司")])))
    office.post(f"{url}/confirm", data={"mode": "all"}, headers=ORIGIN)
    other = browser_login("staff", "staff-other")
    assert other.get(url).status_code == 404
    assert other.get(f"{url}/progress").status_code == 404
    app.state.jobs.work_until_idle()


def test_a_large_file_is_checked_in_the_background_and_nothing_is_written(
    app, office, staff, table_counts
):
    app.state.settings.import_background_bytes = 100  # every file here is "large"
    before = table_counts()
    rows = [row(f"检查第{n}科技有限公司", serial=20 + n) for n in range(1, 4)]
    rows.append(BAD)
    url = review_url(upload(office, workbook(rows)))
    first = office.get(url)
    assert first.status_code == 200
    # the check may be waiting, running or (a thread on SQLite) already done
    if "后台检查" in first.text:
        assert f'hx-get="{url}/progress"' in first.text and "试导入，不写入任何数据" in first.text
    app.state.jobs.work_until_idle()
    polled = office.get(f"{url}/progress", headers={"HX-Request": "true"})
    assert polled.status_code == 200 and polled.headers["hx-redirect"] == url
    checked = office.get(url)
    assert "后台检查" not in checked.text
    assert "只导入正确的 3 行" in checked.text and "「很多」不是数字" in checked.text
    assert 'value="all"' not in checked.text  # a bad row: the whole file is not offered
    refused = office.get(f"{url}/refused.csv")
    refused_rows = refused.content.decode("utf-8-sig")
    assert "坏行科技有限公司" in refused_rows and "检查第" not in refused_rows
    assert table_counts() == {**before, "import_job": before.get("import_job", 0) + 1}
    assert company_names(staff) == set()

    confirmed = office.post(f"{url}/confirm", data={"mode": "good"}, headers=ORIGIN)
    assert confirmed.status_code == 303
    app.state.jobs.work_until_idle()
    assert "导入已完成" in office.get(url).text
    assert company_names(staff) == {r[0] for r in rows[:3]}


def test_ignoring_a_column_checks_a_large_file_again(app, office):
    app.state.settings.import_background_bytes = 100
    headers = [*HEADERS, "备注"]
    url = review_url(upload(office, workbook([[*row("忽略列科技有限公司"), "x"]], headers)))
    office.get(url)
    app.state.jobs.work_until_idle()
    assert "备注" in office.get(url).text  # unknown column: refused, may be ignored
    ignored = office.post(f"{url}/ignore", data={"column": "备注"}, headers=ORIGIN)
    assert ignored.status_code == 303
    office.get(url)
    app.state.jobs.work_until_idle()
    assert "确认导入全部 1 行" in office.get(url).text
