"""What projects carry for leadership's reports: name, agreement type, investor origin,
fixed-asset investment, county, and the source region of funding, through the API."""

import pytest

from tests.factories import company
from tests.signing import move, prepare, sign


@pytest.fixture
def setup(staff, make_user, clock) -> dict:
    return prepare(staff, make_user)


def negotiating(staff, name: str, **place) -> int:
    firm = staff.post("/api/companies", json=company(name, **place))
    assert firm.status_code == 201, firm.text
    lead = staff.post(
        "/api/leads",
        json={"company_id": firm.json()["id"], "segment": "new-display:panel"},
    )
    assert lead.status_code == 201, lead.text
    assert move(staff, lead.json()["id"], "negotiating").status_code == 200
    return lead.json()["id"]


def signed(staff, lead_id: int, **terms) -> dict:
    response = sign(staff, lead_id, **terms)
    assert response.status_code == 200, response.text
    return staff.get(f"/api/projects/{response.json()['project_id']}").json()


@pytest.mark.parametrize(
    ("place", "origin"),
    [
        ({"city": "深圳", "province": "广东"}, "other_province"),
        ({"city": "成都市", "province": "四川省"}, "other_city"),
        ({"city": "江油", "province": "四川"}, "local"),  # a county of the home city (510700)
        ({"city": "云江市", "province": "四川"}, "local"),  # the register's name for it
        ({"city": "香港"}, "overseas"),
        ({"city": "台北", "province": "台湾"}, "overseas"),
        ({"city": "东京", "province": "日本"}, None),  # unknown: left for a person to set
        ({"city": "深圳", "is_local": True}, "local"),  # already operating here
    ],
)
def test_investor_origin_is_derived_from_the_companys_place(staff, setup, place, origin):
    project = signed(staff, negotiating(staff, "甲公司", **place))
    assert project["investor_origin"] == origin


def test_signing_defaults_name_and_a_formal_agreement(staff, setup):
    project = signed(staff, negotiating(staff, "宁德储能科技", city="宁德"))
    assert project["name"] == "宁德储能科技面板项目"
    assert project["agreement_type"] == "formal"
    assert project["county"] is None and project["fixed_asset_investment"] is None


def test_signing_takes_a_name_and_a_framework_agreement(staff, setup):
    lead_id = negotiating(staff, "宁德储能科技", city="宁德")
    project = signed(
        staff, lead_id, project_name="年产10GWh储能电池项目", agreement_type="framework"
    )
    assert project["name"] == "年产10GWh储能电池项目"
    assert project["agreement_type"] == "framework"


def test_signing_refuses_an_unknown_agreement_type(staff, setup, table_counts):
    lead_id = negotiating(staff, "甲公司", city="深圳")
    before = table_counts()
    refused = sign(staff, lead_id, agreement_type="memorandum")
    assert refused.status_code == 422
    assert "agreement_type" in refused.text
    assert table_counts() == before


def test_project_fields_round_trip(staff, setup):
    project = signed(staff, negotiating(staff, "甲公司", city="深圳", province="广东"))
    patch = {
        "version": project["version"],
        "name": "年产10GWh储能电池项目",
        "agreement_type": "framework",
        "investor_origin": "overseas",
        "fixed_asset_investment": 65000.5,
        "county": "江油",
    }
    updated = staff.patch(f"/api/projects/{project['id']}", json=patch)
    assert updated.status_code == 200, updated.text
    again = staff.get(f"/api/projects/{project['id']}").json()
    assert again["name"] == "年产10GWh储能电池项目"
    assert again["agreement_type"] == "framework"
    assert again["investor_origin"] == "overseas"
    assert again["fixed_asset_investment"] == 65000.5
    assert (again["county"], again["county_code"]) == ("江油市", "510781")
    listed = staff.get("/api/projects").json()["items"]
    assert listed[0]["agreement_type"] == "framework" and listed[0]["county"] == "江油市"
    cleared = staff.patch(
        f"/api/projects/{project['id']}", json={"version": again["version"], "county": None}
    )
    assert cleared.json()["county"] is None and cleared.json()["county_code"] is None


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("agreement_type", "memorandum"),
        ("agreement_type", None),
        ("investor_origin", "abroad"),
        ("fixed_asset_investment", -1),
        ("county", "南山区"),  # a district, but of 深圳市, not of the home city
        ("name", ""),
    ],
)
def test_bad_project_fields_are_refused(staff, setup, field, value):
    project = signed(staff, negotiating(staff, "甲公司", city="深圳"))
    refused = staff.patch(
        f"/api/projects/{project['id']}", json={"version": project["version"], field: value}
    )
    assert refused.status_code == 422, refused.text
    assert field in refused.text
    assert staff.get(f"/api/projects/{project['id']}").json()["version"] == project["version"]


def test_a_funding_entry_carries_its_source_region(staff, setup):
    project = signed(staff, negotiating(staff, "甲公司", city="深圳"))
    url = f"/api/projects/{project['id']}/funding"
    by_default = staff.post(url, json={"date": "2026-03-01", "amount": 5000})
    assert by_default.status_code == 201, by_default.text
    assert by_default.json()["source_region"] == "other_province", "the investor's origin"
    told = staff.post(url, json={"date": "2026-03-02", "amount": 100, "source_region": "local"})
    assert told.json()["source_region"] == "local"
    bad = staff.post(url, json={"date": "2026-03-02", "amount": 100, "source_region": "mars"})
    assert bad.status_code == 422
    funding = staff.get(f"/api/projects/{project['id']}").json()["funding"]
    assert [e["source_region"] for e in funding] == ["other_province", "local"]


def test_the_home_citys_counties_are_listed(staff):
    listed = staff.get("/api/projects/counties")
    assert listed.status_code == 200, listed.text
    body = listed.json()
    assert body["city"] == {"code": "510700", "name": "云江市"}
    names = [c["name"] for c in body["counties"]]
    assert "江油市" in names and "涪城区" in names and len(names) == 9


def test_projects_filter_by_what_reports_count(staff, setup):
    framework = signed(staff, negotiating(staff, "甲公司", city="深圳"), agreement_type="framework")
    formal = signed(staff, negotiating(staff, "乙公司", city="成都"))
    staff.patch(
        f"/api/projects/{formal['id']}", json={"version": formal["version"], "county": "江油市"}
    )

    def ids(**params) -> list[int]:
        response = staff.get("/api/projects", params=params)
        assert response.status_code == 200, response.text
        return [p["id"] for p in response.json()["items"]]

    assert ids(agreement_type="framework") == [framework["id"]]
    assert ids(agreement_type="formal") == [formal["id"]]
    assert ids(investor_origin="other_city") == [formal["id"]]
    assert ids(county="江油") == ids(county="江油市") == [formal["id"]]
    assert staff.get("/api/projects", params={"agreement_type": "mou"}).status_code == 422
