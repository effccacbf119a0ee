"""Figures leadership can report: one counting rule (each figure on its own event date),
milestones implying their predecessors, breakdowns that add up, and 亿元 beside 万元.

A small hand-built history across the 2025/2026 year boundary, built through the API with a
moving clock. Every expected figure below is worked out by hand from the table, not by the
code under test.

| lead | chain:segment | unit (kind) | park | history |
|---|---|---|---|---|
| A | new-display:panel | 显示专班 (task_force) | 高新区 (chain default) | created 2025-11-01, negotiating 2025-12-01, signed 2025-12-30 (123456 万元), started 2026-01-05; funding 2025-12-31 30000, 2026-01-02 20000; tickets: urgent 2026-01-06 (due 01-07, overdue), normal 2026-03-30 (not yet due) |
| B | new-energy:cell | 北京中心 (center) | 经开区 (given) | created 2025-12-10, signed 2026-02-01 (80000), producing 2026-03-01 without a start; ticket: high 2026-02-02 (due 02-05, overdue) |
| C | new-display:terminal | 经信组 (group) | 高新区 (chain default) | created 2026-01-10, contacted 01-12, lost 01-20 |
| D | new-energy:cathode | none | none (two parks lead the chain) | created 2026-01-15, visited 2026-02-01 (skips contacted) |
"""

from contextlib import contextmanager
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import event
from sqlalchemy.engine import Engine

from tests.factories import chain_file, company
from tests.test_dashboard import ENERGY_CHAIN

D = date


def signed_money(signed: dict) -> dict:
    """The count and money of 新签约 (the ≥ 1/10/20 亿 counts are asserted on their own)."""
    return {k: signed[k] for k in ("count", "investment", "investment_yi")}


NOW = D(2026, 3, 31)
SPECIALIST = "wang-zy"
UNITS = {"T1": ("显示专班", "task_force"), "C1": ("北京中心", "center"), "G1": ("经信组", "group")}
PARKS = {"高新区": ["new-display"], "经开区": ["new-energy"], "科创园": ["new-energy"]}
LEADS = {
    "A": ("new-display:panel", "T1", None, 100000),
    "B": ("new-energy:cell", "C1", "经开区", 70000),
    "C": ("new-display:terminal", "G1", None, 20000),
    "D": ("new-energy:cathode", None, None, 5000),
}
# (day, lead, action, body)
HISTORY = [
    (D(2025, 11, 1), "A", "create", {}),
    (D(2025, 12, 1), "A", "negotiating", {}),
    (D(2025, 12, 10), "B", "create", {}),
    (D(2025, 12, 30), "A", "signed", {"investment": 123456}),
    (D(2025, 12, 31), "A", "fund", {"amount": 30000}),
    (D(2026, 1, 2), "A", "fund", {"amount": 20000}),
    (D(2026, 1, 5), "A", "started", {}),
    (D(2026, 1, 6), "A", "ticket", {"priority": "urgent"}),
    (D(2026, 1, 10), "C", "create", {}),
    (D(2026, 1, 12), "C", "contacted", {}),
    (D(2026, 1, 15), "D", "create", {}),
    (D(2026, 1, 20), "C", "lost", {"reason": "企业改投他地"}),
    (D(2026, 2, 1), "B", "signed", {"investment": 80000}),
    (D(2026, 2, 1), "D", "visited", {}),
    (D(2026, 2, 2), "B", "ticket", {"priority": "high"}),
    (D(2026, 3, 1), "B", "producing", {}),
    (D(2026, 3, 30), "A", "ticket", {"priority": "normal"}),
]
YEAR_2025 = {"date_from": "2025-01-01", "date_to": "2025-12-31"}
YEAR_2026 = {"date_from": "2026-01-01", "date_to": "2026-12-31"}


def at(app, day: date) -> None:
    moment = datetime(day.year, day.month, day.day, 12, tzinfo=UTC)
    app.state.clock = lambda: moment


@pytest.fixture
def history(app, staff, make_user) -> dict:
    at(app, D(2025, 10, 1))
    make_user(SPECIALIST, "specialist")
    for chain in (chain_file(), ENERGY_CHAIN):
        assert staff.post("/api/chains", json=chain).status_code == 201
    for name, chains in PARKS.items():
        body = {"name": name, "level": "provincial", "leading_chains": chains}
        assert staff.post("/api/parks", json=body).status_code == 201
    units = {}
    for key, (name, kind) in UNITS.items():
        response = staff.post("/api/taskforces", json={"name": name, "kind": kind})
        assert response.status_code == 201, response.text
        units[key] = response.json()["id"]
    leads, projects = {}, {}
    for day, name, action, body in HISTORY:
        at(app, day)
        if action == "create":
            segment, unit, park, expected = LEADS[name]
            firm = staff.post("/api/companies", json=company(f"企业{name}"))
            lead = {
                "company_id": firm.json()["id"],
                "segment": segment,
                "task_force_id": units.get(unit),
                "expected_investment": expected,
                "specialist": SPECIALIST,
                **({"park": park} if park else {}),
            }
            response = staff.post("/api/leads", json=lead)
            assert response.status_code == 201, response.text
            leads[name] = response.json()["id"]
        elif action == "fund":
            url = f"/api/projects/{projects[name]}/funding"
            response = staff.post(url, json={"date": day.isoformat(), **body})
            assert response.status_code == 201, response.text
        elif action == "ticket":
            url = f"/api/projects/{projects[name]}/tickets"
            ticket = {"category": "permits", "title": f"{name} 报建", **body}
            response = staff.post(url, json=ticket)
            assert response.status_code == 201, response.text
        else:
            move = {"stage": action, **body}
            if action == "signed":
                move["specialist"] = SPECIALIST
            response = staff.post(f"/api/leads/{leads[name]}/stage", json=move)
            assert response.status_code == 200, (name, action, response.text)
            if action == "signed":
                projects[name] = response.json()["project_id"]
    at(app, NOW)
    return {"units": units, "leads": leads, "projects": projects}


def get(client, path: str, **params) -> dict:
    response = client.get(path, params=params)
    assert response.status_code == 200, response.text
    return response.json()


def funnel(client, **params) -> dict:
    return get(client, "/api/dashboard/funnel", **params)


def reached(body: dict) -> list[int]:
    return [s["reached"] for s in body["stages"]]


# --- one counting rule, across the year boundary ---------------------------------------------


def test_each_figure_counts_its_own_date_across_the_year_boundary(staff, history):
    # 2025: A and B created; A negotiates and signs (so reaches everything up to signed);
    # A's first funding entry; nothing started, nothing entered its current stage.
    y2025 = funnel(staff, **YEAR_2025)
    assert y2025["counting_rule"]["name"] == "event_date"
    assert reached(y2025) == [2, 1, 1, 1, 1, 0, 0]
    assert signed_money(y2025["signed"]) == {
        "count": 1,
        "investment": 123456,
        "investment_yi": 12.35,
    }
    assert (y2025["started"], y2025["producing"]) == (0, 0)
    assert (y2025["investment_in_place"], y2025["investment_in_place_yi"]) == (30000, 3.0)
    assert [s["current"] for s in y2025["stages"]] == [0] * 7
    assert y2025["overdue_tickets"] == 0

    # 2026: C and D created; B (created in 2025) reaches contacted…signed on signing day,
    # started and producing on its production day; A starts; A's second funding entry.
    y2026 = funnel(staff, **YEAR_2026)
    assert reached(y2026) == [2, 3, 2, 1, 1, 2, 1]
    assert signed_money(y2026["signed"]) == {"count": 1, "investment": 80000, "investment_yi": 8.0}
    assert (y2026["started"], y2026["producing"]) == (2, 1)
    assert y2026["investment_in_place"] == 20000
    assert y2026["lost"]["count"] == 1
    assert y2026["overdue_tickets"] == 2
    # The year's targets count the same events as the funnel.
    progress = y2026["targets"]
    assert progress["signed_projects"]["actual"] == 1
    assert progress["signed_investment"]["actual"] == 80000
    assert progress["signed_investment"]["actual_yi"] == 8.0
    assert progress["started"]["actual"] == 2
    assert progress["producing"]["actual"] == 1

    # The cohort, labelled apart: of the projects signed in 2025 (A), how many started or
    # produce by now; of 2026's (B), the same.
    assert y2025["signed_cohort"]["signed"] == 1
    assert (y2025["signed_cohort"]["started"], y2025["signed_cohort"]["producing"]) == (1, 0)
    assert y2025["signed_cohort"]["started_rate"] == 1.0
    assert "cohort" in y2025["signed_cohort"]["label"]
    assert (y2026["signed_cohort"]["started"], y2026["signed_cohort"]["producing"]) == (1, 1)

    # Both years together are everything (no event before 2025 or after 2026): each lead
    # reaches each stage once, in one year.
    whole = funnel(staff)
    assert reached(whole) == [4, 4, 3, 2, 2, 2, 1]
    assert [a + b for a, b in zip(reached(y2025), reached(y2026), strict=True)] == reached(whole)
    assert whole["signed"]["count"] == y2025["signed"]["count"] + y2026["signed"]["count"]
    assert whole["investment_in_place"] == 50000
    assert whole["overdue_tickets"] == 2
    assert whole["signed_cohort"] is None  # no period, no cohort


def test_funding_counts_in_the_month_money_arrived(staff, history):
    months = {g["key"]: g for g in get(staff, "/api/dashboard/breakdown", by="month")["groups"]}
    # A signed in December 2025; its money arrived on 31 December and 2 January.
    assert months["2025-12"]["investment_in_place"] == 30000
    assert months["2026-01"]["investment_in_place"] == 20000
    assert months["2025-12"]["signed"]["count"] == 1
    assert months["2026-01"]["started"] == 1  # A
    assert months["2026-03"]["started"] == 1  # B, inferred from its production
    assert months["2026-01"]["overdue_tickets"] == 1  # due 7 January
    assert months["2026-02"]["overdue_tickets"] == 1  # due 5 February


# --- milestones imply their predecessors ----------------------------------------------------


def test_signed_to_producing_counts_as_started(staff, history):
    project = get(staff, f"/api/projects/{history['projects']['B']}")
    assert project["production_started_on"] == "2026-03-01"
    assert project["construction_started_on"] == "2026-03-01"
    assert project["construction_start_inferred"] is True
    recorded = get(staff, f"/api/projects/{history['projects']['A']}")
    assert recorded["construction_started_on"] == "2026-01-05"
    assert recorded["construction_start_inferred"] is False
    march = funnel(staff, date_from="2026-03-01", date_to="2026-03-31")
    assert march["started"] == 1
    for body in (funnel(staff), march, funnel(staff, **YEAR_2026)):
        by_stage = {s["stage"]: s["reached"] for s in body["stages"]}
        assert body["started"] == by_stage["started"]
        assert body["producing"] == by_stage["producing"]
        assert body["signed"]["count"] == by_stage["signed"]


# --- breakdowns complete -------------------------------------------------------------------

COUNTS = ("started", "producing", "overdue_tickets", "investment_in_place")


def totals(body: dict) -> dict:
    """Every count and sum of money of a funnel or group."""
    result = {key: body[key] for key in COUNTS}
    result["investment_in_place_yi"] = body["investment_in_place_yi"]
    result["signed"] = (body["signed"]["count"], body["signed"]["investment"])
    for column in ("reached", "current", "amount"):
        result[column] = [s[column] for s in body["stages"]]
    for halted in ("lost", "paused"):
        result[halted] = body[halted]["count"]
    return result


def added(groups: list[dict]) -> dict:
    parts = [totals(g) for g in groups]
    result = {}
    for key, value in parts[0].items():
        if isinstance(value, list):
            result[key] = [sum(col) for col in zip(*(p[key] for p in parts), strict=True)]
        elif isinstance(value, tuple):
            result[key] = tuple(sum(col) for col in zip(*(p[key] for p in parts), strict=True))
        else:
            result[key] = sum(p[key] for p in parts)
    return result


@pytest.mark.parametrize("by", ["task_force", "unit_kind", "chain", "park", "month"])
@pytest.mark.parametrize("period", [{}, YEAR_2025, YEAR_2026], ids=["all", "2025", "2026"])
def test_groups_add_up_to_the_total(staff, history, by, period):
    body = get(staff, "/api/dashboard/breakdown", by=by, **period)
    assert body["counting_rule"]["name"] == "event_date"
    whole = totals(funnel(staff, **period))
    got = added(body["groups"])
    # 亿元 values are rounded per group; compare the 万元 sums exactly, 亿元 within a cent.
    assert abs(got.pop("investment_in_place_yi") - whole.pop("investment_in_place_yi")) <= 0.02
    assert got == whole


def test_groups_by_hand(staff, history):
    units = history["units"]
    by_unit = {
        g["key"]: g for g in get(staff, "/api/dashboard/breakdown", by="task_force")["groups"]
    }
    assert set(by_unit) == {units["T1"], units["C1"], units["G1"], None}
    assert by_unit[None]["label"] == "未分配"  # D has no unit
    assert reached(by_unit[None]) == [1, 1, 1, 0, 0, 0, 0]
    assert by_unit[units["T1"]]["overdue_tickets"] == 1  # A's urgent ticket
    assert by_unit[units["C1"]]["overdue_tickets"] == 1  # B's high ticket
    assert by_unit[units["G1"]]["overdue_tickets"] == 0
    assert by_unit[units["C1"]]["unit_kind"] == "center"
    assert by_unit[units["G1"]]["lost"]["count"] == 1

    kinds = get(staff, "/api/dashboard/breakdown", by="unit_kind")["groups"]
    labels = {g["key"]: g["label"] for g in kinds}
    assert labels == {
        "center": "驻外中心",
        "task_force": "企业招商专班",  # the app's label of the kind
        "group": "招商组",
        None: "未分配",
    }
    assert kinds[-1]["key"] is None  # unassigned last
    subtotals = get(staff, "/api/dashboard/breakdown", by="task_force")["subtotals"]
    assert {g["key"]: totals(g) for g in subtotals} == {g["key"]: totals(g) for g in kinds}

    parks = {g["key"]: g for g in get(staff, "/api/dashboard/breakdown", by="park")["groups"]}
    # A and C go to 高新区 (the one park leading new-display); B to 经开区 as given; D has
    # none (two parks lead new-energy).
    assert set(parks) == {"高新区", "经开区", None}
    assert reached(parks["高新区"]) == [2, 2, 1, 1, 1, 1, 0]
    assert reached(parks[None]) == [1, 1, 1, 0, 0, 0, 0]
    # Before signing, a park's conversion is no longer 100% everywhere: C was lost.
    assert parks["高新区"]["conversion"][1]["rate"] == 0.5


# --- units ---------------------------------------------------------------------------------


def test_money_in_yi_beside_wan(staff, history):
    whole = funnel(staff)
    # 123456 + 80000 = 203456 万元 = 20.3456 亿元 → 20.35.
    assert signed_money(whole["signed"]) == {
        "count": 2,
        "investment": 203456,
        "investment_yi": 20.35,
    }
    assert (whole["investment_in_place"], whole["investment_in_place_yi"]) == (50000, 5.0)
    amounts = {s["stage"]: (s["amount"], s["amount_yi"]) for s in whole["stages"]}
    assert amounts["started"] == (123456, 12.35)
    assert amounts["producing"] == (80000, 8.0)
    assert amounts["visited"] == (5000, 0.5)  # D's expected investment
    schema = get(staff, "/api/openapi.json")["components"]["schemas"]
    assert "亿元" in schema["Signed"]["properties"]["investment_yi"]["description"]


# --- the intended park of a lead -------------------------------------------------------------


def test_lead_park_defaults_and_edits(staff, history, table_counts):
    leads = history["leads"]
    assert get(staff, f"/api/leads/{leads['A']}")["park"] == "高新区"
    assert get(staff, f"/api/leads/{leads['B']}")["park"] == "经开区"
    lead = get(staff, f"/api/leads/{leads['D']}")
    assert lead["park"] is None
    url = f"/api/leads/{leads['D']}"
    before = table_counts()
    refused = staff.patch(url, json={"version": lead["version"], "park": "无此园区"})
    assert refused.status_code == 422, refused.text
    assert table_counts() == before
    changed = staff.patch(url, json={"version": lead["version"], "park": "科创园"})
    assert changed.status_code == 200, changed.text
    assert changed.json()["park"] == "科创园"
    parks = {g["key"] for g in get(staff, "/api/dashboard/breakdown", by="park")["groups"]}
    assert parks == {"高新区", "经开区", "科创园"}
    cleared = staff.patch(url, json={"version": changed.json()["version"], "park": None})
    assert cleared.json()["park"] is None


# --- aggregated in SQL ----------------------------------------------------------------------


@contextmanager
def counted_queries():
    statements: list[str] = []

    def count(connection, cursor, statement, *args) -> None:
        statements.append(statement)

    event.listen(Engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(Engine, "before_cursor_execute", count)


def test_a_fixed_number_of_queries_whatever_the_data(app, staff, history):
    paths = [("/api/dashboard/funnel", {})] + [
        ("/api/dashboard/breakdown", {"by": by})
        for by in ("task_force", "unit_kind", "chain", "park", "county", "month")
    ]

    def queries() -> list[int]:
        counts = []
        for path, params in paths:
            with counted_queries() as statements:
                get(staff, path, **params)
            counts.append(len(statements))
        return counts

    before = queries()
    assert all(n >= 4 for n in before), before  # the listener sees the figures' queries
    # Three more units, each with a signed lead, funding and a ticket, in other months.
    for n, month in enumerate((4, 5, 6), start=1):
        at(app, D(2026, month, 2))
        unit = staff.post("/api/taskforces", json={"name": f"专班{n}", "kind": "group"})
        firm = staff.post("/api/companies", json=company(f"新企业{n}"))
        body = {"company_id": firm.json()["id"], "segment": "new-energy:pack"}
        lead = staff.post("/api/leads", json=body | {"task_force_id": unit.json()["id"]})
        move = {"stage": "signed", "specialist": SPECIALIST, "park": "科创园"}
        signed = staff.post(f"/api/leads/{lead.json()['id']}/stage", json=move)
        project = signed.json()["project_id"]
        funding = {"date": f"2026-0{month}-02", "amount": 1000}
        assert staff.post(f"/api/projects/{project}/funding", json=funding).status_code == 201
        ticket = {"category": "land", "title": "用地", "priority": "urgent"}
        assert staff.post(f"/api/projects/{project}/tickets", json=ticket).status_code == 201
    at(app, D(2026, 7, 1))
    assert queries() == before
