"""The green card (服务绿卡) on the project page: its service team (task force and members),
closing it with a reason and reopening it, through ``greencards.update`` after the policy's
field check, as ``PATCH /api/projects/{id}/green-card`` does."""

from typing import Any

from fastapi import APIRouter, Request

from crm.api.deps import DbSession, RequestTime
from crm.auth import policy
from crm.pages.deps import PageUser
from crm.pages.forms import form_values
from crm.pages.projects.detail import ProjectId
from crm.pages.projects.edits import back_to, refused, writable_project
from crm.projects import greencards
from crm.projects.schemas import GreenCardUpdate

router = APIRouter()


@router.post("/projects/{project_id}/green-card/team")
async def save_team(
    request: Request, session: DbSession, user: PageUser, now: RequestTime, project_id: ProjectId
):
    project = writable_project(session, user, project_id)
    card = greencards.card_of(project)
    values = await form_values(request)
    posted = await request.form()
    changes: dict[str, Any] = {"version": values.get("version"), "members": _listed(values)}
    if "task_force_id" in posted:  # offered only to whom the policy lets choose it
        changes["task_force_id"] = values.get("task_force_id")
    stale = ("green_card", card.id)
    with refused(
        request,
        session,
        user,
        project,
        form="card-team",
        values=values,
        now=now,
        stale_record=stale,
    ):
        data = GreenCardUpdate.model_validate(changes)
        policy.require_green_card_fields(session, user, card, data.model_dump(exclude_unset=True))
        greencards.update(session, card, data, now=now)
    return back_to(request, project, "green-card")


@router.post("/projects/{project_id}/green-card/status")
async def close_or_reopen(
    request: Request, session: DbSession, user: PageUser, now: RequestTime, project_id: ProjectId
):
    project = writable_project(session, user, project_id)
    card = greencards.card_of(project)
    values = await form_values(request)
    stale = ("green_card", card.id)
    with refused(
        request,
        session,
        user,
        project,
        form="card-status",
        values=values,
        now=now,
        stale_record=stale,
    ):
        fields = {k: values[k] for k in ("version", "status", "closed_reason") if k in values}
        data = GreenCardUpdate.model_validate(fields)
        policy.require_green_card_fields(session, user, card, data.model_dump(exclude_unset=True))
        greencards.update(session, card, data, now=now)
    return back_to(request, project, "green-card")


def _listed(values: dict[str, Any]) -> list[Any]:
    """The members chosen: none chosen posts nothing, which empties the team."""
    members = values.get("members", [])
    return members if isinstance(members, list) else [members]
