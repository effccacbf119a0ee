"""The users pages (administrators) and one's own account, through HTTP."""

import pytest
from fastapi.testclient import TestClient

from crm.auth import service as auth_service
from crm.db import transaction
from crm.i18n import label
from tests.conftest import PASSWORD

ORIGIN = {"Origin": "http://testserver"}
STRONG = "lantern orchard velvet 42"
STRONGER = "copper meadow whistle 77"


@pytest.fixture
def admin(browser_login):
    return browser_login("admin")


def stored(db, username: str):
    with transaction(db) as session:
        user = auth_service.get_by_username(session, username)
        return None if user is None else (user.role.value, user.is_active, user.full_name)


def signed_in(app, username: str, password: str) -> TestClient:
    client = TestClient(app, follow_redirects=False)
    response = client.post("/login", data={"username": username, "password": password})
    assert response.status_code == 303 and response.headers["location"] == "/"
    return client


def new_user(**fields) -> dict:
    values = {"username": "liming", "full_name": "李明", "role": "staff"}
    return {**values, "password": STRONG, "password_again": STRONG, **fields}


def test_the_list_shows_users_with_role_and_state(admin, make_user):
    make_user("wangfang", "viewer", "王芳")
    page = admin.get("/users")
    assert page.status_code == 200
    assert "wangfang" in page.text and "王芳" in page.text
    assert label("zh", "role", "viewer") in page.text


def test_an_admin_adds_a_user_who_then_logs_in(app, admin, db):
    response = admin.post("/users", data=new_user(), headers=ORIGIN)
    assert response.status_code == 303 and response.headers["location"] == "/users?added=liming"
    assert stored(db, "liming") == ("staff", True, "李明")
    signed_in(app, "liming", STRONG)


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"password": "password123", "password_again": "password123"}, "password", "密码"),
        ({"password_again": "something else 99"}, "password_again", "两次输入的密码不一致"),
        ({"username": "bad name!"}, "username", "用户名只能包含"),
        ({"username": "admin-web"}, "username", "该用户名已被使用"),
    ],
)
def test_a_refused_user_is_shown_beside_the_field(admin, db, table_counts, fields, field, message):
    before = table_counts()
    response = admin.post("/users", data=new_user(**fields), headers=ORIGIN)
    assert response.status_code in (409, 422)
    assert f'id="{field}-error"' in response.text and message in response.text
    assert STRONG not in response.text  # a password is never echoed
    assert table_counts() == before


def test_changing_a_role_ends_the_users_sessions(app, admin, make_user, db):
    make_user("zhaolei", "staff", "赵磊")
    theirs = signed_in(app, "zhaolei", PASSWORD)
    version = admin.get("/users/zhaolei").text.split('name="version" value="')[1].split('"')[0]
    response = admin.post(
        "/users/zhaolei",
        data={"version": version, "role": "viewer", "full_name": "赵磊"},
        headers=ORIGIN,
    )
    assert response.status_code == 303
    assert stored(db, "zhaolei") == ("viewer", True, "赵磊")
    assert theirs.get("/chains").status_code == 303  # back to log-in


def test_a_stale_edit_is_refused(admin, make_user, db):
    make_user("zhaolei", "staff")
    version = admin.get("/users/zhaolei").text.split('name="version" value="')[1].split('"')[0]
    first = {"version": version, "full_name": "赵磊"}
    assert admin.post("/users/zhaolei", data=first, headers=ORIGIN).status_code == 303
    stale = {"version": version, "role": "viewer"}  # read before the change above
    response = admin.post("/users/zhaolei", data=stale, headers=ORIGIN)
    assert response.status_code == 409
    assert "该用户已被他人修改" in response.text and "admin-web 于" in response.text
    assert stored(db, "zhaolei")[0] == "staff"


def test_an_emptied_full_name_is_cleared(admin, make_user, db):
    make_user("zhaolei", "staff", "赵磊")
    version = admin.get("/users/zhaolei").text.split('name="version" value="')[1].split('"')[0]
    form = {"version": version, "full_name": "", "role": "staff"}
    assert admin.post("/users/zhaolei", data=form, headers=ORIGIN).status_code == 303
    assert stored(db, "zhaolei")[2] in ("", None)


def test_deactivate_and_reactivate(app, admin, make_user, db):
    make_user("zhaolei", "staff")
    page = admin.get("/users/zhaolei").text
    version = page.split('name="version" value="')[1].split('"')[0]
    off = admin.post(
        "/users/zhaolei", data={"version": version, "is_active": "false"}, headers=ORIGIN
    )
    assert off.status_code == 303 and stored(db, "zhaolei")[1] is False
    client = TestClient(app, follow_redirects=False)
    assert (
        client.post("/login", data={"username": "zhaolei", "password": PASSWORD}).status_code == 200
    )
    page = admin.get("/users/zhaolei").text
    assert "重新启用该用户" in page
    version = page.split('name="version" value="')[1].split('"')[0]
    on = admin.post(
        "/users/zhaolei", data={"version": version, "is_active": "true"}, headers=ORIGIN
    )
    assert on.status_code == 303 and stored(db, "zhaolei")[1] is True


def test_the_last_admin_cannot_deactivate_themselves(admin, db):
    page = admin.get("/users/admin-web").text
    version = page.split('name="version" value="')[1].split('"')[0]
    response = admin.post(
        "/users/admin-web", data={"version": version, "is_active": "false"}, headers=ORIGIN
    )
    assert response.status_code == 409 and "最后一位启用的管理员" in response.text
    assert stored(db, "admin-web")[1] is True


def test_resetting_a_password_ends_the_users_sessions(app, admin, make_user):
    make_user("zhaolei", "staff")
    theirs = signed_in(app, "zhaolei", PASSWORD)
    data = {"password": STRONG, "password_again": STRONG}
    assert admin.post("/users/zhaolei/password", data=data, headers=ORIGIN).status_code == 303
    assert theirs.get("/chains").status_code == 303
    signed_in(app, "zhaolei", STRONG)
    weak = admin.post(
        "/users/zhaolei/password",
        data={"password": "1234567890", "password_again": "1234567890"},
        headers=ORIGIN,
    )
    assert weak.status_code == 422 and 'id="password-error"' in weak.text


@pytest.mark.parametrize("role", ["staff", "leader", "specialist", "viewer"])
def test_only_admins_reach_users(browser_login, role, db):
    client = browser_login(role)
    assert client.get("/users").status_code == 403
    assert 'href="/users"' not in client.get("/chains").text
    forged = client.post("/users", data=new_user(), headers=ORIGIN)
    assert forged.status_code == 403 and stored(db, "liming") is None


def test_a_cross_site_post_is_refused(admin, db):
    response = admin.post("/users", data=new_user(), headers={"Origin": "http://evil.example"})
    assert response.status_code == 403 and stored(db, "liming") is None


def test_own_password_change_keeps_this_session_and_ends_the_others(app, browser_login):
    mine = browser_login("viewer", "wang")
    other = signed_in(app, "wang", PASSWORD)
    data = {"old_password": PASSWORD, "new_password": STRONGER, "new_password_again": STRONGER}
    response = mine.post("/account", data=data, headers=ORIGIN)
    assert response.status_code == 303 and response.headers["location"] == "/account?changed=1"
    assert "密码已修改" in mine.get("/account?changed=1").text  # this browser stays in
    assert other.get("/account").status_code == 303  # the other one is out
    signed_in(app, "wang", STRONGER)


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"old_password": "not-my-password-1"}, "old_password", "当前密码不正确"),
        ({"new_password_again": "different again 9"}, "new_password_again", "不一致"),
        (
            {"new_password": "abcdefghij", "new_password_again": "abcdefghij"},
            "new_password",
            "太容易",
        ),
    ],
)
def test_a_refused_own_password_change_says_why_beside_the_field(
    app, browser_login, data, field, message
):
    mine = browser_login("viewer", "wang")
    values = {"old_password": PASSWORD, "new_password": STRONGER, "new_password_again": STRONGER}
    response = mine.post("/account", data={**values, **data}, headers=ORIGIN)
    assert response.status_code == 422
    assert f'id="{field}-error"' in response.text and message in response.text
    signed_in(app, "wang", PASSWORD)  # unchanged


def test_the_account_page_in_english(browser_login):
    mine = browser_login("viewer", "wang")
    mine.cookies.set("crm_lang", "en")
    page = mine.get("/account")
    assert page.status_code == 200 and "Change my password" in page.text
