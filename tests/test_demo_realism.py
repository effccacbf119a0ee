"""The demo data set as an official who knows the field would check it, over the loaded data.

Each test states a rule as a reader would (sizes behind tags, the pace of projects, how a
bureau staffs its units, what a fair-competition review allows), not the generator's numbers.
The data set is loaded once for the module, as the browser tests load it (one password hash).
"""

from collections import Counter, defaultdict
from datetime import date, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from crm.api.app import create_app
from crm.audit import set_actor
from crm.auth.models import Role, User
from crm.auth.passwords import hash_password
from crm.chains.models import Chain, Segment
from crm.companies.models import Company
from crm.config import Settings
from crm.db import make_sessionmaker, transaction
from crm.leads.models import Lead, Stage, StageChange
from crm.projects.models import GreenCard, Incentive, Project
from crm.seeding import load_seeds, seed_users
from crm.taskforces.models import TaskForce, TaskForceKind
from crm.tickets.models import Ticket
from tests.database import empty_tables

PASSWORD = "demo-realism-password"
TODAY = date(2026, 11, 15)  # the day the demo history ends
YI = 1  # revenue is stored in 亿元
OPEN = {Stage.identified, Stage.contacted, Stage.visited, Stage.negotiating}


@pytest.fixture(scope="module")
def session(engine):
    """The demo data set, loaded once; a session to read it."""
    empty_tables(engine)
    factory = make_sessionmaker(engine)
    with transaction(factory) as seeding:
        set_actor(seeding, "demo-realism")
        password_hash = hash_password(PASSWORD)
        for item in seed_users():
            seeding.add(User(**{**item, "role": Role(item["role"])}, password_hash=password_hash))
        seeding.flush()
        load_seeds(seeding)
    with factory() as reading:
        yield reading


@pytest.fixture(scope="module")
def companies(session) -> list[Company]:
    return list(
        session.scalars(
            select(Company).options(selectinload(Company.tag_rows), selectinload(Company.segments))
        )
    )


def tags(company: Company) -> set[str]:
    return {row.tag.value for row in company.tag_rows}


def test_every_fortune_500_company_turns_over_at_least_2000_yi(companies):
    fortune = [c for c in companies if "fortune500" in tags(c)]
    assert fortune, "the demo has some 世界500强 targets"
    assert [c.name for c in fortune if c.revenue < 2000 * YI] == []


def test_specialised_firms_are_small_and_medium_enterprises(companies):
    # Industry: an SME has fewer than 1,000 employees or revenue under 4 亿元 (2011 rule).
    sme_tagged = [c for c in companies if tags(c) & {"srdi", "little_giant"}]
    assert sme_tagged
    large = [c.name for c in sme_tagged if not (c.employees < 1000 or c.revenue < 4 * YI)]
    assert large == []
    assert [c.name for c in sme_tagged if "fortune500" in tags(c)] == []


def test_every_leading_firm_is_the_largest_in_one_of_its_segments(companies):
    largest: dict[int, float] = defaultdict(float)
    for company in companies:
        for segment in company.segments:
            largest[segment.id] = max(largest[segment.id], company.revenue or 0)
    leaders = [c for c in companies if "leader" in tags(c)]
    assert leaders
    not_first = [c.name for c in leaders if all(c.revenue < largest[s.id] for s in c.segments)]
    assert not_first == []
    assert [c.name for c in leaders if c.revenue < 10 * YI] == [], "a 龙头 is no small firm"


def test_food_and_energy_chemical_chains_among_the_focus_chains(session):
    chains = {chain.name: chain for chain in session.scalars(select(Chain))}
    assert len(chains) >= 10
    assert chains["食品饮料"].is_focus and chains["能源化工"].is_focus
    assert 0 < sum(chain.is_focus for chain in chains.values()) < len(chains)
    directions = session.scalars(select(Segment).where(Segment.is_direction)).all()
    assert len(directions) == 36


def project_rows(session) -> list[Project]:
    return list(
        session.scalars(
            select(Project).options(
                selectinload(Project.incentives),
                selectinload(Project.green_card).selectinload(GreenCard.members),
                selectinload(Project.lead),
            )
        )
    )


def test_projects_take_months_to_start_and_a_year_or_two_to_produce(session):
    projects = project_rows(session)
    started = [p for p in projects if p.construction_started_on]
    producing = [p for p in projects if p.production_started_on]
    assert started and producing
    to_start = [(p.construction_started_on - p.signed_on).days for p in started]
    assert all(90 <= days <= 366 for days in to_start), sorted(to_start)[:3]
    to_produce = [(p.production_started_on - p.construction_started_on).days for p in producing]
    assert all(365 <= days <= 731 for days in to_produce), sorted(to_produce)[:3]
    recent = [p for p in projects if p.signed_on > TODAY - timedelta(days=455)]
    assert recent and not any(p.production_started_on for p in recent)


def test_negotiation_takes_weeks_to_months(session):
    moves = session.execute(
        select(StageChange.lead_id, StageChange.to_stage, StageChange.at).order_by(StageChange.at)
    ).all()
    began: dict[int, date] = {}
    lengths = []
    for lead_id, stage, at in moves:
        if stage == Stage.negotiating:
            began.setdefault(lead_id, at.date())
        elif stage == Stage.signed and lead_id in began:
            lengths.append((at.date() - began[lead_id]).days)
    assert lengths
    assert all(7 <= days <= 365 for days in lengths), sorted(lengths)[:3]


def test_open_leads_mostly_moved_lately_and_a_few_are_stale(session):
    last_moves = dict(
        session.execute(select(Lead.id, Lead.stage_changed_at).where(Lead.stage.in_(OPEN))).all()
    )
    idle = [(TODAY - moved.date()).days for moved in last_moves.values()]
    assert len(idle) > 100
    assert sum(days <= 90 for days in idle) >= len(idle) / 2, "most moved in the last quarter"
    assert sum(days > 180 for days in idle) >= len(idle) / 20, "some are stuck for half a year"
    assert sum(days > 365 for days in idle) <= len(idle) / 10, "few sit still for a year"
    created = Counter(
        (c.year, (c.month - 1) // 3) for c in session.scalars(select(Lead.created_at))
    )
    assert len(created) >= 6, "leads were found over at least six quarters"


def units(session) -> list[TaskForce]:
    return list(
        session.scalars(
            select(TaskForce).options(
                selectinload(TaskForce.members),
                selectinload(TaskForce.leader),
                selectinload(TaskForce.focus_chains),
            )
        )
    )


def people(unit: TaskForce) -> set[str]:
    return {unit.leader.username, *(member.username for member in unit.members)}


def test_everyone_sits_in_one_to_three_units(session):
    seats = Counter(person for unit in units(session) for person in people(unit))
    assert seats and max(seats.values()) <= 3, seats.most_common(3)


def test_centre_staff_work_away_and_run_no_unit_in_the_city(session):
    all_units = units(session)
    centre_people = {p for u in all_units if u.kind == TaskForceKind.center for p in people(u)}
    in_city = {p for u in all_units if u.kind != TaskForceKind.center for p in people(u)}
    assert centre_people and not centre_people & in_city
    leads = session.execute(
        select(TaskForce.base_city, Company.city)
        .join(Lead, Lead.task_force_id == TaskForce.id)
        .join(Company, Company.id == Lead.company_id)
        .where(TaskForce.kind == TaskForceKind.center)
    ).all()
    assert leads and all(base == city for base, city in leads), "a centre courts its own city"


def test_units_pursue_their_own_field(session):
    rows = session.execute(
        select(TaskForce.id, Chain.code)
        .join(Lead, Lead.task_force_id == TaskForce.id)
        .join(Segment, Segment.id == Lead.segment_id)
        .join(Chain, Chain.id == Segment.chain_id)
    ).all()
    fields = {u.id: {c.code for c in u.focus_chains} for u in units(session)}
    names = {u.id: u.name for u in units(session)}
    astray = [(names[u], chain) for u, chain in rows if fields[u] and chain not in fields[u]]
    assert astray == []
    farming = {chain for u, chain in rows if names[u] == "农业农村招商组"}
    assert farming == {"food-beverage"}


def test_every_lead_of_a_chain_with_a_park_has_an_intended_park(session):
    without = session.scalars(select(Lead.id).where(Lead.park_id.is_(None))).all()
    assert without == []


def test_projects_carry_their_details(session):
    projects = project_rows(session)
    assert all(p.green_card and p.green_card.members for p in projects), "a service team each"
    assert sum(p.assessment_org is not None for p in projects) >= len(projects) / 2
    assert any(p.planning_links for p in projects)
    started = [p for p in projects if p.construction_started_on]
    with_land = [p for p in started if p.land_on]
    assert len(with_land) >= len(started) * 0.8
    assert all(p.signed_on <= p.land_on <= p.construction_started_on for p in with_land)
    honoured = [i for p in projects for i in p.incentives if i.honoured_at]
    assert honoured and all(i.honoured_amount and i.honoured_amount <= i.amount for i in honoured)
    signed_on = {i.id: p.signed_on for p in projects for i in p.incentives}
    assert all(signed_on[i.id] < i.honoured_at <= TODAY for i in honoured)
    resolutions = Counter(
        session.scalars(select(Ticket.resolution).where(Ticket.resolution.is_not(None)))
    )
    assert len(resolutions) >= 8, "resolutions say what was done, not one stock phrase"


def breaches_fair_competition(conditions: str) -> bool:
    """Rewards tied to tax paid, or land below the benchmark price (公平竞争审查条例)."""
    return any(word in conditions for word in ("留成", "税收返还", "低于工业用地基准地价"))


def test_incentives_pass_a_fair_competition_review_or_carry_a_warning(session):
    incentives = [i for p in project_rows(session) for i in p.incentives]
    breaching = [i for i in incentives if breaches_fair_competition(i.conditions or "")]
    assert breaching, "the demo shows what a warning looks like"
    assert all(i.compliance for i in breaching)
    assert not any(i.honoured_at for i in breaching), "none of them was honoured"
    assert all(i.type.value != "tax" or i.compliance for i in incentives)
    assert [i.id for i in incentives if i.compliance and i not in breaching] == []


def test_the_warning_shows_in_the_api_and_on_the_project_page(database_url, session):
    project_id = session.scalar(
        select(Incentive.project_id).where(Incentive.compliance.is_not(None)).limit(1)
    )
    app = create_app(Settings(database_url=database_url, secret_key="realism-" + "k" * 40))
    with TestClient(app, follow_redirects=False) as client:
        signed_in = client.post(
            "/login", data={"username": "admin", "password": PASSWORD, "next": "/"}
        )
        assert signed_in.status_code == 303, signed_in.text
        token = client.post("/api/auth/token", data={"username": "admin", "password": PASSWORD})
        bearer = {"Authorization": f"Bearer {token.json()['access_token']}"}
        detail = client.get(f"/api/projects/{project_id}", headers=bearer).json()
        notes = [i["compliance"] for i in detail["policy"]["incentives"] if i["compliance"]]
        assert notes and "公平竞争审查条例" in notes[0]
        page = client.get(f"/projects/{project_id}")
        assert page.status_code == 200
        assert "公平竞争审查不通过" in page.text and notes[0] in page.text
    app.state.engine.dispose()


def test_every_local_firm_is_graded_each_year_with_plausible_tax_per_mu(session, companies):
    """亩均 (issue 23): figures for every local firm in 2023–2025, a published grading each year
    with all four grades, grades that move between years, tax per mu in a believable range."""
    from crm.evaluation.grading_models import EvaluationContribution, EvaluationResult
    from crm.evaluation.models import CompanyYear

    local = {c.id for c in companies if c.is_local}
    for year in (2023, 2024, 2025):
        figured = set(
            session.scalars(select(CompanyYear.company_id).where(CompanyYear.year == year))
        )
        assert figured == local, year
    grades = {
        (row.company_id, row.year): row.grade for row in session.scalars(select(EvaluationResult))
    }
    assert {grade for (_, year), grade in grades.items() if year == 2025} == set("ABCD")
    moved = [cid for cid in local if grades[(cid, 2024)] != grades[(cid, 2025)]]
    assert 0.05 * len(local) < len(moved) < 0.6 * len(local)
    above_tax = sorted(
        session.scalars(
            select(EvaluationContribution.value)
            .join(EvaluationResult, EvaluationResult.id == EvaluationContribution.result_id)
            .where(
                EvaluationResult.population == "above",
                EvaluationContribution.indicator == "tax_per_mu",
                EvaluationContribution.value.is_not(None),
            )
        )
    )
    assert 10 <= above_tax[len(above_tax) // 2] <= 80  # 万元/亩: the median 规上 firm
    populations = set(session.scalars(select(EvaluationResult.population)))
    assert populations == {"above", "land_3plus", "land_under3", "tenant"}
