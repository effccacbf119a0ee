"""The parks domain as the API, pages and CLI use it: the idle clock swept before land is read,
plots and factories as shown, and a lead's sites."""

from datetime import date

from sqlalchemy.orm import Session

from crm.config import Settings
from crm.leads.models import Lead
from crm.listing import Page
from crm.parks import clock, factories, matching, plots, reservations
from crm.parks.clock import IdleRules
from crm.parks.models import FactoryStatus, PlotStatus
from crm.parks.publics import factory_public, plot_public
from crm.parks.schemas import FactoryPublic, PlotPublic, SiteRef, SitesPublic
from crm.projects import service as project_service


def rules(settings: Settings) -> IdleRules:
    return IdleRules.from_settings(settings)


def swept(session: Session, idle_rules: IdleRules, today: date) -> None:
    """Bring the idle clock up to ``today`` before land is read (idempotent)."""
    clock.sweep(session, idle_rules, today)


def land_page(
    session: Session,
    idle_rules: IdleRules,
    today: date,
    *,
    status: PlotStatus | None,
    park_id: int | None,
    q: str | None,
    page: Page,
) -> tuple[list[PlotPublic], int]:
    swept(session, idle_rules, today)
    query = plots.filtered_query(status=status, park_id=park_id, q=q)
    items, total = plots.list_plots(session, query, page)
    return [plot_public(p, idle_rules, today) for p in items], total


def plot_detail(session: Session, idle_rules: IdleRules, today: date, plot_id: int) -> PlotPublic:
    swept(session, idle_rules, today)
    plot = plots.get(session, plot_id)
    return plot_public(plot, idle_rules, today, plots.history(session, plot.id))


def factory_page(
    session: Session,
    *,
    status: FactoryStatus | None,
    park_id: int | None,
    q: str | None,
    page: Page,
) -> tuple[list[FactoryPublic], int]:
    query = factories.filtered_query(status=status, park_id=park_id, q=q)
    items, total = factories.list_factories(session, query, page)
    return [factory_public(f) for f in items], total


def lead_sites(session: Session, lead: Lead) -> SitesPublic:
    return matching.sites_for_lead(session, lead)


def reserve_site(
    session: Session, lead: Lead, site: SiteRef, *, today: date, by: str | None
) -> SitesPublic:
    project = project_service.find_by_lead(session, lead.id)
    reservations.reserve(session, lead, site.kind, site.id, project=project, today=today, by=by)
    return matching.sites_for_lead(session, lead)


def release_site(
    session: Session, lead: Lead, kind: str, site_id: int, *, today: date, by: str | None
) -> SitesPublic:
    reservations.release(session, lead, kind, site_id, today=today, by=by)
    return matching.sites_for_lead(session, lead)
