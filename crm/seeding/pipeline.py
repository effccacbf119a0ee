"""Seed task forces and leads with their dated histories, visits, projects, policies and tickets.

Histories are replayed through the same services the API uses (stage rules, signing, green
cards, SLA, visits), each step at the moment the seed file gives, so the result is what users
would have produced over two years.
"""

import json
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from crm.auth.models import Role, User
from crm.chains import service as chain_service
from crm.companies.models import Company
from crm.config import get_settings
from crm.leads import service as lead_service
from crm.leads import visits as visit_service
from crm.leads.models import Lead
from crm.leads.schemas import LeadCreate, StageMove, VisitCreate
from crm.pipeline import service as pipeline
from crm.projects import greencards
from crm.projects import policy as policy_service
from crm.projects import service as project_service
from crm.projects.schemas import (
    FundingCreate,
    GreenCardUpdate,
    IncentiveIn,
    PolicyPut,
    ProjectUpdate,
)
from crm.seeding.lead_lifecycle import specialist_before_signing
from crm.taskforces import service as task_force_service
from crm.taskforces.models import TaskForce
from crm.taskforces.schemas import TaskForceCreate
from crm.tickets import service as ticket_service
from crm.tickets.schemas import TicketCreate, TicketUpdate
from crm.tickets.sla import SlaRules


def load_task_forces(session: Session, seeds: Path) -> int:
    existing = set(session.scalars(select(TaskForce.name)))
    created = 0
    for item in json.loads((seeds / "taskforces.json").read_text("utf-8")):
        if item["name"] not in existing:
            task_force_service.create(session, TaskForceCreate.model_validate(item))
            created += 1
    return created


def load_leads(session: Session, seeds: Path) -> tuple[int, int, int]:
    """Create the seeded leads not yet present (same company and segment) with their whole
    history; a lead already present is skipped with all of it. Returns (leads, projects,
    visits) created."""
    records = json.loads((seeds / "leads.json").read_text("utf-8"))
    companies = dict(session.execute(select(Company.credit_code, Company.id)).all())
    task_forces = dict(session.execute(select(TaskForce.name, TaskForce.id)).all())
    users = {user.username: user for user in session.scalars(select(User))}
    present = {
        (company_id, segment_id)
        for company_id, segment_id in session.execute(select(Lead.company_id, Lead.segment_id))
    }
    segments = {
        f"{chain_code}:{code}": segment.id
        for (chain_code, code), segment in chain_service.segments_by_key(
            session, {tuple(r["segment"].split(":", 1)) for r in records}
        ).items()
    }
    specialists = [u.username for u in users.values() if u.role == Role.specialist and u.is_active]
    leads = projects = visits = 0
    for record in records:
        company_id = companies[record["credit_code"]]
        if (company_id, segments[record["segment"]]) in present:
            continue
        data = LeadCreate(
            company_id=company_id,
            segment=record["segment"],
            task_force_id=task_forces[record["task_force"]],
            owner=record["owner"],
            specialist=specialist_before_signing(record, specialists),
            priority=record["priority"],
            source=record["source"],
            expected_investment=record["expected_investment"],
            expected_jobs=record["expected_jobs"],
            next_follow_up=record.get("next_follow_up"),
            park=record.get("park"),
        )
        lead, _ = lead_service.create(session, data, now=_at(record["created_at"]))
        leads += 1
        if _replay(session, lead, record, users):
            projects += 1
        visits += len(record.get("visits", []))
    return leads, projects, visits


def _replay(session: Session, lead: Lead, record: dict, users: dict[str, User]) -> bool:
    """Play the lead's history in time order: visits and moves, then after signing its
    policy, funding and tickets, each when it happened. True if the lead was signed."""
    events = [(_midnight(item["date"]), -1, "visit", item) for item in record.get("visits", [])]
    events += [(_at(move["at"]), 0, "move", move) for move in record["moves"]]
    events += [(_noon(item["date"]), 1, "funding", item) for item in record.get("funding", [])]
    events += [(_at(item["raised_at"]), 2, "ticket", item) for item in record.get("tickets", [])]
    project = None
    for moment, _, kind, item in sorted(events, key=lambda e: (e[0], e[1])):
        if kind == "move":
            signing = record.get("signing", {}) if item["to"] == "signed" else {}
            step = StageMove(stage=item["to"], reason=item.get("reason"), **signing)
            project_id = pipeline.move_stage(session, lead, step, users[item["by"]], now=moment)
            if project is None and project_id is not None:
                project = project_service.get(session, project_id)
                _set_policy(session, project, record.get("policy", []))
        elif kind == "visit":
            visit_service.create(session, VisitCreate(lead_id=lead.id, **item))
        elif kind == "funding":
            entry = FundingCreate(date=item["date"], amount=item["amount"], note="资金到位")
            project_service.add_funding(
                session, project, entry, by=project.specialist.username, now=moment
            )
        else:
            _raise_ticket(session, project, item, moment)
    if project is not None and record.get("project"):
        _fill_details(session, project, record["project"])
    return project is not None


def _fill_details(session: Session, project, details: dict) -> None:
    """The assessment, planning links and land date as the specialist entered them, and the
    green card's service team, on the day of the latest of them."""
    days = [project.signed_on]
    days += [date.fromisoformat(details[key]) for key in ("land_on",) if key in details]
    when = datetime.combine(max(days), time(10), UTC)
    by = project.specialist.username
    fields = {
        key: details[key] for key in ("assessment", "planning_links", "land_on") if key in details
    }
    if fields:
        change = ProjectUpdate(version=project.version, **fields)
        project_service.update(session, project, change, by=by, now=when)
    if details.get("service_team") and project.green_card is not None:
        card = project.green_card
        team = GreenCardUpdate(version=card.version, members=details["service_team"])
        greencards.update(session, card, team, now=when)


def _set_policy(session: Session, project, items: list[dict]) -> None:
    if items:
        incentives = [IncentiveIn(**item) for item in items]
        policy_service.replace(
            session, project, PolicyPut(version=project.version, incentives=incentives)
        )


def _raise_ticket(session: Session, project, item: dict, raised: datetime) -> None:
    sla = SlaRules.from_settings(get_settings())
    data = TicketCreate(category=item["category"], title=item["title"], priority=item["priority"])
    ticket = ticket_service.create(
        session, project, data, by=project.specialist.username, now=raised, sla=sla
    )
    if item["status"] != "open":
        change = TicketUpdate(
            version=ticket.version,
            status=item["status"],
            resolution=item.get("resolution"),
            satisfaction=item.get("satisfaction"),
        )
        ticket_service.update(session, ticket, change, now=raised + timedelta(hours=20), sla=sla)


def _midnight(day: str) -> datetime:
    return datetime.combine(date.fromisoformat(day), time(0), UTC)


def _noon(day: str) -> datetime:
    return datetime.combine(date.fromisoformat(day), time(12), UTC)


def _at(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(UTC)
