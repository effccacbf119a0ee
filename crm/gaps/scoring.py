"""The recommendation score: candidates scored on plain rows, only the best built as records.

Every point a company earns is listed in its reasons (``(factor, points, label)`` tuples
while scoring; ``Reason`` records only for the companies returned).
"""

import math
from dataclasses import dataclass

from sqlalchemy import String, func, select
from sqlalchemy.orm import Session

from crm.companies.models import Company, CompanyTag, Tag, company_segment
from crm.gaps.schemas import Reason, Recommendation
from crm.leads.models import Lead
from crm.leads.models import Stage as LeadStage

TAG_POINTS: dict[Tag, tuple[float, str]] = {
    Tag.fortune500: (30, "世界500强"),
    Tag.leader: (25, "龙头/链主企业"),
    Tag.champion: (20, "制造业单项冠军"),
    Tag.little_giant: (15, "专精特新小巨人"),
    Tag.listed: (10, "上市企业"),
    Tag.srdi: (8, "专精特新企业"),
}
GAP_FIT_POINTS = 10  # works in a segment the chain is missing
REVENUE_POINTS_MAX = 20  # 5 points per decade of revenue in 亿元: 1亿 → 5, 10亿 → 10, 1000亿 → 20
EMPLOYEE_POINTS_MAX = 10  # 2.5 points per decade of staff above 10: 100 → 2.5, 100,000 → 10
DEPENDENCY_POINTS = 3  # per local segment that needs the gap it fills (best gap), at most 15
DEPENDENCY_POINTS_MAX = 15
EXTRA_GAP_POINTS = 5  # per further gap segment the same company fills

LEAD_STAGE_POINTS: dict[LeadStage, tuple[float, str]] = {
    LeadStage.negotiating: (12, "线索洽谈中"),
    LeadStage.visited: (8, "线索已拜访"),
    LeadStage.contacted: (5, "线索已接洽"),
    LeadStage.identified: (3, "已列入招商线索"),
}
SIGNED_POINTS = 5  # an investor already signed here: 以商招商
LOST_POINTS = -10
PAUSED_POINTS = -3
SIGNED_STAGES = frozenset({LeadStage.signed, LeadStage.started, LeadStage.producing})

ReasonRow = tuple[str, float, str]
# Stored values to members, read once per value rather than by the enum's lookup per row.
TAGS = {tag.value: tag for tag in Tag}
STAGES = {stage.value: stage for stage in LeadStage}


@dataclass(frozen=True)
class Candidate:
    """A non-local company working in gap segments, as plain values."""

    company_id: int
    revenue: float | None
    employees: int | None
    tags: tuple[Tag, ...]
    gap_codes: tuple[str, ...]
    lead_stages: frozenset[LeadStage]
    name: str = ""
    province: str | None = None
    city: str | None = None


def score_reasons(candidate: Candidate, depends_on: dict[str, int]) -> list[ReasonRow]:
    """Score a candidate for filling chain gaps: tags, size, how much local industry waits,
    and how far our pursuit of it has come.

    Documented in the API: 10 for working in a gap segment, tags (世界500强 30, 龙头 25,
    单项冠军 20, 小巨人 15, 上市 10, 专精特新 8), revenue (5 points per decade of 亿元, at
    most 20), employees (2.5 per decade above 10, at most 10), the gap's dependants (3 per
    non-missing segment downstream of the best gap it fills, at most 15), 5 per further gap
    it fills, and its leads: the furthest open one (已识别 3, 已接洽 5, 已拜访 8, 洽谈中 12),
    a project already signed 5 (以商招商), else a lost lead −10 or a paused one −3.
    """
    gap_codes = candidate.gap_codes
    reasons = [("gap_fit", GAP_FIT_POINTS, f"主营缺失环节 {'、'.join(gap_codes)}")]
    for tag in candidate.tags:
        points, label = TAG_POINTS[tag]
        reasons.append((f"tag:{tag.value}", points, label))
    revenue, employees = candidate.revenue, candidate.employees
    if revenue:
        points = round(min(REVENUE_POINTS_MAX, max(0.0, 5 * (math.log10(revenue) + 1))), 1)
        if points:
            reasons.append(("revenue", points, f"营业收入 {revenue:g} 亿元"))
    if employees and employees > 10:
        points = round(min(EMPLOYEE_POINTS_MAX, 2.5 * (math.log10(employees) - 1)), 1)
        reasons.append(("employees", points, f"从业人数 {employees}"))
    best_gap = max(gap_codes, key=lambda code: (depends_on.get(code, 0), code))
    if depends_on.get(best_gap):
        points = min(DEPENDENCY_POINTS_MAX, DEPENDENCY_POINTS * depends_on[best_gap])
        label = f"填补缺失环节 {best_gap}，下游 {depends_on[best_gap]} 个本地环节依赖"
        reasons.append(("gap_dependants", points, label))
    if len(gap_codes) > 1:
        points = EXTRA_GAP_POINTS * (len(gap_codes) - 1)
        reasons.append(("gap_breadth", points, f"同时覆盖 {len(gap_codes)} 个缺失环节"))
    lead_reason = _lead_reason(candidate.lead_stages)
    if lead_reason is not None:
        reasons.append(lead_reason)
    return reasons


def _lead_reason(stages: frozenset[LeadStage]) -> ReasonRow | None:
    for stage, (points, label) in LEAD_STAGE_POINTS.items():
        if stage in stages:
            return (f"lead:{stage.value}", points, label)
    if stages & SIGNED_STAGES:
        return ("lead:signed", SIGNED_POINTS, "已有签约项目，可以商招商")
    if LeadStage.lost in stages:
        return ("lead:lost", LOST_POINTS, "线索曾流失")
    if LeadStage.paused in stages:
        return ("lead:paused", PAUSED_POINTS, "线索暂缓")
    return None


def recommend(
    session: Session, gap_codes: dict[int, str], depends_on: dict[str, int], *, limit: int
) -> list[Recommendation]:
    """Non-local companies working in gap segments (``segment id → code``), best score first.

    Every candidate is scored from plain rows; records are built for the ``limit`` best only.
    """
    if not gap_codes or limit <= 0:
        return []
    ranked = []
    for candidate in _candidates(session, gap_codes):
        reasons = score_reasons(candidate, depends_on)
        ranked.append((round(sum(r[1] for r in reasons), 1), candidate, reasons))
    ranked.sort(key=lambda scored: (-scored[0], scored[1].company_id))
    return [
        Recommendation(
            company_id=candidate.company_id,
            name=candidate.name,
            province=candidate.province,
            city=candidate.city,
            segments=list(candidate.gap_codes),
            score=score,
            reasons=[Reason(factor=f, points=p, label=label) for f, p, label in reasons],
        )
        for score, candidate, reasons in ranked[:limit]
    ]


def _candidates(session: Session, gap_codes: dict[int, str]) -> list[Candidate]:
    """One query whatever the number of candidates: each non-local company in a gap segment
    with its plain columns, its gap segments, and its tags and lead stages as strings
    aggregated per company (index probes per candidate, not a pass over every tag and lead).
    """
    tags = _joined(CompanyTag.tag, CompanyTag.company_id == Company.id)
    stages = _joined(Lead.stage, Lead.company_id == Company.id)
    rows = session.execute(
        select(
            Company.id,
            Company.revenue,
            Company.employees,
            Company.name,
            Company.province,
            Company.city,
            func.aggregate_strings(company_segment.c.segment_id.cast(String), ","),
            tags,
            stages,
        )
        .join(company_segment, company_segment.c.company_id == Company.id)
        .where(company_segment.c.segment_id.in_(gap_codes), Company.is_local.is_(False))
        .group_by(Company.id)
    )
    return [
        Candidate(
            company_id=company_id,
            revenue=revenue,
            employees=employees,
            # The order a company's tags are listed in everywhere: by their stored value.
            tags=tuple(TAGS[value] for value in sorted(_split(tag_values))),
            gap_codes=tuple(sorted(gap_codes[int(value)] for value in _split(segment_ids))),
            lead_stages=frozenset(STAGES[value] for value in _split(stage_values)),
            name=name,
            province=province,
            city=city,
        )
        for (
            company_id,
            revenue,
            employees,
            name,
            province,
            city,
            segment_ids,
            tag_values,
            stage_values,
        ) in rows
    ]


def _joined(column, where):
    """A company's values of ``column``, comma-joined (a correlated scalar subquery)."""
    return select(func.aggregate_strings(column.cast(String), ",")).where(where).scalar_subquery()


def _split(joined: str | None) -> list[str]:
    return joined.split(",") if joined else []
