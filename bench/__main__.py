"""The list and search benchmark: ``python -m bench --scale quick|city|province``.

    .venv/bin/python -m bench --scale quick [--sqlite]      # about a minute, smoke run
    .venv/bin/python -m bench --scale province              # PostgreSQL, the issue's sizes
    .venv/bin/python -m bench load --scale quick            # 50 users on a uvicorn server

Builds a scratch database with the real migrations (PostgreSQL: ``crm_bench_<random>`` on
``--server``, dropped at the end; SQLite: a temporary file), loads the deterministic data set
of ``bench.data`` (COPY / executemany, no ORM), then for each measurement runs the endpoint
(FastAPI's TestClient, signed in) and its twin, interleaved for ``--rounds`` rounds, after
checking both give the same answer (ids in order and total). Prints medians, the ratio
endpoint / twin, CPU per request, and the statements a request runs. See bench/README.md.

The older benches still run on their own: ``python bench/dashboard_funnel.py``,
``python bench/import_companies.py``.
"""

import argparse
import os
import secrets
import signal
import statistics
import sys
import tempfile
from contextlib import contextmanager
from time import perf_counter

from fastapi.testclient import TestClient

from bench import dashboard_funnel as funnel
from bench import funnel as funnel_bench
from bench import gaps
from bench.data import SCALES, timed_load
from bench.lists import Twin, add_bare_endpoint, measurements
from crm import migrate
from crm.api.app import create_app
from crm.auth import service as auth_service
from crm.auth.models import Role
from crm.auth.schemas import UserCreate
from crm.config import Settings
from crm.db import transaction


@contextmanager
def scratch(sqlite: bool, server: str, keep: bool):
    if not sqlite:
        with funnel.scratch_database(server, keep) as url:
            yield url
        return
    with tempfile.TemporaryDirectory(prefix="crm-bench-") as folder:
        yield f"sqlite:///{folder}/bench.db"


def signed_in_client(app) -> TestClient:
    """A leader of this run's own (a kept database may be measured again)."""
    username = f"bench-{secrets.token_hex(3)}"
    with transaction(app.state.sessionmaker) as session:
        data = UserCreate(username=username, role=Role.leader, password=funnel.BENCH_PASSWORD)
        auth_service.create(session, data)
    client = TestClient(app)
    response = client.post(
        "/api/auth/token", data={"username": username, "password": funnel.BENCH_PASSWORD}
    )
    assert response.status_code == 200, response.text
    client.headers["Authorization"] = f"Bearer {response.json()['access_token']}"
    return client


def statements_per_request(client, engine, paths: dict[str, str]) -> dict[str, int]:
    counts = {}
    for name, path in paths.items():
        with funnel.captured(engine) as statements:
            assert client.get(path).status_code == 200, path
        counts[name] = len(statements)
    return counts


def run(url: str, rounds: int, scale) -> None:
    app = create_app(Settings(database_url=url, secret_key=secrets.token_hex(32)))
    app.state.clock = lambda: funnel.NOW
    engine = app.state.engine
    add_bare_endpoint(app, engine)
    twin = Twin(engine)
    try:
        with signed_in_client(app) as client:
            plan = gaps.measurements(client, twin, scale.chains)
            plan += measurements(client, twin, scale.leads, throughput_block=10)
            plan[-1:-1] = funnel_bench.measurements(client, twin, funnel.NOW)
            for m in plan:
                m.check()
            for _ in range(rounds):
                for m in plan:
                    m.round()
            counts = statements_per_request(
                client,
                engine,
                {
                    "GET /api/leads": "/api/leads?limit=50",
                    "GET /api/companies?q=…": "/api/companies?q=光电精密",
                    "GET /api/leads/{id}": "/api/leads/1",
                    "GET /api/projects/{id}": "/api/projects/1",
                    "GET /api/chains/{code}/gaps": "/api/chains/chain-000/gaps",
                },
            )
    finally:
        twin.raw.close()
        engine.dispose()
    report(plan, counts)


def ms(seconds: float) -> str:
    return f"{seconds * 1000:,.2f}"


def report(plan, counts: dict[str, int]) -> None:
    print(
        f"\n| {'measurement':<38} | endpoint ms | twin ms | ratio | CPU ms endpoint / twin | twin |"
        "\n|---|---:|---:|---:|---:|---|"
    )
    for m in plan:
        print(
            f"| {m.name:<38} | {ms(statistics.median(m.endpoint_s)):>11} "
            f"| {ms(statistics.median(m.twin_s)):>7} | {m.ratio:>5.2f} "
            f"| {ms(statistics.median(m.endpoint_cpu))} / {ms(statistics.median(m.twin_cpu))} "
            f"| {m.twin_label} |"
        )
    throughput = plan[-1]
    print(f"\nthroughput: endpoint / bare endpoint = {1 / throughput.ratio:.2f}")
    print("statements per request: " + ", ".join(f"{k} {n}" for k, n in counts.items()))


def main() -> None:
    if sys.argv[1:2] == ["load"]:
        from bench import load

        load.main(sys.argv[2:])
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", choices=SCALES, default="quick")
    parser.add_argument("--sqlite", action="store_true", help="SQLite instead of PostgreSQL")
    parser.add_argument("--server", default=funnel.SERVER)
    parser.add_argument("--rounds", type=int, default=None, help="default: 9, quick 5")
    parser.add_argument("--keep", action="store_true", help="keep the PostgreSQL database")
    parser.add_argument("--url", help="measure a database an earlier --keep run built")
    args = parser.parse_args()
    if args.sqlite and args.scale == "province":
        parser.error("the province scale is for PostgreSQL")
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    scale = SCALES[args.scale]
    rounds = args.rounds or (5 if args.scale == "quick" else 9)
    database = "SQLite" if args.sqlite else "PostgreSQL"
    print(f"scale {args.scale} ({scale}) on {database}; nproc {os.cpu_count()}")
    print(f"start: {funnel.load_average()}")
    if args.url:
        run(args.url, rounds, scale)
        print(f"after timing: {funnel.load_average()}")
        return
    with scratch(args.sqlite, args.server, args.keep) as url:
        started = perf_counter()
        migrate.upgrade(url)
        print(f"migrated in {perf_counter() - started:.1f} s")
        counts, seconds = timed_load(url, scale)
        print(f"loaded in {seconds:.1f} s: " + ", ".join(f"{t} {n:,}" for t, n in counts.items()))
        print(f"before timing: {funnel.load_average()}")
        run(url, rounds, scale)
        print(f"after timing: {funnel.load_average()}")


if __name__ == "__main__":
    main()
