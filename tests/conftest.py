"""Test fixtures: a real database built by the real migrations, cleaned before each test.

``CRM_TEST_DATABASE_URL`` selects the database (PostgreSQL in CI); by default a SQLite file.
"""

import os
import secrets
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

import pytest

# Cheap argon2 for the whole run, subprocesses (the CLI tests) included; set before any
# setting is read. Production keeps the default ("standard").
os.environ.setdefault("CRM_PASSWORD_HASH_PROFILE", "fast")

from fastapi.testclient import TestClient
from sqlalchemy import create_engine, make_url, text
from sqlalchemy.engine import Engine

from crm import migrate
from crm.api.app import create_app, install_state
from crm.auth import service as auth_service
from crm.auth.models import Role
from crm.auth.schemas import UserCreate
from crm.config import Settings
from crm.db import make_engine, make_sessionmaker, transaction
from tests.database import empty_tables, row_counts

PASSWORD = "correct horse battery"


def pytest_xdist_make_scheduler(config: pytest.Config, log):
    """Under pytest-xdist (``make test``): each test module runs on one worker, so a module's
    fixtures (a seeded demo, the fuzz world) are built once, and the browser tests run
    together on one worker with one demo database. pytest-xdist's own groups
    (``xdist_group``) rename test ids, which pytest 9 ignores, so they no longer group."""
    from xdist.scheduler import LoadScopeScheduling

    class ModuleScheduling(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            path = nodeid.split("::", 1)[0]
            return "browser" if path.startswith("tests/browser/") else path

    return ModuleScheduling(config, log)


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    server_url = os.environ.get("CRM_TEST_DATABASE_URL")
    if not server_url:
        url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}"
        migrate.upgrade(url)
        yield url
        return
    with _scratch_postgres_database(server_url) as url:
        migrate.upgrade(url)
        yield url


@contextmanager
def _scratch_postgres_database(server_url: str) -> Iterator[str]:
    """A database of this run's own on the given server, so runs never see each other."""
    name = f"crm_test_{os.getpid()}_{secrets.token_hex(4)}"
    admin = create_engine(server_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(server_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(scope="session")
def engine(database_url: str) -> Iterator[Engine]:
    engine = make_engine(database_url)
    yield engine
    engine.dispose()


@pytest.fixture
def clean_db(engine: Engine) -> Engine:
    """Every test starts from empty tables (the schema stays: migrations run once)."""
    empty_tables(engine)
    return engine


@pytest.fixture
def db(clean_db: Engine):
    """A session factory on the test database, for arranging and checking rows."""
    return make_sessionmaker(clean_db)


SECRET_KEY = "test-secret-key-for-signing-tokens-0123456789"


@pytest.fixture(scope="session")
def shared_app(database_url: str):
    """One app per test process: an app's first request builds its routes, which costs more
    than most tests. Each test gets it with its state as new (see ``app``)."""
    app = create_app(Settings(database_url=database_url, secret_key=SECRET_KEY))
    yield app
    app.state.engine.dispose()


@pytest.fixture
def app(shared_app, database_url: str, db):
    """The app, with fresh settings, the real clock and a new job runner (tests change them)."""
    settings = Settings(database_url=database_url, secret_key=SECRET_KEY)
    install_state(shared_app, settings, shared_app.state.engine)
    return shared_app


@pytest.fixture
def anon(app) -> Iterator[TestClient]:
    with TestClient(app) as client:
        yield client


@pytest.fixture
def make_user(db) -> Callable[..., str]:
    def make(username: str, role: Role | str, full_name: str = "") -> str:
        with transaction(db) as session:
            data = UserCreate(
                username=username, role=Role(role), full_name=full_name, password=PASSWORD
            )
            auth_service.create(session, data)
        return username

    return make


@pytest.fixture
def login(app, make_user) -> Callable[..., TestClient]:
    """``login("staff")``: a client signed in as a new user of that role."""
    clients: list[TestClient] = []

    def sign_in(role: str, username: str | None = None) -> TestClient:
        username = username or f"{role}1"
        make_user(username, role)
        client = TestClient(app)
        response = client.post("/api/auth/token", data={"username": username, "password": PASSWORD})
        assert response.status_code == 200, response.text
        client.headers["Authorization"] = f"Bearer {response.json()['access_token']}"
        clients.append(client)
        return client

    yield sign_in
    for client in clients:
        client.close()


@pytest.fixture
def browser_login(app, make_user):
    """``browser_login("staff")``: a client signed in through the log-in page (a session
    cookie, as a browser is); it does not follow redirects, so a test sees each 303."""
    clients: list[TestClient] = []

    def sign_in(role: str, username: str | None = None) -> TestClient:
        username = username or f"{role}-web"
        make_user(username, role)
        client = TestClient(app, follow_redirects=False)
        response = client.post(
            "/login", data={"username": username, "password": PASSWORD, "next": "/"}
        )
        assert response.status_code == 303, response.text
        clients.append(client)
        return client

    yield sign_in
    for client in clients:
        client.close()


@pytest.fixture
def staff(login) -> TestClient:
    return login("staff")


@pytest.fixture
def table_counts(clean_db: Engine) -> Callable[[], dict[str, int]]:
    """Row counts of every table, to show that a refused request changed nothing."""

    return lambda: row_counts(clean_db)


class FrozenClock:
    """A clock that stands still until a test moves it."""

    def __init__(self, moment: datetime):
        self.moment = moment

    def __call__(self) -> datetime:
        return self.moment

    def advance(self, **delta: float) -> datetime:
        self.moment += timedelta(**delta)
        return self.moment


@pytest.fixture
def clock(app) -> FrozenClock:
    """Freeze the app's clock (``app.state.clock``) at 2026-03-02 12:00 in Beijing."""
    frozen = FrozenClock(datetime(2026, 3, 2, 4, 0, tzinfo=UTC))
    app.state.clock = frozen
    return frozen
