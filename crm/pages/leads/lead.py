"""``/leads/{id}``: the lead, its stage history and visits, and the forms the policy lets
the signed-in user use (edit, stage move, plan or record a visit)."""

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Path, Request
from sqlalchemy import select
from sqlalchemy.orm import Session

from crm.api.deps import DbSession, RequestTime
from crm.auth import policy
from crm.auth import service as auth_service
from crm.auth.models import Role, User
from crm.clock import local_date
from crm.companies.models import Park
from crm.leads import lights, presigning
from crm.leads import moves as lead_moves
from crm.leads import service as lead_service
from crm.leads import visits as visit_service
from crm.leads.models import Lead, Priority, Source, VisitKind
from crm.listing import Page
from crm.pages.chains import lead_task_forces
from crm.pages.deps import PageUser
from crm.pages.leads.table import segments_by_chain
from crm.pages.parks import sites_panel
from crm.pages.templating import render
from crm.projects import service as project_service
from crm.projects.models import IncentiveType
from crm.taskforces import service as task_force_service

router = APIRouter()

TEMPLATE = "leads/lead.html"
LeadId = Annotated[int, Path(ge=1, le=2**31 - 1)]


@router.get("/leads/{lead_id:int}")
def lead_page(
    request: Request, session: DbSession, user: PageUser, now: RequestTime, lead_id: LeadId
):
    return render(request, TEMPLATE, lead_context(session, user, lead_id, now=now))


def lead_context(
    session: Session, user: User, lead_id: int, *, now: datetime, form: str | None = None
) -> dict:
    """Everything the lead page shows, in a fixed number of queries; ``form`` names the
    form a refusal is about, so its messages show beside that form only."""
    lead = lead_service.get(session, lead_id, with_history=True)
    today = local_date(now)
    visits, _ = visit_service.list_visits(session, page=Page(limit=500), lead_id=lead.id)
    project = project_service.find_by_lead(session, lead.id)
    may_write = policy.may_write_lead(session, user, lead)
    context = {
        "lead": lead,
        "summary": lead_service.public(lead, today=today),
        "visits": [(visit, visit_service.public(visit)) for visit in visits],
        "project_id": project.id if project is not None else None,
        "names": dict(session.execute(select(User.username, User.full_name)).all()),
        "may_write": may_write,
        "form": form,
        "today": today,
        "investment_value": plain_number(lead.expected_investment),
        **sites_panel(session, user, lead),
        "presign": presigning.public(lead),
        "links_text": "\n".join(f"{link.title} | {link.url}" for link in presigning.links_of(lead)),
        "clock": lead_clock(lead, today),
        "may_decide": policy.may_decide_for_lead(session, user, lead),
        "visit_kinds": list(VisitKind),
    }
    if may_write:
        context.update(_form_choices(session, user, lead))
    return context


def _form_choices(session: Session, user: User, lead: Lead) -> dict:
    moves = lead_moves.move_options(lead)
    specialists, _ = auth_service.list_users(session, page=Page(limit=1000), role=Role.specialist)
    parks = list(session.scalars(select(Park.name).order_by(Park.name)))
    return {
        "moves": moves,
        "signing_possible": any(lead_moves.signs_when_moved_to(lead, s) for s, _ in moves),
        "owner_choices": _owner_choices(session, user, lead),
        "task_force_choices": _task_force_choices(session, user, lead),
        "specialists": [
            (u.username, u.full_name or u.username) for u in specialists if u.is_active
        ],
        "parks": parks,
        "park_options": [(name, name) for name in parks],
        "segments_by_chain": segments_by_chain(session),
        "office": policy.is_office(user),
        "priorities": list(Priority),
        "sources": list(Source),
        "incentive_types": list(IncentiveType),
    }


def lead_clock(lead: Lead, today) -> dict:
    """The lead's light, its last progress and visit, and whether a pause is proposed."""
    rules = lights.LightRules.from_settings()
    return {
        "light": lights.light_of(lead.stage, lead.priority, lead.last_contact_on, today, rules),
        "thresholds": rules.thresholds(lead.priority),
        "days_quiet": lights.days_quiet(lead.last_contact_on, today),
        "proposed": lights.is_proposed(lead, today, rules),
    }


def _owner_choices(session: Session, user: User, lead: Lead) -> list[tuple[str, str]]:
    """Whom the user may make the owner: the office anyone who pursues leads, a leader the
    people of the lead's task force (the policy's rule)."""
    if policy.is_office(user):
        people, _ = auth_service.list_users(session, page=Page(limit=1000))
        people = [p for p in people if p.role in policy.PURSUERS and p.is_active]
    elif lead.task_force_id is not None:
        people = task_force_service.people_of(session, lead.task_force_id)
    else:
        people = []
    if lead.owner is not None and lead.owner not in people:
        people.append(lead.owner)
    return [(p.username, p.full_name or p.username) for p in people]


def _task_force_choices(session: Session, user: User, lead: Lead) -> list[tuple[int, str]]:
    choices = lead_task_forces(session, user) or []
    if policy.is_office(user):
        choices = task_force_service.all_names(session)
    if lead.task_force is not None and lead.task_force_id not in {i for i, _ in choices}:
        choices.append((lead.task_force.id, lead.task_force.name))
    return choices


def plain_number(value: float | None) -> str | None:
    """A number as an input shows it: 120000, not 120000.0."""
    if value is None:
        return None
    return str(int(value)) if float(value).is_integer() else str(value)
