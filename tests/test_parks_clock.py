"""The idle-land clock with a frozen clock: suspected idle at exactly one year, the fee, the
reclaim proposal at two years, a government-caused delay stopping the clock, and the sweep."""

from datetime import date, timedelta

import pytest

from tests.parks_world import at, move, new_company, parks, plot, supplied_plot


@pytest.fixture
def world(staff, clock):
    clock.moment = at(date(2025, 1, 10))
    ids = parks(staff)
    return {"parks": ids, "holder": new_company(staff, "闲置科技")}


def get(client, plot_id):
    response = client.get(f"/api/land/{plot_id}")
    assert response.status_code == 200, response.text
    return response.json()


def test_suspected_idle_exactly_one_year_after_the_contracted_start(staff, clock, world):
    made = supplied_plot(staff, "GX-01", world["holder"], date(2025, 3, 2), price=1234.5)
    clock.moment = at(date(2026, 3, 1))
    before = get(staff, made["id"])
    assert before["status"] == "supplied"
    assert before["fee_due"] is None
    assert before["clock"]["suspected_on"] == "2026-03-02"
    clock.moment = at(date(2026, 3, 2))
    after = get(staff, made["id"])
    assert after["status"] == "idle_suspected"
    assert after["idle_suspected_on"] == "2026-03-02"
    assert after["fee_due"] == pytest.approx(1234.5 * 0.2)
    assert after["fee_due_on"] == "2026-03-02"
    assert after["reclaim_proposed_on"] is None
    assert [(h["from"], h["to"], h["on"]) for h in after["history"]][-1] == (
        "supplied",
        "idle_suspected",
        "2026-03-02",
    )
    listed = staff.get("/api/land", params={"status": "idle_suspected"}).json()
    assert [item["plot_no"] for item in listed["items"]] == ["GX-01"]


def test_reclaim_is_proposed_at_two_years_and_marks_are_dated_when_they_fall(staff, clock, world):
    made = supplied_plot(staff, "GX-02", world["holder"], date(2024, 3, 2), price=800)
    clock.moment = at(date(2026, 3, 1))
    one_day_short = get(staff, made["id"])
    # A sweep run late dates the one-year mark on its own day, not on the sweep's.
    assert one_day_short["status"] == "idle_suspected"
    assert one_day_short["idle_suspected_on"] == "2025-03-02"
    assert one_day_short["fee_due"] == pytest.approx(160)
    assert one_day_short["reclaim_proposed_on"] is None
    clock.moment = at(date(2026, 3, 2))
    assert get(staff, made["id"])["reclaim_proposed_on"] == "2026-03-02"
    idle = staff.get("/api/land/idle").json()
    assert len(idle) == 1
    (entry,) = idle[0]["plots"]
    assert entry["reclaim_on"] == "2026-03-02"
    assert entry["fee_due"] == pytest.approx(160)
    assert entry["idle_days"] == (date(2026, 3, 2) - date(2024, 3, 2)).days


def test_a_government_caused_delay_stops_the_clock(staff, clock, world):
    made = supplied_plot(staff, "GX-03", world["holder"], date(2025, 3, 2))
    delay_from, delay_to = date(2025, 9, 1), date(2026, 4, 1)
    clock.moment = at(delay_from)
    flagged = staff.post(
        f"/api/land/{made['id']}/government-delay", json={"government_delay": True}
    )
    assert flagged.status_code == 200, flagged.text
    clock.moment = at(date(2026, 3, 31))
    held = get(staff, made["id"])
    assert held["status"] == "supplied"
    assert held["clock"]["stopped"] is True
    assert held["fee_due"] is None
    clock.moment = at(delay_to)
    cleared = staff.post(
        f"/api/land/{made['id']}/government-delay", json={"government_delay": False}
    )
    assert cleared.status_code == 200, cleared.text
    resumes_at = date(2026, 3, 2) + timedelta(days=(delay_to - delay_from).days)
    clock.moment = at(resumes_at - timedelta(days=1))
    assert get(staff, made["id"])["status"] == "supplied"
    clock.moment = at(resumes_at)
    after = get(staff, made["id"])
    assert after["status"] == "idle_suspected"
    assert after["idle_suspected_on"] == resumes_at.isoformat()


def test_stopped_work_below_a_third_built_counts_from_the_stop(staff, clock, world):
    low = supplied_plot(staff, "GX-04", world["holder"], date(2024, 6, 1))
    high = supplied_plot(staff, "GX-05", world["holder"], date(2024, 6, 1))
    for made, ratio in ((low, 0.3), (high, 0.4)):
        started = move(staff, made["id"], "started", on="2024-12-01")
        assert started.status_code == 200, started.text
        patch = {
            "version": started.json()["version"],
            "built_ratio": ratio,
            "invested_ratio": 0.5,
            "work_stopped_on": "2025-02-01",
        }
        assert staff.patch(f"/api/land/{made['id']}", json=patch).status_code == 200
    clock.moment = at(date(2026, 2, 1))
    assert get(staff, low["id"])["status"] == "idle_suspected"
    assert get(staff, high["id"])["status"] == "started"


def test_the_sweep_is_idempotent_and_audited(staff, clock, world, login):
    made = supplied_plot(staff, "GX-06", world["holder"], date(2024, 1, 1))
    clock.moment = at(date(2026, 3, 2))
    first = staff.post("/api/land/sweep")
    assert first.json() == {"changed": 1}
    assert staff.post("/api/land/sweep").json() == {"changed": 0}
    history = get(staff, made["id"])["history"]
    assert [h["to"] for h in history] == ["available", "supplied", "idle_suspected"]
    audit = staff.get("/api/audit", params={"entity": "land_plot", "limit": 100}).json()
    actors = {item["actor"] for item in audit["items"]}
    assert "system:idle-land-clock" in actors
    assert login("viewer").post("/api/land/sweep").status_code == 403


def test_status_moves_are_enforced(staff, clock, world, table_counts):
    made = supplied_plot(staff, "GX-07", world["holder"], date(2025, 6, 1))
    before = table_counts()
    skip = move(staff, made["id"], "fee_levied")
    assert skip.status_code == 409
    assert "supplied" in skip.json()["detail"]
    assert move(staff, made["id"], "reserved").status_code == 422
    assert move(staff, made["id"], "started", on="2099-01-01").status_code == 422
    assert table_counts() == before
    bare = plot(staff, "GX-08")
    refused = move(staff, bare["id"], "supplied")
    assert refused.status_code == 422
    assert "holder" in str(refused.json()["detail"])


def test_idle_plot_is_confirmed_levied_and_disposed_with_a_path(staff, clock, world):
    made = supplied_plot(staff, "GX-09", world["holder"], date(2024, 6, 1))
    clock.moment = at(date(2025, 7, 1))
    assert get(staff, made["id"])["status"] == "idle_suspected"
    assert move(staff, made["id"], "idle_confirmed").status_code == 200
    assert move(staff, made["id"], "fee_levied", note="决定书 2025-17").status_code == 200
    no_path = move(staff, made["id"], "disposed")
    assert no_path.status_code == 422
    done = move(staff, made["id"], "disposed", disposal_path="land_swap")
    assert done.status_code == 200, done.text
    body = done.json()
    assert body["status"] == "disposed"
    assert body["disposal_path"] == "land_swap"
    assert [h["to"] for h in body["history"]][-3:] == ["idle_confirmed", "fee_levied", "disposed"]
    assert all(h["on"] == "2025-07-01" for h in body["history"][-3:])


def test_plot_numbers_are_unique_per_park_and_bad_input_is_refused(staff, clock, world):
    plot(staff, "DUP-1")
    again = staff.post("/api/land", json={"park": "高新区", "plot_no": "DUP-1", "area_mu": 3})
    assert again.status_code == 409
    elsewhere = staff.post("/api/land", json={"park": "经开区", "plot_no": "DUP-1", "area_mu": 3})
    assert elsewhere.status_code == 201
    unknown = staff.post("/api/land", json={"park": "无此园区", "plot_no": "X", "area_mu": 3})
    assert unknown.status_code == 422
    negative = staff.post("/api/land", json={"park": "高新区", "plot_no": "Y", "area_mu": -3})
    assert negative.status_code == 422
    assert staff.get("/api/land/999999").status_code == 404
