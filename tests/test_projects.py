"""Signing, projects, the policy package and green cards (SPEC §2, §3), through the API."""

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

import pytest
from fastapi.testclient import TestClient

from crm.projects import greencards
from tests.signing import (
    LEADER,
    OTHER_PARK,
    OTHER_SPECIALIST,
    PARK,
    SPECIALIST,
    move,
    negotiating_lead,
    prepare,
    sign,
    signed_project,
)


@pytest.fixture
def setup(staff, make_user, clock) -> dict:
    return prepare(staff, make_user)


@pytest.mark.parametrize(
    ("specialist", "message"),
    [(None, "specialist"), ("staff1", "not a specialist"), ("ghost", "unknown user")],
    ids=["missing", "wrong role", "unknown"],
)
def test_signing_without_a_specialist_is_refused_and_changes_nothing(
    staff, setup, table_counts, specialist, message
):
    # Below 1亿 a negotiating lead may have no specialist yet; signing still needs one.
    lead_id = negotiating_lead(staff, "京东方科技", specialist=None, expected_investment=9000)
    before = table_counts()
    body = {"stage": "signed", "investment": 80000, "park": PARK}
    if specialist:
        body["specialist"] = specialist
    response = staff.post(f"/api/leads/{lead_id}/stage", json=body)
    assert response.status_code == 422, response.text
    error = response.json()["detail"][0]
    assert error["loc"] == ["body", "specialist"]
    assert message in error["msg"]
    assert table_counts() == before
    assert staff.get(f"/api/leads/{lead_id}").json()["stage"] == "negotiating"


def test_signing_with_an_unknown_park_is_refused(staff, setup, table_counts):
    lead_id = negotiating_lead(staff, "京东方科技")
    before = table_counts()
    response = sign(staff, lead_id, park="月球园区")
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "park"]
    assert table_counts() == before


def test_signing_creates_the_project_and_its_green_card(staff, setup, table_counts):
    lead_id = negotiating_lead(staff, "京东方科技", task_force_id=setup["task_force_id"])
    before = table_counts()
    signed = sign(staff, lead_id, note="签约仪式")
    assert signed.status_code == 200, signed.text
    body = signed.json()
    assert body["stage"] == "signed"
    assert body["history"][-1] | {"at": None} == {
        "from": "negotiating",
        "to": "signed",
        "at": None,
        "by": "staff1",
        "reason": None,
        "note": "签约仪式",
    }
    project_id = body["project_id"]
    assert isinstance(project_id, int)
    after = table_counts()
    for table in ("project", "green_card", "project_specialist_change", "lead_stage_change"):
        assert after[table] == before[table] + 1, table

    lead = staff.get(f"/api/leads/{lead_id}").json()
    assert lead["project_id"] == project_id
    listed = staff.get("/api/leads", params={"stage": "signed"}).json()["items"]
    assert [(item["id"], item["project_id"]) for item in listed] == [(lead_id, project_id)]

    project = staff.get(f"/api/projects/{project_id}").json()
    assert project["lead_id"] == lead_id
    assert project["company"]["name"] == "京东方科技"
    assert project["segment"] == "new-display:panel"
    assert project["chain"] == "new-display"
    assert project["task_force"]["id"] == setup["task_force_id"]
    assert project["park"] == PARK
    assert project["stage"] == "signed"
    assert project["specialist"] == SPECIALIST
    assert project["signed_investment"] == 80000
    assert project["jobs_planned"] == 300
    assert project["signed_on"] == "2026-03-02"
    assert project["specialist_history"] == [
        {
            "from": None,
            "to": SPECIALIST,
            "by": "staff1",
            "at": "2026-03-02T04:00:00Z",
            "reason": None,
        }
    ]
    card = project["green_card"]
    assert card["card_no"] == "GC-2026-0001"
    assert card["issued_at"] == "2026-03-02T04:00:00Z"
    assert card["status"] == "active"
    assert card["task_force"]["id"] == setup["task_force_id"]


def test_signed_investment_defaults_to_the_expected_one(staff, setup):
    project = signed_project(staff, investment=None, park=None)
    assert project["signed_investment"] == 50000
    assert project["park"] is None


def test_signing_twice_is_409(staff, setup, table_counts):
    lead_id = negotiating_lead(staff, "京东方科技")
    first = sign(staff, lead_id).json()["project_id"]
    before = table_counts()
    again = sign(staff, lead_id)
    assert again.status_code == 409
    assert str(first) in again.json()["detail"]
    assert move(staff, lead_id, "lost", reason="企业改投他地").status_code == 200
    before = table_counts()
    resigned = sign(staff, lead_id, reason="企业回心转意")
    assert resigned.status_code == 409
    assert "resume" in resigned.json()["detail"]
    assert table_counts() == before
    # Reopening keeps the one project and its card.
    resumed = move(staff, lead_id, "resume", reason="企业回心转意")
    assert resumed.status_code == 200, resumed.text
    assert resumed.json()["stage"] == "signed"
    assert resumed.json()["project_id"] == first
    assert table_counts()["project"] == before["project"]
    assert table_counts()["green_card"] == before["green_card"]


def test_signing_terms_on_other_moves_are_422(staff, setup, table_counts):
    lead_id = negotiating_lead(staff, "京东方科技")
    before = table_counts()
    response = move(staff, lead_id, "visited", reason="补充考察", specialist=SPECIALIST)
    assert response.status_code == 422
    assert table_counts() == before


def test_card_numbers_are_unique_and_sequential_under_concurrent_signings(app, staff, setup):
    lead_ids = [negotiating_lead(staff, f"并发企业{i}") for i in range(8)]
    token = staff.headers["Authorization"]
    start = threading.Barrier(len(lead_ids))

    def sign_in_own_client(lead_id: int):
        client = TestClient(app)
        client.headers["Authorization"] = token
        try:
            start.wait(timeout=30)
            return sign(client, lead_id)
        finally:
            client.close()

    with ThreadPoolExecutor(len(lead_ids)) as pool:
        responses = list(pool.map(sign_in_own_client, lead_ids))
    assert [r.status_code for r in responses] == [200] * len(lead_ids), [r.text for r in responses]
    projects = staff.get("/api/projects", params={"limit": 100}).json()["items"]
    numbers = sorted(p["green_card"]["card_no"] for p in projects)
    assert numbers == [f"GC-2026-{n:04d}" for n in range(1, len(lead_ids) + 1)]


def test_a_card_number_waits_for_an_uncommitted_signing(db):
    """The counter row is the lock: a second signing waits for the first to commit."""
    first, second = db(), db()
    try:
        assert greencards.next_card_no(first, 2030) == "GC-2030-0001"
        numbers: list[str] = []
        waiting = threading.Thread(
            target=lambda: numbers.append(greencards.next_card_no(second, 2030))
        )
        waiting.start()
        waiting.join(timeout=0.5)
        assert waiting.is_alive(), "the second signing should wait for the first"
        first.commit()
        waiting.join(timeout=10)
        second.commit()
        assert numbers == ["GC-2030-0002"]
    finally:
        first.close()
        second.close()


def test_card_numbers_restart_each_year_and_keep_four_digits(staff, setup, clock):
    assert signed_project(staff, "甲公司")["green_card"]["card_no"] == "GC-2026-0001"
    assert signed_project(staff, "乙公司")["green_card"]["card_no"] == "GC-2026-0002"
    clock.moment = datetime(2027, 1, 4, 2, 0, tzinfo=UTC)
    assert signed_project(staff, "丙公司")["green_card"]["card_no"] == "GC-2027-0001"


def test_milestones_through_the_stage_endpoint(staff, setup, clock):
    project = signed_project(staff)
    lead_id, project_id = project["lead_id"], project["id"]
    clock.moment = datetime(2026, 5, 10, 3, 0, tzinfo=UTC)
    started = move(staff, lead_id, "started")
    assert started.status_code == 200, started.text
    assert started.json()["project_id"] == project_id
    project = staff.get(f"/api/projects/{project_id}").json()
    assert project["stage"] == "started"
    assert project["construction_started_on"] == "2026-05-10"
    assert project["green_card"]["status"] == "active"

    clock.moment = datetime(2026, 11, 20, 3, 0, tzinfo=UTC)
    assert move(staff, lead_id, "producing").status_code == 200
    project = staff.get(f"/api/projects/{project_id}").json()
    assert project["stage"] == "producing"
    assert project["signed_on"] == "2026-03-02"
    assert project["construction_started_on"] == "2026-05-10"
    assert project["production_started_on"] == "2026-11-20"
    card = project["green_card"]
    assert card["status"] == "closed"
    assert card["closed_at"] == "2026-11-20T03:00:00Z"
    assert card["closed_reason"] == "项目已投产"

    # Moving back is a correction: it needs a reason and clears the undone milestone.
    assert move(staff, lead_id, "started").status_code == 422
    assert move(staff, lead_id, "started", reason="误报投产").status_code == 200
    project = staff.get(f"/api/projects/{project_id}").json()
    assert project["production_started_on"] is None
    assert project["construction_started_on"] == "2026-05-10"
    assert staff.get("/api/projects", params={"stage": "started"}).json()["total"] == 1


def test_specialist_change_keeps_history(staff, setup, clock, table_counts):
    project = signed_project(staff)
    url = f"/api/projects/{project['id']}"
    before = table_counts()
    for name in (None, "staff1", "ghost"):
        refused = staff.patch(url, json={"version": project["version"], "specialist": name})
        assert refused.status_code == 422, name
    assert table_counts() == before

    clock.advance(days=3)
    changed = staff.patch(
        url,
        json={
            "version": project["version"],
            "specialist": OTHER_SPECIALIST,
            "specialist_reason": "原专员调岗",
        },
    )
    assert changed.status_code == 200, changed.text
    body = changed.json()
    assert body["specialist"] == OTHER_SPECIALIST
    assert body["version"] == project["version"] + 1
    assert body["specialist_history"][1] == {
        "from": SPECIALIST,
        "to": OTHER_SPECIALIST,
        "by": "staff1",
        "at": "2026-03-05T04:00:00Z",
        "reason": "原专员调岗",
    }
    assert staff.get("/api/projects", params={"specialist": OTHER_SPECIALIST}).json()["total"] == 1
    assert staff.get("/api/projects", params={"specialist": SPECIALIST}).json()["total"] == 0


def test_stale_version_is_409_and_changes_nothing(staff, setup):
    project = signed_project(staff)
    url = f"/api/projects/{project['id']}"
    fresh = staff.patch(url, json={"version": project["version"], "jobs_created": 120})
    assert fresh.status_code == 200
    stale = staff.patch(url, json={"version": project["version"], "jobs_created": 5})
    assert stale.status_code == 409
    policy = {"version": project["version"], "incentives": [{"type": "tax", "amount": 10}]}
    assert staff.put(f"{url}/policy", json=policy).status_code == 409
    current = staff.get(url).json()
    assert current["jobs_created"] == 120
    assert current["policy"]["incentives"] == []


def test_project_details_round_trip(staff, setup):
    project = signed_project(staff)
    url = f"/api/projects/{project['id']}"
    changes = {
        "version": project["version"],
        "park": OTHER_PARK,
        "signed_investment": 120000,
        "jobs_planned": 800,
        "jobs_created": 150,
        "land_on": "2026-04-01",
        "assessment": {
            "organisation": "市产业研究院",
            "date": "2026-02-20",
            "conclusion": "项目符合新型显示链补链方向",
            "attachment": "https://files.example.cn/assessments/42.pdf",
        },
        "planning_links": [
            {"title": "VR 规划图", "url": "https://vr.example.cn/p/42"},
            {"title": "总平面图", "url": "/files/site-plan-42.pdf"},
        ],
    }
    response = staff.patch(url, json=changes)
    assert response.status_code == 200, response.text
    body = staff.get(url).json()
    for key, value in changes.items():
        if key != "version":
            assert body[key] == value, key
    bad_link = {
        "version": body["version"],
        "planning_links": [{"title": "x", "url": "javascript:1"}],
    }
    assert staff.patch(url, json=bad_link).status_code == 422
    unreached = {"version": body["version"], "construction_started_on": "2026-04-02"}
    assert staff.patch(url, json=unreached).status_code == 422
    cleared = staff.patch(url, json={"version": body["version"], "assessment": None})
    assert cleared.json()["assessment"] is None


def test_funding_in_place_is_the_sum_of_dated_entries(staff, setup, clock):
    project = signed_project(staff)
    url = f"/api/projects/{project['id']}/funding"
    first = staff.post(url, json={"date": "2026-03-01", "amount": 5000, "note": "首期"})
    assert first.status_code == 201, first.text
    assert first.json()["investment_in_place"] == 5000
    second = staff.post(url, json={"date": "2026-03-02", "amount": 2500.5})
    assert second.json()["investment_in_place"] == 7500.5
    assert staff.post(url, json={"date": "2026-03-03", "amount": 10}).status_code == 422
    assert staff.post(url, json={"date": "2026-03-01", "amount": 0}).status_code == 422
    body = staff.get(f"/api/projects/{project['id']}").json()
    assert body["investment_in_place"] == 7500.5
    assert [(e["date"], e["amount"], e["by"]) for e in body["funding"]] == [
        ("2026-03-01", 5000, "staff1"),
        ("2026-03-02", 2500.5, "staff1"),
    ]
    assert staff.delete(f"{url}/{first.json()['id']}").status_code == 204
    assert staff.get(f"/api/projects/{project['id']}").json()["investment_in_place"] == 2500.5


def test_policy_round_trip_and_totals(staff, setup):
    project = signed_project(staff)
    url = f"/api/projects/{project['id']}/policy"
    package = {
        "version": project["version"],
        "incentives": [
            {"type": "land", "amount": 3000, "conditions": "固定资产投资达 10 亿元"},
            {"type": "tax", "amount": 1500, "conditions": "前三年地方留成全额奖励"},
            {"type": "loan_interest_subsidy", "amount": 500},
            {"type": "tax", "amount": 250.5},
        ],
    }
    response = staff.put(url, json=package)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["version"] == project["version"] + 1
    incentives = body["policy"]["incentives"]
    assert [(i["type"], i["amount"]) for i in incentives] == [
        ("land", 3000),
        ("tax", 1500),
        ("loan_interest_subsidy", 500),
        ("tax", 250.5),
    ]
    totals = body["policy"]["totals"]
    assert totals["count"] == 4
    assert totals["amount"] == 5250.5
    assert totals["by_type"]["tax"] == 1750.5
    assert totals["by_type"]["talent"] == 0
    assert staff.get(url).json() == body["policy"]
    assert staff.get("/api/projects").json()["items"][0]["policy_totals"] == totals

    # Keep the first two (by id), drop the rest, add a talent incentive.
    land, tax = incentives[0], incentives[1]
    again = {
        "version": body["version"],
        "incentives": [
            {"id": tax["id"], "type": "tax", "amount": 1800, "conditions": tax["conditions"]},
            {"id": land["id"], "type": "land", "amount": 3000},
            {"type": "talent", "amount": 200, "conditions": "引进博士 10 名"},
        ],
    }
    body = staff.put(url, json=again).json()
    kept = body["policy"]["incentives"]
    assert [i["id"] for i in kept[:2]] == [tax["id"], land["id"]]
    assert [(i["type"], i["amount"]) for i in kept] == [
        ("tax", 1800),
        ("land", 3000),
        ("talent", 200),
    ]
    assert body["policy"]["totals"]["amount"] == 5000
    foreign = {"version": body["version"], "incentives": [{"id": 99999, "type": "tax"}]}
    assert staff.put(url, json=foreign).status_code == 422
    bad_type = {"version": body["version"], "incentives": [{"type": "gift"}]}
    assert staff.put(url, json=bad_type).status_code == 422


def test_honoured_incentives(staff, setup):
    project = signed_project(staff)
    url = f"/api/projects/{project['id']}"
    package = {
        "version": project["version"],
        "incentives": [{"type": "subsidy", "amount": 800}, {"type": "land", "amount": 2000}],
    }
    body = staff.put(f"{url}/policy", json=package).json()
    subsidy, land = body["policy"]["incentives"]
    assert subsidy["honoured"] is False

    no_date = {"version": body["version"], "honoured_amount": 600}
    response = staff.patch(f"{url}/policy/incentives/{subsidy['id']}", json=no_date)
    assert response.status_code == 422
    honour = {"version": body["version"], "honoured_at": "2026-06-30", "honoured_amount": 600}
    response = staff.patch(f"{url}/policy/incentives/{subsidy['id']}", json=honour)
    assert response.status_code == 200, response.text
    body = response.json()
    subsidy = body["policy"]["incentives"][0]
    assert subsidy["honoured"] is True
    assert subsidy["honoured_at"] == "2026-06-30"
    assert subsidy["honoured_amount"] == 600
    assert subsidy["amount"] == 800
    totals = body["policy"]["totals"]
    assert (totals["honoured_count"], totals["honoured_amount"]) == (1, 600)
    # Honouring through the PUT works too.
    package = {
        "version": body["version"],
        "incentives": [
            {"id": subsidy["id"], "type": "subsidy", "amount": 800, "honoured_at": "2026-06-30"},
            {"id": land["id"], "type": "land", "honoured_at": "2026-07-15", "honoured_amount": 2e3},
        ],
    }
    body = staff.put(f"{url}/policy", json=package).json()
    totals = body["policy"]["totals"]
    # The PUT replaces: the subsidy's honoured amount was left out, so it is gone.
    assert (totals["honoured_count"], totals["honoured_amount"]) == (2, 2000)
    assert totals["amount"] == 800
    missing = staff.patch(f"{url}/policy/incentives/99999", json={"version": body["version"]})
    assert missing.status_code == 404


def test_green_card_by_hand(staff, setup, clock):
    project = signed_project(staff, task_force_id=setup["task_force_id"])
    card = project["green_card"]
    url = f"/api/projects/{project['id']}/green-card"
    team = {"version": card["version"], "members": [SPECIALIST, LEADER]}
    response = staff.patch(url, json=team)
    assert response.status_code == 200, response.text
    card = response.json()
    assert card["members"] == [LEADER, SPECIALIST]
    assert (
        staff.patch(url, json={"version": card["version"], "members": ["ghost"]}).status_code == 422
    )
    clock.advance(hours=5)
    closed = staff.patch(
        url, json={"version": card["version"], "status": "closed", "closed_reason": "企业退出"}
    )
    assert closed.status_code == 200
    assert closed.json()["closed_at"] == "2026-03-02T09:00:00Z"
    stale = staff.patch(url, json={"version": card["version"], "status": "active"})
    assert stale.status_code == 409
    reopened = staff.patch(url, json={"version": closed.json()["version"], "status": "active"})
    assert reopened.json()["status"] == "active"
    assert reopened.json()["closed_at"] is None
    assert reopened.json()["card_no"] == card["card_no"]


def test_list_filters_and_paging(staff, setup, clock):
    tf = setup["task_force_id"]
    first = signed_project(staff, "甲公司", task_force_id=tf)
    clock.moment = datetime(2026, 4, 15, 4, 0, tzinfo=UTC)
    second = signed_project(staff, "乙公司", park=OTHER_PARK, specialist=OTHER_SPECIALIST)
    move(staff, second["lead_id"], "started")

    def ids(**params) -> list[int]:
        body = staff.get("/api/projects", params=params).json()
        assert body["total"] == len(body["items"])
        return [item["id"] for item in body["items"]]

    assert ids() == [second["id"], first["id"]]
    assert ids(stage="started") == [second["id"]]
    assert ids(park=PARK) == [first["id"]]
    assert ids(specialist=OTHER_SPECIALIST) == [second["id"]]
    assert ids(task_force_id=tf) == [first["id"]]
    assert ids(chain="new-display") == [second["id"], first["id"]]
    assert ids(chain="other") == []
    assert ids(signed_from="2026-04-01") == [second["id"]]
    assert ids(signed_to="2026-03-31") == [first["id"]]
    assert ids(q="甲") == [first["id"]]
    assert ids(card_status="active") == [second["id"], first["id"]]
    page = staff.get("/api/projects", params={"limit": 1, "offset": 1}).json()
    assert page["total"] == 2
    assert [p["id"] for p in page["items"]] == [first["id"]]
    assert staff.get("/api/projects", params={"stage": "nope"}).status_code == 422
    assert staff.get("/api/projects/99999").status_code == 404


def test_viewer_reads_but_may_not_write(staff, setup, login, table_counts):
    project = signed_project(staff)
    viewer = login("viewer")
    url = f"/api/projects/{project['id']}"
    assert viewer.get(url).status_code == 200
    assert viewer.get("/api/projects").status_code == 200
    before = table_counts()
    writes = [
        viewer.patch(url, json={"version": project["version"], "jobs_created": 1}),
        viewer.put(f"{url}/policy", json={"version": project["version"], "incentives": []}),
        viewer.post(f"{url}/funding", json={"date": "2026-03-01", "amount": 1}),
        viewer.patch(f"{url}/green-card", json={"version": 1, "status": "closed"}),
        viewer.post(f"{url}/tickets", json={"category": "land", "title": "用地"}),
    ]
    assert [r.status_code for r in writes] == [403] * len(writes)
    assert table_counts() == before


def test_specialist_writes_their_own_projects(staff, setup, login):
    specialist = login("specialist", "zhao-zy")
    own = signed_project(staff, specialist="zhao-zy")
    other = signed_project(staff, "华星光电")
    for project, status in ((own, 200), (other, 403)):
        response = specialist.patch(
            f"/api/projects/{project['id']}",
            json={"version": project["version"], "jobs_created": 9},
        )
        assert response.status_code == status, response.text
