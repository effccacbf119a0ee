"""A lead's life before signing and on the clock (issue 20, items 1 and 4), through the API
with a frozen clock: lights on their exact thresholds, pause proposals and their decision,
the specialist rule, the pre-signing work handed to the project at signing, visit kinds."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from crm.audit import AuditEntry
from crm.clock import local_date
from crm.config import get_settings
from crm.db import transaction
from tests.factories import chain_file, company

LEADER = "chen"  # leads the task force
MEMBER = "zhou"  # a leader who is only a member of it
OTHER_LEADER = "wu"  # leads another task force
SPECIALIST = "zy-li"
OTHER_SPECIALIST = "zy-wang"


@pytest.fixture
def setup(staff, login, make_user, clock):
    leader = login("leader", LEADER)
    member = login("leader", MEMBER)
    other = login("leader", OTHER_LEADER)
    make_user(SPECIALIST, "specialist")
    make_user(OTHER_SPECIALIST, "specialist")
    assert staff.post("/api/chains", json=chain_file()).status_code == 201
    task_force = staff.post(
        "/api/taskforces",
        json={"name": "新型显示专班", "kind": "task_force", "leader": LEADER, "members": [MEMBER]},
    ).json()
    staff.post(
        "/api/taskforces", json={"name": "其他专班", "kind": "group", "leader": OTHER_LEADER}
    )
    return {
        "task_force_id": task_force["id"],
        "leader": leader,
        "member": member,
        "other": other,
        "today": local_date(clock()),
    }


def new_lead(client, name: str, task_force_id: int | None = None, **fields) -> dict:
    created = client.post("/api/companies", json=company(name))
    assert created.status_code == 201, created.text
    body = {
        "company_id": created.json()["id"],
        "segment": "new-display:panel",
        "task_force_id": task_force_id,
        **fields,
    }
    response = client.post("/api/leads", json=body)
    assert response.status_code == 201, response.text
    return response.json()


def lead(client, lead_id: int) -> dict:
    response = client.get(f"/api/leads/{lead_id}")
    assert response.status_code == 200, response.text
    return response.json()


def at_day(clock, start, days: int) -> None:
    """Set the frozen clock to ``days`` days after the moment ``start``."""
    clock.moment = start + timedelta(days=days)


def listed_ids(client, **params) -> list[int]:
    response = client.get("/api/leads", params={"limit": 200, **params})
    assert response.status_code == 200, response.text
    return [item["id"] for item in response.json()["items"]]


# --- lights ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("priority", "expected"),
    [
        ("A", {0: "green", 29: "green", 30: "amber", 59: "amber", 60: "red", 200: "red"}),
        ("B", {0: "green", 59: "green", 60: "amber", 89: "amber", 90: "red"}),
        ("C", {59: "green", 60: "amber", 90: "red"}),
    ],
)
def test_light_changes_on_the_exact_day(staff, setup, clock, priority, expected):
    start = clock()
    created = new_lead(staff, f"灯{priority}公司", priority=priority)
    assert created["last_contact_on"] == setup["today"].isoformat()
    for days, light in expected.items():
        at_day(clock, start, days)
        assert lead(staff, created["id"])["light"] == light, f"day {days}"
        assert created["id"] in listed_ids(staff, light=light), f"day {days}"
        others = {"green", "amber", "red"} - {light}
        assert all(created["id"] not in listed_ids(staff, light=o) for o in others)


def test_a_stage_move_or_a_done_visit_restarts_the_light(staff, setup, clock):
    start = clock()
    moved = new_lead(staff, "推进公司", priority="A")
    visited = new_lead(staff, "拜访公司", priority="A")
    planned_only = new_lead(staff, "计划公司", priority="A")
    at_day(clock, start, 45)
    assert (
        staff.post(f"/api/leads/{moved['id']}/stage", json={"stage": "contacted"}).status_code
        == 200
    )
    visit_day = (setup["today"] + timedelta(days=44)).isoformat()
    done = {"lead_id": visited["id"], "date": visit_day, "status": "done"}
    assert staff.post("/api/visits", json=done).status_code == 201
    planned = {"lead_id": planned_only["id"], "date": visit_day, "status": "planned"}
    assert staff.post("/api/visits", json=planned).status_code == 201

    assert lead(staff, moved["id"])["light"] == "green"
    assert (
        lead(staff, moved["id"])["last_contact_on"]
        == (setup["today"] + timedelta(days=45)).isoformat()
    )
    visited_now = lead(staff, visited["id"])
    assert (visited_now["light"], visited_now["last_visit_on"]) == ("green", visit_day)
    assert visited_now["version"] == visited["version"], "a visit leaves the lead's version alone"
    assert lead(staff, planned_only["id"])["light"] == "amber"
    assert lead(staff, planned_only["id"])["last_visit_on"] is None

    # Not visited for 30 days: the planned-only and the moved lead; not moved for 30 days:
    # the two whose stage has not changed since creation.
    assert set(listed_ids(staff, not_visited_days=30)) == {moved["id"], planned_only["id"]}
    assert set(listed_ids(staff, not_moved_days=45)) == {visited["id"], planned_only["id"]}
    assert listed_ids(staff, not_moved_days=46) == []
    # Sorted by last contact, oldest first: day 0, the visit on day 44, the move on day 45.
    order = [planned_only["id"], visited["id"], moved["id"]]
    assert listed_ids(staff, sort="last_contact_on") == order
    assert listed_ids(staff, sort="-last_contact_on") == order[::-1]


def test_signed_paused_and_lost_leads_have_no_light(staff, setup, clock):
    start = clock()
    halted = new_lead(staff, "暂缓公司", priority="A")
    staff.post(f"/api/leads/{halted['id']}/stage", json={"stage": "paused", "reason": "资金未落实"})
    at_day(clock, start, 100)
    assert lead(staff, halted["id"])["light"] is None
    assert halted["id"] not in listed_ids(staff, light="red")
    assert halted["id"] not in listed_ids(staff, not_visited_days=30)


def test_thresholds_come_from_the_settings(staff, setup, clock, monkeypatch):
    monkeypatch.setenv("CRM_LEAD_LIGHT_DAYS", '{"A": [10, 20]}')
    get_settings.cache_clear()
    try:
        start = clock()
        created = new_lead(staff, "配置公司", priority="A")
        at_day(clock, start, 9)
        assert lead(staff, created["id"])["light"] == "green"
        at_day(clock, start, 10)
        assert lead(staff, created["id"])["light"] == "amber"
        at_day(clock, start, 20)
        assert lead(staff, created["id"])["light"] == "red"
    finally:
        monkeypatch.delenv("CRM_LEAD_LIGHT_DAYS")
        get_settings.cache_clear()


def test_bad_clock_filters_are_422(staff, setup):
    for params in ({"light": "blue"}, {"not_visited_days": 0}, {"not_moved_days": "x"}):
        assert staff.get("/api/leads", params=params).status_code == 422, params


# --- pause proposals ---------------------------------------------------------------------------


def proposals(client, **params) -> list[int]:
    response = client.get("/api/leads/pause-proposals", params=params)
    assert response.status_code == 200, response.text
    return [item["id"] for item in response.json()["items"]]


def test_pause_is_proposed_at_180_days_and_the_leader_confirms(staff, setup, clock, db):
    start = clock()
    quiet = new_lead(staff, "沉寂公司", task_force_id=setup["task_force_id"], priority="C")
    elsewhere = new_lead(staff, "无专班公司", priority="C")
    at_day(clock, start, 179)
    assert lead(staff, quiet["id"])["pause_proposed"] is False
    assert proposals(setup["leader"]) == []
    at_day(clock, start, 180)
    assert lead(staff, quiet["id"])["pause_proposed"] is True
    assert proposals(setup["leader"]) == [quiet["id"]]
    assert proposals(setup["leader"], to="me") == [quiet["id"]]
    assert proposals(staff) == [quiet["id"], elsewhere["id"]]
    assert proposals(staff, to=LEADER) == [quiet["id"]]
    assert proposals(setup["other"]) == []
    assert set(listed_ids(staff, pause_proposed="true")) == {quiet["id"], elsewhere["id"]}

    url = f"/api/leads/{quiet['id']}/pause-proposal/confirm"
    assert setup["member"].post(url, json={}).status_code == 403  # a member, not the leader
    assert setup["other"].post(url, json={}).status_code == 403
    assert lead(staff, quiet["id"])["stage"] == "identified"
    confirmed = setup["leader"].post(url, json={"version": quiet["version"]})
    assert confirmed.status_code == 200, confirmed.text
    body = confirmed.json()
    assert (body["stage"], body["halt_reason"], body["left_stage"]) == (
        "paused",
        "长期无进展",
        "identified",
    )
    assert body["history"][-1]["reason"] == "长期无进展"
    assert body["history"][-1]["by"] == LEADER
    assert proposals(setup["leader"]) == []
    assert setup["leader"].post(url, json={}).status_code == 409  # no longer proposed


def test_renewing_restarts_the_pause_clock_and_is_audited(staff, setup, clock, db):
    start = clock()
    quiet = new_lead(staff, "续期公司", task_force_id=setup["task_force_id"], priority="B")
    url = f"/api/leads/{quiet['id']}/pause-proposal/renew"
    at_day(clock, start, 100)
    assert setup["leader"].post(url, json={}).status_code == 409  # not proposed yet
    at_day(clock, start, 200)
    renewed = setup["leader"].post(url, json={})
    assert renewed.status_code == 200, renewed.text
    assert renewed.json()["pause_proposed"] is False
    assert renewed.json()["stage"] == "identified"
    assert renewed.json()["light"] == "red", "renewing is no contact: the light stays red"
    at_day(clock, start, 379)
    assert lead(staff, quiet["id"])["pause_proposed"] is False
    at_day(clock, start, 380)
    assert lead(staff, quiet["id"])["pause_proposed"] is True
    with transaction(db) as session:
        entries = session.scalars(
            select(AuditEntry).where(
                AuditEntry.entity == "lead", AuditEntry.record_id == str(quiet["id"])
            )
        ).all()
    renewals = [e for e in entries if "pause_renewed_on" in (e.changes or {})]
    assert len(renewals) == 1 and renewals[0].actor == LEADER


# --- the specialist rule -----------------------------------------------------------------------


def put_specialist(client, lead_id: int, username: str | None):
    version = lead(client, lead_id)["version"]
    return client.put(
        f"/api/leads/{lead_id}/specialist", json={"version": version, "specialist": username}
    )


def test_negotiating_a_or_large_lead_needs_a_specialist(staff, setup, table_counts):
    big = new_lead(staff, "大额公司", priority="B", expected_investment=10000)
    priority_a = new_lead(staff, "A类公司", priority="A", expected_investment=100)
    small = new_lead(staff, "小额公司", priority="B", expected_investment=9999)
    before = table_counts()
    for refused in (big, priority_a):
        response = staff.post(f"/api/leads/{refused['id']}/stage", json={"stage": "negotiating"})
        assert response.status_code == 422, response.text
        assert response.json()["detail"][0]["loc"][-1] == "specialist"
        assert "specialist" in response.json()["detail"][0]["msg"]
    assert table_counts() == before
    assert lead(staff, big["id"])["stage"] == "identified"
    assert (
        staff.post(f"/api/leads/{small['id']}/stage", json={"stage": "negotiating"}).status_code
        == 200
    )

    assert put_specialist(staff, big["id"], SPECIALIST).status_code == 200
    assert (
        staff.post(f"/api/leads/{big['id']}/stage", json={"stage": "negotiating"}).status_code
        == 200
    )
    removed = put_specialist(staff, big["id"], None)
    assert removed.status_code == 409, removed.text
    assert lead(staff, big["id"])["specialist"] == SPECIALIST
    assert put_specialist(staff, big["id"], OTHER_SPECIALIST).status_code == 200

    # Raising a negotiating lead to priority A without a specialist is refused too.
    raise_a = staff.patch(
        f"/api/leads/{small['id']}",
        json={"version": lead(staff, small["id"])["version"], "priority": "A"},
    )
    assert raise_a.status_code == 422, raise_a.text
    assert lead(staff, small["id"])["priority"] == "B"


def test_the_specialist_must_be_an_active_specialist(staff, setup):
    created = new_lead(staff, "专员公司")
    assert put_specialist(staff, created["id"], LEADER).status_code == 422
    assert put_specialist(staff, created["id"], "nobody").status_code == 422
    assert lead(staff, created["id"])["specialist"] is None


# --- before signing, and signing ---------------------------------------------------------------

ASSESSMENT = {
    "organisation": "市产业研究院",
    "date": "2026-02-10",
    "conclusion": "产业链契合度高，建议重点推进",
    "attachment": "https://files.example.cn/yanpan-2026-08.pdf",
}
LINKS = [
    {"title": "园区 VR 规划图", "url": "https://vr.example.cn/park/12"},
    {"title": "选址红线图", "url": "/files/site-plan-7.pdf"},
]
INCENTIVES = [
    {"type": "land", "amount": 3000, "conditions": "固定资产投资达 20 亿元"},
    {"type": "subsidy", "amount": 1500, "conditions": None},
]


def prepare(client, lead_id: int, *, approve_with=None) -> dict:
    version = lead(client, lead_id)["version"]
    steps = [
        ("put", "specialist", {"specialist": SPECIALIST}),
        ("put", "assessment", {"assessment": ASSESSMENT}),
        ("put", "planning-links", {"links": LINKS}),
        ("put", "policy", {"incentives": INCENTIVES}),
    ]
    for method, path, body in steps:
        response = getattr(client, method)(
            f"/api/leads/{lead_id}/{path}", json={"version": version, **body}
        )
        assert response.status_code == 200, response.text
        version = response.json()["version"]
    if approve_with is not None:
        response = approve_with.post(
            f"/api/leads/{lead_id}/policy/approve", json={"version": version}
        )
        assert response.status_code == 200, response.text
        return response.json()
    return client.get(f"/api/leads/{lead_id}/presigning").json()


def test_presigning_round_trip_and_approval(staff, setup, clock, login):
    created = new_lead(staff, "准备公司", task_force_id=setup["task_force_id"])
    shown = prepare(staff, created["id"])
    assert shown["specialist"] == SPECIALIST
    assert shown["assessment"] == ASSESSMENT
    assert shown["planning_links"] == LINKS
    assert shown["policy"]["status"] == "draft"
    assert shown["policy"]["amount"] == 4500
    assert [(i["type"], i["amount"]) for i in shown["policy"]["incentives"]] == [
        ("land", 3000),
        ("subsidy", 1500),
    ]
    url = f"/api/leads/{created['id']}/policy/approve"
    body = {"version": shown["version"]}
    assert setup["member"].post(url, json=body).status_code == 403
    assert setup["other"].post(url, json=body).status_code == 403
    assert login("specialist", "zy-x").post(url, json=body).status_code == 403
    assert login("viewer").post(url, json=body).status_code == 403
    approved = setup["leader"].post(url, json=body)
    assert approved.status_code == 200, approved.text
    policy = approved.json()["policy"]
    assert (policy["status"], policy["approved_by"]) == ("approved", LEADER)
    assert policy["approved_at"].startswith(clock().isoformat()[:16])
    assert (
        setup["leader"].post(url, json={"version": approved.json()["version"]}).status_code == 409
    )

    # Changing an approved package makes it a draft again.
    changed = staff.put(
        f"/api/leads/{created['id']}/policy",
        json={"version": approved.json()["version"], "incentives": INCENTIVES[:1]},
    )
    assert changed.status_code == 200
    assert changed.json()["policy"]["status"] == "draft"
    assert changed.json()["policy"]["approved_by"] is None
    stale = staff.put(f"/api/leads/{created['id']}/policy", json={"version": 1, "incentives": []})
    assert stale.status_code == 409
    empty = staff.put(
        f"/api/leads/{created['id']}/policy",
        json={"version": changed.json()["version"], "incentives": []},
    )
    refused = staff.post(url, json={"version": empty.json()["version"]})
    assert refused.status_code == 422


def test_bad_presigning_input_is_422_and_changes_nothing(staff, setup, table_counts):
    created = new_lead(staff, "坏输入公司")
    version = created["version"]
    before = table_counts()
    bad = [
        ("planning-links", {"links": [{"title": "x", "url": "javascript:alert(1)"}]}),
        ("assessment", {"assessment": {"organisation": ""}}),
        ("policy", {"incentives": [{"type": "gift", "amount": 1}]}),
        ("policy", {"incentives": [{"type": "land", "amount": -5}]}),
    ]
    for path, body in bad:
        response = staff.put(
            f"/api/leads/{created['id']}/{path}", json={"version": version, **body}
        )
        assert response.status_code == 422, (path, response.text)
    assert table_counts() == before
    assert lead(staff, created["id"])["version"] == version


def test_signing_hands_the_prepared_work_to_the_project(staff, setup):
    created = new_lead(staff, "签约公司", task_force_id=setup["task_force_id"], priority="A")
    prepare(staff, created["id"], approve_with=setup["leader"])
    assert (
        staff.post(f"/api/leads/{created['id']}/stage", json={"stage": "negotiating"}).status_code
        == 200
    )
    signed = staff.post(f"/api/leads/{created['id']}/stage", json={"stage": "signed"})
    assert signed.status_code == 200, signed.text
    project = staff.get(f"/api/projects/{signed.json()['project_id']}").json()
    assert project["specialist"] == SPECIALIST
    assert project["assessment"] == ASSESSMENT
    assert project["planning_links"] == LINKS
    incentives = [
        (i["type"], i["amount"], i["conditions"]) for i in project["policy"]["incentives"]
    ]
    assert incentives == [(i["type"], i["amount"], i["conditions"]) for i in INCENTIVES]
    assert project["policy"]["totals"]["amount"] == 4500


def test_a_draft_policy_stays_on_the_lead_and_a_named_specialist_wins(staff, setup):
    created = new_lead(staff, "草案公司", task_force_id=setup["task_force_id"])
    prepare(staff, created["id"])
    signed = staff.post(
        f"/api/leads/{created['id']}/stage",
        json={"stage": "signed", "specialist": OTHER_SPECIALIST},
    )
    assert signed.status_code == 200, signed.text
    project = staff.get(f"/api/projects/{signed.json()['project_id']}").json()
    assert project["specialist"] == OTHER_SPECIALIST
    assert project["policy"]["incentives"] == []
    assert project["assessment"] == ASSESSMENT
    kept = staff.get(f"/api/leads/{created['id']}/presigning").json()["policy"]
    assert kept["status"] == "draft" and len(kept["incentives"]) == 2


def test_signing_without_any_specialist_is_still_refused(staff, setup, table_counts):
    created = new_lead(staff, "无专员公司")
    before = table_counts()
    response = staff.post(f"/api/leads/{created['id']}/stage", json={"stage": "signed"})
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"][-1] == "specialist"
    assert table_counts() == before


def test_only_writers_of_the_lead_prepare_it(staff, setup, login):
    created = new_lead(staff, "权限公司", task_force_id=setup["task_force_id"])
    body = {"version": created["version"], "specialist": SPECIALIST}
    url = f"/api/leads/{created['id']}/specialist"
    assert setup["other"].put(url, json=body).status_code == 403
    assert login("viewer").put(url, json=body).status_code == 403
    assert setup["member"].put(url, json=body).status_code == 200


# --- visit kinds -------------------------------------------------------------------------------


def test_visit_kinds(staff, setup):
    created = new_lead(staff, "来访公司")
    inbound = {
        "lead_id": created["id"],
        "date": "2026-02-20",
        "kind": "inbound",
        "received_by": "王市长",
        "status": "done",
    }
    made = staff.post("/api/visits", json=inbound)
    assert made.status_code == 201, made.text
    assert (made.json()["kind"], made.json()["received_by"]) == ("inbound", "王市长")
    assert made.json()["city"] is None, "an inbound inspection is not held in the company's city"
    outbound = staff.post("/api/visits", json={"lead_id": created["id"], "date": "2026-02-21"})
    assert outbound.json()["kind"] == "outbound"
    wrong = {**inbound, "kind": "online"}
    assert staff.post("/api/visits", json=wrong).status_code == 422
    assert staff.post("/api/visits", json={**inbound, "kind": "dinner"}).status_code == 422
    kinds = staff.get("/api/visits", params={"kind": "inbound"}).json()["items"]
    assert [v["id"] for v in kinds] == [made.json()["id"]]
    changed = staff.patch(
        f"/api/visits/{outbound.json()['id']}",
        json={"version": outbound.json()["version"], "kind": "signing"},
    )
    assert changed.status_code == 200 and changed.json()["kind"] == "signing"


def test_the_move_into_negotiating_may_name_the_specialist(staff, setup):
    big = new_lead(staff, "同步专员公司", priority="A", expected_investment=50000)
    wrong = staff.post(
        f"/api/leads/{big['id']}/stage", json={"stage": "negotiating", "specialist": LEADER}
    )
    assert wrong.status_code == 422, wrong.text
    assert lead(staff, big["id"])["stage"] == "identified"
    assert lead(staff, big["id"])["specialist"] is None
    moved = staff.post(
        f"/api/leads/{big['id']}/stage", json={"stage": "negotiating", "specialist": SPECIALIST}
    )
    assert moved.status_code == 200, moved.text
    assert lead(staff, big["id"])["specialist"] == SPECIALIST
    # Only signing takes the other terms.
    other = new_lead(staff, "另一公司", priority="B", expected_investment=100)
    refused = staff.post(
        f"/api/leads/{other['id']}/stage", json={"stage": "negotiating", "park": "某园区"}
    )
    assert refused.status_code == 422
