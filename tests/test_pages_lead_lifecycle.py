"""The lead page's clock and pre-signing panels and the lead list's clock filters, through
HTTP with a session cookie and a frozen clock."""

import re
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient

from tests.conftest import PASSWORD
from tests.factories import chain_file, company

POST = {"headers": {"Origin": "http://testserver", "Accept": "text/html"}}


@pytest.fixture
def setup(staff, make_user, clock):
    make_user("chen", "leader", "陈静")
    make_user("zhou", "leader", "周杰")
    make_user("sun", "specialist", "孙丽")
    assert staff.post("/api/chains", json=chain_file()).status_code == 201
    ours = staff.post(
        "/api/taskforces",
        json={"name": "新型显示专班", "kind": "task_force", "leader": "chen", "members": ["zhou"]},
    ).json()
    leads = {}
    for name, priority in (("甲公司", "A"), ("乙公司", "B")):
        firm = staff.post("/api/companies", json=company(name)).json()
        body = {
            "company_id": firm["id"],
            "segment": "new-display:panel",
            "task_force_id": ours["id"],
            "priority": priority,
        }
        leads[priority] = staff.post("/api/leads", json=body).json()
    return {"leads": leads, "start": clock()}


def signed_in(app, username: str) -> TestClient:
    client = TestClient(app, follow_redirects=False)
    response = client.post("/login", data={"username": username, "password": PASSWORD})
    assert response.status_code == 303
    return client


def light_of(html: str) -> str:
    return re.search(r'<dd data-light="(\w+)"', html).group(1)


def test_the_clock_panel_follows_the_frozen_clock(app, setup, clock):
    lead_id = setup["leads"]["A"]["id"]
    for days, light in ((29, "green"), (30, "amber"), (60, "red")):
        clock.moment = setup["start"] + timedelta(days=days)
        page = signed_in(app, "chen").get(f"/leads/{lead_id}")  # sessions end on the clock too
        assert page.status_code == 200
        assert light_of(page.text) == light, days
    clock.moment = setup["start"] + timedelta(days=180)
    chen = signed_in(app, "chen")
    page = chen.get(f"/leads/{lead_id}").text
    assert "建议以“长期无进展”暂缓" in page
    assert f'action="/leads/{lead_id}/pause/confirm"' in page
    # A member sees the proposal but is not offered the decision.
    member_page = signed_in(app, "zhou").get(f"/leads/{lead_id}").text
    assert "由本专班组长或招商局决定" in member_page
    assert f'action="/leads/{lead_id}/pause/confirm"' not in member_page
    refused = signed_in(app, "zhou").post(f"/leads/{lead_id}/pause/confirm", data={}, **POST)
    assert refused.status_code == 403
    listed = chen.get("/leads?view=pause_proposals").text
    assert f'href="/leads/{lead_id}"' in listed
    confirmed = chen.post(f"/leads/{lead_id}/pause/confirm", data={}, **POST)
    assert confirmed.status_code == 303
    after = chen.get(f"/leads/{lead_id}").text
    assert "长期无进展" in after and 'data-light="none"' in after


def test_the_presigning_forms(app, setup, staff):
    chen = signed_in(app, "chen")
    lead = setup["leads"]["B"]
    url = f"/leads/{lead['id']}"
    version = staff.get(f"/api/leads/{lead['id']}").json()["version"]
    assert (
        chen.post(
            f"{url}/specialist", data={"version": version, "specialist": "sun"}, **POST
        ).status_code
        == 303
    )
    version += 1
    links = "园区 VR 规划图 | https://vr.example.cn/1\nhttps://vr.example.cn/2"
    assert (
        chen.post(
            f"{url}/planning-links", data={"version": version, "links": links}, **POST
        ).status_code
        == 303
    )
    version += 1
    bad = chen.post(
        f"{url}/policy", data={"version": version, "type-0": "land", "amount-0": "-1"}, **POST
    )
    assert bad.status_code == 422
    policy = {
        "version": version,
        "type-0": "land",
        "amount-0": "3000",
        "type-2": "tax",
        "amount-2": "500",
    }
    assert chen.post(f"{url}/policy", data=policy, **POST).status_code == 303
    version += 1
    approve_empty_assessment = chen.post(
        f"{url}/assessment", data={"version": version, "date": "2026-01-01"}, **POST
    )
    assert approve_empty_assessment.status_code == 422
    assert chen.post(f"{url}/policy/approve", data={"version": version}, **POST).status_code == 303
    shown = staff.get(f"/api/leads/{lead['id']}/presigning").json()
    assert shown["specialist"] == "sun"
    assert shown["planning_links"] == [
        {"title": "园区 VR 规划图", "url": "https://vr.example.cn/1"},
        {"title": "https://vr.example.cn/2", "url": "https://vr.example.cn/2"},
    ]
    assert [(i["type"], i["amount"]) for i in shown["policy"]["incentives"]] == [
        ("land", 3000),
        ("tax", 500),
    ]
    assert (shown["policy"]["status"], shown["policy"]["approved_by"]) == ("approved", "chen")
    page = chen.get(url).text
    assert 'data-policy-status="approved"' in page and "孙丽" in page


def test_the_list_filters_on_the_clock(app, setup, clock, staff):
    clock.moment = setup["start"] + timedelta(days=45)
    chen = signed_in(app, "chen")
    a_id, b_id = setup["leads"]["A"]["id"], setup["leads"]["B"]["id"]
    amber = chen.get("/leads?light=amber").text
    assert f'href="/leads/{a_id}"' in amber and f'href="/leads/{b_id}"' not in amber
    green = chen.get("/leads?light=green").text
    assert f'href="/leads/{b_id}"' in green and f'href="/leads/{a_id}"' not in green
    assert f'href="/leads/{a_id}"' in chen.get("/leads?not_moved=45").text
    assert f'href="/leads/{a_id}"' not in chen.get("/leads?not_moved=46").text
    assert chen.get("/leads?sort=-last_contact_on").status_code == 200
    assert chen.get("/leads?light=blue").status_code == 422


def test_the_stage_form_refuses_negotiating_without_a_specialist(app, setup, staff):
    chen = signed_in(app, "chen")
    lead_id = setup["leads"]["A"]["id"]
    version = staff.get(f"/api/leads/{lead_id}").json()["version"]
    move = {"version": version, "stage": "negotiating"}
    refused = chen.post(f"/leads/{lead_id}/stage", data=move, **POST)
    assert refused.status_code == 422
    assert "必须有项目专员，请先指定专员" in refused.text
    assert staff.get(f"/api/leads/{lead_id}").json()["stage"] == "identified"
    named = {"version": version, "specialist": "sun"}
    assert chen.post(f"/leads/{lead_id}/specialist", data=named, **POST).status_code == 303
    moved = chen.post(f"/leads/{lead_id}/stage", data={**move, "version": version + 1}, **POST)
    assert moved.status_code == 303
    assert staff.get(f"/api/leads/{lead_id}").json()["stage"] == "negotiating"
