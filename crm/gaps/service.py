"""Chain gap analysis (SPEC §4) and the chain's supply graph.

A report reads in proportion to the chain: its own segments with their company counts, the
supply links, whether the segments its gaps reach have any local company, and the candidate
companies as plain rows (``crm.gaps.scope``, ``crm.gaps.scoring``): a fixed number of queries.
"""

import networkx as nx
from sqlalchemy import or_, select
from sqlalchemy.orm import Session, aliased

from crm.chains.models import Chain, Segment, SegmentLink
from crm.errors import NotFound
from crm.gaps.schemas import (
    ChainGraph,
    Gap,
    GapReport,
    GraphEdge,
    GraphNode,
    LeafReport,
    Status,
)
from crm.gaps.scope import (
    SegmentFacts,
    best_status,
    chain_facts,
    dependants,
    segment_facts,
)
from crm.gaps.scoring import recommend


def gap_report(session: Session, code: str, *, recommendation_limit: int = 50) -> GapReport:
    found = chain_facts(session, code)
    if found is None:
        raise NotFound(f"chain '{code}' not found")
    _, own = found
    leaves = [f for f in own.values() if f.is_leaf]
    present = [f for f in leaves if f.own_status != Status.missing]
    missing = [f for f in leaves if f.own_status == Status.missing]
    depends = dependants(session, {f.id for f in missing}) if missing else {}
    gaps = sorted(
        (
            Gap(
                code=f.code,
                name=f.name,
                stage=f.stage,
                direction=f.direction,
                depends_on_it=depends[f.id],
                targets=f.targets,
            )
            for f in missing
        ),
        key=lambda g: (-g.depends_on_it, -g.targets, g.code),
    )
    return GapReport(
        chain=code,
        leaves=len(leaves),
        completeness=round(len(present) / len(leaves), 3) if leaves else 0.0,
        segments=[_leaf_report(own, f) for f in leaves],
        gaps=gaps,
        recommendations=recommend(
            session,
            {f.id: f.code for f in missing},
            {g.code: g.depends_on_it for g in gaps},
            limit=recommendation_limit,
        ),
    )


def chain_graph(session: Session, chain: Chain) -> ChainGraph:
    """The chain's segments and the segments of other chains linked to them, with edges."""
    source, target = aliased(Segment), aliased(Segment)
    links = session.execute(
        select(SegmentLink.from_segment_id, SegmentLink.to_segment_id, source.chain_id)
        .add_columns(target.chain_id)
        .join(source, source.id == SegmentLink.from_segment_id)
        .join(target, target.id == SegmentLink.to_segment_id)
        .where(or_(source.chain_id == chain.id, target.chain_id == chain.id))
        .order_by(SegmentLink.id)
    ).all()
    chain_ids = {chain.id} | {c for *_, a, b in links for c in (a, b)}
    facts = segment_facts(session, chain_ids)
    graph = nx.DiGraph()
    graph.add_edges_from((a, b) for a, b, *_ in links)
    own = [f for f in facts.values() if f.chain_id == chain.id]
    own_ids = {f.id for f in own}
    edges = list(graph.edges)
    external_ids = sorted({i for edge in edges for i in edge} - own_ids)
    nodes = [_node(facts, f, external=False) for f in own]
    nodes += [_node(facts, facts[i], external=True) for i in external_ids]
    return ChainGraph(
        chain=chain.code,
        nodes=nodes,
        edges=[GraphEdge(source=facts[a].key, target=facts[b].key) for a, b in edges],
    )


def _code(facts: dict[int, SegmentFacts], segment_id: int | None) -> str | None:
    return facts[segment_id].code if segment_id in facts else None


def _leaf_report(facts: dict[int, SegmentFacts], f: SegmentFacts) -> LeafReport:
    return LeafReport(
        code=f.code,
        name=f.name,
        stage=f.stage,
        parent=_code(facts, f.parent_id),
        direction=f.direction,
        local_companies=f.local_companies,
        targets=f.targets,
        status=f.own_status,
        leader_present=f.local_leaders > 0,
    )


def _node(facts: dict[int, SegmentFacts], f: SegmentFacts, *, external: bool) -> GraphNode:
    return GraphNode(
        id=f.key,
        chain=f.chain_code,
        code=f.code,
        name=f.name,
        stage=f.stage,
        parent=_code(facts, f.parent_id),
        direction=f.direction,
        is_leaf=f.is_leaf,
        external=external,
        status=best_status(facts, f.id),
        local_companies=f.local_companies,
        targets=f.targets,
    )
