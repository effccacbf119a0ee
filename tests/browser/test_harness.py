"""The browser harness checks itself: live server, watching the page, axe, charts, screenshots.

Pages the product does not have are served to the browser by a route, at the live server's own
origin, under the Content-Security-Policy the product sends.
"""

from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.browser.harness import (
    assert_accessible,
    axe_violations,
    describe_violations,
    screenshot,
    wait_for_charts,
)

CSP = "script-src 'self'; style-src 'self'; style-src-attr 'unsafe-inline'; img-src 'self' data:"
REFERENCE_CHARTS = Path(__file__).resolve().parent / "reference" / "charts.js"


def serve(page, path: str, html: str) -> None:
    """Answer ``path`` with ``html`` (and the CSP) without asking the server."""
    page.route(
        f"**{path}",
        lambda route: route.fulfill(
            body=html,
            content_type="text/html; charset=utf-8",
            headers={"content-security-policy": CSP},
        ),
    )


def with_csp(page, path: str) -> None:
    """Until the product sends a Content-Security-Policy itself, add this one to ``path``."""

    def add_csp(route):
        response = route.fetch()
        headers = {"content-security-policy": CSP, **response.headers}
        route.fulfill(response=response, headers=headers)

    page.route(f"**{path}", add_csp)


def test_api_docs_load_from_the_server_alone(page, browser_watch, live_server):
    with_csp(page, "/api/docs")
    page.goto("/api/docs")
    # The first request for the OpenAPI document builds it, which takes a while.
    expect(page.locator(".swagger-ui .info .title")).to_contain_text("招商图谱 CRM", timeout=30_000)
    expect(page.locator(".opblock-tag").first).to_be_visible()
    expect(page.locator(".opblock").first).to_be_visible()
    assert any("/api/openapi.json" in request for request in browser_watch.requests)
    assert all(live_server.url in request for request in browser_watch.requests)
    assert browser_watch.problems() == ""


def test_a_request_to_another_host_is_refused_and_reported(page, browser_watch):
    page.goto("/health")
    refused = page.evaluate(
        "() => fetch('https://cdn.example.com/x.js').then(() => false, () => true)"
    )
    assert refused
    assert browser_watch.foreign_requests == ["https://cdn.example.com/x.js"]
    assert "cdn.example.com" in browser_watch.problems()
    browser_watch.foreign_requests.clear()  # provoked on purpose: the test itself passes
    browser_watch.console_errors.clear()


def test_console_and_page_errors_are_reported(page, browser_watch):
    page.goto("/health")
    page.evaluate("() => console.error('boom')")
    page.evaluate("() => setTimeout(() => { throw new Error('kaboom'); })")
    page.wait_for_timeout(100)
    problems = browser_watch.problems()
    assert "boom" in problems and "Error: kaboom" in problems
    browser_watch.allow_console_error("expected")
    page.evaluate("() => console.error('expected failure')")
    assert "expected failure" not in browser_watch.problems()
    browser_watch.console_errors.clear()
    browser_watch.page_errors.clear()


def test_axe_reports_serious_violations_readably(page):
    serve(
        page,
        "/__harness__/inaccessible",
        '<!doctype html><html lang="en"><head><title>t</title></head><body><main>'
        '<img src="/static/vendor/swagger-ui-favicon-5.35.0.png"><button></button>'
        "</main></body></html>",
    )
    page.goto("/__harness__/inaccessible")
    violations = axe_violations(page)
    assert {v["id"] for v in violations} >= {"image-alt", "button-name"}
    assert "image-alt" in describe_violations(violations)
    with pytest.raises(AssertionError, match="button-name"):
        assert_accessible(page)


def test_axe_passes_a_clean_page_and_runs_on_the_api_docs(page):
    serve(
        page,
        "/__harness__/accessible",
        '<!doctype html><html lang="zh-CN"><head><title>招商图谱</title></head><body>'
        '<main><h1>产业链</h1><label>名称 <input name="q"></label></main></body></html>',
    )
    page.goto("/__harness__/accessible")
    assert_accessible(page)
    with_csp(page, "/api/docs")
    page.goto("/api/docs")
    expect(page.locator(".opblock-tag").first).to_be_visible()
    expect(page.locator(".opblock").first).to_be_visible()
    assert isinstance(
        axe_violations(page, impacts=("minor", "moderate", "serious", "critical")), list
    )


CHART_PAGE = """<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>charts</title></head><body><main>
<div data-chart="funnel-option" style="width: 600px; height: 300px"></div>
<script type="application/json" id="funnel-option">
{"series": [{"type": "funnel", "data": [{"name": "接洽", "value": 120}, {"name": "签约", "value": 30}]}]}
</script>
<div data-chart="trend-option" style="width: 600px; height: 300px"></div>
<script type="application/json" id="trend-option">
{"xAxis": {"type": "category", "data": ["1月", "2月"]}, "yAxis": {"type": "value"},
 "series": [{"type": "bar", "data": [3.5, 4.25]}]}
</script>
</main>
<script src="/static/vendor/echarts-6.1.0.min.js"></script>
<script src="/__harness__/charts.js"></script>
</body></html>"""


def test_wait_for_charts_follows_the_chart_contract(page):
    serve(page, "/__harness__/charts", CHART_PAGE)
    page.route(
        "**/__harness__/charts.js",
        lambda route: route.fulfill(path=REFERENCE_CHARTS, content_type="text/javascript"),
    )
    page.goto("/__harness__/charts")
    charts = wait_for_charts(page, count=2)
    assert [c["chart"] for c in charts] == ["funnel-option", "trend-option"]
    assert all(c["svg"] for c in charts)
    expect(page.locator("[data-chart='funnel-option'] svg text", has_text="签约")).to_have_count(1)


def test_screenshot_writes_the_whole_page(page, tmp_path):
    page.goto("/api/docs")
    expect(page.locator(".opblock-tag").first).to_be_visible()
    expect(page.locator(".opblock").first).to_be_visible()
    path = screenshot(page, "api-docs", folder=tmp_path)
    assert path.read_bytes().startswith(b"\x89PNG")
    assert path.parent == tmp_path
    with pytest.raises(ValueError):
        screenshot(page, "../escape", folder=tmp_path)


def test_every_role_has_a_known_password(page, role_logins):
    assert set(role_logins) == {"admin", "staff", "leader", "specialist", "viewer"}
    for role, login in role_logins.items():
        response = page.request.post(
            "/api/auth/token", form={"username": login.username, "password": login.password}
        )
        assert response.status == 200, (role, response.text())
        me = page.request.get(
            "/api/users/me", headers={"Authorization": f"Bearer {response.json()['access_token']}"}
        )
        assert me.json()["role"] == role


def test_the_demo_data_is_there(page, role_logins):
    token = page.request.post(
        "/api/auth/token",
        form={"username": role_logins["admin"].username, "password": role_logins["admin"].password},
    ).json()["access_token"]
    chain = page.request.get(
        "/api/chains/new-display", headers={"Authorization": f"Bearer {token}"}
    )
    assert chain.status == 200
    assert chain.json()["name"] == "新型显示"


def test_log_in_through_the_form(page, log_in):
    if page.request.get("/login").status == 404:
        pytest.skip("no /login page yet (issue 14, pages 1 of 2)")
    login = log_in("viewer")
    assert login.username == "zhengjun"
    assert not page.url.endswith("/login")
