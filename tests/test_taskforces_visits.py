"""Task forces, visits and trip plans, through the API."""

from datetime import date, timedelta

import pytest

from tests.factories import chain_file, company


@pytest.fixture
def world(staff, login):
    login("leader", "chen")
    login("staff", "li")
    assert staff.post("/api/chains", json=chain_file()).status_code == 201
    tf = staff.post(
        "/api/taskforces",
        json={
            "name": "深圳驻外中心",
            "kind": "center",
            "leader": "chen",
            "members": ["li", "staff1"],
            "focus_chains": ["new-display"],
            "base_city": "深圳",
        },
    )
    assert tf.status_code == 201, tf.text
    return tf.json()


def test_task_force_fields_and_counts(staff, world):
    assert world["kind"] == "center"
    assert world["leader"] == "chen"
    assert world["members"] == ["li", "staff1"]
    assert world["focus_chains"] == ["new-display"]
    assert world["base_city"] == "深圳市"
    assert world["lead_counts"]["identified"] == 0
    firm = staff.post("/api/companies", json=company("甲公司", city="深圳")).json()
    for _ in range(2):
        staff.post(
            "/api/leads",
            json={
                "company_id": firm["id"],
                "segment": "new-display:panel",
                "task_force_id": world["id"],
            },
        )
    listed = staff.get("/api/taskforces", params={"kind": "center"}).json()
    assert listed["total"] == 1
    assert listed["items"][0]["lead_counts"]["identified"] == 2
    assert listed["items"][0]["lead_counts"]["signed"] == 0
    assert staff.get("/api/taskforces", params={"member": "li"}).json()["total"] == 1
    assert staff.get("/api/taskforces", params={"member": "nobody"}).json()["total"] == 0


@pytest.mark.parametrize(
    "body, field",
    [
        ({"name": "x", "kind": "squad"}, "kind"),
        ({"name": "x", "kind": "group", "leader": "ghost"}, "leader"),
        ({"name": "x", "kind": "group", "members": ["ghost"]}, "members"),
        ({"name": "x", "kind": "group", "focus_chains": ["nope"]}, "focus_chains"),
        ({"kind": "group"}, "name"),
    ],
)
def test_bad_task_force_is_422(staff, world, table_counts, body, field):
    before = table_counts()
    response = staff.post("/api/taskforces", json=body)
    assert response.status_code == 422
    assert field in str(response.json()["detail"])
    assert table_counts() == before


def test_duplicate_task_force_name_is_409(staff, world):
    response = staff.post("/api/taskforces", json={"name": "深圳驻外中心", "kind": "center"})
    assert response.status_code == 409


def test_task_force_patch_and_stale_version(staff, world):
    updated = staff.patch(
        f"/api/taskforces/{world['id']}", json={"version": world["version"], "members": ["li"]}
    )
    assert updated.status_code == 200
    assert updated.json()["members"] == ["li"]
    assert updated.json()["version"] == world["version"] + 1
    stale = staff.patch(
        f"/api/taskforces/{world['id']}", json={"version": world["version"], "base_city": "广州"}
    )
    assert stale.status_code == 409
    assert staff.get(f"/api/taskforces/{world['id']}").json()["base_city"] == "深圳市"


def test_leader_may_not_create_task_forces(login, world):
    leader = login("leader", "zhao")
    assert (
        leader.post("/api/taskforces", json={"name": "新专班", "kind": "task_force"}).status_code
        == 403
    )


def test_visits_plan_record_and_offer_stage(staff, world):
    firm = staff.post("/api/companies", json=company("甲公司", city="深圳")).json()
    lead = staff.post(
        "/api/leads",
        json={
            "company_id": firm["id"],
            "segment": "new-display:panel",
            "task_force_id": world["id"],
        },
    ).json()
    planned = staff.post(
        "/api/visits",
        json={
            "lead_id": lead["id"],
            "date": "2026-12-03",
            "purpose": "首次拜访",
            "participants": ["chen", "li"],
        },
    )
    assert planned.status_code == 201, planned.text
    visit = planned.json()
    assert visit["status"] == "planned"
    assert visit["city"] == "深圳市", "the company's city by default"
    assert visit["task_force"]["id"] == world["id"], "the lead's task force by default"
    assert visit["suggested_stage"] is None
    done = staff.patch(
        f"/api/visits/{visit['id']}",
        json={
            "version": visit["version"],
            "status": "done",
            "outcome": "有意向",
            "next_step": "寄送政策",
        },
    )
    assert done.status_code == 200
    assert done.json()["suggested_stage"] == "visited"
    assert staff.get(f"/api/leads/{lead['id']}").json()["stage"] == "identified", (
        "not moved silently"
    )
    stale = staff.patch(
        f"/api/visits/{visit['id']}", json={"version": visit["version"], "status": "cancelled"}
    )
    assert stale.status_code == 409
    listed = staff.get("/api/visits", params={"lead_id": lead["id"], "status": "done"}).json()
    assert listed["total"] == 1
    in_range = staff.get("/api/visits", params={"date_from": "2026-12-01", "date_to": "2026-12-31"})
    assert in_range.json()["total"] == 1
    assert staff.get("/api/visits", params={"date_from": "2027-01-01"}).json()["total"] == 0


def test_bad_visits_are_422(staff, world, table_counts):
    before = table_counts()
    assert staff.post("/api/visits", json={"lead_id": 999, "date": "2026-12-03"}).status_code == 422
    assert staff.post("/api/visits", json={"lead_id": 1, "date": "someday"}).status_code == 422
    assert staff.post("/api/visits", json={"lead_id": 1}).status_code == 422
    assert table_counts() == before


TODAY = date(2026, 11, 25)


def test_trip_plan_groups_ranks_and_schedules(staff, world):
    """Three cities: 深圳 has two A leads, 上海 three C leads, 北京 one B lead whose company was
    visited last month (so it is left out) and one B lead visited long ago (kept)."""
    tf = world["id"]

    def lead(name: str, city: str, priority: str, investment: float = 0) -> int:
        firm = staff.post("/api/companies", json=company(name, city=city)).json()
        body = {
            "company_id": firm["id"],
            "segment": "new-display:panel",
            "task_force_id": tf,
            "priority": priority,
            "expected_investment": investment,
        }
        return staff.post("/api/leads", json=body).json()["id"]

    sz1 = lead("深圳一号", "深圳", "A", 100)
    sz2 = lead("深圳二号", "深圳", "A", 900)
    sh = [lead(f"上海{i}号", "上海", "C", i) for i in range(3)]
    bj_recent = lead("北京近访", "北京", "B")
    bj_old = lead("北京久访", "北京", "B")
    lost = lead("深圳流失", "深圳", "A")
    staff.post(f"/api/leads/{lost}/stage", json={"stage": "lost", "reason": "已落户他处"})
    other_tf = staff.post("/api/taskforces", json={"name": "另一专班", "kind": "task_force"}).json()
    firm = staff.post("/api/companies", json=company("深圳他组", city="深圳")).json()
    staff.post(
        "/api/leads",
        json={
            "company_id": firm["id"],
            "segment": "new-display:panel",
            "task_force_id": other_tf["id"],
            "priority": "A",
        },
    )
    for lead_id, when in (
        (bj_recent, TODAY - timedelta(days=30)),
        (bj_old, TODAY - timedelta(days=200)),
    ):
        visit = {"lead_id": lead_id, "date": when.isoformat(), "status": "done"}
        assert staff.post("/api/visits", json=visit).status_code == 201
    planned_recently = {
        "lead_id": sz1,
        "date": (TODAY - timedelta(days=5)).isoformat(),
        "status": "planned",
    }
    staff.post("/api/visits", json=planned_recently)  # planned, not done: still to visit

    response = staff.get(
        f"/api/taskforces/{tf}/trip-plan",
        params={"days": 2, "per_day": 1, "today": TODAY.isoformat()},
    )
    assert response.status_code == 200, response.text
    plan = response.json()
    assert [c["city"] for c in plan["cities"]] == ["深圳市", "上海市", "北京市"]
    shenzhen, shanghai, beijing = plan["cities"]
    assert shenzhen["score"] == 6 and shenzhen["leads"] == 2
    assert [d["visits"][0]["lead_id"] for d in shenzhen["days"]] == [sz2, sz1]
    assert shanghai["score"] == 3 and shanghai["leads"] == 3
    assert [d["day"] for d in shanghai["days"]] == [1, 2]
    assert [d["visits"][0]["lead_id"] for d in shanghai["days"]] == [sh[2], sh[1]]
    assert shanghai["unscheduled"] == 1
    assert beijing["leads"] == 1
    assert beijing["days"][0]["visits"][0]["lead_id"] == bj_old
    assert (
        beijing["days"][0]["visits"][0]["last_visit"] == (TODAY - timedelta(days=200)).isoformat()
    )

    one_city = staff.get(
        f"/api/taskforces/{tf}/trip-plan", params={"city": "上海", "today": TODAY.isoformat()}
    ).json()
    assert [c["city"] for c in one_city["cities"]] == ["上海市"]
    assert len(one_city["cities"][0]["days"][0]["visits"]) == 3
    assert staff.get(f"/api/taskforces/{tf}/trip-plan", params={"days": 0}).status_code == 422
    assert staff.get("/api/taskforces/999/trip-plan").status_code == 404
