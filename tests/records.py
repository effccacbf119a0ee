"""Two sides of the office for the access tests, and fresh records on either side, built
through the services (fast: no HTTP, one transaction each).

Side ``OWN`` is the signed-in test users': task force 甲 led by ``leader1`` (with ``member1``),
projects whose specialist is ``specialist1``. Side ``OTHER`` is task force 乙 led by ``leader2``,
projects of ``specialist2``. ``admin1``, ``staff1`` and ``viewer1`` belong to neither.
"""

import itertools
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

from sqlalchemy.orm import Session, sessionmaker

from crm.auth import service as auth_service
from crm.auth.schemas import UserCreate
from crm.chains import service as chain_service
from crm.chains.schemas import ChainFile
from crm.companies import parks as park_service
from crm.companies import service as company_service
from crm.companies.schemas import CompanyCreate, ParkCreate
from crm.db import transaction
from crm.leads import service as lead_service
from crm.leads import visits as visit_service
from crm.leads.schemas import LeadCreate, StageMove, VisitCreate
from crm.pipeline import service as pipeline
from crm.projects import policy as policy_service
from crm.projects import service as project_service
from crm.projects.models import Project
from crm.projects.schemas import FundingCreate, IncentiveIn, PolicyPut
from crm.taskforces import service as task_force_service
from crm.taskforces.schemas import TaskForceCreate
from crm.tickets import service as ticket_service
from crm.tickets.schemas import TicketCreate
from crm.tickets.sla import DEFAULT_RULES
from tests.conftest import PASSWORD
from tests.factories import chain_file

OWN = "own"
OTHER = "other"
ROLES = ("admin", "staff", "leader", "specialist", "viewer")
SEGMENT = "new-display:panel"
NOW = datetime(2026, 3, 2, 4, 0, tzinfo=UTC)  # the frozen clock of tests/conftest.py
LEADERS = {OWN: "leader1", OTHER: "leader2"}
SPECIALISTS = {OWN: "specialist1", OTHER: "specialist2"}
TASK_FORCES = {OWN: "甲专班", OTHER: "乙专班"}


@dataclass
class Records:
    """Builds records on a side; each method returns what a request needs (ids, versions).

    Leads and the records under projects are new on every call; the project of a side and the
    user to change are made once (signing and password hashing are slow) and answered with
    their current versions.
    """

    db: sessionmaker[Session]
    task_forces: dict[str, int]
    company_id: int
    serial: itertools.count = field(default_factory=lambda: itertools.count(1))
    projects: dict[str, int] = field(default_factory=dict)
    username: str | None = None

    def name(self, prefix: str) -> str:
        return f"{prefix}-{next(self.serial)}"

    def lead(self, side: str) -> dict:
        with transaction(self.db) as session:
            return _lead(session, self, side)

    def visit(self, side: str) -> dict:
        with transaction(self.db) as session:
            lead = _lead(session, self, side)
            visit = visit_service.create(session, VisitCreate(lead_id=lead["id"], date=NOW.date()))
            return {"id": visit.id, "version": visit.version, "lead_id": lead["id"]}

    def project(self, side: str) -> dict:
        with transaction(self.db) as session:
            project = self._project(session, side)
            return {
                "id": project.id,
                "version": project.version,
                "card_version": project.green_card.version,
            }

    def _project(self, session: Session, side: str) -> Project:
        if side not in self.projects:
            self.projects[side] = _sign(session, self, side)
        return project_service.get(session, self.projects[side])

    def ticket(self, side: str) -> dict:
        with transaction(self.db) as session:
            project = self._project(session, side)
            ticket = ticket_service.create(
                session,
                project,
                TicketCreate(category="land", title="用地指标"),
                by="staff1",
                now=NOW,
                sla=DEFAULT_RULES,
            )
            return {"id": ticket.id, "version": ticket.version, "project_id": project.id}

    def funding(self, side: str) -> dict:
        with transaction(self.db) as session:
            project = self._project(session, side)
            entry = project_service.add_funding(
                session,
                project,
                FundingCreate(date=date(2026, 3, 1), amount=100),
                by="staff1",
                now=NOW,
            )
            return {"id": project.id, "entry_id": entry.id}

    def incentive(self, side: str) -> dict:
        with transaction(self.db) as session:
            project = self._project(session, side)
            package = PolicyPut(version=project.version, incentives=[IncentiveIn(type="tax")])
            policy_service.replace(session, project, package)
            return {
                "id": project.id,
                "version": project.version,
                "incentive_id": project.incentives[0].id,
            }

    def chain(self) -> str:
        code = self.name("chain")
        with transaction(self.db) as session:
            chain_service.create(session, ChainFile(**chain_file(code)))
        return code

    def company(self) -> dict:
        with transaction(self.db) as session:
            company = company_service.create(session, CompanyCreate(name=self.name("企业")))
            return {"id": company.id, "version": company.version}

    def park(self) -> dict:
        with transaction(self.db) as session:
            park = park_service.create(session, ParkCreate(name=self.name("园区"), level="city"))
            return {"id": park.id, "version": park.version}

    def task_force(self) -> dict:
        data = TaskForceCreate(name=self.name("专班"), kind="task_force")
        with transaction(self.db) as session:
            task_force = task_force_service.create(session, data)
            return {"id": task_force.id, "version": task_force.version}

    def user(self) -> dict:
        with transaction(self.db) as session:
            if self.username is None:
                data = UserCreate(username="someone", role="viewer", password=PASSWORD)
                self.username = auth_service.create(session, data).username
            user = auth_service.get(session, self.username)
            return {"username": user.username, "version": user.version}


def _lead(session: Session, records: Records, side: str) -> dict:
    data = LeadCreate(
        company_id=records.company_id, segment=SEGMENT, task_force_id=records.task_forces[side]
    )
    lead, _ = lead_service.create(session, data, now=NOW)
    return {"id": lead.id, "version": lead.version}


def _sign(session: Session, records: Records, side: str) -> int:
    """Sign a new lead on ``side``; the project's id."""
    lead = lead_service.get(session, _lead(session, records, side)["id"], with_history=True)
    signing = StageMove(stage="signed", specialist=SPECIALISTS[side])
    staff = auth_service.get(session, "staff1")
    return pipeline.move_stage(session, lead, signing, staff, now=NOW)


def build_world(db: sessionmaker[Session], make_user) -> Records:
    """The chain, a company and the two sides; the users ``login`` made must exist already
    (``leader1``, ``specialist1``); the others are made here."""
    make_user("leader2", "leader")
    make_user("specialist2", "specialist")
    make_user("member1", "leader")  # belongs to 甲 without leading it
    with transaction(db) as session:
        chain_service.create(session, ChainFile(**chain_file()))
        company = company_service.create(session, CompanyCreate(name="京东方科技"))
        task_forces = {
            side: task_force_service.create(
                session,
                TaskForceCreate(
                    name=TASK_FORCES[side],
                    kind="task_force",
                    leader=LEADERS[side],
                    members=["member1"] if side == OWN else [],
                ),
            ).id
            for side in (OWN, OTHER)
        }
        company_id = company.id
    return Records(db=db, task_forces=task_forces, company_id=company_id)


def sign_in(client, username: str) -> None:
    """Sign ``client`` in as an existing user (made with the tests' password)."""
    response = client.post("/api/auth/token", data={"username": username, "password": PASSWORD})
    assert response.status_code == 200, response.text
    client.headers["Authorization"] = f"Bearer {response.json()['access_token']}"
