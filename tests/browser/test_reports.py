"""The monthly bulletin in Chromium over the demo data: reached from the cockpit, a month
picked with the form, the workbook downloaded; Chinese, English and a phone's width."""

import openpyxl
from playwright.sync_api import expect

from tests.browser.harness import assert_accessible, screenshot

PHONE = {"width": 390, "height": 844}


def test_a_leader_opens_the_bulletin_picks_a_month_and_downloads_it(page, log_in, tmp_path):
    log_in("leader")
    page.goto("/")
    page.locator("main").get_by_role("link", name="月度通报").click()
    expect(page.locator("h1")).to_contain_text("全市招商引资工作通报")
    page.get_by_label("月份", exact=True).fill("2026-06")
    page.get_by_role("button", name="查看").click()
    expect(page.locator("h1")).to_have_text("2026年6月全市招商引资工作通报")
    table = page.locator("table.bulletin-table")
    expect(table.locator("thead")).to_contain_text("新签约金额（亿元）")
    expect(table.locator('tr[data-row="city:"] th')).to_have_text("全市")
    expect(table).to_contain_text("驻外中心")
    assert_accessible(page)
    screenshot(page, "reports-monthly-zh-desktop")
    with page.expect_download() as info:
        page.get_by_role("link", name="下载通报（XLSX）").click()
    path = tmp_path / "bulletin.xlsx"
    info.value.save_as(path)
    sheet = openpyxl.load_workbook(path).active
    assert sheet["A1"].value == "2026年6月全市招商引资工作通报"
    assert sheet["A5"].value == "全市"


def test_the_bulletin_in_english_and_on_a_phone(page, log_in):
    log_in("viewer")
    page.goto("/reports/monthly?month=2026-06")
    page.set_viewport_size(PHONE)
    expect(page.locator("table.bulletin-table")).to_be_visible()
    screenshot(page, "reports-monthly-zh-phone")
    page.set_viewport_size({"width": 1366, "height": 768})
    page.get_by_role("link", name="English").click()
    expect(page.locator("h1")).to_have_text("Investment promotion bulletin, 2026-06")
    expect(page.locator("table.bulletin-table")).to_contain_text("Year on year")
    screenshot(page, "reports-monthly-en-desktop")
