"""Companies: local firms and target companies, sized first, tagged by their size.

- 世界500强 (``fortune500``) only above the list's real entry threshold (about US$30 bn,
  so 2,000 亿元 and more of revenue);
- 专精特新 (``srdi``) and 小巨人 (``little_giant``) only small and medium-sized enterprises:
  for industry, fewer than 1,000 employees or revenue under 4 亿元 (中小企业划型标准规定,
  工信部联企业〔2011〕300号); the firms drawn here are under both;
- 龙头 (``leader``) only the largest firm by revenue in one of its segments, and sizeable.
"""

import random

from stdnum.cn import uscc

CITY = "云江"  # our (fictional) city
CITY_REGION = ("四川", "510700")
TARGET_COMPANIES = 1087
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
    "food-beverage": ["食品", "酒业", "饮品", "农业"],
    "energy-chemical": ["化工", "化学", "气体", "氢能"],
}
SUFFIXES = ["科技有限公司", "股份有限公司", "有限公司", "技术有限公司"]
# Target sizes: (class, share, revenue range in 亿元, employees per 亿元 of revenue)
SIZES = [
    ("global", 0.01, (2100, 8000), (8, 25)),
    ("large", 0.16, (40, 1500), (15, 60)),
    ("medium", 0.33, (4, 40), (40, 120)),
    ("small", 0.50, (0.3, 3.9), (60, 200)),
]
SEGMENT_LEADER_MIN_REVENUE = 20  # 亿元: a segment's largest firm below this is no 龙头
STATUS_WEIGHTS = {"missing": 3, "weak": 2, "strong": 1}


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


def leaves(chain: dict) -> list[str]:
    parents = {s["parent"] for s in chain["segments"] if s["parent"]}
    return [s["code"] for s in chain["segments"] if s["code"] not in parents]


def plan_statuses(rng: random.Random, chains: list[dict]) -> tuple[dict[str, str], set[str]]:
    """Which leaves are missing, weak or strong (every chain has all three), and which strong
    ones are strong through a local 龙头 (at least one per chain, for its 链主)."""
    status, led = {}, set()
    for chain in chains:
        codes = leaves(chain)
        rng.shuffle(codes)
        missing, weak = max(1, round(len(codes) * 0.3)), max(1, round(len(codes) * 0.3))
        for i, code in enumerate(codes):
            key = f"{chain['code']}:{code}"
            status[key] = "missing" if i < missing else "weak" if i < missing + weak else "strong"
            if i == missing + weak or (status[key] == "strong" and rng.random() < 0.3):
                led.add(key)
    return status, led


def _log_uniform(rng: random.Random, low: float, high: float) -> float:
    return round(low * (high / low) ** rng.random(), 2)


def _row(rng, name, code, province, city, segments, revenue, per_yi, local, park="") -> dict:
    return {
        "企业名称": name,
        "统一社会信用代码": code,
        "省份": province,
        "城市": city,
        "所属环节": ";".join(segments),
        "标签": "",
        "营业收入(亿元)": revenue,
        "从业人数": int(revenue * rng.uniform(*per_yi)) + 20,
        "是否本地": "是" if local else "否",
        "所在园区": park,
    }


def target_companies(rng, status: dict, led: set, names: set, codes: set) -> list[dict]:
    keys = list(status)
    rows = []
    for _ in range(TARGET_COMPANIES):
        size, _share, revenue_range, per_yi = rng.choices(SIZES, weights=[s[1] for s in SIZES])[0]
        pool = [k for k in keys if k not in led] if size == "global" else keys
        key = rng.choices(pool, weights=[STATUS_WEIGHTS[status[k]] for k in pool])[0]
        chain_code = key.split(":")[0]
        segments = [key]
        if rng.random() < 0.2:
            sibling = rng.choice([k for k in keys if k.startswith(chain_code + ":")])
            if sibling != key and (size != "global" or sibling not in led):
                segments.append(sibling)
        city, province, _region = place = rng.choice(TARGET_CITIES)
        row = _row(
            rng,
            company_name(rng, city, chain_code, names),
            credit_code(rng, place[2], codes),
            province,
            f"{city}市" if city not in ("北京", "上海", "天津", "重庆") else city,
            segments,
            _log_uniform(rng, *revenue_range),
            per_yi,
            local=False,
        )
        row["标签"] = ";".join(_size_tags(rng, size, row))
        rows.append(row)
    return rows


def _size_tags(rng: random.Random, size: str, row: dict) -> list[str]:
    tags = []
    if size == "global":
        tags.append("fortune500")
    listed_share = {"global": 0.9, "large": 0.7, "medium": 0.3, "small": 0.06}[size]
    if size in ("large", "medium") and rng.random() < 0.08:
        tags.append("champion")
    if _is_sme(row) and size == "small" and rng.random() < 0.45:
        tags.append("srdi")
        if rng.random() < 0.4:
            tags.append("little_giant")
    if rng.random() < listed_share:
        tags.append("listed")
    return tags


def _is_sme(row: dict) -> bool:
    return row["从业人数"] < 1000 and row["营业收入(亿元)"] < 4


def local_companies(rng, chains, status, led, names, codes, parks_by_chain, all_parks) -> list:
    rows = []

    def add(chain_code: str, segments: list[str], revenue_range, per_yi, tags=()) -> None:
        park = rng.choice(parks_by_chain.get(chain_code) or all_parks)
        row = _row(
            rng,
            company_name(rng, CITY, chain_code, names),
            credit_code(rng, CITY_REGION[1], codes),
            CITY_REGION[0],
            f"{CITY}市",
            segments,
            _log_uniform(rng, *revenue_range),
            per_yi,
            local=True,
            park=park,
        )
        chosen = list(tags)
        if _is_sme(row) and rng.random() < 0.3:
            chosen.append("srdi")
        row["标签"] = ";".join(chosen)
        rows.append(row)

    for chain in chains:
        strong = [f"{chain['code']}:{c}" for c in leaves(chain)]
        strong = [k for k in strong if status[k] == "strong" and k not in led]
        for code in leaves(chain):
            key = f"{chain['code']}:{code}"
            if status[key] == "weak":
                for _ in range(rng.randint(1, 2)):
                    add(chain["code"], [key], (0.2, 6), (60, 160))
            elif key in led:
                add(chain["code"], [key], (60, 600), (15, 40), ["leader", "listed"])
            elif status[key] == "strong":
                for _ in range(rng.randint(3, 4)):
                    extra = [s for s in rng.sample(strong, k=min(1, len(strong))) if s != key]
                    segments = [key, *extra[: rng.random() < 0.3]]
                    add(chain["code"], segments, (0.3, 15), (50, 150))
    return rows


def tag_segment_leaders(rows: list[dict]) -> None:
    """Local 龙头 are made the largest in their segment; then each segment's largest target,
    if sizeable, is tagged 龙头 too."""
    largest: dict[str, float] = {}
    for row in rows:
        if "leader" not in row["标签"].split(";"):
            for key in row["所属环节"].split(";"):
                largest[key] = max(largest.get(key, 0), row["营业收入(亿元)"])
    for row in rows:
        if "leader" in row["标签"].split(";"):
            top = max(largest.get(k, 0) for k in row["所属环节"].split(";"))
            row["营业收入(亿元)"] = max(row["营业收入(亿元)"], round(top * 1.12 + 1, 2))
    top_of: dict[str, dict] = {}
    for row in rows:
        for key in row["所属环节"].split(";"):
            if key not in top_of or row["营业收入(亿元)"] > top_of[key]["营业收入(亿元)"]:
                top_of[key] = row
    for row in {id(r): r for r in top_of.values()}.values():
        tags = list(filter(None, row["标签"].split(";")))
        sizeable = row["营业收入(亿元)"] >= SEGMENT_LEADER_MIN_REVENUE
        if row["是否本地"] == "否" and sizeable and "leader" not in tags:
            row["标签"] = ";".join(["leader", *tags])


def chain_leader_records(chains: list[dict], rows: list[dict]) -> list[dict]:
    """Each chain's leaders (链主): its one or two largest local 龙头."""
    local = [row for row in rows if row["是否本地"] == "是"]
    records = []
    for chain in chains:
        prefix = chain["code"] + ":"
        leaders = sorted(
            (
                r
                for r in local
                if "leader" in r["标签"].split(";")
                and any(s.startswith(prefix) for s in r["所属环节"].split(";"))
            ),
            key=lambda r: (-r["营业收入(亿元)"], r["统一社会信用代码"]),
        )[:2]
        if not leaders:
            raise SystemExit(f"chain {chain['code']}: no local 龙头 to lead it")
        records.append(
            {
                "chain": chain["code"],
                "leaders": [
                    {"credit_code": r["统一社会信用代码"], "name": r["企业名称"]} for r in leaders
                ],
            }
        )
    return records
