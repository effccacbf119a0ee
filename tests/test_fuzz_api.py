"""A bounded schemathesis run over every operation of the OpenAPI schema (issue #16).

Each operation is fuzzed as an admin (who may do everything) and as a viewer (who may write
nothing), over a database with a few records of every kind, with a fixed number of
derandomised examples so a run is repeatable and takes a few minutes. A case fails on a 5xx or on
a response the schema does not describe (status code, content type, body, headers).
"""

from collections.abc import Iterator

import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from sqlalchemy import text
from sqlalchemy.engine import Engine

from crm.api.app import create_app
from crm.auth import service as auth_service
from crm.auth.schemas import UserCreate
from crm.config import Settings
from crm.db import make_sessionmaker, transaction
from tests.conftest import PASSWORD
from tests.database import empty_tables
from tests.signing import LEADER, OTHER_SPECIALIST, SPECIALIST, prepare, signed_project

ROLES = ("admin", "viewer")
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    response_headers_conformance,
]
# Fuzzing cases per operation and role: about 1,300 requests, 30 s of CPU; 3 minutes on a busy
# two-core machine against PostgreSQL (measured).
MAX_EXAMPLES = 10
# The coverage phase sends every boundary value of every field (70 requests an operation and
# more, ten minutes a run on a busy PostgreSQL): too slow for every test run. The examples and
# the fuzzing phase, with positive and negative data, are bounded by MAX_EXAMPLES.
CONFIG = schemathesis.Config.from_dict({"phases": {"coverage": {"enabled": False}}})
SECRET = "test-secret-key-for-signing-tokens-0123456789"


@pytest.fixture(scope="module")
def fuzz_app(database_url: str, engine: Engine) -> Iterator:
    empty_tables(engine)
    db = make_sessionmaker(engine)
    for username, role in [
        ("fuzz-admin", "admin"),
        ("fuzz-viewer", "viewer"),
        (SPECIALIST, "specialist"),
        (OTHER_SPECIALIST, "specialist"),
        (LEADER, "leader"),
    ]:
        with transaction(db) as session:
            auth_service.create(
                session, UserCreate(username=username, role=role, password=PASSWORD)
            )
    app = create_app(Settings(database_url=database_url, secret_key=SECRET))
    with TestClient(app) as client:
        tokens = {role: _token(client, f"fuzz-{role}") for role in ROLES}
        client.headers["Authorization"] = f"Bearer {tokens['admin']}"
        _seed(client)
    app.state.fuzz_tokens = tokens
    app.state.fuzz_records = _seeded_records(engine)
    yield app
    app.state.engine.dispose()
    empty_tables(engine)


def _token(client: TestClient, username: str) -> str:
    response = client.post("/api/auth/token", data={"username": username, "password": PASSWORD})
    assert response.status_code == 200, response.text
    return response.json()["access_token"]


def _ok(response, status: int = 200) -> dict:
    assert response.status_code == status, response.text
    return response.json()


def _seed(client: TestClient) -> None:
    """A few records of every kind, so that ids the fuzzer picks (small ones are likely) hit."""
    task_force_id = prepare(client, lambda username, role: username)["task_force_id"]
    project = signed_project(client, "京东方科技", task_force_id=task_force_id)
    signed_project(client, "华星光电")
    project_url = f"/api/projects/{project['id']}"
    _ok(client.post(f"{project_url}/funding", json={"date": "2026-03-01", "amount": 100}), 201)
    policy = {"version": project["version"], "incentives": [{"type": "tax", "amount": 10}]}
    _ok(client.put(f"{project_url}/policy", json=policy))
    ticket = {"category": "land", "title": "用地指标协调", "priority": "normal"}
    _ok(client.post(f"{project_url}/tickets", json=ticket), 201)
    _ok(client.post("/api/visits", json={"lead_id": project["lead_id"], "date": "2026-03-02"}), 201)
    _ok(client.put("/api/targets/2026", json={"overall": {"signed_projects": 10}}))


# Path parameter: the table whose ids it names.
ID_TABLES = {
    "lead_id": "lead",
    "project_id": "project",
    "ticket_id": "service_ticket",
    "visit_id": "visit",
    "company_id": "company",
    "park_id": "park",
    "task_force_id": "task_force",
    "entry_id": "project_funding",
    "incentive_id": "policy_incentive",
}
# Other path parameters: a record of the seed. Not a fuzzing user: a change of role would end
# their token and leave the rest of the run signed out.
NAMED = {"code": "new-display", "username": LEADER, "year": 2026}


def _seeded_records(engine: Engine) -> dict[str, list]:
    with engine.connect() as connection:
        records = {
            name: connection.execute(text(f"SELECT id FROM {table} ORDER BY id")).scalars().all()
            for name, table in ID_TABLES.items()
        }
    return records | {name: [value] for name, value in NAMED.items()}


def _aim_at_seeded_records(case, records: dict[str, list]) -> None:
    """Hypothesis draws small values often; a small id or a short name is taken as an index
    into the seeded records of its kind, so that most cases reach a real record, while large,
    negative and malformed values still probe the not-found and validation paths."""
    for name, value in (case.path_parameters or {}).items():
        known = records.get(name)
        if not known:
            continue
        if isinstance(value, int) and not isinstance(value, bool) and 0 <= value < 100:
            case.path_parameters[name] = known[value % len(known)]
        elif isinstance(value, str) and len(value) <= 1:
            case.path_parameters[name] = known[0]


# The schema is the app's own; the cases are sent to ``fuzz_app``, which serves the test database.
schema = schemathesis.openapi.from_asgi(
    "/api/openapi.json",
    create_app(Settings(database_url="sqlite://", secret_key=SECRET, jobs_in_process=False)),
    config=CONFIG,
)


@pytest.mark.parametrize("role", ROLES)
@schema.parametrize()
@settings(
    max_examples=MAX_EXAMPLES,
    derandomize=True,  # the same cases on every run: a failure is there again on the next
    deadline=None,  # a busy machine makes any single request slow
    # The module's records are shared by every case on purpose, and on a busy machine
    # generation is slow; neither says anything about the API.
    suppress_health_check=list(HealthCheck),
)
def test_api_answers_as_its_schema_says(case, role, fuzz_app):
    # Every operation is fuzzed, password change included: a drawn ``old_password`` is never the
    # right one, so the change is refused (401, 422 or 429) and the token stays valid.
    _aim_at_seeded_records(case, fuzz_app.state.fuzz_records)
    headers = {"Authorization": f"Bearer {fuzz_app.state.fuzz_tokens[role]}"}
    case.call_and_validate(app=fuzz_app, headers=headers, checks=CHECKS)
