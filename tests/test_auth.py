from tests.conftest import PASSWORD
from tests.factories import chain_file


def test_health_answers_without_token(anon):
    response = anon.get("/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_openapi_and_docs_are_served(anon):
    spec = anon.get("/api/openapi.json")
    assert spec.status_code == 200
    assert "/api/chains/{code}/gaps" in spec.json()["paths"]
    docs = anon.get("/api/docs")
    assert docs.status_code == 200
    assert "swagger" in docs.text.lower()


def test_every_api_route_needs_a_token(app, anon):
    open_paths = {"/api/auth/token", "/api/openapi.json", "/api/docs", "/api/docs/oauth2-redirect"}
    for route in app.routes:
        path = getattr(route, "path", "")
        if not path.startswith("/api") or path in open_paths:
            continue
        for method in route.methods - {"HEAD", "OPTIONS"}:
            url = path.replace("{code}", "x").replace("{company_id}", "1")
            url = url.replace("{park_id}", "1").replace("{username}", "x")
            response = anon.request(method, url)
            assert response.status_code == 401, f"{method} {path}: {response.status_code}"
            assert response.headers["www-authenticate"] == "Bearer"
            assert "detail" in response.json()


def test_log_in_returns_a_bearer_token(anon, make_user):
    make_user("wang", "staff")
    response = anon.post("/api/auth/token", data={"username": "wang", "password": PASSWORD})
    assert response.status_code == 200
    body = response.json()
    assert body["token_type"] == "bearer"
    me = anon.get("/api/users/me", headers={"Authorization": f"Bearer {body['access_token']}"})
    assert me.status_code == 200
    assert me.json()["username"] == "wang"
    assert me.json()["role"] == "staff"
    assert "password_hash" not in me.json()


def test_wrong_password_and_unknown_user_are_refused_alike(anon, make_user):
    make_user("wang", "staff")
    wrong = anon.post("/api/auth/token", data={"username": "wang", "password": "nope-nope"})
    unknown = anon.post("/api/auth/token", data={"username": "li", "password": PASSWORD})
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json() == unknown.json()


def test_a_forged_or_garbage_token_is_401(anon, make_user):
    import jwt

    make_user("wang", "admin")
    forged = jwt.encode({"sub": "wang", "exp": 4102444800}, "not-the-key-" * 4, "HS256")
    for token in (forged, "garbage", ""):
        response = anon.get("/api/chains", headers={"Authorization": f"Bearer {token}"})
        assert response.status_code == 401


def test_a_deactivated_user_loses_access(login, anon):
    admin = login("admin")
    staff = login("staff")
    version = admin.get("/api/users/staff1").json()["version"]
    response = admin.patch("/api/users/staff1", json={"version": version, "is_active": False})
    assert response.status_code == 200
    assert staff.get("/api/chains").status_code == 401
    refused = anon.post("/api/auth/token", data={"username": "staff1", "password": PASSWORD})
    assert refused.status_code == 401


def test_viewer_reads_but_may_not_write(login, staff, table_counts):
    viewer = login("viewer")
    assert staff.post("/api/chains", json=chain_file()).status_code == 201
    assert viewer.get("/api/chains").status_code == 200
    assert viewer.get("/api/chains/new-display/gaps").status_code == 200
    before = table_counts()
    attempts = [
        viewer.post("/api/chains", json=chain_file("other")),
        viewer.patch("/api/chains/new-display", json={"version": 1, "name": "x"}),
        viewer.delete("/api/chains/new-display"),
        viewer.post("/api/companies", json={"name": "某公司", "is_local": False}),
        viewer.post("/api/parks", json={"name": "某园区", "level": "city"}),
    ]
    assert [r.status_code for r in attempts] == [403] * len(attempts)
    assert all("viewer" in r.json()["detail"] for r in attempts)
    assert table_counts() == before


def test_only_an_admin_manages_users(login):
    admin = login("admin")
    staff = login("staff")
    new_user = {"username": "zhao", "role": "specialist", "password": "a-long-password"}
    assert staff.post("/api/users", json=new_user).status_code == 403
    created = admin.post("/api/users", json=new_user)
    assert created.status_code == 201
    assert created.json()["role"] == "specialist"
    assert admin.post("/api/users", json=new_user).status_code == 409
    listed = staff.get("/api/users", params={"role": "specialist"}).json()
    assert [u["username"] for u in listed["items"]] == ["zhao"]


def test_user_update_with_a_stale_version_is_409(login):
    admin = login("admin")
    login("staff")
    version = admin.get("/api/users/staff1").json()["version"]
    first = admin.patch("/api/users/staff1", json={"version": version, "full_name": "王五"})
    assert first.status_code == 200
    stale = admin.patch("/api/users/staff1", json={"version": version, "full_name": "李四"})
    assert stale.status_code == 409
    assert admin.get("/api/users/staff1").json()["full_name"] == "王五"


def test_ids_too_large_for_the_database_are_422_not_500(staff):
    huge = 99999999999999999999
    for path in (f"/api/companies/{huge}", f"/api/leads/{huge}", f"/api/projects/{huge}"):
        response = staff.get(path)
        assert response.status_code in (404, 422), (path, response.status_code)
    body = {"company_id": huge, "segment": "new-display:panel"}
    assert staff.post("/api/leads", json=body).status_code == 422
    assert staff.get("/api/companies", params={"offset": huge}).status_code == 422


def test_non_finite_numbers_and_naive_dates_are_handled(staff):
    for raw in (
        '{"name": "x", "revenue": 1e999}',
        '{"name": "x", "revenue": NaN}',
        '{"name": "x", "revenue": -Infinity}',
    ):
        response = staff.post(
            "/api/companies", content=raw, headers={"Content-Type": "application/json"}
        )
        assert response.status_code == 422, raw
        assert response.json()["detail"][0]["loc"][-1] == "revenue"
    for since in ("2026-01-01", "2026-01-01T00:00:00", "2026-01-01T00:00:00+08:00"):
        assert staff.get("/api/audit", params={"date_from": since}).status_code == 200
    sort = staff.get("/api/leads", params={"sort": "bogus"})
    assert sort.status_code == 422
    assert sort.json()["detail"][0]["loc"] == ["query", "sort"]
