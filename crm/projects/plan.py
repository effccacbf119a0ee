"""What a project's milestone plan and funding schedule look like to a reader: each
milestone with its light, the project's light from both."""

from datetime import date

from crm.config import Settings
from crm.projects import funding_schedule, lights, milestones
from crm.projects.models import EvidenceFile, Milestone, Project
from crm.projects.plan_schemas import EvidenceFilePublic, MilestonePlan, MilestonePublic


def milestone_plan(project: Project, *, today: date, settings: Settings) -> MilestonePlan:
    limits = lights.cutoffs(today, settings)
    rows = [milestone_public(m, limits, settings) for m in project.milestones]
    money = funding_schedule.schedule(project, today=today, limits=limits)
    return MilestonePlan(
        project_id=project.id,
        signed_on=project.signed_on,
        light=lights.worst([row.light for row in rows] + [money.light]),
        milestones=rows,
    )


def milestone_public(
    milestone: Milestone, limits: lights.Cutoffs, settings: Settings
) -> MilestonePublic:
    return MilestonePublic(
        kind=milestone.kind,
        version=milestone.version,
        planned_on=milestone.planned_on,
        actual_on=milestone.actual_on,
        light=lights.milestone_light(milestone, limits),
        days_late=lights.days_late(milestone, limits.today),
        evidence_url=milestone.evidence_url,
        evidence_file=evidence_public(milestone.project_id, milestone, milestone.evidence_file),
        note=milestone.note,
        recorded_by=milestone.recorded_by,
        recorded_at=milestone.recorded_at,
        verification=milestone.verification,
        opinion=milestone.opinion,
        verified_by=milestone.verified_by,
        verified_at=milestone.verified_at,
        counts_in_reports=milestones.counts_in_reports(milestone, settings),
    )


def evidence_public(
    project_id: int, milestone: Milestone, kept: EvidenceFile | None
) -> EvidenceFilePublic | None:
    if kept is None:
        return None
    return EvidenceFilePublic(
        id=kept.id,
        filename=kept.filename,
        content_type=kept.content_type,
        size=kept.size,
        url=evidence_url(project_id, milestone),
        at=kept.at,
        by=kept.by,
    )


def evidence_url(project_id: int, milestone: Milestone) -> str:
    return f"/api/projects/{project_id}/milestones/{milestone.kind.value}/evidence"
