"""What the project page shows of the milestone plan and the funding schedule."""

from datetime import datetime

from sqlalchemy.orm import Session

from crm.auth import policy
from crm.auth.models import User
from crm.clock import local_date
from crm.config import Settings
from crm.projects import funding_schedule, lights, plan
from crm.projects.models import Project


def plan_context(
    session: Session, user: User, project: Project, *, now: datetime, settings: Settings
) -> dict:
    today = local_date(now)
    limits = lights.cutoffs(today, settings)
    return {
        "plan": plan.milestone_plan(project, today=today, settings=settings),
        "schedule": funding_schedule.schedule(project, today=today, limits=limits),
        "may_verify": policy.may_verify_milestones(session, user, project),
        "evidence_max_mb": settings.evidence_max_bytes // (1024 * 1024),
    }
