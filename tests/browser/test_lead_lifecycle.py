"""The lead page's clock and pre-signing panels in Chromium over the demo data: a leader names
the specialist, records the assessment, planning links and a draft policy and approves it; a
stale demo lead shows its red light and the pause proposal, which the leader renews; a visit is
recorded as an inbound inspection. Screenshots of the panels."""

import re

from playwright.sync_api import expect

from tests.browser.harness import assert_accessible, screenshot
from tests.browser.test_leads import api_token, fresh_lead


def test_a_leader_prepares_a_lead_for_signing(page, log_in, role_logins):
    login = log_in("leader")
    lead_id = fresh_lead(page, login, priority="A")
    page.goto(f"/leads/{lead_id}")
    clock = page.locator("#clock")
    expect(clock.locator("[data-light]")).to_have_attribute("data-light", "green")
    expect(clock).to_contain_text("绿灯")
    expect(clock).to_contain_text("30 / 60 天")

    panel = page.locator("#presigning")
    expect(panel).to_contain_text("签约前准备")
    specialist = role_logins["specialist"]
    form = panel.locator(f"form[action='/leads/{lead_id}/specialist']")
    form.locator("select[name=specialist]").select_option(specialist.username)
    form.get_by_role("button", name="保存专员").click()
    expect(page.locator("#presign-specialist strong")).not_to_have_text("未指定")

    page.locator("#presign-assessment summary").click()
    form = page.locator(f"form[action='/leads/{lead_id}/assessment']")
    form.locator("input[name=organisation]").fill("云江市产业发展研究院")
    form.locator("input[name=date]").fill("2026-10-20")
    form.locator("textarea[name=conclusion]").fill("契合度高，建议重点推进")
    form.locator("input[name=attachment]").fill("https://docs.example.cn/yanpan.pdf")
    form.get_by_role("button", name="保存研判报告").click()
    expect(page.locator("#presign-assessment dl")).to_contain_text("云江市产业发展研究院")

    page.locator("#presign-links summary").click()
    form = page.locator(f"form[action='/leads/{lead_id}/planning-links']")
    form.locator("textarea[name=links]").fill(
        "园区 VR 规划图 | https://vr.example.cn/p/1\n选址红线图 | /files/site.pdf"
    )
    form.get_by_role("button", name="保存规划资料").click()
    expect(page.locator("#presign-links ul li")).to_have_count(2)
    expect(page.locator("#presign-links a").first).to_have_attribute(
        "href", "https://vr.example.cn/p/1"
    )

    form = page.locator(f"form[action='/leads/{lead_id}/policy']")
    form.locator("select[name=type-0]").select_option("land")
    form.locator("input[name=amount-0]").fill("3000")
    form.locator("input[name=conditions-0]").fill("投资强度不低于 400 万元/亩")
    form.locator("select[name=type-1]").select_option("subsidy")
    form.locator("input[name=amount-1]").fill("1500")
    form.get_by_role("button", name="保存政策包草案").click()
    status = page.locator("[data-policy-status]")
    expect(status).to_have_attribute("data-policy-status", "draft")
    expect(page.locator("#presign-policy .policy-status")).to_contain_text("4,500")
    page.get_by_role("button", name="审定政策包").click()
    expect(status).to_have_attribute("data-policy-status", "approved")
    expect(page.locator("#presign-policy .policy-status")).to_contain_text("陈静")
    assert_accessible(page)
    screenshot(page, "lead-presigning-zh-desktop")

    # Through the API the lead now carries all of it.
    shown = page.request.get(f"/api/leads/{lead_id}/presigning", headers=api_token(page, login))
    body = shown.json()
    assert body["specialist"] == specialist.username
    assert body["assessment"]["organisation"] == "云江市产业发展研究院"
    assert [link["title"] for link in body["planning_links"]] == ["园区 VR 规划图", "选址红线图"]
    assert body["policy"]["status"] == "approved" and body["policy"]["amount"] == 4500


def test_a_stale_demo_lead_shows_red_and_its_leader_renews_it(page, log_in):
    login = log_in("leader")
    auth = api_token(page, login)
    proposals = page.request.get("/api/leads/pause-proposals?limit=5", headers=auth).json()
    assert proposals["total"] > 0, "the demo data has stale leads"
    lead = proposals["items"][0]
    assert lead["light"] == "red"
    page.goto("/leads?view=pause_proposals")
    expect(page.locator(".lead-views a[aria-current=page]")).to_have_text("建议暂缓")
    expect(page.locator(f"#results a[href='/leads/{lead['id']}']")).to_be_visible()
    lights = page.locator("#results td[data-light]")
    assert set(lights.evaluate_all("cells => cells.map(c => c.dataset.light)")) == {"red"}

    page.goto(f"/leads/{lead['id']}")
    clock = page.locator("#clock")
    expect(clock.locator("[data-light]")).to_have_attribute("data-light", "red")
    expect(clock.locator(".pause-proposal")).to_contain_text("长期无进展")
    expect(clock.get_by_role("button", name="确认暂缓")).to_be_visible()
    screenshot(page, "lead-pause-proposal-zh-desktop")
    clock.get_by_role("button", name="继续跟进（重新计时）").click()
    expect(page.locator("#clock .pause-proposal")).to_have_count(0)
    expect(page.locator("#clock")).to_contain_text("续期")
    expect(page.locator("#clock [data-light]")).to_have_attribute("data-light", "red")
    after = page.request.get("/api/leads/pause-proposals?limit=200", headers=auth).json()
    assert lead["id"] not in [item["id"] for item in after["items"]]


def test_an_inbound_inspection_is_recorded_with_its_city_leader(page, log_in):
    login = log_in("leader")
    lead_id = fresh_lead(page, login)
    page.goto(f"/leads/{lead_id}")
    page.locator("summary", has_text="安排或登记拜访").click()
    form = page.locator(f"form[action='/leads/{lead_id}/visits']")
    form.locator("input[name=date]").fill("2026-11-20")
    form.locator("select[name=status]").select_option("done")
    form.locator("select[name=kind]").select_option("inbound")
    form.locator("input[name=received_by]").fill("郑军")
    form.get_by_role("button", name="保存拜访").click()
    visit = page.locator(".visit").first
    expect(visit.locator(".visit-kind")).to_have_text("来访考察")
    expect(visit).to_contain_text("接待市领导：郑军")
    expect(page.locator("#clock")).to_contain_text(re.compile(r"最近拜访\s*2026-11-20"))
