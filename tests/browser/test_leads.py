"""Leads in Chromium over the demo data: the table's views, filters and export; the lead page's
visit, suggested move, stale edit; what a viewer is (not) offered. Screenshots of both pages."""

import csv
import io
import re
from pathlib import Path

from playwright.sync_api import expect

from tests.browser.harness import assert_accessible, log_in_through_form, screenshot

PHONE = {"width": 390, "height": 844}


def api_token(page, login) -> dict:
    response = page.request.post(
        "/api/auth/token", form={"username": login.username, "password": login.password}
    )
    assert response.ok, response.text()
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


def fresh_lead(page, login, priority: str = "C") -> int:
    """A new lead of one of the leader's task forces, which no other test touches."""
    auth = api_token(page, login)
    forces = page.request.get("/api/taskforces?limit=200", headers=auth).json()["items"]
    task_force = next(tf for tf in forces if tf["leader"] == login.username)
    companies = page.request.get("/api/companies?local=false&limit=1", headers=auth).json()
    firm = companies["items"][0]
    body = {
        "company_id": firm["id"],
        "segment": firm["segments"][0],
        "task_force_id": task_force["id"],
        "priority": priority,
    }
    response = page.request.post("/api/leads", data=body, headers=auth)
    assert response.status == 201, response.text()
    return response.json()["id"]


def test_a_leader_picks_their_task_forces_view_filters_and_exports(page, log_in):
    log_in("leader")
    page.goto("/leads")
    expect(page.locator("h1")).to_have_text("招商线索")
    page.get_by_role("link", name="我所在专班的").click()
    expect(page).to_have_url(re.compile(r"view=task_forces"))
    rows = page.locator("#results tbody tr")
    expect(rows.first).to_be_visible()
    stage = rows.first.locator("td").nth(2).inner_text()
    page.locator("#l-stage").select_option(label=stage)
    page.get_by_role("button", name="筛选").click()
    expect(page).to_have_url(re.compile(r"stage="))
    stages = page.locator("#results tbody tr td:nth-of-type(3)").all_inner_texts()
    assert stages and set(stages) == {stage}
    expect(page.locator("a[aria-current=page]", has_text="我所在专班的")).to_be_visible()
    companies = page.locator("#results tbody tr th a").all_inner_texts()
    with page.expect_download() as info:
        page.get_by_role("link", name="导出 CSV").click()
    content = Path(info.value.path()).read_bytes().decode("utf-8-sig")
    exported = list(csv.reader(io.StringIO(content)))[1:]
    total = int(re.search(r"共 (\d+) 条", page.locator(".export-bar").inner_text()).group(1))
    assert len(exported) == total
    if total <= 50:
        assert sorted(row[0] for row in exported) == sorted(companies)
    assert_accessible(page)
    page.goto("/leads?view=task_forces")
    screenshot(page, "leads-zh-desktop")


def test_a_leader_plans_a_visit_records_it_and_is_offered_the_move(page, log_in):
    login = log_in("leader")
    lead_id = fresh_lead(page, login)
    page.goto(f"/leads/{lead_id}")
    expect(page.locator(".lead-facts")).to_contain_text("已识别")
    page.locator("summary", has_text="安排或登记拜访").click()
    visit_form = page.locator(f"form[action='/leads/{lead_id}/visits']")
    visit_form.locator("input[name=date]").fill("2026-12-01")
    visit_form.locator("input[name=participants]").fill("陈静、张伟")
    visit_form.locator("textarea[name=purpose]").fill("实地考察")
    visit_form.get_by_role("button", name="保存拜访").click()
    visit = page.locator(".visit").first
    expect(visit).to_contain_text("计划")
    expect(visit).to_contain_text("陈静、张伟")
    visit.locator("input[name=outcome]").fill("对方有投资意向")
    visit.get_by_role("button", name="登记为已完成").click()
    suggestion = page.locator(".suggestion")
    expect(suggestion).to_contain_text("建议将线索推进到「已拜访」")
    assert_accessible(page)
    screenshot(page, "lead-zh-desktop")
    suggestion.get_by_role("button").click()
    expect(page.locator(".lead-facts")).to_contain_text("已拜访")
    expect(page.locator(".timeline")).to_contain_text("已识别 → 已拜访")
    expect(page.locator(".timeline")).to_contain_text("2026-12-01 拜访已完成")
    expect(page.locator(".suggestion")).to_have_count(0)
    page.set_viewport_size(PHONE)
    screenshot(page, "lead-zh-phone")


def test_a_stale_edit_shows_who_changed_the_lead_and_when(
    page, log_in, browser, role_logins, live_server
):
    login = log_in("leader")
    lead_id = fresh_lead(page, login)
    other = browser.new_context(base_url=live_server.url, locale="zh-CN")
    try:
        second = other.new_page()
        staff = role_logins["staff"]
        log_in_through_form(second, staff.username, staff.password, f"/leads/{lead_id}")
        page.goto(f"/leads/{lead_id}")
        edit = page.locator(f"form[action='/leads/{lead_id}/edit']")
        edit.locator("select[name=priority]").select_option("A")
        edit.get_by_role("button", name="保存").click()
        expect(page.locator(".lead-facts")).to_contain_text("A 级")
        # the second page was opened before that save
        second_edit = second.locator(f"form[action='/leads/{lead_id}/edit']")
        second_edit.locator("textarea[name=notes]").fill("第二个页面的修改")
        second_edit.get_by_role("button", name="保存").click()
        notice = second.locator("#edit .alert-error").first
        expect(notice).to_contain_text("陈静")  # chenjing, by name
        expect(notice).to_contain_text("修改了这条记录")
        expect(second.locator(".current-values")).to_contain_text("A 级")
        expect(second_edit.locator("textarea[name=notes]")).to_have_value("第二个页面的修改")
        second_edit.get_by_role("button", name="保存").click()  # re-apply on the new version
        expect(second.locator(".lead-facts")).to_contain_text("第二个页面的修改")
        expect(second.locator(".lead-facts")).to_contain_text("C 级")  # the form's own value
    finally:
        other.close()


def test_a_viewer_is_offered_no_write_button_and_a_forged_post_is_refused(
    page, log_in, live_server
):
    log_in("viewer")
    page.goto("/leads")
    page.locator("#results tbody tr th a").first.click()
    expect(page.locator("h1")).to_be_visible()
    lead_id = int(page.url.rsplit("/", 1)[1])
    main = page.locator("main")
    expect(main.locator("form[method=post]")).to_have_count(0)
    expect(main.locator("button")).to_have_count(0)
    expect(main).to_contain_text("无权修改")
    before = page.locator(".lead-facts").inner_text()
    response = page.request.post(
        f"/leads/{lead_id}/edit",
        form={"version": "1", "priority": "A", "notes": "forged"},
        headers={"Origin": live_server.url},
    )
    assert response.status == 403
    page.reload()
    assert page.locator(".lead-facts").inner_text() == before


def test_the_leads_table_in_english(page, log_in):
    log_in("leader")
    page.goto("/leads")
    page.locator(".lang-switch").click()
    expect(page.locator("h1")).to_have_text("Leads")
    page.goto("/leads?view=overdue")
    expect(page.locator(".lead-views a[aria-current=page]")).to_have_text("Follow-up overdue")
    body = page.locator("#results").inner_text()
    for chinese in ("已识别", "已接洽", "已拜访", "洽谈中", "A 级", "B 级", "逾期", "共 "):
        assert chinese not in body
    assert_accessible(page)
    screenshot(page, "leads-en-desktop")
