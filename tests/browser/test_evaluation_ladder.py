"""亩均 and the cultivation ladder in Chromium over the demo data: the grading page, the park
figures, the ladder and the city leaders' list, and a graded, tiered firm's page."""

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from crm.db import make_engine, make_sessionmaker
from crm.evaluation.grading_models import EvaluationResult
from crm.ladder.models import CompanyTier
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
