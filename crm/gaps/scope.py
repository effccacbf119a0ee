"""What a chain's gap analysis reads, in proportion to the chain rather than the registry.

The chain's own segments get the three counts (local companies, targets, local leaders);
segments reached along supply links, across chains, only need to know whether any local
company works in them or below them (SPEC §4: ``depends_on_it`` counts the non-missing ones).
"""

from collections import defaultdict
from dataclasses import dataclass, field

import networkx as nx
from sqlalchemy import and_, case, distinct, exists, func, select
from sqlalchemy.orm import Session, aliased

from crm.chains.models import Chain, Segment, SegmentLink, Stage
from crm.companies.models import Company, CompanyTag, Tag, company_segment
from crm.gaps.schemas import Status

STATUS_RANK = {Status.missing: 0, Status.weak: 1, Status.strong: 2}


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


def chain_facts(session: Session, code: str) -> tuple[int, dict[int, SegmentFacts]] | None:
    """A chain's id and its segments in order, the leaves with their three counts, in one
    statement; None when no chain has this code."""
    leaf_counts = _company_counts(
        Segment.chain_id == select(Chain.id).where(Chain.code == code).scalar_subquery(),
        ~exists().where(_child.parent_id == Segment.id),
    ).subquery()
    rows = session.execute(
        select(Chain.id, *_SEGMENT_COLUMNS, leaf_counts.c.local, leaf_counts.c.targets)
        .add_columns(leaf_counts.c.leaders)
        .outerjoin(Segment, Segment.chain_id == Chain.id)
        .outerjoin(leaf_counts, leaf_counts.c.segment_id == Segment.id)
        .where(Chain.code == code)
        .order_by(Segment.position, Segment.id)
    ).all()
    if not rows:
        return None
    facts = {}
    for _, *segment, local, targets, leaders in rows:
        if segment[0] is not None:
            facts[segment[0]] = SegmentFacts(*segment, local or 0, targets or 0, leaders or 0)
    _link_children(facts)
    return rows[0][0], facts


_child = aliased(Segment)
_SEGMENT_COLUMNS = (
    Segment.id,
    Segment.chain_id,
    Chain.code,
    Segment.code,
    Segment.name,
    Segment.stage,
    Segment.parent_id,
    Segment.is_direction,
)


def segment_facts(session: Session, chain_ids: set[int]) -> dict[int, SegmentFacts]:
    """The segments of these chains, in order, with their children and three counts."""
    counts = _company_counts(Segment.chain_id.in_(chain_ids)).subquery()
    rows = session.execute(
        select(*_SEGMENT_COLUMNS, counts.c.local, counts.c.targets, counts.c.leaders)
        .join(Chain, Chain.id == Segment.chain_id)
        .outerjoin(counts, counts.c.segment_id == Segment.id)
        .where(Segment.chain_id.in_(chain_ids))
        .order_by(Segment.chain_id, Segment.position, Segment.id)
    )
    facts = {}
    for *segment, local, targets, leaders in rows:
        facts[segment[0]] = SegmentFacts(*segment, local or 0, targets or 0, leaders or 0)
    _link_children(facts)
    return facts


def _link_children(facts: dict[int, SegmentFacts]) -> None:
    for f in facts.values():
        if f.parent_id in facts:
            facts[f.parent_id].children.append(f.id)


def _company_counts(*where):
    """Per segment: distinct local companies, non-local ones (targets), local leaders."""
    # Correlated: a primary-key probe per company, not a hash of every leader in the registry.
    is_leader = exists().where(CompanyTag.company_id == Company.id, CompanyTag.tag == Tag.leader)
    local = Company.is_local.is_(True)
    return (
        select(
            company_segment.c.segment_id,
            func.count(distinct(case((local, Company.id)))).label("local"),
            func.count(distinct(case((~local, Company.id)))).label("targets"),
            func.count(distinct(case((and_(local, is_leader), Company.id)))).label("leaders"),
        )
        .join(Company, Company.id == company_segment.c.company_id)
        .join(Segment, Segment.id == company_segment.c.segment_id)
        .where(*where)
        .group_by(company_segment.c.segment_id)
    )


def best_status(facts: dict[int, SegmentFacts], segment_id: int) -> Status:
    """A leaf's own status; a parent's is the best status within its sub-tree."""
    f = facts[segment_id]
    best = f.own_status
    for child in f.children:
        child_status = best_status(facts, child)
        if STATUS_RANK[child_status] > STATUS_RANK[best]:
            best = child_status
    return best


# --- reach: how many non-missing segments each gap supplies ---------------------------------


def dependants(session: Session, gap_ids: set[int]) -> dict[int, int]:
    """For each gap segment, the non-missing segments reachable from it along supply links.

    One query for the links (plain pairs), a breadth-first walk from the gaps, one query for
    "has a local company" over the chains reached (an index probe per segment that stops at
    the first local company), then the reachable sets as bit masks over the condensed graph.
    """
    successors: dict[int, list[int]] = defaultdict(list)
    chain_of: dict[int, int] = {}
    for source, target, target_chain in session.execute(
        select(SegmentLink.from_segment_id, SegmentLink.to_segment_id, Segment.chain_id).join(
            Segment, Segment.id == SegmentLink.to_segment_id
        )
    ):
        successors[source].append(target)
        chain_of[target] = target_chain
    starts = [g for g in gap_ids if g in successors or g in chain_of]
    reached, stack = set(starts), list(starts)
    while stack:
        for nxt in successors[stack.pop()]:
            if nxt not in reached:
                reached.add(nxt)
                stack.append(nxt)
    reached_chains = {chain_of[s] for s in reached if s in chain_of}
    non_missing = _non_missing(session, reached_chains, reached - set(starts))
    # Only the reached part becomes a networkx graph: building one of every link costs more
    # than the rest of the walk.
    graph = nx.DiGraph()
    graph.add_nodes_from(reached)
    graph.add_edges_from((s, t) for s in reached for t in successors.get(s, ()))
    counts = _count_reachable(graph, non_missing)
    return {gap: counts.get(gap, 0) for gap in gap_ids}


def _non_missing(session: Session, chain_ids: set[int], segment_ids: set[int]) -> set[int]:
    """Those of ``segment_ids`` with a local company in them or anywhere below them."""
    if not segment_ids:
        return set()
    in_chains = select(Segment.id).where(Segment.chain_id.in_(chain_ids))
    # One pass over the local companies' memberships (the fastest of the plans measured:
    # an EXISTS or LIMIT 1 probe per segment reads every membership of the segments that
    # have no local company at all, the gaps).
    with_local_rows = (
        select(company_segment.c.segment_id)
        .join(Company, Company.id == company_segment.c.company_id)
        .where(Company.is_local.is_(True), company_segment.c.segment_id.in_(in_chains))
        .distinct()
        .subquery()
    )
    has_local = with_local_rows.c.segment_id
    children: dict[int, list[int]] = defaultdict(list)
    with_local = set()
    for segment_id, parent_id, local in session.execute(
        select(Segment.id, Segment.parent_id, has_local)
        .outerjoin(with_local_rows, has_local == Segment.id)
        .where(Segment.chain_id.in_(chain_ids))
    ):
        if parent_id is not None:
            children[parent_id].append(segment_id)
        if local is not None:
            with_local.add(segment_id)

    def any_local(segment_id: int) -> bool:
        return segment_id in with_local or any(any_local(c) for c in children[segment_id])

    return {s for s in segment_ids if any_local(s)}


def _count_reachable(graph: nx.DiGraph, non_missing: set[int]) -> dict[int, int]:
    """Per node, how many ``non_missing`` nodes are reachable from it (itself excluded)."""
    condensed = nx.condensation(graph)
    members = condensed.graph["mapping"]  # node → its strongly connected component
    bit = {node: 1 << i for i, node in enumerate(graph.nodes)}
    counted_mask = sum(bit[node] for node in non_missing if node in bit)
    below: dict[int, int] = {}
    for component in reversed(list(nx.topological_sort(condensed))):
        mask = 0
        for nxt in condensed.successors(component):
            mask |= below[nxt] | condensed.nodes[nxt]["own_mask"]
        condensed.nodes[component]["own_mask"] = sum(
            bit[node] for node in condensed.nodes[component]["members"]
        )
        below[component] = mask
    counts = {}
    for node in graph.nodes:
        component = members[node]
        mask = below[component]
        if len(condensed.nodes[component]["members"]) > 1:  # a cycle reaches its own members
            mask |= condensed.nodes[component]["own_mask"] & ~bit[node]
        counts[node] = (mask & counted_mask).bit_count()
    return counts
