"""The project page's milestone plan and funding schedule forms, over the services the API
runs (``/api/projects/{id}/milestones``, ``/funding-schedule``), after the same policy."""

from fastapi import APIRouter, Request

from crm.api.deps import AppSettings, DbSession, RequestTime
from crm.api.routes.project_plans import evidence_response
from crm.auth import policy
from crm.errors import Invalid
from crm.pages.deps import PageUser
from crm.pages.forms import form_values
from crm.pages.projects.detail import ProjectId
from crm.pages.projects.edits import back_to, refused, writable_project
from crm.projects import evidence, funding_schedule, milestones
from crm.projects import service as project_service
from crm.projects.models import MilestoneKind
from crm.projects.plan_schemas import InstalmentCreate, MilestoneUpdate, VerificationDecision

router = APIRouter()

MILESTONE_INPUTS = ("version", "planned_on", "actual_on", "evidence_url", "note")


@router.post("/projects/{project_id}/plan/{kind}")
async def save_milestone(
    request: Request,
    session: DbSession,
    user: PageUser,
    now: RequestTime,
    settings: AppSettings,
    project_id: ProjectId,
    kind: MilestoneKind,
):
    project = writable_project(session, user, project_id)
    values = await form_values(request)
    with refused(request, session, user, project, form=f"plan-{kind}", values=values, now=now):
        data = MilestoneUpdate.model_validate(
            {k: values[k] for k in MILESTONE_INPUTS if k in values}
        )
        milestones.update(
            session, project, kind, data, by=user.username, now=now, settings=settings
        )
    return back_to(request, project, "plan")


@router.post("/projects/{project_id}/plan/{kind}/verification")
async def verify_milestone(
    request: Request,
    session: DbSession,
    user: PageUser,
    now: RequestTime,
    settings: AppSettings,
    project_id: ProjectId,
    kind: MilestoneKind,
):
    project = writable_project(session, user, project_id)
    policy.require_verify_milestones(session, user, project)
    values = await form_values(request)
    with refused(request, session, user, project, form=f"plan-{kind}", values=values, now=now):
        data = VerificationDecision.model_validate(
            {"decision": values.get("decision"), "opinion": values.get("opinion")}
        )
        milestones.verify(
            session, project, kind, data, by=user.username, now=now, settings=settings
        )
    return back_to(request, project, "plan")


@router.post("/projects/{project_id}/plan/{kind}/evidence")
async def upload_evidence(
    request: Request,
    session: DbSession,
    user: PageUser,
    now: RequestTime,
    settings: AppSettings,
    project_id: ProjectId,
    kind: MilestoneKind,
):
    project = writable_project(session, user, project_id)
    form = await request.form()
    upload = form.get("file")
    with refused(request, session, user, project, form=f"plan-{kind}", values={}, now=now):
        if upload is None or isinstance(upload, str) or not upload.filename:
            raise Invalid("file", "choose a file to upload")
        content = await upload.read(settings.evidence_max_bytes + 1)
        evidence.attach(
            session,
            project,
            kind,
            filename=upload.filename,
            content=content,
            by=user.username,
            now=now,
            settings=settings,
        )
    return back_to(request, project, "plan")


@router.get("/projects/{project_id}/plan/{kind}/evidence")
def download_evidence(
    session: DbSession, user: PageUser, project_id: ProjectId, kind: MilestoneKind
):
    return evidence_response(evidence.file_of(project_service.get(session, project_id), kind))


@router.post("/projects/{project_id}/funding-schedule")
async def add_instalment(
    request: Request, session: DbSession, user: PageUser, now: RequestTime, project_id: ProjectId
):
    project = writable_project(session, user, project_id)
    values = await form_values(request)
    with refused(request, session, user, project, form="schedule", values=values, now=now):
        fields = ("due_on", "amount", "note")
        data = InstalmentCreate.model_validate({k: values[k] for k in fields if k in values})
        funding_schedule.add_instalment(session, project, data, by=user.username, now=now)
    return back_to(request, project, "schedule")


@router.post("/projects/{project_id}/funding-schedule/{instalment_id}/delete")
async def delete_instalment(
    request: Request,
    session: DbSession,
    user: PageUser,
    project_id: ProjectId,
    instalment_id: ProjectId,
):
    project = writable_project(session, user, project_id)
    funding_schedule.delete_instalment(session, project, instalment_id)
    return back_to(request, project, "schedule")
