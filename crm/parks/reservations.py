"""Reserving a site for a lead, releasing it, and assigning it when the lead signs.

Two offices may reserve the same site at once: the site's row is locked (PostgreSQL ``FOR
UPDATE``; SQLite's single writer lock) and its status read again before it changes, so one
wins and the other is refused with 409. Assignment at signing runs inside the stage move's
transaction (``follow_stage_move``, called by the pipeline), so the lead is never signed with
its site still only reserved, nor the other way round.
"""

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from crm.db import take_write_lock
from crm.errors import Conflict, Invalid, NotFound
from crm.leads.models import Lead, Stage
from crm.parks import needs as need_service
from crm.parks.models import (
    Factory,
    FactoryMode,
    FactoryStatus,
    LandPlot,
    PlotStatus,
)
from crm.parks.plots import record_status
from crm.projects.models import Project

SIGNED = (Stage.signed, Stage.started, Stage.producing)


def reserve(
    session: Session,
    lead: Lead,
    kind: str,
    site_id: int,
    *,
    project: Project | None,
    today: date,
    by: str | None,
) -> LandPlot | Factory:
    """Reserve an available plot or vacant factory for the lead; a signed lead (one with a
    project) gets it assigned at once."""
    if lead.stage == Stage.lost:
        raise Invalid("lead", f"lead {lead.id} is lost: nothing is reserved for it")
    site = _locked(session, kind, site_id)
    if kind == "plot":
        if site.status != PlotStatus.available:
            raise Conflict(_taken(site, f"plot {site.plot_no}"))
        site.lead_id = lead.id
        record_status(session, site, PlotStatus.reserved, on=today, by=by, note=f"lead {lead.id}")
    else:
        if site.status != FactoryStatus.vacant:
            raise Conflict(_taken(site, f"factory {site.building} {site.floor}"))
        site.lead_id = lead.id
        site.status = FactoryStatus.reserved
    if project is not None:
        _assign(session, site, lead, project, today, by)
    session.flush()
    return site


def release(
    session: Session, lead: Lead, kind: str, site_id: int, *, today: date, by: str | None
) -> LandPlot | Factory:
    """Give a site reserved for the lead back to the park's offer."""
    site = _locked(session, kind, site_id)
    reserved = PlotStatus.reserved if kind == "plot" else FactoryStatus.reserved
    if site.lead_id != lead.id or site.status != reserved:
        raise Conflict(f"{kind} {site_id} is not reserved for lead {lead.id}")
    _release(session, site, today, by)
    session.flush()
    return site


def follow_stage_move(
    session: Session, lead: Lead, target: Stage, project: Project | None, *, today: date, by: str
) -> None:
    """What a stage move does to the lead's sites: signing assigns the reserved ones to the
    new project; losing the lead gives them back."""
    if target not in (*SIGNED, Stage.lost):
        return
    take_write_lock(session, "land_plot")
    plots = session.scalars(
        select(LandPlot)
        .where(LandPlot.lead_id == lead.id, LandPlot.status == PlotStatus.reserved)
        .with_for_update()
    )
    factories = session.scalars(
        select(Factory)
        .where(Factory.lead_id == lead.id, Factory.status == FactoryStatus.reserved)
        .with_for_update()
    )
    for site in [*plots, *factories]:
        if target == Stage.lost:
            _release(session, site, today, by)
        elif project is not None:
            _assign(session, site, lead, project, today, by)
    if target in SIGNED and project is not None:
        need_service.copy_to_project(session, lead, project)
    session.flush()


def _assign(session: Session, site, lead: Lead, project: Project, today: date, by) -> None:
    if isinstance(site, LandPlot):
        site.holder_id = lead.company_id
        site.project_id = project.id
        record_status(
            session, site, PlotStatus.supplied, on=today, by=by, note=f"project {project.id}"
        )
    else:
        site.tenant_id = lead.company_id
        site.project_id = project.id
        sold = site.mode == FactoryMode.sale
        site.status = FactoryStatus.sold if sold else FactoryStatus.let


def _release(session: Session, site, today: date, by) -> None:
    site.lead_id = None
    if isinstance(site, LandPlot):
        record_status(session, site, PlotStatus.available, on=today, by=by, note="released")
    else:
        site.status = FactoryStatus.vacant


def _locked(session: Session, kind: str, site_id: int) -> LandPlot | Factory:
    model = LandPlot if kind == "plot" else Factory
    take_write_lock(session, model.__tablename__)
    site = session.scalar(
        select(model)
        .where(model.id == site_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if site is None:
        raise NotFound(f"{kind} {site_id} not found")
    return site


def _taken(site, label: str) -> str:
    if site.lead_id is not None:
        return f"{label} is already reserved for lead {site.lead_id}"
    return f"{label} is {site.status.value}, not on offer"
