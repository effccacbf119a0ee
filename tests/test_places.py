"""Places are normalised on the way in: 深圳 and 深圳市 are one city, 重庆 and 重庆市 too.

Filters accept either spelling; a place China's divisions do not know is kept as typed and
flagged, never refused.
"""

from datetime import date

import pytest

from tests.factories import chain_file, company

TODAY = date(2026, 11, 20)


@pytest.fixture
def chain(staff):
    assert staff.post("/api/chains", json=chain_file()).status_code == 201


def make_company(staff, name: str, **fields) -> dict:
    response = staff.post("/api/companies", json=company(name, **fields))
    assert response.status_code == 201, response.text
    return response.json()


def names(response) -> set[str]:
    assert response.status_code == 200, response.text
    return {
        item["name"] if "name" in item else item["company"]["name"]
        for item in response.json()["items"]
    }


def test_companies_are_stored_under_the_full_names(staff):
    short = make_company(staff, "深圳甲公司", city="深圳", province="广东")
    full = make_company(staff, "深圳乙公司", city="深圳市", province="广东省")
    for created in (short, full):
        assert created["city"] == "深圳市"
        assert created["province"] == "广东省"
        assert created["city_code"] == "440300"
        assert created["place_unrecognised"] == []
    municipality = make_company(staff, "重庆丙公司", city="重庆", province="重庆")
    assert (municipality["city"], municipality["province"]) == ("重庆市", "重庆市")
    assert municipality["city_code"] == "500000"
    # A prefecture-level city without counties of its own, and a county-level city.
    dongguan = make_company(staff, "东莞戊公司", city="东莞")
    assert (dongguan["city"], dongguan["city_code"]) == ("东莞市", "441900")
    kunshan = make_company(staff, "昆山己公司", city="昆山")
    assert (kunshan["city"], kunshan["city_code"]) == ("昆山市", "320583")


def test_company_filters_accept_either_spelling(staff):
    make_company(staff, "深圳甲公司", city="深圳", province="广东")
    make_company(staff, "深圳乙公司", city="深圳市", province="广东省")
    make_company(staff, "青岛丙公司", city="青岛市", province="山东")
    make_company(staff, "上海丁公司", city="上海")
    for spelling in ("深圳", "深圳市", " 深圳 "):
        found = names(staff.get("/api/companies", params={"city": spelling}))
        assert found == {"深圳甲公司", "深圳乙公司"}, spelling
    assert names(staff.get("/api/companies", params={"city": "青岛"})) == {"青岛丙公司"}
    assert names(staff.get("/api/companies", params={"city": "上海市"})) == {"上海丁公司"}
    for spelling in ("广东", "广东省"):
        found = names(staff.get("/api/companies", params={"province": spelling}))
        assert found == {"深圳甲公司", "深圳乙公司"}


def test_an_unknown_place_is_kept_as_typed_and_flagged(staff):
    abroad = make_company(staff, "东京株式会社", city="东京", province="日本")
    assert (abroad["city"], abroad["province"]) == ("东京", "日本")
    assert abroad["city_code"] is None
    assert abroad["place_unrecognised"] == ["province", "city"]
    assert names(staff.get("/api/companies", params={"city": "东京"})) == {"东京株式会社"}
    # A start shared by several cities (张家口市, 张家界市, 张家港市) recognises none.
    vague = make_company(staff, "张家公司", city="张家")
    assert vague["city"] == "张家" and vague["place_unrecognised"] == ["city"]


def test_an_update_normalises_too(staff):
    created = make_company(staff, "甲公司", city="成都")
    patched = staff.patch(
        f"/api/companies/{created['id']}", json={"version": created["version"], "city": "青岛"}
    )
    assert patched.status_code == 200, patched.text
    assert (patched.json()["city"], patched.json()["city_code"]) == ("青岛市", "370200")


def test_lead_filters_accept_either_spelling(staff, chain):
    for name, city in (("深圳甲公司", "深圳"), ("深圳乙公司", "深圳市"), ("北京丙公司", "北京")):
        firm = make_company(staff, name, city=city)
        lead = {"company_id": firm["id"], "segment": "new-display:panel"}
        assert staff.post("/api/leads", json=lead).status_code == 201
    for spelling in ("深圳", "深圳市"):
        found = names(staff.get("/api/leads", params={"city": spelling}))
        assert found == {"深圳甲公司", "深圳乙公司"}
    assert names(staff.get("/api/leads", params={"province": "北京"})) == set()
    assert names(staff.get("/api/leads", params={"city": "北京市"})) == {"北京丙公司"}


@pytest.mark.parametrize("base_city", ["重庆", "重庆市"])
def test_a_centres_trip_plan_for_its_base_city(staff, chain, base_city):
    centre = staff.post(
        "/api/taskforces", json={"name": "驻重庆中心", "kind": "center", "base_city": base_city}
    ).json()
    assert centre["base_city"] == "重庆市"
    for name, city in (("重庆甲公司", "重庆"), ("重庆乙公司", "重庆市"), ("成都丙公司", "成都")):
        firm = make_company(staff, name, city=city)
        lead = {
            "company_id": firm["id"],
            "segment": "new-display:panel",
            "task_force_id": centre["id"],
        }
        assert staff.post("/api/leads", json=lead).status_code == 201
    for spelling in (base_city, "重庆", "重庆市"):
        plan = staff.get(
            f"/api/taskforces/{centre['id']}/trip-plan",
            params={"city": spelling, "today": TODAY.isoformat()},
        )
        assert plan.status_code == 200, plan.text
        cities = plan.json()["cities"]
        assert [c["city"] for c in cities] == ["重庆市"]
        assert cities[0]["leads"] == 2


def test_visit_cities_and_their_filter(staff, chain):
    firm = make_company(staff, "深圳甲公司", city="深圳")
    lead = staff.post("/api/leads", json={"company_id": firm["id"], "segment": "new-display:panel"})
    lead_id = lead.json()["id"]
    typed = staff.post(
        "/api/visits", json={"lead_id": lead_id, "date": "2026-11-02", "city": "广州"}
    )
    assert typed.status_code == 201, typed.text
    assert typed.json()["city"] == "广州市"
    by_default = staff.post("/api/visits", json={"lead_id": lead_id, "date": "2026-11-03"})
    assert by_default.json()["city"] == "深圳市"
    for spelling in ("广州", "广州市"):
        found = staff.get("/api/visits", params={"city": spelling}).json()
        assert [v["id"] for v in found["items"]] == [typed.json()["id"]]
