"""Visits (拜访 / 走访): planned and done meetings with a lead's company."""

from datetime import date

from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import Session, selectinload

from crm import places
from crm.errors import Invalid, NotFound
from crm.leads import contact
from crm.leads import service as lead_service
from crm.leads.models import RANK, Lead, Stage, Visit, VisitKind, VisitStatus
from crm.leads.schemas import CompanyRef, TaskForceRef, VisitCreate, VisitPublic, VisitUpdate
from crm.listing import Page, fetch_page
from crm.taskforces import service as task_force_service
from crm.updates import check_version, refuse_nulls

_LOAD = (
    selectinload(Visit.lead).selectinload(Lead.company),
    selectinload(Visit.task_force),
)


# Kinds where our people travel to the company (its city is the default place).
AWAY = frozenset({VisitKind.outbound})


def _check_receiver(kind: VisitKind, received_by: str | None) -> None:
    if received_by and kind != VisitKind.inbound:
        raise Invalid(
            "received_by", "only an inbound inspection (来访考察) has a receiving city leader"
        )


def get(session: Session, visit_id: int) -> Visit:
    visit = session.get(Visit, visit_id, options=list(_LOAD))
    if visit is None:
        raise NotFound(f"visit {visit_id} not found")
    return visit


def public(visit: Visit) -> VisitPublic:
    lead = visit.lead
    company = lead.company
    suggest = (
        visit.status == VisitStatus.done
        and lead.stage in RANK
        and RANK[lead.stage] < RANK[Stage.visited]
    )
    return VisitPublic(
        id=visit.id,
        lead_id=lead.id,
        company=CompanyRef(
            id=company.id, name=company.name, city=company.city, province=company.province
        ),
        task_force=TaskForceRef(id=visit.task_force.id, name=visit.task_force.name)
        if visit.task_force
        else None,
        date=visit.date,
        city=visit.city,
        participants=list(visit.participants or []),
        purpose=visit.purpose,
        outcome=visit.outcome,
        next_step=visit.next_step,
        status=visit.status,
        kind=visit.kind,
        received_by=visit.received_by,
        lead_stage=lead.stage,
        suggested_stage=Stage.visited if suggest else None,
        version=visit.version,
    )


def list_visits(
    session: Session,
    *,
    page: Page,
    lead_id: int | None = None,
    task_force_id: int | None = None,
    status: VisitStatus | None = None,
    kind: VisitKind | None = None,
    city: str | None = None,
    date_from: date | None = None,
    date_to: date | None = None,
    only: ColumnElement[bool] | None = None,
) -> tuple[list[Visit], int]:
    """``only``: a further condition, such as the policy's visits a user may write."""
    query = select(Visit).options(*_LOAD).order_by(Visit.date, Visit.id)
    if only is not None:
        query = query.where(only)
    if lead_id is not None:
        query = query.where(Visit.lead_id == lead_id)
    if task_force_id is not None:
        query = query.where(Visit.task_force_id == task_force_id)
    if status:
        query = query.where(Visit.status == status)
    if kind:
        query = query.where(Visit.kind == kind)
    if city:
        query = query.where(Visit.city.in_(places.city_spellings(city)))
    if date_from:
        query = query.where(Visit.date >= date_from)
    if date_to:
        query = query.where(Visit.date <= date_to)
    return fetch_page(session, query, page)


def create(session: Session, data: VisitCreate) -> Visit:
    lead = lead_service.require(session, data.lead_id)
    task_force = (
        task_force_service.require(session, data.task_force_id)
        if data.task_force_id is not None
        else lead.task_force
    )
    _check_receiver(data.kind, data.received_by)
    visit = Visit(
        lead=lead,
        task_force=task_force,
        date=data.date,
        kind=data.kind,
        received_by=data.received_by,
        city=data.city or (lead.company.city if data.kind in AWAY else None),
        participants=list(dict.fromkeys(data.participants)),
        purpose=data.purpose,
        outcome=data.outcome,
        next_step=data.next_step,
        status=data.status,
    )
    session.add(visit)
    session.flush()
    contact.after_visit_change(session, lead.id)
    return visit


def update(session: Session, visit: Visit, data: VisitUpdate) -> Visit:
    check_version(visit, data.version, f"visit {visit.id}")
    changes = data.model_dump(exclude_unset=True, exclude={"version"})
    refuse_nulls(changes, "date", "status", "participants", "kind")
    with session.no_autoflush:
        if "task_force_id" in changes:
            tf_id = changes.pop("task_force_id")
            visit.task_force = (
                task_force_service.require(session, tf_id) if tf_id is not None else None
            )
        for key, value in changes.items():
            setattr(visit, key, value)
        visit.touch()
    _check_receiver(visit.kind, visit.received_by)
    session.flush()
    contact.after_visit_change(session, visit.lead_id)
    return visit
