"""The browser tests' database: migrated and loaded with the demo data set (seeds/), once a session.

Every seeded user gets the same known password, hashed once: argon2 is slow on purpose, and
hashing every seeded user's password would add many seconds. ``ROLE_USERS`` names the user who signs in for
each role. Run as ``python -m tests.browser.demo_data URL`` it seeds URL and prints the time
taken, as JSON on its last line (the conftest starts it so while other tests run).
"""

import json
import sys
import time
from dataclasses import dataclass

from crm import migrate
from crm.audit import set_actor
from crm.auth.models import Role, User
from crm.auth.passwords import hash_password
from crm.db import make_engine, make_sessionmaker, transaction
from crm.seeding import load_seeds, seed_users

PASSWORD = "browser-tests-password"

# The first seeded user of each role (seeds/users.json).
ROLE_USERS = {
    Role.admin: "admin",
    Role.staff: "zhangwei",
    Role.leader: "chenjing",
    Role.specialist: "sunli",
    Role.viewer: "zhengjun",
}


@dataclass(frozen=True)
class Login:
    role: str
    username: str
    password: str


def role_logins() -> dict[str, Login]:
    return {role.value: Login(role.value, name, PASSWORD) for role, name in ROLE_USERS.items()}


def seed_demo_database(url: str) -> dict[str, float]:
    """Migrate an empty database and load the demo data set; returns seconds per step."""
    started = time.perf_counter()
    migrate.upgrade(url)
    migrated = time.perf_counter()
    engine = make_engine(url)
    try:
        with transaction(make_sessionmaker(engine)) as session:
            set_actor(session, "browser-tests")
            password_hash = hash_password(PASSWORD)
            for item in seed_users():
                session.add(
                    User(**{**item, "role": Role(item["role"])}, password_hash=password_hash)
                )
            session.flush()
            load_seeds(session)  # leaves the users above as they are
    finally:
        engine.dispose()
    seeded = time.perf_counter()
    return {"migrate": round(migrated - started, 2), "seed": round(seeded - migrated, 2)}


if __name__ == "__main__":
    print(json.dumps(seed_demo_database(sys.argv[1])))
