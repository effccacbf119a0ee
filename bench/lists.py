"""The list measurements: each endpoint against its twin, the hand-written SQL (or a bare
endpoint) that gives the same answer, interleaved round by round."""

import json
import statistics
from collections.abc import Callable
from dataclasses import dataclass, field
from time import perf_counter, process_time

from fastapi import FastAPI, Response
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine

from crm.listing import EXACT_COUNT_LIMIT

LEAD_COLUMNS = (
    "l.id, l.stage, l.left_stage, l.halt_reason, l.highest_rank, l.stage_changed_at, "
    "l.priority, l.source, l.expected_investment, l.expected_jobs, l.next_follow_up, "
    "l.notes, l.version, l.created_at, l.updated_at, c.id, c.name, c.city, c.province, "
    "s.code, ch.code, tf.id, tf.name, u.username, p.id"
)
LEAD_JOINS = (
    "JOIN company c ON c.id = l.company_id JOIN segment s ON s.id = l.segment_id "
    "JOIN chain ch ON ch.id = s.chain_id LEFT JOIN task_force tf ON tf.id = l.task_force_id "
    "LEFT JOIN user_account u ON u.id = l.owner_id LEFT JOIN project p ON p.lead_id = l.id"
)
SEARCH_TERM = "光电精密"  # a trade in 1 of ~100 names
SHORT_TERM = "卓华"  # two characters: below what a trigram index serves
PINYIN_TERM = "qdzh"  # 青岛卓华…


class Twin:
    """Hand-written SQL on its own DBAPI connection (no ORM, no parameters to bind)."""

    def __init__(self, engine: Engine):
        self.dialect = engine.dialect.name
        self.raw = engine.raw_connection()

    def rows(self, sql: str) -> list[tuple]:
        cursor = self.raw.cursor()
        try:
            cursor.execute(sql)
            return cursor.fetchall()
        finally:
            cursor.close()

    def total(self, table_and_where: str) -> int:
        """The same total the app gives: exact up to the limit, else the planner's estimate."""
        capped = f"SELECT 1 FROM {table_and_where} LIMIT {EXACT_COUNT_LIMIT + 1}"
        counted = self.rows(f"SELECT count(*) FROM ({capped}) AS t")[0][0]
        if counted <= EXACT_COUNT_LIMIT:
            return counted
        if self.dialect != "postgresql":
            return self.rows(f"SELECT count(*) FROM {table_and_where}")[0][0]
        plan = self.rows(f"EXPLAIN (FORMAT JSON) SELECT 1 FROM {table_and_where}")[0][0]
        plan = json.loads(plan) if isinstance(plan, str) else plan
        return max(int(plan[0]["Plan"]["Plan Rows"]), counted)

    def agg(self, expression: str) -> str:
        if self.dialect == "postgresql":
            return f"string_agg({expression}, ',')"
        return f"group_concat({expression})"

    def end(self) -> None:
        self.raw.rollback()


def lead_page(twin: Twin, order: str, offset: int) -> dict:
    sql = (
        f"WITH page AS (SELECT id FROM lead ORDER BY {order} LIMIT 50 OFFSET {offset}) "
        f"SELECT {LEAD_COLUMNS} FROM page JOIN lead l ON l.id = page.id {LEAD_JOINS} "
        f"ORDER BY {order.replace('id', 'l.id')}"
    )
    rows = twin.rows(sql)
    answer = {"ids": [r[0] for r in rows], "total": twin.total("lead"), "rows": rows}
    twin.end()
    return answer


def company_search(twin: Twin, where: str) -> dict:
    segments = twin.agg("ch.code || ':' || s.code")
    sql = (
        f"WITH page AS (SELECT id FROM company WHERE {where} ORDER BY id LIMIT 50) "
        "SELECT c.id, c.name, c.credit_code, c.province, c.city, c.is_local, pk.name, "
        "c.revenue, c.employees, c.listing, c.version, "
        f"(SELECT {segments} FROM company_segment cs JOIN segment s ON s.id = cs.segment_id "
        "JOIN chain ch ON ch.id = s.chain_id WHERE cs.company_id = c.id), "
        f"(SELECT {twin.agg('t.tag')} FROM company_tag t WHERE t.company_id = c.id), "
        f"(SELECT {twin.agg('ch.code')} FROM chain_leader cl JOIN chain ch "
        "ON ch.id = cl.chain_id WHERE cl.company_id = c.id) "
        "FROM page JOIN company c ON c.id = page.id LEFT JOIN park pk ON pk.id = c.park_id "
        "ORDER BY c.id"
    )
    rows = twin.rows(sql)
    answer = {"ids": [r[0] for r in rows], "total": twin.total(f"company WHERE {where}")}
    twin.end()
    return answer


@dataclass
class Measurement:
    name: str
    endpoint: Callable[[], dict]
    twin: Callable[[], dict]
    twin_label: str
    endpoint_s: list[float] = field(default_factory=list)
    twin_s: list[float] = field(default_factory=list)
    per_request: int = 1  # requests per timed call (throughput blocks)
    endpoint_cpu: list[float] = field(default_factory=list)
    twin_cpu: list[float] = field(default_factory=list)

    def check(self) -> None:
        """Same answer: the same ids in the same order, the same total."""
        mine, theirs = self.endpoint(), self.twin()
        assert mine["ids"] == theirs["ids"], f"{self.name}: ids differ"
        assert mine["total"] == theirs["total"], (
            f"{self.name}: {mine['total']} vs {theirs['total']}"
        )

    def round(self) -> None:
        for run, wall, cpu in (
            (self.endpoint, self.endpoint_s, self.endpoint_cpu),
            (self.twin, self.twin_s, self.twin_cpu),
        ):
            started, cpu_started = perf_counter(), process_time()
            run()
            wall.append((perf_counter() - started) / self.per_request)
            cpu.append((process_time() - cpu_started) / self.per_request)

    @property
    def ratio(self) -> float:
        return statistics.median(self.endpoint_s) / statistics.median(self.twin_s)


def answer_of(client: TestClient, path: str) -> dict:
    response = client.get(path)
    assert response.status_code == 200, response.text
    body = response.json()
    return {"ids": [item["id"] for item in body["items"]], "total": body["total"]}


def add_bare_endpoint(app: FastAPI, engine: Engine) -> None:
    """``GET /bench/bare-leads``: page 1 of the lead list from hand-written SQL straight to
    JSON, no auth, no ORM, no pydantic: the floor a list endpoint could reach."""

    def bare_leads() -> Response:
        twin = Twin(engine)
        try:
            answer = lead_page(twin, "id DESC", 0)
        finally:
            twin.raw.close()
        keys = LEAD_COLUMNS.replace("l.", "").replace("c.", "company_").split(", ")
        items = [dict(zip(keys, row, strict=True)) for row in answer["rows"]]
        content = json.dumps({"items": items, "total": answer["total"]}, default=str)
        return Response(content, media_type="application/json")

    app.add_api_route("/bench/bare-leads", bare_leads, methods=["GET"])


def measurements(client: TestClient, twin: Twin, leads: int, throughput_block: int) -> list:
    deep = leads * 9 // 10  # offset 90,000 of 100,000 at the province scale
    company_where = f"name_key LIKE '%{SEARCH_TERM}%'"
    short_where = f"name_key LIKE '%{SHORT_TERM}%'"
    pinyin_where = f"(name_key LIKE '%{PINYIN_TERM}%' OR name_pinyin LIKE '%{PINYIN_TERM}%')"

    def throughput(path: str) -> Callable[[], dict]:
        def run() -> dict:
            answer = {}
            for _ in range(throughput_block):
                answer = answer_of(client, path)
            return answer

        return run

    return [
        Measurement(
            "lead list, page 1",
            lambda: answer_of(client, "/api/leads?limit=50"),
            lambda: lead_page(twin, "id DESC", 0),
            "raw SQL",
        ),
        Measurement(
            f"lead list, offset {deep:,}",
            lambda: answer_of(client, f"/api/leads?limit=50&offset={deep}"),
            lambda: lead_page(twin, "id DESC", deep),
            "raw SQL",
        ),
        Measurement(
            "lead list by -stage_changed_at",
            lambda: answer_of(client, "/api/leads?limit=50&sort=-stage_changed_at"),
            lambda: lead_page(twin, "stage_changed_at DESC, id DESC", 0),
            "raw SQL",
        ),
        Measurement(
            "lead list by -expected_investment",
            lambda: answer_of(client, "/api/leads?limit=50&sort=-expected_investment"),
            lambda: lead_page(twin, "expected_investment DESC NULLS LAST, id DESC", 0),
            "raw SQL",
        ),
        Measurement(
            f"company search q={SEARCH_TERM}",
            lambda: answer_of(client, f"/api/companies?q={SEARCH_TERM}"),
            lambda: company_search(twin, company_where),
            "raw SQL",
        ),
        Measurement(
            f"company search q={SHORT_TERM} (2 chars)",
            lambda: answer_of(client, f"/api/companies?q={SHORT_TERM}"),
            lambda: company_search(twin, short_where),
            "raw SQL",
        ),
        Measurement(
            f"company search q={PINYIN_TERM} (pinyin)",
            lambda: answer_of(client, f"/api/companies?q={PINYIN_TERM}"),
            lambda: company_search(twin, pinyin_where),
            "raw SQL",
        ),
        Measurement(
            "lead list throughput (per request)",
            throughput("/api/leads?limit=50"),
            throughput("/bench/bare-leads"),
            "bare endpoint",
            per_request=throughput_block,
        ),
    ]
