"""Standard factories (标准厂房): the register and its status moves."""

from sqlalchemy import Select, select
from sqlalchemy.orm import Session, selectinload

from crm.companies import parks as park_service
from crm.companies.models import Company
from crm.errors import Conflict, Invalid, NotFound
from crm.listing import Page, contains, fetch_page
from crm.parks.models import Factory, FactoryStatus
from crm.parks.schemas import FactoryCreate, FactoryUpdate
from crm.projects.models import Project
from crm.updates import check_version

F = FactoryStatus
# By hand; reserving for a lead (→ reserved) goes through crm.parks.reservations.
MOVES: dict[FactoryStatus, frozenset[FactoryStatus]] = {
    F.vacant: frozenset({F.let, F.sold}),
    F.reserved: frozenset({F.vacant, F.let, F.sold}),
    F.let: frozenset({F.vacant}),
    F.sold: frozenset({F.vacant}),
}
OCCUPIED = frozenset({F.let, F.sold})


def get(session: Session, factory_id: int) -> Factory:
    factory = session.get(
        Factory, factory_id, options=[selectinload(Factory.park), selectinload(Factory.tenant)]
    )
    if factory is None:
        raise NotFound(f"factory {factory_id} not found")
    return factory


def filtered_query(
    *, status: FactoryStatus | None = None, park_id: int | None = None, q: str | None = None
) -> Select:
    query = select(Factory).options(selectinload(Factory.park), selectinload(Factory.tenant))
    if status is not None:
        query = query.where(Factory.status == status)
    if park_id is not None:
        query = query.where(Factory.park_id == park_id)
    if q:
        query = query.where(contains(Factory.building, q))
    return query.order_by(Factory.park_id, Factory.building, Factory.floor)


def list_factories(session: Session, query: Select, page: Page) -> tuple[list[Factory], int]:
    return fetch_page(session, query, page)


def create(session: Session, data: FactoryCreate) -> Factory:
    park = park_service.require(session, data.park)
    _refuse_taken(session, park.id, data.building, data.floor)
    if data.status == F.reserved:
        raise Invalid("status", "a factory is reserved for a lead from the lead's sites")
    fields = data.model_dump(exclude={"park", "tenant_company_id", "project_id"}, exclude_none=True)
    factory = Factory(park=park, **fields)
    _set_tenant(session, factory, data.tenant_company_id, data.project_id)
    _check_occupant(factory)
    session.add(factory)
    session.flush()
    return factory


def update(session: Session, factory: Factory, data: FactoryUpdate) -> Factory:
    check_version(factory, data.version, f"factory {factory.id}")
    changes = data.model_dump(exclude_unset=True, exclude={"version"})
    for required in ("building", "floor", "area_m2", "mode", "status"):
        if required in changes and changes[required] is None:
            raise Invalid(required, f"{required} may not be null")
    for flag in ("dual_power", "pure_water", "clean_room", "hazardous_chemicals"):
        if flag in changes and changes[flag] is None:
            changes.pop(flag)
    building = changes.get("building", factory.building)
    floor = changes.get("floor", factory.floor)
    if (building, floor) != (factory.building, factory.floor):
        _refuse_taken(session, factory.park_id, building, floor)
    status = changes.pop("status", factory.status)
    if status != factory.status:
        if status not in MOVES[factory.status]:
            allowed = ", ".join(sorted(MOVES[factory.status]))
            raise Conflict(f"factory is {factory.status.value}: it may move to {allowed}")
        factory.status = status
        if status == F.vacant:
            factory.tenant_id = factory.project_id = factory.lead_id = None
    if "tenant_company_id" in changes or "project_id" in changes:
        _set_tenant(
            session,
            factory,
            changes.pop("tenant_company_id", factory.tenant_id),
            changes.pop("project_id", factory.project_id),
        )
    for key, value in changes.items():
        setattr(factory, key, value)
    _check_occupant(factory)
    factory.touch()
    session.flush()
    return factory


def _check_occupant(factory: Factory) -> None:
    if factory.status in OCCUPIED and factory.tenant_id is None:
        raise Invalid("tenant_company_id", "a let or sold factory names its tenant (company)")


def _refuse_taken(session: Session, park_id: int, building: str, floor: str) -> None:
    taken = select(Factory.id).where(
        Factory.park_id == park_id, Factory.building == building, Factory.floor == floor
    )
    if session.scalar(taken) is not None:
        raise Conflict(f"factory {building} floor {floor} already exists in this park")


def _set_tenant(
    session: Session, factory: Factory, company_id: int | None, project_id: int | None
) -> None:
    if company_id is not None and session.get(Company, company_id) is None:
        raise Invalid("tenant_company_id", f"unknown company {company_id}")
    project = session.get(Project, project_id) if project_id is not None else None
    if project_id is not None and project is None:
        raise Invalid("project_id", f"unknown project {project_id}")
    factory.tenant_id = company_id
    factory.project_id = project_id
    if project is not None and company_id is None:
        factory.tenant_id = project.lead.company_id
