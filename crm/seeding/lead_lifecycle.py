"""Demo data for a lead's life before signing and on the clock, derived deterministically
from what the earlier seed steps loaded: negotiating leads get their specialist (named when
the lead is created, so the replayed move into negotiating passes the specialist rule), some a
think-tank assessment and planning links, most a draft policy package of which about half
are approved by their task force's leader; visits get believable kinds, inbound inspections
the city leader who received them (a visit keeps the city the seed file gives it).

Every draw is made for every row in a stable order, whatever is already stored, and a value is
written only where none is: seeding twice changes nothing.
"""

import random
import zlib
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from crm.auth.models import Role, User
from crm.clock import local_date
from crm.leads.models import Lead, LeadIncentive, PolicyStatus, Stage, Visit, VisitKind, VisitStatus
from crm.projects.models import IncentiveType
from crm.taskforces.models import TaskForce

SEED = 20261126
ASSESSORS = (
    "云江市产业发展研究院",
    "四川省社会科学院产业经济研究所",
    "赛迪顾问股份有限公司",
    "云江市发展改革研究中心",
    "西南财经大学区域经济研究院",
)
CONCLUSIONS = (
    "企业技术路线与本地{segment}环节高度契合，可补齐链条短板，建议列为重点项目推进。",
    "企业经营稳健，投资强度与亩均税收预期达到园区准入标准，建议推进洽谈。",
    "项目可带动上下游配套落地，但需关注用能指标与环评要求，建议附条件推进。",
    "企业扩产意愿明确，竞争城市给出较优条件，建议加快政策包审定。",
)
# (type, share of the expected investment, conditions)
INCENTIVE_TEMPLATES = (
    (IncentiveType.land, 0.04, "固定资产投资强度不低于 400 万元/亩，按土地出让价格给予奖励"),
    (IncentiveType.subsidy, 0.02, "设备投资达到计划投资 60% 后按设备购置额给予补助"),
    (IncentiveType.tax, 0.03, "投产后前三年地方留存部分给予产业发展扶持"),
    (IncentiveType.loan_interest_subsidy, 0.01, "项目贷款按 LPR 的 50% 给予贴息，期限三年"),
    (IncentiveType.talent, 0.005, "引进高层次人才给予安家补贴和子女入学保障"),
)
# Kinds of a done or planned visit, with weights; signing ceremonies only for signed leads.
KIND_WEIGHTS = (
    (VisitKind.outbound, 55),
    (VisitKind.inbound, 20),
    (VisitKind.event, 12),
    (VisitKind.online, 13),
)
SIGNED_STAGES = (Stage.signed, Stage.started, Stage.producing)


def specialist_before_signing(record: dict, specialists: list[str]) -> str | None:
    """The specialist a seeded lead is given at creation: the one it signs with, else, for a
    lead that reaches negotiating, one chosen by its company and segment (stable)."""
    signing = record.get("signing") or {}
    if signing.get("specialist"):
        return signing["specialist"]
    if not specialists or not any(m["to"] == Stage.negotiating for m in record["moves"]):
        return None
    key = f"{record['credit_code']}:{record['segment']}".encode()
    return sorted(specialists)[zlib.crc32(key) % len(specialists)]


def load_lead_lifecycle(session: Session) -> int:
    """Fill the pre-signing work and the visit kinds; returns how many leads got something."""
    users = list(session.scalars(select(User).order_by(User.username)))
    leaders = {u.id: u.username for u in users if u.role == Role.leader}
    city_leaders = [u.full_name or u.username for u in users if u.role == Role.viewer]
    task_force_leaders = dict(session.execute(select(TaskForce.id, TaskForce.leader_id)).all())
    leads = sorted(
        session.scalars(
            select(Lead).options(
                joinedload(Lead.company), joinedload(Lead.segment), joinedload(Lead.park)
            )
        ).unique(),
        key=lambda lead: (lead.company.credit_code or lead.company.name, lead.segment.code),
    )
    rng = random.Random(SEED)
    latest = max((lead.stage_changed_at for lead in leads), default=None)
    touched = 0
    for lead in leads:
        leader = leaders.get(task_force_leaders.get(lead.task_force_id))
        if _prepare(lead, rng, leader, latest):
            touched += 1
    _give_visit_kinds(session, rng, city_leaders)
    session.flush()
    return touched


def _prepare(lead: Lead, rng: random.Random, leader: str | None, latest: datetime | None) -> bool:
    """Draw everything, then write what the lead does not have yet."""
    negotiating = lead.stage == Stage.negotiating
    wants_assessment = rng.random() < (0.6 if negotiating else 0.12)
    assessor = rng.choice(ASSESSORS)
    conclusion = rng.choice(CONCLUSIONS).format(segment=lead.segment.name)
    assessed_days_before = rng.randint(10, 120)
    wants_links = rng.random() < (0.5 if negotiating else 0.05)
    wants_policy = negotiating and rng.random() < 0.75
    chosen = rng.sample(INCENTIVE_TEMPLATES, k=rng.randint(2, 3))
    approve = rng.random() < 0.5
    approved_days_after = rng.randint(3, 40)
    if lead.stage not in (Stage.identified, Stage.contacted, Stage.visited, Stage.negotiating):
        return False
    changed = False
    moved_on = local_date(lead.stage_changed_at)
    if wants_assessment and lead.assessment_org is None:
        lead.assessment_org = assessor
        lead.assessment_date = moved_on - timedelta(days=assessed_days_before)
        lead.assessment_conclusion = conclusion
        lead.assessment_url = f"https://docs.yunjiang.gov.cn/yanpan/{lead.id:05d}.pdf"
        changed = True
    if wants_links and not lead.planning_links:
        park = lead.park.name if lead.park else "云江高新区"
        lead.planning_links = [
            {
                "title": f"{park} VR 规划图",
                "url": f"https://vr.yunjiang.gov.cn/parks/{lead.park_id or 0}",
            },
            {
                "title": "项目选址红线图",
                "url": f"https://docs.yunjiang.gov.cn/sites/{lead.id:05d}.pdf",
            },
        ]
        changed = True
    if wants_policy and not lead.incentives:
        base = lead.expected_investment or 20000
        lead.incentives = [
            LeadIncentive(
                position=index,
                type=kind.value,
                amount=round(base * share, -1) or 10,
                conditions=conditions,
            )
            for index, (kind, share, conditions) in enumerate(chosen)
        ]
        if approve and leader is not None:
            approved = lead.stage_changed_at + timedelta(days=approved_days_after)
            lead.policy_status = PolicyStatus.approved
            lead.policy_approved_by = leader
            lead.policy_approved_at = min(approved, latest) if latest else approved
        changed = True
    return changed


def _give_visit_kinds(session: Session, rng: random.Random, city_leaders: list[str]) -> None:
    visits = sorted(
        session.scalars(select(Visit).options(joinedload(Visit.lead).joinedload(Lead.company))),
        key=lambda v: (v.lead.company.credit_code or v.lead.company.name, v.date, v.lead_id),
    )
    kinds, weights = zip(*KIND_WEIGHTS, strict=True)
    last_done = {v.lead_id: v.id for v in visits if v.status == VisitStatus.done}
    for visit in visits:
        kind = rng.choices(kinds, weights)[0]
        receiver = rng.choice(city_leaders) if city_leaders else None
        ceremony = rng.random() < 0.5
        if visit.lead.stage in SIGNED_STAGES and ceremony and last_done[visit.lead_id] == visit.id:
            kind = VisitKind.signing
        if visit.kind != VisitKind.outbound or visit.received_by is not None:
            continue  # given before (or by a user): left as it is
        if kind == VisitKind.outbound:
            continue
        visit.kind = kind
        if kind == VisitKind.inbound:
            visit.received_by = receiver
