"""四库三台阶 through the API: dated tiers and their tags, the SME rule, liaisons, plans,
targets, the pyramid with its year's moves, and who may write."""

from collections import Counter
from datetime import date

import pytest

from tests.ladder_world import add_tier, city_leader, local_company


def tiers(client, company_id: int) -> list[dict]:
    return client.get(f"/api/companies/{company_id}/tiers").json()["items"]


def tags(client, company_id: int) -> list[str]:
    return client.get(f"/api/companies/{company_id}").json()["tags"]


def test_a_tier_is_dated_and_carries_its_tag(staff, clock):
    firm = local_company(staff, "云江精工")
    created = add_tier(
        staff, firm["id"], "srdi", "2024-06-01", source_document="川经信〔2024〕12号"
    )
    assert created.status_code == 201, created.text
    entry = created.json()
    assert entry["current"] is True and entry["left_on"] is None
    assert "srdi" in tags(staff, firm["id"])
    # A second open entry of the same tier: 409, and nothing changes.
    again = add_tier(staff, firm["id"], "srdi", "2025-01-01")
    assert again.status_code == 409
    assert len(tiers(staff, firm["id"])) == 1
    # Leaving before entering: 422.
    bad = staff.post(
        f"/api/tiers/{entry['id']}/end", json={"version": entry["version"], "left_on": "2024-01-01"}
    )
    assert bad.status_code == 422
    assert "left_on" in str(bad.json()["detail"])
    ended = staff.post(
        f"/api/tiers/{entry['id']}/end", json={"version": entry["version"], "left_on": "2025-12-31"}
    )
    assert ended.status_code == 200, ended.text
    assert ended.json()["current"] is False
    assert "srdi" not in tags(staff, firm["id"])
    # Ended once: ending again is a conflict; a stale version is 409 as well.
    assert (
        staff.post(
            f"/api/tiers/{entry['id']}/end",
            json={"version": ended.json()["version"], "left_on": "2026-01-01"},
        ).status_code
        == 409
    )
    stale = staff.patch(f"/api/tiers/{entry['id']}", json={"version": 1, "note": "旧"})
    assert stale.status_code == 409
    # Once ended, the firm may enter the tier again.
    assert add_tier(staff, firm["id"], "srdi", "2026-02-01").status_code == 201
    assert "srdi" in tags(staff, firm["id"])


def test_a_tag_stays_while_another_current_tier_carries_it_and_hand_tags_stay(staff, clock):
    firm = local_company(staff, "云江新材", tags=["listed"])
    champion = add_tier(staff, firm["id"], "champion", "2023-01-01").json()
    assert set(tags(staff, firm["id"])) == {"listed", "champion"}
    staff.post(
        f"/api/tiers/{champion['id']}/end",
        json={"version": champion["version"], "left_on": "2024-01-01"},
    )
    assert tags(staff, firm["id"]) == ["listed"]


@pytest.mark.parametrize("tier", ["srdi", "little_giant"])
def test_the_sme_rule_refuses_a_large_firm_on_the_tier_route(staff, clock, table_counts, tier):
    large = local_company(staff, "云江重工集团", employees=5000, revenue=120)
    before = table_counts()
    refused = add_tier(staff, large["id"], tier, "2025-05-01")
    assert refused.status_code == 422
    message = refused.json()["detail"][0]["msg"]
    assert "中小企业" in message and "1000" in message and "4亿元" in message
    assert table_counts() == before
    # One of the two measures alone keeps it an SME (工信部联企业〔2011〕300号).
    big_staff = local_company(staff, "云江电子", employees=3000, revenue=2)
    assert add_tier(staff, big_staff["id"], tier, "2025-05-01").status_code == 201


def test_a_fortune500_firm_is_no_sme(staff, clock):
    firm = local_company(staff, "环球五百强云江分公司", tags=["fortune500"], employees=100)
    refused = add_tier(staff, firm["id"], "srdi", "2025-05-01")
    assert refused.status_code == 422
    assert "世界500强" in refused.json()["detail"][0]["msg"]


def test_the_sme_rule_refuses_the_tag_on_the_company_routes(staff, clock, table_counts):
    before = table_counts()
    created = staff.post(
        "/api/companies",
        json={"name": "大厂", "tags": ["srdi"], "employees": 2000, "revenue": 10},
    )
    assert created.status_code == 422
    assert created.json()["detail"][0]["loc"] == ["body", "tags"]
    assert "专精特新" in created.json()["detail"][0]["msg"]
    assert table_counts() == before
    firm = local_company(staff, "大厂二", employees=2000, revenue=10)
    patched = staff.patch(
        f"/api/companies/{firm['id']}", json={"version": firm["version"], "tags": ["little_giant"]}
    )
    assert patched.status_code == 422
    assert tags(staff, firm["id"]) == []


def test_upgrade_pool_only_below_designated_size_and_local_only(staff, clock, db):
    from crm.db import transaction
    from crm.evaluation.models import CompanyYear

    firm = local_company(staff, "规上企业")
    with transaction(db) as session:
        session.add(CompanyYear(company_id=firm["id"], year=2025, above_size=True))
    refused = add_tier(staff, firm["id"], "upgrade", "2026-01-10")
    assert refused.status_code == 422
    assert "规上" in refused.json()["detail"][0]["msg"]
    outsider = staff.post("/api/companies", json={"name": "外地企业", "is_local": False}).json()
    assert add_tier(staff, outsider["id"], "champion", "2026-01-10").status_code == 422


def test_liaison_must_be_a_city_leader_and_keeps_history(staff, clock, db, make_user):
    firm = local_company(staff, "云江光电")
    make_user("plain", "viewer")
    refused = staff.put(
        f"/api/companies/{firm['id']}/liaison", json={"leader": "plain", "since": "2025-01-01"}
    )
    assert refused.status_code == 422
    assert "市领导" in refused.json()["detail"][0]["msg"]
    first = city_leader(db, make_user, "mayor1")
    second = city_leader(db, make_user, "mayor2")
    url = f"/api/companies/{firm['id']}/liaison"
    assert staff.put(url, json={"leader": first, "since": "2025-01-01"}).status_code == 200
    assert staff.put(url, json={"leader": second, "since": "2026-01-01"}).status_code == 200
    ladder = staff.get(f"/api/companies/{firm['id']}/ladder").json()
    assert ladder["liaison"]["leader"] == second
    history = [(li["leader"], li["since"], li["until"]) for li in ladder["liaison_history"]]
    assert history == [(second, "2026-01-01", None), (first, "2025-01-01", "2026-01-01")]


def test_plan_crud_with_version(staff, clock, table_counts):
    firm = local_company(staff, "云江材料")
    url = f"/api/companies/{firm['id']}/plans/2026"
    measure = {"text": "协调新增用地20亩", "responsible_unit": "自然资源局", "due_on": "2026-06-30"}
    created = staff.put(url, json={"status": "active", "measures": [measure]})
    assert created.status_code == 200, created.text
    plan = created.json()
    assert plan["measures"][0]["status"] == "planned"
    # Changing an existing plan needs its version; a stale one is 409 and changes nothing.
    assert staff.put(url, json={"status": "done"}).status_code == 422
    changed = staff.put(
        url,
        json={
            "version": plan["version"],
            "status": "active",
            "measures": [{**measure, "status": "done"}, {"text": "申报省级技改资金"}],
        },
    )
    assert changed.status_code == 200
    assert [m["status"] for m in changed.json()["measures"]] == ["done", "planned"]
    before = table_counts()
    stale = staff.put(url, json={"version": plan["version"], "status": "done"})
    assert stale.status_code == 409
    assert table_counts() == before
    assert staff.get(url).json()["status"] == "active"
    bad = staff.put(
        url,
        json={"version": changed.json()["version"], "measures": [{"text": "x", "status": "maybe"}]},
    )
    assert bad.status_code == 422
    deleted = staff.delete(url, params={"version": changed.json()["version"]})
    assert deleted.status_code == 204
    assert staff.get(url).status_code == 404
    audit = staff.get("/api/audit", params={"entity": "firm_plan"})
    assert audit.status_code == 200


def test_targets_and_progress(staff, clock):
    firm = local_company(staff, "云江小厂")
    add_tier(staff, firm["id"], "upgrade", "2026-02-01")
    put = staff.put("/api/ladder/targets/2026", json={"targets": {"upgrade": 30, "srdi": 10}})
    assert put.status_code == 200, put.text
    items = {i["tier"]: i for i in put.json()["items"]}
    assert items["upgrade"] == {"tier": "upgrade", "target": 30, "entered": 1}
    assert items["srdi"]["target"] == 10 and items["champion"]["target"] is None
    staff.put("/api/ladder/targets/2026", json={"targets": {"upgrade": 25}})
    again = {i["tier"]: i["target"] for i in staff.get("/api/ladder/targets/2026").json()["items"]}
    assert again["upgrade"] == 25 and again["srdi"] == 10
    assert (
        staff.put("/api/ladder/targets/2026", json={"targets": {"upgrade": -1}}).status_code == 422
    )
    assert staff.put("/api/ladder/targets/2026", json={"targets": {"gold": 1}}).status_code == 422


HISTORY = [  # (firm, tier, entered, left)
    ("甲", "upgrade", "2022-03-01", "2024-05-01"),
    ("甲", "srdi", "2024-05-01", None),  # up in 2024
    ("乙", "srdi", "2023-01-01", None),
    ("乙", "little_giant", "2025-07-01", None),  # up in 2025 (keeps srdi)
    ("丙", "upgrade", "2025-02-01", None),
    ("丁", "upgrade", "2021-01-01", "2025-03-01"),  # left the pool in 2025, no higher tier
    ("戊", "champion", "2025-09-01", None),  # straight in: not a move up
    ("己", "large_group", "2020-01-01", None),
]


def expected(year: int) -> dict[str, dict[str, int]]:
    start, end = date(year, 1, 1), date(year, 12, 31)
    rows = [
        (f, t, date.fromisoformat(e), date.fromisoformat(lft) if lft else None)
        for f, t, e, lft in HISTORY
    ]
    order = ["upgrade", "srdi", "little_giant", "champion", "large_group"]
    counts = {k: Counter() for k in ("current", "entered", "left", "moved_up")}
    for firm, tier, entered, left in rows:
        if entered <= end and (left is None or left > end):
            counts["current"][tier] += 1
        if start <= entered <= end:
            counts["entered"][tier] += 1
            if any(
                f == firm
                and order.index(t) < order.index(tier)
                and e < entered
                and (lf is None or lf >= entered)
                for f, t, e, lf in rows
            ):
                counts["moved_up"][tier] += 1
        if left is not None and start <= left <= end:
            counts["left"][tier] += 1
    return counts


@pytest.mark.parametrize("year", [2024, 2025])
def test_the_pyramid_counts_and_moves_equal_those_computed_here(staff, clock, year):
    firms = {}
    for firm, tier, entered, left in HISTORY:
        if firm not in firms:
            firms[firm] = local_company(staff, f"梯队企业{firm}")["id"]
        response = add_tier(staff, firms[firm], tier, entered, left_on=left)
        assert response.status_code == 201, response.text
    pyramid = staff.get("/api/ladder/pyramid", params={"year": year})
    assert pyramid.status_code == 200
    rows = {r["tier"]: r for r in pyramid.json()["rows"]}
    assert list(rows)[0] == "large_group"  # the top first
    want = expected(year)
    for tier, row in rows.items():
        for key in ("current", "entered", "left", "moved_up"):
            assert row[key] == want[key][tier], (tier, key)
    assert sum(r["moved_up"] for r in rows.values()) == 1  # exactly one move up each year
    # The firms of a tier at that year's end match the pyramid.
    listed = staff.get("/api/ladder/firms", params={"year": year, "tier": "srdi"}).json()
    assert listed["total"] == rows["srdi"]["current"]
    export = staff.get("/api/ladder/firms/export", params={"year": year})
    assert export.status_code == 200
    assert export.content[:2] == b"PK"  # an XLSX


def test_firms_per_tier_filters(staff, clock, db, make_user):
    a = local_company(staff, "园区甲企业")
    b = local_company(staff, "园区乙企业")
    add_tier(staff, a["id"], "srdi", "2025-01-01")
    add_tier(staff, b["id"], "upgrade", "2025-01-01")
    leader = city_leader(db, make_user, "mayor9")
    staff.put(f"/api/companies/{a['id']}/liaison", json={"leader": leader, "since": "2025-01-01"})
    by_tier = staff.get("/api/ladder/firms", params={"tier": "upgrade"}).json()
    assert [i["company"] for i in by_tier["items"]] == ["园区乙企业"]
    by_liaison = staff.get("/api/ladder/firms", params={"liaison": leader}).json()
    assert by_liaison["total"] == 1 and by_liaison["items"][0]["liaison"] == leader
    assert staff.get("/api/ladder/firms", params={"tier": "gold"}).status_code == 422


def test_roles_viewer_and_leader_may_not_write(login, staff, clock, table_counts):
    firm = local_company(staff, "只读企业")
    entry = add_tier(staff, firm["id"], "upgrade", "2025-01-01").json()
    viewer = login("viewer")
    leader = login("leader")
    before = table_counts()
    for client in (viewer, leader):
        assert add_tier(client, firm["id"], "srdi", "2025-01-01").status_code == 403
        assert client.put(f"/api/companies/{firm['id']}/plans/2026", json={}).status_code == 403
        assert client.put("/api/ladder/targets/2026", json={"targets": {}}).status_code == 403
        assert client.get("/api/ladder/pyramid").status_code == 200
    # Deleting an entry: administrators only.
    assert staff.delete(f"/api/tiers/{entry['id']}").status_code == 403
    assert table_counts() == before
    admin = login("admin")
    assert admin.delete(f"/api/tiers/{entry['id']}").status_code == 204
