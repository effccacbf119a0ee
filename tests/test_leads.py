"""Leads and their stage rules (SPEC §3), through the API."""

import pytest

from tests.factories import chain_file, company


@pytest.fixture
def setup(staff, login):
    login("leader", "chen")
    assert staff.post("/api/chains", json=chain_file()).status_code == 201
    task_force = staff.post(
        "/api/taskforces",
        json={
            "name": "新型显示专班",
            "kind": "task_force",
            "leader": "chen",
            "members": ["staff1"],
        },
    ).json()
    companies = [
        staff.post("/api/companies", json=company(name, city=city)).json()
        for name, city in [("深圳甲公司", "深圳"), ("上海乙公司", "上海"), ("北京丙公司", "北京")]
    ]
    return {"task_force": task_force, "companies": companies}


def new_lead(client, company_id: int, **fields) -> dict:
    body = {"company_id": company_id, "segment": "new-display:panel", **fields}
    response = client.post("/api/leads", json=body)
    assert response.status_code == 201, response.text
    return response.json()


def move(client, lead_id: int, **body):
    return client.post(f"/api/leads/{lead_id}/stage", json=body)


def stage_of(client, lead_id: int) -> str:
    return client.get(f"/api/leads/{lead_id}").json()["stage"]


def test_create_lead_starts_identified(staff, setup):
    lead = new_lead(
        staff,
        setup["companies"][0]["id"],
        task_force_id=setup["task_force"]["id"],
        owner="chen",
        priority="A",
        source="referral",
        expected_investment=120000,
        expected_jobs=800,
        next_follow_up="2026-12-01",
    )
    assert lead["stage"] == "identified"
    assert lead["history"] == []
    assert lead["warnings"] == []
    assert lead["segment"] == "new-display:panel"
    assert lead["chain"] == "new-display"
    assert lead["task_force"]["name"] == "新型显示专班"
    assert lead["owner"] == "chen"
    assert lead["priority"] == "A" and lead["source"] == "referral"
    assert lead["expected_investment"] == 120000


@pytest.mark.parametrize(
    "change, field",
    [
        ({"company_id": 9999}, "company_id"),
        ({"segment": "new-display:nowhere"}, "segment"),
        ({"segment": "panel"}, "segment"),
        ({"task_force_id": 9999}, "task_force_id"),
        ({"owner": "ghost"}, "owner"),
        ({"priority": "D"}, "priority"),
        ({"source": "rumour"}, "source"),
        ({"expected_investment": -5}, "expected_investment"),
    ],
)
def test_bad_lead_is_422_and_writes_nothing(staff, setup, table_counts, change, field):
    before = table_counts()
    body = {"company_id": setup["companies"][0]["id"], "segment": "new-display:panel", **change}
    response = staff.post("/api/leads", json=body)
    assert response.status_code == 422, response.text
    assert field in str(response.json()["detail"])
    assert table_counts() == before


def test_second_active_lead_for_same_company_and_segment_warns(staff, setup):
    company_id = setup["companies"][0]["id"]
    new_lead(staff, company_id)
    second = new_lead(staff, company_id)
    assert second["warnings"], "a duplicate active lead is allowed but warned about"
    other_segment = new_lead(staff, company_id, segment="new-display:terminal")
    assert other_segment["warnings"] == []


def test_forward_moves_may_skip_and_are_recorded(staff, setup):
    lead = new_lead(staff, setup["companies"][0]["id"])
    response = move(staff, lead["id"], stage="negotiating", note="直接进入洽谈")
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["stage"] == "negotiating"
    assert body["highest_stage"] == "negotiating"
    [entry] = body["history"]
    assert entry["from"] == "identified" and entry["to"] == "negotiating"
    assert entry["by"] == "staff1"
    assert entry["note"] == "直接进入洽谈"
    assert entry["reason"] is None
    assert entry["at"]


def test_backward_move_needs_a_reason(staff, setup, table_counts):
    lead = new_lead(staff, setup["companies"][0]["id"])
    move(staff, lead["id"], stage="visited")
    before = table_counts()
    refused = move(staff, lead["id"], stage="contacted")
    assert refused.status_code == 422
    assert "reason" in str(refused.json()["detail"])
    assert table_counts() == before
    assert stage_of(staff, lead["id"]) == "visited"
    allowed = move(staff, lead["id"], stage="contacted", reason="对方更换对接人")
    assert allowed.status_code == 200
    assert allowed.json()["stage"] == "contacted"
    assert allowed.json()["highest_stage"] == "visited"
    assert allowed.json()["history"][-1]["reason"] == "对方更换对接人"


@pytest.mark.parametrize("halt", ["paused", "lost"])
def test_pause_and_lose_need_a_reason_and_remember_the_stage(staff, setup, table_counts, halt):
    lead = new_lead(staff, setup["companies"][0]["id"])
    move(staff, lead["id"], stage="visited")
    before = table_counts()
    for reason in (None, "", "   "):
        body = {"stage": halt} if reason is None else {"stage": halt, "reason": reason}
        assert move(staff, lead["id"], **body).status_code == 422
    assert table_counts() == before
    halted = move(staff, lead["id"], stage=halt, reason="企业投资计划推迟")
    assert halted.status_code == 200
    assert halted.json()["stage"] == halt
    assert halted.json()["left_stage"] == "visited"
    assert halted.json()["halt_reason"] == "企业投资计划推迟"


def test_resume_from_paused_returns_to_the_stage_it_left(staff, setup):
    lead = new_lead(staff, setup["companies"][0]["id"])
    move(staff, lead["id"], stage="negotiating")
    move(staff, lead["id"], stage="paused", reason="等待董事会决策")
    resumed = move(staff, lead["id"], stage="resume")
    assert resumed.status_code == 200, resumed.text
    assert resumed.json()["stage"] == "negotiating"
    assert resumed.json()["left_stage"] is None
    assert resumed.json()["halt_reason"] is None
    # Naming the left stage explicitly is also a resume; moving back from it needs a reason.
    move(staff, lead["id"], stage="paused", reason="再次暂缓")
    assert move(staff, lead["id"], stage="contacted").status_code == 422
    assert move(staff, lead["id"], stage="negotiating").status_code == 200


def test_resume_of_an_active_lead_is_422(staff, setup):
    lead = new_lead(staff, setup["companies"][0]["id"])
    assert move(staff, lead["id"], stage="resume").status_code == 422


def test_reopening_a_lost_lead_needs_a_reason(staff, setup):
    lead = new_lead(staff, setup["companies"][0]["id"])
    move(staff, lead["id"], stage="contacted")
    move(staff, lead["id"], stage="lost", reason="选址他处")
    assert move(staff, lead["id"], stage="contacted").status_code == 422
    reopened = move(staff, lead["id"], stage="visited", reason="企业重新考虑")
    assert reopened.status_code == 200
    assert reopened.json()["stage"] == "visited"


@pytest.mark.parametrize(
    "body", [{"stage": "finished"}, {"stage": None}, {}, {"stage": "visited", "extra": 1}]
)
def test_unknown_stage_is_422(staff, setup, table_counts, body):
    lead = new_lead(staff, setup["companies"][0]["id"])
    before = table_counts()
    assert move(staff, lead["id"], **body).status_code == 422
    assert table_counts() == before


def test_same_stage_is_422(staff, setup):
    lead = new_lead(staff, setup["companies"][0]["id"])
    assert move(staff, lead["id"], stage="identified").status_code == 422


def test_started_before_signing_is_422(staff, setup, table_counts):
    lead = new_lead(staff, setup["companies"][0]["id"])
    before = table_counts()
    for stage in ("started", "producing"):
        response = move(staff, lead["id"], stage=stage)
        assert response.status_code == 422
        assert "signed" in str(response.json()["detail"])
    assert table_counts() == before


def test_move_with_stale_version_is_409(staff, setup):
    lead = new_lead(staff, setup["companies"][0]["id"])
    move(staff, lead["id"], stage="contacted")
    stale = move(staff, lead["id"], stage="visited", version=lead["version"])
    assert stale.status_code == 409
    assert stage_of(staff, lead["id"]) == "contacted"


def test_history_is_complete_and_oldest_first(staff, setup):
    lead = new_lead(staff, setup["companies"][0]["id"])
    steps = [
        {"stage": "contacted"},
        {"stage": "visited", "note": "实地考察"},
        {"stage": "paused", "reason": "资金紧张"},
        {"stage": "resume"},
        {"stage": "contacted", "reason": "退回重新对接"},
        {"stage": "lost", "reason": "落户外地"},
    ]
    for step in steps:
        assert move(staff, lead["id"], **step).status_code == 200, step
    history = staff.get(f"/api/leads/{lead['id']}").json()["history"]
    assert [(h["from"], h["to"]) for h in history] == [
        ("identified", "contacted"),
        ("contacted", "visited"),
        ("visited", "paused"),
        ("paused", "visited"),
        ("visited", "contacted"),
        ("contacted", "lost"),
    ]
    assert [h["reason"] for h in history] == [
        None,
        None,
        "资金紧张",
        None,
        "退回重新对接",
        "落户外地",
    ]
    assert history[1]["note"] == "实地考察"
    assert [h["at"] for h in history] == sorted(h["at"] for h in history)


def test_viewer_and_specialist_may_not_move_leads(staff, setup, login):
    lead = new_lead(staff, setup["companies"][0]["id"])
    for role in ("viewer", "specialist"):
        client = login(role)
        assert client.get(f"/api/leads/{lead['id']}").status_code == 200
        assert move(client, lead["id"], stage="contacted").status_code == 403
    assert stage_of(staff, lead["id"]) == "identified"


def test_leader_moves_the_leads_of_their_own_task_forces(setup, login, staff):
    task_force = setup["task_force"]
    lead = new_lead(staff, setup["companies"][0]["id"], task_force_id=task_force["id"])
    leader = login("leader", "zhao")
    assert move(leader, lead["id"], stage="contacted").status_code == 403
    joined = {"version": task_force["version"], "members": ["staff1", "zhao"]}
    assert staff.patch(f"/api/taskforces/{task_force['id']}", json=joined).status_code == 200
    assert move(leader, lead["id"], stage="contacted").status_code == 200


def test_filters_and_sorting(staff, setup):
    tf = setup["task_force"]["id"]
    a, b, c = (co["id"] for co in setup["companies"])
    one = new_lead(
        staff,
        a,
        priority="A",
        task_force_id=tf,
        owner="chen",
        expected_investment=500,
        next_follow_up="2020-01-01",
    )
    two = new_lead(
        staff,
        b,
        priority="B",
        segment="new-display:terminal",
        expected_investment=900,
        source="exhibition",
    )
    three = new_lead(staff, c, priority="C", task_force_id=tf, next_follow_up="2999-01-01")
    move(staff, two["id"], stage="visited")

    def ids(**params) -> list[int]:
        response = staff.get("/api/leads", params=params)
        assert response.status_code == 200, response.text
        body = response.json()
        assert body["total"] == len(body["items"])
        return [lead["id"] for lead in body["items"]]

    assert set(ids()) == {one["id"], two["id"], three["id"]}
    assert ids(stage="visited") == [two["id"]]
    assert set(ids(task_force_id=tf)) == {one["id"], three["id"]}
    assert ids(owner="chen") == [one["id"]]
    assert ids(priority="C") == [three["id"]]
    assert ids(segment="new-display:terminal") == [two["id"]]
    assert set(ids(chain="new-display")) == {one["id"], two["id"], three["id"]}
    assert ids(chain="other") == []
    assert ids(source="exhibition") == [two["id"]]
    assert ids(q="上海") == [two["id"]]
    assert ids(overdue=True) == [one["id"]]
    assert ids(sort="expected_investment") == [one["id"], two["id"], three["id"]]
    assert ids(sort="-expected_investment") == [two["id"], one["id"], three["id"]]
    page = staff.get("/api/leads", params={"limit": 2, "sort": "id"}).json()
    assert page["total"] == 3 and [x["id"] for x in page["items"]] == [one["id"], two["id"]]
    assert staff.get("/api/leads", params={"sort": "password"}).status_code == 422
    assert staff.get("/api/leads", params={"stage": "nope"}).status_code == 422
    listed = staff.get("/api/leads", params={"overdue": True}).json()["items"][0]
    assert listed["follow_up_overdue"] is True


def test_patch_lead_with_version(staff, setup):
    lead = new_lead(staff, setup["companies"][0]["id"])
    updated = staff.patch(
        f"/api/leads/{lead['id']}",
        json={"version": lead["version"], "priority": "A", "owner": "chen", "notes": "重点"},
    )
    assert updated.status_code == 200, updated.text
    assert updated.json()["priority"] == "A" and updated.json()["owner"] == "chen"
    stale = staff.patch(
        f"/api/leads/{lead['id']}", json={"version": lead["version"], "priority": "C"}
    )
    assert stale.status_code == 409
    assert staff.get(f"/api/leads/{lead['id']}").json()["priority"] == "A"


def test_stage_moves_are_audited(staff, setup):
    lead = new_lead(staff, setup["companies"][0]["id"])
    move(staff, lead["id"], stage="contacted")
    entries = staff.get(
        "/api/audit", params={"entity": "lead", "record_id": str(lead["id"])}
    ).json()
    assert any(e["changes"].get("stage") == ["identified", "contacted"] for e in entries["items"])
    changes = staff.get("/api/audit", params={"entity": "lead_stage_change"}).json()
    assert changes["total"] == 1


def test_company_with_leads_cannot_be_deleted(staff, setup):
    company_id = setup["companies"][0]["id"]
    new_lead(staff, company_id)
    response = staff.delete(f"/api/companies/{company_id}")
    assert response.status_code == 409
    assert "lead" in response.json()["detail"]
    assert staff.get(f"/api/companies/{company_id}").status_code == 200
