"""Time ``crm import companies`` on a generated file of N companies (default 100,000).

    .venv/bin/python bench/import_companies.py [--rows N] [--database-url URL] [--keep]

Builds a fresh SQLite database in a temporary folder (or uses ``--database-url``, whose schema
must be empty or current), creates a chain with ten segments, writes a CSV with valid credit
codes and runs the import as a user would: ``python -m crm import companies FILE``. Prints the
wall time and rows per second. Run it twice with ``--again`` to time a file that only merges.
"""

import argparse
import csv
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.factories import credit_code  # noqa: E402

SEGMENTS = 10
HEADERS = ["企业名称", "统一社会信用代码", "省份", "城市", "所属环节", "标签"]
HEADERS += ["营业收入(亿元)", "从业人数", "是否本地"]
TAGS = ["", "", "专精特新", "上市", "龙头;上市", ""]


def chain_file() -> dict:
    return {
        "code": "bench",
        "name": "基准产业链",
        "name_en": "Bench chain",
        "segments": [
            {
                "code": f"seg-{n}",
                "name": f"环节{n}",
                "stage": ("upstream", "midstream", "downstream")[n % 3],
                "parent": None,
                "direction": n % 4 == 0,
                "products": [],
            }
            for n in range(SEGMENTS)
        ],
        "links": [],
    }


def write_companies(path: Path, rows: int) -> None:
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADERS)
        for n in range(rows):
            segments = f"bench:seg-{n % SEGMENTS}"
            if n % 3 == 0:
                segments += f";bench:seg-{(n + 1) % SEGMENTS}"
            revenue, employees = round(0.5 + (n % 997) / 10, 2), 10 + n % 5000
            tags = TAGS[n % len(TAGS)]
            if revenue >= 4 and employees >= 1000:  # a large firm: no 专精特新 (SMEs only)
                tags = tags.replace("专精特新", "上市")
            writer.writerow(
                [
                    f"基准测试企业{n:07d}有限公司",
                    credit_code(n + 1),
                    "四川",
                    ("成都市", "绵阳市", "德阳市")[n % 3],
                    segments,
                    tags,
                    revenue,
                    employees,
                    "是" if n % 5 == 0 else "否",
                ]
            )


def crm(url: str, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "CRM_DATABASE_URL": url}
    command = [sys.executable, "-m", "crm", *args]
    return subprocess.run(command, env=env, cwd=ROOT, capture_output=True, text=True)


def check(result: subprocess.CompletedProcess) -> str:
    if result.returncode != 0:
        sys.exit(f"failed ({result.returncode}):\n{result.stdout}\n{result.stderr}")
    return result.stdout.strip()


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _children_peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--database-url", help="default: a new SQLite file in a temp folder")
    parser.add_argument("--again", action="store_true", help="import the file a second time")
    parser.add_argument("--keep", action="store_true", help="keep the temp folder")
    args = parser.parse_args()

    folder = Path(tempfile.mkdtemp(prefix="crm-bench-"))
    url = args.database_url or f"sqlite:///{folder / 'bench.db'}"
    source = folder / "companies.csv"
    started = time.perf_counter()
    write_companies(source, args.rows)
    size = source.stat().st_size / 1e6
    print(f"wrote {args.rows:,} rows ({size:.1f} MB) in {time.perf_counter() - started:.1f} s")

    check(crm(url, "db", "upgrade"))
    chain = folder / "chain.json"
    chain.write_text(json.dumps(chain_file(), ensure_ascii=False), encoding="utf-8")
    check(crm(url, "import", "chain", str(chain)))

    for attempt in ("import", "again") if args.again else ("import",):
        started, cpu = time.perf_counter(), _children_cpu()
        summary = check(crm(url, "import", "companies", str(source)))
        seconds, cpu = time.perf_counter() - started, _children_cpu() - cpu
        print(f"{attempt}: {summary}")
        print(
            f"{attempt}: {seconds:.1f} s wall, {args.rows / seconds:,.0f} rows/s "
            f"({cpu:.1f} s CPU in the crm process, {_children_peak_mb():,.0f} MB peak)"
        )
    if args.keep:
        print(f"kept {folder}")
    else:
        for path in folder.iterdir():
            path.unlink()
        folder.rmdir()


if __name__ == "__main__":
    main()
