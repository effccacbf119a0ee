from tests.factories import chain_file, company, credit_code


def _entries(client, **params) -> list[dict]:
    response = client.get("/api/audit", params={"limit": 1000, **params})
    assert response.status_code == 200, response.text
    return response.json()["items"]


def test_writes_are_audited_with_who_and_what(staff):
    staff.post("/api/chains", json=chain_file())
    created = staff.post(
        "/api/companies",
        json=company("某公司", credit_code=credit_code(7), segments=["new-display:panel"]),
    ).json()
    staff.patch(
        f"/api/companies/{created['id']}", json={"version": 1, "city": "绵阳", "tags": ["srdi"]}
    )
    staff.delete(f"/api/companies/{created['id']}")

    entries = _entries(staff, entity="company", record_id=str(created["id"]))
    assert [e["action"] for e in entries] == ["delete", "update", "insert"]
    assert {e["actor"] for e in entries} == {"staff1"}
    insert, update, delete = reversed(entries)
    assert insert["changes"]["name"] == [None, "某公司"]
    assert insert["changes"]["credit_code"] == [None, credit_code(7)]
    assert update["changes"]["city"] == [None, "绵阳市"]  # stored as the division's full name
    assert update["changes"]["tag_rows"] == {"added": ["srdi"], "removed": []}
    assert delete["changes"]["name"] == ["某公司", None]
    # columns never set are not in the record (they once came out as the loader's marker)
    assert "park_id" not in insert["changes"] and "listing" not in insert["changes"]


def test_chain_creation_audits_chain_segments_and_links(staff):
    staff.post("/api/chains", json=chain_file())
    entities = [e["entity"] for e in _entries(staff, action="insert")]
    assert entities.count("chain") == 1
    assert entities.count("segment") == 5
    assert entities.count("segment_link") == 3


def test_refused_write_leaves_no_audit_entry(staff):
    staff.post("/api/chains", json=chain_file())
    before = len(_entries(staff))
    broken = chain_file("other")
    broken["links"].append({"from": "terminal", "to": "glass-substrate"})
    assert staff.post("/api/chains", json=broken).status_code == 422
    assert len(_entries(staff)) == before


def test_passwords_never_reach_the_audit(login):
    admin = login("admin")
    admin.post("/api/users", json={"username": "li", "role": "staff", "password": "secret-pass-1"})
    entry = _entries(admin, entity="user_account", action="insert")[0]
    assert entry["changes"]["password_hash"] == [None, "***"]
    assert "secret-pass-1" not in str(entry)


def test_audit_is_readable_by_viewer_and_filterable(login, staff):
    staff.post("/api/chains", json=chain_file())
    viewer = login("viewer")
    assert _entries(viewer, actor="staff1")
    assert _entries(viewer, actor="nobody") == []
    assert viewer.delete("/api/audit").status_code in (403, 405)
