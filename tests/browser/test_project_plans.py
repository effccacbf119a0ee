"""The milestone plan panel and the lights page in Chromium over the demo data: the office
rejects a pending milestone (an opinion is required) on a project that is not sunli's (the
project page tests change sunli's), the panel shows lights, evidence and the funding schedule
against the money in place; the lights page counts the lists and links to them."""

import re

import pytest
from playwright.sync_api import expect
from sqlalchemy import select
from sqlalchemy.orm import Session

from crm.auth.models import User
from crm.projects.models import Milestone, Project, Verification
from tests.browser.harness import SCREENSHOTS, assert_accessible, screenshot


@pytest.fixture(scope="module")
def pending(live_server) -> tuple[int, str]:
    """(project id, milestone kind) of the demo's first pending milestone on a project that
    is not sunli's."""
    with Session(live_server.app.state.engine) as session:
        row = session.execute(
            select(Milestone.project_id, Milestone.kind)
            .join(Project, Project.id == Milestone.project_id)
            .join(User, User.id == Project.specialist_id)
            .where(Milestone.verification == Verification.pending, User.username != "sunli")
            .order_by(Milestone.project_id, Milestone.position)
        ).first()
    assert row is not None, "the demo data has no pending milestone outside sunli's projects"
    return row[0], row[1].value


def test_the_office_rejects_a_pending_milestone_with_an_opinion(
    page, log_in, pending, browser_watch
):
    browser_watch.allow_console_error(r"422")
    project_id, kind = pending
    log_in("staff")
    page.goto(f"/projects/{project_id}")
    panel = page.locator("#plan")
    expect(panel.locator("#plan-heading")).to_have_text("里程碑计划")
    expect(panel.locator("tr[data-milestone]")).to_have_count(8)
    expect(panel.locator(".plan-summary .light")).to_have_count(1)
    row = panel.locator(f"tr[data-milestone={kind}]")
    expect(row.locator(".verification")).to_contain_text("待核验")
    row.get_by_role("button", name="退回").click()
    page.wait_for_url(re.compile(rf"/projects/{project_id}/plan/{kind}/verification$"))
    row = page.locator(f"#plan tr[data-milestone={kind}]")
    expect(row.locator(".field-error")).to_be_visible()
    row.get_by_label("核验意见").fill("浏览器测试：批复文件缺少盖章页")
    row.get_by_role("button", name="退回").click()
    page.wait_for_url(re.compile(rf"/projects/{project_id}#plan$"))
    row = page.locator(f"#plan tr[data-milestone={kind}]")
    expect(row.locator(".verification")).to_contain_text("已退回")
    expect(row.locator(".verification")).to_contain_text("浏览器测试：批复文件缺少盖章页")
    expect(page.locator("#schedule-heading")).to_contain_text("资金到位计划")
    expect(page.locator("#schedule .schedule-totals")).to_contain_text("已到位")
    assert_accessible(page)
    screenshot(page, "project-milestones-zh-desktop")
    page.locator("#plan").screenshot(path=SCREENSHOTS / "project-milestones-panel.png")


def test_the_lights_page_counts_and_links_to_the_lists(page, log_in):
    log_in("leader")
    page.goto("/projects/lights")
    expect(page.locator("h1")).to_have_text("项目亮灯与“三未”清单")
    red = page.locator("[data-light=red] .count")
    count = int(red.inner_text())
    assert count > 0, "the demo data shows no red project"
    assert int(page.locator("[data-light=amber] .count").inner_text()) > 0
    for watch in ("overdue_start", "not_started", "started_stalled", "not_completed"):
        expect(page.locator(f"[data-watch={watch}] .count")).to_have_text(re.compile(r"^\d+$"))
    assert_accessible(page)
    screenshot(page, "project-lights-zh-desktop")
    page.locator("[data-light=red]").get_by_role("link").click()
    page.wait_for_url(re.compile(r"/projects\?light=red$"))
    expect(page.locator("table.project-list tbody tr").first.locator(".light")).to_have_text("红灯")
    expect(page.locator("#p-light")).to_have_value("red")
    green = page.locator("table.project-list .light-green")
    expect(green).to_have_count(0)
