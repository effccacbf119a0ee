"""Leadership dashboards (SPEC §3, §5 and the dashboards issue), through the API.

A small hand-made world is built through the API with a frozen, moving clock: two chains, two
task forces, two parks and eleven leads with dated histories from November 2025 to March 2026
(forward skips, a backward move, a pause and resume, lost and paused leads, signings, milestones
and funding). Every expected figure is worked out here from the scenario table alone, by the
definitions of the issue, never by asking the implementation.
"""

from datetime import UTC, date, datetime
from itertools import pairwise

import pytest

from tests.factories import chain_file, company

D = date


def signed_money(signed: dict) -> dict:
    """The count and money of 新签约 (the ≥ 1/10/20 亿 counts are asserted on their own)."""
    return {k: signed[k] for k in ("count", "investment", "investment_yi")}


SPECIALIST = "zhang-zy"
PARKS = ("高新区", "经开区")
HIGH_TECH, ECONOMIC = PARKS
NOW = D(2026, 3, 31)  # the clock stands here once the world is built
YEAR = 2026

PIPELINE = ["identified", "contacted", "visited", "negotiating", "signed", "started", "producing"]
RANK = {stage: i for i, stage in enumerate(PIPELINE)}
HALTED = ("paused", "lost")

ENERGY_CHAIN = chain_file(
    "new-energy",
    name="新能源",
    name_en="New energy",
    segments=[
        {"code": code, "name": name, "stage": stage, "parent": None, "direction": True}
        | {"products": []}
        for code, name, stage in (
            ("cathode", "正极材料", "upstream"),
            ("cell", "电芯", "midstream"),
            ("pack", "电池包", "downstream"),
        )
    ],
    links=[{"from": "cathode", "to": "cell"}, {"from": "cell", "to": "pack"}],
)
CHAIN_NAMES = {"new-display": "新型显示", "new-energy": "新能源"}
# Leaves of each chain (``materials`` in new-display is a parent, not a leaf).
LEAVES = {
    "new-display": ["glass-substrate", "liquid-crystal", "panel", "terminal"],
    "new-energy": ["cathode", "cell", "pack"],
}
# One local company, working in new-display:panel: the only leaf covered by a local firm.
LOCAL_SEGMENTS = {("new-display", "panel")}

TASK_FORCES = {"TF1": "显示专班", "TF2": "新能源专班"}

MOVED_ON = "企业改投他地"
OVERCAPACITY = "产能过剩"
CASH = "企业资金紧张"
POLICY = "等待政策窗口"

# The scenario. Each lead: chain:segment, task force, expected investment (万元), creation day
# and its moves (day, stage, extra body). ``funding``: (day, amount) entries on its project.
SCENARIO = {
    "L1": {
        "segment": "new-display:glass-substrate",
        "tf": "TF1",
        "expected": 30000,
        "created": D(2025, 11, 3),
        "moves": [
            (D(2025, 11, 5), "contacted", {}),  # 2 days
            (D(2025, 11, 20), "visited", {}),
            (D(2025, 12, 10), "negotiating", {}),
            (D(2026, 1, 15), "signed", {"investment": 50000, "park": HIGH_TECH}),
            (D(2026, 2, 20), "started", {}),
            (D(2026, 3, 20), "producing", {}),
        ],
        "funding": [(D(2026, 2, 1), 20000)],
    },
    "L2": {
        "segment": "new-display:panel",
        "tf": "TF1",
        "expected": 40000,
        "created": D(2025, 11, 3),
        "moves": [
            (D(2025, 11, 7), "contacted", {}),  # 4 days
            (D(2025, 11, 25), "negotiating", {}),  # skips visited
            (D(2025, 12, 20), "signed", {"investment": 80000, "park": ECONOMIC}),  # last year
            (D(2026, 2, 10), "started", {}),
        ],
        "funding": [(D(2026, 1, 10), 30000), (D(2026, 3, 1), 10000)],
    },
    "L3": {
        "segment": "new-display:panel",
        "tf": "TF1",
        "expected": 20000,
        "created": D(2025, 11, 10),
        "moves": [
            (D(2025, 11, 16), "contacted", {}),  # 6 days
            (D(2025, 12, 1), "visited", {}),
            (D(2025, 12, 15), "negotiating", {}),
            (D(2026, 1, 10), "visited", {"reason": "企业重新评估选址"}),  # backward
        ],
    },
    "L4": {
        "segment": "new-display:liquid-crystal",
        "tf": "TF1",
        "expected": 10000,
        "created": D(2025, 11, 10),
        "moves": [
            (D(2025, 11, 20), "contacted", {}),  # 10 days
            (D(2025, 11, 22), "visited", {}),
            (D(2025, 11, 25), "paused", {"reason": CASH}),
            (D(2025, 11, 28), "resume", {}),
        ],
    },
    "L5": {
        "segment": "new-display:liquid-crystal",
        "tf": "TF2",
        "expected": 15000,
        "created": D(2026, 1, 2),
        "moves": [
            (D(2026, 1, 6), "contacted", {}),  # 4 days
            (D(2026, 1, 12), "visited", {}),
            (D(2026, 1, 20), "negotiating", {}),
            (D(2026, 1, 28), "lost", {"reason": MOVED_ON}),
        ],
    },
    "L6": {
        "segment": "new-display:terminal",
        "tf": "TF2",
        "expected": 5000,
        "created": D(2025, 12, 1),
        "moves": [
            (D(2025, 12, 3), "contacted", {}),  # 2 days
            (D(2025, 12, 28), "lost", {"reason": MOVED_ON}),
        ],
    },
    "L7": {
        "segment": "new-energy:cell",
        "tf": "TF2",
        "expected": 60000,
        "created": D(2025, 12, 5),
        "moves": [
            (D(2025, 12, 15), "visited", {}),  # skips contacted
            (D(2026, 1, 25), "negotiating", {}),
            (D(2026, 2, 10), "signed", {"investment": 100000, "park": HIGH_TECH}),
            (D(2026, 3, 10), "started", {}),
        ],
        "funding": [(D(2026, 3, 1), 25000)],
    },
    "L8": {
        "segment": "new-energy:cathode",
        "tf": "TF2",
        "expected": 8000,
        "created": D(2026, 1, 5),
        "moves": [
            (D(2026, 1, 8), "contacted", {}),  # 3 days
            (D(2026, 1, 30), "lost", {"reason": OVERCAPACITY}),
        ],
    },
    "L9": {
        "segment": "new-energy:cell",
        "tf": "TF2",
        "expected": 12000,
        "created": D(2026, 3, 2),
        "moves": [
            (D(2026, 3, 4), "contacted", {}),  # 2 days
            (D(2026, 3, 10), "visited", {}),
            (D(2026, 3, 15), "paused", {"reason": POLICY}),
        ],
    },
    "L10": {
        "segment": "new-energy:pack",
        "tf": "TF1",
        "expected": 7000,
        "created": D(2026, 3, 2),
        "moves": [(D(2026, 3, 5), "visited", {})],  # skips contacted
    },
    "L11": {
        "segment": "new-display:terminal",
        "tf": "TF1",
        "expected": 20000,
        "created": D(2026, 2, 2),
        "moves": [
            (D(2026, 2, 5), "negotiating", {}),  # skips contacted and visited
            (D(2026, 3, 12), "signed", {"investment": 40000, "park": ECONOMIC}),
        ],
    },
}


# --- the expected figures, from the scenario table alone ------------------------------------


def entries(name: str) -> list[tuple[date, str]]:
    """(day, stage entered) of a lead, creation included, ``resume`` resolved."""
    lead = SCENARIO[name]
    result = [(lead["created"], "identified")]
    left = None
    for day, stage, _ in lead["moves"]:
        if stage == "resume":
            stage = left
        elif stage in HALTED:
            left = result[-1][1]
        result.append((day, stage))
    return result


def highest(name: str, date_from: date | None = None, date_to: date | None = None) -> int:
    ranks = [
        RANK[stage]
        for day, stage in entries(name)
        if stage in RANK and (date_from or D.min) <= day <= (date_to or D.max)
    ]
    return max(ranks)


def current(name: str) -> str:
    return entries(name)[-1][1]


def moved_on(name: str, stage: str) -> date | None:
    return next((day for day, s, _ in SCENARIO[name]["moves"] if s == stage), None)


def signing(name: str) -> dict | None:
    return next((extra for _, s, extra in SCENARIO[name]["moves"] if s == "signed"), None)


def halt_reason(name: str) -> str:
    return SCENARIO[name]["moves"][-1][2]["reason"]


def select(chain=None, tf=None, park=None) -> list[str]:
    def keep(name: str) -> bool:
        lead = SCENARIO[name]
        if chain and not lead["segment"].startswith(f"{chain}:"):
            return False
        if tf and lead["tf"] != tf:
            return False
        return not (park and (signing(name) or {}).get("park") != park)

    return [name for name in SCENARIO if keep(name)]


def first_reach(name: str, rank: int) -> date | None:
    """The day a lead first entered the stage of ``rank`` or a later one (a skip reaches the
    skipped stages; a step back reaches nothing)."""
    days = [day for day, stage in entries(name) if stage in RANK and RANK[stage] >= rank]
    return min(days) if days else None


def within(day: date | None, date_from: date | None, date_to: date | None) -> bool:
    return day is not None and (date_from or D.min) <= day <= (date_to or D.max)


def rate(numerator: float, denominator: float) -> float | None:
    return round(numerator / denominator, 3) if denominator else None


def top_reasons(names: list[str]) -> list[tuple[str, int]]:
    counts: dict[str, int] = {}
    for name in names:
        counts[halt_reason(name)] = counts.get(halt_reason(name), 0) + 1
    return sorted(counts.items(), key=lambda item: (-item[1], item[0]))


def expected(chain=None, tf=None, park=None, date_from=None, date_to=None) -> dict:
    """The figures the definitions give for one scope (see ``figures``)."""
    return figures(select(chain, tf, park), date_from, date_to)


def figures(names: list[str], date_from=None, date_to=None) -> dict:
    """The figures of these leads, each counted on its own event day (the counting rule).

    ``reached``: leads that first entered the stage (or a later one) inside the range;
    ``signed``/``started``/``producing``: projects signed/started/producing inside it;
    investment in place: funding entries dated inside it; ``current``, lost and paused:
    leads in that stage now that entered it inside the range.
    """

    def now_in(name: str, stage: str) -> bool:
        day, last = entries(name)[-1]
        return last == stage and within(day, date_from, date_to)

    reached = [
        sum(1 for n in names if within(first_reach(n, i), date_from, date_to))
        for i in range(len(PIPELINE))
    ]
    stages = [
        {
            "stage": stage,
            "reached": reached[i],
            "current": sum(1 for n in names if now_in(n, stage)),
            "amount": sum(
                (signing(n) or {}).get("investment", SCENARIO[n]["expected"])
                for n in names
                if now_in(n, stage)
            ),
        }
        for i, stage in enumerate(PIPELINE)
    ]
    conversion = [
        {"from": PIPELINE[i], "to": PIPELINE[i + 1], "rate": rate(reached[i + 1], reached[i])}
        for i in range(len(PIPELINE) - 1)
    ]
    signed = [n for n in names if signing(n) and within(moved_on(n, "signed"), date_from, date_to)]
    investment = sum(signing(n)["investment"] for n in signed)
    started = reached[RANK["started"]]
    producing = reached[RANK["producing"]]
    in_place = sum(
        amount
        for n in names
        for day, amount in SCENARIO[n].get("funding", [])
        if within(day, date_from, date_to)
    )
    lost = [n for n in names if now_in(n, "lost")]
    paused = [n for n in names if now_in(n, "paused")]
    return {
        "stages": stages,
        "conversion": conversion,
        "signed": {"count": len(signed), "investment": investment},
        "started": started,
        "producing": producing,
        "started_rate": rate(started, len(signed)),
        "producing_rate": rate(producing, len(signed)),
        "investment_in_place": in_place,
        "investment_in_place_rate": rate(in_place, investment),
        "lost": {"count": len(lost), "top_reasons": top_reasons(lost)},
        "paused": {"count": len(paused), "top_reasons": top_reasons(paused)},
    }


def shown(body: dict) -> dict:
    """The API's figures in the shape of ``expected``."""
    result = {
        "stages": [
            {k: s[k] for k in ("stage", "reached", "current", "amount")} for s in body["stages"]
        ],
        "conversion": [{k: c[k] for k in ("from", "to", "rate")} for c in body["conversion"]],
        "signed": {k: body["signed"][k] for k in ("count", "investment")},
        **{
            k: body[k]
            for k in (
                "started",
                "producing",
                "started_rate",
                "producing_rate",
                "investment_in_place",
                "investment_in_place_rate",
            )
        },
    }
    for key in ("lost", "paused"):
        result[key] = {
            "count": body[key]["count"],
            # Reasons with the same count may come in any order.
            "top_reasons": sorted(
                ((r["reason"], r["count"]) for r in body[key]["top_reasons"]),
                key=lambda item: (-item[1], item[0]),
            ),
        }
    return result


# --- building the world through the API ------------------------------------------------------


def at(app, day: date) -> None:
    moment = datetime(day.year, day.month, day.day, 12, tzinfo=UTC)
    app.state.clock = lambda: moment


@pytest.fixture
def world(app, staff, make_user) -> dict:
    """The scenario, built through the API in the order of its days; the clock left at NOW."""
    at(app, D(2025, 10, 1))
    make_user(SPECIALIST, "specialist")
    assert staff.post("/api/chains", json=chain_file()).status_code == 201
    created = staff.post("/api/chains", json=ENERGY_CHAIN)
    assert created.status_code == 201, created.text
    for park in PARKS:
        assert staff.post("/api/parks", json={"name": park, "level": "national"}).status_code == 201
    local = company("本地面板厂", is_local=True, park=HIGH_TECH, segments=["new-display:panel"])
    assert staff.post("/api/companies", json=local).status_code == 201
    tf_ids = {}
    for key, name in TASK_FORCES.items():
        response = staff.post("/api/taskforces", json={"name": name, "kind": "task_force"})
        assert response.status_code == 201, response.text
        tf_ids[key] = response.json()["id"]

    events = []
    for name, lead in SCENARIO.items():
        events.append((lead["created"], 0, name, "create", {}))
        events += [(day, 1, name, stage, extra) for day, stage, extra in lead["moves"]]
        events += [(day, 2, name, "fund", {"amount": a}) for day, a in lead.get("funding", [])]
    lead_ids, project_ids = {}, {}
    for day, _, name, action, extra in sorted(events, key=lambda e: (e[0], e[1])):
        at(app, day)
        lead = SCENARIO[name]
        if action == "create":
            firm = staff.post("/api/companies", json=company(f"目标企业{name}"))
            assert firm.status_code == 201, firm.text
            body = {
                "company_id": firm.json()["id"],
                "segment": lead["segment"],
                "task_force_id": tf_ids[lead["tf"]],
                "expected_investment": lead["expected"],
                "specialist": SPECIALIST,
            }
            response = staff.post("/api/leads", json=body)
            assert response.status_code == 201, response.text
            lead_ids[name] = response.json()["id"]
        elif action == "fund":
            url = f"/api/projects/{project_ids[name]}/funding"
            response = staff.post(url, json={"date": day.isoformat(), **extra})
            assert response.status_code == 201, response.text
        else:
            body = {"stage": action, **extra}
            if action == "signed":
                body["specialist"] = SPECIALIST
            response = staff.post(f"/api/leads/{lead_ids[name]}/stage", json=body)
            assert response.status_code == 200, (name, action, response.text)
            if action == "signed":
                project_ids[name] = response.json()["project_id"]
    at(app, NOW)
    for name, lead_id in lead_ids.items():
        assert staff.get(f"/api/leads/{lead_id}").json()["stage"] == current(name), name
    return {"tf": tf_ids, "leads": lead_ids, "projects": project_ids}


def funnel(client, **params) -> dict:
    response = client.get("/api/dashboard/funnel", params=params)
    assert response.status_code == 200, response.text
    return response.json()


def breakdown(client, by: str, **params) -> list[dict]:
    response = client.get("/api/dashboard/breakdown", params={"by": by, **params})
    assert response.status_code == 200, response.text
    assert response.json()["by"] == by
    return response.json()["groups"]


def stage_column(body: dict, key: str) -> list:
    return [s[key] for s in body["stages"]]


# --- the funnel -------------------------------------------------------------------------------


def test_the_scenario_tables_are_what_the_issue_describes():
    """The helpers above, checked by hand once, so the other tests can lean on them."""
    whole = expected()
    assert [s["reached"] for s in whole["stages"]] == [11, 11, 9, 6, 4, 3, 1]
    assert [s["current"] for s in whole["stages"]] == [0, 0, 3, 0, 1, 2, 1]
    assert [s["amount"] for s in whole["stages"]] == [0, 0, 37000, 0, 40000, 180000, 50000]
    assert [c["rate"] for c in whole["conversion"]] == [1.0, 0.818, 0.667, 0.667, 0.75, 0.333]
    assert whole["signed"] == {"count": 4, "investment": 270000}
    assert (whole["started"], whole["producing"]) == (3, 1)
    assert (whole["started_rate"], whole["producing_rate"]) == (0.75, 0.25)
    assert whole["investment_in_place"] == 85000
    assert whole["investment_in_place_rate"] == 0.315
    assert whole["lost"] == {"count": 3, "top_reasons": [(MOVED_ON, 2), (OVERCAPACITY, 1)]}
    assert whole["paused"] == {"count": 1, "top_reasons": [(POLICY, 1)]}
    # January 2026: L5 and L8 are created; L5 reaches visited and negotiating, L7 (visited
    # in December) negotiating; L1 signs. L3's step back reaches nothing.
    january = expected(date_from=D(2026, 1, 1), date_to=D(2026, 1, 31))
    assert [s["reached"] for s in january["stages"]] == [2, 2, 1, 2, 1, 0, 0]
    assert january["investment_in_place"] == 30000  # L2's entry of 10 January


def test_funnel_over_everything(staff, world):
    body = funnel(staff)
    assert [s["stage"] for s in body["stages"]] == PIPELINE
    assert shown(body) == expected()
    # Paused and lost leads count by the highest stage they ever reached: L5 (lost while
    # negotiating) counts up to negotiating, L9 (paused while visited) up to visited; L3,
    # moved back from negotiating to visited, still counts as negotiating.
    assert stage_column(body, "reached") == [11, 11, 9, 6, 4, 3, 1]
    # 50,000, 80,000, 100,000 and 40,000 万元: all four ≥ 1亿, one ≥ 10亿, none ≥ 20亿.
    assert body["signed"] == {"count": 4, "investment": 270000, "investment_yi": 27.0} | {
        "at_least_1yi": 4,
        "at_least_10yi": 1,
        "at_least_20yi": 0,
    }


@pytest.mark.parametrize(
    ("params", "scope"),
    [
        ({"chain": "new-energy"}, {"chain": "new-energy"}),
        ({"chain": "new-display"}, {"chain": "new-display"}),
        ({"park": HIGH_TECH}, {"park": HIGH_TECH}),
        ({"park": ECONOMIC}, {"park": ECONOMIC}),
        ({"chain": "new-display", "park": ECONOMIC}, {"chain": "new-display", "park": ECONOMIC}),
    ],
    ids=["chain energy", "chain display", "park high-tech", "park economic", "chain and park"],
)
def test_funnel_filters(staff, world, params, scope):
    assert shown(funnel(staff, **params)) == expected(**scope)


@pytest.mark.parametrize("tf", ["TF1", "TF2"])
def test_funnel_task_force_filter(staff, world, tf):
    body = funnel(staff, task_force=world["tf"][tf])
    assert shown(body) == expected(tf=tf)


def test_funnel_filters_by_hand(staff, world):
    energy = funnel(staff, chain="new-energy")
    assert stage_column(energy, "reached") == [4, 4, 3, 1, 1, 1, 0]
    assert energy["signed"] == {"count": 1, "investment": 100000, "investment_yi": 10.0} | {
        "at_least_1yi": 1,
        "at_least_10yi": 1,
        "at_least_20yi": 0,
    }
    assert energy["investment_in_place_rate"] == 0.25
    assert energy["paused"]["top_reasons"] == [{"reason": POLICY, "count": 1}]
    high_tech = funnel(staff, park=HIGH_TECH)
    assert stage_column(high_tech, "reached") == [2, 2, 2, 2, 2, 2, 1]
    assert high_tech["signed"] == {"count": 2, "investment": 150000, "investment_yi": 15.0} | {
        "at_least_1yi": 2,
        "at_least_10yi": 1,
        "at_least_20yi": 0,
    }
    assert (high_tech["started_rate"], high_tech["producing_rate"]) == (1.0, 0.5)
    second = funnel(staff, task_force=world["tf"]["TF2"])
    assert stage_column(second, "reached") == [5, 5, 3, 2, 1, 1, 0]
    assert second["lost"]["count"] == 3
    assert [(r["reason"], r["count"]) for r in second["lost"]["top_reasons"]] == [
        (MOVED_ON, 2),
        (OVERCAPACITY, 1),
    ]
    assert funnel(staff, chain="no-such-chain")["signed"] == {
        "count": 0,
        "investment": 0,
        "investment_yi": 0.0,
        "at_least_1yi": 0,
        "at_least_10yi": 0,
        "at_least_20yi": 0,
    }


def test_date_range_counts_stage_moves_inside_it(staff, world):
    """January 2026, each figure on its own day: L1 (created in November) signs on 15
    January and counts as signed only; L5 is created and reaches negotiating, L8 contacted,
    L7 (visited in December) negotiating; L3's step back to visited reaches nothing; L2's
    January funding counts though it signed in December."""
    january = {"date_from": "2026-01-01", "date_to": "2026-01-31"}
    body = funnel(staff, **january)
    assert shown(body) == expected(date_from=D(2026, 1, 1), date_to=D(2026, 1, 31))
    assert stage_column(body, "reached") == [2, 2, 1, 2, 1, 0, 0]
    assert signed_money(body["signed"]) == {"count": 1, "investment": 50000, "investment_yi": 5.0}
    assert (body["investment_in_place"], body["investment_in_place_yi"]) == (30000, 3.0)
    assert body["counting_rule"]["name"] == "event_date"
    # L5 and L8 were lost inside January (and are lost now), nothing was paused.
    assert body["lost"]["count"] == 2
    assert sorted((r["reason"], r["count"]) for r in body["lost"]["top_reasons"]) == sorted(
        [(MOVED_ON, 1), (OVERCAPACITY, 1)]
    )
    assert body["paused"]["count"] == 0


@pytest.mark.parametrize(
    ("date_from", "date_to", "reached", "signed"),
    [
        # Both ends are inclusive: L5 visits on the 12th, L1 signs on the 15th.
        (D(2026, 1, 12), D(2026, 1, 15), [0, 0, 1, 0, 1, 0, 0], {"count": 1, "investment": 50000}),
        # L5 and L7 reach negotiating on the 20th and 25th.
        (D(2026, 1, 16), D(2026, 1, 27), [0, 0, 0, 2, 0, 0, 0], {"count": 0, "investment": 0}),
        # L9, L10, L11 created; L11 skips to negotiating; L7, L11 sign; L1, L2, L7 start;
        # L1 produces.
        (D(2026, 2, 1), None, [3, 3, 3, 1, 2, 3, 1], {"count": 2, "investment": 140000}),
        (None, D(2025, 11, 30), [4, 4, 3, 1, 0, 0, 0], {"count": 0, "investment": 0}),
    ],
    ids=["inclusive ends", "between", "open end", "open start"],
)
def test_date_range_edges(staff, world, date_from, date_to, reached, signed):
    params = {k: v.isoformat() for k, v in (("date_from", date_from), ("date_to", date_to)) if v}
    body = funnel(staff, **params)
    assert shown(body) == expected(date_from=date_from, date_to=date_to)
    assert stage_column(body, "reached") == reached
    assert signed_money(body["signed"]) == {**signed, "investment_yi": signed["investment"] / 10000}


def test_conversion_is_none_after_an_empty_stage(staff, world):
    body = funnel(staff, date_from="2026-01-16", date_to="2026-01-27")
    rates = {(c["from"], c["to"]): c["rate"] for c in body["conversion"]}
    assert rates[("visited", "negotiating")] is None  # two reached negotiating, none visited
    assert rates[("negotiating", "signed")] == 0.0
    assert rates[("signed", "started")] is None
    assert rates[("started", "producing")] is None
    empty = funnel(staff, date_from="2027-01-01")
    assert stage_column(empty, "reached") == [0] * 7
    assert [c["rate"] for c in empty["conversion"]] == [None] * 6
    assert empty["started_rate"] is None
    assert empty["investment_in_place_rate"] is None


def test_reversed_date_range_is_422(staff, world):
    response = staff.get(
        "/api/dashboard/funnel", params={"date_from": "2026-02-01", "date_to": "2026-01-01"}
    )
    assert response.status_code == 422


# --- breakdowns -------------------------------------------------------------------------------


def test_breakdown_by_task_force(staff, world):
    groups = breakdown(staff, "task_force")
    tf = world["tf"]
    # TF1 is ahead on every count (leads, signings, investment, starts): best first.
    assert [(g["key"], g["label"]) for g in groups] == [
        (tf["TF1"], TASK_FORCES["TF1"]),
        (tf["TF2"], TASK_FORCES["TF2"]),
    ]
    for group, key in zip(groups, ("TF1", "TF2"), strict=True):
        assert shown(group) == expected(tf=key), key
    first = groups[0]
    assert stage_column(first, "reached") == [6, 6, 6, 4, 3, 2, 1]
    assert signed_money(first["signed"]) == {
        "count": 3,
        "investment": 170000,
        "investment_yi": 17.0,
    }
    assert first["investment_in_place_rate"] == 0.353
    assert first["lost"] == {"count": 0, "top_reasons": []}


def test_breakdown_by_chain(staff, world):
    groups = breakdown(staff, "chain")
    assert [(g["key"], g["label"]) for g in groups] == [
        ("new-display", "新型显示"),
        ("new-energy", "新能源"),
    ]
    for group in groups:
        assert shown(group) == expected(chain=group["key"]), group["key"]
    assert signed_money(groups[0]["signed"]) == {
        "count": 3,
        "investment": 170000,
        "investment_yi": 17.0,
    }


def test_breakdown_by_chain_within_a_filter(staff, world):
    groups = breakdown(staff, "chain", task_force=world["tf"]["TF2"])
    by_key = {g["key"]: g for g in groups}
    assert set(by_key) == {"new-display", "new-energy"}
    # TF2 on new-display: L5 and L6, both lost; on new-energy: L7, L8, L9.
    display = by_key["new-display"]
    assert stage_column(display, "reached") == [2, 2, 1, 1, 0, 0, 0]
    assert display["lost"]["count"] == 2
    assert display["lost"]["top_reasons"] == [{"reason": MOVED_ON, "count": 2}]
    assert stage_column(by_key["new-energy"], "reached") == [3, 3, 2, 1, 1, 1, 0]


def test_breakdown_by_park(staff, world):
    groups = {g["key"]: g for g in breakdown(staff, "park")}
    for park in PARKS:
        assert shown(groups[park]) == expected(park=park), park
    assert signed_money(groups[HIGH_TECH]["signed"]) == {
        "count": 2,
        "investment": 150000,
        "investment_yi": 15.0,
    }
    assert signed_money(groups[ECONOMIC]["signed"]) == {
        "count": 2,
        "investment": 120000,
        "investment_yi": 12.0,
    }
    # The leads without a signed project (so without a park) form a group of their own.
    unsigned = [name for name in SCENARIO if not signing(name)]
    assert set(groups) == {*PARKS, None}
    assert shown(groups[None]) == figures(unsigned)
    assert stage_column(groups[None], "reached") == [7, 7, 5, 2, 0, 0, 0]


MONTHS = [
    ("2025-11", D(2025, 11, 1), D(2025, 11, 30)),
    ("2025-12", D(2025, 12, 1), D(2025, 12, 31)),
    ("2026-01", D(2026, 1, 1), D(2026, 1, 31)),
    ("2026-02", D(2026, 2, 1), D(2026, 2, 28)),
    ("2026-03", D(2026, 3, 1), D(2026, 3, 31)),
]


def test_breakdown_by_month(staff, world):
    """Each figure falls in the month of its own event: February has L11 created and
    reaching negotiating, L7 signed, L1 and L2 started; its funding is L1's entry of
    1 February, not the money of the projects signed in February."""
    groups = breakdown(staff, "month")
    assert [str(g["key"]) for g in groups] == [month for month, _, _ in MONTHS]
    for group, (month, first, last) in zip(groups, MONTHS, strict=True):
        assert shown(group) == expected(date_from=first, date_to=last), month
    february = groups[3]
    assert stage_column(february, "reached") == [1, 1, 1, 1, 1, 2, 0]
    assert signed_money(february["signed"]) == {
        "count": 1,
        "investment": 100000,
        "investment_yi": 10.0,
    }
    assert february["started"] == 2
    assert february["investment_in_place"] == 20000
    # L4 paused and resumed in November: not paused now.
    assert groups[0]["paused"]["count"] == 0
    march = groups[4]
    # L9 and L10 created and visited; L11 signs; L7 starts; L1 produces.
    assert stage_column(march, "reached") == [2, 2, 2, 0, 1, 1, 1]
    assert signed_money(march["signed"]) == {"count": 1, "investment": 40000, "investment_yi": 4.0}
    assert march["investment_in_place"] == 35000
    # The months add up to the whole.
    whole = funnel(staff)
    for column in ("reached", "current", "amount"):
        columns = zip(*(stage_column(g, column) for g in groups), strict=True)
        assert [sum(col) for col in columns] == stage_column(whole, column)
    assert sum(g["investment_in_place"] for g in groups) == whole["investment_in_place"] == 85000


# --- velocity ---------------------------------------------------------------------------------


def nearest_rank(durations: list[float], p: float) -> float:
    ordered = sorted(durations)
    rank = next(k for k in range(1, len(ordered) + 1) if k >= p * len(ordered))
    return float(ordered[rank - 1])


def velocity(client, by: str, **params) -> dict:
    response = client.get("/api/dashboard/velocity", params={"by": by, **params})
    assert response.status_code == 200, response.text
    assert response.json()["by"] == by
    return {(row["label"], row["stage"]): row for row in response.json()["rows"]}


def test_velocity_identified_to_contacted(staff, world):
    """Days from creation (entering identified) to entering contacted, nearest rank."""
    by_task_force = velocity(staff, "task_force")
    # TF1: L1 2, L2 4, L3 6, L4 10 days; n=4: median rank 2, p90 rank 4 (3.6 rounded up).
    row = by_task_force[(TASK_FORCES["TF1"], "contacted")]
    assert (row["moves"], row["median_days"], row["p90_days"]) == (4, 4.0, 10.0)
    assert nearest_rank([2, 4, 6, 10], 0.5) == 4.0
    assert nearest_rank([2, 4, 6, 10], 0.9) == 10.0
    assert row["group"] in (str(world["tf"]["TF1"]), TASK_FORCES["TF1"])
    # TF2: L5 4, L6 2, L8 3, L9 2 days.
    row = by_task_force[(TASK_FORCES["TF2"], "contacted")]
    expected_row = (4, nearest_rank([4, 2, 3, 2], 0.5), nearest_rank([4, 2, 3, 2], 0.9))
    assert (row["moves"], row["median_days"], row["p90_days"]) == expected_row == (4, 2.0, 4.0)

    by_chain = velocity(staff, "chain")
    # new-display: L1 2, L2 4, L3 6, L4 10, L5 4, L6 2; n=6: median rank 3, p90 rank 6.
    row = by_chain[("新型显示", "contacted")]
    assert row["group"] == "new-display"
    assert (row["moves"], row["median_days"], row["p90_days"]) == (6, 4.0, 10.0)
    # new-energy: L8 3, L9 2; n=2: median rank 1, p90 rank 2.
    row = by_chain[("新能源", "contacted")]
    assert (row["moves"], row["median_days"], row["p90_days"]) == (2, 2.0, 3.0)
    # Filters apply: only TF2's leads on new-display (L5 4, L6 2).
    row = velocity(staff, "chain", task_force=world["tf"]["TF2"])[("新型显示", "contacted")]
    assert (row["moves"], row["median_days"], row["p90_days"]) == (2, 2.0, 4.0)


def forward_durations(stage: str, *, chain: str | None = None, tf: str | None = None) -> list:
    """Days from entering a stage to entering ``stage`` further on (skips included: from the
    stage left); a move back and a return from a pause are no step between stages."""
    result = []
    for name in select(chain=chain, tf=tf):
        steps = [(day, s) for day, s in entries(name) if s in RANK]
        for (before, left), (day, entered) in pairwise(steps):
            if entered == stage and RANK[entered] > RANK[left]:
                result.append((day - before).days)
    return result


def test_velocity_from_the_scenario(staff, world):
    by_chain = velocity(staff, "chain")
    by_task_force = velocity(staff, "task_force")
    assert forward_durations("contacted", tf="TF1") == [2, 4, 6, 10]
    for stage in ("contacted", "negotiating", "signed", "started", "producing"):
        for rows, label, scope in (
            (by_chain, "新型显示", {"chain": "new-display"}),
            (by_chain, "新能源", {"chain": "new-energy"}),
            (by_task_force, TASK_FORCES["TF1"], {"tf": "TF1"}),
            (by_task_force, TASK_FORCES["TF2"], {"tf": "TF2"}),
        ):
            durations = forward_durations(stage, **scope)
            row = rows.get((label, stage))
            shown_row = row and (row["moves"], row["median_days"], row["p90_days"])
            want = durations and (
                len(durations),
                nearest_rank(durations, 0.5),
                nearest_rank(durations, 0.9),
            )
            assert (shown_row or None) == (want or None), (label, stage)


def test_velocity_counts_no_backward_move_or_resume(staff, world):
    """Into visited on new-display: L1 15 days, L3 15, L4 2, L5 6 (n=4: median 6, p90 15).
    L3's move back from negotiating (26 days after entering it) and L4's return from its
    pause (6 days after it first entered visited) are no step between consecutive stages."""
    durations = forward_durations("visited", chain="new-display")
    assert sorted(durations) == [2, 6, 15, 15]
    row = velocity(staff, "chain")[("新型显示", "visited")]
    assert (row["moves"], row["median_days"], row["p90_days"]) == (4, 6.0, 15.0)
    row = velocity(staff, "task_force")[(TASK_FORCES["TF1"], "visited")]
    # TF1: L1 15, L3 15, L4 2, L10 3 (identified to visited, skipping contacted).
    assert sorted(forward_durations("visited", tf="TF1")) == [2, 3, 15, 15]
    assert (row["moves"], row["median_days"], row["p90_days"]) == (4, 3.0, 15.0)


# --- annual targets ---------------------------------------------------------------------------


LATER_TARGETS = (
    "funding",
    "funding_outside_province",
    "signed_at_least_1yi",
    "signed_at_least_10yi",
    "signed_at_least_20yi",
)


def answer(targets: dict) -> dict:
    """A PUT's body as GET answers it: every figure present (null: no target), no parks or
    counties listed."""

    def full(values: dict) -> dict:
        return dict.fromkeys(LATER_TARGETS) | values

    return {
        "year": YEAR,
        "overall": full(targets["overall"]),
        "task_forces": [full(t) for t in targets["task_forces"]],
        "parks": [],
        "counties": [],
    }


def first_four(progress: dict) -> dict:
    """The figures targets had first (the later ones are tested in test_dashboard_targets)."""
    return {k: progress[k] for k in ("year", "signed_projects", "signed_investment", "started")} | {
        "producing": progress["producing"]
    }


def test_targets_round_trip_and_progress(staff, world, table_counts):
    tf = world["tf"]
    url = f"/api/targets/{YEAR}"
    empty = staff.get(url)
    assert empty.status_code == 200, empty.text
    assert empty.json()["task_forces"] == []
    assert set(empty.json()["overall"].values()) == {None}

    targets = {
        "overall": {
            "signed_projects": 8,
            "signed_investment": 400000,
            "started": 4,
            "producing": 2,
        },
        "task_forces": [
            {
                "task_force_id": tf["TF1"],
                "signed_projects": 3,
                "signed_investment": 150000,
                "started": 3,
                "producing": None,
            },
            {
                "task_force_id": tf["TF2"],
                "signed_projects": 4,
                "signed_investment": 300000,
                "started": 2,
                "producing": 1,
            },
        ],
    }
    put = staff.put(url, json=targets)
    assert put.status_code == 200, put.text
    assert put.json() == answer(targets)
    assert staff.get(url).json() == answer(targets)

    before = table_counts()
    unknown = {"overall": {}, "task_forces": [{"task_force_id": 99999, "signed_projects": 1}]}
    refused = staff.put(url, json=unknown)
    assert refused.status_code == 422, refused.text
    assert table_counts() == before
    assert staff.get(url).json() == answer(targets)

    # Actuals for 2026 from the projects: signed in 2026 are L1 (TF1, 50000), L7 (TF2,
    # 100000) and L11 (TF1, 40000); L2 signed in December 2025 does not count. Started in
    # 2026: L1, L2 (TF1) and L7 (TF2); producing: L1 (TF1).
    def progress(target, actual):
        return {
            "target": target,
            "actual": actual,
            "rate": rate(actual, target) if target else None,
        }

    def money(target, actual, target_yi, actual_yi):
        return progress(target, actual) | {"target_yi": target_yi, "actual_yi": actual_yi}

    overall = first_four(funnel(staff)["targets"])
    assert overall == {
        "year": YEAR,
        "signed_projects": progress(8, 3),
        "signed_investment": money(400000, 190000, 40.0, 19.0),
        "started": progress(4, 3),
        "producing": progress(2, 1),
    }
    assert overall["signed_investment"]["rate"] == 0.475

    groups = {g["key"]: first_four(g["targets"]) for g in breakdown(staff, "task_force")}
    assert groups[tf["TF1"]] == {
        "year": YEAR,
        "signed_projects": progress(3, 2),
        "signed_investment": money(150000, 90000, 15.0, 9.0),
        "started": progress(3, 2),
        "producing": progress(None, 1),
    }
    assert groups[tf["TF2"]] == {
        "year": YEAR,
        "signed_projects": progress(4, 1),
        "signed_investment": money(300000, 100000, 30.0, 10.0),
        "started": progress(2, 1),
        "producing": progress(1, 0),
    }
    assert groups[tf["TF1"]]["signed_projects"]["rate"] == 0.667
    # The funnel of one task force shows that task force's targets.
    assert first_four(funnel(staff, task_force=tf["TF2"])["targets"]) == groups[tf["TF2"]]

    # A PUT replaces: TF2's targets are gone.
    replaced = {"overall": targets["overall"], "task_forces": targets["task_forces"][:1]}
    assert staff.put(url, json=replaced).status_code == 200
    assert staff.get(url).json() == answer(replaced)
    groups = {g["key"]: g["targets"] for g in breakdown(staff, "task_force")}
    assert groups[tf["TF2"]]["signed_projects"] == progress(None, 1)


def test_viewer_reads_dashboards_but_may_not_set_targets(staff, world, login, table_counts):
    viewer = login("viewer")
    for path, params in (
        ("/api/dashboard/funnel", {}),
        ("/api/dashboard/breakdown", {"by": "month"}),
        ("/api/dashboard/velocity", {}),
        ("/api/dashboard/chains", {}),
        (f"/api/targets/{YEAR}", {}),
    ):
        assert viewer.get(path, params=params).status_code == 200, path
    assert viewer.get("/api/dashboard/funnel").json() == staff.get("/api/dashboard/funnel").json()
    before = table_counts()
    refused = viewer.put(f"/api/targets/{YEAR}", json={"overall": {"signed_projects": 1}})
    assert refused.status_code == 403
    assert table_counts() == before


# --- chain progress ---------------------------------------------------------------------------


def month_ends(today: date, count: int = 12) -> list[str]:
    months = []
    year, month = today.year, today.month
    for _ in range(count):
        months.append(f"{year:04d}-{month:02d}")
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return months[::-1]


def expected_chains(today: date) -> dict:
    result = {}
    for chain, leaves in LEAVES.items():
        first_signed = {}
        for name in SCENARIO:
            lead_chain, segment = SCENARIO[name]["segment"].split(":")
            signed_on = moved_on(name, "signed")
            if lead_chain == chain and signed_on and signed_on <= today:
                first_signed[segment] = min(signed_on, first_signed.get(segment, signed_on))

        def covered(on: date, leaves=leaves, chain=chain, first_signed=first_signed) -> int:
            return sum(
                1
                for leaf in leaves
                if (chain, leaf) in LOCAL_SEGMENTS or first_signed.get(leaf, D.max) <= on
            )

        def month_end(month: str) -> date:
            year, number = map(int, month.split("-"))
            following = D(year + number // 12, number % 12 + 1, 1)
            return D.fromordinal(following.toordinal() - 1)

        months = month_ends(today)
        gaps = {
            leaf: sum(
                1
                for name in SCENARIO
                if SCENARIO[name]["segment"] == f"{chain}:{leaf}"
                and current(name) in ("identified", "contacted", "visited", "negotiating")
            )
            for leaf in leaves
            if (chain, leaf) not in LOCAL_SEGMENTS and leaf not in first_signed
        }
        result[chain] = {
            "name": CHAIN_NAMES[chain],
            "leaves": len(leaves),
            "completeness": round(covered(today) / len(leaves), 3),
            "completeness_by_local_firms": round(covered(D.min) / len(leaves), 3),
            "months": {m: round(covered(month_end(m)) / len(leaves), 3) for m in months},
            "open_gaps": gaps,
            "signed_projects": sum(
                1
                for name in SCENARIO
                if SCENARIO[name]["segment"].startswith(f"{chain}:") and signing(name)
            ),
        }
    return result


def test_chain_progress(staff, world):
    response = staff.get("/api/dashboard/chains")
    assert response.status_code == 200, response.text
    body = {c["chain"]: c for c in response.json()["items"]}
    assert set(body) == set(LEAVES)
    shown_chains = {
        code: {
            "name": c["name"],
            "leaves": c["leaves"],
            "completeness": c["completeness"],
            "completeness_by_local_firms": c["completeness_by_local_firms"],
            "months": {m["month"]: m["completeness"] for m in c["months"]},
            "open_gaps": {g["code"]: g["open_leads"] for g in c["open_gaps"]},
            "signed_projects": c["signed_projects"],
        }
        for code, c in body.items()
    }
    assert shown_chains == expected_chains(NOW)
    for chain in body.values():
        months = [m["month"] for m in chain["months"]]
        assert months == month_ends(NOW) == sorted(months)

    display = body["new-display"]
    # Panel has a local firm (0.25); glass-substrate signs in January 2026 (0.5) and
    # terminal in March 2026 (0.75). L2 signing in the panel leaf (December) adds nothing.
    assert display["completeness"] == 0.75
    assert display["completeness_by_local_firms"] == 0.25
    values = {m["month"]: m["completeness"] for m in display["months"]}
    assert values["2025-04"] == values["2025-12"] == 0.25
    assert values["2026-01"] == values["2026-02"] == 0.5
    assert values["2026-03"] == 0.75
    # liquid-crystal: L4 is open, L5 lost.
    assert {g["code"]: g["open_leads"] for g in display["open_gaps"]} == {"liquid-crystal": 1}
    assert {g["code"]: g["name"] for g in display["open_gaps"]} == {"liquid-crystal": "液晶材料"}

    energy = body["new-energy"]
    assert energy["completeness"] == 0.333
    values = {m["month"]: m["completeness"] for m in energy["months"]}
    assert values["2026-01"] == 0.0
    assert values["2026-02"] == values["2026-03"] == 0.333
    # cathode: L8 lost, so none open; pack: L10 is open.
    assert {g["code"]: g["open_leads"] for g in energy["open_gaps"]} == {"cathode": 0, "pack": 1}


def test_chain_progress_before_the_signings(app, staff, world):
    """Frozen back at 2025-12-31: only L2 (panel, already covered) has signed."""
    at(app, D(2025, 12, 31))
    body = {c["chain"]: c for c in staff.get("/api/dashboard/chains").json()["items"]}
    display = body["new-display"]
    assert [m["month"] for m in display["months"]] == month_ends(D(2025, 12, 31))
    assert display["completeness"] == 0.25
    assert {m["completeness"] for m in display["months"]} == {0.25}
    assert body["new-energy"]["completeness"] == 0.0
