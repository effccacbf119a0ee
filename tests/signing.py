"""Builders for signed projects, through the API (shared by the project and ticket tests)."""

from fastapi.testclient import TestClient

from tests.factories import chain_file, company

SPECIALIST = "zhang-zy"  # 项目专员
OTHER_SPECIALIST = "wang-zy"
LEADER = "li-zz"  # 专班组长
PARK = "高新区"
OTHER_PARK = "经开区"


def prepare(client: TestClient, make_user) -> dict:
    """A chain, two parks, two specialists and a task force led by ``LEADER``."""
    make_user(SPECIALIST, "specialist")
    make_user(OTHER_SPECIALIST, "specialist")
    make_user(LEADER, "leader")
    assert client.post("/api/chains", json=chain_file()).status_code == 201
    for name in (PARK, OTHER_PARK):
        park = {"name": name, "level": "national"}
        assert client.post("/api/parks", json=park).status_code == 201
    task_force = {"name": "新型显示专班", "kind": "task_force", "leader": LEADER}
    response = client.post("/api/taskforces", json=task_force)
    assert response.status_code == 201, response.text
    return {"task_force_id": response.json()["id"]}


def negotiating_lead(
    client: TestClient,
    name: str,
    *,
    task_force_id: int | None = None,
    segment: str = "panel",
    specialist: str | None = SPECIALIST,
    expected_investment: float = 50000,
) -> int:
    """A lead moved to negotiating; one expecting 1亿 or more names its specialist first
    (the rule of crm.leads.presigning)."""
    created = client.post("/api/companies", json=company(name))
    assert created.status_code == 201, created.text
    body = {
        "company_id": created.json()["id"],
        "segment": f"new-display:{segment}",
        "task_force_id": task_force_id,
        "expected_investment": expected_investment,
        "expected_jobs": 300,
        "specialist": specialist,
    }
    lead = client.post("/api/leads", json=body)
    assert lead.status_code == 201, lead.text
    moved = client.post(f"/api/leads/{lead.json()['id']}/stage", json={"stage": "negotiating"})
    assert moved.status_code == 200, moved.text
    return lead.json()["id"]


def move(client: TestClient, lead_id: int, stage: str, **body):
    return client.post(f"/api/leads/{lead_id}/stage", json={"stage": stage, **body})


def sign(client: TestClient, lead_id: int, **body):
    terms = {"specialist": SPECIALIST, "park": PARK, "investment": 80000, **body}
    return move(client, lead_id, "signed", **{k: v for k, v in terms.items() if v is not None})


def signed_project(
    client: TestClient, name: str = "京东方科技", *, task_force_id: int | None = None, **body
) -> dict:
    """Sign a new lead for company ``name``; the project as ``GET /api/projects/{id}`` shows it."""
    lead_id = negotiating_lead(client, name, task_force_id=task_force_id)
    signed = sign(client, lead_id, **body)
    assert signed.status_code == 200, signed.text
    project = client.get(f"/api/projects/{signed.json()['project_id']}")
    assert project.status_code == 200, project.text
    return project.json()
