"""Matching a lead's needs to sites, reserving them, and assigning them at signing."""

import threading
from datetime import date

import pytest

from crm.db import transaction
from crm.errors import Conflict
from crm.leads.models import Lead
from crm.parks import reservations
from tests.parks_world import CHAIN_PARK, OTHER_PARK, PARK, at, factory, new_company, parks, plot
from tests.signing import SPECIALIST


@pytest.fixture
def world(staff, clock, make_user):
    clock.moment = at(date(2026, 3, 2))
    make_user(SPECIALIST, "specialist")
    ids = parks(staff)
    return {"parks": ids}


def lead(client, name, *, park=PARK, investment=60000.0, **needs):
    body = {
        "company_id": new_company(client, name),
        "segment": "new-display:panel",
        "park": park,
        "expected_investment": investment,
    }
    created = client.post("/api/leads", json=body)
    assert created.status_code == 201, created.text
    lead_id = created.json()["id"]
    if needs:
        put = client.put(f"/api/leads/{lead_id}/needs", json=needs)
        assert put.status_code == 200, put.text
    return lead_id


def sites(client, lead_id):
    response = client.get(f"/api/leads/{lead_id}/sites")
    assert response.status_code == 200, response.text
    return response.json()


def test_sites_fit_the_needs_in_order_with_reasons(staff, world):
    # Fitting plots: intended park first (closest to the need first), then the chain's park.
    plot(staff, "A-120", area_mu=120, dual_power=True)
    plot(staff, "A-60", area_mu=60, dual_power=True)
    plot(staff, "B-100", park=CHAIN_PARK, area_mu=100, dual_power=True)
    # Not offered: too small, no dual power, not available, a park of neither tier.
    plot(staff, "A-40", area_mu=40, dual_power=True)
    plot(staff, "A-nopower", area_mu=80)
    plot(staff, "A-reserve", area_mu=80, dual_power=True, status="reserve")
    plot(staff, "C-90", park=OTHER_PARK, area_mu=90, dual_power=True)
    lead_id = lead(staff, "匹配科技", land_mu=50, dual_power=True)
    found = sites(staff, lead_id)
    assert [s["label"] for s in found["items"]] == ["A-60", "A-120", "B-100"]
    assert [s["tier"] for s in found["items"]] == ["intended_park", "intended_park", "chain_park"]
    first = found["items"][0]
    codes = [r["code"] for r in first["reasons"]]
    assert codes == ["intended_park", "land_area", "dual_power"]
    assert "60" in first["reasons"][1]["text"] and "50" in first["reasons"][1]["text"]
    assert found["unfit"] == []
    assert found["needs"]["land_mu"] == 50


def test_factory_hard_needs_filter_and_rank(staff, world):
    factory(staff, "1号楼", area_m2=3000, floor_load_kn=12, clean_room=True)
    factory(staff, "2号楼", area_m2=1500, floor_load_kn=12, clean_room=True)  # too small
    factory(staff, "3号楼", area_m2=2500, floor_load_kn=5, clean_room=True)  # load too low
    factory(staff, "4号楼", area_m2=2500, floor_load_kn=12)  # no clean room
    factory(staff, "5号楼", park=CHAIN_PARK, area_m2=2200, floor_load_kn=15, clean_room=True)
    factory(
        staff,
        "6号楼",
        area_m2=2100,
        floor_load_kn=12,
        clean_room=True,
        status="let",
        tenant_company_id=new_company(staff, "在租企业"),
    )
    lead_id = lead(staff, "洁净科技", factory_m2=2000, clean_room=True, floor_load_kn=10)
    found = sites(staff, lead_id)
    assert [(s["kind"], s["label"]) for s in found["items"]] == [
        ("factory", "1号楼 1"),
        ("factory", "5号楼 1"),
    ]
    assert [r["code"] for r in found["items"][0]["reasons"]] == [
        "intended_park",
        "factory_area",
        "clean_room",
        "floor_load",
    ]


def test_standard_land_thresholds_against_expected_investment(staff, world):
    put = staff.put(
        "/api/land/thresholds",
        json={"park": PARK, "investment_per_mu": 400, "tax_per_mu": 30},
    )
    assert put.status_code == 200, put.text
    plot(staff, "A-100", area_mu=100)  # 30000 / 100 = 300 < 400
    plot(staff, "A-70", area_mu=70)  # 30000 / 70 = 428.6 ≥ 400
    lead_id = lead(staff, "强度科技", investment=30000, land_mu=60)
    found = sites(staff, lead_id)
    assert [s["label"] for s in found["items"]] == ["A-70"]
    assert [s["label"] for s in found["unfit"]] == ["A-100"]
    (short,) = found["unfit"][0]["problems"]
    assert short["code"] == "intensity_short"
    assert short["params"] == {"value": 300.0, "threshold": 400.0}
    codes = [r["code"] for r in found["items"][0]["reasons"]]
    assert "intensity" in codes and "tax_commitment" in codes
    edited = staff.put(
        "/api/land/thresholds", json={"park": PARK, "investment_per_mu": 250, "tax_per_mu": 30}
    )
    assert edited.json()["id"] == put.json()["id"]
    assert [s["label"] for s in sites(staff, lead_id)["items"]] == ["A-70", "A-100"]
    assert staff.put("/api/land/thresholds", json={"tax_per_mu": 3}).status_code == 422


def test_reserve_then_sign_assigns_the_site_in_the_same_move(staff, world):
    made = plot(staff, "A-80", area_mu=80)
    unit = factory(staff, "7号楼", mode="sale")
    lead_id = lead(staff, "签约科技", land_mu=50)
    reserved = staff.post(f"/api/leads/{lead_id}/sites", json={"kind": "plot", "id": made["id"]})
    assert reserved.status_code == 200, reserved.text
    assert [s["label"] for s in reserved.json()["reserved"]] == ["A-80"]
    assert staff.get(f"/api/land/{made['id']}").json()["status"] == "reserved"
    both = staff.post(f"/api/leads/{lead_id}/sites", json={"kind": "factory", "id": unit["id"]})
    assert both.status_code == 200
    other = lead(staff, "晚到科技")
    late = staff.post(f"/api/leads/{other}/sites", json={"kind": "plot", "id": made["id"]})
    assert late.status_code == 409
    assert str(lead_id) in late.json()["detail"]
    assert (
        staff.post(
            f"/api/leads/{lead_id}/stage", json={"stage": "negotiating", "specialist": SPECIALIST}
        ).status_code
        == 200
    )
    signed = staff.post(
        f"/api/leads/{lead_id}/stage",
        json={"stage": "signed", "specialist": SPECIALIST, "park": PARK, "investment": 60000},
    )
    assert signed.status_code == 200, signed.text
    project_id = signed.json()["project_id"]
    land = staff.get(f"/api/land/{made['id']}").json()
    assert (land["status"], land["project_id"]) == ("supplied", project_id)
    assert land["holder"] == "签约科技"
    assert land["history"][-1]["to"] == "supplied"
    sold = staff.get(f"/api/factories/{unit['id']}").json()
    assert (sold["status"], sold["project_id"], sold["tenant"]) == ("sold", project_id, "签约科技")
    assert staff.get(f"/api/projects/{project_id}/needs").json()["land_mu"] == 50
    figures = staff.get(f"/api/parks/{world['parks'][PARK]}/figures").json()
    name = staff.get(f"/api/projects/{project_id}").json()["name"]
    assert figures["project_land"] == [
        {"project_id": project_id, "name": name, "land_mu": 80.0, "factory_m2": 2000.0}
    ]


def test_release_and_losing_the_lead_give_the_site_back(staff, world):
    first, second = plot(staff, "A-1", area_mu=60), plot(staff, "A-2", area_mu=60)
    lead_id = lead(staff, "放弃科技")
    for made in (first, second):
        staff.post(f"/api/leads/{lead_id}/sites", json={"kind": "plot", "id": made["id"]})
    released = staff.delete(f"/api/leads/{lead_id}/sites/plot/{first['id']}")
    assert released.status_code == 200, released.text
    assert staff.get(f"/api/land/{first['id']}").json()["status"] == "available"
    assert staff.delete(f"/api/leads/{lead_id}/sites/plot/{first['id']}").status_code == 409
    lost = staff.post(f"/api/leads/{lead_id}/stage", json={"stage": "lost", "reason": "转投他地"})
    assert lost.status_code == 200, lost.text
    assert staff.get(f"/api/land/{second['id']}").json()["status"] == "available"


def test_who_may_reserve(staff, world, login):
    made = plot(staff, "A-9")
    lead_id = lead(staff, "权限科技")
    viewer = login("viewer")
    assert viewer.get(f"/api/leads/{lead_id}/sites").status_code == 200
    refused = viewer.post(f"/api/leads/{lead_id}/sites", json={"kind": "plot", "id": made["id"]})
    assert refused.status_code == 403
    leader = login("leader")  # the lead is of no task force: the office's
    refused = leader.post(f"/api/leads/{lead_id}/sites", json={"kind": "plot", "id": made["id"]})
    assert refused.status_code == 403
    assert staff.get(f"/api/land/{made['id']}").json()["status"] == "available"
    assert (
        staff.post(f"/api/leads/{lead_id}/sites", json={"kind": "tower", "id": 1}).status_code
        == 422
    )
    assert (
        staff.post(f"/api/leads/{lead_id}/sites", json={"kind": "plot", "id": 99999}).status_code
        == 404
    )


def test_two_leads_reserving_one_site_at_once_one_wins(staff, world, db):
    """Two sessions (threads) reserve the same site for two leads at the same moment."""
    plot_ids = [plot(staff, f"R-{n}")["id"] for n in range(4)]
    leads = [lead(staff, "并发甲"), lead(staff, "并发乙")]
    for plot_id in plot_ids:
        barrier = threading.Barrier(2)
        outcomes: dict[int, str] = {}

        def attempt(lead_id: int, plot_id: int = plot_id, barrier=barrier, out=outcomes):
            try:
                with transaction(db) as session:
                    one = session.get(Lead, lead_id)
                    barrier.wait()
                    reservations.reserve(
                        session, one, "plot", plot_id, project=None, today=date(2026, 3, 2), by="t"
                    )
                out[lead_id] = "won"
            except Conflict:
                out[lead_id] = "refused"

        threads = [threading.Thread(target=attempt, args=(lead_id,)) for lead_id in leads]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert sorted(outcomes.values()) == ["refused", "won"], outcomes
        (winner,) = [lead_id for lead_id, outcome in outcomes.items() if outcome == "won"]
        land = staff.get(f"/api/land/{plot_id}").json()
        assert (land["status"], land["lead_id"]) == ("reserved", winner)
        assert [h["to"] for h in land["history"]].count("reserved") == 1
