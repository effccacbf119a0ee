"""Chain maps: create from a chain file, read, export, change, delete."""

import unicodedata
from collections.abc import Iterable

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import Session, selectinload

from crm.chains.links import build_links, check_segments, segments_by_key, split_ref
from crm.chains.models import Chain, Segment, SegmentLink
from crm.chains.schemas import (
    ChainDetail,
    ChainFile,
    ChainSummary,
    ChainUpdate,
    LinkPublic,
    SegmentPublic,
)
from crm.errors import Conflict, Invalid, NotFound
from crm.listing import Page, contains, fetch_page
from crm.updates import check_version, refuse_nulls


def get(session: Session, code: str) -> Chain:
    chain = session.scalar(
        select(Chain)
        .where(Chain.code == code)
        .options(
            selectinload(Chain.segments).selectinload(Segment.parent),
            selectinload(Chain.segments).selectinload(Segment.children),
        )
    )
    if chain is None:
        raise NotFound(f"chain '{code}' not found")
    return chain


def list_chains(session: Session, *, q: str | None, page: Page) -> tuple[list[Chain], int]:
    query: Select = select(Chain).order_by(Chain.code)
    if q:
        query = query.where(
            or_(contains(Chain.name, q), contains(Chain.name_en, q), contains(Chain.code, q))
        )
    return fetch_page(session, query, page)


def summaries(session: Session, chains: list[Chain]) -> list[ChainSummary]:
    counts = _segment_counts(session, [c.id for c in chains])
    return [_summary(chain, *counts.get(chain.id, (0, 0))) for chain in chains]


def detail(session: Session, chain: Chain) -> ChainDetail:
    segments = chain.segments
    return ChainDetail(
        **_summary(chain, len(segments), sum(1 for s in segments if s.is_direction)).model_dump(),
        segments=[
            SegmentPublic(
                id=s.id,
                code=s.code,
                name=s.name,
                stage=s.stage,
                parent=s.parent.code if s.parent else None,
                direction=s.is_direction,
                products=list(s.products or []),
                is_leaf=not s.children,
            )
            for s in segments
        ],
        links=[LinkPublic(from_=a, to=b) for a, b in _link_refs(session, chain)],
    )


def export(session: Session, chain: Chain) -> dict:
    """The chain file (docs/import-formats.md); importing it gives back the same chain."""
    file: dict = {"code": chain.code, "name": chain.name, "name_en": chain.name_en}
    if chain.description is not None:
        file["description"] = chain.description
    if chain.is_focus:
        file["focus"] = True
    file["segments"] = [
        {
            "code": s.code,
            "name": s.name,
            "stage": s.stage.value,
            "parent": s.parent.code if s.parent else None,
            "direction": s.is_direction,
            "products": list(s.products or []),
        }
        for s in chain.segments
    ]
    file["links"] = [{"from": a, "to": b} for a, b in _link_refs(session, chain)]
    return file


def create(session: Session, data: ChainFile) -> Chain:
    """Create the chain, its segments and links; refuse the whole file on any error."""
    chain, by_code = _create_segments(session, data)
    chain.links = build_links(session, data, chain, by_code)
    session.flush()
    return chain


def create_many(session: Session, files: list[ChainFile]) -> list[Chain]:
    """Create several chains at once: every chain's segments first, then the links, so a
    link may point into any of the files whatever their order. Refused whole on any error;
    an error names the chain whose file it is in."""
    codes = [data.code for data in files]
    repeated = sorted({code for code in codes if codes.count(code) > 1})
    if repeated:
        raise Invalid("files", f"chain '{repeated[0]}' is in more than one file")
    created = []
    for data in files:
        created.append(_in_file(data.code, _create_segments, session, data))
    for data, (chain, by_code) in zip(files, created, strict=True):
        chain.links = _in_file(data.code, build_links, session, data, chain, by_code)
    session.flush()
    return [chain for chain, _ in created]


def _in_file(code: str, step, *args):
    """Run one step of a multi-file import; a refusal says which chain's file it is about."""
    try:
        return step(*args)
    except Invalid as error:
        field = error.field if isinstance(error.field, tuple) else (error.field,)
        raise Invalid((code, *field), error.message) from error
    except Conflict as error:
        raise Conflict(f"{code}: {error.detail}") from error


def _create_segments(session: Session, data: ChainFile) -> tuple[Chain, dict[str, Segment]]:
    if session.scalar(select(Chain.id).where(Chain.code == data.code)) is not None:
        raise Conflict(f"chain '{data.code}' already exists")
    check_segments(data)
    chain = Chain(
        code=data.code,
        name=data.name,
        name_en=data.name_en,
        description=data.description,
        is_focus=data.focus,
    )
    by_code = {
        s.code: Segment(
            code=s.code,
            name=s.name,
            stage=s.stage,
            is_direction=s.direction,
            products=list(s.products),
            position=i,
        )
        for i, s in enumerate(data.segments)
    }
    chain.segments = list(by_code.values())
    for s in data.segments:
        if s.parent is not None:
            by_code[s.code].parent = by_code[split_ref(s.parent)[1]]
    session.add(chain)
    session.flush()
    return chain, by_code


def update(session: Session, chain: Chain, data: ChainUpdate) -> Chain:
    check_version(chain, data.version, f"chain '{chain.code}'")
    changes = data.model_dump(exclude_unset=True, exclude={"version"})
    refuse_nulls(changes, "name", "focus")
    for key, value in changes.items():
        setattr(chain, "is_focus" if key == "focus" else key, value)
    chain.touch()
    session.flush()
    return chain


def delete_chain(session: Session, chain: Chain, *, in_use: int) -> None:
    """Delete a chain with its segments and every link touching them.

    ``in_use`` is how many records elsewhere (companies, leads) still point at its segments;
    the caller counts them, since chains know nothing of those domains.
    """
    if in_use:
        raise Conflict(f"chain '{chain.code}' is in use by {in_use} records; detach them first")
    segment_ids = [s.id for s in chain.segments]
    for link in session.scalars(
        select(SegmentLink).where(
            SegmentLink.chain_id != chain.id,
            or_(
                SegmentLink.from_segment_id.in_(segment_ids),
                SegmentLink.to_segment_id.in_(segment_ids),
            ),
        )
    ):
        session.delete(link)
    for segment in chain.segments:  # children before parents
        segment.parent = None
    session.flush()
    session.delete(chain)
    session.flush()


def resolve_segments(session: Session, refs: Iterable[str], *, field: str) -> dict[str, Segment]:
    """Map ``"chain:segment"`` references to segments in one query; unknown ones are a 422."""
    wanted = {ref: split_ref(ref) for ref in refs}
    for ref, (chain_code, _) in wanted.items():
        if chain_code is None:
            raise Invalid(field, f"'{ref}' must name its chain as 'chain:segment'")
    found = segments_by_key(session, set(wanted.values()))
    missing = [ref for ref, key in wanted.items() if key not in found]
    if missing:
        raise Invalid(field, f"unknown segment {', '.join(repr(m) for m in sorted(missing))}")
    return {ref: found[key] for ref, key in wanted.items()}


def find_segments(session: Session, refs: Iterable[str]) -> tuple[dict[str, Segment], dict]:
    """Segments as people name them in registers, in one query: ``(found, problems)``.

    A reference is ``chain:segment``, each part a code or a name (``robotics:reducer``,
    ``机器人:精密减速器``, a full-width ``：`` too), or a segment alone (code or name) when
    one chain has it. ``problems`` maps each other reference to why: unknown, or ambiguous
    with the candidates listed.
    """
    wanted = {ref: ref.replace("：", ":").strip() for ref in refs}
    if not wanted:
        return {}, {}
    rows = session.execute(select(Chain, Segment).join(Segment, Segment.chain_id == Chain.id))
    by_chain: dict[str, list[tuple[Chain, Segment]]] = {}
    for chain, segment in rows:
        for key in {chain.code, _name_key(chain.name)}:
            by_chain.setdefault(key, []).append((chain, segment))
    every = [pair for pairs in by_chain.values() for pair in pairs]
    found: dict[str, Segment] = {}
    problems: dict[str, str] = {}
    for ref, text in wanted.items():
        chain_part, sep, segment_part = text.rpartition(":")
        if sep:
            pool = by_chain.get(chain_part.strip()) or by_chain.get(_name_key(chain_part), [])
            if not pool:
                problems[ref] = f"unknown chain '{chain_part.strip()}' in '{ref}'"
                continue
        else:
            pool = every
        matches = _matching_segments(pool, segment_part.strip())
        if len(matches) == 1:
            found[ref] = matches[0][1]
        elif not matches:
            problems[ref] = f"unknown segment '{ref}'"
        else:
            listed = ", ".join(
                f"{c.code}:{s.code} ({c.name}:{s.name})"
                for c, s in sorted(matches, key=lambda m: (m[0].code, m[1].code))
            )
            problems[ref] = f"'{ref}' is ambiguous: name one of {listed}"
    return found, problems


def _name_key(name: str) -> str:
    return "".join(unicodedata.normalize("NFKC", name).casefold().split())


def _matching_segments(pool: list[tuple[Chain, Segment]], part: str) -> list[tuple[Chain, Segment]]:
    """The segments whose code is ``part``; failing that, those whose name is ``part``."""
    unique = {segment.id: (chain, segment) for chain, segment in pool}
    by_code = [pair for pair in unique.values() if pair[1].code == part]
    if by_code:
        return by_code
    key = _name_key(part)
    return [pair for pair in unique.values() if _name_key(pair[1].name) == key]


def segment_keys(session: Session, segment_ids: Iterable[int]) -> dict[int, str]:
    """``{segment id: "chain:segment"}`` in one query."""
    ids = set(segment_ids)
    if not ids:
        return {}
    rows = session.execute(
        select(Segment.id, Chain.code, Segment.code)
        .join(Chain, Segment.chain_id == Chain.id)
        .where(Segment.id.in_(ids))
    )
    return {sid: f"{chain_code}:{code}" for sid, chain_code, code in rows}


def chain_ids_by_code(session: Session, codes: Iterable[str], *, field: str) -> dict[str, int]:
    wanted = set(codes)
    if not wanted:
        return {}
    found = dict(session.execute(select(Chain.code, Chain.id).where(Chain.code.in_(wanted))).all())
    missing = sorted(wanted - found.keys())
    if missing:
        raise Invalid(field, f"unknown chain {', '.join(repr(m) for m in missing)}")
    return found


def _summary(chain: Chain, segment_count: int, direction_count: int) -> ChainSummary:
    return ChainSummary(
        id=chain.id,
        code=chain.code,
        name=chain.name,
        name_en=chain.name_en,
        description=chain.description,
        focus=chain.is_focus,
        segment_count=segment_count,
        direction_count=direction_count,
        version=chain.version,
    )


def _segment_counts(session: Session, chain_ids: list[int]) -> dict[int, tuple[int, int]]:
    if not chain_ids:
        return {}
    rows = session.execute(
        select(
            Segment.chain_id,
            func.count(Segment.id),
            func.count(Segment.id).filter(Segment.is_direction.is_(True)),
        )
        .where(Segment.chain_id.in_(chain_ids))
        .group_by(Segment.chain_id)
    )
    return {chain_id: (total, directions) for chain_id, total, directions in rows}


def _link_refs(session: Session, chain: Chain) -> list[tuple[str, str]]:
    """The chain's own links as file references: bare codes inside it, qualified outside."""
    links = list(
        session.scalars(
            select(SegmentLink)
            .where(SegmentLink.chain_id == chain.id)
            .order_by(SegmentLink.position, SegmentLink.id)
        )
    )
    keys = segment_keys(
        session, {i for link in links for i in (link.from_segment_id, link.to_segment_id)}
    )
    prefix = f"{chain.code}:"

    def ref(segment_id: int) -> str:
        key = keys[segment_id]
        return key.removeprefix(prefix) if key.startswith(prefix) else key

    return [(ref(link.from_segment_id), ref(link.to_segment_id)) for link in links]
