import pytest

from tests.factories import chain_file, company, credit_code

# Real, published unified social credit codes (check characters per GB 32100-2015).
REAL_CODES = ["91110000600037341L", "91350100M000100Y43", "91440300708461136T"]


@pytest.fixture
def chain(staff):
    assert staff.post("/api/chains", json=chain_file()).status_code == 201
    return "new-display"


def test_create_and_read_a_company(staff, chain):
    body = company(
        "成都京东方光电科技有限公司",
        credit_code=REAL_CODES[0],
        province="四川",
        city="成都",
        segments=["new-display:panel", "new-display:glass-substrate"],
        tags=["leader", "listed"],
        revenue=1780.5,
        employees=8000,
    )
    created = staff.post("/api/companies", json=body)
    assert created.status_code == 201, created.text
    data = created.json()
    assert data["id"] > 0 and data["version"] == 1
    fetched = staff.get(f"/api/companies/{data['id']}").json()
    assert fetched["segments"] == ["new-display:glass-substrate", "new-display:panel"] or set(
        fetched["segments"]
    ) == {"new-display:glass-substrate", "new-display:panel"}
    assert fetched["tags"] == ["leader", "listed"]
    assert fetched["credit_code"] == REAL_CODES[0]
    assert fetched["revenue"] == 1780.5


@pytest.mark.parametrize("code", REAL_CODES)
def test_real_credit_codes_are_accepted(staff, code):
    response = staff.post("/api/companies", json=company(f"企业{code}", credit_code=code))
    assert response.status_code == 201, response.text


def test_credit_code_is_compacted_and_upper_cased(staff):
    response = staff.post(
        "/api/companies", json=company("某公司", credit_code=" 91350100m000100y43 ")
    )
    assert response.status_code == 201
    assert response.json()["credit_code"] == "91350100M000100Y43"


@pytest.mark.parametrize(
    "bad",
    [
        "91110000600037341X",  # wrong check character
        "9111000060003734",  # too short
        "91110000600037341LL",  # too long
        "91110000I00037341L",  # I is not in the character set
        "ABCDEFGHJKLMNPQRTU",
    ],
)
def test_invalid_credit_code_is_422_naming_the_field(staff, table_counts, bad):
    before = table_counts()
    response = staff.post("/api/companies", json=company("某公司", credit_code=bad))
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"][-1] == "credit_code"
    assert table_counts() == before


def test_duplicate_credit_code_is_409(staff, table_counts):
    code = credit_code(1)
    assert staff.post("/api/companies", json=company("甲", credit_code=code)).status_code == 201
    before = table_counts()
    response = staff.post("/api/companies", json=company("乙", credit_code=code))
    assert response.status_code == 409
    assert code in response.json()["detail"]
    assert table_counts() == before


def test_companies_without_credit_code_may_coexist(staff):
    for name in ("甲", "乙"):
        assert staff.post("/api/companies", json=company(name)).status_code == 201


@pytest.mark.parametrize(
    "change, field",
    [
        ({"segments": ["new-display:nowhere"]}, "segments"),
        ({"segments": ["panel"]}, "segments"),
        ({"tags": ["famous"]}, "tags"),
        ({"park": "不存在的园区", "is_local": True}, "park"),
        ({"revenue": -1}, "revenue"),
        ({"employees": "many"}, "employees"),
        ({"name": ""}, "name"),
    ],
)
def test_bad_fields_are_422_and_write_nothing(staff, chain, table_counts, change, field):
    before = table_counts()
    response = staff.post("/api/companies", json={**company("某公司"), **change})
    assert response.status_code == 422, response.text
    assert field in str(response.json()["detail"])
    assert table_counts() == before


def test_park_only_for_local_companies(staff):
    staff.post("/api/parks", json={"name": "高新区", "level": "national"})
    refused = staff.post("/api/companies", json=company("某公司", is_local=False, park="高新区"))
    assert refused.status_code == 422
    local = staff.post("/api/companies", json=company("某公司", is_local=True, park="高新区"))
    assert local.status_code == 201
    assert local.json()["park"] == "高新区"


def _ids(response) -> set[str]:
    assert response.status_code == 200, response.text
    return {c["name"] for c in response.json()["items"]}


def test_list_filters(staff, chain):
    staff.post("/api/parks", json={"name": "高新区", "level": "national"})
    rows = [
        company(
            "绵阳甲公司",
            is_local=True,
            city="绵阳",
            park="高新区",
            segments=["new-display:panel"],
            tags=["leader"],
        ),
        company(
            "深圳乙公司",
            city="深圳",
            province="广东",
            segments=["new-display:terminal"],
            tags=["srdi"],
        ),
        company("上海丙公司", city="上海", segments=["new-display:glass-substrate"]),
        company("百分_之%公司", city="上海"),
    ]
    for row in rows:
        assert staff.post("/api/companies", json=row).status_code == 201
    get = lambda **params: _ids(staff.get("/api/companies", params=params))  # noqa: E731
    assert get(is_local=True) == {"绵阳甲公司"}
    assert get(chain="new-display") == {"绵阳甲公司", "深圳乙公司", "上海丙公司"}
    assert get(segment="new-display:terminal") == {"深圳乙公司"}
    assert get(tag="srdi") == {"深圳乙公司"}
    assert get(city="上海") == {"上海丙公司", "百分_之%公司"}
    assert get(province="广东") == {"深圳乙公司"}
    assert get(park="高新区") == {"绵阳甲公司"}
    assert get(q="深圳") == {"深圳乙公司"}
    assert get(q="_之%") == {"百分_之%公司"}, "LIKE wildcards are taken literally"
    assert get(q="%") == {"百分_之%公司"}
    page = staff.get("/api/companies", params={"limit": 2, "offset": 0}).json()
    assert page["total"] == 4 and len(page["items"]) == 2
    assert staff.get("/api/companies", params={"tag": "famous"}).status_code == 422


def test_patch_changes_fields_and_bumps_version(staff, chain):
    created = staff.post("/api/companies", json=company("某公司")).json()
    patch = {"version": 1, "segments": ["new-display:panel"], "tags": ["srdi"], "city": "绵阳"}
    updated = staff.patch(f"/api/companies/{created['id']}", json=patch)
    assert updated.status_code == 200, updated.text
    assert updated.json()["version"] == 2
    assert updated.json()["segments"] == ["new-display:panel"]
    assert updated.json()["tags"] == ["srdi"]
    stale = staff.patch(f"/api/companies/{created['id']}", json={"version": 1, "city": "成都"})
    assert stale.status_code == 409
    assert staff.get(f"/api/companies/{created['id']}").json()["city"] == "绵阳市"


def test_patch_to_a_taken_credit_code_is_409(staff):
    staff.post("/api/companies", json=company("甲", credit_code=credit_code(1)))
    other = staff.post("/api/companies", json=company("乙")).json()
    response = staff.patch(
        f"/api/companies/{other['id']}", json={"version": 1, "credit_code": credit_code(1)}
    )
    assert response.status_code == 409


def test_delete_company(staff):
    created = staff.post("/api/companies", json=company("某公司")).json()
    assert staff.delete(f"/api/companies/{created['id']}").status_code == 204
    assert staff.get(f"/api/companies/{created['id']}").status_code == 404
    assert staff.delete(f"/api/companies/{created['id']}").status_code == 404


def test_chain_leader_marks_and_tags(staff, chain):
    created = staff.post("/api/companies", json=company("链主公司", is_local=True)).json()
    marked = staff.put(f"/api/chains/{chain}/leaders/{created['id']}")
    assert marked.status_code == 200
    assert marked.json()["leader_of"] == [chain]
    assert "leader" in marked.json()["tags"]
    leaders = staff.get(f"/api/chains/{chain}/leaders").json()
    assert [c["name"] for c in leaders["items"]] == ["链主公司"]
    assert staff.delete(f"/api/chains/{chain}/leaders/{created['id']}").status_code == 204
    assert staff.get(f"/api/chains/{chain}/leaders").json()["total"] == 0
    assert staff.put(f"/api/chains/nope/leaders/{created['id']}").status_code == 404


def test_parks_crud(staff, chain):
    created = staff.post(
        "/api/parks",
        json={
            "name": "绵阳高新区",
            "level": "national",
            "leading_chains": [chain],
            "area_mu": 12000,
        },
    )
    assert created.status_code == 201, created.text
    park = created.json()
    assert park["leading_chains"] == [chain]
    assert staff.post("/api/parks", json={"name": "绵阳高新区", "level": "city"}).status_code == 409
    bad = staff.post("/api/parks", json={"name": "乙", "level": "city", "leading_chains": ["x"]})
    assert bad.status_code == 422
    assert staff.post("/api/parks", json={"name": "乙", "level": "galactic"}).status_code == 422
    staff.post("/api/companies", json=company("园区企业", is_local=True, park="绵阳高新区"))
    listed = staff.get("/api/parks").json()
    assert listed["total"] == 1 and listed["items"][0]["company_count"] == 1
    assert staff.delete(f"/api/parks/{park['id']}").status_code == 409
    updated = staff.patch(f"/api/parks/{park['id']}", json={"version": 1, "level": "provincial"})
    assert updated.status_code == 200 and updated.json()["level"] == "provincial"
    stale = staff.patch(f"/api/parks/{park['id']}", json={"version": 1, "level": "city"})
    assert stale.status_code == 409
