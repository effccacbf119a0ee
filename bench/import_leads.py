"""Time ``crm import leads`` on a generated file of N leads (default 20,000), with peak RSS.

    .venv/bin/python bench/import_leads.py [--rows N] [--postgres SERVER_URL] [--before DIR]

Each measured import runs in a fresh database (a SQLite file in a temporary folder, or with
``--postgres`` a scratch database ``crm_bench_<random>`` on that server, dropped at the end)
holding one chain of ten segments; the file names N new companies, one lead each, a quarter
of them at identified and the others at contacted, visited or negotiating (so each of those
writes a stage-history row), and every tenth row names an earlier row's company and segment
again (a merge within the file). The import runs as a user runs it, ``python -m crm import
leads FILE``, then once more with the same file (every row merges into its lead).

``--before DIR`` also runs the code of another source tree (say ``git archive HEAD^ | tar -x
-C DIR``) on its own fresh database, alternating with this tree's, so both are measured on
the same machine in the same minutes. Peak RSS is each crm process's own (``wait4``).
"""

import argparse
import csv
import json
import os
import subprocess
import sys
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.import_companies import SEGMENTS, chain_file  # noqa: E402
from tests.factories import credit_code  # noqa: E402

HEADERS = ["企业名称", "统一社会信用代码", "城市", "所属环节", "优先级", "线索来源"]
HEADERS += ["预计投资(万元)", "预计就业", "阶段", "备注"]
STAGES = ["", "已接洽", "已拜访", "洽谈中"]
SOURCES = ["驻外中心", "招商专班", "智库", "以商招商", "展会", "其他"]


def write_leads(path: Path, rows: int) -> None:
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADERS)
        for n in range(rows):
            firm = n - 7 if n % 10 == 9 else n  # every tenth row: an earlier row's lead again
            writer.writerow(
                [
                    f"基准线索企业{firm:07d}有限公司",
                    credit_code(firm + 1),
                    ("成都市", "绵阳市", "深圳市")[firm % 3],
                    f"bench:seg-{firm % SEGMENTS}",
                    "ABC"[n % 3],
                    SOURCES[n % len(SOURCES)],
                    1000 + n % 5000,
                    10 + n % 300,
                    STAGES[n % len(STAGES)],
                    f"第{n}行",
                ]
            )


def run(code: Path, url: str, *args: str) -> tuple[str, float, float]:
    """``python -m crm ARGS`` in ``code``: its output, wall seconds and peak RSS (MB)."""
    env = {**os.environ, "CRM_DATABASE_URL": url, "PYTHONPATH": str(code)}
    started = time.perf_counter()
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        process = subprocess.Popen(
            [sys.executable, "-m", "crm", *args], cwd=code, env=env, stdout=out, stderr=err
        )
        _, status, usage = os.wait4(process.pid, 0)
        seconds = time.perf_counter() - started
        process.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read().decode(), err.read().decode()
    if process.returncode != 0:
        sys.exit(f"crm {' '.join(args)} failed ({process.returncode}):\n{stdout}\n{stderr}")
    return stdout.strip().splitlines()[-1], seconds, usage.ru_maxrss / 1024


def fresh_database(stack: ExitStack, folder: Path, label: str, postgres: str | None) -> str:
    if postgres:
        from bench.dashboard_funnel import scratch_database

        return stack.enter_context(scratch_database(postgres, keep=False))
    return f"sqlite:///{folder / f'{label}.db'}"


def measure(code: Path, url: str, folder: Path, source: Path, rows: int, label: str) -> None:
    run(code, url, "db", "upgrade")
    chain = folder / "chain.json"
    chain.write_text(json.dumps(chain_file(), ensure_ascii=False), encoding="utf-8")
    run(code, url, "import", "chain", str(chain))
    for attempt in ("import", "again"):
        timed_import(code, url, "leads", source, rows, f"{label:>6} {attempt:>6}")


def timed_import(code: Path, url: str, kind: str, source: Path, rows: int, label: str) -> None:
    """``crm import KIND SOURCE`` in ``code``: print its time, speed and peak RSS."""
    summary, seconds, peak = run(code, url, "import", kind, str(source))
    print(
        f"{label}: {seconds:6.1f} s, {rows / seconds:7,.0f} rows/s, "
        f"peak RSS {peak:5,.0f} MB  ({summary})",
        flush=True,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=20_000)
    parser.add_argument("--postgres", help="server URL, e.g. postgresql+psycopg://postgres@host")
    parser.add_argument("--before", type=Path, help="another source tree to run as well")
    parser.add_argument("--rounds", type=int, default=1)
    args = parser.parse_args()

    print(f"nproc {os.cpu_count()}, load average {os.getloadavg()[0]:.2f} at start")
    with tempfile.TemporaryDirectory(prefix="crm-bench-") as name, ExitStack() as stack:
        folder = Path(name)
        source = folder / "leads.csv"
        write_leads(source, args.rows)
        print(
            f"{args.rows:,} rows, {source.stat().st_size / 1e6:.1f} MB; {args.postgres or 'SQLite'}"
        )
        trees = [("before", args.before.resolve())] if args.before else []
        trees.append(("after", ROOT))
        for round_ in range(args.rounds):
            for label, code in trees:
                url = fresh_database(stack, folder, f"{label}{round_}", args.postgres)
                measure(code, url, folder, source, args.rows, label)
    print(f"load average {os.getloadavg()[0]:.2f} at the end")


if __name__ == "__main__":
    main()
