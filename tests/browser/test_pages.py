"""The pages as a bureau official meets them, in Chromium over the demo data: log-in, the
cockpit and its charts, the chain map and a segment's panel, companies, the language switch,
CSRF, accessibility; screenshots of each page for docs/screenshots."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser.harness import assert_accessible, screenshot, wait_for_charts

PHONE = {"width": 390, "height": 844}


@pytest.mark.parametrize("role", ["admin", "staff", "leader", "specialist", "viewer"])
def test_every_role_logs_in_and_lands_on_the_cockpit(page, log_in, role):
    login = log_in(role)
    assert re.fullmatch(r"http://127\.0\.0\.1:\d+/", page.url)
    expect(page.locator("h1")).to_have_text("招商驾驶舱")
    expect(page.locator("header .who")).to_contain_text(login.username if False else "·")
    charts = wait_for_charts(page, count=2)
    assert [c["chart"] for c in charts] == ["funnel", "trend"]


def test_the_cockpit_charts_render_their_numbers_as_text(page, log_in):
    log_in("viewer")
    wait_for_charts(page, count=2)
    funnel_svg = page.locator("[data-chart=funnel] svg")
    expect(funnel_svg).to_contain_text("已识别")
    expect(funnel_svg).to_contain_text("已投产")
    trend_svg = page.locator("[data-chart=trend] svg")
    expect(trend_svg).to_contain_text("2026-01")
    # the numbers beneath each chart
    page.locator("#funnel-heading ~ details summary").click()
    funnel_table = page.locator("#funnel-heading ~ details table")
    expect(funnel_table).to_be_visible()
    identified = funnel_table.locator("tr", has_text="已识别").locator("td").first.inner_text()
    expect(funnel_svg).to_contain_text(f"已识别 {identified}")
    assert_accessible(page)
    screenshot(page, "cockpit-zh-desktop")


def test_an_anonymous_visit_goes_to_log_in_and_back(page, log_in):
    page.goto("/chains/new-display")
    assert "/login?next=" in page.url
    expect(page.locator("h1")).to_have_text("登录招商图谱")
    assert_accessible(page)
    screenshot(page, "login-zh-desktop")
    log_in("staff", next_path="/chains/new-display")
    assert page.url.endswith("/chains/new-display")


def test_the_chain_map_shows_columns_statuses_and_links(page, log_in):
    log_in("staff")
    page.goto("/chains/new-display")
    wait_for_charts(page, count=1)
    columns = page.locator(".chain-column h3")
    expect(columns).to_have_text(["上游", "中游", "下游"])
    # seeds: 液晶材料 has no local firm, 偏光片 has a local 龙头, 量子点材料 one small firm
    missing = page.locator("[data-segment='new-display:liquid-crystal']")
    expect(missing).to_have_attribute("data-status", "missing")
    expect(missing).to_contain_text("缺失")  # status as text, not colour alone
    expect(missing).to_have_css("border-top-style", "dashed")
    expect(page.locator("[data-segment='new-display:polarizer']")).to_contain_text("较强")
    expect(page.locator("[data-segment='new-display:quantum-dot']")).to_contain_text("薄弱")
    chart = page.locator("[data-chart=chainmap] svg")
    expect(chart).to_contain_text("液晶材料")
    expect(chart).to_contain_text("(新材料)")  # a cross-chain link ends in a labelled stub
    assert chart.locator("path").count() > 20  # the supply links are drawn
    gaps = page.locator(".gap-list li")
    expect(gaps.first).to_contain_text("显示驱动芯片")  # the gap most segments depend on
    assert_accessible(page)


def test_a_missing_segment_opens_its_targets_with_reasons(page, log_in):
    log_in("staff")
    page.goto("/chains/new-display")
    wait_for_charts(page, count=1)
    page.locator("[data-segment='new-display:liquid-crystal']").click()
    panel = page.locator("#segment-panel")
    expect(panel.locator("h2")).to_contain_text("液晶材料")
    targets_tab = panel.get_by_role("tab", name=re.compile("目标企业"))
    expect(targets_tab).to_have_attribute("aria-selected", "true")
    first = panel.locator("ol.targets > li").first
    expect(first).to_contain_text("推荐分")
    expect(first.locator("ul.reasons li").first).to_contain_text("主营缺失环节")
    panel.get_by_role("tab", name=re.compile("线索")).click()
    expect(panel.locator("#tabpanel-leads")).to_be_visible()
    expect(panel.locator("#tabpanel-targets")).to_be_hidden()
    # the keyboard path: tabs move with the arrow keys
    panel.get_by_role("tab", name=re.compile("线索")).press("ArrowLeft")
    expect(targets_tab).to_be_focused()
    assert_accessible(page)
    screenshot(page, "chain-map-zh-desktop")


def test_a_click_on_the_chart_opens_the_same_panel(page, log_in):
    log_in("viewer")
    page.goto("/chains/new-display")
    wait_for_charts(page, count=1)
    label = page.locator("[data-chart=chainmap] svg text", has_text="量子点材料").first
    box = label.bounding_box()
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    expect(page.locator("#segment-panel h2")).to_contain_text("量子点材料")
    expect(page.locator("#segment-panel")).not_to_contain_text(
        "建立线索"
    )  # a viewer writes nothing


def test_the_language_switch_is_remembered(page, log_in):
    log_in("viewer")
    page.get_by_role("link", name="English").click()
    expect(page.locator("h1")).to_have_text("Leadership cockpit")
    assert page.locator("html").get_attribute("lang") == "en"
    wait_for_charts(page, count=2)
    expect(page.locator("[data-chart=funnel] svg")).to_contain_text("Identified")
    page.goto("/chains")
    expect(page.locator("h1")).to_have_text("Chain maps")
    screenshot(page, "chains-en-desktop")
    page.get_by_role("link", name="中文").click()
    expect(page.locator("h1")).to_have_text("产业链图谱")
    assert page.locator("html").get_attribute("lang") == "zh-CN"


def test_a_form_post_from_another_origin_is_refused(page, log_in, live_server):
    log_in("staff")
    url = live_server.url + "/chains/new-display/segments/polarizer/leads"
    refused = page.request.post(
        url,
        form={"company_id": "1"},
        headers={"Origin": "http://evil.example", "Accept": "text/html"},
        max_redirects=0,
    )
    assert refused.status == 403
    assert "不受信任" in refused.text()
    page.goto("/")  # still signed in: the refusal changed nothing
    expect(page.locator("h1")).to_have_text("招商驾驶舱")


def test_companies_search_and_detail(page, log_in):
    log_in("staff")
    page.goto("/companies")
    page.get_by_label("本地企业", exact=False)  # the filter fields carry labels
    page.locator("#c-local").select_option("true")
    page.get_by_role("button", name="筛选").click()
    expect(page.locator("#results tbody tr").first).to_contain_text("是")
    assert_accessible(page)
    screenshot(page, "companies-zh-desktop")
    page.locator("#results tbody tr a").first.click()
    expect(page.locator("h2#segments-heading")).to_have_text("所属环节")
    assert_accessible(page)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_screenshots_at_phone_width(page, log_in, lang):
    log_in("viewer")
    page.set_viewport_size(PHONE)
    if lang == "en":
        page.goto("/lang/en?next=/")
    wait_for_charts(page, count=2)
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"] + 1
    screenshot(page, f"cockpit-{lang}-phone")
    page.goto("/chains/new-display?segment=polarizer")
    wait_for_charts(page, count=1)
    screenshot(page, f"chain-map-{lang}-phone")


@pytest.mark.parametrize("path", ["/", "/chains/new-display?segment=polarizer", "/companies"])
def test_english_desktop_screenshots(page, log_in, path):
    log_in("viewer")
    page.goto("/lang/en?next=" + path.replace("?", "%3F").replace("=", "%3D"))
    if path != "/companies":
        wait_for_charts(page)
    name = {"/": "cockpit", "/companies": "companies"}.get(path, "chain-map")
    assert_accessible(page)
    screenshot(page, f"{name}-en-desktop")
