"""The funnel measurements: ``GET /api/dashboard/funnel`` (the whole city, without and with a
period) against the best hand-written SQL for the same answer, interleaved round by round.

The twin reads the leads once (their stage now, the amount at stake, the reason when halted
and, without a period, ``highest_rank`` for the stages reached), the projects once (every
milestone of the period and of the target year as conditional sums), the funding entries
once, the overdue tickets and the city's target row; with a period, the stage moves inside it
(and each lead's furthest stage before it) and the cohort signed in it. Before timing, both
must give the same figures: every stage's reached, current and amount; signed (count, 万元,
≥ 1/10/20 亿), started, producing, funding and its 省外 part; lost and paused with their top
reasons; overdue tickets; the target progress; the cohort.
"""

from collections import defaultdict
from datetime import UTC, date, datetime

from fastapi.testclient import TestClient

from bench.lists import Measurement, Twin
from crm.dashboard.sql import Scope
from crm.leads.models import PIPELINE, RANK, Stage

PURSUIT = range(RANK[Stage.signed])
HALTED = ("paused", "lost")
TOP = 5
MAJOR = (10_000, 100_000, 200_000)
TARGET_FIELDS = (
    "signed_projects",
    "signed_investment",
    "started",
    "producing",
    "funding",
    "funding_outside_province",
    "signed_at_least_1yi",
    "signed_at_least_10yi",
    "signed_at_least_20yi",
)
PERIOD = (date(2026, 1, 1), date(2026, 6, 30))


class FunnelMeasurement(Measurement):
    def check(self) -> None:
        """The same figures, named where they differ."""
        mine, theirs = self.endpoint()["ids"], self.twin()["ids"]
        differ = {k: (mine[k], theirs[k]) for k in mine if mine[k] != theirs[k]}
        assert not differ, f"{self.name}: endpoint vs twin differ: {differ}"


def measurements(client: TestClient, twin: Twin, now: datetime) -> list[Measurement]:
    start, end = PERIOD
    window = f"date_from={start}&date_to={end}"
    return [
        FunnelMeasurement(
            "funnel, whole city",
            lambda: answer_of(client, "/api/dashboard/funnel"),
            lambda: funnel_sql(twin, now, None),
            "raw SQL",
        ),
        FunnelMeasurement(
            f"funnel, {start:%Y-%m} to {end:%Y-%m}",
            lambda: answer_of(client, f"/api/dashboard/funnel?{window}"),
            lambda: funnel_sql(twin, now, PERIOD),
            "raw SQL",
        ),
    ]


def answer_of(client: TestClient, path: str) -> dict:
    response = client.get(path)
    assert response.status_code == 200, response.text
    body = response.json()
    figures = {
        "stages": [(s["reached"], s["current"], round(s["amount"], 2)) for s in body["stages"]],
        "signed": _signed(body["signed"]),
        "milestones": (body["started"], body["producing"]),
        "funding": (
            round(body["investment_in_place"], 2),
            round(body["investment_in_place_outside_province"], 2),
        ),
        "halted": {
            k: (body[k]["count"], [(r["reason"], r["count"]) for r in body[k]["top_reasons"]])
            for k in HALTED
        },
        "overdue": body["overdue_tickets"],
        "targets": [
            (body["targets"][f]["target"], round(body["targets"][f]["actual"], 2))
            for f in TARGET_FIELDS
        ],
        "cohort": _cohort(body["signed_cohort"]),
    }
    return {"ids": figures, "total": body["signed"]["count"]}


def _signed(signed: dict) -> tuple:
    keys = ("count", "investment", "at_least_1yi", "at_least_10yi", "at_least_20yi")
    return tuple(round(signed[k], 2) for k in keys)


def _cohort(cohort: dict | None):
    return None if cohort is None else (cohort["signed"], cohort["started"], cohort["producing"])


def funnel_sql(twin: Twin, now: datetime, period: tuple[date, date] | None) -> dict:
    year = (period[0] if period else now.date()).year
    scope = Scope(date_from=period[0], date_to=period[1]) if period else Scope()
    lit = _Literals(twin.dialect)
    leads = _leads(twin, lit, scope)
    reached = _reached_in(twin, lit, scope) if period else leads["reached"]
    signed, milestones, targets_actual = _projects(twin, scope, year)
    funding, funding_year = _funding(twin, scope, year)
    overdue = _overdue(twin, lit, scope, now)
    target = _target_row(twin, year)
    counts = [reached.get(r, 0) for r in PURSUIT] + [signed[0], *milestones]
    stages = [
        (counts[rank], *leads["current"].get(stage.value, (0, 0.0)))
        for rank, stage in enumerate(PIPELINE)
    ]
    actual = [*targets_actual[:4], *funding_year, *targets_actual[4:]]  # TARGET_FIELDS order
    figures = {
        "stages": [(r, c, round(a, 2)) for r, c, a in stages],
        "signed": tuple(round(v, 2) for v in signed),
        "milestones": tuple(milestones),
        "funding": tuple(round(v, 2) for v in funding),
        "halted": leads["halted"],
        "overdue": overdue,
        "targets": [(t, round(a, 2)) for t, a in zip(target, actual, strict=True)],
        "cohort": _cohort_sql(twin, scope) if period else None,
    }
    twin.end()
    return {"ids": figures, "total": signed[0]}


class _Literals:
    """Timestamps and dates written into the SQL (the twin binds no parameters)."""

    def __init__(self, dialect: str):
        self.postgres = dialect == "postgresql"

    def moment(self, value: datetime) -> str:
        value = value.astimezone(UTC)
        if self.postgres:
            return f"'{value.isoformat()}'::timestamptz"
        return f"'{value.strftime('%Y-%m-%d %H:%M:%S.%f')}'"


def _between(column: str, start, end) -> str:
    conditions = ["TRUE"]
    if start is not None:
        conditions.append(f"{column} >= {start}")
    if end is not None:
        conditions.append(f"{column} < {end}")
    return " AND ".join(conditions)


def _in_days(column: str, scope: Scope) -> str:
    conditions = [f"{column} IS NOT NULL"]
    if scope.date_from:
        conditions.append(f"{column} >= '{scope.date_from}'")
    if scope.date_to:
        conditions.append(f"{column} <= '{scope.date_to}'")
    return " AND ".join(conditions)


def _rank_case(column: str) -> str:
    whens = " ".join(f"WHEN '{stage.value}' THEN {rank}" for stage, rank in RANK.items())
    return f"CASE {column} {whens} END"


def _leads(twin: Twin, lit: _Literals, scope: Scope) -> dict:
    window = _between(
        "l.stage_changed_at",
        lit.moment(scope.start) if scope.start else None,
        lit.moment(scope.end) if scope.end else None,
    )
    halted = ", ".join(f"'{s}'" for s in HALTED)
    rows = twin.rows(
        "SELECT l.highest_rank, l.stage, "
        f"CASE WHEN l.stage IN ({halted}) THEN l.halt_reason END, count(*), "
        "sum(COALESCE(p.signed_investment, l.expected_investment, 0)) "
        "FROM lead l LEFT JOIN project p ON p.lead_id = l.id "
        f"WHERE {window} GROUP BY 1, 2, 3"
    )
    reached: dict = defaultdict(int)
    current: dict = defaultdict(lambda: (0, 0.0))
    reasons: dict = defaultdict(lambda: defaultdict(int))
    for highest, stage, reason, count, amount in rows:
        for rank in PURSUIT:
            if highest >= rank:
                reached[rank] += count
        leads, total = current[stage]
        current[stage] = (leads + count, total + float(amount or 0))
        if stage in HALTED:
            reasons[stage][reason] += count
    halted_figures = {
        stage: (
            current[stage][0],
            sorted(reasons[stage].items(), key=lambda r: (-r[1], r[0] or ""))[:TOP],
        )
        for stage in HALTED
    }
    return {"reached": reached, "current": current, "halted": halted_figures}


def _reached_in(twin: Twin, lit: _Literals, scope: Scope) -> dict:
    start, end = lit.moment(scope.start), lit.moment(scope.end)
    stages = ", ".join(f"'{s.value}'" for s in PIPELINE)
    firsts = ", ".join(f"min(CASE WHEN rank >= {r} THEN at END) AS at{r}" for r in PURSUIT)
    counted = ", ".join(
        f"sum(CASE WHEN at{r} IS NOT NULL AND prior < {r} THEN 1 ELSE 0 END)" for r in PURSUIT
    )
    row = twin.rows(
        "WITH events AS ("
        f"SELECT id AS lead_id, 0 AS rank, created_at AS at FROM lead WHERE {_between('created_at', start, end)} "
        f"UNION ALL SELECT lead_id, {_rank_case('to_stage')}, at FROM lead_stage_change "
        f"WHERE to_stage IN ({stages}) AND {_between('at', start, end)}), "
        f"firsts AS (SELECT lead_id, {firsts} FROM events GROUP BY lead_id), "
        "ranked AS (SELECT f.*, COALESCE("
        f"(SELECT max({_rank_case('to_stage')}) FROM lead_stage_change sc "
        f"WHERE sc.lead_id = f.lead_id AND sc.at < {start} AND sc.to_stage IN ({stages})), "
        f"(SELECT 0 FROM lead l WHERE l.id = f.lead_id AND l.created_at < {start}), -1) AS prior "
        "FROM firsts f) "
        f"SELECT {counted} FROM ranked"
    )[0]
    return {r: int(n or 0) for r, n in zip(PURSUIT, row, strict=True)}


def _projects(twin: Twin, scope: Scope, year: int):
    year_scope = Scope(date_from=date(year, 1, 1), date_to=date(year, 12, 31))
    started = "COALESCE(construction_started_on, production_started_on)"
    formal = "agreement_type = 'formal'"

    def sums(s: Scope) -> list[str]:
        signed = f"{_in_days('signed_on', s)} AND {formal}"
        return [
            f"sum(CASE WHEN {signed} THEN 1 ELSE 0 END)",
            f"sum(CASE WHEN {signed} THEN signed_investment ELSE 0 END)",
            *[
                f"sum(CASE WHEN {signed} AND signed_investment >= {m} THEN 1 ELSE 0 END)"
                for m in MAJOR
            ],
            f"sum(CASE WHEN {_in_days(started, s)} THEN 1 ELSE 0 END)",
            f"sum(CASE WHEN {_in_days('production_started_on', s)} THEN 1 ELSE 0 END)",
        ]

    row = [float(v or 0) for v in twin.rows(
        f"SELECT {', '.join(sums(scope) + sums(year_scope))} FROM project"
    )[0]]  # fmt: skip
    period, whole_year = row[:7], row[7:]
    signed = (int(period[0]), period[1], *map(int, period[2:5]))
    milestones = (int(period[5]), int(period[6]))
    # target fields: signed, investment, started, producing, ≥1亿, ≥10亿, ≥20亿
    actual = [int(whole_year[0]), whole_year[1], int(whole_year[5]), int(whole_year[6])]
    actual += [int(v) for v in whole_year[2:5]]
    return signed, milestones, actual


def _funding(twin: Twin, scope: Scope, year: int):
    year_scope = Scope(date_from=date(year, 1, 1), date_to=date(year, 12, 31))
    outside = "COALESCE(f.source_region, p.investor_origin) = 'other_province'"

    def sums(s: Scope) -> list[str]:
        return [
            f"sum(CASE WHEN {_in_days('f.date', s)} THEN f.amount ELSE 0 END)",
            f"sum(CASE WHEN {_in_days('f.date', s)} AND {outside} THEN f.amount ELSE 0 END)",
        ]

    row = twin.rows(
        f"SELECT {', '.join(sums(scope) + sums(year_scope))} "
        "FROM project_funding f JOIN project p ON p.id = f.project_id"
    )[0]
    row = [float(v or 0) for v in row]
    return row[:2], row[2:]


def _overdue(twin: Twin, lit: _Literals, scope: Scope, now: datetime) -> int:
    window = _between(
        "due_at",
        lit.moment(scope.start) if scope.start else None,
        lit.moment(scope.end) if scope.end else None,
    )
    return twin.rows(
        "SELECT count(*) FROM service_ticket t JOIN project p ON p.id = t.project_id "
        f"WHERE t.status IN ('open', 'in_progress') AND t.due_at < {lit.moment(now)} "
        f"AND {window}"
    )[0][0]


def _target_row(twin: Twin, year: int) -> list:
    rows = twin.rows(
        f"SELECT {', '.join(TARGET_FIELDS)} FROM annual_target WHERE year = {year} "
        "AND task_force_id IS NULL AND park_id IS NULL AND county IS NULL"
    )
    return list(rows[0]) if rows else [None] * len(TARGET_FIELDS)


def _cohort_sql(twin: Twin, scope: Scope):
    started = "COALESCE(construction_started_on, production_started_on)"
    row = twin.rows(
        f"SELECT count(*), sum(CASE WHEN {started} IS NOT NULL THEN 1 ELSE 0 END), "
        "sum(CASE WHEN production_started_on IS NOT NULL THEN 1 ELSE 0 END) FROM project "
        f"WHERE {_in_days('signed_on', scope)} AND agreement_type = 'formal'"
    )[0]
    return (row[0], int(row[1] or 0), int(row[2] or 0))
