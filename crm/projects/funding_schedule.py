"""A project's funding schedule (资金到位计划): instalments due by dates, set against the
money actually in place (``FundingEntry``)."""

from datetime import date, datetime

from sqlalchemy.orm import Session

from crm.errors import Invalid, NotFound
from crm.projects import lights
from crm.projects.models import FundingInstalment, Project
from crm.projects.plan_schemas import FundingSchedule, InstalmentCreate, InstalmentPublic


def add_instalment(
    session: Session, project: Project, data: InstalmentCreate, *, by: str | None, now: datetime
) -> FundingInstalment:
    if data.due_on < project.signed_on:
        raise Invalid("due_on", f"an instalment falls due after the signing on {project.signed_on}")
    instalment = FundingInstalment(
        due_on=data.due_on, amount=data.amount, note=data.note, by=by, at=now
    )
    project.funding_schedule.append(instalment)
    project.touch()
    session.flush()
    return instalment


def delete_instalment(session: Session, project: Project, instalment_id: int) -> None:
    instalment = next((i for i in project.funding_schedule if i.id == instalment_id), None)
    if instalment is None:
        raise NotFound(f"instalment {instalment_id} not found in project {project.id}")
    project.funding_schedule.remove(instalment)
    project.touch()
    session.flush()


def schedule(project: Project, *, today: date, limits: lights.Cutoffs) -> FundingSchedule:
    """Each instalment with the schedule's total up to it, whether the money in place by
    ``today`` covers that, how late it is and its light."""
    received = round(sum(e.amount for e in project.funding if e.date <= today), 2)
    due_to_date = 0.0
    rows = []
    for instalment in sorted(project.funding_schedule, key=lambda i: (i.due_on, i.id)):
        due_to_date = round(due_to_date + instalment.amount, 2)
        met = received + lights.CENT >= due_to_date
        late = 0 if met else max(0, (today - instalment.due_on).days)
        rows.append(
            InstalmentPublic(
                id=instalment.id,
                due_on=instalment.due_on,
                amount=instalment.amount,
                due_to_date=due_to_date,
                met=met,
                days_late=late,
                light=lights.instalment_light(instalment.due_on, met, limits),
                note=instalment.note,
                by=instalment.by,
                at=instalment.at,
            )
        )
    return FundingSchedule(
        project_id=project.id,
        scheduled=due_to_date,
        received=received,
        light=lights.worst([row.light for row in rows]),
        instalments=rows,
    )
