"""Every write route of the API × every role × a record of the user's side and one of the other
side (SPEC §1, issue 15): the status each must get, generated from the OpenAPI schema.

A write route missing from ``EXPECTED`` fails the test: a new route is decided here, on purpose.
Each case gets a record of its own, or the side's project at its current version, so deletes and
version bumps do not leak between cases. The refused writes together must leave every table's row
count unchanged, the audit trail's included: every write of a record is audited, so an unchanged
audit trail means no record was changed either.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from crm.auth import service as auth_service
from crm.db import transaction
from crm.escalations import notes as note_service
from crm.escalations.models import SubjectType
from crm.escalations.schemas import NoteCreate
from crm.projects.models import FundingInstalment, Milestone, MilestoneKind, Project, Verification
from crm.workdays import service as workday_service
from crm.workdays.schemas import ClosureCreate
from tests import evaluation_access as evaluation
from tests import figures_access
from tests import ladder_access as ladder
from tests import parks_access as parks
from tests.factories import chain_file, company
from tests.records import NOW, OTHER, OWN, ROLES, SEGMENT, Records, build_world

ANY = "any"  # routes about no one's record (chains, users, …): the role alone decides

Request = tuple[str, dict]  # (url, keyword arguments of TestClient.request)


def office(role: str, side: str) -> bool:
    return role in ("admin", "staff")


def admin_only(role: str, side: str) -> bool:
    return role == "admin"


def pursuers(role: str, side: str) -> bool:
    """Leads and visits: the office, and the leaders of the lead's task force."""
    return office(role, side) or (role == "leader" and side == OWN)


def project_team(role: str, side: str) -> bool:
    """Projects, their tickets: the office, the leaders of the lead's task force, the specialist."""
    return office(role, side) or (role in ("leader", "specialist") and side == OWN)


@dataclass(frozen=True)
class Expect:
    allowed: Callable[[str, str], bool]
    status: int  # the status of an allowed write; a refused one is 403
    request: Callable[[Records, str], Request]
    sides: tuple[str, ...] = (OWN, OTHER)


def _json(url: str, body: dict) -> Request:
    return url, {"json": body}


def _csv(url: str, content: str) -> Request:
    return url, {"files": {"file": ("rows.csv", content.encode(), "text/csv")}}


# --- requests that succeed for a role that may make them --------------------------------------


def _create_user(r: Records, _side: str) -> Request:
    body = {"username": r.name("new"), "role": "viewer", "password": "a long passphrase 42"}
    return _json("/api/users", body)


def _patch_user(r: Records, _side: str) -> Request:
    user = r.user()
    return _json(f"/api/users/{user['username']}", {"version": user["version"]})


def _create_chain(r: Records, _side: str) -> Request:
    return _json("/api/chains", chain_file(r.name("chain")))


def _patch_chain(r: Records, _side: str) -> Request:
    return _json(f"/api/chains/{r.chain()}", {"version": 1, "name": "新名称"})


def _delete_chain(r: Records, _side: str) -> Request:
    return f"/api/chains/{r.chain()}", {}


def _create_company(r: Records, _side: str) -> Request:
    return _json("/api/companies", company(r.name("企业")))


def _patch_company(r: Records, _side: str) -> Request:
    found = r.company()
    return _json(f"/api/companies/{found['id']}", {"version": found["version"], "city": "深圳"})


def _delete_company(r: Records, _side: str) -> Request:
    return f"/api/companies/{r.company()['id']}", {}


def _chain_leader(r: Records, _side: str) -> Request:
    return f"/api/chains/new-display/leaders/{r.company()['id']}", {}


def _create_park(r: Records, _side: str) -> Request:
    return _json("/api/parks", {"name": r.name("园区"), "level": "city"})


def _patch_park(r: Records, _side: str) -> Request:
    park = r.park()
    return _json(f"/api/parks/{park['id']}", {"version": park["version"], "area_mu": 300})


def _delete_park(r: Records, _side: str) -> Request:
    return f"/api/parks/{r.park()['id']}", {}


def _create_task_force(r: Records, _side: str) -> Request:
    return _json("/api/taskforces", {"name": r.name("专班"), "kind": "group"})


def _patch_task_force(r: Records, _side: str) -> Request:
    found = r.task_force()
    body = {"version": found["version"], "base_city": "深圳"}
    return _json(f"/api/taskforces/{found['id']}", body)


def _import_companies(r: Records, _side: str) -> Request:
    return _csv("/api/import/companies", f"企业名称\n{r.name('导入企业')}\n")


def _import_leads(r: Records, _side: str) -> Request:
    return _csv("/api/import/leads", f"企业名称,所属环节\n{r.name('导入企业')},{SEGMENT}\n")


def _put_targets(r: Records, _side: str) -> Request:
    return _json("/api/targets/2026", {"overall": {"signed_projects": 3}})


def _create_lead(r: Records, side: str) -> Request:
    body = {"company_id": r.company_id, "segment": SEGMENT, "task_force_id": r.task_forces[side]}
    return _json("/api/leads", body)


def _patch_lead(r: Records, side: str) -> Request:
    lead = r.lead(side)
    return _json(f"/api/leads/{lead['id']}", {"version": lead["version"], "notes": "再次接洽"})


def _delete_lead(r: Records, side: str) -> Request:
    return f"/api/leads/{r.lead(side)['id']}", {}


def _move_lead(r: Records, side: str) -> Request:
    return _json(f"/api/leads/{r.lead(side)['id']}/stage", {"stage": "contacted"})


def _lead_put(path: str, body: dict) -> Callable[[Records, str], Request]:
    def request(r: Records, side: str) -> Request:
        lead = r.lead(side)
        return _json(f"/api/leads/{lead['id']}/{path}", {"version": lead["version"], **body})

    return request


def _lead_post(path: str) -> Callable[[Records, str], Request]:
    def request(r: Records, side: str) -> Request:
        return _json(f"/api/leads/{r.lead(side)['id']}/{path}", {})

    return request


def _create_visit(r: Records, side: str) -> Request:
    return _json("/api/visits", {"lead_id": r.lead(side)["id"], "date": "2026-03-09"})


def _patch_visit(r: Records, side: str) -> Request:
    visit = r.visit(side)
    return _json(f"/api/visits/{visit['id']}", {"version": visit["version"], "purpose": "考察"})


def _patch_project(r: Records, side: str) -> Request:
    project = r.project(side)
    body = {"version": project["version"], "jobs_created": 12}
    return _json(f"/api/projects/{project['id']}", body)


def _add_funding(r: Records, side: str) -> Request:
    url = f"/api/projects/{r.project(side)['id']}/funding"
    return _json(url, {"date": "2026-03-01", "amount": 500})


def _delete_funding(r: Records, side: str) -> Request:
    entry = r.funding(side)
    return f"/api/projects/{entry['id']}/funding/{entry['entry_id']}", {}


def _patch_milestone(r: Records, side: str) -> Request:
    project_id = r.project(side)["id"]
    with transaction(r.db) as session:
        version = session.scalar(
            select(Milestone.version).where(
                Milestone.project_id == project_id, Milestone.kind == MilestoneKind.filed
            )
        )
    url = f"/api/projects/{project_id}/milestones/filed"
    return _json(url, {"version": version, "evidence_url": "https://example.cn/filing.pdf"})


def _verify_milestone(r: Records, side: str) -> Request:
    """A milestone recorded and waiting, made afresh for every case."""
    project_id = r.project(side)["id"]
    with transaction(r.db) as session:
        filed = session.scalar(
            select(Milestone).where(
                Milestone.project_id == project_id, Milestone.kind == MilestoneKind.filed
            )
        )
        filed.actual_on, filed.verification = date(2026, 3, 2), Verification.pending
    url = f"/api/projects/{project_id}/milestones/filed/verification"
    return _json(url, {"decision": "accepted"})


def _upload_evidence(r: Records, side: str) -> Request:
    url = f"/api/projects/{r.project(side)['id']}/milestones/filed/evidence"
    return url, {"files": {"file": ("备案证.pdf", b"%PDF-1.4", "application/pdf")}}


def _add_instalment(r: Records, side: str) -> Request:
    url = f"/api/projects/{r.project(side)['id']}/funding-schedule"
    return _json(url, {"due_on": "2026-06-30", "amount": 500})


def _delete_instalment(r: Records, side: str) -> Request:
    project_id = r.project(side)["id"]
    with transaction(r.db) as session:
        project = session.get(Project, project_id)
        instalment = FundingInstalment(due_on=date(2026, 6, 30), amount=100)
        project.funding_schedule.append(instalment)
        session.flush()
        instalment_id = instalment.id
    return f"/api/projects/{project_id}/funding-schedule/{instalment_id}", {}


def _put_policy(r: Records, side: str) -> Request:
    project = r.project(side)
    body = {"version": project["version"], "incentives": [{"type": "land"}]}
    return _json(f"/api/projects/{project['id']}/policy", body)


def _patch_incentive(r: Records, side: str) -> Request:
    project = r.incentive(side)
    url = f"/api/projects/{project['id']}/policy/incentives/{project['incentive_id']}"
    return _json(url, {"version": project["version"], "amount": 50})


def _patch_green_card(r: Records, side: str) -> Request:
    project = r.project(side)
    body = {"version": project["card_version"], "members": ["specialist1"]}
    return _json(f"/api/projects/{project['id']}/green-card", body)


def _raise_ticket(r: Records, side: str) -> Request:
    url = f"/api/projects/{r.project(side)['id']}/tickets"
    return _json(url, {"category": "permits", "title": "施工许可"})


def _patch_ticket(r: Records, side: str) -> Request:
    ticket = r.ticket(side)
    return _json(f"/api/tickets/{ticket['id']}", {"version": ticket["version"], "title": "用地"})


def _add_closure(r: Records, _side: str) -> Request:
    day = date(2030, 1, 1) + timedelta(days=next(r.serial))
    return _json("/api/workdays/closures", {"day": day.isoformat(), "reason": "停工"})


def _delete_closure(r: Records, _side: str) -> Request:
    day = date(2031, 1, 1) + timedelta(days=next(r.serial))
    with transaction(r.db) as session:
        closure = workday_service.add_closure(session, ClosureCreate(day=day, reason="停工"))
        return f"/api/workdays/closures/{closure.id}", {}


def _set_chain_leader(r: Records, _side: str) -> Request:
    return _json(f"/api/chain-leaders/{r.chain()}", {"username": None})


def _sweep(_r: Records, _side: str) -> Request:
    return "/api/escalations/sweep", {}


def _note_on_project(r: Records, side: str) -> Request:
    return _json(f"/api/projects/{r.project(side)['id']}/supervision-notes", {"body": "督办"})


def _note_on_ticket(r: Records, side: str) -> Request:
    return _json(f"/api/tickets/{r.ticket(side)['id']}/supervision-notes", {"body": "督办"})


def _answer_note(r: Records, side: str) -> Request:
    project_id = r.project(side)["id"]
    with transaction(r.db) as session:
        sender = auth_service.get(session, "admin1")
        note = note_service.send(
            session, sender, SubjectType.project, project_id, NoteCreate(body="督办"), now=NOW
        )
        return _json(f"/api/supervision-notes/{note.id}/answer", {"answer": "已落实"})


def respondent(role: str, side: str) -> bool:
    """A 督办 note on a project: its specialist answers, nobody else."""
    return role == "specialist" and side == OWN


NO_RECORD = (ANY,)

EXPECTED: dict[tuple[str, str], Expect | None] = {
    ("POST", "/api/auth/token"): None,  # signing in: public
    # One's own password, whatever the role; it names no other record (tests/test_accounts.py).
    ("POST", "/api/users/me/password"): None,
    ("POST", "/api/users"): Expect(admin_only, 201, _create_user, NO_RECORD),
    ("PATCH", "/api/users/{username}"): Expect(admin_only, 200, _patch_user, NO_RECORD),
    ("POST", "/api/chains"): Expect(office, 201, _create_chain, NO_RECORD),
    ("PATCH", "/api/chains/{code}"): Expect(office, 200, _patch_chain, NO_RECORD),
    ("DELETE", "/api/chains/{code}"): Expect(office, 204, _delete_chain, NO_RECORD),
    ("POST", "/api/companies"): Expect(office, 201, _create_company, NO_RECORD),
    ("PATCH", "/api/companies/{company_id}"): Expect(office, 200, _patch_company, NO_RECORD),
    ("DELETE", "/api/companies/{company_id}"): Expect(office, 204, _delete_company, NO_RECORD),
    ("PUT", "/api/chains/{code}/leaders/{company_id}"): Expect(
        office, 200, _chain_leader, NO_RECORD
    ),
    ("DELETE", "/api/chains/{code}/leaders/{company_id}"): Expect(
        office, 204, _chain_leader, NO_RECORD
    ),
    ("POST", "/api/parks"): Expect(office, 201, _create_park, NO_RECORD),
    ("PATCH", "/api/parks/{park_id}"): Expect(office, 200, _patch_park, NO_RECORD),
    ("DELETE", "/api/parks/{park_id}"): Expect(office, 204, _delete_park, NO_RECORD),
    ("POST", "/api/taskforces"): Expect(office, 201, _create_task_force, NO_RECORD),
    ("PATCH", "/api/taskforces/{task_force_id}"): Expect(office, 200, _patch_task_force, NO_RECORD),
    ("POST", "/api/import/companies"): Expect(office, 200, _import_companies, NO_RECORD),
    ("POST", "/api/import/leads"): Expect(office, 200, _import_leads, NO_RECORD),
    ("PUT", "/api/targets/{year}"): Expect(office, 200, _put_targets, NO_RECORD),
    # Leads and visits: the office and the leaders of the lead's task force.
    ("POST", "/api/leads"): Expect(pursuers, 201, _create_lead),
    ("PATCH", "/api/leads/{lead_id}"): Expect(pursuers, 200, _patch_lead),
    ("DELETE", "/api/leads/{lead_id}"): Expect(pursuers, 204, _delete_lead),
    ("POST", "/api/leads/{lead_id}/stage"): Expect(pursuers, 200, _move_lead),
    ("PUT", "/api/leads/{lead_id}/specialist"): Expect(
        pursuers, 200, _lead_put("specialist", {"specialist": "specialist1"})
    ),
    ("PUT", "/api/leads/{lead_id}/assessment"): Expect(
        pursuers, 200, _lead_put("assessment", {"assessment": {"organisation": "市研究院"}})
    ),
    ("PUT", "/api/leads/{lead_id}/planning-links"): Expect(
        pursuers, 200, _lead_put("planning-links", {"links": [{"title": "VR", "url": "/vr"}]})
    ),
    ("PUT", "/api/leads/{lead_id}/policy"): Expect(
        pursuers, 200, _lead_put("policy", {"incentives": [{"type": "land"}]})
    ),
    # Decisions on a lead (approve its policy, a pause proposal): the office and the leader of
    # its task force (here the leader of 甲 is the signed-in leader). Allowed, they meet the
    # record's own state: an empty package cannot be approved (422), a fresh lead is not
    # proposed for a pause (409); tests/test_lead_lifecycle.py covers them succeeding.
    ("POST", "/api/leads/{lead_id}/policy/approve"): Expect(
        pursuers, 422, _lead_put("policy/approve", {})
    ),
    ("POST", "/api/leads/{lead_id}/pause-proposal/confirm"): Expect(
        pursuers, 409, _lead_post("pause-proposal/confirm")
    ),
    ("POST", "/api/leads/{lead_id}/pause-proposal/renew"): Expect(
        pursuers, 409, _lead_post("pause-proposal/renew")
    ),
    ("POST", "/api/visits"): Expect(pursuers, 201, _create_visit),
    ("PATCH", "/api/visits/{visit_id}"): Expect(pursuers, 200, _patch_visit),
    # Projects and their tickets: also the project's specialist.
    ("PATCH", "/api/projects/{project_id}"): Expect(project_team, 200, _patch_project),
    ("POST", "/api/projects/{project_id}/funding"): Expect(project_team, 201, _add_funding),
    ("DELETE", "/api/projects/{project_id}/funding/{entry_id}"): Expect(
        project_team, 204, _delete_funding
    ),
    ("PUT", "/api/projects/{project_id}/policy"): Expect(project_team, 200, _put_policy),
    ("PATCH", "/api/projects/{project_id}/milestones/{kind}"): Expect(
        project_team, 200, _patch_milestone
    ),
    ("POST", "/api/projects/{project_id}/milestones/{kind}/evidence"): Expect(
        project_team, 201, _upload_evidence
    ),
    # Verification: the office and the leaders of the lead's task force, not the specialist.
    ("POST", "/api/projects/{project_id}/milestones/{kind}/verification"): Expect(
        pursuers, 200, _verify_milestone
    ),
    ("POST", "/api/projects/{project_id}/funding-schedule"): Expect(
        project_team, 201, _add_instalment
    ),
    ("DELETE", "/api/projects/{project_id}/funding-schedule/{instalment_id}"): Expect(
        project_team, 204, _delete_instalment
    ),
    ("PATCH", "/api/projects/{project_id}/policy/incentives/{incentive_id}"): Expect(
        project_team, 200, _patch_incentive
    ),
    ("PATCH", "/api/projects/{project_id}/green-card"): Expect(
        project_team, 200, _patch_green_card
    ),
    ("POST", "/api/projects/{project_id}/tickets"): Expect(project_team, 201, _raise_ticket),
    ("PATCH", "/api/tickets/{ticket_id}"): Expect(project_team, 200, _patch_ticket),
    # Parks as carriers: plots, factories, thresholds by the office; a lead's needs and sites
    # by whoever pursues the lead; a project's needs by its team.
    ("POST", "/api/land"): Expect(office, 201, parks.create_plot, NO_RECORD),
    ("PATCH", "/api/land/{plot_id}"): Expect(office, 200, parks.patch_plot, NO_RECORD),
    ("POST", "/api/land/{plot_id}/status"): Expect(office, 200, parks.move_plot, NO_RECORD),
    ("POST", "/api/land/{plot_id}/government-delay"): Expect(
        office, 200, parks.delay_plot, NO_RECORD
    ),
    ("POST", "/api/land/sweep"): Expect(office, 200, parks.sweep, NO_RECORD),
    ("PUT", "/api/land/thresholds"): Expect(office, 200, parks.put_threshold, NO_RECORD),
    ("DELETE", "/api/land/thresholds/{threshold_id}"): Expect(
        office, 204, parks.delete_threshold, NO_RECORD
    ),
    ("POST", "/api/factories"): Expect(office, 201, parks.create_factory, NO_RECORD),
    ("PATCH", "/api/factories/{factory_id}"): Expect(office, 200, parks.patch_factory, NO_RECORD),
    ("PUT", "/api/leads/{lead_id}/needs"): Expect(pursuers, 200, parks.put_lead_needs),
    ("POST", "/api/leads/{lead_id}/sites"): Expect(pursuers, 200, parks.reserve_site),
    ("DELETE", "/api/leads/{lead_id}/sites/{kind}/{site_id}"): Expect(
        pursuers, 200, parks.release_site
    ),
    ("PUT", "/api/projects/{project_id}/needs"): Expect(project_team, 200, parks.put_project_needs),
    # 督办: closures and 链长 by administrators; notes by the office and the project's
    # task force leader (and city leaders, of whom this world has none); answers by the specialist.
    ("POST", "/api/workdays/closures"): Expect(admin_only, 201, _add_closure, NO_RECORD),
    ("DELETE", "/api/workdays/closures/{closure_id}"): Expect(
        admin_only, 204, _delete_closure, NO_RECORD
    ),
    ("PUT", "/api/chain-leaders/{code}"): Expect(admin_only, 200, _set_chain_leader, NO_RECORD),
    ("POST", "/api/escalations/sweep"): Expect(office, 200, _sweep, NO_RECORD),
    ("POST", "/api/projects/{project_id}/supervision-notes"): Expect(
        pursuers, 201, _note_on_project
    ),
    ("POST", "/api/tickets/{ticket_id}/supervision-notes"): Expect(pursuers, 201, _note_on_ticket),
    ("POST", "/api/supervision-notes/{note_id}/answer"): Expect(respondent, 200, _answer_note),
    ("POST", "/api/companies/{company_id}/figures"): Expect(
        office, 201, figures_access.create_figures, NO_RECORD
    ),
    ("PATCH", "/api/figures/{figure_id}"): Expect(
        office, 200, figures_access.patch_figures, NO_RECORD
    ),
    ("DELETE", "/api/figures/{figure_id}"): Expect(
        office, 204, figures_access.delete_figures, NO_RECORD
    ),
    ("POST", "/api/city-figures"): Expect(office, 201, figures_access.create_city_year, NO_RECORD),
    ("PATCH", "/api/city-figures/{city_year_id}"): Expect(
        office, 200, figures_access.patch_city_year, NO_RECORD
    ),
    ("POST", "/api/import/figures"): Expect(office, 200, figures_access.import_figures, NO_RECORD),
    # 亩均 evaluation: schemes, runs and publishing by the office; unpublishing by administrators.
    ("PUT", "/api/evaluation/{year}/scheme"): Expect(office, 200, evaluation.put_scheme, NO_RECORD),
    ("POST", "/api/evaluation/{year}/scheme/default"): Expect(
        office, 201, evaluation.create_default, NO_RECORD
    ),
    ("POST", "/api/evaluation/{year}/run"): Expect(office, 200, evaluation.run, NO_RECORD),
    ("POST", "/api/evaluation/{year}/publish"): Expect(office, 200, evaluation.publish, NO_RECORD),
    ("POST", "/api/evaluation/{year}/unpublish"): Expect(
        admin_only, 200, evaluation.unpublish, NO_RECORD
    ),
    # 四库三台阶 (crm.ladder): the office; deleting a tier entry, administrators. A local firm's
    # ticket is raised by the office (its assignee and liaison then work on it).
    ("POST", "/api/companies/{company_id}/tiers"): Expect(office, 201, ladder.add_tier, NO_RECORD),
    ("PATCH", "/api/tiers/{tier_id}"): Expect(office, 200, ladder.patch_tier, NO_RECORD),
    ("POST", "/api/tiers/{tier_id}/end"): Expect(office, 200, ladder.end_tier, NO_RECORD),
    ("DELETE", "/api/tiers/{tier_id}"): Expect(admin_only, 204, ladder.delete_tier, NO_RECORD),
    ("PUT", "/api/companies/{company_id}/liaison"): Expect(
        office, 422, ladder.set_liaison, NO_RECORD
    ),
    ("PUT", "/api/companies/{company_id}/plans/{year}"): Expect(
        office, 200, ladder.put_plan, NO_RECORD
    ),
    ("DELETE", "/api/companies/{company_id}/plans/{year}"): Expect(
        office, 204, ladder.delete_plan, NO_RECORD
    ),
    ("PUT", "/api/ladder/targets/{year}"): Expect(office, 200, ladder.put_targets, NO_RECORD),
    ("POST", "/api/companies/{company_id}/tickets"): Expect(
        office, 201, ladder.raise_ticket, NO_RECORD
    ),
}

WRITE_METHODS = {"post", "put", "patch", "delete"}


def write_routes(app) -> set[tuple[str, str]]:
    return {
        (method.upper(), path)
        for path, operations in app.openapi()["paths"].items()
        for method in operations
        if method in WRITE_METHODS
    }


def test_every_write_route_has_an_expectation(app):
    routes = write_routes(app)
    missing = sorted(routes - EXPECTED.keys())
    assert not missing, f"write routes the access matrix does not decide (add them): {missing}"
    assert not sorted(EXPECTED.keys() - routes), "expectations for routes that no longer exist"


@pytest.fixture
def clients(login) -> dict:
    return {role: login(role) for role in ROLES}


@pytest.fixture
def records(clients, db, make_user, clock) -> Records:
    return build_world(db, make_user)


def test_write_routes_by_role_and_record(clients, records, table_counts):
    # EXPECTED holds exactly the schema's write routes (the test above).
    cases = [
        (method, path, role, side, expect)
        for (method, path), expect in EXPECTED.items()
        if expect is not None
        for role in ROLES
        for side in expect.sides
    ]
    refused = [case for case in cases if not case[-1].allowed(case[2], case[3])]
    allowed = [case for case in cases if case[-1].allowed(case[2], case[3])]
    # The refused attempts first, on records all made beforehand: together they change nothing.
    requests = [case[-1].request(records, case[3]) for case in refused]
    before = table_counts()
    outcomes = [
        (*case[:4], 403, clients[case[2]].request(case[0], url, **arguments))
        for case, (url, arguments) in zip(refused, requests, strict=True)
    ]
    refused_changed_rows = table_counts() != before
    for method, path, role, side, expect in allowed:
        url, arguments = expect.request(records, side)
        response = clients[role].request(method, url, **arguments)
        outcomes.append((method, path, role, side, expect.status, response))
    wrong = [
        f"{method} {path} as {role} on {side}: wanted {wanted}, got {response.status_code} "
        f"{response.text[:200]}"
        for method, path, role, side, wanted, response in outcomes
        if response.status_code != wanted
    ]
    assert not wrong, "\n".join(wrong)
    assert not refused_changed_rows
    assert all(isinstance(r.json()["detail"], str) for *_, wanted, r in outcomes if wanted == 403)
