"""Builders for the parks tests: parks with chains, plots and factories, through the API."""

from datetime import UTC, date, datetime

from fastapi.testclient import TestClient

from tests.factories import chain_file, company

PARK = "高新区"
CHAIN_PARK = "经开区"
OTHER_PARK = "科技城"


def at(day: date) -> datetime:
    """Noon in Beijing on ``day``, as the frozen clock's moment."""
    return datetime(day.year, day.month, day.day, 4, 0, tzinfo=UTC)


def parks(client: TestClient) -> dict[str, int]:
    """A chain (new-display) and three parks: 高新区 (no leading chain), 经开区 (leads
    new-display) and 科技城 (neither)."""
    assert client.post("/api/chains", json=chain_file()).status_code == 201
    ids = {}
    for name, chains in ((PARK, []), (CHAIN_PARK, ["new-display"]), (OTHER_PARK, [])):
        body = {"name": name, "level": "national", "leading_chains": chains}
        response = client.post("/api/parks", json=body)
        assert response.status_code == 201, response.text
        ids[name] = response.json()["id"]
    return ids


def new_company(client: TestClient, name: str) -> int:
    response = client.post("/api/companies", json=company(name))
    assert response.status_code == 201, response.text
    return response.json()["id"]


def plot(client: TestClient, plot_no: str, park: str = PARK, **fields) -> dict:
    body = {"park": park, "plot_no": plot_no, "area_mu": 50, "price": 1000, **fields}
    response = client.post("/api/land", json=body)
    assert response.status_code == 201, response.text
    return response.json()


def move(client: TestClient, plot_id: int, status: str, **body):
    return client.post(f"/api/land/{plot_id}/status", json={"status": status, **body})


def supplied_plot(client: TestClient, plot_no: str, holder: int, contracted: date, **fields):
    made = plot(
        client, plot_no, holder_company_id=holder, contracted_start_on=str(contracted), **fields
    )
    moved = move(client, made["id"], "supplied")
    assert moved.status_code == 200, moved.text
    return moved.json()


def factory(client: TestClient, building: str, floor: str = "1", park: str = PARK, **fields):
    body = {"park": park, "building": building, "floor": floor, "area_m2": 2000, **fields}
    response = client.post("/api/factories", json=body)
    assert response.status_code == 201, response.text
    return response.json()
