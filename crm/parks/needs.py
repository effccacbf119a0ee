"""What a lead or a project needs of a site: land (mu), factory floor space (m²) and
special conditions. One row each at most; none stated reads as no need."""

from sqlalchemy import select
from sqlalchemy.orm import Session

from crm.leads.models import Lead
from crm.parks.models import SiteNeed
from crm.parks.schemas import NeedsPublic, NeedsPut
from crm.projects.models import Project

NEED_FIELDS = tuple(NeedsPut.model_fields)


def of_lead(session: Session, lead_id: int) -> SiteNeed | None:
    return session.scalar(select(SiteNeed).where(SiteNeed.lead_id == lead_id))


def of_project(session: Session, project_id: int) -> SiteNeed | None:
    return session.scalar(select(SiteNeed).where(SiteNeed.project_id == project_id))


def public(need: SiteNeed | None) -> NeedsPublic:
    if need is None:
        return NeedsPublic()
    return NeedsPublic(**{name: getattr(need, name) for name in NEED_FIELDS})


def put_for_lead(session: Session, lead: Lead, data: NeedsPut) -> SiteNeed:
    need = of_lead(session, lead.id) or SiteNeed(lead_id=lead.id)
    return _put(session, need, data)


def put_for_project(session: Session, project: Project, data: NeedsPut) -> SiteNeed:
    need = of_project(session, project.id) or SiteNeed(project_id=project.id)
    return _put(session, need, data)


def copy_to_project(session: Session, lead: Lead, project: Project) -> None:
    """At signing, the project starts from what its lead stated (unless it states its own)."""
    lead_need = of_lead(session, lead.id)
    if lead_need is None or of_project(session, project.id) is not None:
        return
    _put(session, SiteNeed(project_id=project.id), public(lead_need))


def _put(session: Session, need: SiteNeed, data: NeedsPut) -> SiteNeed:
    for name in NEED_FIELDS:
        setattr(need, name, getattr(data, name))
    session.add(need)
    session.flush()
    return need
