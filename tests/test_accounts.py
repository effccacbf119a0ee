"""Accounts that hold up: tokens end with the credentials, log-ins are rate-limited, passwords
are strong, the last administrator stays."""

from datetime import timedelta

import jwt
import pytest
from fastapi.testclient import TestClient

from crm.api.app import create_app
from crm.config import Settings
from tests.conftest import PASSWORD

NEW_PASSWORD = "violet tapir orbits slowly"
WRONG = "not the password at all"


def log_in(client: TestClient, username: str, password: str = PASSWORD):
    return client.post("/api/auth/token", data={"username": username, "password": password})


def bearer(response) -> dict[str, str]:
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


def patch_user(admin: TestClient, username: str, **changes):
    version = admin.get(f"/api/users/{username}").json()["version"]
    return admin.patch(f"/api/users/{username}", json={"version": version, **changes})


def messages(response) -> str:
    return " ".join(item["msg"] for item in response.json()["detail"])


# --- tokens end with the credentials they were issued under ---------------------------------


@pytest.mark.parametrize(
    "change",
    [{"password": NEW_PASSWORD}, {"is_active": False}, {"role": "viewer"}],
    ids=["password reset", "deactivation", "role change"],
)
def test_a_token_stops_working_when_the_credentials_change(login, anon, change):
    admin = login("admin")
    staff = login("staff")
    assert staff.get("/api/users/me").status_code == 200
    assert patch_user(admin, "staff1", **change).status_code == 200
    refused = staff.get("/api/users/me")
    assert refused.status_code == 401
    assert refused.headers["www-authenticate"] == "Bearer"
    if change.get("is_active") is False:
        assert log_in(anon, "staff1").status_code == 401
        return
    password = change.get("password", PASSWORD)
    me = anon.get("/api/users/me", headers=bearer(log_in(anon, "staff1", password)))
    assert me.status_code == 200
    assert me.json()["role"] == change.get("role", "staff")


def test_other_changes_leave_tokens_alone(login):
    admin = login("admin")
    staff = login("staff")
    assert patch_user(admin, "staff1", full_name="王五").status_code == 200
    assert patch_user(admin, "staff1", role="staff", is_active=True).status_code == 200
    assert staff.get("/api/users/me").json()["full_name"] == "王五"


def test_tokens_expire_after_token_minutes(app, anon, make_user):
    make_user("wang", "staff")
    token = log_in(anon, "wang").json()["access_token"]
    claims = jwt.decode(token, options={"verify_signature": False})
    assert claims["exp"] - claims["iat"] == app.state.settings.token_minutes * 60 == 12 * 3600
    secret = app.state.settings.secret_key
    expired = jwt.encode({**claims, "exp": claims["iat"] - 1}, secret, "HS256")
    without_version = jwt.encode({k: v for k, v in claims.items() if k != "cv"}, secret, "HS256")
    for token in (expired, without_version):
        response = anon.get("/api/users/me", headers={"Authorization": f"Bearer {token}"})
        assert response.status_code == 401


# --- rate limits on log-in ------------------------------------------------------------------


def test_the_eleventh_bad_password_is_429_and_then_even_the_right_one(anon, make_user, clock):
    make_user("wang", "staff")
    for _ in range(10):
        assert log_in(anon, "wang", WRONG).status_code == 401
    limited = log_in(anon, "wang", WRONG)
    assert limited.status_code == 429
    assert limited.headers["retry-after"] == str(15 * 60)
    assert "too many failed log-ins" in limited.json()["detail"]

    clock.advance(minutes=5)
    right = log_in(anon, "wang")
    assert right.status_code == 429
    assert right.headers["retry-after"] == str(10 * 60)
    clock.advance(minutes=10)
    assert log_in(anon, "wang").status_code == 200


def test_failures_age_out_of_the_window_one_by_one(anon, make_user, clock):
    make_user("wang", "staff")
    for _ in range(10):
        assert log_in(anon, "wang", WRONG).status_code == 401
        clock.advance(minutes=1)
    limited = log_in(anon, "wang")
    assert limited.status_code == 429
    assert limited.headers["retry-after"] == str(5 * 60)  # the first failure ages out then
    clock.advance(minutes=5)
    assert log_in(anon, "wang", WRONG).status_code == 401  # one more try, then limited again
    assert log_in(anon, "wang").status_code == 429


def test_the_limit_is_per_username(anon, make_user, clock):
    make_user("wang", "staff")
    make_user("li", "staff")
    for _ in range(10):
        log_in(anon, "wang", WRONG)
    assert log_in(anon, "wang").status_code == 429
    assert log_in(anon, "li").status_code == 200


def test_a_successful_log_in_clears_the_usernames_failures(anon, make_user, clock):
    make_user("wang", "staff")
    for _ in range(9):
        assert log_in(anon, "wang", WRONG).status_code == 401
    assert log_in(anon, "wang").status_code == 200
    for _ in range(9):
        assert log_in(anon, "wang", WRONG).status_code == 401
    assert log_in(anon, "wang").status_code == 200


def test_fifty_failures_from_one_address_limit_every_username_from_it(app, make_user, clock):
    make_user("wang", "staff")
    with (
        TestClient(app, client=("203.0.113.7", 50000)) as guesser,
        TestClient(app, client=("198.51.100.2", 50000)) as colleague,
    ):
        for n in range(50):  # five failures each for ten names: no username is limited
            assert log_in(guesser, f"user{n % 10}", WRONG).status_code == 401
        limited = log_in(guesser, "wang")
        assert limited.status_code == 429
        assert int(limited.headers["retry-after"]) == 15 * 60
        assert log_in(colleague, "wang").status_code == 200
        clock.advance(minutes=15)
        assert log_in(guesser, "wang").status_code == 200


def test_limits_come_from_the_settings(database_url, db, make_user):
    settings = Settings(
        database_url=database_url,
        secret_key="x" * 40,
        login_failures_per_username=2,
        login_failure_window_minutes=1,
    )
    make_user("wang", "staff")
    app = create_app(settings)
    try:
        with TestClient(app) as client:
            assert [log_in(client, "wang", WRONG).status_code for _ in range(3)] == [401, 401, 429]
            assert int(log_in(client, "wang").headers["retry-after"]) <= 60
    finally:
        app.state.engine.dispose()


def test_failed_log_ins_are_audited(login, anon, clock):
    assert log_in(anon, "nobody", WRONG).status_code == 401
    admin = login("admin")
    entries = admin.get("/api/audit", params={"entity": "login_failure"}).json()["items"]
    assert len(entries) == 1
    changes = entries[0]["changes"]
    assert changes["username"] == [None, "nobody"]
    assert changes["address"] == [None, "testclient"]
    assert changes["at"][1].startswith("2026-03-02T04:00:00")
    assert WRONG not in str(entries)


# --- passwords ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("password", "reason"),
    [
        ("short-pw", "at least 10 characters"),
        ("password1234", "too easy to guess"),
        ("qwertyuiop12", "too easy to guess"),
        ("abcdefghijkl", "too easy to guess"),
    ],
)
def test_weak_passwords_are_refused_with_the_reason(login, password, reason, table_counts):
    admin = login("admin")
    login("staff")
    before = table_counts()
    new_user = {"username": "zhaoliu", "role": "staff", "password": password}
    created = admin.post("/api/users", json=new_user)
    assert created.status_code == 422
    assert created.json()["detail"][0]["loc"] == ["body", "password"]
    assert reason in messages(created)
    reset = patch_user(admin, "staff1", password=password)
    assert reset.status_code == 422
    assert reason in messages(reset)
    assert table_counts() == before


def test_a_password_made_of_the_users_own_name_is_refused(login):
    admin = login("admin")
    login("staff", "zhaoliu")
    for body in (
        {"username": "wangwu", "role": "staff", "password": "wangwu2026"},
        {
            "username": "li",
            "full_name": "Huang Lingling",
            "role": "staff",
            "password": "huanglingling",
        },
        {
            "username": "li",
            "full_name": "Huang Lingling",
            "role": "staff",
            "password": "Lingling1990",
        },
    ):
        refused = admin.post("/api/users", json=body)
        assert refused.status_code == 422, body
        assert "too easy to guess" in messages(refused)
    assert patch_user(admin, "zhaoliu", password="zhaoliu2026").status_code == 422


def test_a_common_password_is_refused_with_zxcvbn_s_warning(login):
    admin = login("admin")
    refused = admin.post(
        "/api/users", json={"username": "zhao", "role": "staff", "password": "1234567890"}
    )
    assert refused.status_code == 422
    assert "common password" in messages(refused)


def test_a_user_changes_their_own_password_with_the_old_one(login, anon):
    viewer = login("viewer")
    url = "/api/users/me/password"
    wrong = viewer.post(url, json={"old_password": WRONG, "new_password": NEW_PASSWORD})
    assert wrong.status_code == 422
    assert wrong.json()["detail"][0]["loc"] == ["body", "old_password"]
    weak = viewer.post(url, json={"old_password": PASSWORD, "new_password": "password1234"})
    assert weak.status_code == 422
    assert weak.json()["detail"][0]["loc"] == ["body", "new_password"]
    assert "too easy to guess" in messages(weak)
    assert log_in(anon, "viewer1").status_code == 200  # nothing changed so far

    changed = viewer.post(url, json={"old_password": PASSWORD, "new_password": NEW_PASSWORD})
    assert changed.status_code == 200
    assert viewer.get("/api/users/me").status_code == 401  # the old token ended
    assert anon.get("/api/users/me", headers=bearer(changed)).json()["username"] == "viewer1"
    assert log_in(anon, "viewer1").status_code == 401
    assert log_in(anon, "viewer1", NEW_PASSWORD).status_code == 200


def test_guessing_the_old_password_counts_against_the_log_in_limit(login, anon, clock):
    staff = login("staff")
    url = "/api/users/me/password"
    for _ in range(10):
        response = staff.post(url, json={"old_password": WRONG, "new_password": NEW_PASSWORD})
        assert response.status_code == 422
    right = staff.post(url, json={"old_password": PASSWORD, "new_password": NEW_PASSWORD})
    assert right.status_code == 429
    assert log_in(anon, "staff1").status_code == 429


def test_seed_and_test_passwords_pass_the_rule():
    from crm.auth.passwords import weakness
    from crm.seeding import new_password

    assert weakness(PASSWORD, user_inputs=["staff1"]) is None
    assert all(weakness(new_password()) is None for _ in range(20))


# --- the last administrator -----------------------------------------------------------------


def test_the_last_active_admin_can_be_neither_demoted_nor_deactivated(login, table_counts):
    admin = login("admin")
    before = table_counts()
    for change in ({"role": "staff"}, {"is_active": False}):
        refused = patch_user(admin, "admin1", **change)
        assert refused.status_code == 409
        assert "last active administrator" in refused.json()["detail"]
    assert table_counts() == before
    assert admin.get("/api/users/me").json()["role"] == "admin"

    login("admin", "admin2")
    assert patch_user(admin, "admin2", is_active=False).status_code == 200
    assert patch_user(admin, "admin1", role="staff").status_code == 409  # admin2 is inactive
    assert patch_user(admin, "admin2", is_active=True).status_code == 200
    assert patch_user(admin, "admin1", role="staff").status_code == 200
    assert admin.get("/api/users/me").status_code == 401  # the demotion ended the token


def test_an_inactive_admin_may_be_changed_freely(login, make_user):
    admin = login("admin")
    make_user("old-admin", "admin")
    assert patch_user(admin, "old-admin", is_active=False).status_code == 200
    assert patch_user(admin, "old-admin", role="viewer").status_code == 200


def test_window_setting_is_a_timedelta():
    from crm.auth.throttle import LoginLimits

    limits = LoginLimits.from_settings(Settings())
    assert (limits.per_username, limits.per_address) == (10, 50)
    assert limits.window == timedelta(minutes=15)
