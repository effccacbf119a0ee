"""Imports and exports against their raw twins (PostgreSQL): ``python -m bench.imports``.

    .venv/bin/python -m bench.imports --rows 50000 --scale quick

1. ``crm import companies`` of a generated file of ``--rows`` companies (bench/import_companies.py
   writes it), run as a user runs it (a subprocess: start-up, file, validation, writing), with
   its peak RSS; twin: ``COPY … FROM STDIN`` of the very rows it wrote (companies, their
   segments and tags) into tables made ``LIKE`` the real ones, indexes included.
2. ``GET /api/leads/export?format=csv`` on the ``--scale`` data set (bench/data.py), read to the
   end through the HTTP stack; twin: ``COPY (the same rows) TO STDOUT (FORMAT csv)``.
3. ``GET /api/leads/export`` (XLSX); twin: the same tuples read by raw SQL and written by
   openpyxl in write-only mode.

Each export pair runs interleaved for ``--rounds`` rounds; medians are printed.
"""

import argparse
import io
import json
import os
import resource
import secrets
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path
from time import perf_counter

import psycopg

from bench import dashboard_funnel as funnel
from bench.data import SCALES, timed_load
from bench.import_companies import chain_file, write_companies
from crm import migrate
from crm.api.app import create_app
from crm.config import Settings

ROOT = Path(__file__).resolve().parent.parent
WRITTEN = {  # table: the columns an import writes
    "company": "id, name, name_key, name_pinyin, credit_code, province, city, city_code, "
    "is_local, park_id, revenue, employees, listing, version, created_at, updated_at",
    "company_segment": "company_id, segment_id",
    "company_tag": "company_id, tag",
}
EXPORT_SQL = """
SELECT c.name, c.credit_code, c.city, ch.code || ':' || s.code, tf.name, u.username,
       l.priority, l.source, l.expected_investment, l.expected_jobs, l.next_follow_up,
       l.stage, l.notes, p.name
FROM lead l JOIN company c ON c.id = l.company_id JOIN segment s ON s.id = l.segment_id
JOIN chain ch ON ch.id = s.chain_id LEFT JOIN task_force tf ON tf.id = l.task_force_id
LEFT JOIN user_account u ON u.id = l.owner_id LEFT JOIN park p ON p.id = l.park_id
ORDER BY l.id
"""


def crm(url: str, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "CRM_DATABASE_URL": url}
    result = subprocess.run(
        [sys.executable, "-m", "crm", *args], env=env, cwd=ROOT, capture_output=True, text=True
    )
    if result.returncode != 0:
        sys.exit(f"crm {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
    return result


def import_vs_copy(url: str, rows: int, folder: Path) -> dict:
    source = folder / "companies.csv"
    write_companies(source, rows)
    chain = folder / "chain.json"
    chain.write_text(json.dumps(chain_file(), ensure_ascii=False), encoding="utf-8")
    crm(url, "import", "chain", str(chain))
    started = perf_counter()
    summary = crm(url, "import", "companies", str(source)).stdout.strip()
    seconds = perf_counter() - started
    peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    with psycopg.connect(funnel.conninfo(url)) as conn:
        copied = {}
        for table, columns in WRITTEN.items():
            buffer = io.BytesIO()
            with conn.cursor().copy(f"COPY (SELECT {columns} FROM {table}) TO STDOUT") as out:
                for chunk in out:
                    buffer.write(chunk)
            copied[table] = buffer.getvalue()
            conn.execute(f"CREATE TABLE twin_{table} (LIKE {table} INCLUDING ALL)")
        conn.commit()
        started = perf_counter()
        with conn.transaction():
            for table, columns in WRITTEN.items():
                with conn.cursor().copy(f"COPY twin_{table} ({columns}) FROM STDIN") as into:
                    into.write(copied[table])
        copy_seconds = perf_counter() - started
        counts = {t: conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in WRITTEN}
    return {
        "summary": summary,
        "import_s": seconds,
        "copy_s": copy_seconds,
        "peak_mb": peak_mb,
        "counts": counts,
    }


def export_pairs(url: str, rounds: int) -> dict[str, tuple[float, float]]:
    from openpyxl import Workbook

    from bench.__main__ import signed_in_client

    app = create_app(Settings(database_url=url, secret_key=secrets.token_hex(32)))
    raw = psycopg.connect(funnel.conninfo(url), autocommit=True)

    def endpoint(file_format: str):
        def run() -> int:
            size = 0
            with client.stream("GET", f"/api/leads/export?format={file_format}") as response:
                assert response.status_code == 200
                for chunk in response.iter_bytes():
                    size += len(chunk)
            return size

        return run

    def copy_csv() -> int:
        size = 0
        with raw.cursor().copy(f"COPY ({EXPORT_SQL}) TO STDOUT (FORMAT csv, HEADER)") as out:
            for chunk in out:
                size += len(chunk)
        return size

    def openpyxl_twin() -> int:
        workbook = Workbook(write_only=True)
        sheet = workbook.create_sheet()
        with raw.transaction(), raw.cursor(name="twin") as cursor:
            cursor.execute(EXPORT_SQL)
            for row in cursor:
                sheet.append(row)
        with tempfile.TemporaryFile() as file:
            workbook.save(file)
            return file.tell()

    timings: dict[str, tuple[list[float], list[float]]] = {}
    with signed_in_client(app) as client:
        pairs = {
            "CSV export / COPY TO STDOUT": (endpoint("csv"), copy_csv),
            "XLSX export / openpyxl write-only": (endpoint("xlsx"), openpyxl_twin),
        }
        for name, (ours, twin) in pairs.items():
            timings[name] = ([], [])
            for _ in range(rounds):
                for index, run in enumerate((ours, twin)):
                    started = perf_counter()
                    run()
                    timings[name][index].append(perf_counter() - started)
    raw.close()
    app.state.engine.dispose()
    return {name: (statistics.median(a), statistics.median(b)) for name, (a, b) in timings.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=50_000, help="companies in the import file")
    parser.add_argument("--scale", choices=SCALES, default="quick", help="data for exports")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--server", default=funnel.SERVER)
    args = parser.parse_args()
    print(f"nproc {os.cpu_count()}; start: {funnel.load_average()}")
    with funnel.scratch_database(args.server, False) as url, tempfile.TemporaryDirectory() as tmp:
        migrate.upgrade(url)
        result = import_vs_copy(url, args.rows, Path(tmp))
        print(f"import: {result['summary']}; rows written: {result['counts']}")
        print(
            f"| company import, {args.rows:,} rows | {result['import_s']:.1f} s | COPY "
            f"{result['copy_s']:.1f} s | import speed / COPY "
            f"{result['copy_s'] / result['import_s']:.2f} | peak RSS {result['peak_mb']:.0f} MB |"
        )
    with funnel.scratch_database(args.server, False) as url:
        migrate.upgrade(url)
        counts, seconds = timed_load(url, SCALES[args.scale])
        print(f"loaded {args.scale} in {seconds:.0f} s: {counts.get('lead', counts)} leads")
        for name, (ours, twin) in export_pairs(url, args.rounds).items():
            print(f"| {name} | {ours * 1000:,.0f} ms | {twin * 1000:,.0f} ms | {ours / twin:.2f} |")
    print(f"end: {funnel.load_average()}")


if __name__ == "__main__":
    main()
