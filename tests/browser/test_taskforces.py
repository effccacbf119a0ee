"""The task force pages in Chromium over the demo data: a leader's own task forces, the month
calendar and its navigation, planning a trip's proposed visits; a viewer may read but not plan.

The months are the app's: "today" is the live server's clock (``app.state.clock``)."""

import re
from datetime import date

from playwright.sync_api import expect

from crm.clock import local_date
from crm.taskforces.planning import shift_month
from tests.browser.harness import assert_accessible, screenshot

PHONE = {"width": 390, "height": 844}
BOARD = "新型显示产业招商专班"  # led by chenjing in seeds/taskforces.json


def _month_title(day: date) -> str:
    return f"{day.year}年{day.month}月"


def _open_board(page) -> str:
    """From the listing to the board of ``BOARD``; returns its path."""
    page.goto("/taskforces")
    page.locator("#mine").get_by_role("link", name=BOARD).click()
    expect(page.locator("h1")).to_contain_text(BOARD)
    return re.sub(r"^https?://[^/]+", "", page.url).split("?")[0].split("#")[0]


def test_a_leader_sees_their_own_task_forces_first(page, log_in):
    log_in("leader")
    page.get_by_role("link", name="我的专班").click()
    mine = page.locator("#mine")
    expect(mine.get_by_role("heading", name="我的专班")).to_be_visible()
    # seeds: chenjing leads two units and belongs to one more; the led ones come first
    expect(mine.locator(".tf-card p")).to_have_text(["您任组长"] * 2 + ["您是成员"])
    expect(mine).to_contain_text(BOARD)
    headings = page.locator("main h2")
    expect(headings).to_have_text(
        [
            re.compile("^我的专班"),
            re.compile("^企业招商专班"),
            re.compile("^招商组"),
            re.compile("^驻外中心"),
        ]
    )
    assert_accessible(page)
    screenshot(page, "taskforces-zh-desktop")


def test_the_calendar_moves_a_month_forward_and_back(page, log_in, live_server):
    today = local_date(live_server.app.state.clock())
    log_in("leader")
    path = _open_board(page)
    heading = page.locator("#calendar-heading")
    expect(heading).to_contain_text(_month_title(today))
    expect(page.locator(f'.tf-calendar td[data-day="{today.isoformat()}"]')).to_have_class(
        re.compile("tf-today")
    )
    assert_accessible(page)
    following = shift_month(today.replace(day=1), 1)
    page.get_by_role("link", name="下个月").click()
    expect(heading).to_contain_text(_month_title(following))
    expect(page).to_have_url(re.compile(rf"{path}\?month={following:%Y-%m}"))
    page.get_by_role("link", name="上个月").click()
    expect(heading).to_contain_text(_month_title(today))


def test_a_leader_plans_proposed_visits_and_finds_them_in_the_calendar(page, log_in):
    log_in("leader")
    _open_board(page)
    trip = page.locator("#trip")
    expect(trip.get_by_role("heading", name="出行计划")).to_be_visible()
    trip.get_by_role("button", name="全不选").click()
    # Two proposals of leads with no visit planned yet (the last column says "–").
    rows = trip.locator("table.tf-proposals tbody tr").filter(
        has=page.locator("td:last-child", has_text=re.compile(r"^–$"))
    )
    assert rows.count() >= 2, "the demo trip plan should propose at least two free visits"
    chosen = []
    for index in range(2):
        row = rows.nth(index)
        box = row.locator('input[name="visit"]')
        box.check()
        _lead_id, day = box.get_attribute("value").split("@")
        chosen.append((row.locator("label").inner_text(), day))
    expect(trip.locator('input[name="visit"]:checked')).to_have_count(2)
    trip.get_by_role("button", name="将选中项安排为计划拜访").click()
    first_day = min(day for _, day in chosen)
    expect(page).to_have_url(re.compile(rf"\?month={first_day[:7]}&planned=2#calendar$"))
    expect(page.locator("#calendar [role=status]")).to_contain_text("已安排 2 次计划拜访")
    for company, day in chosen:
        if day[:7] != first_day[:7]:
            continue
        cell = page.locator(f'.tf-calendar td[data-day="{day}"]')
        expect(cell.locator('[data-visit-status="planned"]', has_text=company)).to_be_visible()
    assert_accessible(page)
    screenshot(page, "taskforce-zh-desktop")
    page.set_viewport_size(PHONE)
    screenshot(page, "taskforce-zh-phone")


def test_a_viewer_reads_the_trip_plan_but_has_no_plan_button(page, log_in):
    log_in("viewer")
    page.goto("/taskforces")
    expect(page.locator("#mine")).to_have_count(0)
    page.get_by_role("link", name=BOARD).click()
    trip = page.locator("#trip")
    expect(trip.get_by_role("heading", name="出行计划")).to_be_visible()
    expect(trip.locator("table.tf-proposals").first).to_be_visible()
    expect(page.get_by_role("button", name="将选中项安排为计划拜访")).to_have_count(0)
    expect(trip.locator('input[name="visit"]')).to_have_count(0)


def test_the_board_in_english(page, log_in):
    log_in("leader")
    _open_board(page)
    page.get_by_role("link", name="English").click()
    expect(page.locator("#calendar-heading")).to_contain_text("Visit calendar")
    expect(page.locator("#trip-heading")).to_have_text("Trip plan")
    expect(page.locator(".tf-calendar thead th").first).to_have_text("Mon")
    assert_accessible(page)
    screenshot(page, "taskforce-en-desktop")
