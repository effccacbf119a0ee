"""Company registry: companies, their segments and tags, chain leaders."""

from sqlalchemy import Select, exists, func, select
from sqlalchemy.orm import Session, joinedload, selectinload

from crm import places
from crm.chains import service as chain_service
from crm.chains.models import Chain, Segment
from crm.companies import parks
from crm.companies.models import Company, CompanyTag, Tag, company_segment
from crm.companies.schemas import CompanyCreate, CompanyPublic, CompanyUpdate, normalise_name
from crm.companies.search import name_matches
from crm.companies.sme import SME_TAGS, not_sme_reason
from crm.errors import Conflict, Invalid, NotFound
from crm.listing import Page, Total, fetch_page_by_ids
from crm.updates import check_version, refuse_nulls

_LOAD = (
    joinedload(Company.park),
    selectinload(Company.segments).selectinload(Segment.chain),
    selectinload(Company.tag_rows),
    selectinload(Company.leader_of),
)


def get(session: Session, company_id: int) -> Company:
    company = session.scalar(select(Company).where(Company.id == company_id).options(*_LOAD))
    if company is None:
        raise NotFound(f"company {company_id} not found")
    return company


def public(company: Company) -> CompanyPublic:
    return CompanyPublic(
        id=company.id,
        name=company.name,
        credit_code=company.credit_code,
        province=company.province,
        city=company.city,
        city_code=company.city_code,
        place_unrecognised=places.unrecognised(province=company.province, city=company.city),
        is_local=company.is_local,
        park=company.park.name if company.park else None,
        segments=[f"{s.chain.code}:{s.code}" for s in company.segments],
        tags=company.tags,
        revenue=company.revenue,
        employees=company.employees,
        listing=company.listing,
        leader_of=[chain.code for chain in company.leader_of],
        version=company.version,
    )


def list_companies(
    session: Session,
    *,
    page: Page,
    q: str | None = None,
    is_local: bool | None = None,
    chain: str | None = None,
    segment: str | None = None,
    tag: Tag | None = None,
    city: str | None = None,
    province: str | None = None,
    park: str | None = None,
) -> tuple[list[Company], Total]:
    """``q``: text in the name, its pinyin or initials, or a credit code (crm.companies.search)."""
    query = filtered_query(
        q=q,
        is_local=is_local,
        chain=chain,
        segment=segment,
        tag=tag,
        city=city,
        province=province,
        park=park,
    )
    return fetch_page_by_ids(session, query, page, entity=Company, options=_LOAD)


def filtered_query(
    *,
    q: str | None = None,
    is_local: bool | None = None,
    chain: str | None = None,
    segment: str | None = None,
    tag: Tag | None = None,
    city: str | None = None,
    province: str | None = None,
    park: str | None = None,
) -> Select:
    """The companies the list's filters select, in id order."""
    query: Select = select(Company).order_by(Company.id)
    if q and q.strip():
        query = query.where(name_matches(q))
    if is_local is not None:
        query = query.where(Company.is_local.is_(is_local))
    if chain:
        query = query.where(
            _works_in(Segment.chain_id.in_(select(Chain.id).where(Chain.code == chain)))
        )
    if segment:
        chain_code, segment_code = chain_service.split_ref(segment)
        condition = Segment.code == segment_code
        if chain_code is not None:
            condition &= Segment.chain_id.in_(select(Chain.id).where(Chain.code == chain_code))
        query = query.where(_works_in(condition))
    if tag:
        query = query.where(
            exists().where(CompanyTag.company_id == Company.id, CompanyTag.tag == tag)
        )
    if city:
        query = query.where(Company.city.in_(places.city_spellings(city)))
    if province:
        query = query.where(Company.province.in_(places.province_spellings(province)))
    if park:
        query = query.where(Company.park.has(name=park))
    return query


def create(session: Session, data: CompanyCreate) -> Company:
    if data.credit_code:
        _refuse_taken_credit_code(session, data.credit_code)
    else:
        _refuse_taken_name(session, normalise_name(data.name))
    company = Company(name=data.name, name_key=normalise_name(data.name))
    _apply(session, company, data.model_dump(exclude={"name"}))
    session.add(company)
    session.flush()
    return company


def update(session: Session, company: Company, data: CompanyUpdate) -> Company:
    check_version(company, data.version, f"company {company.id}")
    changes = data.model_dump(exclude_unset=True, exclude={"version"})
    refuse_nulls(changes, "name", "is_local", "segments", "tags")
    if changes.get("credit_code") and changes["credit_code"] != company.credit_code:
        _refuse_taken_credit_code(session, changes["credit_code"])
    name_key = normalise_name(changes.get("name", company.name))
    credit_code = changes.get("credit_code", company.credit_code)
    if not credit_code and (name_key != company.name_key or company.credit_code):
        _refuse_taken_name(session, name_key, but=company.id)
    with session.no_autoflush:  # one UPDATE, so one version bump
        if "name" in changes:
            company.name_key = normalise_name(changes["name"])
        _apply(session, company, changes)
        company.touch()
    session.flush()
    return company


def delete(session: Session, company: Company, *, in_use: int = 0) -> None:
    if in_use:
        raise Conflict(f"company {company.id} has {in_use} leads; close them first")
    session.delete(company)
    session.flush()


def companies_in_chain(session: Session, chain: Chain) -> int:
    """How many companies work in some segment of the chain."""
    return (
        session.scalar(
            select(func.count(func.distinct(company_segment.c.company_id)))
            .join(Segment, Segment.id == company_segment.c.segment_id)
            .where(Segment.chain_id == chain.id)
        )
        or 0
    )


def set_chain_leader(session: Session, chain: Chain, company: Company, leader: bool) -> Company:
    """Mark or unmark a company as leader (链主) of a chain; a leader carries the leader tag."""
    if leader and chain not in company.leader_of:
        company.leader_of.append(chain)
        if Tag.leader not in company.tags:
            company.tag_rows.append(CompanyTag(tag=Tag.leader))
    elif not leader and chain in company.leader_of:
        company.leader_of.remove(chain)
    company.touch()
    session.flush()
    return company


def chain_leaders(session: Session, chain: Chain) -> list[Company]:
    return list(
        session.scalars(
            select(Company)
            .where(Company.leader_of.any(Chain.id == chain.id))
            .options(*_LOAD)
            .order_by(Company.id)
        )
    )


def _works_in(segment_condition) -> object:
    return exists().where(
        company_segment.c.company_id == Company.id,
        company_segment.c.segment_id.in_(select(Segment.id).where(segment_condition)),
    )


def _refuse_taken_credit_code(session: Session, credit_code: str) -> None:
    owner = session.scalar(select(Company.id).where(Company.credit_code == credit_code))
    if owner is not None:
        raise Conflict(f"credit code {credit_code} already belongs to company {owner}")


def _refuse_taken_name(session: Session, name_key: str, but: int | None = None) -> None:
    """Without a credit code, a company is its name: refuse a second one of the same name."""
    query = select(Company.id, Company.name).where(
        Company.name_key == name_key, Company.credit_code.is_(None)
    )
    if but is not None:
        query = query.where(Company.id != but)
    owner = session.execute(query).first()
    if owner is not None:
        raise Conflict(
            f"company {owner.id} ({owner.name}) has this name and no credit code: "
            "give a credit code to tell them apart, or change that company"
        )


def _apply(session: Session, company: Company, changes: dict) -> None:
    """Set fields from a create or update payload, resolving names and references."""
    segments = changes.pop("segments", None)
    tags = changes.pop("tags", None)
    park_name = changes.pop("park", ...)
    for key, value in changes.items():
        setattr(company, key, value)
    if park_name is not ...:
        company.park = parks.require(session, park_name) if park_name else None
    if company.park is not None and not company.is_local:
        raise Invalid("park", "only a local company (is_local) has a park")
    if segments is not None:
        by_ref = chain_service.resolve_segments(session, dict.fromkeys(segments), field="segments")
        company.segments = list({s.id: s for s in by_ref.values()}.values())
    if tags is not None:
        wanted = list(dict.fromkeys(tags))
        if SME_TAGS & set(wanted):  # 专精特新 and 小巨人 are for SMEs only (crm.companies.sme)
            reason = not_sme_reason(
                employees=company.employees, revenue_yi=company.revenue, tags=set(wanted)
            )
            if reason:
                raise Invalid("tags", reason)
        current = {row.tag: row for row in company.tag_rows}
        company.tag_rows = [current.get(tag) or CompanyTag(tag=tag) for tag in wanted]
