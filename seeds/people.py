"""The bureau's people and units: users.json and taskforces.json.

Staffed as a bureau would: every unit has a leader and one or two members; nobody sits in
more than three units; the staff of an off-site centre (驻外中心) live in the centre's city and
belong to that centre only; each department group (招商组) pursues its own department's field.
"""

import random

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
    # The city leaders (市领导) who keep in touch with tiered firms, as readers of everything.
    ("lujian", "陆建", "viewer"),
    ("wenmin", "温敏", "viewer"),
    ("qiaolei", "乔磊", "viewer"),
    # Later hires: more unit leaders and office staff in the city...
    ("gaojian", "高健", "leader"),
    ("linna", "林娜", "leader"),
    ("hanxue", "韩雪", "leader"),
    ("jiangtao", "江涛", "leader"),
    ("songjia", "宋佳", "leader"),
    ("tianye", "田野", "staff"),
    ("pengli", "彭莉", "staff"),
    ("lujing", "卢静", "staff"),
    # ...and the staff posted to the off-site centres (leader first, then the member).
    ("qinfeng", "秦峰", "leader"),
    ("xiaoyu", "肖雨", "leader"),
    ("weidong", "魏东", "leader"),
    ("jinxin", "金鑫", "leader"),
    ("yaobin", "姚斌", "leader"),
    ("lanlan", "蓝岚", "leader"),
    ("dengchao", "邓超", "leader"),
    ("zengli", "曾丽", "leader"),
    ("fuhao", "傅浩", "leader"),
    ("shenyue", "沈悦", "leader"),
    ("duwei", "杜伟", "leader"),
    ("xiongfei", "熊飞", "leader"),
    ("caixia", "蔡霞", "leader"),
    ("panjun", "潘俊", "leader"),
]
SPECIALISTS = [u for u, _, r in USERS if r == "specialist"]
STAFF = [u for u, _, r in USERS if r == "staff"]
CENTRE_CITIES = ["北京", "上海", "深圳", "成都", "重庆", "西安", "武汉"]
CENTRE_PEOPLE = [u for u, _, _ in USERS[USERS.index(("qinfeng", "秦峰", "leader")) :]]
CITY_LEADERS = [u for u, _, r in USERS if r == "leader" and u not in CENTRE_PEOPLE]
MAX_UNITS = 3

CHAIN_TASK_FORCES = [  # one 专班 per chain the city set up a task force for
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
# Each department's group pursues its department's field.
GROUPS = [
    ("经信", ["electronic-info", "advanced-equipment"]),
    ("商务", ["food-beverage", "smart-home"]),
    ("科技", ["robotics", "biomedicine"]),
    ("发改", ["new-energy", "energy-chemical"]),
    ("自然资源", ["new-materials", "energy-chemical"]),
    ("住建", ["smart-home", "energy-saving"]),
    ("农业农村", ["food-beverage"]),
    ("文旅", ["food-beverage"]),
    ("卫健", ["biomedicine"]),
    ("金融", ["new-energy", "auto-parts"]),
]
TASK_FORCES = [  # (name, kind, focus chains, base city)
    *[(f"{name}产业招商专班", "task_force", [code], None) for code, name in CHAIN_TASK_FORCES],
    ("链主企业配套招商专班", "task_force", ["new-display", "auto-parts", "electronic-info"], None),
    ("总部经济招商专班", "task_force", [], None),  # head offices of large firms, any chain
    ("外资招商专班", "task_force", ["advanced-equipment", "biomedicine"], None),
    *[(f"{dept}招商组", "group", chains, None) for dept, chains in GROUPS],
    *[(f"驻{city}投资促进中心", "center", [], city) for city in CENTRE_CITIES],
]


def user_records() -> list[dict]:
    return [{"username": u, "full_name": f, "role": r} for u, f, r in USERS]


def task_force_records(rng: random.Random) -> list[dict]:
    """Leaders and members: in-city units from the city's people, each in at most three
    units (a leader heads one or two); each centre from its own two posted staff."""
    units: dict[str, int] = dict.fromkeys(CITY_LEADERS + STAFF, 0)
    in_city = [tf for tf in TASK_FORCES if tf[1] != "center"]
    leaders = [CITY_LEADERS[i % len(CITY_LEADERS)] for i in range(len(in_city))]
    for leader in leaders:
        units[leader] += 1
    records = []
    for (name, kind, chains, _city), leader in zip(in_city, leaders, strict=True):
        pool = sorted(
            (person for person in units if person != leader and units[person] < MAX_UNITS),
            key=lambda person: (units[person], rng.random()),
        )
        members = sorted(pool[: rng.choice([1, 2, 2])])
        for member in members:
            units[member] += 1
        records.append(_unit(name, kind, leader, members, chains, None))
    for i, city in enumerate(CENTRE_CITIES):
        leader, member = CENTRE_PEOPLE[2 * i], CENTRE_PEOPLE[2 * i + 1]
        records.append(_unit(f"驻{city}投资促进中心", "center", leader, [member], [], city))
    return records


def _unit(name, kind, leader, members, chains, city) -> dict:
    return {
        "name": name,
        "kind": kind,
        "leader": leader,
        "members": members,
        "focus_chains": chains,
        "base_city": city,
    }
