"""Time ``crm import figures`` on a generated file of N firm-years (default 20,000), with
peak RSS.

    .venv/bin/python bench/import_figures.py [--rows N] [--postgres SERVER_URL] [--before DIR]

Each measured import runs in a fresh database (as ``bench/import_leads.py``) holding N local
companies, imported first with ``crm import companies``; the file gives each of them one year
of figures, half by credit code and half by name. The import runs as a user runs it (a
subprocess), then a second file giving every firm-year a different tax (every row updates
its firm-year).
``--before DIR`` runs another source tree's code alternately with this one's.
"""

import argparse
import csv
import json
import os
import sys
import tempfile
from contextlib import ExitStack
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.import_companies import chain_file  # noqa: E402
from bench.import_leads import fresh_database, run, timed_import  # noqa: E402
from tests.factories import credit_code  # noqa: E402

HEADERS = ["年度", "企业名称", "统一社会信用代码", "自有用地(亩)", "租用用地(亩)"]
HEADERS += ["营业收入(万元)", "实缴税金(万元)", "工业增加值(万元)", "综合能耗(吨标准煤)"]
HEADERS += ["研发经费(万元)", "年平均职工人数", "是否规上"]


def _name(n: int) -> str:
    return f"基准亩均企业{n:07d}有限公司"


def write_firms(path: Path, rows: int) -> None:
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["企业名称", "统一社会信用代码", "城市", "所属环节", "是否本地"])
        for n in range(rows):
            writer.writerow([_name(n), credit_code(n + 1), "成都市", f"bench:seg-{n % 10}", "是"])


def write_figures(path: Path, rows: int, *, tax_added: int = 0) -> None:
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADERS)
        for n in range(rows):
            by_code = n % 2 == 0
            writer.writerow(
                [
                    2025,
                    "" if by_code else _name(n),
                    credit_code(n + 1) if by_code else "",
                    10 + n % 90,
                    n % 7,
                    1000 + n % 50_000,
                    50 + n % 3000 + tax_added,
                    300 + n % 9000,
                    20 + n % 4000,
                    n % 500,
                    5 + n % 2000,
                    "是" if n % 3 == 0 else "否",
                ]
            )


def measure(code: Path, url: str, folder: Path, rows: int, label: str) -> None:
    run(code, url, "db", "upgrade")
    chain = folder / "chain.json"
    chain.write_text(json.dumps(chain_file(), ensure_ascii=False), encoding="utf-8")
    run(code, url, "import", "chain", str(chain))
    run(code, url, "import", "companies", str(folder / "firms.csv"))
    for attempt, name in (("import", "figures.csv"), ("update", "figures-updated.csv")):
        timed_import(code, url, "figures", folder / name, rows, f"{label:>6} {attempt:>6}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=20_000)
    parser.add_argument("--postgres", help="server URL, e.g. postgresql+psycopg://postgres@host")
    parser.add_argument("--before", type=Path, help="another source tree to run as well")
    args = parser.parse_args()

    print(f"nproc {os.cpu_count()}, load average {os.getloadavg()[0]:.2f} at start")
    with tempfile.TemporaryDirectory(prefix="crm-bench-") as name, ExitStack() as stack:
        folder = Path(name)
        write_firms(folder / "firms.csv", args.rows)
        write_figures(folder / "figures.csv", args.rows)
        write_figures(folder / "figures-updated.csv", args.rows, tax_added=1)
        print(f"{args.rows:,} rows; {args.postgres or 'SQLite'}")
        trees = [("before", args.before.resolve())] if args.before else []
        trees.append(("after", ROOT))
        for label, code in trees:
            url = fresh_database(stack, folder, label, args.postgres)
            measure(code, url, folder, args.rows, label)
    print(f"load average {os.getloadavg()[0]:.2f} at the end")


if __name__ == "__main__":
    main()
