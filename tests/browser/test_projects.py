"""The project pages in Chromium over the demo data: the specialist sunli works on one of
their projects (policy row, milestone, funding, a ticket), a stale edit, what a viewer sees,
English and a phone; the project list. Every change is on one seeded project of sunli's that
the other areas' tests leave alone (they sign new leads into new projects); the service team
and planning link test changes another one, the next highest (``team_project_id``)."""

import re
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from chinese_calendar import is_workday
from playwright.sync_api import TimeoutError as PlaywrightTimeout
from playwright.sync_api import expect
from sqlalchemy import select
from sqlalchemy.orm import Session

from crm.auth.models import User
from crm.projects.models import CardStatus, GreenCard, Incentive, Project
from tests.browser.harness import assert_accessible, screenshot

SHANGHAI = ZoneInfo("Asia/Shanghai")

PHONE = {"width": 390, "height": 844}


def sunlis_active_projects(live_server) -> list[int]:
    """sunli's seeded projects with an active green card and a policy package, highest id
    first."""
    with Session(live_server.app.state.engine) as session:
        query = (
            select(Project.id)
            .join(User, Project.specialist_id == User.id)
            .join(GreenCard, GreenCard.project_id == Project.id)
            .where(User.username == "sunli", GreenCard.status == CardStatus.active)
            .where(Project.id.in_(select(Incentive.project_id)))
            .order_by(Project.id.desc())
        )
        found = list(session.scalars(query).all())
    assert len(found) >= 2, "the demo data has not two active projects of sunli's with a policy"
    return found


@pytest.fixture(scope="module")
def project_id(live_server) -> int:
    """sunli's seeded project with the highest id that has an active green card and a policy
    package."""
    return sunlis_active_projects(live_server)[0]


@pytest.fixture(scope="module")
def team_project_id(live_server) -> int:
    """The next one: only the service team test changes it."""
    return sunlis_active_projects(live_server)[1]


def amount_in_place(page) -> float:
    text = page.locator(".funding-total strong").inner_text()
    return float(re.search(r"已到位 ([\d,]+) 万元", text).group(1).replace(",", ""))


def test_the_specialist_edits_an_incentive_row_and_a_milestone(page, log_in, project_id):
    log_in("specialist")
    page.goto(f"/projects/{project_id}")
    expect(page.locator("#policy-heading")).to_have_text("一项一策 · 政策包")
    row = page.locator("tr[data-incentive]").first
    row.locator("input[name=conditions]").fill("浏览器测试：投产后一次性兑现")
    row.locator("input[name=amount]").fill("2345")
    row.locator("input[name=honoured_at]").fill("2026-01-20")
    row.locator("input[name=honoured_amount]").fill("1000")
    row.get_by_role("button", name="保存").click()
    page.wait_for_url(re.compile(rf"/projects/{project_id}#policy$"))
    saved = page.locator("tr[data-incentive]", has=page.locator("input[value='2345']"))
    expect(saved.locator("input[name=conditions]")).to_have_value("浏览器测试：投产后一次性兑现")
    expect(saved.locator("td").nth(3)).to_have_text("是")  # honoured, derived from the date
    milestones = page.locator("#milestones")
    milestones.get_by_label("供地").fill("2025-06-18")
    milestones.get_by_role("button", name="保存节点日期").click()
    page.wait_for_url(re.compile(rf"/projects/{project_id}#milestones$"))
    expect(page.locator("#milestones").get_by_label("供地")).to_have_value("2025-06-18")
    assert_accessible(page)
    screenshot(page, "project-zh-desktop")


def test_the_specialist_adds_and_removes_funding_and_the_total_follows(page, log_in, project_id):
    log_in("specialist")
    page.goto(f"/projects/{project_id}")
    before = amount_in_place(page)
    form = page.locator("form.add-funding")
    form.get_by_label("到位日期").fill("2026-01-05")
    form.get_by_label("金额（万元）").fill("321")
    form.get_by_label("说明").fill("浏览器测试到位")
    form.get_by_role("button", name="登记到位资金").click()
    page.wait_for_url(re.compile(r"#funding$"))
    assert amount_in_place(page) == before + 321
    expect(page.locator(".funding-rate")).to_contain_text("%")
    row = page.locator("tr[data-funding]", has_text="浏览器测试到位")
    expect(row).to_have_count(1)
    row.get_by_role("button").click()
    page.wait_for_url(re.compile(r"#funding$"))
    expect(page.locator("tr[data-funding]", has_text="浏览器测试到位")).to_have_count(0)
    assert amount_in_place(page) == before


def _a_working_morning_before_a_working_day() -> datetime:
    """10:00 in Beijing on the latest day, from today back, that is a working day followed by
    one: an urgent ticket raised then is due the next evening, so it is due soon."""
    day = datetime.now(SHANGHAI).date()
    while not (is_workday(day) and is_workday(day + timedelta(days=1))):
        day -= timedelta(days=1)
    return datetime.combine(day, time(10, 0), SHANGHAI).astimezone(UTC)


@pytest.fixture
def working_morning(live_server):
    """The server's clock stopped on such a morning for one test, then put back."""
    moment = _a_working_morning_before_a_working_day()
    real = live_server.app.state.clock
    live_server.app.state.clock = lambda: moment
    yield moment
    live_server.app.state.clock = real


def test_the_specialist_raises_a_ticket_and_sees_its_sla_state(
    page, log_in, project_id, working_morning
):
    log_in("specialist")
    page.goto(f"/projects/{project_id}")
    form = page.locator("form.raise-ticket")
    form.get_by_label("标题").fill("浏览器测试：协调施工用电")
    form.get_by_label("类别").select_option("utilities")
    form.get_by_label("紧急程度").select_option("urgent")
    form.get_by_role("button", name="提交服务诉求").click()
    page.wait_for_url(re.compile(r"#tickets$"))
    row = page.locator("tr[data-ticket]", has_text="浏览器测试：协调施工用电")
    expect(row).to_have_count(1)
    expect(row).to_contain_text("水电气")
    expect(row.locator(".sla")).to_have_text("即将到期")  # urgent: due within a day
    expect(row.get_by_role("link")).to_have_attribute("href", re.compile(r"^/tickets/\d+$"))


def test_a_stale_edit_shows_who_changed_the_project(page, log_in, project_id, browser_watch):
    browser_watch.allow_console_error(r"409")
    log_in("specialist")
    page.goto(f"/projects/{project_id}")
    other = page.context.new_page()
    other.goto(f"/projects/{project_id}")
    other.locator("#milestones").get_by_label("供地").fill("2025-07-01")
    other.locator("#milestones").get_by_role("button", name="保存节点日期").click()
    other.wait_for_url(re.compile(r"#milestones$"))
    row = page.locator("tr[data-incentive]").first
    row.locator("input[name=conditions]").fill("这次修改基于旧版本")
    row.get_by_role("button", name="保存").click()
    notice = page.locator("#policy .alert-error").first
    expect(notice).to_contain_text("sunli")
    expect(notice).to_contain_text("修改了这条记录")
    expect(notice).to_be_in_viewport()  # the page opens at the refused form
    other.reload()
    expect(other.locator("input[value='这次修改基于旧版本']")).to_have_count(0)
    other.close()


def test_a_viewer_sees_no_write_buttons(page, log_in, project_id):
    log_in("viewer")
    page.goto(f"/projects/{project_id}")
    expect(page.locator("main h1")).to_be_visible()
    expect(page.get_by_text("您可以查看此项目，但无权修改。")).to_be_visible()
    expect(page.locator("main button")).to_have_count(0)
    expect(page.locator("main form")).to_have_count(0)
    expect(page.locator("#policy table td").first).to_be_visible()


def test_the_project_page_in_english_and_on_a_phone(page, log_in, project_id):
    log_in("specialist")
    page.goto(f"/projects/{project_id}")
    page.locator(".lang-switch").click()
    expect(page.locator("#funding-heading")).to_have_text("Funding in place")
    expect(page.locator("#policy-heading")).to_have_text("Policy package (one project, one policy)")
    expect(page.locator("#milestones").get_by_label("Land supplied")).to_be_visible()
    assert_accessible(page)
    screenshot(page, "project-en-desktop")
    page.locator(".lang-switch").click()
    expect(page.locator("#funding-heading")).to_have_text("资金到位")
    page.wait_for_load_state("load")
    page.set_viewport_size(PHONE)
    fits = f"document.documentElement.scrollWidth <= {PHONE['width']}"
    try:  # the new viewport's layout may take a frame or two after the resize
        page.wait_for_function(fits, timeout=5_000)
    except PlaywrightTimeout:
        width = page.evaluate("document.documentElement.scrollWidth")
        raise AssertionError(f"the page is {width}px wide on a phone") from None
    screenshot(page, "project-zh-phone")


def test_the_project_list_filters_sorts_and_links(page, log_in, project_id):
    log_in("viewer")
    page.goto("/projects")
    expect(page.locator("h1")).to_have_text("签约项目")
    expect(page.locator(".pager")).to_contain_text("共")
    page.get_by_label("专员").select_option(label="孙丽")
    page.get_by_role("button", name="筛选").click()
    expect(page).to_have_url(re.compile(r"specialist=sunli"))
    rows = page.locator("table.project-list tbody tr")
    expect(rows.first).to_be_visible()
    for index in range(rows.count()):
        expect(rows.nth(index).locator("td").nth(3)).to_have_text("孙丽")
    expect(page.locator(f"a[href='/projects/{project_id}']")).to_have_count(1)
    page.get_by_role("link", name=re.compile("签约投资")).click()
    expect(page).to_have_url(re.compile(r"sort=-signed_investment"))
    expect(page.locator("th[aria-sort=descending]")).to_contain_text("签约投资")
    assert_accessible(page)
    screenshot(page, "projects-zh-desktop")


def test_the_specialist_sets_the_service_staff_and_adds_a_planning_link(
    page, log_in, team_project_id
):
    log_in("specialist")
    page.goto(f"/projects/{team_project_id}")
    card = page.locator("#green-card")
    expect(card.locator("select[name=task_force_id]")).to_have_count(0)  # the office's to set
    card.get_by_label("服务人员").select_option(["sunli", "zhangwei"])
    card.get_by_role("button", name="保存服务团队").click()
    page.wait_for_url(re.compile(rf"/projects/{team_project_id}#green-card$"))
    members = page.locator("#green-card dl dd").nth(4)
    expect(members).to_have_text("孙丽、张伟")
    assessment = page.locator("#assessment")
    assessment.get_by_label("链接名称").fill("浏览器测试：厂区 VR 全景")
    assessment.get_by_label("链接地址").fill("https://vr.example.org/plant")
    assessment.get_by_role("button", name="添加规划链接").click()
    page.wait_for_url(re.compile(rf"/projects/{team_project_id}#assessment$"))
    link = page.locator("#assessment ul.planning-links a", has_text="浏览器测试：厂区 VR 全景")
    expect(link).to_have_attribute("href", "https://vr.example.org/plant")
    assert_accessible(page)
