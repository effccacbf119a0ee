"""The web pages through HTTP: log-in, sessions, CSRF, language, the cockpit, chain maps,
companies. (The browser tests in tests/browser drive the same pages in Chromium.)"""

import re

import pytest
from fastapi.testclient import TestClient

from crm.auth import service as auth_service
from crm.auth.models import Role
from crm.companies.models import Tag
from crm.db import transaction
from crm.evaluation.scheme import Indicator, Population
from crm.i18n import CATALOGUES, label
from crm.ladder.models import MeasureStatus, PlanStatus, Tier
from crm.leads.models import Priority, Source, Stage, VisitStatus
from crm.projects.models import CardStatus, IncentiveType
from crm.taskforces.models import TaskForceKind
from crm.tickets.models import TicketCategory, TicketPriority, TicketStatus
from tests.conftest import PASSWORD
from tests.factories import chain_file, company

ORIGIN = "http://testserver"


@pytest.fixture
def chain_with_gap(staff):
    """新型显示 with one local firm in 面板 (weak): the other leaves are gaps; one target."""
    assert staff.post("/api/chains", json=chain_file()).status_code == 201
    local = company("云江面板有限公司", is_local=True, segments=["new-display:panel"])
    assert staff.post("/api/companies", json=local).status_code == 201
    target = company(
        "深圳玻璃科技有限公司",
        city="深圳市",
        segments=["new-display:glass-substrate"],
        tags=["listed"],
    )
    response = staff.post("/api/companies", json=target)
    assert response.status_code == 201
    return response.json()["id"]


def test_an_anonymous_visit_is_sent_to_log_in_with_the_page_to_return_to(anon):
    response = anon.get("/chains?x=1", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/login?next=%2Fchains%3Fx%3D1"
    page = anon.get("/login")
    assert page.status_code == 200
    assert '<html lang="zh-CN">' in page.text
    assert 'name="username"' in page.text and 'name="password"' in page.text


def test_log_in_sets_a_session_cookie_and_lands_on_the_cockpit(app, make_user):
    make_user("wang", "viewer")
    client = TestClient(app, follow_redirects=False)
    response = client.post("/login", data={"username": "wang", "password": PASSWORD})
    assert response.status_code == 303
    assert response.headers["location"] == "/"
    cookie = response.headers["set-cookie"]
    assert "crm_session=" in cookie and "HttpOnly" in cookie and "SameSite=lax" in cookie
    assert "Secure" not in cookie  # served over plain HTTP here
    cockpit = client.get("/")
    assert cockpit.status_code == 200
    assert "招商驾驶舱" in cockpit.text


def test_a_wrong_password_shows_the_form_again_and_opens_no_session(app, make_user):
    make_user("wang", "staff")
    client = TestClient(app, follow_redirects=False)
    response = client.post("/login", data={"username": "wang", "password": "wrong-password-x"})
    assert response.status_code == 200
    assert "用户名或密码错误" in response.text
    assert "crm_session" not in response.headers.get("set-cookie", "")
    assert client.get("/").status_code == 303


@pytest.mark.parametrize(
    "target",
    ["//evil.example/x", "https://evil.example/", "/\\evil.example", "javascript:alert(1)", ""],
)
def test_log_in_never_redirects_to_another_site(app, make_user, target):
    make_user("wang", "staff")
    client = TestClient(app, follow_redirects=False)
    response = client.post(
        "/login", data={"username": "wang", "password": PASSWORD, "next": target}
    )
    assert response.status_code == 303
    assert response.headers["location"] == "/"


def test_log_in_returns_to_the_local_page_asked_for(app, make_user):
    make_user("wang", "staff")
    client = TestClient(app, follow_redirects=False)
    response = client.post(
        "/login", data={"username": "wang", "password": PASSWORD, "next": "/chains?q=1"}
    )
    assert response.headers["location"] == "/chains?q=1"


def test_a_form_posted_after_the_session_ended_returns_to_its_page_after_log_in(anon):
    headers = {"Origin": ORIGIN, "Referer": f"{ORIGIN}/leads/1?tab=visits"}
    response = anon.post(
        "/leads/1/edit", data={"notes": "x"}, headers=headers, follow_redirects=False
    )
    assert response.status_code == 303
    assert response.headers["location"] == "/login?next=%2Fleads%2F1%3Ftab%3Dvisits"
    elsewhere = {"Origin": ORIGIN, "Referer": "https://evil.example/leads/1"}
    response = anon.post(
        "/leads/1/edit", data={"notes": "x"}, headers=elsewhere, follow_redirects=False
    )
    assert response.headers["location"] == "/login?next=%2F"


def test_log_out_ends_the_session_on_the_server(browser_login):
    client = browser_login("staff")
    cookie = client.cookies.get("crm_session")
    response = client.post("/logout", headers={"Origin": ORIGIN})
    assert response.status_code == 303
    client.cookies.set("crm_session", cookie)  # a copy of the old cookie is worthless now
    assert client.get("/").status_code == 303


def test_a_session_ends_when_the_password_changes_or_the_user_is_deactivated(browser_login, db):
    client = browser_login("staff", "wang")
    other = browser_login("viewer", "li")
    assert client.get("/").status_code == 200
    with transaction(db) as session:
        user = auth_service.get(session, "wang")
        user.password_hash = "changed"
        user.credentials_version += 1
        other_user = auth_service.get(session, "li")
        other_user.is_active = False
    assert client.get("/").status_code == 303
    assert other.get("/").status_code == 303


def test_a_session_ends_after_idling(browser_login, clock):
    client = browser_login("staff")
    clock.advance(minutes=60)
    assert client.get("/").status_code == 200
    clock.advance(minutes=119)
    assert client.get("/").status_code == 200  # the last visit kept it alive
    clock.advance(minutes=121)
    assert client.get("/").status_code == 303


def test_a_form_post_from_another_origin_is_refused(browser_login, chain_with_gap, table_counts):
    client = browser_login("staff")
    before = table_counts()
    url = "/chains/new-display/segments/glass-substrate/leads"
    for headers in (
        {"Origin": "http://evil.example"},
        {"Origin": "null"},
        {"Sec-Fetch-Site": "cross-site", "Origin": "http://evil.example"},
        {"Sec-Fetch-Site": "same-site"},
    ):
        response = client.post(
            url, data={"company_id": chain_with_gap}, headers={**headers, "Accept": "text/html"}
        )
        assert response.status_code == 403, headers
        assert "不受信任" in response.text
    assert table_counts() == before
    same_origin = client.post(
        url, data={"company_id": chain_with_gap}, headers={"Sec-Fetch-Site": "same-origin"}
    )
    assert same_origin.status_code == 303
    assert table_counts()["lead"] == before["lead"] + 1


def test_a_bearer_request_without_the_cookie_is_not_subject_to_the_origin_check(staff):
    response = staff.post(
        "/api/chains", json=chain_file(), headers={"Origin": "http://elsewhere.example"}
    )
    assert response.status_code == 201


def test_log_in_from_another_site_is_refused(app, make_user):
    make_user("wang", "staff")
    client = TestClient(app, follow_redirects=False)
    response = client.post(
        "/login",
        data={"username": "wang", "password": PASSWORD},
        headers={"Sec-Fetch-Site": "cross-site"},
    )
    assert response.status_code == 403
    assert "crm_session" not in response.headers.get("set-cookie", "")


def test_the_language_switch_is_remembered(browser_login):
    client = browser_login("viewer")
    response = client.get("/lang/en?next=/chains")
    assert response.status_code == 303
    assert response.headers["location"] == "/chains"
    page = client.get("/chains")
    assert '<html lang="en">' in page.text
    assert "Chain maps" in page.text and "产业链图谱" not in page.text
    client.get("/lang/zh?next=/")
    assert '<html lang="zh-CN">' in client.get("/").text


def test_the_language_switch_is_no_open_redirect(anon):
    response = anon.get("/lang/en?next=https://evil.example", follow_redirects=False)
    assert response.headers["location"] == "/"


def test_both_catalogues_have_the_same_keys():
    zh, en = CATALOGUES["zh"], CATALOGUES["en"]
    assert set(zh) == set(en)
    assert all(zh[key].strip() for key in zh)
    assert sorted(k for k in en if not en[k].strip()) == ["unit.count"]  # "个" has no English


@pytest.mark.parametrize(
    ("kind", "enum"),
    [
        ("stage", Stage),
        ("priority", Priority),
        ("source", Source),
        ("visit_status", VisitStatus),
        ("role", Role),
        ("tf_kind", TaskForceKind),
        ("tag", Tag),
        ("incentive", IncentiveType),
        ("card_status", CardStatus),
        ("ticket_category", TicketCategory),
        ("ticket_status", TicketStatus),
        ("ticket_priority", TicketPriority),
        ("eval.pop", Population),
        ("eval.ind", Indicator),
        ("eval.unit", Indicator),
        ("ladder.tier", Tier),
        ("ladder.plan", PlanStatus),
        ("ladder.measure", MeasureStatus),
    ],
)
def test_every_enum_value_has_a_label_in_both_languages(kind, enum):
    for value in enum:
        for lang in CATALOGUES:
            key = f"{kind}.{value.value}"
            assert key in CATALOGUES[lang], f"{lang}: {key}"
            assert label(lang, kind, value) == CATALOGUES[lang][key]


def test_the_cockpit_shows_figures_funnel_and_tables_from_the_dashboard(browser_login, staff):
    client = browser_login("viewer")
    page = client.get("/?year=2026")
    assert page.status_code == 200
    funnel = staff.get("/api/dashboard/funnel").json()
    assert 'id="funnel-data"' in page.text and 'id="trend-data"' in page.text
    assert "<details" in page.text  # every chart has its numbers table
    for stage in ("已识别", "已签约", "已投产"):
        assert stage in page.text
    in_pursuit = sum(s["current"] for s in funnel["stages"][:4])
    assert re.search(
        rf'data-figure="in_pursuit">.*?<div class="value">{in_pursuit}<', page.text, re.S
    )


def test_cockpit_filters_that_make_no_sense_are_a_clear_422(browser_login):
    client = browser_login("viewer")
    response = client.get("/?date_from=2026-05-01&date_to=2026-01-01")
    assert response.status_code == 422
    assert "date_to" in response.text and "<html" in response.text
    assert client.get("/?year=abc").status_code == 422


def test_the_chain_map_shows_three_columns_statuses_and_gaps(browser_login, chain_with_gap):
    client = browser_login("viewer")
    page = client.get("/chains/new-display")
    assert page.status_code == 200
    for column in ("上游", "中游", "下游"):
        assert f"<h3>{column}</h3>" in page.text
    assert re.search(r'data-segment="new-display:panel" data-status="weak"', page.text)
    assert re.search(r'data-segment="new-display:glass-substrate" data-status="missing"', page.text)
    assert 'id="graph-data"' in page.text
    chains = client.get("/chains")
    assert "新型显示" in chains.text


def test_the_segment_panel_lists_targets_with_reasons_as_an_htmx_fragment(
    browser_login, chain_with_gap
):
    client = browser_login("staff")
    url = "/chains/new-display/segments/glass-substrate"
    fragment = client.get(url, headers={"HX-Request": "true"})
    assert fragment.status_code == 200
    assert "<html" not in fragment.text
    assert "深圳玻璃科技有限公司" in fragment.text
    assert "推荐分" in fragment.text and "上市企业" in fragment.text
    assert "建立线索" in fragment.text
    full = client.get(url)  # without JavaScript: the map page with the panel open
    assert full.status_code == 303
    page = client.get(full.headers["location"])
    assert "<html" in page.text and "深圳玻璃科技有限公司" in page.text
    assert (
        client.get("/chains/new-display/segments/nope", headers={"HX-Request": "true"}).status_code
        == 404
    )


def test_staff_create_a_lead_from_a_recommendation(browser_login, chain_with_gap, staff):
    client = browser_login("staff", "wang")
    response = client.post(
        "/chains/new-display/segments/glass-substrate/leads",
        data={"company_id": chain_with_gap},
        headers={"HX-Request": "true", "Origin": ORIGIN},
    )
    assert response.status_code == 200
    assert "已建立线索" in response.text
    leads = staff.get("/api/leads", params={"company_id": chain_with_gap}).json()
    assert leads["total"] == 1
    assert leads["items"][0]["segment"] == "new-display:glass-substrate"
    panel = client.get(
        "/chains/new-display/segments/glass-substrate", headers={"HX-Request": "true"}
    )
    assert "已有线索" in panel.text


def test_a_viewer_is_offered_no_lead_button_and_cannot_post_one(
    browser_login, chain_with_gap, table_counts
):
    client = browser_login("viewer")
    panel = client.get(
        "/chains/new-display/segments/glass-substrate", headers={"HX-Request": "true"}
    )
    assert "建立线索" not in panel.text
    before = table_counts()
    response = client.post(
        "/chains/new-display/segments/glass-substrate/leads",
        data={"company_id": chain_with_gap},
        headers={"Origin": ORIGIN, "Accept": "text/html"},
    )
    assert response.status_code == 403
    assert table_counts() == before


def test_companies_search_and_detail(browser_login, chain_with_gap):
    client = browser_login("viewer")
    page = client.get("/companies", params={"q": "玻璃"})
    assert page.status_code == 200
    assert "深圳玻璃科技有限公司" in page.text and "云江面板有限公司" not in page.text
    local = client.get("/companies", params={"local": "true", "chain": ""})
    assert "云江面板有限公司" in local.text and "深圳玻璃科技有限公司" not in local.text
    partial = client.get("/companies", params={"q": "玻璃"}, headers={"HX-Request": "true"})
    assert "<html" not in partial.text and "深圳玻璃科技有限公司" in partial.text
    detail = client.get(f"/companies/{chain_with_gap}")
    assert detail.status_code == 200 and "玻璃基板" in detail.text
    assert client.get("/companies/999999").status_code == 404
    assert client.get("/companies", params={"local": "maybe"}).status_code == 422
    assert client.get("/companies/abc").status_code == 422


def test_no_page_references_another_host(browser_login, chain_with_gap, anon):
    client = browser_login("staff")
    pages = [client.get(url).text for url in ("/", "/chains", "/chains/new-display", "/companies")]
    for url, html in zip(
        ("/", "/chains", "/chains/new-display", "/companies", "/login"),
        [*pages, anon.get("/login").text],
        strict=True,
    ):
        refs = re.findall(r'(?:src|href|action)="([^"]*)"', html)
        assert refs, url
        foreign = [r for r in refs if re.match(r"^(https?:)?//", r)]
        assert foreign == [], (url, foreign)


def test_a_page_session_ends_when_the_user_changes_their_password(browser_login, app):
    client = browser_login("staff", "wang")
    api = TestClient(app)
    token = api.post("/api/auth/token", data={"username": "wang", "password": PASSWORD})
    headers = {"Authorization": f"Bearer {token.json()['access_token']}"}
    new_password = "a much longer passphrase 2026"
    changed = api.post(
        "/api/users/me/password",
        json={"old_password": PASSWORD, "new_password": new_password},
        headers=headers,
    )
    assert changed.status_code == 200, changed.text
    assert client.get("/").status_code == 303
    again = client.post("/login", data={"username": "wang", "password": new_password})
    assert again.status_code == 303


def test_the_log_in_page_is_rate_limited_per_username(app, make_user, clock):
    make_user("wang", "staff")
    client = TestClient(app, follow_redirects=False)
    for _ in range(10):
        response = client.post("/login", data={"username": "wang", "password": "wrong-guess-1"})
        assert response.status_code == 200
    limited = client.post("/login", data={"username": "wang", "password": PASSWORD})
    assert limited.status_code == 429
    assert int(limited.headers["retry-after"]) > 0
    assert "失败次数过多" in limited.text
    assert "crm_session" not in limited.headers.get("set-cookie", "")
    clock.advance(minutes=16)
    assert client.post("/login", data={"username": "wang", "password": PASSWORD}).status_code == 303


def test_pages_carry_the_security_headers(browser_login):
    client = browser_login("viewer")
    response = client.get("/chains")
    assert response.headers["x-frame-options"] == "DENY"
    assert response.headers["x-content-type-options"] == "nosniff"
    policy = response.headers["content-security-policy"]
    assert (
        "script-src 'self'" in policy
        and "unsafe-inline" not in policy.split("script-src")[1].split(";")[0]
    )
    refused = client.post("/logout", headers={"Origin": "http://evil.example"})
    assert refused.status_code == 403
    assert refused.headers["x-frame-options"] == "DENY"


def test_a_leader_creates_leads_only_for_their_own_task_forces(
    browser_login, chain_with_gap, staff, table_counts
):
    client = browser_login("leader", "zhao")
    ours = staff.post(
        "/api/taskforces", json={"name": "新型显示专班", "kind": "task_force", "leader": "zhao"}
    ).json()["id"]
    theirs = staff.post("/api/taskforces", json={"name": "商务招商组", "kind": "group"}).json()[
        "id"
    ]
    url = "/chains/new-display/segments/glass-substrate"
    panel = client.get(url, headers={"HX-Request": "true"}).text
    assert f'<option value="{ours}">新型显示专班</option>' in panel
    assert "商务招商组" not in panel
    before = table_counts()
    for task_force in (theirs, None):
        data = {"company_id": chain_with_gap}
        if task_force:
            data["task_force_id"] = task_force
        refused = client.post(f"{url}/leads", data=data, headers={"Origin": ORIGIN})
        assert refused.status_code == 403
    assert table_counts() == before
    created = client.post(
        f"{url}/leads",
        data={"company_id": chain_with_gap, "task_force_id": ours},
        headers={"Origin": ORIGIN},
    )
    assert created.status_code == 303
    lead = staff.get("/api/leads", params={"company_id": chain_with_gap}).json()["items"][0]
    assert lead["task_force"]["id"] == ours


def test_a_leader_of_no_task_force_is_offered_no_lead_button(browser_login, chain_with_gap):
    client = browser_login("leader", "qian")
    panel = client.get(
        "/chains/new-display/segments/glass-substrate", headers={"HX-Request": "true"}
    ).text
    assert "建立线索" not in panel
