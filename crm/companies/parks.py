"""Industrial parks (园区)."""

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from crm.chains import service as chain_service
from crm.chains.models import Chain
from crm.companies.models import Company, Park
from crm.companies.schemas import ParkCreate, ParkPublic, ParkUpdate
from crm.errors import Conflict, Invalid, NotFound
from crm.listing import Page, contains, fetch_page
from crm.updates import check_version, refuse_nulls


def get(session: Session, park_id: int) -> Park:
    park = session.get(Park, park_id, options=[selectinload(Park.leading_chains)])
    if park is None:
        raise NotFound(f"park {park_id} not found")
    return park


def require(session: Session, name: str) -> Park:
    """The park a request names, or a 422 naming the field."""
    park = session.scalar(select(Park).where(Park.name == name))
    if park is None:
        raise Invalid("park", f"unknown park '{name}'")
    return park


def list_parks(session: Session, *, q: str | None, page: Page) -> tuple[list[Park], int]:
    query = select(Park).options(selectinload(Park.leading_chains)).order_by(Park.id)
    if q:
        query = query.where(contains(Park.name, q))
    return fetch_page(session, query, page)


def publics(session: Session, parks: list[Park]) -> list[ParkPublic]:
    ids = [p.id for p in parks]
    counts = (
        dict(
            session.execute(
                select(Company.park_id, func.count(Company.id))
                .where(Company.park_id.in_(ids))
                .group_by(Company.park_id)
            ).all()
        )
        if ids
        else {}
    )
    return [
        ParkPublic(
            id=p.id,
            name=p.name,
            level=p.level,
            leading_chains=[c.code for c in p.leading_chains],
            area_mu=p.area_mu,
            description=p.description,
            company_count=counts.get(p.id, 0),
            version=p.version,
        )
        for p in parks
    ]


def create(session: Session, data: ParkCreate) -> Park:
    _refuse_taken_name(session, data.name)
    park = Park(
        name=data.name, level=data.level, area_mu=data.area_mu, description=data.description
    )
    park.leading_chains = _chains(session, data.leading_chains)
    session.add(park)
    session.flush()
    return park


def update(session: Session, park: Park, data: ParkUpdate) -> Park:
    check_version(park, data.version, f"park {park.id}")
    changes = data.model_dump(exclude_unset=True, exclude={"version"})
    refuse_nulls(changes, "name", "level", "leading_chains")
    if "name" in changes and changes["name"] != park.name:
        _refuse_taken_name(session, changes["name"])
    if "leading_chains" in changes:
        park.leading_chains = _chains(session, changes.pop("leading_chains"))
    for key, value in changes.items():
        setattr(park, key, value)
    park.touch()
    session.flush()
    return park


def delete(session: Session, park: Park) -> None:
    in_use = session.scalar(select(func.count()).where(Company.park_id == park.id))
    if in_use:
        raise Conflict(f"park '{park.name}' has {in_use} companies; move them first")
    session.delete(park)
    session.flush()


def _refuse_taken_name(session: Session, name: str) -> None:
    if session.scalar(select(Park.id).where(Park.name == name)) is not None:
        raise Conflict(f"park '{name}' already exists")


def _chains(session: Session, codes: list[str]) -> list[Chain]:
    ids = chain_service.chain_ids_by_code(session, codes, field="leading_chains")
    if not ids:
        return []
    return list(
        session.scalars(select(Chain).where(Chain.id.in_(ids.values())).order_by(Chain.code))
    )
