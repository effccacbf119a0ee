"""The monthly bulletin page and its workbook download, on the hand-built history of
tests/test_reports_monthly.py (expected figures worked out there by hand)."""

import io

import openpyxl

from tests.test_reports_monthly import history  # noqa: F401  (the fixture)


def test_the_page_shows_the_month_with_colours_and_links(history, browser_login):  # noqa: F811
    client = browser_login("viewer")
    page = client.get("/reports/monthly", params={"month": "2026-06"})
    assert page.status_code == 200
    html = page.text
    assert "2026年6月全市招商引资工作通报" in html
    assert 'href="/reports/monthly.xlsx?month=2026-06"' in html
    assert 'href="/reports/monthly"' in html  # the nav
    # the city: 4 signed of 10 (40%, amber), 8.20 亿元 of 10.00 (82%, green)
    city = html.split('data-row="city:"')[1].split("</tr>")[0]
    assert 'data-indicator="signed_count" data-status="behind">40.0%' in city
    assert 'data-indicator="signed_investment" data-status="ahead">82.0%' in city
    assert "8.20" in city and "10.00" in city
    assert "不着色" in html and "序时进度" in html
    cockpit = client.get("/")
    assert 'href="/reports/monthly"' in cockpit.text.split("<main")[1]


def test_the_page_in_english(history, browser_login):  # noqa: F811
    client = browser_login("leader")
    client.cookies.set("crm_lang", "en")
    page = client.get("/reports/monthly?month=2026-06")
    assert page.status_code == 200
    assert "Year on year" in page.text and "Whole city" in page.text


def test_the_download_is_the_bulletin_workbook(history, browser_login):  # noqa: F811
    client = browser_login("viewer")
    response = client.get("/reports/monthly.xlsx", params={"month": "2026-06"})
    assert response.status_code == 200
    assert "bulletin-2026-06.xlsx" in response.headers["content-disposition"]
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    assert sheet["A1"].value == "2026年6月全市招商引资工作通报"
    assert [sheet.cell(5, c).value for c in range(2, 7)] == [1, 4, 10, 0.4, 1.0]


def test_a_bad_month_is_a_422_page(history, browser_login):  # noqa: F811
    client = browser_login("viewer")
    for month in ("2026-13", "2026-00", "june"):
        assert client.get("/reports/monthly", params={"month": month}).status_code == 422
        assert client.get("/reports/monthly.xlsx", params={"month": month}).status_code == 422


def test_signed_out_is_sent_to_log_in(anon):
    response = anon.get("/reports/monthly", follow_redirects=False)
    assert response.status_code in (303, 307, 302)
