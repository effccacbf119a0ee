"""What a signed project carries: policy package, funding in place, service tickets, the
think-tank assessment, planning links, land date and the green card's service team.

Incentives are the kind a fair-competition review passes (公平竞争审查条例, in force since
2024-08-01): published, generally applicable policies, no rebates tied to tax paid, land at or
above the benchmark price. A few early agreements still carry an item that would not pass; it
has a ``compliance`` note saying why and is never honoured.
"""

import random
from datetime import date, timedelta

from seeds.histories import HISTORY_END, moment

INCENTIVES = [  # (type, conditions, share of the investment it is worth: low, high)
    (
        "subsidy",
        "按《云江市促进制造业高质量发展若干政策》申报设备购置补助（设备投资额的8%），"
        "竣工投产经审计后兑现",
        (0.01, 0.04),
    ),
    (
        "loan_interest_subsidy",
        "按市级普惠性贴息政策，项目贷款按同期LPR的30%贴息，期限不超过3年",
        (0.005, 0.02),
    ),
    ("talent", "核心团队按市人才政策申报安居补贴，子女入学按政策统筹安排", (0.002, 0.008)),
    (
        "land",
        "工业用地按“标准地”公开挂牌出让，出让价不低于工业用地出让最低价标准",
        None,
    ),
    (
        "other",
        "入驻园区标准厂房，按园区公开租金标准租赁，满足条件可申请先租后让",
        None,
    ),
    (
        "subsidy",
        "按《云江市科技创新若干政策》申报研发投入后补助，经认定后兑现",
        (0.002, 0.01),
    ),
]
NOT_PASSING = [  # (type, conditions, compliance note)
    (
        "tax",
        "地方留成部分前三年全额奖励",
        "按企业缴纳税收给予奖励，属《公平竞争审查条例》第十条禁止的税收优惠，不予兑现；"
        "需与企业协商改按普惠性政策重新约定。",
    ),
    (
        "land",
        "按低于工业用地基准地价的价格供地",
        "低于基准地价、最低价标准出让土地，违反《公平竞争审查条例》及工业用地出让最低价"
        "标准，不予执行；需改为按“标准地”公开出让。",
    ),
]
TICKETS = {  # category → (title, resolutions)
    "financing": (
        "申请项目贷款贴息",
        ["已对接市级贴息资金，首期贴息到账", "协调两家银行完成授信，贷款已放款"],
    ),
    "planning": (
        "规划方案审批加快",
        ["规划方案经联审会一次通过，已出具批复", "协调自然资源局并联审查，缩短办理时限"],
    ),
    "land": (
        "土地出让手续办理",
        ["土地已完成挂牌出让并签订出让合同", "协调完成地块调规和征拆扫尾，已具备供地条件"],
    ),
    "permits": (
        "施工许可证办理",
        ["容缺受理后补齐材料，施工许可证已核发", "联合住建部门上门指导，施工许可已办结"],
    ),
    "utilities": (
        "厂区双回路供电接入",
        ["供电公司已完成双回路接入方案并施工送电", "协调燃气和供水管网接入，已通气通水"],
    ),
    "talent": (
        "高端人才公寓申请",
        ["人才公寓已分配12套，企业人员已入住", "协调人社局完成人才认定，补贴已申报"],
    ),
    "subsidy": (
        "设备购置补贴兑现",
        ["补贴资金经审计后拨付到位", "材料不全已退回补正，补正后完成兑现"],
    ),
    "other": (
        "子女入学协调",
        ["教育局已统筹安排就近入学", "企业员工子女入学已协调落实"],
    ),
}
ASSESSORS = ["云江市产业发展研究院", "中国科技城发展研究中心", "西南科技大学经济研究所"]
CONCLUSIONS = [
    "项目技术路线成熟，与本地产业链契合度高，建议引进",
    "企业在细分领域居国内前列，可补齐产业链关键环节，建议支持",
    "投资强度和亩均产出达到园区准入标准，风险可控，建议签约",
]


def after_signing(rng: random.Random, record: dict, service_pool: list[str]) -> dict:
    """Policy, funding, tickets and project details, dated between signing and today."""
    moves = {m["to"]: date.fromisoformat(m["at"][:10]) for m in record["moves"]}
    signed = moves["signed"]
    end = moves.get("producing", HISTORY_END)
    investment = record["signing"]["investment"]
    return {
        "policy": _policy(rng, signed, investment),
        "funding": _funding(rng, signed, end, investment, stage=record["moves"][-1]["to"]),
        "tickets": _tickets(rng, signed, end, producing="producing" in moves),
        "project": _details(rng, record, moves, service_pool),
    }


def _policy(rng: random.Random, signed: date, investment: float) -> list[dict]:
    items = []
    for kind, conditions, share in rng.sample(INCENTIVES, rng.randint(2, 4)):
        amount = round(investment * rng.uniform(*share), -1) if share else None
        honoured = amount is not None and (HISTORY_END - signed).days > 120 and rng.random() < 0.5
        day = signed + timedelta(days=rng.randint(90, max(90, (HISTORY_END - signed).days)))
        items.append(
            {
                "type": kind,
                "amount": amount,
                "conditions": conditions,
                "honoured_at": day.isoformat() if honoured else None,
                "honoured_amount": round(amount * rng.choice([1, 1, 0.6, 0.5]), -1) or amount
                if honoured
                else None,
            }
        )
    if signed < date(2025, 6, 1) and rng.random() < 0.25:  # an agreement from before the review
        kind, conditions, note = rng.choice(NOT_PASSING)
        items.append(
            {
                "type": kind,
                "amount": None,
                "conditions": conditions,
                "honoured_at": None,
                "honoured_amount": None,
                "compliance": note,
            }
        )
    return items


def _funding(rng, signed: date, end: date, investment: float, *, stage: str) -> list[dict]:
    """Money in place grows with the project: little before the start, most by production."""
    share = {"signed": (0, 0.1), "started": (0.15, 0.6), "producing": (0.6, 1.0)}.get(stage)
    if share is None or (end - signed).days < 30:
        return []
    total = investment * rng.uniform(*share)
    entries = rng.randint(1, 4) if total else 0
    days = sorted(
        signed + timedelta(days=rng.randint(20, (end - signed).days)) for _ in range(entries)
    )
    return [{"date": d.isoformat(), "amount": round(total / entries, -1) or 10} for d in days]


def _tickets(rng: random.Random, signed: date, end: date, *, producing: bool) -> list[dict]:
    life = (end - signed).days
    tickets = []
    for _ in range(rng.randint(0, 3) if life > 3 else 0):
        raised = signed + timedelta(days=rng.randint(1, life - 2))
        category = rng.choice(list(TICKETS))
        title, resolutions = TICKETS[category]
        outcome = rng.choices(["resolved", "in_progress", "open"], weights=[6, 2, 2])[0]
        done = producing or outcome == "resolved"
        tickets.append(
            {
                "category": category,
                "title": title,
                "priority": rng.choice(["urgent", "high", "normal", "normal"]),
                "raised_at": moment(raised, rng),
                "status": "resolved" if done else outcome,
                "resolution": rng.choice(resolutions) if done else None,
                "satisfaction": rng.choices([5, 4, 3, 2], weights=[5, 4, 2, 1])[0]
                if done
                else None,
            }
        )
    return sorted(tickets, key=lambda t: t["raised_at"])


def _details(rng: random.Random, record: dict, moves: dict, service_pool: list[str]) -> dict:
    signed = moves["signed"]
    specialist = record["signing"]["specialist"]
    others = [person for person in service_pool if person != specialist]
    details: dict = {"service_team": sorted([specialist, *rng.sample(others, rng.randint(1, 2))])}
    if rng.random() < 0.75:
        number = rng.randint(1, 60)
        details["assessment"] = {
            "organisation": rng.choice(ASSESSORS),
            "date": (signed - timedelta(days=rng.randint(10, 60))).isoformat(),
            "conclusion": rng.choice(CONCLUSIONS),
            "attachment": f"https://zk.yunjiang.example/reports/{signed.year}-{number:03d}.pdf",
        }
    if rng.random() < 0.6:
        slug = record["credit_code"][-6:].lower()
        details["planning_links"] = [
            {"title": "项目总平面图", "url": f"https://gis.yunjiang.example/plans/{slug}"},
            {"title": "厂区VR全景规划", "url": f"https://vr.yunjiang.example/{slug}"},
        ][: rng.randint(1, 2)]
    start = moves.get("started")
    if start is not None and (start - signed).days > 40:
        details["land_on"] = (start - timedelta(days=rng.randint(15, 35))).isoformat()
    elif start is None and (HISTORY_END - signed).days > 120 and rng.random() < 0.5:
        details["land_on"] = (signed + timedelta(days=rng.randint(60, 110))).isoformat()
    return details
