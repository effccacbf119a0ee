"""Access by record (SPEC §1, issue 15): the object-level attacks one by one, refused fields
named in the 403, ``mine=true`` lists, and the policy functions the pages call.

The world (tests/records.py): ``leader1`` leads 甲 (``member1`` belongs to it), ``leader2``
leads 乙; ``specialist1`` is the specialist of 甲's projects, ``specialist2`` of 乙's.
"""

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from crm.auth import policy
from crm.auth import service as auth_service
from crm.db import transaction
from crm.leads.models import Lead, Visit
from crm.projects.models import Project
from crm.tickets.models import Ticket
from tests.records import OTHER, OWN, ROLES, SEGMENT, SPECIALISTS, Records, build_world, sign_in


@pytest.fixture
def clients(login) -> dict[str, TestClient]:
    return {role: login(role) for role in ROLES}


@pytest.fixture
def records(clients, db, make_user, clock) -> Records:
    return build_world(db, make_user)


@pytest.fixture
def member(app, records) -> Iterator[TestClient]:
    """``member1``: a leader who belongs to 甲 without leading it."""
    with TestClient(app) as client:
        sign_in(client, "member1")
        yield client


def refused(response, field: str) -> bool:
    """403, with the detail naming the refused field first."""
    return response.status_code == 403 and response.json()["detail"].startswith(f"{field}: ")


def test_leader_may_not_touch_another_task_forces_lead(clients, records, table_counts):
    leader = clients["leader"]
    lead = records.lead(OTHER)
    url = f"/api/leads/{lead['id']}"
    before, counts = clients["staff"].get(url).json(), table_counts()
    own_task_force = records.task_forces[OWN]
    attempts = [
        leader.patch(url, json={"version": lead["version"], "notes": "改"}),
        leader.patch(url, json={"version": lead["version"], "task_force_id": own_task_force}),
        leader.delete(url),
        leader.post(f"{url}/stage", json={"stage": "signed", "specialist": "specialist1"}),
        leader.post("/api/visits", json={"lead_id": lead["id"], "date": "2026-03-05"}),
    ]
    assert [r.status_code for r in attempts] == [403] * len(attempts)
    assert "task force you lead or belong to" in attempts[0].json()["detail"]
    assert clients["staff"].get(url).json() == before
    assert table_counts() == counts


def test_leader_keeps_leads_in_their_own_task_forces(clients, records, member, table_counts):
    leader, staff = clients["leader"], clients["staff"]
    lead = records.lead(OWN)
    url = f"/api/leads/{lead['id']}"
    before, counts = staff.get(url).json(), table_counts()
    version = lead["version"]
    out_to_other = leader.patch(
        url, json={"version": version, "task_force_id": records.task_forces[OTHER]}
    )
    out_to_none = leader.patch(url, json={"version": version, "task_force_id": None})
    assert refused(out_to_other, "task_force_id") and refused(out_to_none, "task_force_id")
    assert staff.get(url).json() == before
    assert table_counts() == counts
    # A member of the task force writes its leads as its leader does; the office moves them.
    kept = member.patch(url, json={"version": version, "task_force_id": records.task_forces[OWN]})
    assert kept.status_code == 200, kept.text
    moved = staff.patch(url, json={"version": kept.json()["version"], "task_force_id": None})
    assert moved.status_code == 200 and moved.json()["task_force"] is None
    assert (
        leader.patch(url, json={"version": moved.json()["version"], "notes": "x"}).status_code
        == 403
    )


def test_leader_creates_leads_only_for_their_own_task_forces(clients, records, table_counts):
    leader = clients["leader"]
    body = {"company_id": records.company_id, "segment": SEGMENT}
    counts = table_counts()
    for_other = leader.post(
        "/api/leads", json={**body, "task_force_id": records.task_forces[OTHER]}
    )
    for_none = leader.post("/api/leads", json=body)
    assert refused(for_other, "task_force_id") and refused(for_none, "task_force_id")
    assert table_counts() == counts
    own = leader.post("/api/leads", json={**body, "task_force_id": records.task_forces[OWN]})
    assert own.status_code == 201, own.text


def test_lead_owner_is_a_person_of_the_lead_task_force(clients, records, table_counts):
    leader = clients["leader"]
    lead = records.lead(OWN)
    url = f"/api/leads/{lead['id']}"
    counts = table_counts()
    stranger = leader.patch(url, json={"version": lead["version"], "owner": "leader2"})
    assert refused(stranger, "owner")
    created = leader.post(
        "/api/leads",
        json={
            "company_id": records.company_id,
            "segment": SEGMENT,
            "task_force_id": records.task_forces[OWN],
            "owner": "specialist2",
        },
    )
    assert refused(created, "owner")
    assert table_counts() == counts
    member = leader.patch(url, json={"version": lead["version"], "owner": "member1"})
    assert member.status_code == 200 and member.json()["owner"] == "member1"
    anyone = clients["staff"].patch(
        url, json={"version": member.json()["version"], "owner": "leader2"}
    )
    assert anyone.status_code == 200


def test_specialist_may_not_work_another_specialists_ticket(clients, records, table_counts):
    specialist, staff = clients["specialist"], clients["staff"]
    ticket = records.ticket(OTHER)
    url = f"/api/tickets/{ticket['id']}"
    before, counts = staff.get(url).json(), table_counts()
    assert before["assignee"] == "specialist2"
    attempts = [
        specialist.patch(url, json={"version": ticket["version"], "status": "in_progress"}),
        specialist.patch(url, json={"version": ticket["version"], "assignee": "specialist1"}),
    ]
    assert [r.status_code for r in attempts] == [403, 403]
    assert staff.get(url).json() == before
    assert table_counts() == counts
    # Assigned to them, it is theirs to work, though the project is not.
    assigned = staff.patch(url, json={"version": ticket["version"], "assignee": "specialist1"})
    assert assigned.status_code == 200
    worked = specialist.patch(
        url, json={"version": assigned.json()["version"], "status": "in_progress"}
    )
    assert worked.status_code == 200, worked.text
    raised = specialist.post(
        f"/api/projects/{ticket['project_id']}/tickets", json={"category": "land", "title": "用地"}
    )
    assert raised.status_code == 403


def test_only_the_office_reassigns_a_projects_specialist(clients, records, table_counts):
    specialist, leader, staff = clients["specialist"], clients["leader"], clients["staff"]
    other, own = records.project(OTHER), records.project(OWN)
    before = {p["id"]: staff.get(f"/api/projects/{p['id']}").json() for p in (own, other)}
    counts = table_counts()
    take_other = specialist.patch(
        f"/api/projects/{other['id']}",
        json={"version": other["version"], "specialist": "specialist1"},
    )
    assert take_other.status_code == 403
    own_url = f"/api/projects/{own['id']}"
    hand_over = specialist.patch(
        own_url, json={"version": own["version"], "specialist": "specialist2"}
    )
    hand_out = leader.patch(own_url, json={"version": own["version"], "specialist": "specialist2"})
    assert refused(hand_over, "specialist") and refused(hand_out, "specialist")
    assert {p: staff.get(f"/api/projects/{p}").json() for p in before} == before
    assert table_counts() == counts
    # The specialist it already has is no change.
    same = leader.patch(
        own_url, json={"version": own["version"], "specialist": SPECIALISTS[OWN], "jobs_created": 5}
    )
    assert same.status_code == 200, same.text
    reassigned = staff.patch(
        own_url, json={"version": same.json()["version"], "specialist": "specialist2"}
    )
    assert reassigned.status_code == 200
    assert [c["to"] for c in reassigned.json()["specialist_history"]] == [
        "specialist1",
        "specialist2",
    ]


def test_task_force_of_visits_and_green_cards(clients, records, table_counts):
    leader, specialist = clients["leader"], clients["specialist"]
    lead = records.lead(OWN)
    project = records.project(OWN)
    card_url = f"/api/projects/{project['id']}/green-card"
    counts = table_counts()
    other_task_force = records.task_forces[OTHER]
    visit = leader.post(
        "/api/visits",
        json={"lead_id": lead["id"], "date": "2026-03-05", "task_force_id": other_task_force},
    )
    card_by_leader = leader.patch(
        card_url, json={"version": project["card_version"], "task_force_id": other_task_force}
    )
    card_by_specialist = specialist.patch(
        card_url,
        json={"version": project["card_version"], "task_force_id": None},
    )
    assert refused(visit, "task_force_id")
    assert refused(card_by_leader, "task_force_id")
    assert refused(card_by_specialist, "task_force_id")
    assert table_counts() == counts
    members = specialist.patch(
        card_url, json={"version": project["card_version"], "members": ["specialist1"]}
    )
    assert members.status_code == 200


def test_mine_lists_the_records_the_user_may_write(clients, records):
    owned = {
        "leads": {side: records.lead(side)["id"] for side in (OWN, OTHER)},
        "visits": {side: records.visit(side)["id"] for side in (OWN, OTHER)},
        "projects": {side: records.project(side)["id"] for side in (OWN, OTHER)},
        "tickets": {side: records.ticket(side)["id"] for side in (OWN, OTHER)},
    }
    # A ticket of 乙's project assigned to specialist1: theirs, not leader1's.
    assigned = records.ticket(OTHER)
    patch = {"version": assigned["version"], "assignee": "specialist1"}
    assert clients["staff"].patch(f"/api/tickets/{assigned['id']}", json=patch).status_code == 200
    own = {kind: {ids[OWN]} for kind, ids in owned.items()}
    everything = {
        kind: set(ids.values()) | ({assigned["id"]} if kind == "tickets" else set())
        for kind, ids in owned.items()
    }
    expected = {
        "admin": everything,
        "staff": everything,
        "leader": own,
        "specialist": {
            **own,
            "leads": set(),
            "visits": set(),
            "tickets": own["tickets"] | {assigned["id"]},
        },
        "viewer": {kind: set() for kind in owned},
    }
    for role, client in clients.items():
        for kind in owned:
            response = client.get(f"/api/{kind}", params={"mine": "true", "limit": 1000})
            assert response.status_code == 200, response.text
            listed = {item["id"] for item in response.json()["items"]}
            # Signing a project makes a lead too: compare on the records made above.
            assert listed & everything[kind] == expected[role][kind], (role, kind)
            assert response.json()["total"] == len(listed)
        all_leads = client.get("/api/leads", params={"limit": 1000}).json()["items"]
        assert everything["leads"] <= {item["id"] for item in all_leads}


def test_policy_functions_agree_with_the_mine_filters(clients, records, db):
    """What a page asks of one record (``may_write_*``) is what ``mine`` selects in SQL."""
    for side in (OWN, OTHER):
        records.visit(side)
        records.ticket(side)
    assigned = records.ticket(OTHER)
    patch = {"version": assigned["version"], "assignee": "specialist1"}
    assert clients["staff"].patch(f"/api/tickets/{assigned['id']}", json=patch).status_code == 200
    kinds = [
        (Lead, policy.may_write_lead, policy.writable_leads),
        (Visit, policy.may_write_visit, policy.writable_visits),
        (Project, policy.may_write_project, policy.writable_projects),
        (Ticket, policy.may_write_ticket, policy.writable_tickets),
    ]
    usernames = [f"{role}1" for role in ROLES] + ["member1", "leader2", "specialist2"]
    with transaction(db) as session:
        for username in usernames:
            user = auth_service.get(session, username)
            for model, may_write, writable in kinds:
                rows = list(session.scalars(select(model)))
                assert rows
                selected = set(session.scalars(select(model.id).where(writable(user))))
                decided = {row.id for row in rows if may_write(session, user, row)}
                assert decided == selected, (username, model.__name__)
