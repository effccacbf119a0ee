"""The gap report and graph give the same answers as the earlier implementation (kept in
``tests/gaps_reference.py``), on a random graph richer than test_gaps.py's scenario: several
chains, links within and across chains, companies in parents and leaves, tags, sizes, leads."""

from random import Random

import pytest

from crm.chains import service as chain_service
from crm.companies.sme import SME_TAGS, not_sme_reason
from crm.db import transaction
from tests import gaps_reference
from tests.factories import credit_code

CHAINS = 5
TAGS = ["leader", "srdi", "little_giant", "champion", "listed", "fortune500"]


def chain_file(rng: Random, index: int) -> dict:
    """Two parents with three leaves each plus four top-level leaves; links go forward
    within the chain and to leaves of chains created earlier."""
    code = f"c{index}"
    segments = []
    for p in range(2):
        segments.append({"code": f"p{p}", "name": f"父{p}", "stage": "upstream", "parent": None})
        for leaf in range(3):
            segments.append(
                {"code": f"p{p}l{leaf}", "name": f"叶{p}{leaf}", "stage": "midstream"}
                | {"parent": f"p{p}"}
            )
    for leaf in range(4):
        segments.append({"code": f"t{leaf}", "name": f"顶{leaf}", "stage": "downstream"})
    for s in segments:
        s.setdefault("parent", None)
        s |= {"direction": rng.random() < 0.3, "products": []}
    codes = [s["code"] for s in segments]
    links = set()
    for _ in range(8):
        a, b = sorted(rng.sample(range(len(codes)), 2))
        links.add((codes[a], codes[b]))
    for _ in range(3 if index else 0):
        other = rng.randrange(index)
        links.add((rng.choice(codes), f"c{other}:{rng.choice(codes)}"))
    return {
        "code": code,
        "name": f"链{index}",
        "name_en": code,
        "segments": segments,
        "links": [{"from": a, "to": b} for a, b in sorted(links)],
    }


@pytest.fixture(scope="module")
def rng() -> Random:
    return Random(19)


def build(client, rng: Random) -> list[str]:
    chains = [chain_file(rng, i) for i in range(CHAINS)]
    for chain in chains:
        response = client.post("/api/chains", json=chain)
        assert response.status_code == 201, response.text
    keys = [f"{c['code']}:{s['code']}" for c in chains for s in c["segments"]]
    company_ids = []
    for serial in range(1, 121):
        # Few local firms, so plenty of segments stay missing.
        body = {
            "name": f"企业{serial:03d}",
            "credit_code": credit_code(serial),
            "is_local": rng.random() < 0.25,
            "segments": rng.sample(keys, rng.choice([1, 1, 2, 3])),
            "tags": rng.sample(TAGS, rng.choice([0, 0, 1, 2])),
        }
        if rng.random() < 0.7:
            body["revenue"] = round(10 ** rng.uniform(-2, 3), 2)
        if rng.random() < 0.7:
            body["employees"] = rng.randint(1, 60_000)
        if not_sme_reason(
            employees=body.get("employees"),
            revenue_yi=body.get("revenue"),
            tags=set(body["tags"]),
        ):  # a large firm cannot be 专精特新: the product refuses the tag
            body["tags"] = [tag for tag in body["tags"] if tag not in SME_TAGS]
        response = client.post("/api/companies", json=body)
        assert response.status_code == 201, response.text
        company_ids.append((response.json()["id"], body["segments"][0]))
    for company_id, segment in rng.sample(company_ids, 30):
        response = client.post("/api/leads", json={"company_id": company_id, "segment": segment})
        assert response.status_code == 201, response.text
        if rng.random() < 0.5:
            moved = client.post(
                f"/api/leads/{response.json()['id']}/stage", json={"stage": "contacted"}
            )
            assert moved.status_code == 200, moved.text
    return [c["code"] for c in chains]


def test_gap_reports_and_graphs_match_the_earlier_implementation(staff, app, rng):
    codes = build(staff, rng)
    gaps_seen, dependants_seen = 0, 0
    for code in codes:
        with transaction(app.state.sessionmaker) as session:
            chain = chain_service.get(session, code)
            old_report = gaps_reference.gap_report(session, chain, recommendation_limit=500)
            old_graph = gaps_reference.chain_graph(session, chain)
        report = staff.get(f"/api/chains/{code}/gaps?recommendations=500")
        assert report.status_code == 200, report.text
        assert report.json() == old_report.model_dump(mode="json"), f"gap report of {code}"
        gaps_seen += len(report.json()["gaps"])
        dependants_seen += sum(g["depends_on_it"] for g in report.json()["gaps"])

        graph = staff.get(f"/api/chains/{code}/graph")
        assert graph.status_code == 200, graph.text
        old = old_graph.model_dump(mode="json")
        new = graph.json()
        assert new["nodes"] == old["nodes"], f"graph nodes of {code}"
        key = lambda e: (e["source"], e["target"])  # noqa: E731
        assert sorted(new["edges"], key=key) == sorted(old["edges"], key=key), f"edges of {code}"
    assert gaps_seen >= 10, "the scenario must leave gaps to rank"
    assert dependants_seen >= 10, "and gaps that local segments depend on"
