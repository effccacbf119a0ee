"""Time ``GET /api/dashboard/funnel`` on PostgreSQL with a city's worth of leads and history.

    .venv/bin/python bench/dashboard_funnel.py [--leads 100000 --moves 1000000] [--rounds 7]
        [--server postgresql+psycopg://postgres@127.0.0.1:5432] [--revision head] [--keep]

Quick check: ``--leads 2000 --moves 20000 --rounds 3`` (a few seconds).

In one run it:

1. creates a scratch database ``crm_bench_<random>`` on ``--server`` and builds it with the real
   Alembic migrations (``--revision`` stops at an older one, to time the schema before a
   change); the database is dropped at the end, also on error, Ctrl-C or SIGTERM;
2. bulk-loads it with COPY (no ORM): 8 chains with 200 segments, ``--companies`` companies,
   30 task forces, 10 parks, ``--leads`` leads whose furthest stage and fate (active, paused,
   lost) follow a believable funnel, ``--moves`` stage moves dated over the two years before
   the frozen clock (forward moves and skips, moves back, pauses and resumes, lost and
   reopened leads; the reason given where the app asks for one), one project per signed lead
   with its milestones, funding, green card and service tickets, and the year's targets;
   then runs any ``--sql`` statements (an index to try, say) and ANALYZE;
3. for each variant (the whole city; stage moves in the first half of 2026; one chain)
   captures the SQL one request runs (SQLAlchemy's ``before_cursor_execute`` on the app's
   engine, with parameters), then, for ``--rounds`` rounds, interleaved: times the request
   through FastAPI's TestClient as a signed-in user, and the very same statements run directly
   with psycopg on one connection. Prints medians, the ratio request / raw SQL (what the app
   adds on top of the database: routing, auth, ORM, pydantic, JSON), the statements per
   request (a fixed number: no query per lead or per row) and EXPLAIN (ANALYZE, BUFFERS) of
   the slowest statement.

The machine's load average is printed before the load, before and after the timings: on a
busy machine compare medians of the same run, not figures of different runs.
"""

import argparse
import os
import secrets
import signal
import statistics
import sys
from collections import Counter
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta
from itertools import chain
from math import exp
from pathlib import Path
from random import Random
from time import perf_counter

import psycopg
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, event, make_url, text
from sqlalchemy.engine import Engine

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from crm import migrate  # noqa: E402
from crm.api.app import create_app  # noqa: E402
from crm.auth import service as auth_service  # noqa: E402
from crm.auth.models import Role  # noqa: E402
from crm.auth.schemas import UserCreate  # noqa: E402
from crm.clock import local_date  # noqa: E402
from crm.config import Settings  # noqa: E402
from crm.db import transaction  # noqa: E402
from crm.leads.models import PIPELINE  # noqa: E402

SERVER = "postgresql+psycopg://postgres@127.0.0.1:5432"
NOW = datetime(2026, 11, 25, 4, 0, tzinfo=UTC)  # noon in Beijing; the app's clock stands here
START = NOW - timedelta(days=730)  # two years of history
BENCH_USER, BENCH_PASSWORD = "bench-leader", "bench password 0123456789"

STAGES = [stage.value for stage in PIPELINE]
SIGNED, STARTED, PRODUCING = (STAGES.index(s) for s in ("signed", "started", "producing"))
# Share of leads by the furthest pipeline stage they reach (identified … producing): ~8% sign.
PEAK_WEIGHTS = [22, 25, 20, 25, 3.2, 2.4, 2.4]
SKIP = 0.15  # chance that a forward move skips a stage (never past signing)
DETOURS = {"back": 45, "pause": 40, "lost": 15}  # moves out and back in, padding the history
PAUSE_REASONS = {
    "企业资金紧张": 30,
    "等待政策窗口": 22,
    "企业战略调整": 18,
    "用地指标不足": 12,
    "环评未通过": 8,
    "母公司审批中": 6,
    "疫情影响": 4,
}
LOST_REASONS = {
    "企业改投他地": 35,
    "产能过剩": 20,
    "企业经营困难": 15,
    "政策条件不满足": 12,
    "配套不足": 8,
    "企业取消投资计划": 6,
    "联系人离职": 4,
}
BACK_REASONS = ["需求变化，重新评估", "企业更换对接人", "方案调整", "项目重新论证"]
CHAINS = [  # code, name, segments: 200 in all
    ("new-energy", "新能源", 40),
    ("new-display", "新型显示", 35),
    ("biomedicine", "生物医药", 30),
    ("ic", "集成电路", 25),
    ("nev", "新能源汽车", 25),
    ("aerospace", "航空航天", 20),
    ("smart-mfg", "智能制造", 15),
    ("new-materials", "新材料", 10),
]
PARKS = ["高新区", "经开区", "天府新区", "临空经济区", "综合保税区"]
PARKS += ["新材料产业园", "生物城", "智能制造园", "航空港园区", "电子信息产业园"]
CITIES = ["深圳市", "上海市", "苏州市", "北京市", "杭州市", "广州市", "成都市", "西安市"]
N_TASK_FORCES, N_SPECIALISTS, N_STAFF = 30, 20, 20
SOURCES = ["center", "task_force", "think_tank", "referral", "exhibition", "other"]
CATEGORIES = ["financing", "planning", "land", "permits", "utilities", "talent", "subsidy"]
SLA_HOURS = {"urgent": 24, "high": 72, "normal": 168, "low": 336}
VARIANTS = {
    "city": "",
    "2026 H1": "?date_from=2026-01-01&date_to=2026-06-30",
    "chain": "?chain={chain}",
}


# --- the scratch database ----------------------------------------------------------------


@contextmanager
def scratch_database(server_url: str, keep: bool) -> Iterator[str]:
    """A database of this run's own, dropped at the end (unless ``keep``) whatever happens."""
    name = f"crm_bench_{secrets.token_hex(4)}"
    admin = create_engine(server_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(server_url).set(database=name).render_as_string(hide_password=False)
    finally:
        if keep:
            print(f"kept database {name}")
        else:
            with admin.connect() as connection:
                connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            print(f"dropped database {name}")
        admin.dispose()


def conninfo(url: str) -> str:
    """The SQLAlchemy URL as libpq understands it."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


# --- generating the data -----------------------------------------------------------------


@dataclass
class World:
    """What the load wrote, for the report and the variants."""

    counts: dict[str, int] = field(default_factory=dict)
    stages: Counter = field(default_factory=Counter)
    chain_leads: Counter = field(default_factory=Counter)


def pick(rng: Random, weights: dict[str, float]) -> str:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def moment(rng: Random, start: datetime, end: datetime) -> datetime:
    return start + (end - start) * rng.random()


def forward_path(rng: Random, peak: int) -> list[int]:
    """The ranks a lead goes through up to its peak; a move may skip one stage before signing."""
    path = [0]
    while path[-1] < peak:
        rank = path[-1]
        jump = rank + 2 <= min(peak, SIGNED) and rng.random() < SKIP
        path.append(rank + (2 if jump else 1))
    return path


def ending(rng: Random, peak: int) -> str:
    """How the lead stands now: active at its peak, one stage back, paused or lost."""
    if peak >= SIGNED:
        return rng.choices(["active", "paused", "lost"], weights=[93, 5, 2])[0]
    fate = rng.choices(["active", "back", "paused", "lost"], weights=[55, 8, 17, 20])[0]
    return "active" if fate == "back" and peak == 0 else fate


def detour(rng: Random, rank: int) -> list[tuple[str, str, str | None]]:
    """Two moves that leave a stage and come back to it."""
    kind = pick(rng, DETOURS)
    if kind == "back" and rank in (0, SIGNED):  # a signed lead never goes back before signing
        kind = "pause"
    stage = STAGES[rank]
    if kind == "back":
        return [
            (stage, STAGES[rank - 1], rng.choice(BACK_REASONS)),
            (STAGES[rank - 1], stage, None),
        ]
    if kind == "pause":
        return [(stage, "paused", pick(rng, PAUSE_REASONS)), ("paused", stage, None)]
    return [(stage, "lost", pick(rng, LOST_REASONS)), ("lost", stage, "企业重新表达投资意向")]


@dataclass
class LeadPlan:
    created: datetime
    peak: int
    path: list[int]
    fate: str

    @property
    def required_moves(self) -> int:
        return len(self.path) - 1 + (self.fate != "active")


def plan_leads(rng: Random, n: int) -> list[LeadPlan]:
    plans = []
    for _ in range(n):
        peak = rng.choices(range(len(STAGES)), weights=PEAK_WEIGHTS)[0]
        # Signed leads were found long enough ago to have been pursued.
        latest = NOW - timedelta(days=150 if peak >= SIGNED else 1)
        created = moment(rng, START, latest)
        plans.append(LeadPlan(created, peak, forward_path(rng, peak), ending(rng, peak)))
    return plans


def spread_detours(rng: Random, plans: list[LeadPlan], moves: int) -> Counter:
    """Detours per lead so the history has about ``moves`` rows; older, further leads get more."""
    spare = max(0, moves - sum(p.required_moves for p in plans)) // 2
    weights = [(1 + p.peak) * (NOW - p.created).days for p in plans]
    return Counter(rng.choices(range(len(plans)), weights=weights, k=spare))


def lead_moves(rng: Random, plan: LeadPlan, detours: int) -> list[tuple]:
    """``(from, to, at, reason)`` for each move of the lead, in order."""
    at_rank = Counter(rng.randrange(len(plan.path)) for _ in range(detours))
    steps: list[tuple[str, str, str | None]] = []
    for i, rank in enumerate(plan.path):
        for _ in range(at_rank[i]):
            steps += detour(rng, rank)
        if i + 1 < len(plan.path):
            steps.append((STAGES[rank], STAGES[plan.path[i + 1]], None))
    peak = STAGES[plan.peak]
    if plan.fate == "back":
        steps.append((peak, STAGES[plan.peak - 1], rng.choice(BACK_REASONS)))
    elif plan.fate == "paused":
        steps.append((peak, "paused", pick(rng, PAUSE_REASONS)))
    elif plan.fate == "lost":
        steps.append((peak, "lost", pick(rng, LOST_REASONS)))
    span = (NOW - plan.created).total_seconds()
    offsets = sorted(rng.uniform(60, span) for _ in steps)
    return [
        (a, b, plan.created + timedelta(seconds=t), reason)
        for (a, b, reason), t in zip(steps, offsets, strict=True)
    ]


def copy_rows(
    conn: psycopg.Connection, table: str, rows: Iterable, columns: list[str] | None = None
) -> int:
    """COPY rows into a table: dicts keyed by column name, or tuples in the order of
    ``columns`` (for the million history rows)."""
    rows = iter(rows)
    first = next(rows, None)
    if first is None:
        return 0
    keyed = isinstance(first, dict)
    columns = list(first) if keyed else columns
    names = ", ".join(f'"{c}"' for c in columns)
    n = 0
    with conn.cursor() as cur, cur.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
        for row in chain([first], rows):
            copy.write_row([row[c] for c in columns] if keyed else row)
            n += 1
    return n


def stamp(at: datetime) -> dict:
    """The columns every versioned row has, for a row written at ``at``."""
    return {"version": 1, "created_at": at, "updated_at": at}


def load_reference(conn, rng: Random, world: World, companies: int) -> dict:
    """Users, parks, chains and segments, task forces, companies; returns what leads draw on."""
    t0 = START - timedelta(days=60)
    people = [("leader", "组长", N_TASK_FORCES)]
    people += [("specialist", "专员", N_SPECIALISTS), ("staff", "干部", N_STAFF)]
    users = [
        {"username": f"{role}{i:02d}", "full_name": f"{title}{i:02d}", "role": role}
        for role, title, count in people
        for i in range(1, count + 1)
    ]
    for user_id, user in enumerate(users, 1):  # leaders first: leader i leads task force i
        user.update(id=user_id, password_hash="!unusable", is_active=True, **stamp(t0))
    world.counts["user_account"] = copy_rows(conn, "user_account", users)
    levels = ["national", "provincial", "city"]
    world.counts["park"] = copy_rows(
        conn,
        "park",
        (
            {"id": i, "name": name, "level": levels[i % 3], "area_mu": 2000.0 + 500 * i}
            | {"description": None, **stamp(t0)}
            for i, name in enumerate(PARKS, 1)
        ),
    )
    chains, segments, leaves = [], [], {}
    for chain_id, (code, name, size) in enumerate(CHAINS, 1):
        chains.append(
            {"id": chain_id, "code": code, "name": name, "name_en": code, "description": None}
            | {"is_focus": chain_id <= 4, **stamp(t0)}
        )
        # A few top-level segments; the others hang under them and are where leads go.
        parents = max(2, size // 8)
        first = len(segments) + 1
        for position in range(size):
            parent = None if position < parents else first + position % parents
            segment = {"id": len(segments) + 1, "chain_id": chain_id, "parent_id": parent}
            segment |= {"code": f"{code}-{position:02d}", "name": f"{name}环节{position:02d}"}
            segment |= {"stage": ["upstream", "midstream", "downstream"][position % parents % 3]}
            segment |= {"is_direction": position % 5 == 0, "products": "[]", "position": position}
            segments.append(segment | stamp(t0))
            if parent is not None:
                leaves[segment["id"]] = code
    world.counts["chain"] = copy_rows(conn, "chain", chains)
    world.counts["segment"] = copy_rows(conn, "segment", segments)
    kinds = ["task_force"] * 24 + ["group"] * 3 + ["center"] * 3
    world.counts["task_force"] = copy_rows(
        conn,
        "task_force",
        (
            {"id": i, "name": f"招商专班{i:02d}", "kind": kinds[i - 1], "leader_id": i}
            | {"base_city": rng.choice(CITIES), "description": None, **stamp(t0)}
            for i in range(1, N_TASK_FORCES + 1)
        ),
    )
    # Each task force works one or two chains; each chain is pursued by a few task forces.
    chain_forces: dict[str, list[int]] = {code: [] for code, _, _ in CHAINS}
    pairs = set()
    for tf in range(1, N_TASK_FORCES + 1):
        for chain_id in {1 + (tf - 1) % len(CHAINS), rng.randint(1, len(CHAINS))}:
            pairs.add((tf, chain_id))
            chain_forces[CHAINS[chain_id - 1][0]].append(tf)
    copy_rows(
        conn, "task_force_chain", ({"task_force_id": t, "chain_id": c} for t, c in sorted(pairs))
    )
    rows, links = [], set()
    for i in range(1, companies + 1):
        local = rng.random() < 0.2
        city = "本市" if local else rng.choice(CITIES)
        name = f"{city}{CHAINS[i % len(CHAINS)][1]}科技{i:05d}有限公司"
        rows.append(
            {"id": i, "name": name, "name_key": name.lower(), "credit_code": f"91{i:016d}"}
            | {"province": "本省" if local else "外省", "city": city, "is_local": local}
            | {"park_id": rng.randint(1, len(PARKS)) if local else None}
            | {"revenue": round(exp(rng.gauss(1.5, 1.5)), 2), "employees": rng.randint(20, 9999)}
            | {"listing": None, **stamp(t0)}
        )
        for _ in range(rng.choice([1, 1, 2])):
            links.add((i, rng.choice(list(leaves))))
    world.counts["company"] = copy_rows(conn, "company", rows)
    copy_rows(
        conn, "company_segment", ({"company_id": c, "segment_id": s} for c, s in sorted(links))
    )
    return {
        "leaves": leaves,
        "chain_forces": chain_forces,
        "owners": [u["id"] for u in users if u["role"] in ("leader", "staff")],
        "usernames": {u["id"]: u["username"] for u in users},
        "specialists": [u["id"] for u in users if u["role"] == "specialist"],
    }


def load_leads(conn, rng: Random, world: World, ref: dict, n: int, moves: int) -> list[tuple]:
    """Leads and their stage history; returns ``(lead, history)`` of the signed ones."""
    plans = plan_leads(rng, n)
    detours = spread_detours(rng, plans, moves)
    leaves = list(ref["leaves"])
    chain_order = [code for code, _, _ in CHAINS]  # the first chains' segments get more leads
    leaf_weights = [max(1, 12 - chain_order.index(ref["leaves"][s])) for s in leaves]
    leads, history, signed = [], [], []
    for lead_id, plan in enumerate(plans, 1):
        segment_id = rng.choices(leaves, weights=leaf_weights)[0]
        chain = ref["leaves"][segment_id]
        forces = ref["chain_forces"][chain]
        owner = rng.choice(ref["owners"]) if rng.random() < 0.85 else None
        by = ref["usernames"].get(owner, "staff01")
        moves_of_lead = lead_moves(rng, plan, detours[lead_id - 1])
        for from_stage, to_stage, at, reason in moves_of_lead:
            history.append((len(history) + 1, lead_id, from_stage, to_stage, at, by, reason, None))
        last = moves_of_lead[-1] if moves_of_lead else None
        stage = last[1] if last else "identified"
        halted = stage in ("paused", "lost")
        expected = round(exp(rng.gauss(9, 1.2))) if rng.random() < 0.9 else None
        follow_up = None
        if not halted and stage != "producing" and rng.random() < 0.6:
            follow_up = local_date(NOW) + timedelta(days=rng.randint(-30, 60))
        lead = {"id": lead_id, "company_id": rng.randint(1, world.counts["company"])}
        lead |= {"segment_id": segment_id, "owner_id": owner}
        lead |= {"task_force_id": rng.choice(forces) if forces and rng.random() < 0.9 else None}
        lead |= {"stage": stage, "highest_rank": plan.peak}
        lead |= {"left_stage": last[0] if halted else None}
        lead |= {"halt_reason": last[3] if halted else None}
        lead |= {"stage_changed_at": last[2] if last else plan.created}
        lead |= {"priority": rng.choice("AABBBCC"), "source": rng.choice(SOURCES)}
        lead |= {"expected_investment": expected}
        lead |= {"expected_jobs": rng.randint(20, 2000) if expected else None}
        lead |= {"next_follow_up": follow_up, "notes": None, **stamp(plan.created)}
        lead["updated_at"] = lead["stage_changed_at"]
        leads.append(lead)
        world.stages[stage] += 1
        world.chain_leads[chain] += 1
        if plan.peak >= SIGNED:
            signed.append((lead, moves_of_lead))
    world.counts["lead"] = copy_rows(conn, "lead", leads)
    columns = ["id", "lead_id", "from_stage", "to_stage", "at", "by", "reason", "note"]
    world.counts["lead_stage_change"] = copy_rows(conn, "lead_stage_change", history, columns)
    return signed


def load_projects(conn, rng: Random, world: World, ref: dict, signed: list[tuple]) -> None:
    """A project per signed lead (milestones from its history), funding, green card, tickets;
    the targets of the last two years."""
    projects, funding, cards, tickets = [], [], [], []
    today = local_date(NOW)
    for project_id, (lead, history) in enumerate(signed, 1):
        entered: dict[str, datetime] = {}
        for _, to_stage, at, _ in history:
            entered.setdefault(to_stage, at)
        signed_at = entered["signed"]
        signed_on = local_date(signed_at)
        started = local_date(entered["started"]) if "started" in entered else None
        producing = local_date(entered["producing"]) if "producing" in entered else None
        land = None
        if started or rng.random() < 0.3:
            land = signed_on + ((started or today) - signed_on) * rng.uniform(0.2, 0.9)
        expected = lead["expected_investment"] or exp(rng.gauss(9.5, 1))
        investment = round(expected * rng.uniform(0.6, 1.8), 1)
        jobs = rng.randint(50, 3000)
        assessed = rng.random() < 0.5
        project = {"id": project_id, "lead_id": lead["id"]}
        project |= {"park_id": rng.randint(1, len(PARKS)) if rng.random() < 0.9 else None}
        project |= {"specialist_id": rng.choice(ref["specialists"])}
        project |= {"signed_investment": investment, "jobs_planned": jobs}
        project |= {"jobs_created": round(jobs * rng.uniform(0.2, 1)) if producing else None}
        project |= {"signed_on": signed_on, "land_on": land}
        project |= {"construction_started_on": started, "production_started_on": producing}
        project |= {"assessment_org": "市发展研究院" if assessed else None}
        project |= {"assessment_date": signed_on - timedelta(days=20) if assessed else None}
        project |= {"assessment_conclusion": None, "assessment_url": None}
        project |= {"planning_links": "[]", "notes": None, **stamp(signed_at)}
        projects.append(project)
        # Money arrives after signing, more of it once construction has started.
        entries = rng.randint(0, 2) + (2 if started else 0) + (2 if producing else 0)
        paid = investment * rng.uniform(0.1, 0.9)
        for _ in range(entries):
            day = signed_on + (today - signed_on) * rng.random()
            funding.append(
                {"project_id": project_id, "date": day, "amount": round(paid / entries, 1)}
                | {"note": None, "at": datetime.combine(day, time(10), UTC), "by": "staff01"}
            )
        closed = producing is not None and rng.random() < 0.3
        cards.append(
            {"id": project_id, "project_id": project_id, "issued_at": signed_at}
            | {"card_no": f"LK{signed_on.year}{project_id:06d}"}
            | {"status": "closed" if closed else "active"}
            | {"closed_at": NOW - timedelta(days=10) if closed else None}
            | {"closed_reason": "投产后服务完成" if closed else None}
            | {"task_force_id": lead["task_force_id"], **stamp(signed_at)}
        )
        for _ in range(rng.choice([0, 1, 2, 2, 3, 4])):
            raised = moment(rng, signed_at, NOW)
            priority = rng.choices(list(SLA_HOURS), weights=[1, 3, 10, 3])[0]
            status = rng.choices(["open", "in_progress", "resolved", "closed"], [2, 2, 2, 6])[0]
            done = moment(rng, raised, NOW) if status in ("resolved", "closed") else None
            closed = status == "closed"
            ticket = {"id": len(tickets) + 1, "project_id": project_id, "green_card_id": project_id}
            ticket |= {"category": rng.choice(CATEGORIES), "title": f"项目{project_id}诉求"}
            ticket |= {"description": None, "priority": priority, "status": status}
            ticket |= {"assignee_id": rng.choice(ref["specialists"]), "raised_by": "staff01"}
            ticket |= {"raised_at": raised}
            ticket |= {"due_at": raised + timedelta(hours=SLA_HOURS[priority])}
            ticket |= {"resolution": "已协调解决" if done else None, "resolved_at": done}
            ticket |= {"closed_at": done if closed else None}
            ticket |= {"satisfaction": rng.randint(3, 5) if closed else None}
            tickets.append(ticket | stamp(raised))
    world.counts["project"] = copy_rows(conn, "project", projects)
    world.counts["project_funding"] = copy_rows(conn, "project_funding", funding)
    world.counts["green_card"] = copy_rows(conn, "green_card", cards)
    world.counts["service_ticket"] = copy_rows(conn, "service_ticket", tickets)
    copy_rows(
        conn,
        "annual_target",
        (
            {"year": year, "task_force_id": tf, "signed_projects": rng.randint(3, 12)}
            | {"signed_investment": rng.randint(100, 600) * 1000.0, "started": 4, "producing": 2}
            | stamp(START)
            for year in (2025, 2026)
            for tf in [None, *range(1, N_TASK_FORCES + 1)]
        ),
    )


def load(url: str, seed: int, companies: int, leads: int, moves: int, extra: list[str]) -> World:
    """Everything in one transaction, then ids moved past what was written, then the ``extra``
    statements (``--sql``), then ANALYZE."""
    rng = Random(seed)
    world = World()
    with psycopg.connect(conninfo(url)) as conn:
        ref = load_reference(conn, rng, world, companies)
        signed = load_leads(conn, rng, world, ref, leads, moves)
        load_projects(conn, rng, world, ref, signed)
        tables = conn.execute(
            "SELECT table_name FROM information_schema.columns"
            " WHERE column_name = 'id' AND column_default LIKE 'nextval%'"
        ).fetchall()
        for (table,) in tables:
            conn.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'),"
                f" (SELECT COALESCE(max(id), 0) + 1 FROM {table}), false)"
            )
        for statement in extra:
            started = perf_counter()
            conn.execute(statement)
            print(f"{statement}: {perf_counter() - started:.1f} s")
        conn.commit()
        conn.autocommit = True
        conn.execute("VACUUM ANALYZE")
    return world


# --- timing --------------------------------------------------------------------------------

Statement = tuple[str, object]


@contextmanager
def captured(engine: Engine) -> Iterator[list[Statement]]:
    """The statements (and their parameters) the engine sends while the block runs."""
    statements: list[Statement] = []

    def record(conn, cursor, statement, parameters, context, executemany):
        statements.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", record)


def time_request(client: TestClient, path: str) -> tuple[float, bytes]:
    started = perf_counter()
    response = client.get(path)
    seconds = perf_counter() - started
    assert response.status_code == 200, response.text
    return seconds, response.content


def time_raw(conn: psycopg.Connection, statements: list[Statement]) -> list[float]:
    """Seconds per statement, each run as the app runs it (same SQL, parameters, fetchall)."""
    seconds = []
    with conn.cursor() as cur:
        for statement, parameters in statements:
            started = perf_counter()
            cur.execute(statement, parameters)
            if cur.description is not None:
                cur.fetchall()
            seconds.append(perf_counter() - started)
    conn.rollback()  # the app's session also ends its transaction
    return seconds


@dataclass
class Variant:
    name: str
    path: str
    statements: list[Statement] = field(default_factory=list)
    body: bytes = b""
    request: list[float] = field(default_factory=list)
    raw: list[list[float]] = field(default_factory=list)  # per round, per statement

    @property
    def raw_totals(self) -> list[float]:
        return [sum(r) for r in self.raw]

    def statement_medians(self) -> list[float]:
        return [statistics.median(r[i] for r in self.raw) for i in range(len(self.statements))]


def signed_in_client(app) -> TestClient:
    with transaction(app.state.sessionmaker) as session:
        data = UserCreate(username=BENCH_USER, role=Role.leader, password=BENCH_PASSWORD)
        auth_service.create(session, data)
    client = TestClient(app)
    response = client.post(
        "/api/auth/token", data={"username": BENCH_USER, "password": BENCH_PASSWORD}
    )
    assert response.status_code == 200, response.text
    client.headers["Authorization"] = f"Bearer {response.json()['access_token']}"
    return client


def measure(url: str, chain: str, rounds: int) -> list[Variant]:
    """Capture each variant's SQL, then time requests and raw SQL, interleaved, ``rounds`` times."""
    variants = [
        Variant(name, "/api/dashboard/funnel" + query.format(chain=chain))
        for name, query in VARIANTS.items()
    ]
    secret = secrets.token_hex(32)
    app = create_app(Settings(database_url=url, secret_key=secret))
    app.state.clock = lambda: NOW
    engine = app.state.engine
    try:
        with signed_in_client(app) as client, psycopg.connect(conninfo(url)) as conn:
            for variant in variants:  # warm-up; the statements of one request
                with captured(engine) as statements:
                    _, variant.body = time_request(client, variant.path)
                variant.statements = list(statements)
                time_raw(conn, variant.statements)
            for _ in range(rounds):
                for variant in variants:
                    seconds, body = time_request(client, variant.path)
                    assert body == variant.body, f"{variant.name}: the answer changed"
                    variant.request.append(seconds)
                    variant.raw.append(time_raw(conn, variant.statements))
    finally:
        engine.dispose()
    return variants


def explain(url: str, statement: Statement) -> str:
    sql, parameters = statement
    with psycopg.connect(conninfo(url)) as conn:
        rows = conn.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql, parameters).fetchall()
        conn.rollback()
    return "\n".join(row[0] for row in rows)


# --- the report ----------------------------------------------------------------------------


def load_average() -> str:
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.2f}, {five:.2f}, {fifteen:.2f} on {os.cpu_count()} CPUs"


def ms(seconds: float) -> str:
    return f"{seconds * 1000:,.1f}"


def one_line(sql: str, width: int = 110) -> str:
    flat = " ".join(sql.split())
    return flat if len(flat) <= width else flat[: width - 1] + "…"


def report(variants: list[Variant], url: str) -> None:
    # ratio: of the medians; paired: median of each round's request / raw SQL (adjacent in
    # time, so steadier when the machine's load drifts).
    header = f"{'variant':<10} {'request ms':>12} {'(min–max)':>18} {'raw SQL ms':>12}"
    print(f"\n{header} {'ratio':>7} {'paired':>7} {'stmts':>6}")
    for v in variants:
        request, raw = statistics.median(v.request), statistics.median(v.raw_totals)
        paired = statistics.median(a / b for a, b in zip(v.request, v.raw_totals, strict=True))
        spread = f"({ms(min(v.request))}–{ms(max(v.request))})"
        print(
            f"{v.name:<10} {ms(request):>12} {spread:>18} {ms(raw):>12}"
            f" {request / raw:>7.2f} {paired:>7.2f} {len(v.statements):>6}"
        )
    slowest: tuple[float, Variant, int] | None = None
    for v in variants:
        print(f"\n{v.name}: {v.path}")
        for i, (seconds, (sql, _)) in enumerate(zip(v.statement_medians(), v.statements, strict=True)):  # fmt: skip
            print(f"  {i + 1:>2}. {ms(seconds):>9} ms  {one_line(sql)}")
            if slowest is None or seconds > slowest[0]:
                slowest = (seconds, v, i)
    assert slowest is not None
    seconds, v, i = slowest
    sql, parameters = v.statements[i]
    print(f"\nslowest statement: {v.name} #{i + 1}, median {ms(seconds)} ms")
    print(sql)
    print(f"parameters: {parameters}")
    print(explain(url, v.statements[i]))


def print_world(world: World, seconds: float) -> None:
    rows = sum(world.counts.values())
    print(f"loaded {rows:,} rows in {seconds:.1f} s (COPY, then VACUUM ANALYZE)")
    print("  " + ", ".join(f"{t} {n:,}" for t, n in world.counts.items()))
    leads = sum(world.stages.values())
    order = [*STAGES, "paused", "lost"]
    print("  leads now: " + ", ".join(f"{s} {world.stages[s] / leads:.1%}" for s in order))
    print("  leads per chain: " + ", ".join(f"{c} {n:,}" for c, n in world.chain_leads.items()))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--server", default=SERVER, help=f"PostgreSQL server (default {SERVER})")
    parser.add_argument("--leads", type=int, default=100_000)
    parser.add_argument("--moves", type=int, default=1_000_000, help="lead_stage_change rows")
    parser.add_argument("--companies", type=int, default=5_000)
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--revision", default="head", help="migrate up to this revision")
    parser.add_argument(
        "--sql",
        action="append",
        default=[],
        help="run after the load, e.g. 'CREATE INDEX ...' to try an index (repeatable)",
    )
    parser.add_argument("--keep", action="store_true", help="keep the database at the end")
    args = parser.parse_args()
    # SIGTERM ends the run like Ctrl-C does: through the finally that drops the database.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))

    print(f"start: {load_average()}")
    with scratch_database(args.server, args.keep) as url:
        started = perf_counter()
        migrate.upgrade(url, args.revision)
        print(f"migrated to {args.revision} in {perf_counter() - started:.1f} s")
        started = perf_counter()
        world = load(url, args.seed, args.companies, args.leads, args.moves, args.sql)
        print_world(world, perf_counter() - started)
        biggest = world.chain_leads.most_common(1)[0][0]
        print(f"before timing: {load_average()}")
        variants = measure(url, biggest, args.rounds)
        print(f"after timing: {load_average()}")
        report(variants, url)


if __name__ == "__main__":
    main()
