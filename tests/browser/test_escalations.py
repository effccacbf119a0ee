"""督办 in Chromium over the demo data: a city leader reads the escalations at both levels and
sends a 督办 note on a project; its specialist answers it from their list. Screenshots for
docs/screenshots."""

import re
import uuid

from playwright.sync_api import expect
from sqlalchemy import select

from crm.auth.models import User
from crm.db import transaction
from crm.projects.models import Project
from tests.browser.demo_data import PASSWORD
from tests.browser.harness import assert_accessible, log_in_through_form, screenshot


def _log_out(page) -> None:
    page.locator("header form[action='/logout'] button").click()
    page.wait_for_url(re.compile(r"/login"))


def _project_of(live_server, specialist: str) -> int:
    with transaction(live_server.app.state.sessionmaker) as session:
        query = (
            select(Project.id)
            .join(User, Project.specialist_id == User.id)
            .where(User.username == specialist)
            .order_by(Project.id)
        )
        return session.scalars(query).first()


def test_a_city_leader_supervises_and_the_specialist_answers(page, log_in, live_server):
    city_leader = "caoyi"  # a demo leader (viewer) flagged 市领导
    log_in_through_form(page, city_leader, PASSWORD)
    page.goto("/tickets/escalations")
    expect(page.locator("h1")).to_have_text("督办")
    rows = page.locator("#results tr[data-escalation]")
    expect(rows.first).to_be_visible()
    second = page.locator("#results tr[data-level='2']")
    expect(second.first).to_contain_text("二级 · 市领导")
    expect(second.first.locator(".esc-chain li")).to_have_count(2)  # both levels, in order
    expect(second.first.locator(".esc-chain li").first).to_contain_text("一级")
    # Only what reached them: at the first level, a local firm's ticket reaches its liaison.
    for first_level in page.locator("#results tr[data-level='1']").all():
        expect(first_level).to_contain_text("曹毅")
    assert_accessible(page)
    screenshot(page, "escalations-zh-desktop")

    specialist = "sunli"
    project_id = _project_of(live_server, specialist)
    text = f"请说明开工推迟原因 {uuid.uuid4().hex[:6]}"
    page.goto(f"/projects/{project_id}")
    panel = page.locator("#supervision")
    panel.get_by_label("督办内容").fill(text)
    panel.get_by_role("button", name="发出督办单").click()
    page.wait_for_url(re.compile(rf"/projects/{project_id}"))
    note = page.locator("#supervision li[data-note]", has_text=text)
    expect(note).to_contain_text("未答复")
    expect(note).to_contain_text("孙丽")
    assert city_leader != specialist
    _log_out(page)

    log_in("specialist")
    page.goto("/tickets/escalations")
    waiting = page.locator("tr[data-note]", has_text=text)
    expect(waiting).to_have_count(1)
    waiting.get_by_role("link").click()
    page.wait_for_url(re.compile(rf"/projects/{project_id}"))
    note = page.locator("#supervision li[data-note]", has_text=text)
    note.get_by_label("答复内容").fill("环评已批复，下月开工。")
    note.get_by_role("button", name="提交答复").click()
    page.wait_for_url(re.compile(rf"/projects/{project_id}"))
    note = page.locator("#supervision li[data-note]", has_text=text)
    expect(note.locator(".note-answer")).to_contain_text("环评已批复，下月开工。")
    assert_accessible(page)
    page.goto("/tickets/escalations")
    expect(page.locator("tr[data-note].note-open", has_text=text)).to_have_count(0)


def test_the_admin_sets_closures_and_chain_leaders(page, log_in):
    log_in("admin")
    page.get_by_role("navigation", name="主导航").get_by_role("link", name="督办设置").click()
    expect(page.locator("h1")).to_have_text("工作日与督办设置")
    expect(page.locator("#chain-leaders tr[data-chain]").first).to_be_visible()
    assert_accessible(page)
    screenshot(page, "workdays-zh-desktop")
