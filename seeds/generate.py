"""Generate the seed data set: ``python -m seeds.generate`` (deterministic, fixed seed).

Writes users.json, parks.json and companies.csv beside this file from the chain maps in
chains/. Names are fictional; credit codes carry valid check characters (GB 32100-2015 and the
organisation code's own, GB 11714). Every chain gets missing, weak and strong leaf segments.
"""

import csv
import json
import random
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
    ("chenjing", "陈静", "leader"),
    ("lihua", "李华", "leader"),
    ("zhaolei", "赵磊", "leader"),
    ("sunli", "孙丽", "specialist"),
    ("zhouqiang", "周强", "specialist"),
    ("wuyan", "吴艳", "specialist"),
    ("zhengjun", "郑军", "viewer"),
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
    with (HERE / "companies.csv").open("w", encoding="utf-8", newline="") as out:
        writer = csv.DictWriter(out, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    parks = [
        {"name": n, "level": lvl, "leading_chains": cs, "area_mu": area}
        for n, lvl, cs, area in PARKS
    ]
    write_json("parks.json", parks)
    write_json("users.json", [{"username": u, "full_name": f, "role": r} for u, f, r in USERS])
    print(f"{len(rows)} companies ({TARGET_COMPANIES} targets), {len(parks)} parks")


def write_json(name: str, data) -> None:
    text = json.dumps(data, ensure_ascii=False, indent=2) + "\n"
    (HERE / name).write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
