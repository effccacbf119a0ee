"""Generate the seed data set: ``python -m seeds.generate`` (deterministic, fixed seed).

Writes users.json, parks.json, companies.csv, chain_leaders.json, taskforces.json and
leads.json beside this file from the chain maps in chains/. Names are fictional; credit codes
carry valid check characters (GB 32100-2015 and the organisation code's own, GB 11714). Every
chain gets missing, weak and strong leaf segments and local chain leaders (链主); nothing that
happened is dated after HISTORY_END, only planned visits lie ahead. What makes the data
believable (sizes and tags, the pace of projects, staffing) is told in companies.py,
histories.py, people.py and projects.py.
"""

import csv
import json
import random
from collections import Counter
from datetime import date, timedelta
from pathlib import Path

from seeds.companies import (
    chain_leader_records,
    local_companies,
    plan_statuses,
    tag_segment_leaders,
    target_companies,
)
from seeds.histories import HISTORY_END, HISTORY_START, PIPELINE, history
from seeds.people import SPECIALISTS, STAFF, task_force_records, user_records
from seeds.projects import after_signing

__all__ = ["HISTORY_END", "HISTORY_START", "main"]

HERE = Path(__file__).parent
SEED = 20221108
LEADS = 520
PARKS = [  # (name, level, leading chains, area in 亩)
    ("云江高新技术产业开发区", "national", ["new-display", "electronic-info", "smart-home"], 35000),
    ("云江经济技术开发区", "national", ["auto-parts", "advanced-equipment", "new-energy"], 42000),
    ("云江科技城新区", "provincial", ["electronic-info", "robotics"], 18000),
    ("游仙经济技术开发区", "provincial", ["new-materials", "food-beverage"], 15000),
    ("涪江新材料产业园", "provincial", ["new-materials", "energy-chemical"], 9000),
    ("云江临港工业园", "city", ["advanced-equipment", "auto-parts"], 8000),
    ("云江生物医药产业园", "provincial", ["biomedicine"], 6000),
    ("三台工业园区", "city", ["food-beverage", "energy-saving"], 7000),
    ("江油高新区", "provincial", ["new-materials", "advanced-equipment", "energy-chemical"], 12000),
    ("云江智能制造产业园", "city", ["robotics", "smart-home"], 5000),
    ("安州工业园区", "city", ["new-energy", "energy-saving"], 6500),
    ("云江数字经济产业园", "city", ["electronic-info", "new-display"], 3000),
]
FINAL_STAGES = [  # (stage, share of leads)
    ("identified", 0.20),
    ("contacted", 0.17),
    ("visited", 0.14),
    ("negotiating", 0.12),
    ("signed", 0.10),
    ("started", 0.08),
    ("producing", 0.06),
    ("paused", 0.06),
    ("lost", 0.07),
]


def load_chains() -> list[dict]:
    return [json.loads(p.read_text("utf-8")) for p in sorted((HERE / "chains").glob("*.json"))]


def parks_by_chain() -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for name, _level, chain_codes, _area in PARKS:
        for code in chain_codes:
            found.setdefault(code, []).append(name)
    return found


def main() -> None:
    rng = random.Random(SEED)
    chains = load_chains()
    status, led = plan_statuses(rng, chains)
    names: set[str] = set()
    codes: set[str] = set()
    all_parks = [p[0] for p in PARKS]
    rows = local_companies(rng, chains, status, led, names, codes, parks_by_chain(), all_parks)
    rows += target_companies(rng, status, led, names, codes)
    tag_segment_leaders(rows)
    leaders = chain_leader_records(chains, rows)
    with (HERE / "companies.csv").open("w", encoding="utf-8", newline="") as out:
        writer = csv.DictWriter(out, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    parks = [
        {"name": n, "level": lvl, "leading_chains": cs, "area_mu": area}
        for n, lvl, cs, area in PARKS
    ]
    write_json("parks.json", parks)
    write_parks_csv(parks)
    write_json("chain_leaders.json", leaders)
    write_json("users.json", user_records())
    task_forces = task_force_records(rng)
    write_json("taskforces.json", task_forces)
    leads = lead_records(rng, rows, task_forces, chains)
    write_json("leads.json", leads)
    write_sample_leads_csv(leads, rows)
    visits = Counter(v["status"] for lead in leads for v in lead["visits"])
    print(
        f"{len(rows)} companies ({sum(r['是否本地'] == '否' for r in rows)} targets), "
        f"{len(parks)} parks, {sum(len(c['leaders']) for c in leaders)} chain leaders, "
        f"{len(task_forces)} task forces, {len(leads)} leads, "
        f"{sum(1 for lead in leads if lead.get('signing'))} projects, "
        f"{visits['done']} done and {visits['planned']} planned visits"
    )


def pursuing_unit(rng: random.Random, company: dict, chain: str, units: list[dict]) -> tuple:
    """The unit pursuing a lead and the lead's source: the centre in the company's city now
    and then, else an in-city unit whose field the chain is (the 专班 of the chain first)."""
    city = company["城市"].removesuffix("市")
    centre = next((u for u in units if u["kind"] == "center" and u["base_city"] == city), None)
    if centre is not None and rng.random() < 0.35:
        return centre, "center"
    head_office = "fortune500" in company["标签"] or company["营业收入(亿元)"] >= 300
    if head_office and rng.random() < 0.4:
        return next(u for u in units if u["name"] == "总部经济招商专班"), "task_force"
    fields = [u for u in units if chain in u["focus_chains"]]
    weights = [
        6 if u["focus_chains"] == [chain] and u["kind"] == "task_force" else 2 for u in fields
    ]
    unit = rng.choices(fields, weights=weights)[0]
    if unit["kind"] == "group":
        return unit, rng.choice(["think_tank", "referral", "other"])
    return unit, rng.choice(["task_force", "task_force", "referral", "exhibition"])


def lead_records(
    rng: random.Random, companies: list[dict], task_forces: list[dict], chains: list[dict]
) -> list[dict]:
    visit_rng = random.Random(SEED + 1)  # its own stream: visits leave the histories as they are
    segment_names = {f"{c['code']}:{s['code']}": s["name"] for c in chains for s in c["segments"]}
    targets = [c for c in companies if c["是否本地"] == "否"]
    chosen = rng.sample(targets, LEADS)
    parks = parks_by_chain()
    stages = [stage for stage, _ in FINAL_STAGES]
    shares = [share for _, share in FINAL_STAGES]
    service_pool = sorted({*STAFF, *SPECIALISTS})
    records = []
    for number, company in enumerate(chosen):
        segment = rng.choice(company["所属环节"].split(";"))
        chain = segment.split(":")[0]
        task_force, source = pursuing_unit(rng, company, chain, task_forces)
        expected = round(rng.lognormvariate(10.3, 1.0), -2)  # 万元, a few 亿 typically
        record = {
            "credit_code": company["统一社会信用代码"],
            "segment": segment,
            "task_force": task_force["name"],
            "owner": rng.choice([task_force["leader"], *task_force["members"]]),
            "priority": rng.choices(["A", "B", "C"], weights=[2, 5, 3])[0],
            "source": source,
            "expected_investment": expected,
            "expected_jobs": int(expected / rng.randint(80, 300)) + 20,
            "park": rng.choice(parks[chain]),
        }
        final = rng.choices(stages, weights=shares)[0]
        record.update(history(rng, final, record["owner"]))
        if "signed" in [move["to"] for move in record["moves"]]:
            record["signing"] = {
                "specialist": SPECIALISTS[number % len(SPECIALISTS)],
                "park": record["park"],
                "investment": round(expected * rng.uniform(0.8, 1.3), -2),
            }
            record.update(after_signing(rng, record, service_pool))
        team = [task_force["leader"], *task_force["members"]]
        record["visits"] = _visits(
            visit_rng, record, final, company["城市"], team, segment_names[segment]
        )
        records.append(record)
    return records


VISIT_TEXTS = {  # kind → (purposes, outcomes, next steps); {segment} is the lead's segment
    "visited": (
        [
            "实地拜访企业总部，介绍云江{segment}产业基础和投资环境",
            "与企业高管面谈，了解{segment}业务扩产和区域布局计划",
            "随专班走访企业，推介云江园区载体和招商政策",
        ],
        [
            "企业对在云江布局{segment}产能有初步意向，希望进一步了解用地和配套",
            "企业确认有扩产计划，正在比选西南地区落地城市",
            "企业对云江产业配套和人才条件评价积极，同意安排考察",
        ],
        [
            "邀请企业管理层来云江实地考察园区",
            "整理园区用地、厂房和政策材料发送企业",
            "对接园区管委会，准备项目初步选址方案",
        ],
    ),
    "revisited": (
        ["与企业新任对接人重新接洽，说明前期沟通情况", "围绕调整后的投资方案再次上门沟通"],
        ["新对接人认可前期工作，同意继续推进", "企业给出新的投资方案，需重新测算政策条件"],
        ["按新方案更新项目测算", "约定下次面谈时间，推进方案论证"],
    ),
    "negotiating": (
        ["就投资规模、用地和政策条件与企业洽谈", "与企业财务和法务团队商谈合作框架"],
        [
            "双方就投资规模和建设进度基本达成一致，政策条件仍需细化",
            "企业提出用地和能耗指标诉求，需市级层面协调",
        ],
        ["起草投资协议初稿并征求部门意见", "提请市政府专题会研究政策支持事项"],
    ),
    "signed": (
        ["商定投资协议条款并确定签约安排", "与企业敲定协议文本和签约仪式细节"],
        ["协议条款全部确认，双方同意近期正式签约", "企业董事会已批准投资，签约时间确定"],
        ["报市政府审定协议后组织签约", "签约后移交项目专员跟踪落地"],
    ),
    "planned": (
        [
            "首次拜访企业，推介云江{segment}产业链招商政策",
            "上门拜访企业决策层，了解{segment}投资布局计划",
            "面谈投资协议关键条款，推动项目尽快签约",
        ],
        [],
        [],
    ),
}


def _visits(
    rng: random.Random, record: dict, final: str, city: str, team: list[str], segment: str
) -> list[dict]:
    """Done visits at (or just before) the moves they led to: each move into ``visited`` and
    the first ones into ``negotiating`` and ``signed`` (a lead that skipped ``visited`` gets its
    visit before its first move past it); planned visits in 2026-12 for some open leads."""
    owner = record["owner"]
    colleagues = [user for user in team if user != owner] or [owner]
    previous = date.fromisoformat(record["created_at"][:10])
    visits, seen = [], set()
    for move in record["moves"]:
        day, stage = date.fromisoformat(move["at"][:10]), move["to"]
        first_day = previous + timedelta(days=1)
        if stage in PIPELINE[2:] and "visited" not in seen and stage != "visited":
            # Skipped 'visited': the first visit falls in the first half of the gap.
            when = first_day + timedelta(days=rng.randint(0, max(0, (day - first_day).days // 2)))
            visits.append(_visit(rng, "visited", "done", when, city, owner, colleagues, segment))
            first_day = when + timedelta(days=1)
        kind = None
        if stage == "visited":
            kind = "revisited" if "visited" in seen else "visited"
        elif stage in ("negotiating", "signed") and stage not in seen:
            kind = stage
        if kind:  # at, or up to three days before, the move it led to
            earliest = min(day, max(first_day, day - timedelta(days=3)))
            when = day - timedelta(days=rng.randint(0, (day - earliest).days))
            visits.append(_visit(rng, kind, "done", when, city, owner, colleagues, segment))
        seen.update({"visited", stage} if stage in PIPELINE[2:] else {stage})
        previous = day
    if final in ("identified", "contacted", "negotiating") and rng.random() < 0.3:
        kind = {"identified": 0, "contacted": 1, "negotiating": 2}[final]
        for _ in range(rng.choice([1, 1, 2])):
            when = date(2026, 12, 1) + timedelta(days=rng.randint(0, 30))
            when -= timedelta(days=max(0, when.weekday() - 4))  # a working day
            purpose = VISIT_TEXTS["planned"][0][kind]
            visits.append(
                _visit(rng, "planned", "planned", when, city, owner, colleagues, segment, purpose)
            )
    return sorted(visits, key=lambda v: v["date"])


def _visit(rng, kind, status, when, city, owner, colleagues, segment, purpose=None) -> dict:
    purposes, outcomes, next_steps = VISIT_TEXTS[kind]
    return {
        "date": when.isoformat(),
        "status": status,
        "city": city,
        "participants": [owner, rng.choice(colleagues)],
        "purpose": (purpose or rng.choice(purposes)).format(segment=segment),
        "outcome": rng.choice(outcomes).format(segment=segment) if outcomes else None,
        "next_step": rng.choice(next_steps) if next_steps else None,
    }


def write_parks_csv(parks: list[dict]) -> None:
    """The parks as a park import file (what ``crm import parks`` reads)."""
    levels = {"national": "国家级", "provincial": "省级", "city": "市级"}
    with (HERE / "parks.csv").open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(["园区名称", "级别", "主导产业链", "面积(亩)"])
        for park in parks:
            chains = ";".join(park["leading_chains"])
            writer.writerow([park["name"], levels[park["level"]], chains, park["area_mu"]])


def write_sample_leads_csv(leads: list[dict], companies: list[dict], count: int = 20) -> None:
    """A lead import file to try ``crm import leads`` with: open leads, no users named."""
    names = {c["统一社会信用代码"]: c["企业名称"] for c in companies}
    open_leads = [lead for lead in leads if lead.get("next_follow_up")][:count]
    with (HERE / "leads-sample.csv").open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(
            ["企业名称", "统一社会信用代码", "所属环节", "优先级", "预计投资(万元)", "意向园区"]
        )
        for lead in open_leads:
            code = lead["credit_code"]
            writer.writerow(
                [
                    names[code],
                    code,
                    lead["segment"],
                    lead["priority"],
                    lead["expected_investment"],
                    lead["park"],
                ]
            )


def write_json(name: str, data) -> None:
    text = json.dumps(data, ensure_ascii=False, indent=2) + "\n"
    (HERE / name).write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
