"""The forms of a project's page: each runs the service the API runs, after the same policy
check; a refusal shows the page again with the message beside the field (422), the stale-edit
notice (409), or the error page (403 for a user who may not write the project)."""

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any

from fastapi import APIRouter, Request
from sqlalchemy.orm import Session

from crm.api.deps import AppSettings, DbSession, RequestTime
from crm.auth import policy
from crm.auth.models import User
from crm.errors import Invalid
from crm.i18n import translate
from crm.pages.deps import PageUser
from crm.pages.forms import form_values, refused_form, see_other
from crm.pages.projects.detail import TEMPLATE, ProjectId, project_context
from crm.projects import policy as package_service
from crm.projects import service as project_service
from crm.projects.models import Project
from crm.projects.schemas import FundingCreate, IncentiveIn, IncentivePatch, ProjectUpdate
from crm.tickets import service as ticket_service
from crm.tickets.schemas import TicketCreate
from crm.tickets.sla import SlaRules

router = APIRouter()

MILESTONE_FIELDS = ("land_on", "construction_started_on", "production_started_on")
INCENTIVE_FIELDS = ("type", "amount", "conditions", "honoured_at", "honoured_amount")


def writable_project(session: Session, user: User, project_id: int) -> Project:
    """The project, if the policy lets ``user`` write it (else 403, nothing changed)."""
    policy.check(user, "projects", policy.Action.write)
    project = project_service.get(session, project_id)
    policy.require_write_project(session, user, project)
    return project


@contextmanager
def refused(
    request: Request,
    session: Session,
    user: User,
    project: Project,
    *,
    form: str,
    values: dict[str, Any],
    now: datetime,
    stale_record: tuple[str, int] | None = None,
) -> Iterator[None]:
    """Show the project page again when the change is refused, the ``form`` marked.

    A stale edit names who last changed ``stale_record`` (the project unless said otherwise).
    """
    project_id = project.id

    def context() -> dict:
        settings = request.app.state.settings
        context = project_context(session, user, project_id, now=now, settings=settings)
        return {**context, "form": form}

    with refused_form(
        request,
        session,
        TEMPLATE,
        context,
        values=values,
        stale_record=stale_record or ("project", project_id),
    ):
        try:
            yield
        except Invalid as error:
            raise in_words(getattr(request.state, "lang", "zh"), error) from error


def in_words(lang: str, error: Invalid) -> Invalid:
    """A business rule's refusal in the page's language, where the catalogue words it."""
    field = error.field if isinstance(error.field, str) else str(error.field[-1])
    key = f"project.invalid.{field}"
    text = translate(lang, key)
    return error if text == key else Invalid(field, text)


def save(
    session: Session, user: User, project: Project, changes: dict[str, Any], *, now: datetime
) -> None:
    """What ``PATCH /api/projects/{id}`` runs: the policy's field check, then the service."""
    data = ProjectUpdate.model_validate(changes)
    policy.require_project_fields(session, user, project, data.model_dump(exclude_unset=True))
    project_service.update(session, project, data, by=user.username, now=now)


def back_to(request: Request, project: Project, anchor: str):
    return see_other(request, f"/projects/{project.id}#{anchor}")


@router.post("/projects/{project_id}/milestones")
async def save_milestones(
    request: Request, session: DbSession, user: PageUser, now: RequestTime, project_id: ProjectId
):
    project = writable_project(session, user, project_id)
    values = await form_values(request)
    posted = await request.form()
    with refused(request, session, user, project, form="milestones", values=values, now=now):
        changes = {key: values[key] for key in MILESTONE_FIELDS if key in values}
        if "land_on" in posted and "land_on" not in values:
            changes["land_on"] = None  # emptied: the land date is entered by hand, so cleared
        save(session, user, project, {"version": values.get("version"), **changes}, now=now)
    return back_to(request, project, "milestones")


@router.post("/projects/{project_id}/specialist")
async def reassign_specialist(
    request: Request, session: DbSession, user: PageUser, now: RequestTime, project_id: ProjectId
):
    project = writable_project(session, user, project_id)
    values = await form_values(request)
    with refused(request, session, user, project, form="specialist", values=values, now=now):
        fields = ("version", "specialist", "specialist_reason")
        save(session, user, project, {key: values.get(key) for key in fields}, now=now)
    return back_to(request, project, "specialist")


@router.post("/projects/{project_id}/incentives")
async def add_incentive(
    request: Request, session: DbSession, user: PageUser, now: RequestTime, project_id: ProjectId
):
    project = writable_project(session, user, project_id)
    values = await form_values(request)
    with refused(request, session, user, project, form="incentive-new", values=values, now=now):
        item = IncentiveIn.model_validate({k: values[k] for k in INCENTIVE_FIELDS if k in values})
        package_service.add_incentive(session, project, item, version=_version(values))
    return back_to(request, project, "policy")


@router.post("/projects/{project_id}/incentives/{incentive_id}")
async def edit_incentive(
    request: Request,
    session: DbSession,
    user: PageUser,
    now: RequestTime,
    project_id: ProjectId,
    incentive_id: ProjectId,
):
    project = writable_project(session, user, project_id)
    values = await form_values(request)
    form = f"incentive-{incentive_id}"
    with refused(request, session, user, project, form=form, values=values, now=now):
        # Every field of the row is sent: an emptied cell clears the value.
        row = {key: values.get(key) for key in INCENTIVE_FIELDS}
        data = IncentivePatch.model_validate({"version": values.get("version"), **row})
        package_service.update_incentive(session, project, incentive_id, data)
    return back_to(request, project, "policy")


@router.post("/projects/{project_id}/incentives/{incentive_id}/delete")
async def remove_incentive(
    request: Request,
    session: DbSession,
    user: PageUser,
    now: RequestTime,
    project_id: ProjectId,
    incentive_id: ProjectId,
):
    project = writable_project(session, user, project_id)
    values = await form_values(request)
    form = f"incentive-{incentive_id}"
    with refused(request, session, user, project, form=form, values={}, now=now):
        package_service.remove_incentive(session, project, incentive_id, version=_version(values))
    return back_to(request, project, "policy")


@router.post("/projects/{project_id}/funding")
async def add_funding(
    request: Request, session: DbSession, user: PageUser, now: RequestTime, project_id: ProjectId
):
    project = writable_project(session, user, project_id)
    values = await form_values(request)
    with refused(request, session, user, project, form="funding", values=values, now=now):
        data = FundingCreate.model_validate(values)
        project_service.add_funding(session, project, data, by=user.username, now=now)
    return back_to(request, project, "funding")


@router.post("/projects/{project_id}/funding/{entry_id}/delete")
async def remove_funding(
    request: Request,
    session: DbSession,
    user: PageUser,
    project_id: ProjectId,
    entry_id: ProjectId,
):
    project = writable_project(session, user, project_id)
    project_service.delete_funding(session, project, entry_id)
    return back_to(request, project, "funding")


@router.post("/projects/{project_id}/tickets")
async def raise_ticket(
    request: Request,
    session: DbSession,
    user: PageUser,
    now: RequestTime,
    settings: AppSettings,
    project_id: ProjectId,
):
    policy.check(user, "tickets", policy.Action.write)
    project = writable_project(session, user, project_id)
    values = await form_values(request)
    with refused(request, session, user, project, form="ticket", values=values, now=now):
        data = TicketCreate.model_validate(values)
        ticket_service.create(
            session, project, data, by=user.username, now=now, sla=SlaRules.from_settings(settings)
        )
    return back_to(request, project, "tickets")


def _version(values: dict[str, Any]) -> Any:
    """The project's version as posted; pydantic validates it with the rest."""
    return IncentivePatch.model_validate({"version": values.get("version")}).version
