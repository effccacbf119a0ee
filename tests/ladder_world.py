"""Small records for the ladder tests: local companies and city leaders."""

from sqlalchemy import update

from crm.auth.models import User
from crm.db import transaction


def local_company(client, name: str, **fields) -> dict:
    body = {"name": name, "is_local": True, "employees": 200, "revenue": 1.5, **fields}
    response = client.post("/api/companies", json=body)
    assert response.status_code == 201, response.text
    return response.json()


def city_leader(db, make_user, username: str, role: str = "viewer") -> str:
    make_user(username, role, full_name=f"{username}市长")
    with transaction(db) as session:
        session.execute(update(User).where(User.username == username).values(city_leader=True))
    return username


def add_tier(client, company_id: int, tier: str, entered_on: str, **fields):
    body = {"tier": tier, "entered_on": entered_on, **fields}
    return client.post(f"/api/companies/{company_id}/tiers", json=body)
