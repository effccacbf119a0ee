"""The bench's data set: deterministic (a seeded Random), loaded without the ORM.

PostgreSQL gets COPY; SQLite gets executemany through the same ``copy_rows`` (an adapter
below), so the quick scale runs anywhere. Chains, users, task forces, leads, their stage
history and the projects come from ``bench.dashboard_funnel``'s generator; companies get
believable names here (city + brand + trade + form, e.g. 青岛卓华光电精密科技有限公司), so
name and pinyin search have real hits to find.
"""

import sqlite3
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from math import exp
from random import Random
from time import perf_counter

import psycopg
from sqlalchemy import make_url

from bench import dashboard_funnel as funnel
from crm.companies.search import name_pinyin


@dataclass(frozen=True)
class Scale:
    chains: int
    companies: int
    leads: int
    moves: int


SCALES = {
    "quick": Scale(chains=10, companies=4_000, leads=2_000, moves=20_000),
    "city": Scale(chains=40, companies=50_000, leads=25_000, moves=250_000),
    "province": Scale(chains=100, companies=200_000, leads=100_000, moves=1_000_000),
}
# About one lead in five signs, so the province scale has some 20,000 projects.
PEAK_WEIGHTS = [18, 20, 17, 25, 8, 6, 6]

CITIES = ["青岛", "济南", "烟台", "潍坊", "深圳", "上海", "苏州", "杭州", "成都", "西安"]
CITIES += ["合肥", "武汉", "宁波", "无锡", "厦门", "长沙"]
BRAND_CHARS = "卓华恒瑞嘉科盛达鑫源博通宏泰德信汇智天创海联新瑞康捷中正金辉明远"
TRADES = ["光电精密", "光电", "精密机械", "新材料", "生物医药", "半导体", "智能装备"]
TRADES += ["新能源", "汽车零部件", "显示技术", "电子", "软件", "化工", "环保"]
TRADE_WEIGHTS = [1, 6, 6, 8, 8, 6, 8, 8, 8, 5, 10, 8, 6, 6]
FORMS = ["科技有限公司", "股份有限公司", "有限公司", "制造有限公司", "集团有限公司"]
CHAIN_WORDS = ["新能源", "新型显示", "生物医药", "集成电路", "新能源汽车", "航空航天"]
CHAIN_WORDS += ["智能制造", "新材料", "海洋经济", "现代农业"]


def company_name(rng: Random, i: int) -> str:
    brand = rng.choice(BRAND_CHARS) + rng.choice(BRAND_CHARS)
    trade = rng.choices(TRADES, weights=TRADE_WEIGHTS)[0]
    # The number keeps names unique (the registry refuses a second company of one name).
    return f"{rng.choice(CITIES)}{brand}{trade}{rng.choice(FORMS)}{i:06d}"


def chains(n: int) -> list[tuple[str, str, int]]:
    """``(code, name, segments)``: ten segments each (two top-level, eight leaves)."""
    return [(f"chain-{i:03d}", f"{CHAIN_WORDS[i % len(CHAIN_WORDS)]}{i:03d}", 10) for i in range(n)]


# --- writing rows: COPY on PostgreSQL, executemany on SQLite --------------------------------


def _sqlite_value(value):
    if isinstance(value, datetime):
        return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
    if isinstance(value, date):
        return value.isoformat()
    return value


class _SqliteCopy:
    def __init__(self, connection: sqlite3.Connection, statement: str):
        table, columns = statement.removeprefix("COPY ").split(" FROM STDIN")[0].split(" ", 1)
        count = columns.count(",") + 1
        self.sql = f"INSERT INTO {table} {columns} VALUES ({', '.join('?' * count)})"
        self.connection, self.rows = connection, []

    def write_row(self, row) -> None:
        self.rows.append([_sqlite_value(v) for v in row])

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        if exc[0] is None:
            self.connection.executemany(self.sql, self.rows)


class _SqliteCursor:
    def __init__(self, connection: sqlite3.Connection):
        self.connection = connection

    def copy(self, statement: str) -> _SqliteCopy:
        return _SqliteCopy(self.connection, statement)

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        pass


class SqliteWriter:
    """Just enough of a psycopg connection for ``funnel.copy_rows`` on SQLite."""

    def __init__(self, path: str):
        self.connection = sqlite3.connect(path)

    def cursor(self) -> _SqliteCursor:
        return _SqliteCursor(self.connection)


@contextmanager
def writer(url: str):
    if url.startswith("sqlite"):
        sqlite = SqliteWriter(make_url(url).database)
        try:
            yield sqlite
            sqlite.connection.commit()
        finally:
            sqlite.connection.close()
        return
    with psycopg.connect(funnel.conninfo(url)) as conn:
        yield conn


# --- loading ------------------------------------------------------------------------------


def load_companies(conn, rng: Random, n: int, leaves: dict[int, str]) -> int:
    t0 = funnel.START
    leaf_ids = list(leaves)
    rows, links, pinyin_of = [], set(), {}
    for i in range(1, n + 1):
        name = company_name(rng, i)
        stem = name[:-6]  # the number's pinyin is itself: compute each stem once
        if stem not in pinyin_of:
            pinyin_of[stem] = name_pinyin(stem)
        full, initials = pinyin_of[stem].split(" ")
        number = name[-6:]
        local = rng.random() < 0.2
        rows.append(
            {"id": i, "name": name, "name_key": name.lower(), "credit_code": f"91{i:016d}"}
            | {"name_pinyin": f"{full}{number} {initials}{number}"}
            | {"province": "山东省" if local else "外省", "city": name[:2], "is_local": local}
            | {"park_id": rng.randint(1, len(funnel.PARKS)) if local else None}
            | {"revenue": round(exp(rng.gauss(1.5, 1.5)), 2), "employees": rng.randint(20, 9999)}
            | {"listing": None, **funnel.stamp(t0)}
        )
        for _ in range(rng.choice([1, 1, 2])):
            links.add((i, rng.choice(leaf_ids)))
    for company_id, segment_id in links:
        if gap_leaf(segment_id):  # nobody local works there: the chains' gaps
            rows[company_id - 1] |= {"province": "外省", "is_local": False, "park_id": None}
    count = funnel.copy_rows(conn, "company", rows)
    funnel.copy_rows(
        conn, "company_segment", ({"company_id": c, "segment_id": s} for c, s in sorted(links))
    )
    tags = ["srdi", "listed", "leader", "little_giant"]
    funnel.copy_rows(
        conn,
        "company_tag",
        ({"company_id": i, "tag": rng.choice(tags)} for i in range(1, n + 1) if i % 7 == 0),
    )
    return count


SEGMENTS_PER_CHAIN = 10  # see ``chains``: positions 0–1 are parents, 2–9 leaves


def gap_leaf(segment_id: int) -> bool:
    """Two leaves of every chain (positions 3 and 7) where no local company works."""
    return (segment_id - 1) % SEGMENTS_PER_CHAIN in (3, 7)


def load_links(conn, n_chains: int, seed: int) -> int:
    """Supply links: within each chain leaf by leaf, and from every leaf to a leaf of a later
    chain, so the first chain's gaps reach nearly every chain (as in the issue's registry)."""
    rng = Random(seed)  # its own, so the other tables stay as they were
    t0 = funnel.START - timedelta(days=60)
    rows = []
    for chain in range(n_chains):
        first = chain * SEGMENTS_PER_CHAIN + 1
        leaves = range(first + 2, first + SEGMENTS_PER_CHAIN)
        pairs = [(a, a + 1) for a in leaves[:-1]]
        if chain + 1 < n_chains:
            for a in leaves:
                other = rng.randrange(chain + 1, n_chains) * SEGMENTS_PER_CHAIN + 1
                pairs.append((a, other + rng.randrange(2, SEGMENTS_PER_CHAIN)))
        for a, b in pairs:
            rows.append({"id": len(rows) + 1, "chain_id": chain + 1} | {"from_segment_id": a})
            rows[-1] |= {"to_segment_id": b, "position": len(rows), "created_at": t0}
            rows[-1] |= {"updated_at": t0}
    return funnel.copy_rows(conn, "segment_link", rows)


def load(url: str, scale: Scale, seed: int = 1) -> dict[str, int]:
    """Build the data set into a migrated, empty database; returns rows per table."""
    funnel.CHAINS[:] = chains(scale.chains)
    funnel.PEAK_WEIGHTS[:] = PEAK_WEIGHTS
    rng = Random(seed)
    world = funnel.World()
    with writer(url) as conn:
        ref = funnel.load_reference(conn, rng, world, 0)
        world.counts["segment_link"] = load_links(conn, scale.chains, seed)
        world.counts["company"] = load_companies(conn, rng, scale.companies, ref["leaves"])
        signed = funnel.load_leads(conn, rng, world, ref, scale.leads, scale.moves)
        funnel.load_projects(conn, rng, world, ref, signed)
        if isinstance(conn, psycopg.Connection):
            _move_sequences(conn)
            conn.commit()
            conn.autocommit = True
            conn.execute("VACUUM ANALYZE")
    if url.startswith("sqlite"):
        connection = sqlite3.connect(make_url(url).database)
        connection.execute("ANALYZE")
        connection.close()
    return world.counts


def _move_sequences(conn: psycopg.Connection) -> None:
    tables = conn.execute(
        "SELECT table_name FROM information_schema.columns"
        " WHERE column_name = 'id' AND column_default LIKE 'nextval%'"
    ).fetchall()
    for (table,) in tables:
        conn.execute(
            f"SELECT setval(pg_get_serial_sequence('{table}', 'id'),"
            f" (SELECT COALESCE(max(id), 0) + 1 FROM {table}), false)"
        )


def timed_load(url: str, scale: Scale) -> tuple[dict[str, int], float]:
    started = perf_counter()
    counts = load(url, scale)
    return counts, perf_counter() - started
