import copy

import pytest

from tests.factories import chain_file


def test_create_returns_segments_and_links(staff):
    response = staff.post("/api/chains", json=chain_file())
    assert response.status_code == 201, response.text
    chain = response.json()
    assert chain["code"] == "new-display"
    assert chain["segment_count"] == 5
    assert chain["direction_count"] == 2
    by_code = {s["code"]: s for s in chain["segments"]}
    assert by_code["glass-substrate"]["parent"] == "materials"
    assert by_code["materials"]["is_leaf"] is False
    assert by_code["panel"]["products"] == ["LCD", "OLED"]
    assert {"from": "panel", "to": "terminal"} in chain["links"]


def test_export_round_trips_the_file_exactly(staff):
    file = chain_file(description="显示产业链", focus=True)
    assert staff.post("/api/chains", json=file).status_code == 201
    assert staff.get("/api/chains/new-display/export").json() == file


def test_exported_file_recreates_the_same_chain(staff):
    staff.post("/api/chains", json=chain_file())
    before = staff.get("/api/chains/new-display").json()
    exported = staff.get("/api/chains/new-display/export").json()
    assert staff.delete("/api/chains/new-display").status_code == 204
    assert staff.post("/api/chains", json=exported).status_code == 201
    after = staff.get("/api/chains/new-display").json()
    strip = lambda chain: [{k: v for k, v in s.items() if k != "id"} for s in chain["segments"]]  # noqa: E731
    assert strip(after) == strip(before)
    assert after["links"] == before["links"]


def test_cross_chain_links(staff):
    materials = chain_file(
        "new-materials",
        name="新材料",
        segments=[
            {
                "code": "glass",
                "name": "特种玻璃",
                "stage": "upstream",
                "parent": None,
                "direction": False,
                "products": [],
            },
        ],
        links=[],
    )
    assert staff.post("/api/chains", json=materials).status_code == 201
    display = chain_file()
    display["links"].append({"from": "new-materials:glass", "to": "glass-substrate"})
    display["links"].append({"from": "terminal", "to": "new-materials:glass"})
    assert staff.post("/api/chains", json=display).status_code == 201, (
        "cross-chain cycle is allowed"
    )
    exported = staff.get("/api/chains/new-display/export").json()
    assert exported["links"][-2:] == [
        {"from": "new-materials:glass", "to": "glass-substrate"},
        {"from": "terminal", "to": "new-materials:glass"},
    ]


def _with(file: dict, change) -> dict:
    file = copy.deepcopy(file)
    change(file)
    return file


REFUSALS = {
    "cycle": (
        lambda f: f["links"].append({"from": "terminal", "to": "glass-substrate"}),
        "cycle",
    ),
    "self link": (lambda f: f["links"].append({"from": "panel", "to": "panel"}), "cycle"),
    "unknown link end": (
        lambda f: f["links"].append({"from": "panel", "to": "nowhere"}),
        "nowhere",
    ),
    "unknown other chain": (
        lambda f: f["links"].append({"from": "panel", "to": "solar:cell"}),
        "solar:cell",
    ),
    "unknown parent": (lambda f: f["segments"][1].update(parent="ghost"), "ghost"),
    "parent in another chain": (
        lambda f: f["segments"][1].update(parent="other:materials"),
        "another chain",
    ),
    "parent cycle": (
        lambda f: f["segments"][0].update(parent="glass-substrate"),
        "parent cycle",
    ),
    "bad stage": (lambda f: f["segments"][0].update(stage="sideways"), "stage"),
    "duplicate segment": (
        lambda f: f["segments"].append(dict(f["segments"][0])),
        "duplicate segment code",
    ),
    "duplicate link": (
        lambda f: f["links"].append({"from": "panel", "to": "terminal"}),
        "duplicate",
    ),
    "missing name": (lambda f: f.pop("name"), "name"),
    "bad code": (lambda f: f.update(code="has space"), "code"),
}


@pytest.mark.parametrize("case", REFUSALS)
def test_refused_files_are_422_and_write_nothing(staff, table_counts, case):
    change, culprit = REFUSALS[case]
    before = table_counts()
    response = staff.post("/api/chains", json=_with(chain_file(), change))
    assert response.status_code == 422, response.text
    assert culprit in response.text
    assert table_counts() == before


def test_duplicate_code_is_409_and_writes_nothing(staff, table_counts):
    assert staff.post("/api/chains", json=chain_file()).status_code == 201
    before = table_counts()
    again = chain_file(name="另一个")
    response = staff.post("/api/chains", json=again)
    assert response.status_code == 409
    assert "new-display" in response.json()["detail"]
    assert table_counts() == before


def test_list_search_and_pagination(staff):
    for code, name in [("a-chain", "新能源"), ("b-chain", "新材料"), ("c-chain", "生物医药")]:
        assert staff.post("/api/chains", json=chain_file(code, name=name)).status_code == 201
    everything = staff.get("/api/chains").json()
    assert everything["total"] == 3
    assert [c["code"] for c in everything["items"]] == ["a-chain", "b-chain", "c-chain"]
    assert everything["items"][0]["segment_count"] == 5
    page = staff.get("/api/chains", params={"limit": 1, "offset": 1}).json()
    assert page["total"] == 3
    assert [c["code"] for c in page["items"]] == ["b-chain"]
    found = staff.get("/api/chains", params={"q": "新"}).json()
    assert {c["code"] for c in found["items"]} == {"a-chain", "b-chain"}
    assert staff.get("/api/chains", params={"limit": 0}).status_code == 422


def test_unknown_chain_is_404(staff):
    for path in ("/api/chains/nope", "/api/chains/nope/export", "/api/chains/nope/gaps"):
        response = staff.get(path)
        assert response.status_code == 404
        assert "nope" in response.json()["detail"]


def test_patch_with_version_and_stale_version(staff):
    created = staff.post("/api/chains", json=chain_file()).json()
    first = staff.patch(
        "/api/chains/new-display", json={"version": created["version"], "name": "新型显示产业"}
    )
    assert first.status_code == 200
    assert first.json()["name"] == "新型显示产业"
    assert first.json()["version"] == created["version"] + 1
    stale = staff.patch(
        "/api/chains/new-display", json={"version": created["version"], "focus": True}
    )
    assert stale.status_code == 409
    current = staff.get("/api/chains/new-display").json()
    assert current["focus"] is False
    assert current["name"] == "新型显示产业"


def test_patch_refuses_null_name(staff):
    staff.post("/api/chains", json=chain_file())
    response = staff.patch("/api/chains/new-display", json={"version": 1, "name": None})
    assert response.status_code == 422


def test_delete_chain_in_use_by_companies_is_409(staff):
    staff.post("/api/chains", json=chain_file())
    company = {"name": "京东方", "is_local": True, "segments": ["new-display:panel"]}
    assert staff.post("/api/companies", json=company).status_code == 201
    response = staff.delete("/api/chains/new-display")
    assert response.status_code == 409
    assert staff.get("/api/chains/new-display").status_code == 200


def test_delete_removes_links_from_other_chains(staff):
    other = chain_file(
        "auto",
        name="汽车",
        segments=[
            {
                "code": "car-display",
                "name": "车载显示",
                "stage": "midstream",
                "parent": None,
                "direction": False,
                "products": [],
            }
        ],
        links=[],
    )
    staff.post("/api/chains", json=other)
    display = chain_file()
    display["links"].append({"from": "panel", "to": "auto:car-display"})
    staff.post("/api/chains", json=display)
    assert staff.delete("/api/chains/new-display").status_code == 204
    assert staff.get("/api/chains/new-display").status_code == 404
    assert staff.get("/api/chains/auto/export").json()["links"] == []


def test_recommendations_weigh_the_pursuit(staff):
    """Two identical non-local companies in a gap: the one we are negotiating with ranks
    first; one whose lead was lost ranks last; reasons say why."""
    staff.post("/api/chains", json=chain_file())
    ids = {}
    for name in ("洽谈中公司", "未接触公司", "已流失公司"):
        body = {"name": name, "is_local": False, "segments": ["new-display:terminal"]}
        ids[name] = staff.post("/api/companies", json=body).json()["id"]
    for name, moves in (
        ("洽谈中公司", [{"stage": "negotiating"}]),
        ("已流失公司", [{"stage": "lost", "reason": "落户外地"}]),
    ):
        lead = staff.post(
            "/api/leads", json={"company_id": ids[name], "segment": "new-display:terminal"}
        )
        for move in moves:
            assert staff.post(f"/api/leads/{lead.json()['id']}/stage", json=move).status_code == 200
    recommendations = staff.get("/api/chains/new-display/gaps").json()["recommendations"]
    order = [r["name"] for r in recommendations]
    assert order == ["洽谈中公司", "未接触公司", "已流失公司"]
    factors = {r["name"]: {x["factor"] for x in r["reasons"]} for r in recommendations}
    assert "lead:negotiating" in factors["洽谈中公司"]
    assert "lead:lost" in factors["已流失公司"]
    for r in recommendations:
        assert abs(sum(x["points"] for x in r["reasons"]) - r["score"]) < 0.05
