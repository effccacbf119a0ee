"""The project's own facts on its page: the overview (park, signed investment, jobs, signing
date, notes), the think-tank assessment (研判报告) and the planning links (规划图 / VR), each
through ``project_service.update`` after the policy's field check, as ``PATCH
/api/projects/{id}`` does."""

from fastapi import APIRouter, Request

from crm.api.deps import DbSession, RequestTime
from crm.errors import NotFound
from crm.pages.deps import PageUser
from crm.pages.forms import form_values
from crm.pages.projects.detail import ProjectId
from crm.pages.projects.edits import back_to, refused, save, writable_project
from crm.projects.schemas import Assessment, PlanningLink

router = APIRouter()

OVERVIEW_FIELDS = (
    "park",
    "signed_investment",
    "jobs_planned",
    "jobs_created",
    "signed_on",
    "notes",
)
# The assessment form's inputs are named apart from the page's other forms (its ``date`` is
# not the funding's ``date``): input name → Assessment field.
ASSESSMENT_INPUTS = {
    "assessment_org": "organisation",
    "assessment_date": "date",
    "assessment_conclusion": "conclusion",
    "assessment_attachment": "attachment",
}


@router.post("/projects/{project_id}/overview")
async def save_overview(
    request: Request, session: DbSession, user: PageUser, now: RequestTime, project_id: ProjectId
):
    project = writable_project(session, user, project_id)
    values = await form_values(request)
    posted = await request.form()
    with refused(request, session, user, project, form="overview", values=values, now=now):
        # The fields the form sent; one emptied clears the value (or is refused if required).
        changes = {key: values.get(key) for key in OVERVIEW_FIELDS if key in posted}
        save(session, user, project, {"version": values.get("version"), **changes}, now=now)
    return back_to(request, project, "overview")


@router.post("/projects/{project_id}/assessment")
async def save_assessment(
    request: Request, session: DbSession, user: PageUser, now: RequestTime, project_id: ProjectId
):
    project = writable_project(session, user, project_id)
    values = await form_values(request)
    with refused(request, session, user, project, form="assessment", values=values, now=now):
        fields = {ASSESSMENT_INPUTS[key]: values[key] for key in ASSESSMENT_INPUTS if key in values}
        # All inputs emptied: the assessment is removed.
        assessment = Assessment.model_validate(fields) if fields else None
        save(
            session,
            user,
            project,
            {"version": values.get("version"), "assessment": assessment},
            now=now,
        )
    return back_to(request, project, "assessment")


@router.post("/projects/{project_id}/planning-links")
async def add_planning_link(
    request: Request, session: DbSession, user: PageUser, now: RequestTime, project_id: ProjectId
):
    project = writable_project(session, user, project_id)
    values = await form_values(request)
    with refused(request, session, user, project, form="planning-link", values=values, now=now):
        link = PlanningLink.model_validate({k: values[k] for k in ("title", "url") if k in values})
        links = [*project.planning_links, link.model_dump()]
        save(
            session,
            user,
            project,
            {"version": values.get("version"), "planning_links": links},
            now=now,
        )
    return back_to(request, project, "assessment")


@router.post("/projects/{project_id}/planning-links/{index}/delete")
async def remove_planning_link(
    request: Request,
    session: DbSession,
    user: PageUser,
    now: RequestTime,
    project_id: ProjectId,
    index: int,
):
    project = writable_project(session, user, project_id)
    values = await form_values(request)
    if not 0 <= index < len(project.planning_links):
        raise NotFound(f"project {project.id} has no planning link {index + 1}")
    with refused(request, session, user, project, form="planning-link", values={}, now=now):
        links = [link for at, link in enumerate(project.planning_links) if at != index]
        save(
            session,
            user,
            project,
            {"version": values.get("version"), "planning_links": links},
            now=now,
        )
    return back_to(request, project, "assessment")
