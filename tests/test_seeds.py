"""The seed data set (SPEC §6), loaded by ``crm seed`` as a subprocess, checked through the API.

Seeding takes a while, so it runs once for the module: the fixtures here empty the test
database themselves and sign in as the seeded ``admin`` with the password ``crm seed`` printed.
No test here uses the per-test ``clean_db`` fixture, which would empty the tables again.
"""

import csv
import json
import re
import shutil
import subprocess
import sys
from collections import Counter
from datetime import date
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from stdnum.cn import uscc

from crm.api.app import create_app
from crm.auth.models import Role
from crm.config import Settings
from crm.leads.models import Lead, StageChange, Visit, VisitStatus
from crm.projects.models import FundingEntry, Incentive
from crm.tickets.models import Ticket
from tests.database import empty_tables, row_counts
from tests.test_cli import run_crm

SEEDS = Path(__file__).resolve().parent.parent / "seeds"
TARGETS = 1087
DIRECTIONS = 36
HISTORY_END = date(2026, 11, 15)  # seeds.generate.HISTORY_END: nothing done is dated later


def seed_rows() -> list[dict[str, str]]:
    with (SEEDS / "companies.csv").open(encoding="utf-8-sig", newline="") as file:
        return list(csv.DictReader(file))


def seed_json(name: str) -> list[dict]:
    return json.loads((SEEDS / name).read_text("utf-8"))


@pytest.fixture(scope="module")
def seeded(database_url, engine) -> subprocess.CompletedProcess:
    """``crm seed`` once, on an empty database."""
    empty_tables(engine)
    result = run_crm(database_url, "seed")
    assert result.returncode == 0, result.stderr
    return result


@pytest.fixture(scope="module")
def logins(seeded) -> dict[str, str]:
    return dict(re.findall(r"new user (\S+)\s+password (\S+)", seeded.stdout))


@pytest.fixture(scope="module")
def admin(database_url, logins):
    """The seeded administrator, signed in with the password ``crm seed`` printed."""
    app = create_app(Settings(database_url=database_url, secret_key="seed-tests-" + "k" * 40))
    with TestClient(app) as client:
        token = client.post(
            "/api/auth/token", data={"username": "admin", "password": logins["admin"]}
        )
        assert token.status_code == 200, token.text
        client.headers["Authorization"] = f"Bearer {token.json()['access_token']}"
        yield client
    app.state.engine.dispose()


def all_companies(client) -> list[dict]:
    items, offset = [], 0
    while True:
        page = client.get("/api/companies", params={"limit": 1000, "offset": offset}).json()
        items += page["items"]
        offset += 1000
        if offset >= page["total"]:
            assert len(items) == page["total"]
            return items


def test_seed_reports_what_it_loaded_and_how_to_log_in(seeded, logins):
    chains = len(list((SEEDS / "chains").glob("*.json")))
    parks, companies = len(seed_json("parks.json")), len(seed_rows())
    assert f"seeded {chains} chains, {parks} parks, {companies} companies" in seeded.stdout
    assert set(logins) == {user["username"] for user in seed_json("users.json")}


def test_at_least_ten_chains_with_36_key_directions(admin):
    chains = admin.get("/api/chains", params={"limit": 1000}).json()
    assert chains["total"] >= 10
    assert len(chains["items"]) == chains["total"]
    assert sum(chain["direction_count"] for chain in chains["items"]) == DIRECTIONS
    assert all(chain["segment_count"] > 0 for chain in chains["items"])


def test_1087_target_companies_and_some_hundred_local_ones(admin):
    def total(**filters) -> int:
        return admin.get("/api/companies", params=filters).json()["total"]

    targets, local = total(is_local="false"), total(is_local="true")
    assert targets == TARGETS
    assert 100 <= local < 1000
    assert total() == targets + local == len(seed_rows())


def test_twelve_parks_hold_every_local_company(admin):
    parks = admin.get("/api/parks", params={"limit": 1000}).json()
    assert parks["total"] == 12
    assert {park["name"] for park in parks["items"]} == {p["name"] for p in seed_json("parks.json")}
    local = admin.get("/api/companies", params={"is_local": "true"}).json()["total"]
    assert sum(park["company_count"] for park in parks["items"]) == local


def test_every_credit_code_is_valid_and_unique(admin):
    codes = [row["统一社会信用代码"] for row in seed_rows()]
    assert all(codes)
    assert [code for code in codes if not uscc.is_valid(code)] == []
    assert len(set(codes)) == len(codes)
    stored = [company["credit_code"] for company in all_companies(admin)]
    assert sorted(stored) == sorted(codes)


TIER_TAG_NAMES = {"srdi", "little_giant", "champion"}  # a tier and its tag share a name


def test_every_company_reads_back_as_the_seed_file_says(admin):
    stored = {company["credit_code"]: company for company in all_companies(admin)}
    # The ladder's current tiers carry their tags (crm.ladder.models.TIER_TAGS) on top.
    firms = admin.get("/api/ladder/firms", params={"limit": 1000}).json()["items"]
    carried = {(f["company_id"], f["tier"]) for f in firms if f["tier"] in TIER_TAG_NAMES}
    for row in seed_rows():
        company = stored[row["统一社会信用代码"]]
        assert company["name"] == row["企业名称"]
        assert set(company["segments"]) == set(row["所属环节"].split(";"))
        from_tiers = {tier for cid, tier in carried if cid == company["id"]}
        assert set(company["tags"]) == set(filter(None, row["标签"].split(";"))) | from_tiers
        assert company["is_local"] is (row["是否本地"] == "是")
        assert company["park"] == (row["所在园区"] or None)
        assert company["revenue"] == float(row["营业收入(亿元)"])
        assert company["employees"] == int(row["从业人数"])


def test_every_chain_has_missing_weak_and_strong_leaves(admin):
    chains = admin.get("/api/chains", params={"limit": 1000}).json()["items"]
    for chain in chains:
        report = admin.get(f"/api/chains/{chain['code']}/gaps")
        assert report.status_code == 200, report.text
        statuses = Counter(leaf["status"] for leaf in report.json()["segments"])
        assert statuses["missing"] and statuses["weak"] and statuses["strong"], (
            chain["code"],
            statuses,
        )
        assert report.json()["gaps"], chain["code"]
        assert report.json()["recommendations"], chain["code"]


def test_users_for_every_role(admin):
    users = admin.get("/api/users", params={"limit": 200}).json()["items"]
    assert {user["role"] for user in users} == {role.value for role in Role}
    assert {user["username"] for user in users} >= {u["username"] for u in seed_json("users.json")}


def test_seeding_again_changes_nothing(database_url, engine, seeded):
    before = row_counts(engine)
    again = run_crm(database_url, "seed")
    assert again.returncode == 0, again.stderr
    assert "seeded 0 chains, 0 parks, 0 companies" in again.stdout
    assert "new user" not in again.stdout
    after = row_counts(engine)
    assert after == before
    assert after["audit_entry"] == before["audit_entry"]


def test_the_generator_reproduces_the_seed_files(tmp_path):
    """The generator (``python -m seeds.generate``) run on a copy of seeds/ writes the same bytes."""
    copy = tmp_path / "seeds"
    shutil.copytree(SEEDS, copy, ignore=shutil.ignore_patterns("__pycache__"))
    generated = [
        "companies.csv",
        "parks.json",
        "users.json",
        "chain_leaders.json",
        "taskforces.json",
        "leads.json",
        "parks.csv",
        "leads-sample.csv",
    ]
    for name in generated:
        (copy / name).unlink()
    # Import the copy by path, and make sure it is the copy, so the repo's files stay untouched.
    script = (
        "import sys; sys.path.insert(0, sys.argv[1]); from seeds import generate; "
        "assert generate.HERE.resolve() == generate.Path(sys.argv[2]).resolve(), generate.HERE; "
        "generate.main()"
    )
    result = subprocess.run(
        [sys.executable, "-c", script, str(tmp_path), str(copy)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert f"({TARGETS} targets)" in result.stdout
    for name in generated:
        assert (copy / name).read_bytes() == (SEEDS / name).read_bytes(), name


def all_items(client, path: str, **params) -> list[dict]:
    items, offset = [], 0
    while True:
        page = client.get(path, params={**params, "limit": 1000, "offset": offset})
        assert page.status_code == 200, page.text
        body = page.json()
        items += body["items"]
        offset += 1000
        if offset >= body["total"]:
            return items


def test_task_forces_groups_and_centres(admin):
    task_forces = all_items(admin, "/api/taskforces")
    kinds = Counter(tf["kind"] for tf in task_forces)
    assert kinds == {"task_force": 13, "group": 10, "center": 7}
    assert all(tf["leader"] for tf in task_forces)
    centres = {tf["base_city"] for tf in task_forces if tf["kind"] == "center"}
    assert {"北京市", "上海市", "深圳市", "成都市", "重庆市", "西安市", "武汉市"} == centres


def test_leads_in_every_stage_with_histories(admin):
    leads = all_items(admin, "/api/leads")
    stages = Counter(lead["stage"] for lead in leads)
    every = [
        "identified",
        "contacted",
        "visited",
        "negotiating",
        "signed",
        "started",
        "producing",
        "paused",
        "lost",
    ]
    assert all(stages[stage] > 0 for stage in every), stages
    halted = [lead for lead in leads if lead["stage"] in ("paused", "lost")]
    assert all(lead["halt_reason"] and lead["left_stage"] for lead in halted)
    moved = admin.get(
        f"/api/leads/{next(lead['id'] for lead in leads if lead['stage'] == 'producing')}"
    )
    history = moved.json()["history"]
    assert [h["to"] for h in history][-1] == "producing"
    assert "signed" in [h["to"] for h in history]
    first, last = history[0]["at"], history[-1]["at"]
    assert first < last, "moves are spread over time"
    created = sorted(lead["created_at"] for lead in leads)
    assert created[0] < "2025-06-01" and created[-1] > "2026-06-01", "two years of history"


def test_projects_with_specialists_policies_cards_and_tickets(admin):
    projects = all_items(admin, "/api/projects")
    signed_leads = [
        x
        for x in all_items(admin, "/api/leads")
        if x["stage"] in ("signed", "started", "producing")
    ]
    assert len(projects) >= len(signed_leads) > 50
    detail = admin.get(f"/api/projects/{projects[0]['id']}").json()
    assert detail["specialist"]
    assert detail["green_card"]["card_no"].startswith("GC-")
    with_policy = [
        p
        for p in (admin.get(f"/api/projects/{p['id']}").json() for p in projects[:20])
        if p["policy"]["incentives"]
    ]
    assert with_policy, "projects carry policy packages"
    tickets = all_items(admin, "/api/tickets")
    assert {t["status"] for t in tickets} >= {"open", "resolved"}
    assert any(t["overdue"] for t in tickets), "some tickets are overdue"
    funnel = admin.get("/api/dashboard/funnel").json()
    assert funnel["signed"]["count"] == len(projects)
    assert funnel["overdue_tickets"] > 0


def test_every_chain_has_local_leaders(admin):
    seeded = {item["chain"]: item["leaders"] for item in seed_json("chain_leaders.json")}
    chains = admin.get("/api/chains", params={"limit": 1000}).json()["items"]
    assert {chain["code"] for chain in chains} == set(seeded)
    for chain in chains:
        leaders = admin.get(f"/api/chains/{chain['code']}/leaders")
        assert leaders.status_code == 200, leaders.text
        body = leaders.json()
        assert 1 <= body["total"] <= 2, chain["code"]
        assert {c["credit_code"] for c in body["items"]} == {
            leader["credit_code"] for leader in seeded[chain["code"]]
        }
        for company in body["items"]:
            assert company["is_local"] and "leader" in company["tags"], company
            assert any(s.startswith(chain["code"] + ":") for s in company["segments"]), company


def test_nothing_that_happened_is_dated_after_the_history_end(engine, seeded, admin):
    def latest(column, *where) -> date:
        with engine.connect() as connection:
            value = connection.execute(select(func.max(column)).where(*where)).scalar_one()
        return value if type(value) is date else value.date()

    assert latest(Lead.created_at) <= HISTORY_END
    assert latest(StageChange.at) <= HISTORY_END
    assert latest(FundingEntry.date) <= HISTORY_END
    assert latest(Ticket.raised_at) <= HISTORY_END
    assert latest(Incentive.honoured_at, Incentive.honoured_at.is_not(None)) <= HISTORY_END
    assert latest(Visit.date, Visit.status == VisitStatus.done) <= HISTORY_END
    tickets = all_items(admin, "/api/tickets")
    assert tickets and max(t["raised_at"][:10] for t in tickets) <= HISTORY_END.isoformat()
    # The seed file itself, so a regenerated one cannot hide a late date behind the loader.
    end = HISTORY_END.isoformat()
    for lead in seed_json("leads.json"):
        assert lead["created_at"][:10] <= end
        assert all(move["at"][:10] <= end for move in lead["moves"]), lead["moves"]
        assert all(item["date"] <= end for item in lead.get("funding", []))
        assert all(item["raised_at"][:10] <= end for item in lead.get("tickets", []))


def test_done_visits_behind_and_planned_visits_ahead(admin):
    done = admin.get("/api/visits", params={"status": "done", "limit": 1}).json()["total"]
    planned = admin.get("/api/visits", params={"status": "planned", "limit": 1}).json()["total"]
    seeded = Counter(v["status"] for lead in seed_json("leads.json") for v in lead["visits"])
    assert done == seeded["done"] > 0
    assert planned == seeded["planned"] > 0
    upcoming = all_items(admin, "/api/visits", status="planned")
    assert all(v["date"].startswith("2026-12") for v in upcoming), "the task forces' calendar"
    assert {v["lead_stage"] for v in upcoming} <= {"identified", "contacted", "negotiating"}
    for visit in all_items(admin, "/api/visits", status="done"):
        assert visit["date"] <= HISTORY_END.isoformat()
        assert visit["lead_stage"] not in ("identified", "contacted")
        assert visit["city"] == visit["company"]["city"]
        assert len(visit["participants"]) == 2 and visit["purpose"] and visit["outcome"]
        assert visit["task_force"]


def test_demo_escalations_at_both_levels_with_notes(admin):
    users = all_items(admin, "/api/users")
    city_leaders = {u["username"] for u in users if u["city_leader"]}
    assert city_leaders and all(u["role"] == "viewer" for u in users if u["city_leader"])
    chains = admin.get("/api/chain-leaders").json()
    assert {c["leader"] for c in chains} - {None} <= city_leaders
    assert None in {c["leader"] for c in chains}  # one chain falls back to every city leader
    escalations = all_items(admin, "/api/escalations")
    first = [e for e in escalations if e["level"] == 1]
    second = [e for e in escalations if e["level"] == 2]
    assert first and second
    assert {e["to"] for e in second} <= city_leaders
    assert all(e["chain"][0]["level"] == 1 for e in second if len(e["chain"]) > 1)
    notes = all_items(admin, "/api/supervision-notes")
    answered = [n for n in notes if n["answered_at"]]
    assert answered and len(answered) < len(notes)
    assert all(n["answered_by"] == n["respondent"] for n in answered)


def test_annual_targets_for_two_years_for_every_subject_with_every_colour(admin):
    """The demo's targets (crm/seeding/targets.py): the last two years of its history, for the
    city, each unit, each park and each county; set against its own figures, so the bulletin
    shows units ahead of, behind and far behind 序时进度."""
    units = {t["id"] for t in admin.get("/api/taskforces", params={"limit": 1000}).json()["items"]}
    parks = {p["name"] for p in seed_json("parks.json")}
    counties = {c["name"] for c in admin.get("/api/projects/counties").json()["counties"]}
    for year in (HISTORY_END.year - 1, HISTORY_END.year):
        targets = admin.get(f"/api/targets/{year}").json()
        assert targets["overall"]["signed_projects"] and targets["overall"]["signed_investment"]
        assert {t["task_force_id"] for t in targets["task_forces"]} == units
        assert {t["park"] for t in targets["parks"]} == parks
        assert {t["county"] for t in targets["counties"]} == counties
        for subject in targets["task_forces"] + targets["parks"] + targets["counties"]:
            assert subject["signed_projects"] >= 1 and subject["signed_investment"] > 0
    month = HISTORY_END.month - 1
    report = admin.get("/api/reports/monthly", params={"year": HISTORY_END.year, "month": month})
    statuses = {
        row["indicators"]["signed_investment"]["status"]
        for row in report.json()["rows"]
        if row["section"] == "unit"
    }
    assert {"ahead", "behind", "far_behind"} <= statuses
