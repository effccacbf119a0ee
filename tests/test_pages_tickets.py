"""The ticket pages through HTTP: the queue (order, SLA state, filters, names, paging), one
ticket with its history and actions, raising a ticket, the escalations, refusals."""

import re
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import event, update

from crm.auth.models import User
from crm.db import transaction
from crm.tickets.models import Ticket
from tests.conftest import PASSWORD
from tests.signing import LEADER, OTHER_SPECIALIST, SPECIALIST, prepare, signed_project
from tests.working_days import due, iso

NAMES = {SPECIALIST: "张专员", OTHER_SPECIALIST: "王专员", LEADER: "李组长", "staff1": "周干事"}

RAISED = datetime(2026, 3, 2, 4, 0, tzinfo=UTC)  # the frozen clock


def web_client(app, username: str) -> TestClient:
    """A client signed in through the log-in form as an existing user."""
    client = TestClient(app, follow_redirects=False)
    response = client.post("/login", data={"username": username, "password": PASSWORD})
    assert response.status_code == 303, response.text
    return client


@pytest.fixture
def setup(staff, make_user, clock, db) -> dict:
    made = prepare(staff, make_user)
    with transaction(db) as session:
        for username, name in NAMES.items():
            session.execute(update(User).where(User.username == username).values(full_name=name))
    return made


@pytest.fixture
def project(staff, setup) -> dict:
    return signed_project(staff, task_force_id=setup["task_force_id"])


def raise_ticket(client, project_id: int, **body) -> dict:
    ticket = {"category": "land", "title": "用地指标协调", "priority": "normal", **body}
    response = client.post(f"/api/projects/{project_id}/tickets", json=ticket)
    assert response.status_code == 201, response.text
    return response.json()


def text_of(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def row_titles(html: str) -> list[str]:
    return re.findall(r'<th scope="row"><a href="/tickets/\d+[^"]*">([^<]+)</a>', html)


def version_of(db, ticket_id: int) -> int:
    with db() as session:
        return session.get(Ticket, ticket_id).version


def test_the_queue_puts_overdue_first_and_shows_the_sla_state_by_name(app, staff, project, clock):
    normal = raise_ticket(staff, project["id"], title="办证", priority="normal")
    urgent = raise_ticket(staff, project["id"], title="停电抢修", priority="urgent")
    high = raise_ticket(
        staff, project["id"], title="贷款对接", priority="high", category="financing"
    )
    done = raise_ticket(staff, project["id"], title="已办结", priority="urgent")
    staff.patch(
        f"/api/tickets/{done['id']}",
        json={"version": done["version"], "status": "resolved", "resolution": "已处理"},
    )
    # urgent past due; high due within a day; normal on time
    clock.moment = due(RAISED, 1) + timedelta(days=1, hours=3)
    web = web_client(app, SPECIALIST)
    page = web.get("/tickets")
    assert page.status_code == 200
    assert row_titles(page.text) == [urgent["title"], high["title"], normal["title"], "已办结"]
    rows = {title: text_of(row) for title, row in _rows(page.text)}
    assert "已逾期" in rows["停电抢修"] and "逾期 1 天 3 小时" in rows["停电抢修"]
    assert "即将到期" in rows["贷款对接"]
    assert "未到期" in rows["办证"]
    assert "已办结" in rows["已办结"]
    assert "张专员" in rows["办证"]  # the assignee by name
    assert "京东方科技" in rows["办证"] and "新型显示专班" in rows["办证"]
    assert f'href="/projects/{project["id"]}"' in page.text
    assert "共 4 条" in page.text
    assert "zhang-zy" not in text_of(page.text)


def _rows(html: str) -> list[tuple[str, str]]:
    rows = re.findall(r"<tr data-ticket=\"\d+\".*?</tr>", html, flags=re.S)
    return [(row_titles(row)[0], row) for row in rows]


def test_queue_filters_and_paging(app, staff, project, setup, clock):
    other = signed_project(staff, "华星光电")
    raise_ticket(staff, project["id"], title="用地", category="land", priority="high")
    raise_ticket(staff, other["id"], title="融资", category="financing", assignee=LEADER)
    web = web_client(app, "staff1")

    def titles(**params) -> list[str]:
        response = web.get("/tickets", params=params)
        assert response.status_code == 200, response.text
        return row_titles(response.text)

    assert set(titles()) == {"用地", "融资"}
    assert titles(category="financing") == ["融资"]
    assert titles(priority="high") == ["用地"]
    assert titles(assignee=LEADER) == ["融资"]
    assert titles(task_force_id=setup["task_force_id"]) == ["用地"]
    assert titles(project_id=other["id"]) == ["融资"]
    assert set(titles(chain="new-display", status="open")) == {"用地", "融资"}
    assert titles(chain="no-such-chain") == []
    assert titles(status="resolved") == []
    assert titles(q="融") == ["融资"]
    assert titles(chain="", status="") != []  # blank filters mean "any"
    for i in range(30):
        raise_ticket(staff, project["id"], title=f"批量{i}")
    first = web.get("/tickets")
    assert "共 32 条，第 1/2 页" in first.text and len(row_titles(first.text)) == 30
    second = web.get("/tickets", params={"offset": 30})
    assert len(row_titles(second.text)) == 2
    assert web.get("/tickets", params={"status": "nonsense"}).status_code == 422
    assert web.get("/tickets", params={"offset": -1}).status_code == 422


def test_htmx_gets_only_the_results(app, staff, project):
    raise_ticket(staff, project["id"])
    web = web_client(app, "staff1")
    part = web.get("/tickets", headers={"HX-Request": "true"})
    assert part.status_code == 200
    assert part.text.lstrip().startswith('<section class="panel" id="results"')
    assert "<html" not in part.text


def test_the_queue_and_a_ticket_take_a_fixed_number_of_queries(app, staff, project):
    web = web_client(app, "staff1")
    raise_ticket(staff, project["id"])
    few = _queries(app, lambda: web.get("/tickets"))
    other = signed_project(staff, "华星光电")
    for i in range(6):
        raise_ticket(staff, other["id"] if i % 2 else project["id"], title=f"工单{i}")
    assert _queries(app, lambda: web.get("/tickets")) == few
    plain = raise_ticket(staff, project["id"])
    ticket = raise_ticket(staff, project["id"])
    for status in ("in_progress", "open", "in_progress"):
        version = staff.get(f"/api/tickets/{ticket['id']}").json()["version"]
        staff.patch(f"/api/tickets/{ticket['id']}", json={"version": version, "status": status})
    short = _queries(app, lambda: web.get(f"/tickets/{plain['id']}"))
    assert _queries(app, lambda: web.get(f"/tickets/{ticket['id']}")) == short


def _queries(app, call) -> int:
    statements: list[str] = []

    def count(_conn, _cursor, statement, *_args):
        statements.append(statement)

    engine = app.state.engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        assert call().status_code == 200
    finally:
        event.remove(engine, "before_cursor_execute", count)
    return len(statements)


def test_the_ticket_page_shows_facts_history_and_the_specialists_actions(app, staff, project):
    ticket = raise_ticket(staff, project["id"], description="需协调 50 亩用地指标")
    staff.patch(
        f"/api/tickets/{ticket['id']}", json={"version": ticket["version"], "status": "in_progress"}
    )
    web = web_client(app, SPECIALIST)
    page = web.get(f"/tickets/{ticket['id']}")
    assert page.status_code == 200
    text = text_of(page.text)
    assert f'href="/projects/{project["id"]}"' in page.text
    assert "京东方科技" in text and "用地" in text and "普通" in text
    assert "需协调 50 亩用地指标" in text
    assert "周干事" in text  # raised by, by name
    assert "提出诉求" in text and "状态：待处理 → 处理中" in text
    for action in ("resolve", "status", "assign"):
        assert f'action="/tickets/{ticket["id"]}/{action}"' in page.text
    assert f'action="/tickets/{ticket["id"]}/close"' not in page.text  # not resolved yet


def test_a_viewer_sees_no_actions_and_a_forged_post_is_refused(
    app, staff, project, make_user, table_counts
):
    ticket = raise_ticket(staff, project["id"])
    make_user("boss", "viewer")
    viewer = web_client(app, "boss")
    page = viewer.get(f"/tickets/{ticket['id']}")
    assert page.status_code == 200
    assert 'method="post"' not in page.text.split("</header>", 1)[1]
    assert "无权办理" in page.text
    assert "提交诉求" not in viewer.get("/tickets").text
    before = table_counts()
    forged = viewer.post(
        f"/tickets/{ticket['id']}/resolve",
        data={"version": ticket["version"], "resolution": "伪造"},
    )
    assert forged.status_code == 403
    assert table_counts() == before
    assert staff.get(f"/api/tickets/{ticket['id']}").json()["status"] == "open"
    assert viewer.get("/tickets/new").status_code == 403


def test_another_specialist_may_not_act_on_the_ticket(app, staff, project):
    ticket = raise_ticket(staff, project["id"])
    other = web_client(app, OTHER_SPECIALIST)
    assert "/resolve" not in other.get(f"/tickets/{ticket['id']}").text
    refused = other.post(
        f"/tickets/{ticket['id']}/resolve", data={"version": ticket["version"], "resolution": "x"}
    )
    assert refused.status_code == 403


def test_resolving_needs_a_resolution_and_returns_to_the_queue(app, staff, project, db):
    ticket = raise_ticket(staff, project["id"])
    web = web_client(app, SPECIALIST)
    url = f"/tickets/{ticket['id']}/resolve"
    back = "/tickets?status=resolved"
    empty = web.post(url, data={"version": ticket["version"], "resolution": "  ", "back": back})
    assert empty.status_code == 422
    assert f'name="back" value="{back}"' in empty.text  # still returns to the queue
    assert re.search(r'id="resolution-error">必填。', empty.text)
    assert 'aria-invalid="true"' in empty.text
    assert version_of(db, ticket["id"]) == ticket["version"]
    done = web.post(url, data={"version": ticket["version"], "resolution": "已协调", "back": back})
    assert done.status_code == 303
    assert done.headers["location"] == back
    assert row_titles(web.get(back).text) == ["用地指标协调"]
    page = text_of(web.get(f"/tickets/{ticket['id']}").text)
    assert "已协调" in page and "状态：待处理 → 已解决" in page


def test_back_never_leaves_the_ticket_pages(app, staff, project):
    ticket = raise_ticket(staff, project["id"])
    web = web_client(app, SPECIALIST)
    done = web.post(
        f"/tickets/{ticket['id']}/status",
        data={"version": ticket["version"], "status": "in_progress", "back": "//evil.example/"},
    )
    assert done.status_code == 303
    assert done.headers["location"] == f"/tickets/{ticket['id']}"


def test_closing_needs_a_satisfaction_score_from_1_to_5(app, staff, project, db):
    ticket = raise_ticket(staff, project["id"])
    resolved = staff.patch(
        f"/api/tickets/{ticket['id']}",
        json={"version": ticket["version"], "status": "resolved", "resolution": "已协调"},
    ).json()
    web = web_client(app, "staff1")
    page = web.get(f"/tickets/{ticket['id']}")
    assert f'action="/tickets/{ticket["id"]}/close"' in page.text
    assert f'action="/tickets/{ticket["id"]}/resolve"' not in page.text
    url = f"/tickets/{ticket['id']}/close"
    for score, message in ((None, "必填。"), ("6", "不能大于 5。"), ("0", "不能小于 1。")):
        data = {"version": resolved["version"], **({"satisfaction": score} if score else {})}
        refused = web.post(url, data=data)
        assert refused.status_code == 422
        assert f'id="satisfaction-error">{message}' in refused.text
    assert version_of(db, ticket["id"]) == resolved["version"]
    closed = web.post(url, data={"version": resolved["version"], "satisfaction": "4"})
    assert closed.status_code == 303
    body = staff.get(f"/api/tickets/{ticket['id']}").json()
    assert body["status"] == "closed" and body["satisfaction"] == 4
    after = web.get(f"/tickets/{ticket['id']}").text
    assert "4 满意" in after and "工单已关闭" in after and "/assign" not in after


def test_a_stale_edit_says_who_changed_the_ticket_and_when(app, staff, project, db):
    ticket = raise_ticket(staff, project["id"])
    web = web_client(app, SPECIALIST)
    staff.patch(
        f"/api/tickets/{ticket['id']}", json={"version": ticket["version"], "status": "in_progress"}
    )
    stale = web.post(
        f"/tickets/{ticket['id']}/assign", data={"version": ticket["version"], "assignee": LEADER}
    )
    assert stale.status_code == 409
    assert re.search(r"staff1 于 \d{4}-\d\d-\d\d \d\d:\d\d 修改了这条记录", stale.text)
    assert staff.get(f"/api/tickets/{ticket['id']}").json()["assignee"] == SPECIALIST


def test_assigning_names_a_user_or_says_why_not(app, staff, project):
    ticket = raise_ticket(staff, project["id"])
    web = web_client(app, "staff1")
    url = f"/tickets/{ticket['id']}/assign"
    unknown = web.post(url, data={"version": ticket["version"], "assignee": "nobody"})
    assert unknown.status_code == 422
    assert 'id="assignee-error"' in unknown.text
    assert web.post(url, data={"version": ticket["version"], "assignee": LEADER}).status_code == 303
    page = text_of(web.get(f"/tickets/{ticket['id']}").text)
    assert "承办人：张专员 → 李组长" in page


def test_raising_a_ticket_on_the_new_ticket_page(app, staff, project, setup, table_counts):
    other = signed_project(staff, "华星光电", specialist=OTHER_SPECIALIST)
    web = web_client(app, SPECIALIST)
    form = web.get("/tickets/new")
    assert form.status_code == 200
    assert f'value="{project["id"]}"' in form.text
    assert f'value="{other["id"]}"' not in form.text  # not their project
    before = table_counts()
    missing = web.post("/tickets/new", data={"project_id": project["id"], "category": "land"})
    assert missing.status_code == 422
    assert 'id="title-error">必填。' in missing.text
    assert table_counts() == before
    foreign = web.post(
        "/tickets/new", data={"project_id": other["id"], "category": "land", "title": "x"}
    )
    assert foreign.status_code == 403
    assert table_counts() == before
    raised = web.post(
        "/tickets/new",
        data={
            "project_id": project["id"],
            "category": "talent",
            "priority": "high",
            "title": "人才公寓",
            "description": "20 套",
        },
    )
    assert raised.status_code == 303
    ticket_id = int(raised.headers["location"].rsplit("/", 1)[1])
    body = staff.get(f"/api/tickets/{ticket_id}").json()
    assert body["raised_by"] == SPECIALIST and body["category"] == "talent"
    assert body["due_at"] == iso(due(RAISED, 3))  # high: 3 working days after the frozen day


def test_escalations_for_a_leader_and_for_the_office(app, staff, project, clock, make_user):
    late = raise_ticket(staff, project["id"], title="停电抢修", priority="urgent")
    raise_ticket(staff, project["id"], title="办证", priority="normal")
    other = signed_project(staff, "华星光电")  # no task force: no first-level escalation
    raise_ticket(staff, other["id"], title="无专班", priority="urgent")
    clock.moment = due(RAISED, 1) + timedelta(hours=5)
    leader = web_client(app, LEADER)
    mine = leader.get("/tickets/escalations")
    assert mine.status_code == 200
    assert row_titles(mine.text) == ["停电抢修"]
    assert "一级 · 专班组长" in text_of(mine.text) and "仍逾期" in text_of(mine.text)
    assert f"/tickets/{late['id']}?back=/tickets/escalations" in mine.text
    office = web_client(app, "staff1")
    assert row_titles(office.get("/tickets/escalations").text) == ["停电抢修"]
    make_user("boss", "viewer")
    assert web_client(app, "boss").get("/tickets/escalations").status_code == 200
    make_user("idle-leader", "leader")
    assert "目前没有督办升级" in web_client(app, "idle-leader").get("/tickets/escalations").text


def test_an_unknown_ticket_is_404(app, staff, setup):
    web = web_client(app, "staff1")
    assert web.get("/tickets/999999").status_code == 404
    assert web.get("/tickets/0").status_code == 422


def test_the_pages_speak_english(app, staff, project, clock):
    raise_ticket(staff, project["id"], priority="urgent")
    clock.advance(days=3)
    web = web_client(app, "staff1")
    web.cookies.set("crm_lang", "en")
    page = text_of(web.get("/tickets").text)
    assert "Ticket queue" in page and "Overdue" in page and "Urgent" in page
    assert "已逾期" not in page
    assert "Escalations" in text_of(web.get("/tickets/escalations").text)


def test_offsets_keep_the_filters(app, staff, project):
    for i in range(31):
        raise_ticket(staff, project["id"], title=f"工单{i}", category="permits")
    web = web_client(app, "staff1")
    page = web.get("/tickets", params={"category": "permits"}).text
    assert 'href="?category=permits&offset=30"' in page


def test_the_queue_is_in_the_navigation(app, staff, setup):
    web = web_client(app, "staff1")
    assert 'href="/tickets" aria-current="page"' in web.get("/tickets").text
