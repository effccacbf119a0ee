"""Generate the seed data set: ``python -m seeds.generate`` (deterministic, fixed seed).

Writes users.json, parks.json, companies.csv, chain_leaders.json, taskforces.json and
leads.json beside this file from the chain maps in chains/. Names are fictional; credit codes
carry valid check characters (GB 32100-2015 and the organisation code's own, GB 11714). Every
chain gets missing, weak and strong leaf segments and local chain leaders (链主); nothing that
happened is dated after HISTORY_END, only planned visits lie ahead.
"""

import csv
import json
import random
from collections import Counter
from datetime import date, datetime, time, timedelta
from pathlib import Path

from stdnum.cn import uscc

HERE = Path(__file__).parent
SEED = 20221108
TARGET_COMPANIES = 1087
CITY = "云江"  # our (fictional) city
CITY_REGION = ("四川", "510700")

TARGET_CITIES = [
    ("北京", "北京", "110108"),
    ("上海", "上海", "310115"),
    ("深圳", "广东", "440305"),
    ("广州", "广东", "440106"),
    ("苏州", "江苏", "320505"),
    ("杭州", "浙江", "330106"),
    ("合肥", "安徽", "340104"),
    ("武汉", "湖北", "420111"),
    ("西安", "陕西", "610131"),
    ("重庆", "重庆", "500112"),
    ("成都", "四川", "510107"),
    ("南京", "江苏", "320114"),
    ("宁波", "浙江", "330212"),
    ("东莞", "广东", "441900"),
    ("天津", "天津", "120116"),
    ("青岛", "山东", "370212"),
    ("长沙", "湖南", "430104"),
    ("厦门", "福建", "350206"),
    ("无锡", "江苏", "320214"),
    ("常州", "江苏", "320411"),
    ("郑州", "河南", "410105"),
    ("济南", "山东", "370112"),
]
BRAND_CHARS = (
    "华鑫瑞博泰创晶澜睿恒宇辰锐拓盛昊嘉芯源达联康润航骏科智领信迈诺凯森海星光远启天腾翔弘正"
    "新中德卓越明阳峰川蓝赛汇昇屹琪曜"
)
INDUSTRY_WORDS = {
    "new-materials": ["新材料", "材料", "化工"],
    "electronic-info": ["电子", "微电子", "信息"],
    "advanced-equipment": ["装备", "精密机械", "智能装备"],
    "new-energy": ["新能源", "能源", "储能"],
    "new-display": ["光电", "显示", "视讯"],
    "smart-home": ["智能家居", "电器", "智联"],
    "robotics": ["机器人", "自动化", "智能"],
    "auto-parts": ["汽车零部件", "汽车电子", "动力"],
    "biomedicine": ["生物", "医药", "医疗器械"],
    "energy-saving": ["环保", "节能", "环境"],
}
SUFFIXES = ["科技有限公司", "股份有限公司", "有限公司", "技术有限公司"]
TARGET_TAGS = [  # (tag, share of targets)
    ("fortune500", 0.03),
    ("leader", 0.10),
    ("champion", 0.05),
    ("little_giant", 0.10),
    ("listed", 0.25),
    ("srdi", 0.25),
]
LISTINGS = ["上交所主板", "深交所主板", "创业板", "科创板", "北交所", "港交所"]

PARKS = [
    ("云江高新技术产业开发区", "national", ["new-display", "electronic-info", "smart-home"], 35000),
    ("云江经济技术开发区", "national", ["auto-parts", "advanced-equipment", "new-energy"], 42000),
    ("云江科技城新区", "provincial", ["electronic-info", "robotics"], 18000),
    ("游仙经济技术开发区", "provincial", ["new-materials", "energy-saving"], 15000),
    ("涪江新材料产业园", "provincial", ["new-materials"], 9000),
    ("云江临港工业园", "city", ["advanced-equipment", "auto-parts"], 8000),
    ("云江生物医药产业园", "provincial", ["biomedicine"], 6000),
    ("三台工业园区", "city", ["new-energy", "energy-saving"], 7000),
    ("江油高新区", "provincial", ["new-materials", "advanced-equipment"], 12000),
    ("云江智能制造产业园", "city", ["robotics", "smart-home"], 5000),
    ("安州工业园区", "city", ["new-energy", "new-materials"], 6500),
    ("云江数字经济产业园", "city", ["electronic-info", "new-display"], 3000),
]

USERS = [
    ("admin", "系统管理员", "admin"),
    ("zhangwei", "张伟", "staff"),
    ("liuyang", "刘洋", "staff"),
    ("wangfang", "王芳", "staff"),
    ("huangmin", "黄敏", "staff"),
    ("chenjing", "陈静", "leader"),
    ("lihua", "李华", "leader"),
    ("zhaolei", "赵磊", "leader"),
    ("zhoujie", "周杰", "leader"),
    ("xuming", "徐明", "leader"),
    ("sunhao", "孙浩", "leader"),
    ("majun", "马军", "leader"),
    ("zhuli", "朱丽", "leader"),
    ("hulin", "胡林", "leader"),
    ("guoqiang", "郭强", "leader"),
    ("heping", "何平", "leader"),
    ("luoxin", "罗欣", "leader"),
    ("sunli", "孙丽", "specialist"),
    ("zhouqiang", "周强", "specialist"),
    ("wuyan", "吴艳", "specialist"),
    ("xiehong", "谢红", "specialist"),
    ("tangwei", "唐伟", "specialist"),
    ("fengyu", "冯雨", "specialist"),
    ("dongmei", "董梅", "specialist"),
    ("yuanbo", "袁博", "specialist"),
    ("zhengjun", "郑军", "viewer"),
    ("caoyi", "曹毅", "viewer"),
]
LEADERS = [u for u, _, r in USERS if r == "leader"]
STAFF = [u for u, _, r in USERS if r == "staff"]
SPECIALISTS = [u for u, _, r in USERS if r == "specialist"]

TASK_FORCES = [  # 13 企业招商专班: one per focus chain and three cross-chain ones
    *[
        (f"{name}产业招商专班", "task_force", [code], None)
        for code, name in [
            ("new-display", "新型显示"),
            ("smart-home", "智慧家庭"),
            ("advanced-equipment", "先进装备制造"),
            ("new-energy", "新能源"),
            ("new-materials", "新材料"),
            ("electronic-info", "电子信息"),
            ("biomedicine", "生物医药"),
            ("robotics", "机器人"),
            ("auto-parts", "汽车及零部件"),
            ("energy-saving", "节能环保"),
        ]
    ],
    ("链主企业配套招商专班", "task_force", ["new-display", "auto-parts", "electronic-info"], None),
    ("总部经济招商专班", "task_force", [], None),
    ("外资招商专班", "task_force", ["advanced-equipment", "biomedicine"], None),
    # 10 招商组 of the city's departments
    *[
        (f"{dept}招商组", "group", chains, None)
        for dept, chains in [
            ("经信", ["electronic-info", "advanced-equipment"]),
            ("商务", []),
            ("科技", ["robotics", "biomedicine"]),
            ("发改", ["new-energy"]),
            ("自然资源", []),
            ("住建", ["smart-home"]),
            ("农业农村", []),
            ("文旅", []),
            ("卫健", ["biomedicine"]),
            ("金融", []),
        ]
    ],
    # 7 驻外投资促进中心 in the cities where such centres sit
    *[
        (f"驻{city}投资促进中心", "center", [], city)
        for city in ["北京", "上海", "深圳", "成都", "重庆", "西安", "武汉"]
    ],
]

LEADS = 520
HISTORY_START = date(2024, 12, 1)
HISTORY_END = date(2026, 11, 15)
FINAL_STAGES = [  # (stage, share of leads)
    ("identified", 0.22),
    ("contacted", 0.18),
    ("visited", 0.14),
    ("negotiating", 0.12),
    ("signed", 0.09),
    ("started", 0.07),
    ("producing", 0.05),
    ("paused", 0.06),
    ("lost", 0.07),
]
PIPELINE = ["identified", "contacted", "visited", "negotiating", "signed", "started", "producing"]
PAUSE_REASONS = ["企业投资计划推迟", "等待董事会决策", "用地指标待落实", "企业融资未到位"]
LOSS_REASONS = [
    "落户其他城市",
    "企业战略调整",
    "政策条件未谈拢",
    "项目被竞争城市截留",
    "企业经营困难",
]
BACK_REASONS = ["对接人变更，重新接洽", "方案需重新论证"]
TICKET_TITLES = {
    "financing": "申请项目贷款贴息",
    "planning": "规划方案审批加快",
    "land": "土地出让手续办理",
    "permits": "施工许可证办理",
    "utilities": "厂区双回路供电接入",
    "talent": "高端人才公寓申请",
    "subsidy": "设备购置补贴兑现",
    "other": "子女入学协调",
}
INCENTIVES = [
    ("land", "按工业用地基准地价优惠供地"),
    ("tax", "地方留成部分前三年全额奖励"),
    ("subsidy", "设备投资额10%补贴"),
    ("loan_interest_subsidy", "项目贷款贴息3年"),
    ("talent", "核心团队人才安居补贴"),
    ("other", "标准厂房租金减免"),
]


def org_code(rng: random.Random) -> str:
    """A 9-character organisation code with its GB 11714 check character."""
    body = "".join(rng.choice("0123456789") for _ in range(8))
    weights = [3, 7, 9, 10, 5, 8, 4, 2]
    check = 11 - sum(int(c) * w for c, w in zip(body, weights, strict=True)) % 11
    return body + {10: "X", 11: "0"}.get(check, str(check))


def credit_code(rng: random.Random, region: str, used: set[str]) -> str:
    while True:
        body = "91" + region + org_code(rng)
        code = body + uscc.calc_check_digit(body)
        if code not in used:
            used.add(code)
            return code


def company_name(rng: random.Random, city: str, chain: str, used: set[str]) -> str:
    while True:
        brand = rng.choice(BRAND_CHARS) + rng.choice(BRAND_CHARS)
        name = f"{city}{brand}{rng.choice(INDUSTRY_WORDS[chain])}{rng.choice(SUFFIXES)}"
        if brand[0] != brand[1] and name not in used:
            used.add(name)
            return name


def load_chains() -> list[dict]:
    return [json.loads(p.read_text("utf-8")) for p in sorted((HERE / "chains").glob("*.json"))]


def leaves(chain: dict) -> list[str]:
    parents = {s["parent"] for s in chain["segments"] if s["parent"]}
    return [s["code"] for s in chain["segments"] if s["code"] not in parents]


def plan_statuses(rng: random.Random, chains: list[dict]) -> dict[str, str]:
    """Decide which leaves are missing, weak or strong: every chain has all three."""
    status = {}
    for chain in chains:
        codes = leaves(chain)
        rng.shuffle(codes)
        missing, weak = max(1, round(len(codes) * 0.3)), max(1, round(len(codes) * 0.3))
        for i, code in enumerate(codes):
            key = f"{chain['code']}:{code}"
            status[key] = "missing" if i < missing else "weak" if i < missing + weak else "strong"
    return status


def local_companies(rng, chains, status, names, codes, parks_by_chain) -> list[dict]:
    rows = []

    def add(chain_code: str, segments: list[str], tags: list[str]) -> None:
        park = rng.choice(parks_by_chain.get(chain_code) or [p[0] for p in PARKS])
        revenue = round(rng.lognormvariate(1.2, 1.1), 2)
        rows.append(
            {
                "企业名称": company_name(rng, CITY, chain_code, names),
                "统一社会信用代码": credit_code(rng, CITY_REGION[1], codes),
                "省份": CITY_REGION[0],
                "城市": f"{CITY}市",
                "所属环节": ";".join(segments),
                "标签": ";".join(tags),
                "营业收入(亿元)": revenue,
                "从业人数": int(revenue * rng.randint(40, 120)) + 20,
                "是否本地": "是",
                "所在园区": park,
            }
        )

    for chain in chains:
        strong = [
            k for k in (f"{chain['code']}:{c}" for c in leaves(chain)) if status[k] == "strong"
        ]
        for code in leaves(chain):
            key = f"{chain['code']}:{code}"
            if status[key] == "weak":
                for _ in range(rng.randint(1, 2)):
                    add(chain["code"], [key], rng.choice([[], [], ["srdi"]]))
            elif status[key] == "strong":
                if rng.random() < 0.35:  # strong through a local leader
                    add(chain["code"], [key], ["leader", "listed"])
                else:
                    for _ in range(rng.randint(3, 4)):
                        extra = [s for s in rng.sample(strong, k=min(1, len(strong))) if s != key]
                        add(
                            chain["code"],
                            [key, *extra[: rng.random() < 0.3]],
                            rng.choice([[], ["srdi"]]),
                        )
    return rows


def target_companies(rng, chains, status, names, codes) -> list[dict]:
    weights = {"missing": 3, "weak": 2, "strong": 1}
    keys = [k for k in status]
    rows = []
    for _ in range(TARGET_COMPANIES):
        key = rng.choices(keys, weights=[weights[status[k]] for k in keys])[0]
        chain_code = key.split(":")[0]
        segments = [key]
        if rng.random() < 0.2:
            sibling = rng.choice([k for k in keys if k.startswith(chain_code + ":")])
            if sibling != key:
                segments.append(sibling)
        city, province, region = rng.choice(TARGET_CITIES)
        tags = [tag for tag, share in TARGET_TAGS if rng.random() < share]
        revenue = round(rng.lognormvariate(2.5, 1.4), 2)
        rows.append(
            {
                "企业名称": company_name(rng, city, chain_code, names),
                "统一社会信用代码": credit_code(rng, region, codes),
                "省份": province,
                "城市": f"{city}市" if city not in ("北京", "上海", "天津", "重庆") else city,
                "所属环节": ";".join(segments),
                "标签": ";".join(tags),
                "营业收入(亿元)": revenue,
                "从业人数": int(revenue * rng.randint(30, 90)) + 50,
                "是否本地": "否",
                "所在园区": "",
            }
        )
    return rows


def main() -> None:
    rng = random.Random(SEED)
    chains = load_chains()
    status = plan_statuses(rng, chains)
    parks_by_chain: dict[str, list[str]] = {}
    for name, _level, chain_codes, _area in PARKS:
        for code in chain_codes:
            parks_by_chain.setdefault(code, []).append(name)
    names: set[str] = set()
    codes: set[str] = set()
    rows = local_companies(rng, chains, status, names, codes, parks_by_chain)
    rows += target_companies(rng, chains, status, names, codes)
    leaders = chain_leader_records(chains, status, rows)  # may tag a company: before the CSV
    with (HERE / "companies.csv").open("w", encoding="utf-8", newline="") as out:
        writer = csv.DictWriter(out, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    parks = [
        {"name": n, "level": lvl, "leading_chains": cs, "area_mu": area}
        for n, lvl, cs, area in PARKS
    ]
    write_json("parks.json", parks)
    write_json("chain_leaders.json", leaders)
    write_json("users.json", [{"username": u, "full_name": f, "role": r} for u, f, r in USERS])
    task_forces = task_force_records(rng)
    write_json("taskforces.json", task_forces)
    leads = lead_records(rng, rows, task_forces, chains)
    write_json("leads.json", leads)
    visits = Counter(v["status"] for lead in leads for v in lead["visits"])
    print(
        f"{len(rows)} companies ({TARGET_COMPANIES} targets), {len(parks)} parks, "
        f"{sum(len(c['leaders']) for c in leaders)} chain leaders, "
        f"{len(task_forces)} task forces, {len(leads)} leads, "
        f"{sum(1 for lead in leads if lead.get('signing'))} projects, "
        f"{visits['done']} done and {visits['planned']} planned visits"
    )


def chain_leader_records(chains: list[dict], status: dict[str, str], rows: list[dict]) -> list:
    """Each chain's leaders (链主): its one or two largest local companies tagged ``leader``.

    A chain without one gets its largest local company whose segments are all strong already,
    tagged ``leader`` here (a local leader makes its segments strong, so a weak one would
    turn strong and the chain could lose its last weak leaf).
    """
    local = [row for row in rows if row["是否本地"] == "是"]
    records = []
    for chain in chains:
        prefix = chain["code"] + ":"
        in_chain = sorted(
            (r for r in local if any(s.startswith(prefix) for s in r["所属环节"].split(";"))),
            key=lambda r: (-r["营业收入(亿元)"], r["统一社会信用代码"]),
        )
        leaders = [r for r in in_chain if "leader" in r["标签"].split(";")][:2]
        if not leaders:
            strong = [
                r for r in in_chain if all(status[s] == "strong" for s in r["所属环节"].split(";"))
            ]
            if not strong:
                raise SystemExit(f"chain {chain['code']}: no local company fit to lead it")
            leader = strong[0]
            leader["标签"] = ";".join(["leader", *filter(None, leader["标签"].split(";"))])
            leaders = [leader]
        records.append(
            {
                "chain": chain["code"],
                "leaders": [
                    {"credit_code": r["统一社会信用代码"], "name": r["企业名称"]} for r in leaders
                ],
            }
        )
    return records


def task_force_records(rng: random.Random) -> list[dict]:
    records = []
    for i, (name, kind, chains, city) in enumerate(TASK_FORCES):
        leader = LEADERS[i % len(LEADERS)]
        members = sorted({rng.choice(STAFF), LEADERS[(i + 5) % len(LEADERS)]} - {leader})
        records.append(
            {
                "name": name,
                "kind": kind,
                "leader": leader,
                "members": members,
                "focus_chains": chains,
                "base_city": city,
            }
        )
    return records


def lead_records(
    rng: random.Random, companies: list[dict], task_forces: list[dict], chains: list[dict]
) -> list[dict]:
    visit_rng = random.Random(SEED + 1)  # its own stream: visits leave the histories as they are
    segment_names = {f"{c['code']}:{s['code']}": s["name"] for c in chains for s in c["segments"]}
    targets = [c for c in companies if c["是否本地"] == "否"]
    chosen = rng.sample(targets, LEADS)
    by_chain = {
        tf["focus_chains"][0]: tf
        for tf in task_forces
        if tf["kind"] == "task_force" and len(tf["focus_chains"]) == 1
    }
    centres = {tf["base_city"]: tf for tf in task_forces if tf["kind"] == "center"}
    groups = [tf for tf in task_forces if tf["kind"] == "group"]
    parks_by_chain: dict[str, list[str]] = {}
    for name, _level, chain_codes, _area in PARKS:
        for code in chain_codes:
            parks_by_chain.setdefault(code, []).append(name)
    stages = [stage for stage, _ in FINAL_STAGES]
    shares = [share for _, share in FINAL_STAGES]
    records = []
    for number, company in enumerate(chosen):
        segment = rng.choice(company["所属环节"].split(";"))
        chain = segment.split(":")[0]
        city = company["城市"].removesuffix("市")
        if city in centres and rng.random() < 0.4:
            task_force, source = centres[city], "center"
        elif rng.random() < 0.8:
            task_force = by_chain[chain]
            source = rng.choice(["task_force", "task_force", "referral", "exhibition"])
        else:
            task_force, source = rng.choice(groups), rng.choice(["think_tank", "other"])
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
        }
        final = rng.choices(stages, weights=shares)[0]
        record.update(_history(rng, final, record["owner"], number))
        if record.get("signing"):
            record["signing"]["park"] = rng.choice(parks_by_chain.get(chain) or [PARKS[0][0]])
            record["signing"]["investment"] = round(expected * rng.uniform(0.8, 1.3), -2)
            record.update(_after_signing(rng, record))
        team = [task_force["leader"], *task_force["members"]]
        record["visits"] = _visits(
            visit_rng, record, final, company["城市"], team, segment_names[segment]
        )
        records.append(record)
    return records


def _moment(day: date, rng: random.Random) -> str:
    return datetime.combine(day, time(rng.randint(1, 9), rng.randint(0, 59))).isoformat() + "+00:00"


def _history(rng: random.Random, final: str, owner: str, number: int) -> dict:
    """Dated moves from identified to ``final``: forward skips, a few steps back, halts."""
    halted = final in ("paused", "lost")
    last = rng.choice(PIPELINE[1:4]) if halted else final
    path = [
        s
        for s in PIPELINE[1 : PIPELINE.index(last) + 1]
        if s == last or s == "signed" and PIPELINE.index(last) > 4 or rng.random() > 0.2
    ]
    steps = len(path) + (1 if halted else 0) + 1
    span = (HISTORY_END - HISTORY_START).days
    start = HISTORY_START + timedelta(days=rng.randint(0, max(1, span - steps * 25)))
    day = start
    moves = []
    for stage in path:
        day += timedelta(days=rng.randint(6, 45))
        moves.append({"to": stage, "at": _moment(day, rng), "by": owner})
        if stage == "visited" and rng.random() < 0.08:
            day += timedelta(days=rng.randint(5, 20))
            moves.append(
                {
                    "to": "contacted",
                    "at": _moment(day, rng),
                    "by": owner,
                    "reason": rng.choice(BACK_REASONS),
                }
            )
            day += timedelta(days=rng.randint(5, 20))
            moves.append({"to": "visited", "at": _moment(day, rng), "by": owner})
    if halted:
        day += timedelta(days=rng.randint(10, 60))
        reasons = PAUSE_REASONS if final == "paused" else LOSS_REASONS
        moves.append(
            {"to": final, "at": _moment(day, rng), "by": owner, "reason": rng.choice(reasons)}
        )
    _fit_before_end(start, moves)
    record = {
        "created_at": _moment(start, rng),
        "moves": moves,
        "next_follow_up": (HISTORY_END + timedelta(days=rng.randint(-40, 40))).isoformat()
        if PIPELINE.index(last) < 4 and not halted
        else None,
    }
    if "signed" in path:
        record["signing"] = {"specialist": SPECIALISTS[number % len(SPECIALISTS)]}
    return record


def _fit_before_end(start: date, moves: list[dict]) -> None:
    """Compress the gaps between the moves (kept in order, a day apart at least) when the last
    would fall after HISTORY_END; the times of day stay as drawn."""
    days = [date.fromisoformat(move["at"][:10]) for move in moves]
    if not days or days[-1] <= HISTORY_END:
        return
    room = (HISTORY_END - start).days
    scale = room / (days[-1] - start).days
    previous = 0
    for move, day in zip(moves, days, strict=True):
        offset = max(previous + 1, int((day - start).days * scale))
        move["at"] = (start + timedelta(days=offset)).isoformat() + move["at"][10:]
        previous = offset
    if previous > room:
        raise SystemExit(f"{len(moves)} moves do not fit between {start} and {HISTORY_END}")


def _after_signing(rng: random.Random, record: dict) -> dict:
    """Policy, funding in place and service tickets, dated between signing and production."""
    moves = record["moves"]
    signed_at = next(m["at"] for m in moves if m["to"] == "signed")
    signed_day = date.fromisoformat(signed_at[:10])
    producing = next((m["at"] for m in moves if m["to"] == "producing"), None)
    end_day = date.fromisoformat(producing[:10]) if producing else HISTORY_END
    life = max(1, (end_day - signed_day).days)
    investment = record["signing"]["investment"]
    incentives = []
    for kind, conditions in rng.sample(INCENTIVES, rng.randint(1, 3)):
        honoured = rng.random() < 0.4
        incentives.append(
            {
                "type": kind,
                "amount": round(investment * rng.uniform(0.01, 0.06), -1),
                "conditions": conditions,
                "honoured_at": (signed_day + timedelta(days=rng.randint(1, life))).isoformat()
                if honoured
                else None,
            }
        )
    funding = []
    share = rng.uniform(0.1, 0.9) if producing or rng.random() < 0.8 else 0
    for _ in range(rng.randint(1, 3) if share else 0):
        day = signed_day + timedelta(days=rng.randint(1, max(1, life - 1)))
        funding.append(
            {
                "date": min(day, end_day).isoformat(),  # signed on the last day: that day
                "amount": round(investment * share / 3, -1) or 10,
            }
        )
    tickets = []
    for _ in range(rng.randint(0, 3) if life > 3 else 0):
        raised = signed_day + timedelta(days=rng.randint(1, life - 2))
        category = rng.choice(list(TICKET_TITLES))
        outcome = rng.choices(["resolved", "in_progress", "open"], weights=[6, 2, 2])[0]
        tickets.append(
            {
                "category": category,
                "title": TICKET_TITLES[category],
                "priority": rng.choice(["urgent", "high", "normal", "normal"]),
                "raised_at": _moment(raised, rng),
                "status": "resolved" if producing else outcome,
                "resolution": "已协调相关部门办结" if producing or outcome == "resolved" else None,
                "satisfaction": rng.randint(3, 5) if producing or outcome == "resolved" else None,
            }
        )
    tickets.sort(key=lambda t: t["raised_at"])
    funding.sort(key=lambda f: f["date"])
    return {"policy": incentives, "funding": funding, "tickets": tickets}


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


def write_json(name: str, data) -> None:
    text = json.dumps(data, ensure_ascii=False, indent=2) + "\n"
    (HERE / name).write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
