"""The load test: a realistic mix of requests from 50 concurrent users against a real uvicorn
server on loopback, for a bounded time; p50 / p95 per kind of request and overall.

    .venv/bin/python -m bench load --scale quick [--sqlite]     # builds its own database
    .venv/bin/python -m bench load --url postgresql+psycopg://…/crm_bench_xxxx  # a kept one

Each virtual user signs in once, then loops: pick a request from ``MIX`` (weighted), send
it, wait a think time (uniform ``--think`` seconds, default 0.5–1.5 s, as a person reading a
page would), until ``--duration`` seconds have passed. The driver is asyncio + httpx in this
process; the server is ``uvicorn`` in a child process (``--workers``, default 1), stopped at
the end. Latency is measured from sending the request to having read the whole response.
"""

import argparse
import asyncio
import os
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import time
from collections import defaultdict
from random import Random

import httpx

from bench import dashboard_funnel as funnel
from bench.data import SCALES, timed_load
from crm import migrate
from crm.auth import service as auth_service
from crm.auth.models import Role
from crm.auth.schemas import UserCreate
from crm.db import make_engine, make_sessionmaker, transaction

USERNAME = "load-leader"
SEARCH_TERMS = ["光电精密", "卓华", "qdzh", "新材料", "青岛", "hxkj", "半导体", "智能装备"]


def mix(scale) -> list[tuple[str, int, callable]]:
    """(kind, weight, path maker): what a bureau's staff do through a working day."""
    leads, chains = scale.leads, scale.chains
    return [
        ("lead list", 20, lambda r: "/api/leads?limit=50"),
        ("lead list, filtered", 10, lambda r: f"/api/leads?limit=50&stage={r.choice(STAGES)}"),
        ("lead list, sorted", 8, lambda r: f"/api/leads?limit=50&sort={r.choice(SORTS)}"),
        ("lead list, page n", 5, lambda r: f"/api/leads?limit=50&offset={r.randrange(leads)}"),
        ("company search", 15, lambda r: f"/api/companies?q={r.choice(SEARCH_TERMS)}"),
        ("lead detail", 15, lambda r: f"/api/leads/{r.randint(1, leads)}"),
        ("project detail", 10, lambda r: f"/api/projects/{r.randint(1, leads // 5)}"),
        ("dashboard funnel", 5, lambda r: "/api/dashboard/funnel"),
        ("chain gaps", 5, lambda r: f"/api/chains/chain-{r.randrange(chains):03d}/gaps"),
        ("chain detail", 5, lambda r: f"/api/chains/chain-{r.randrange(chains):03d}"),
    ]


STAGES = ["identified", "contacted", "visited", "negotiating", "signed"]
SORTS = ["-stage_changed_at", "-expected_investment", "created_at", "next_follow_up"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def create_user(url: str) -> None:
    engine = make_engine(url)
    try:
        with transaction(make_sessionmaker(engine)) as session:
            if auth_service.get_by_username(session, USERNAME) is None:
                data = UserCreate(
                    username=USERNAME, role=Role.leader, password=funnel.BENCH_PASSWORD
                )
                auth_service.create(session, data)
    finally:
        engine.dispose()


BARE = "bare lead list (no auth, ORM, pydantic)"


def app_with_bare_endpoint():
    """The product's app plus the bench's bare endpoint (``bench.lists``), so a bare request
    meets the same server, the same queue and the same load as the mix."""
    from bench.lists import add_bare_endpoint
    from crm.api.app import create_app

    app = create_app()
    add_bare_endpoint(app, app.state.engine)
    return app


def start_server(url: str, port: int, workers: int, bare: bool = False) -> subprocess.Popen:
    env = os.environ | {"CRM_DATABASE_URL": url, "CRM_SECRET_KEY": secrets.token_hex(32)}
    factory = "bench.load:app_with_bare_endpoint" if bare else "crm.api.app:create_app"
    command = [sys.executable, "-m", "uvicorn", factory, "--factory"]
    command += ["--host", "127.0.0.1", "--port", str(port), "--workers", str(workers)]
    command += ["--no-access-log", "--log-level", "warning"]
    return subprocess.Popen(command, env=env)


async def wait_until_up(base: str, server: subprocess.Popen) -> None:
    async with httpx.AsyncClient(base_url=base) as client:
        for _ in range(300):
            if server.poll() is not None:
                raise SystemExit(f"the server exited with {server.returncode}")
            try:
                if (await client.get("/health")).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            await asyncio.sleep(0.1)
    raise SystemExit("the server did not come up in 30 s")


class Recorder:
    def __init__(self):
        self.latencies: dict[str, list[float]] = defaultdict(list)
        self.errors: dict[str, int] = defaultdict(int)

    def add(self, kind: str, seconds: float, ok: bool) -> None:
        self.latencies[kind].append(seconds)
        if not ok:
            self.errors[kind] += 1


async def sign_in(base: str) -> str:
    """One log-in, its token shared by the virtual users: a log-in is a password hash
    (deliberately slow), done once a day, not part of the working mix."""
    async with httpx.AsyncClient(base_url=base, timeout=60) as client:
        response = await client.post(
            "/api/auth/token", data={"username": USERNAME, "password": funnel.BENCH_PASSWORD}
        )
        response.raise_for_status()
        return response.json()["access_token"]


async def user(base: str, token: str, plan, think, deadline: float, seed: int, rec) -> None:
    rng = Random(seed)
    kinds, weights = [p[0] for p in plan], [p[1] for p in plan]
    makers = {p[0]: p[2] for p in plan}
    limits = httpx.Limits(max_connections=1)
    headers = {"Authorization": f"Bearer {token}"}
    async with httpx.AsyncClient(
        base_url=base, limits=limits, timeout=30, headers=headers
    ) as client:
        await asyncio.sleep(rng.uniform(0, think[1]))  # users do not all start at once
        while time.monotonic() < deadline:
            kind = rng.choices(kinds, weights)[0]
            path = makers[kind](rng)
            started = time.perf_counter()
            response = await client.get(path)
            await response.aread()
            # A random lead or project id may not exist: 404 is an answer, not an error.
            rec.add(kind, time.perf_counter() - started, response.status_code in (200, 404))
            await asyncio.sleep(rng.uniform(*think))


async def drive(base: str, plan, users: int, duration: float, think) -> Recorder:
    rec = Recorder()
    token = await sign_in(base)
    deadline = time.monotonic() + duration
    await asyncio.gather(*(user(base, token, plan, think, deadline, i, rec) for i in range(users)))
    return rec


def percentile(values: list[float], p: float) -> float:
    return (
        statistics.quantiles(values, n=100, method="inclusive")[p - 1]
        if len(values) > 1
        else values[0]
    )


def report(rec: Recorder, duration: float) -> float:
    print(
        "\n| request | count | errors | p50 ms | p95 ms | p99 ms | max ms |"
        "\n|---|---:|---:|---:|---:|---:|---:|"
    )
    everything = []
    for kind, values in sorted(rec.latencies.items(), key=lambda kv: -len(kv[1])):
        if kind != BARE:  # the bare twin is a yardstick, not part of the product's figures
            everything += values
        print(
            f"| {kind} | {len(values)} | {rec.errors[kind]} | {percentile(values, 50) * 1000:.1f} "
            f"| {percentile(values, 95) * 1000:.1f} | {percentile(values, 99) * 1000:.1f} "
            f"| {max(values) * 1000:.1f} |"
        )
    p95 = percentile(everything, 95)
    print(
        f"| **all** | {len(everything)} | {sum(rec.errors.values())} "
        f"| {percentile(everything, 50) * 1000:.1f} | {p95 * 1000:.1f} "
        f"| {percentile(everything, 99) * 1000:.1f} | {max(everything) * 1000:.1f} |"
    )
    print(f"\nthroughput {len(everything) / duration:.1f} requests/s (the product's mix)")
    return p95


def run(url: str, scale, args) -> None:
    create_user(url)
    port = free_port()
    server = start_server(url, port, args.workers, bare=args.bare_weight > 0)
    base = f"http://127.0.0.1:{port}"
    try:
        asyncio.run(wait_until_up(base, server))
        print(
            f"{args.users} users for {args.duration:.0f} s, think {args.think[0]}–{args.think[1]} s"
        )
        print(f"before: {funnel.load_average()}")
        plan = [p for p in mix(scale) if p[0] not in args.skip]
        if args.bare_weight > 0:
            plan.append((BARE, args.bare_weight, lambda r: "/bench/bare-leads"))
        print("mix: " + ", ".join(f"{kind} {weight}" for kind, weight, _ in plan))
        rec = asyncio.run(drive(base, plan, args.users, args.duration, tuple(args.think)))
        print(f"after: {funnel.load_average()}")
    finally:
        server.send_signal(signal.SIGINT)
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()
    p95 = report(rec, args.duration)
    print(f"target p95 < 100 ms: {'met' if p95 < 0.1 else 'missed'} ({p95 * 1000:.0f} ms)")


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m bench load", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--scale", choices=SCALES, default="quick")
    parser.add_argument("--sqlite", action="store_true")
    parser.add_argument("--server", default=funnel.SERVER)
    parser.add_argument("--url", help="a database an earlier --keep run built")
    parser.add_argument("--keep", action="store_true")
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--duration", type=float, default=30.0)
    parser.add_argument("--think", type=float, nargs=2, default=[0.5, 1.5])
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument(
        "--bare-weight",
        type=int,
        default=0,
        help="also send the bench's bare lead list (hand-written SQL to JSON) with this weight: "
        "the same page under the same load, left out of the overall figures",
    )
    parser.add_argument(
        "--skip", action="append", default=[], help="leave a kind of request out of the mix"
    )
    args = parser.parse_args(argv)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    scale = SCALES[args.scale]
    print(f"load test, scale {args.scale} ({scale}); nproc {os.cpu_count()}")
    if args.url:
        run(args.url, scale, args)
        return
    from bench.__main__ import scratch

    with scratch(args.sqlite, args.server, args.keep) as url:
        migrate.upgrade(url)
        counts, seconds = timed_load(url, scale)
        print(f"loaded in {seconds:.1f} s: " + ", ".join(f"{t} {n:,}" for t, n in counts.items()))
        run(url, scale, args)
