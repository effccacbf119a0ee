"""亩均 and the cultivation ladder in Chromium over the demo data: the grading page, the park
figures, the ladder and the city leaders' list, and a graded, tiered firm's page."""

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from crm.db import make_engine, make_sessionmaker
from crm.evaluation.grading_models import EvaluationResult
from crm.ladder.models import CompanyTier, FirmPlan
from tests.browser.harness import assert_accessible, screenshot


@pytest.fixture(scope="module")
def demo(demo_database):
    engine = make_engine(demo_database)
    yield make_sessionmaker(engine)
    engine.dispose()


def test_the_grading_page_shows_every_grade_and_the_land_checks(page, log_in):
    log_in("viewer")
    page.get_by_role("navigation").get_by_role("link", name="亩均评价", exact=True).click()
    expect(page.locator("h1")).to_have_text("亩均论英雄 · 2025年度评价")
    for grade in ("优先发展", "支持发展", "提升发展", "限制发展"):
        expect(page.locator("main")).to_contain_text(grade)
    expect(page.locator("#results tbody tr").first).to_be_visible()
    expect(page.locator("#checks-heading")).to_be_visible()
    assert_accessible(page)
    first = page.locator("#results tbody tr").first.inner_text()
    assert page.locator("#results tbody tr").count() == 100  # a page of the year's results
    page.locator("#results .pager").get_by_role("link", name="下一页").click()
    expect(page.locator("#results .pager")).to_contain_text("第 2/")
    assert page.locator("#results tbody tr").first.inner_text() != first
    page.goto("/evaluation?grade=D")  # a list short enough to look at
    expect(page.locator("#results tbody tr").first).to_contain_text("限制发展")
    screenshot(page, "evaluation-zh-desktop")


def test_park_figures_show_per_mu_and_the_city_shares(page, log_in):
    log_in("staff")
    page.goto("/parks/figures?year=2025")
    expect(page.locator("h1")).to_contain_text("园区亩均效益")
    expect(page.locator("main table").first).to_be_visible()
    expect(page.locator("main")).to_contain_text("亩均税收")
    assert_accessible(page)
    screenshot(page, "park-figures-zh-desktop")


def test_the_ladder_and_the_city_leaders_firms(page, log_in):
    log_in("viewer")
    page.get_by_role("navigation").get_by_role("link", name="梯度培育", exact=True).click()
    expect(page.locator("h1")).to_have_text("四库三台阶 · 梯度培育")
    expect(page.locator("main")).to_contain_text("省级专精特新")
    expect(page.locator("#firms tbody tr").first).to_be_visible()
    assert_accessible(page)
    screenshot(page, "ladder-zh-desktop")
    page.goto("/ladder/leaders")
    expect(page.locator("h1")).to_have_text("市领导联系企业")
    for leader in ("曹毅", "陆建", "温敏", "乔磊"):
        expect(page.locator("main")).to_contain_text(leader)
    screenshot(page, "ladder-leaders-zh-desktop")


def test_a_graded_tiered_firm_shows_its_grade_and_its_ladder(page, log_in, demo):
    with demo() as session:
        tiered = select(CompanyTier.company_id).where(CompanyTier.left_on.is_(None))
        company_id = session.scalar(
            select(EvaluationResult.company_id)
            .where(EvaluationResult.company_id.in_(tiered), EvaluationResult.year == 2025)
            .order_by(EvaluationResult.company_id)
            .limit(1)
        )
    assert company_id is not None
    log_in("staff")
    page.goto(f"/companies/{company_id}")
    expect(page.locator("#grades")).to_contain_text("2025")
    expect(page.locator("#ladder")).to_be_visible()
    assert_accessible(page)
    screenshot(page, "company-grade-ladder-zh-desktop")


def test_a_plan_measure_is_added_and_moved_on_from_the_firm_page(page, log_in, demo):
    with demo() as session:
        company_id = session.scalar(
            select(FirmPlan.company_id)
            .where(FirmPlan.year == 2026)
            .order_by(FirmPlan.company_id.desc())
            .limit(1)
        )
    assert company_id is not None
    log_in("staff")
    page.goto(f"/companies/{company_id}")
    plan = page.locator("#plan-2026")
    plan.locator("summary").click()
    plan.get_by_role("textbox", name="措施", exact=True).fill("浏览器测试：对接产业基金")
    plan.get_by_role("textbox", name="责任单位", exact=True).fill("市金融办")
    plan.get_by_role("button", name="添加措施").click()
    row = page.locator("#plan-2026 tbody tr", has_text="浏览器测试：对接产业基金")
    expect(row).to_contain_text("市金融办")
    row.get_by_role("combobox").select_option("in_progress")
    row.get_by_role("button", name="更新").click()
    row = page.locator("#plan-2026 tbody tr", has_text="浏览器测试：对接产业基金")
    expect(row.get_by_role("combobox")).to_have_value("in_progress")
    assert_accessible(page)
    screenshot(page, "company-plan-zh-desktop")
    row.get_by_role("button", name="删除措施：浏览器测试：对接产业基金").click()
    expect(page.locator("#plan-2026")).not_to_contain_text("浏览器测试：对接产业基金")


def test_the_grading_page_in_english(page, log_in):
    log_in("viewer")
    page.goto("/lang/en?next=/evaluation%3Fgrade%3DD")
    expect(page.locator("h1")).to_have_text("Output per mu · grading 2025")
    expect(page.locator("#results")).to_contain_text("Above designated size")
    expect(page.locator("#results")).to_contain_text("Tax per mu")
    expect(page.locator("main")).not_to_contain_text("规上企业")
    screenshot(page, "evaluation-en-desktop")
