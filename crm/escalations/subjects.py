"""What a 督办 is about, described for lists: a fixed number of queries for any number of
subjects (one per subject type)."""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from crm.companies.models import Company
from crm.errors import NotFound
from crm.escalations.models import SubjectType
from crm.leads.models import Lead
from crm.projects.models import Project
from crm.tickets.models import OPEN_STATUSES, Ticket


@dataclass(frozen=True)
class Subject:
    subject_type: SubjectType
    subject_id: int
    label: str  # the ticket's title, the project's company
    project_id: int | None  # None: a local company's ticket
    company: str
    still_late: bool
    respondent_id: int | None  # who answers a 督办 note: the assignee, the specialist
    is_open: bool = True  # a resolved or closed ticket takes no more 督办 notes


def describe(
    session: Session, keys: Iterable[tuple[SubjectType, int]], *, now: datetime
) -> dict[tuple[SubjectType, int], Subject]:
    keys = set(keys)
    ticket_ids = [i for t, i in keys if t == SubjectType.ticket]
    project_ids = [i for t, i in keys if t == SubjectType.project]
    found: dict[tuple[SubjectType, int], Subject] = {}
    if ticket_ids:
        query = (
            select(
                Ticket.id,
                Ticket.title,
                Ticket.project_id,
                Company.name,
                Ticket.status,
                Ticket.due_at,
                Ticket.assignee_id,
            )
            .outerjoin(Project, Ticket.project_id == Project.id)
            .outerjoin(Lead, Project.lead_id == Lead.id)
            # A local company's ticket names its company directly.
            .join(Company, Company.id == func.coalesce(Ticket.company_id, Lead.company_id))
            .where(Ticket.id.in_(ticket_ids))
        )
        for tid, title, pid, company, status, due, assignee in session.execute(query):
            late = status in OPEN_STATUSES and due < now
            found[(SubjectType.ticket, tid)] = Subject(
                SubjectType.ticket,
                tid,
                title,
                pid,
                company,
                late,
                assignee,
                is_open=status in OPEN_STATUSES,
            )
    if project_ids:
        query = (
            select(Project.id, Project.name, Company.name, Project.specialist_id)
            .join(Lead, Project.lead_id == Lead.id)
            .join(Company, Lead.company_id == Company.id)
            .where(Project.id.in_(project_ids))
        )
        for pid, name, company, specialist in session.execute(query):
            # Whether a project is still red is for the project lights to say; until they
            # are asked, an escalated project counts as late.
            found[(SubjectType.project, pid)] = Subject(
                SubjectType.project, pid, name or company, pid, company, True, specialist
            )
    return found


def require(
    session: Session, subject_type: SubjectType, subject_id: int, *, now: datetime
) -> Subject:
    subject = describe(session, [(subject_type, subject_id)], now=now).get(
        (subject_type, subject_id)
    )
    if subject is None:
        raise NotFound(f"{subject_type.value} {subject_id} not found")
    return subject
