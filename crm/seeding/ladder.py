"""Demo data for the cultivation ladder (四库三台阶), run last by ``load_seeds``.

From the local companies already loaded: the 专精特新 firms (tag ``srdi``) get their provincial
tier, some of them later 小巨人; a few mid-sized firms are 单项冠军; the 龙头 are 大企业大集团;
small untagged firms sit in the 升规培育 pool, some of which left it above designated size and
went on to 专精特新. Dates fall over 2021–2026. Every tiered firm gets a liaison among the city
leaders and a 2026 plan; a few get tickets of their own (open, overdue, resolved); tier targets
are set for 2025 and 2026. Deterministic (a fixed seed, firms ordered by credit code) and
idempotent (nothing is added once a tier exists).
"""

from datetime import UTC, date, datetime, timedelta
from random import Random

from sqlalchemy import exists, func, select
from sqlalchemy.orm import Session, selectinload

from crm.auth.models import Role, User
from crm.companies.models import Company, Tag
from crm.escalations.sweep import late_tickets, record
from crm.ladder import reports as ladder_reports
from crm.ladder import service as ladder_service
from crm.ladder.models import (
    CompanyLiaison,
    CompanyTier,
    FirmPlan,
    MeasureStatus,
    PlanMeasure,
    PlanStatus,
    Tier,
)
from crm.tickets import service as ticket_service
from crm.tickets.models import Ticket, TicketCategory, TicketPriority, TicketStatus
from crm.tickets.schemas import TicketCreate, TicketUpdate
from crm.tickets.sla import DEFAULT_RULES

SEED = 23
HISTORY_ENDS = date(2026, 11, 15)  # the day the demo history ends (as the other steps)
SOURCES = {
    Tier.upgrade: "云江市经信局 {year}年规上工业企业培育库名单",
    Tier.srdi: "川经信企业〔{year}〕{n}号 四川省专精特新中小企业名单",
    Tier.little_giant: "工信部 第{n}批专精特新“小巨人”企业名单（{year}年）",
    Tier.champion: "工信部 第{n}批制造业单项冠军企业名单（{year}年）",
    Tier.large_group: "云江市 {year}年重点培育大企业大集团名单",
}
MEASURES = [
    ("协调新增工业用地，保障扩产项目落地", "市自然资源和规划局"),
    ("申报省级技术改造专项资金", "市经信局"),
    ("对接银行开展“专精特新贷”授信", "市金融工作局"),
    ("组织申报国家级专精特新“小巨人”", "市经信局"),
    ("协调专用变压器增容及电价政策", "国网云江供电公司"),
    ("引进高端研发人才，落实人才公寓", "市委人才办"),
    ("支持建设省级企业技术中心", "市科技局"),
    ("推动企业股改并辅导上市", "市金融工作局"),
    ("帮助开拓下游整机企业订单（以商招商）", "市投资促进局"),
]
TICKETS = [
    ("financing", "流动资金贷款续贷困难", "已协调两家银行续贷3000万元，企业已到账。"),
    ("land", "扩建厂房用地指标", "已纳入年度供地计划，完成土地预审。"),
    ("utilities", "生产线用电增容", "供电公司已完成增容改造，新线路投运。"),
    ("talent", "研发人员子女入学", "教育局已安排就近入学，两名子女已报到。"),
    ("permits", "技改项目环评审批", "生态环境局开通绿色通道，环评批复已下达。"),
    ("subsidy", "专精特新奖励资金兑现", None),
    ("planning", "厂区道路规划调整", None),
    ("other", "出口订单物流协调", None),
]
TARGETS = {
    2025: {Tier.upgrade: 10, Tier.srdi: 12, Tier.little_giant: 2, Tier.champion: 1},
    2026: {
        Tier.upgrade: 12,
        Tier.srdi: 20,
        Tier.little_giant: 3,
        Tier.champion: 1,
        Tier.large_group: 1,
    },
}


def load_ladder(session: Session) -> int:
    """Returns how many tier entries were added (0 once the ladder has any)."""
    if session.scalar(select(exists().where(CompanyTier.id.is_not(None)))):
        return 0
    rng = Random(SEED)
    firms = list(
        session.scalars(
            select(Company)
            .where(Company.is_local.is_(True))
            .options(selectinload(Company.tag_rows))
            .order_by(Company.credit_code, Company.id)
        )
    )
    entries = _tiers(firms, rng)
    session.add_all(entries)
    session.flush()
    tiered = {e.company_id: e.company for e in entries}
    for company in tiered.values():
        ladder_service.sync_tags(session, company)
    leaders = _city_leaders(session)
    _liaisons(session, list(tiered.values()), leaders, rng)
    _plans(session, list(tiered.values()), rng)
    _tickets(session, list(tiered.values())[::5], rng)
    # As the escalation step does for the demo's tickets, up to the last one raised: so that
    # seeding again (which sweeps up to the same moment) records nothing new.
    as_of = session.scalar(select(func.max(Ticket.raised_at)))
    record(session, late_tickets(session, now=as_of), now=as_of, told_when_due=True)
    for year, targets in TARGETS.items():
        ladder_reports.put_targets(session, year, targets)
    session.flush()
    return len(entries)


def _day(rng: Random, first: date, last: date) -> date:
    return first + timedelta(days=rng.randrange((last - first).days + 1))


def _entry(company: Company, tier: Tier, entered: date, left: date | None, rng: Random):
    source = SOURCES[tier].format(year=entered.year, n=rng.randint(3, 150))
    return CompanyTier(
        company=company,
        company_id=company.id,
        tier=tier,
        entered_on=entered,
        left_on=left,
        source_document=source,
    )


def _tiers(firms: list[Company], rng: Random) -> list[CompanyTier]:
    entries = []
    srdi = [c for c in firms if Tag.srdi in c.tags]
    leaders = [c for c in firms if Tag.leader in c.tags]
    small = [
        c
        for c in firms
        if not c.tags and c.revenue is not None and c.revenue < 1.5 and (c.employees or 0) < 300
    ]
    mid = [c for c in firms if not c.tags and c.revenue is not None and 3 <= c.revenue < 40]
    for index, company in enumerate(srdi):
        entered = _day(rng, date(2021, 3, 1), date(2026, 9, 30))
        entries.append(_entry(company, Tier.srdi, entered, None, rng))
        if index % 5 == 0 and entered.year <= 2024:  # on to 小巨人 a year or two later
            up = _day(
                rng,
                entered + timedelta(days=365),
                min(entered + timedelta(days=900), date(2026, 10, 31)),
            )
            entries.append(_entry(company, Tier.little_giant, up, None, rng))
    for company in mid[:4]:
        entries.append(
            _entry(
                company, Tier.champion, _day(rng, date(2021, 6, 1), date(2026, 6, 30)), None, rng
            )
        )
    for company in leaders[:10]:
        entries.append(
            _entry(
                company,
                Tier.large_group,
                _day(rng, date(2021, 1, 1), date(2025, 12, 31)),
                None,
                rng,
            )
        )
    for index, company in enumerate(small[:45]):
        entered = _day(rng, date(2021, 1, 1), date(2026, 10, 31))
        if index % 4 == 0 and entered.year <= 2024:  # 升规 done, then 专精特新
            left = _day(rng, entered + timedelta(days=300), date(2026, 6, 30))
            entries.append(_entry(company, Tier.upgrade, entered, left, rng))
            entries.append(_entry(company, Tier.srdi, left, None, rng))
        else:
            entries.append(_entry(company, Tier.upgrade, entered, None, rng))
    return entries


def _city_leaders(session: Session) -> list[User]:
    """The city leaders the escalation step flagged; if none, the viewers become them."""
    query = select(User).where(User.city_leader.is_(True), User.is_active.is_(True))
    leaders = list(session.scalars(query.order_by(User.username)))
    if not leaders:
        leaders = list(
            session.scalars(select(User).where(User.role == Role.viewer).order_by(User.username))
        )
        for user in leaders:
            user.city_leader = True
    return leaders


def _liaisons(session: Session, firms: list[Company], leaders: list[User], rng: Random) -> None:
    if not leaders:
        return
    for index, company in enumerate(firms):
        since = _day(rng, date(2022, 1, 1), date(2025, 6, 30))
        if index % 7 == 0 and len(leaders) > 1:  # a change of liaison: the history shows it
            first = leaders[(index + 1) % len(leaders)]
            change = since + timedelta(days=rng.randint(200, 500))
            session.add(CompanyLiaison(company=company, user=first, since=since, until=change))
            since = change
        session.add(
            CompanyLiaison(company=company, user=leaders[index % len(leaders)], since=since)
        )
    session.flush()


def _plans(session: Session, firms: list[Company], rng: Random) -> None:
    statuses = [PlanStatus.active] * 6 + [PlanStatus.draft, PlanStatus.done]
    for company in firms:
        status = rng.choice(statuses)
        chosen = rng.sample(MEASURES, 3)
        measures = []
        for position, (text, unit) in enumerate(chosen):
            due = _day(rng, date(2026, 3, 31), date(2026, 12, 31))
            done = status == PlanStatus.done or (
                status == PlanStatus.active and due < HISTORY_ENDS and rng.random() < 0.6
            )
            measure_status = (
                MeasureStatus.done
                if done
                else (
                    MeasureStatus.in_progress
                    if status == PlanStatus.active
                    else MeasureStatus.planned
                )
            )
            measures.append(
                PlanMeasure(
                    position=position,
                    text=text,
                    responsible_unit=unit,
                    due_on=due,
                    status=measure_status,
                )
            )
        session.add(
            FirmPlan(
                company=company,
                year=2026,
                status=status,
                summary=f"{company.name} 2026年一企一策：稳产扩能、梯度培育。",
                measures=measures,
            )
        )
    session.flush()


def _tickets(session: Session, firms: list[Company], rng: Random) -> None:
    """Some tickets of local firms: resolved in October, overdue from early November, open
    from the last days of the demo's history."""
    staff = session.scalar(select(User).where(User.role == Role.staff).order_by(User.username))
    for index, company in enumerate(firms[: len(TICKETS)]):
        category, title, resolution = TICKETS[index]
        if resolution:
            raised = datetime(2026, 10, 8 + index, 2, 0, tzinfo=UTC)
        elif index % 2:
            raised = datetime(2026, 11, 3, 2, 0, tzinfo=UTC)  # overdue by the 15th
        else:
            raised = datetime(2026, 11, 13, 2, 0, tzinfo=UTC)
        data = TicketCreate(
            category=TicketCategory(category),
            title=title,
            priority=TicketPriority.high if index % 3 else TicketPriority.normal,
        )
        ticket = ticket_service.create_for_company(
            session,
            company,
            data,
            by=staff.username if staff else None,
            now=raised,
            sla=DEFAULT_RULES,
        )
        if resolution:
            change = TicketUpdate(
                version=ticket.version,
                status=TicketStatus.resolved,
                resolution=resolution,
                satisfaction=rng.randint(4, 5),
            )
            ticket_service.update(
                session, ticket, change, now=raised + timedelta(days=2), sla=DEFAULT_RULES
            )
    session.flush()


def tiered_firm_count(session: Session) -> int:
    return session.scalar(select(func.count(func.distinct(CompanyTier.company_id)))) or 0
