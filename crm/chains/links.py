"""Reading a chain file's references: segments of this chain or ``chain:segment`` of another,
the parent tree and the supply links, each checked before anything is written."""

import networkx as nx
from sqlalchemy import select
from sqlalchemy.orm import Session

from crm.chains.models import Chain, Segment, SegmentLink
from crm.chains.schemas import ChainFile
from crm.errors import Invalid


def split_ref(ref: str, default_chain: str | None = None) -> tuple[str | None, str]:
    """``"chain:segment"`` → ``("chain", "segment")``; a bare code takes ``default_chain``."""
    chain_code, sep, segment_code = ref.rpartition(":")
    return (chain_code if sep else default_chain), segment_code


def segments_by_key(session: Session, keys: set[tuple[str | None, str]]) -> dict:
    """``{(chain code, segment code): Segment}`` for the given keys, in one query."""
    if not keys:
        return {}
    chain_codes = {chain_code for chain_code, _ in keys}
    rows = session.execute(
        select(Chain.code, Segment)
        .join(Segment, Segment.chain_id == Chain.id)
        .where(Chain.code.in_(chain_codes), Segment.code.in_({code for _, code in keys}))
    )
    return {(chain_code, s.code): s for chain_code, s in rows if (chain_code, s.code) in keys}


def check_segments(data: ChainFile) -> None:
    seen: set[str] = set()
    for i, segment in enumerate(data.segments):
        if segment.code in seen:
            raise Invalid(("segments", i, "code"), f"duplicate segment code '{segment.code}'")
        seen.add(segment.code)
    parents = nx.DiGraph()
    for i, segment in enumerate(data.segments):
        if segment.parent is None:
            continue
        chain_code, parent_code = split_ref(segment.parent, data.code)
        if chain_code != data.code:
            raise Invalid(
                ("segments", i, "parent"),
                f"parent '{segment.parent}' of '{segment.code}' is in another chain",
            )
        if parent_code not in seen:
            raise Invalid(
                ("segments", i, "parent"),
                f"unknown parent segment '{parent_code}' of '{segment.code}'",
            )
        parents.add_edge(segment.code, parent_code)
    refuse_cycle(parents, "segments", "parent cycle")


def build_links(
    session: Session, data: ChainFile, chain: Chain, own: dict[str, Segment]
) -> list[SegmentLink]:
    foreign_keys = {
        key
        for link in data.links
        for key in (split_ref(link.from_, data.code), split_ref(link.to, data.code))
        if key[0] != data.code
    }
    foreign = segments_by_key(session, foreign_keys)
    known_chains = set(
        session.scalars(select(Chain.code).where(Chain.code.in_({c for c, _ in foreign_keys})))
    )
    graph = nx.DiGraph()
    links: list[SegmentLink] = []
    seen_pairs: set[tuple[int, int]] = set()
    for i, link in enumerate(data.links):
        ends = []
        for end, ref in (("from", link.from_), ("to", link.to)):
            key = split_ref(ref, data.code)
            segment = own.get(key[1]) if key[0] == data.code else foreign.get(key)
            if segment is None:
                raise Invalid(("links", i, end), _unknown_segment(ref, key[0], known_chains))
            ends.append(segment)
        source, target = ends
        if source.chain_id != chain.id and target.chain_id != chain.id:
            raise Invalid(("links", i), f"link {link.from_} → {link.to} does not touch this chain")
        if (source.id, target.id) in seen_pairs:
            raise Invalid(("links", i), f"duplicate link {link.from_} → {link.to}")
        seen_pairs.add((source.id, target.id))
        if source.chain_id == target.chain_id == chain.id:
            graph.add_edge(source.code, target.code)
        links.append(SegmentLink(from_segment=source, to_segment=target, position=i))
    refuse_cycle(graph, "links", "supply cycle")
    return links


def _unknown_segment(ref: str, chain_code: str | None, known_chains: set[str]) -> str:
    if chain_code is not None and chain_code not in known_chains:
        return (
            f"unknown segment '{ref}': chain '{chain_code}' is not imported yet; "
            f"import its chain file first, or together with this one"
        )
    return f"unknown segment '{ref}'"


def refuse_cycle(graph: nx.DiGraph, field: str, what: str) -> None:
    try:
        cycle = nx.find_cycle(graph)
    except nx.NetworkXNoCycle:
        return
    path = " → ".join([edge[0] for edge in cycle] + [cycle[0][0]])
    raise Invalid(field, f"{what}: {path}")
