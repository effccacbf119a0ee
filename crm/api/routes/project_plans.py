"""A project's milestone plan (with evidence and verification) and funding schedule."""

from urllib.parse import quote

from fastapi import APIRouter, Response, UploadFile

from crm.api.deps import AppSettings, CurrentUser, DbSession, RequestTime
from crm.api.records import WritableProject
from crm.auth import policy
from crm.clock import local_date
from crm.projects import evidence, funding_schedule, lights, milestones, plan
from crm.projects import service as project_service
from crm.projects.models import EvidenceFile, MilestoneKind
from crm.projects.plan_schemas import (
    EvidenceFilePublic,
    FundingSchedule,
    InstalmentCreate,
    MilestonePlan,
    MilestonePublic,
    MilestoneUpdate,
    VerificationDecision,
)

router = APIRouter(prefix="/projects", tags=["projects"])


@router.get("/{project_id}/milestones", response_model=MilestonePlan)
def get_plan(project_id: int, session: DbSession, now: RequestTime, settings: AppSettings):
    """The milestones, planned and actual, each with its light; the project's light."""
    project = project_service.get(session, project_id)
    return plan.milestone_plan(project, today=local_date(now), settings=settings)


@router.patch("/{project_id}/milestones/{kind}", response_model=MilestonePublic)
def update_milestone(
    project: WritableProject,
    kind: MilestoneKind,
    data: MilestoneUpdate,
    session: DbSession,
    user: CurrentUser,
    now: RequestTime,
    settings: AppSettings,
):
    """Move the planned date, record the actual date (it then waits for verification) or
    the evidence link."""
    milestone = milestones.update(
        session, project, kind, data, by=user.username, now=now, settings=settings
    )
    return _public(milestone, now, settings)


@router.post("/{project_id}/milestones/{kind}/verification", response_model=MilestonePublic)
def verify_milestone(
    project: WritableProject,
    kind: MilestoneKind,
    data: VerificationDecision,
    session: DbSession,
    user: CurrentUser,
    now: RequestTime,
    settings: AppSettings,
):
    """Accept (it counts in the reports) or reject with an opinion a recorded milestone."""
    policy.require_verify_milestones(session, user, project)
    milestone = milestones.verify(
        session, project, kind, data, by=user.username, now=now, settings=settings
    )
    return _public(milestone, now, settings)


@router.post(
    "/{project_id}/milestones/{kind}/evidence",
    response_model=EvidenceFilePublic,
    status_code=201,
)
def upload_evidence(
    project: WritableProject,
    kind: MilestoneKind,
    file: UploadFile,
    session: DbSession,
    user: CurrentUser,
    now: RequestTime,
    settings: AppSettings,
):
    """Keep a file (PDF, image, office document) as the milestone's evidence."""
    content = file.file.read(settings.evidence_max_bytes + 1)
    kept = evidence.attach(
        session,
        project,
        kind,
        filename=file.filename or "",
        content=content,
        by=user.username,
        now=now,
        settings=settings,
    )
    return plan.evidence_public(project.id, milestones.get(project, kind), kept)


@router.get("/{project_id}/milestones/{kind}/evidence")
def download_evidence(project_id: int, kind: MilestoneKind, session: DbSession) -> Response:
    kept = evidence.file_of(project_service.get(session, project_id), kind)
    return evidence_response(kept)


def evidence_response(kept: EvidenceFile) -> Response:
    disposition = f"attachment; filename*=UTF-8''{quote(kept.filename)}"
    return Response(
        content=kept.content,
        media_type=kept.content_type,
        headers={"Content-Disposition": disposition, "X-Content-Type-Options": "nosniff"},
    )


@router.get("/{project_id}/funding-schedule", response_model=FundingSchedule)
def get_funding_schedule(
    project_id: int, session: DbSession, now: RequestTime, settings: AppSettings
):
    """The instalments due, set against the money in place to date."""
    project = project_service.get(session, project_id)
    return _schedule(project, now, settings)


@router.post("/{project_id}/funding-schedule", response_model=FundingSchedule, status_code=201)
def add_instalment(
    project: WritableProject,
    data: InstalmentCreate,
    session: DbSession,
    user: CurrentUser,
    now: RequestTime,
    settings: AppSettings,
):
    funding_schedule.add_instalment(session, project, data, by=user.username, now=now)
    return _schedule(project, now, settings)


@router.delete("/{project_id}/funding-schedule/{instalment_id}", status_code=204)
def delete_instalment(project: WritableProject, instalment_id: int, session: DbSession) -> Response:
    funding_schedule.delete_instalment(session, project, instalment_id)
    return Response(status_code=204)


def _schedule(project, now, settings) -> FundingSchedule:
    today = local_date(now)
    return funding_schedule.schedule(project, today=today, limits=lights.cutoffs(today, settings))


def _public(milestone, now, settings) -> MilestonePublic:
    return plan.milestone_public(milestone, lights.cutoffs(local_date(now), settings), settings)
