"""The task force pages through HTTP: the listing by kind (one's own first), a task force's
board (stages, calendar, trip plan, overdue follow-ups, projects and tickets), and planning
a trip's proposed visits, which only the policy's writers may do."""

import re
from datetime import date

import pytest
from sqlalchemy import event

from crm.taskforces.planning import month_weeks, trip_dates
from tests.factories import chain_file, company

ORIGIN = {"Origin": "http://testserver"}


@pytest.fixture
def unit(staff, browser_login, make_user, clock):
    """新型显示专班 led by ``lead-zhao``: three open leads in 深圳 and 上海 (one overdue), a
    signed one in 成都 with a project, an open ticket and a visit done in February; 上海 was
    visited in November and has a visit planned on 10 March.
    Today is 2026-03-02 (a Monday)."""
    leader = browser_login("leader", "lead-zhao")
    assert staff.post("/api/chains", json=chain_file()).status_code == 201
    tf = staff.post(
        "/api/taskforces",
        json={"name": "新型显示专班", "kind": "task_force", "leader": "lead-zhao"},
    ).json()["id"]
    staff.post("/api/taskforces", json={"name": "商务招商组", "kind": "group"})
    staff.post(
        "/api/taskforces", json={"name": "驻深圳中心", "kind": "center", "base_city": "深圳"}
    )
    leads = {}
    for name, city, priority, follow_up in [
        ("深圳玻璃科技有限公司", "深圳市", "A", "2026-02-20"),
        ("深圳液晶材料有限公司", "深圳市", "B", None),
        ("上海面板有限公司", "上海市", "C", None),
        ("成都终端有限公司", "成都市", "B", None),
    ]:
        firm = staff.post(
            "/api/companies", json=company(name, city=city, segments=["new-display:panel"])
        ).json()["id"]
        body = {
            "company_id": firm,
            "segment": "new-display:panel",
            "task_force_id": tf,
            "priority": priority,
            "expected_investment": 50000,
        }
        if follow_up:
            body["next_follow_up"] = follow_up
        leads[name] = staff.post("/api/leads", json=body).json()["id"]
    signed = leads["成都终端有限公司"]
    make_user("spec", "specialist")
    moved = staff.post(f"/api/leads/{signed}/stage", json={"stage": "signed", "specialist": "spec"})
    assert moved.status_code == 200, moved.text
    project = moved.json()["project_id"]
    ticket = {"category": "land", "title": "用地指标待落实", "priority": "normal"}
    assert staff.post(f"/api/projects/{project}/tickets", json=ticket).status_code == 201
    shanghai = leads["上海面板有限公司"]
    for lead, day, status in (
        (signed, "2026-02-11", "done"),
        (shanghai, "2025-11-20", "done"),
        (shanghai, "2026-03-10", "planned"),
    ):
        visit = {"lead_id": lead, "date": day, "status": status}
        assert staff.post("/api/visits", json=visit).status_code == 201
    return {"id": tf, "leads": leads, "project": project, "leader": leader}


def test_the_listing_groups_units_by_kind_and_puts_a_leaders_own_first(unit):
    page = unit["leader"].get("/taskforces")
    assert page.status_code == 200
    text = page.text
    mine = text.index('id="mine"')
    assert text.index("新型显示专班") > mine  # the card of their own task force
    assert text.index("企业招商专班") > mine
    for heading in ("企业招商专班", "招商组", "驻外中心"):
        assert heading in text
    assert "驻深圳中心" in text and "深圳" in text
    card = text[mine : text.index("</section>", mine)]
    assert "您任组长" in card and "商务招商组" not in card
    assert 'href="/taskforces#mine"' in text and "我的专班" in text


def test_the_listing_shows_no_own_cards_to_someone_in_no_task_force(unit, browser_login):
    page = browser_login("viewer").get("/taskforces").text
    assert 'id="mine"' not in page
    assert "新型显示专班" in page
    assert 'href="/taskforces"' in page  # the plain nav item, not "my task forces"


def test_the_board_shows_stages_overdue_follow_ups_projects_and_tickets(unit):
    page = unit["leader"].get(f"/taskforces/{unit['id']}")
    assert page.status_code == 200
    text = page.text
    assert f'href="/leads?task_force={unit["id"]}&amp;stage=identified">3</a>' in text
    assert f'href="/leads?task_force={unit["id"]}&amp;stage=signed">1</a>' in text
    overdue = text[text.index('id="overdue-heading"') : text.index('id="calendar"')]
    assert "深圳玻璃科技有限公司" in overdue and "2026-02-20" in overdue
    assert "上海面板有限公司" not in overdue
    assert f'href="/projects/{unit["project"]}"' in text
    assert "用地指标待落实" in text and 'href="/tickets/' in text


def test_the_calendar_shows_the_month_monday_first_with_its_visits(unit):
    client = unit["leader"]
    text = client.get(f"/taskforces/{unit['id']}").text
    calendar = text[text.index('id="calendar"') : text.index('id="trip"')]
    assert "2026年3月" in calendar
    headers = re.findall(r'<th scope="col" abbr="[^"]+">(.)</th>', calendar)
    assert headers == ["一", "二", "三", "四", "五", "六", "日"]
    cell = calendar[calendar.index('data-day="2026-03-10"') :]
    cell = cell[: cell.index("</td>")]
    assert "上海面板有限公司" in cell and 'data-visit-status="planned"' in cell
    assert 'data-day="2026-03-02"' in calendar and "tf-today" in calendar
    assert "?month=2026-02" in calendar and "?month=2026-04" in calendar
    february = client.get(f"/taskforces/{unit['id']}?month=2026-02").text
    cell = february[february.index('data-day="2026-02-11"') :]
    assert 'data-visit-status="done"' in cell[: cell.index("</td>")]
    assert "2026年2月" in february


def test_an_htmx_month_change_gets_only_the_calendar(unit):
    response = unit["leader"].get(
        f"/taskforces/{unit['id']}?month=2026-04", headers={"HX-Request": "true"}
    )
    assert response.status_code == 200
    assert response.text.lstrip().startswith('<section id="calendar"')
    assert "2026年4月" in response.text and "<html" not in response.text


@pytest.mark.parametrize("month", ["2026-13", "march", "1999-01", "2026-1-1"])
def test_a_month_that_makes_no_sense_is_a_clear_422(unit, month):
    response = unit["leader"].get(f"/taskforces/{unit['id']}?month={month}")
    assert response.status_code == 422
    assert "month" in response.text


def test_an_unknown_task_force_is_404(unit):
    assert unit["leader"].get("/taskforces/99999").status_code == 404


def test_the_trip_plan_ranks_cities_and_proposes_days_from_the_next_working_day(unit):
    text = unit["leader"].get(f"/taskforces/{unit['id']}").text
    trip = text[text.index('id="trip"') :]
    # 深圳 (A + B = 5) ranks before 上海 (C = 1); the signed 成都 lead is no candidate.
    assert trip.index('data-city="深圳市"') < trip.index('data-city="上海市"')
    assert 'data-city="成都市"' not in trip
    assert "2026-03-03 星期二" in trip  # the day after Monday 2 March
    shenzhen = unit["leads"]["深圳玻璃科技有限公司"]
    assert f'value="{shenzhen}@2026-03-03"' in trip
    # 上海面板 already has a visit planned for 10 March: shown, and not ticked.
    shanghai = unit["leads"]["上海面板有限公司"]
    row = trip[trip.index(f'data-lead="{shanghai}"') :]
    row = row[: row.index("</tr>")]
    assert "2026-03-10" in row and "checked" not in row
    assert 'id="plan-visits"' in trip


def test_a_leader_plans_the_proposals_they_ticked(unit, staff):
    shenzhen = unit["leads"]["深圳玻璃科技有限公司"]
    other = unit["leads"]["深圳液晶材料有限公司"]
    response = unit["leader"].post(
        f"/taskforces/{unit['id']}/trip-plan",
        data={"visit": [f"{shenzhen}@2026-03-03", f"{other}@2026-03-04"], "purpose": "考察"},
        headers=ORIGIN,
    )
    assert response.status_code == 303
    assert (
        response.headers["location"] == f"/taskforces/{unit['id']}?month=2026-03&planned=2#calendar"
    )
    visits = staff.get("/api/visits", params={"task_force_id": unit["id"], "status": "planned"})
    planned = {(v["lead_id"], v["date"], v["city"], v["purpose"]) for v in visits.json()["items"]}
    assert (shenzhen, "2026-03-03", "深圳市", "考察") in planned
    assert (other, "2026-03-04", "深圳市", "考察") in planned
    page = unit["leader"].get(response.headers["location"]).text
    cell = page[page.index('data-day="2026-03-03"') :]
    assert "深圳玻璃科技有限公司" in cell[: cell.index("</td>")]
    assert "已安排 2 次计划拜访" in page


def test_office_staff_may_plan_too(unit, browser_login):
    shenzhen = unit["leads"]["深圳玻璃科技有限公司"]
    client = browser_login("staff")
    assert 'id="plan-visits"' in client.get(f"/taskforces/{unit['id']}").text
    response = client.post(
        f"/taskforces/{unit['id']}/trip-plan",
        data={"visit": f"{shenzhen}@2026-03-05"},
        headers=ORIGIN,
    )
    assert response.status_code == 303


@pytest.mark.parametrize("role", ["viewer", "specialist", "leader"])
def test_others_see_no_plan_button_and_a_forged_post_is_403(
    unit, browser_login, table_counts, role
):
    client = browser_login(role, f"{role}-other")
    page = client.get(f"/taskforces/{unit['id']}").text
    assert "深圳玻璃科技有限公司" in page  # they read the plan…
    assert 'id="plan-visits"' not in page and 'name="visit"' not in page  # …but cannot act
    before = table_counts()
    shenzhen = unit["leads"]["深圳玻璃科技有限公司"]
    forged = client.post(
        f"/taskforces/{unit['id']}/trip-plan",
        data={"visit": f"{shenzhen}@2026-03-03"},
        headers=ORIGIN,
    )
    assert forged.status_code == 403
    assert table_counts() == before


def test_planning_nothing_shows_the_plan_again_with_a_message(unit, table_counts):
    before = table_counts()
    response = unit["leader"].post(
        f"/taskforces/{unit['id']}/trip-plan", data={"purpose": "考察"}, headers=ORIGIN
    )
    assert response.status_code == 422
    assert "请至少勾选一项建议拜访" in response.text
    assert "考察" in response.text  # what they typed is kept
    assert table_counts() == before


def test_a_lead_of_another_task_force_is_not_planned_through_this_one(unit, staff, table_counts):
    theirs = staff.post("/api/taskforces", json={"name": "外资专班", "kind": "task_force"})
    firm = staff.post("/api/companies", json=company("北京显示有限公司", city="北京市")).json()
    stranger = staff.post(
        "/api/leads",
        json={
            "company_id": firm["id"],
            "segment": "new-display:panel",
            "task_force_id": theirs.json()["id"],
        },
    ).json()["id"]
    mine = unit["leads"]["深圳玻璃科技有限公司"]
    before = table_counts()
    for value in ([f"{mine}@2026-03-03", f"{stranger}@2026-03-03"], f"{mine}@not-a-day"):
        response = unit["leader"].post(
            f"/taskforces/{unit['id']}/trip-plan", data={"visit": value}, headers=ORIGIN
        )
        assert response.status_code == 422
    assert table_counts() == before


def test_the_pages_speak_english_when_asked(unit):
    client = unit["leader"]
    client.get("/lang/en?next=/")
    listing = client.get("/taskforces").text
    assert "My task forces" in listing and "Off-site centres" in listing
    board = client.get(f"/taskforces/{unit['id']}?month=2026-03").text
    assert "March 2026" in board and "Trip plan" in board and ">Mon</th>" in board
    assert "出行计划" not in board and "拜访日历" not in board


def _statements(app, client, url: str) -> int:
    count = 0

    def counted(*_args):
        nonlocal count
        count += 1

    event.listen(app.state.engine, "before_cursor_execute", counted)
    try:
        assert client.get(url).status_code == 200
    finally:
        event.remove(app.state.engine, "before_cursor_execute", counted)
    return count


def test_the_pages_load_in_a_fixed_number_of_queries(app, unit, staff):
    url = f"/taskforces/{unit['id']}"
    few = _statements(app, unit["leader"], url), _statements(app, unit["leader"], "/taskforces")
    for n in range(6):
        firm = staff.post("/api/companies", json=company(f"增补企业{n}", city=f"城市{n}")).json()[
            "id"
        ]
        lead = staff.post(
            "/api/leads",
            json={
                "company_id": firm,
                "segment": "new-display:panel",
                "task_force_id": unit["id"],
                "next_follow_up": "2026-01-05",
            },
        ).json()["id"]
        staff.post("/api/visits", json={"lead_id": lead, "date": f"2026-03-{n + 11}"})
        staff.post("/api/taskforces", json={"name": f"增补专班{n}", "kind": "group"})
    many = _statements(app, unit["leader"], url), _statements(app, unit["leader"], "/taskforces")
    assert many == few


def test_trip_days_skip_the_weekend_and_the_month_grid_starts_on_monday():
    assert trip_dates(date(2026, 11, 27), 3) == [
        date(2026, 11, 27),
        date(2026, 11, 30),
        date(2026, 12, 1),
    ]
    assert trip_dates(date(2026, 11, 28), 1) == [date(2026, 11, 30)]
    weeks = month_weeks(date(2026, 11, 1))
    assert weeks[0][:6] == [None] * 6 and weeks[0][6] == date(2026, 11, 1)  # a Sunday
    assert weeks[-1][0] == date(2026, 11, 30)
