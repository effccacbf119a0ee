"""The gap analysis as it was before it read in proportion to the chain: the oracle that
tests/test_gaps_equivalence.py holds the current code to (same answers on a richer graph).

Everything one report needs is loaded in a fixed number of queries: the supply links, the
segments of the chains those links reach, and per-segment company counts aggregated in SQL.
"""

import math
from collections import defaultdict
from dataclasses import dataclass, field

import networkx as nx
from sqlalchemy import and_, case, distinct, func, select
from sqlalchemy.orm import Session, selectinload

from crm.chains.models import Chain, Segment, SegmentLink, Stage
from crm.companies.models import Company, CompanyTag, Tag, company_segment
from crm.gaps.schemas import (
    ChainGraph,
    Gap,
    GapReport,
    GraphEdge,
    GraphNode,
    LeafReport,
    Reason,
    Recommendation,
    Status,
)
from crm.leads.models import Lead
from crm.leads.models import Stage as LeadStage

_STATUS_RANK = {Status.missing: 0, Status.weak: 1, Status.strong: 2}


@dataclass
class SegmentFacts:
    id: int
    chain_id: int
    chain_code: str
    code: str
    name: str
    stage: Stage
    parent_id: int | None
    direction: bool
    local_companies: int = 0
    targets: int = 0
    local_leaders: int = 0
    children: list[int] = field(default_factory=list)

    @property
    def key(self) -> str:
        return f"{self.chain_code}:{self.code}"

    @property
    def is_leaf(self) -> bool:
        return not self.children

    @property
    def own_status(self) -> Status:
        """SPEC §4: missing with no local company, weak with 1–2 and no leader, else strong."""
        if self.local_companies == 0:
            return Status.missing
        if self.local_companies <= 2 and self.local_leaders == 0:
            return Status.weak
        return Status.strong


@dataclass
class ChainScope:
    """The supply graph and the facts of every segment a chain's analysis can reach."""

    chain: Chain
    graph: nx.DiGraph
    facts: dict[int, SegmentFacts]

    def own(self) -> list[SegmentFacts]:
        return [f for f in self.facts.values() if f.chain_id == self.chain.id]

    def status(self, segment_id: int) -> Status:
        """A leaf's own status; a parent's is the best status within its sub-tree."""
        facts = self.facts[segment_id]
        best = facts.own_status
        for child in facts.children:
            child_status = self.status(child)
            if _STATUS_RANK[child_status] > _STATUS_RANK[best]:
                best = child_status
        return best

    def depends_on(self, segment_id: int) -> int:
        """How many non-missing segments are reachable from this one along supply links."""
        if segment_id not in self.graph:
            return 0
        return sum(
            1
            for other in nx.descendants(self.graph, segment_id)
            if other in self.facts and self.status(other) != Status.missing
        )


def load_scope(session: Session, chain: Chain) -> ChainScope:
    graph = nx.DiGraph()
    graph.add_edges_from(
        session.execute(select(SegmentLink.from_segment_id, SegmentLink.to_segment_id))
    )
    own_ids = set(session.scalars(select(Segment.id).where(Segment.chain_id == chain.id)))
    in_scope = set(own_ids)
    for segment_id in own_ids & set(graph.nodes):
        in_scope |= nx.descendants(graph, segment_id)
        in_scope |= set(graph.predecessors(segment_id))
    chain_ids = {chain.id} | set(
        session.scalars(select(Segment.chain_id).where(Segment.id.in_(in_scope)).distinct())
    )
    facts = _segment_facts(session, chain_ids)
    return ChainScope(chain=chain, graph=graph, facts=facts)


def gap_report(session: Session, chain: Chain, *, recommendation_limit: int = 50) -> GapReport:
    scope = load_scope(session, chain)
    leaves = [f for f in scope.own() if f.is_leaf]
    present = [f for f in leaves if f.own_status != Status.missing]
    gaps = sorted(
        (
            Gap(
                code=f.code,
                name=f.name,
                stage=f.stage,
                direction=f.direction,
                depends_on_it=scope.depends_on(f.id),
                targets=f.targets,
            )
            for f in leaves
            if f.own_status == Status.missing
        ),
        key=lambda g: (-g.depends_on_it, -g.targets, g.code),
    )
    gap_ids = {f.id: f for f in leaves if f.own_status == Status.missing}
    return GapReport(
        chain=chain.code,
        leaves=len(leaves),
        completeness=round(len(present) / len(leaves), 3) if leaves else 0.0,
        segments=[
            LeafReport(
                code=f.code,
                name=f.name,
                stage=f.stage,
                parent=_code(scope, f.parent_id),
                direction=f.direction,
                local_companies=f.local_companies,
                targets=f.targets,
                status=f.own_status,
                leader_present=f.local_leaders > 0,
            )
            for f in leaves
        ],
        gaps=gaps,
        recommendations=recommend(
            session,
            {f.id: f for f in gap_ids.values()},
            {g.code: g.depends_on_it for g in gaps},
            limit=recommendation_limit,
        ),
    )


def chain_graph(session: Session, chain: Chain) -> ChainGraph:
    scope = load_scope(session, chain)
    own = scope.own()
    own_ids = {f.id for f in own}
    edges = [
        (a, b)
        for a, b in scope.graph.edges
        if (a in own_ids or b in own_ids) and a in scope.facts and b in scope.facts
    ]
    external_ids = sorted({i for edge in edges for i in edge} - own_ids)
    nodes = [_node(scope, f, external=False) for f in own]
    nodes += [_node(scope, scope.facts[i], external=True) for i in external_ids]
    return ChainGraph(
        chain=chain.code,
        nodes=nodes,
        edges=[GraphEdge(source=scope.facts[a].key, target=scope.facts[b].key) for a, b in edges],
    )


# Recommendation score. Every point a company earns is listed in its reasons.
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


def score_company(
    company: Company,
    gap_codes: list[str],
    depends_on: dict[str, int],
    lead_stages: frozenset[LeadStage] = frozenset(),
) -> tuple[float, list[Reason]]:
    """Score a candidate for filling chain gaps: tags, size, how much local industry waits,
    and how far our pursuit of it has come.

    Documented in the API: 10 for working in a gap segment, tags (世界500强 30, 龙头 25,
    单项冠军 20, 小巨人 15, 上市 10, 专精特新 8), revenue (5 points per decade of 亿元, at
    most 20), employees (2.5 per decade above 10, at most 10), the gap's dependants (3 per
    non-missing segment downstream of the best gap it fills, at most 15), 5 per further gap
    it fills, and its leads: the furthest open one (已识别 3, 已接洽 5, 已拜访 8, 洽谈中 12),
    a project already signed 5 (以商招商), else a lost lead −10 or a paused one −3.
    """
    gaps_label = "、".join(gap_codes)
    reasons = [Reason(factor="gap_fit", points=GAP_FIT_POINTS, label=f"主营缺失环节 {gaps_label}")]
    for tag in company.tags:
        points, label = TAG_POINTS[tag]
        reasons.append(Reason(factor=f"tag:{tag.value}", points=points, label=label))
    if company.revenue:
        points = round(min(REVENUE_POINTS_MAX, max(0.0, 5 * (math.log10(company.revenue) + 1))), 1)
        if points:
            label = f"营业收入 {company.revenue:g} 亿元"
            reasons.append(Reason(factor="revenue", points=points, label=label))
    if company.employees and company.employees > 10:
        points = round(min(EMPLOYEE_POINTS_MAX, 2.5 * (math.log10(company.employees) - 1)), 1)
        label = f"从业人数 {company.employees}"
        reasons.append(Reason(factor="employees", points=points, label=label))
    best_gap = max(gap_codes, key=lambda code: (depends_on.get(code, 0), code))
    if depends_on.get(best_gap):
        points = min(DEPENDENCY_POINTS_MAX, DEPENDENCY_POINTS * depends_on[best_gap])
        label = f"填补缺失环节 {best_gap}，下游 {depends_on[best_gap]} 个本地环节依赖"
        reasons.append(Reason(factor="gap_dependants", points=points, label=label))
    if len(gap_codes) > 1:
        points = EXTRA_GAP_POINTS * (len(gap_codes) - 1)
        label = f"同时覆盖 {len(gap_codes)} 个缺失环节"
        reasons.append(Reason(factor="gap_breadth", points=points, label=label))
    lead_reason = _lead_reason(lead_stages)
    if lead_reason is not None:
        reasons.append(lead_reason)
    return round(sum(r.points for r in reasons), 1), reasons


LEAD_STAGE_POINTS: dict[LeadStage, tuple[float, str]] = {
    LeadStage.negotiating: (12, "线索洽谈中"),
    LeadStage.visited: (8, "线索已拜访"),
    LeadStage.contacted: (5, "线索已接洽"),
    LeadStage.identified: (3, "已列入招商线索"),
}
SIGNED_POINTS = 5  # an investor already signed here: 以商招商
LOST_POINTS = -10
PAUSED_POINTS = -3


def _lead_reason(stages: frozenset[LeadStage]) -> Reason | None:
    for stage, (points, label) in LEAD_STAGE_POINTS.items():
        if stage in stages:
            return Reason(factor=f"lead:{stage.value}", points=points, label=label)
    if stages & {LeadStage.signed, LeadStage.started, LeadStage.producing}:
        return Reason(factor="lead:signed", points=SIGNED_POINTS, label="已有签约项目，可以商招商")
    if LeadStage.lost in stages:
        return Reason(factor="lead:lost", points=LOST_POINTS, label="线索曾流失")
    if LeadStage.paused in stages:
        return Reason(factor="lead:paused", points=PAUSED_POINTS, label="线索暂缓")
    return None


def _lead_stages(session: Session, company_ids) -> dict[int, frozenset[LeadStage]]:
    """The stages each company's leads are in now, in one query."""
    stages: dict[int, set[LeadStage]] = defaultdict(set)
    for company_id, stage in session.execute(
        select(Lead.company_id, Lead.stage).where(Lead.company_id.in_(company_ids)).distinct()
    ):
        stages[company_id].add(stage)
    return {company_id: frozenset(found) for company_id, found in stages.items()}


def recommend(
    session: Session,
    gaps: dict[int, SegmentFacts],
    depends_on: dict[str, int],
    *,
    limit: int,
) -> list[Recommendation]:
    """Non-local companies working in gap segments, best score first."""
    if not gaps or limit <= 0:
        return []
    memberships = session.execute(
        select(company_segment.c.company_id, company_segment.c.segment_id)
        .join(Company, Company.id == company_segment.c.company_id)
        .where(company_segment.c.segment_id.in_(gaps), Company.is_local.is_(False))
    )
    gap_codes: dict[int, list[str]] = defaultdict(list)
    for company_id, segment_id in memberships:
        gap_codes[company_id].append(gaps[segment_id].code)
    companies = session.scalars(
        select(Company).where(Company.id.in_(gap_codes)).options(selectinload(Company.tag_rows))
    ).all()
    lead_stages = _lead_stages(session, list(gap_codes))
    ranked = []
    for company in companies:
        codes = sorted(gap_codes[company.id])
        stages = lead_stages.get(company.id, frozenset())
        score, reasons = score_company(company, codes, depends_on, stages)
        ranked.append(
            Recommendation(
                company_id=company.id,
                name=company.name,
                province=company.province,
                city=company.city,
                segments=codes,
                score=score,
                reasons=reasons,
            )
        )
    ranked.sort(key=lambda r: (-r.score, r.company_id))
    return ranked[:limit]


def _segment_facts(session: Session, chain_ids: set[int]) -> dict[int, SegmentFacts]:
    rows = session.execute(
        select(
            Segment.id,
            Segment.chain_id,
            Chain.code,
            Segment.code,
            Segment.name,
            Segment.stage,
            Segment.parent_id,
            Segment.is_direction,
        )
        .join(Chain, Chain.id == Segment.chain_id)
        .where(Segment.chain_id.in_(chain_ids))
        .order_by(Segment.chain_id, Segment.position, Segment.id)
    )
    facts = {row[0]: SegmentFacts(*row) for row in rows}
    for f in facts.values():
        if f.parent_id in facts:
            facts[f.parent_id].children.append(f.id)
    for segment_id, local, targets, leaders in _company_counts(session, chain_ids):
        facts[segment_id].local_companies = local
        facts[segment_id].targets = targets
        facts[segment_id].local_leaders = leaders
    return facts


def _company_counts(session: Session, chain_ids: set[int]):
    """Per segment: distinct local companies, non-local ones (targets), local leaders."""
    is_leader = select(CompanyTag.company_id).where(CompanyTag.tag == Tag.leader).scalar_subquery()
    local = Company.is_local.is_(True)
    return session.execute(
        select(
            company_segment.c.segment_id,
            func.count(distinct(case((local, Company.id)))),
            func.count(distinct(case((~local, Company.id)))),
            func.count(distinct(case((and_(local, Company.id.in_(is_leader)), Company.id)))),
        )
        .join(Company, Company.id == company_segment.c.company_id)
        .join(Segment, Segment.id == company_segment.c.segment_id)
        .where(Segment.chain_id.in_(chain_ids))
        .group_by(company_segment.c.segment_id)
    )


def _code(scope: ChainScope, segment_id: int | None) -> str | None:
    return scope.facts[segment_id].code if segment_id in scope.facts else None


def _node(scope: ChainScope, f: SegmentFacts, *, external: bool) -> GraphNode:
    return GraphNode(
        id=f.key,
        chain=f.chain_code,
        code=f.code,
        name=f.name,
        stage=f.stage,
        parent=_code(scope, f.parent_id),
        direction=f.direction,
        is_leaf=f.is_leaf,
        external=external,
        status=scope.status(f.id),
        local_companies=f.local_companies,
        targets=f.targets,
    )
