"""Load the seed data set (seeds/) through the same services and importers users use.

Loading is idempotent: what already exists (same chain code, park name, username, company,
chain leader, lead) is left as it is, so seeding twice changes nothing.
"""

import json
import secrets
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from crm.auth import passwords
from crm.auth import service as auth_service
from crm.auth.models import User
from crm.auth.schemas import UserCreate
from crm.chains import service as chain_service
from crm.chains.models import Chain
from crm.chains.schemas import ChainFile
from crm.companies import parks as park_service
from crm.companies import service as company_service
from crm.companies.importer import import_companies
from crm.companies.models import Company, Park
from crm.companies.schemas import ParkCreate
from crm.importing import Progress
from crm.seeding import parks as park_carriers
from crm.seeding import pipeline
from crm.seeding import targets as target_seeds
from crm.seeding.city_figures import load_city_figures
from crm.seeding.escalations import load_escalations
from crm.seeding.evaluation import load_evaluation
from crm.seeding.ladder import load_ladder
from crm.seeding.lead_lifecycle import load_lead_lifecycle
from crm.seeding.project_lifecycle import load_project_lifecycle

DEFAULT_SEEDS = Path(__file__).resolve().parent.parent.parent / "seeds"


@dataclass
class SeedResult:
    chains: int = 0
    parks: int = 0
    companies: int = 0
    chain_leaders: int = 0
    task_forces: int = 0
    leads: int = 0
    projects: int = 0
    visits: int = 0
    land_plots: int = 0
    project_plans: int = 0  # projects given demo milestones and funding schedules
    leads_prepared: int = 0  # leads given pre-signing work (crm.seeding.lead_lifecycle)
    escalations: int = 0
    city_years: int = 0  # the city's yearly totals (亩均 park shares)
    targets: int = 0
    company_years: int = 0  # yearly 亩均 figures (crm.seeding.evaluation)
    tier_entries: int = 0  # the cultivation ladder (crm.seeding.ladder)
    new_logins: dict[str, str] = field(default_factory=dict)  # username → password


class SeedError(Exception):
    pass


def load_seeds(
    session: Session,
    seeds: Path = DEFAULT_SEEDS,
    *,
    passwords: dict[str, str] | None = None,
    progress: Progress | None = None,
) -> SeedResult:
    """Load every seed file; users get the given passwords, else new random ones."""
    if not (seeds / "chains").is_dir():
        raise SeedError(f"no seed data at {seeds}")
    result = SeedResult()
    result.chains = _load_chains(session, seeds)
    result.parks = _load_parks(session, seeds)
    result.new_logins = _load_users(session, seeds, passwords or {})
    report = import_companies(
        session,
        (seeds / "companies.csv").read_bytes(),
        "companies.csv",
        progress=progress,
    )
    if report.errors:
        first = report.errors[0]
        raise SeedError(f"companies.csv row {first.row}: {first.message}")
    result.companies = report.created
    result.chain_leaders = _load_chain_leaders(session, seeds)
    result.task_forces = pipeline.load_task_forces(session, seeds)
    result.leads, result.projects, result.visits = pipeline.load_leads(session, seeds)
    result.land_plots = park_carriers.load_parks_carriers(session)
    result.project_plans = load_project_lifecycle(session)
    result.leads_prepared = load_lead_lifecycle(session)
    result.escalations = load_escalations(session)
    result.targets = target_seeds.load_targets(session)
    result.city_years = load_city_figures(session)
    result.company_years = load_evaluation(session)
    result.tier_entries = load_ladder(session)
    return result


def seed_users(seeds: Path = DEFAULT_SEEDS) -> list[dict]:
    return json.loads((seeds / "users.json").read_text("utf-8"))


def new_password() -> str:
    """A random password that passes the strength rule (practically always the first one)."""
    while True:
        password = secrets.token_urlsafe(12)
        if passwords.weakness(password) is None:
            return password


def _load_chains(session: Session, seeds: Path) -> int:
    existing = set(session.scalars(select(Chain.code)))
    created = 0
    for path in sorted((seeds / "chains").glob("*.json")):
        data = ChainFile.model_validate_json(path.read_bytes())
        if data.code not in existing:
            chain_service.create(session, data)
            created += 1
    return created


def _load_parks(session: Session, seeds: Path) -> int:
    existing = set(session.scalars(select(Park.name)))
    created = 0
    for item in json.loads((seeds / "parks.json").read_text("utf-8")):
        if item["name"] not in existing:
            park_service.create(session, ParkCreate.model_validate(item))
            created += 1
    return created


def _load_users(session: Session, seeds: Path, passwords: dict[str, str]) -> dict[str, str]:
    existing = set(session.scalars(select(User.username)))
    new_users = [
        UserCreate(**item, password=passwords.get(item["username"]) or new_password())
        for item in seed_users(seeds)
        if item["username"] not in existing
    ]
    auth_service.create_many(session, new_users)
    return {user.username: user.password for user in new_users}


def _load_chain_leaders(session: Session, seeds: Path) -> int:
    """Mark each chain's leaders (链主) that are not marked yet; returns how many were marked."""
    path = seeds / "chain_leaders.json"
    if not path.exists():
        return 0
    items = json.loads(path.read_text("utf-8"))
    chains = {chain.code: chain for chain in session.scalars(select(Chain))}
    wanted = {leader["credit_code"] for item in items for leader in item["leaders"]}
    companies = {
        company.credit_code: company
        for company in session.scalars(
            select(Company)
            .where(Company.credit_code.in_(wanted))
            .options(selectinload(Company.leader_of), selectinload(Company.tag_rows))
        )
    }
    marked = 0
    for item in items:
        chain = chains.get(item["chain"])
        if chain is None:
            raise SeedError(f"chain_leaders.json: no chain {item['chain']}")
        for leader in item["leaders"]:
            company = companies.get(leader["credit_code"])
            if company is None:
                raise SeedError(f"chain_leaders.json: no company {leader['credit_code']}")
            if chain not in company.leader_of:
                company_service.set_chain_leader(session, chain, company, True)
                marked += 1
    return marked
