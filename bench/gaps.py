"""The gap analysis measurement: ``GET /api/chains/{code}/gaps`` against the hand-written SQL
for the same answer (three statements on a plain DBAPI connection, the score summed from the
rows in Python with the product's own pure scoring function).

Measured on the first chain, whose gaps reach nearly every chain along supply links
(``bench.data.load_links``), and on a chain half way down, which reaches half of them.
"""

from fastapi.testclient import TestClient

from bench.lists import Measurement, Twin
from crm.companies.models import Tag
from crm.gaps.scoring import Candidate, score_reasons
from crm.leads.models import Stage as LeadStage

RECOMMENDATIONS = 50


def answer_of(client: TestClient, code: str) -> dict:
    response = client.get(f"/api/chains/{code}/gaps?recommendations={RECOMMENDATIONS}")
    assert response.status_code == 200, response.text
    body = response.json()
    return {
        "ids": [(g["code"], g["depends_on_it"]) for g in body["gaps"]]
        + [(r["company_id"], r["score"]) for r in body["recommendations"]],
        "total": (
            body["completeness"],
            [(s["code"], s["local_companies"], s["targets"]) for s in body["segments"]],
        ),
    }


def leaves_sql(code: str) -> str:
    return (
        "SELECT s.id, s.code, "
        "count(DISTINCT CASE WHEN c.is_local THEN c.id END), "
        "count(DISTINCT CASE WHEN NOT c.is_local THEN c.id END), "
        "count(DISTINCT CASE WHEN c.is_local AND EXISTS (SELECT 1 FROM company_tag t "
        "WHERE t.company_id = c.id AND t.tag = 'leader') THEN c.id END) "
        "FROM segment s JOIN chain ch ON ch.id = s.chain_id "
        "LEFT JOIN company_segment cs ON cs.segment_id = s.id "
        "LEFT JOIN company c ON c.id = cs.company_id "
        f"WHERE ch.code = '{code}' AND NOT EXISTS (SELECT 1 FROM segment k WHERE k.parent_id = s.id) "
        "GROUP BY s.id, s.code, s.position ORDER BY s.position, s.id"
    )


def dependants_sql(gap_ids: str) -> str:
    """Per gap: the segments reachable along links whose sub-tree has a local company."""
    return (
        "WITH RECURSIVE reach(gap, seg) AS ("
        f" SELECT from_segment_id, to_segment_id FROM segment_link WHERE from_segment_id IN ({gap_ids})"
        " UNION SELECT r.gap, l.to_segment_id FROM reach r"
        " JOIN segment_link l ON l.from_segment_id = r.seg),"
        " below(root, seg) AS (SELECT DISTINCT seg, seg FROM reach"
        " UNION SELECT b.root, k.id FROM below b JOIN segment k ON k.parent_id = b.seg),"
        " live AS (SELECT DISTINCT b.root FROM below b WHERE EXISTS (SELECT 1"
        " FROM company_segment cs JOIN company c ON c.id = cs.company_id"
        " WHERE cs.segment_id = b.seg AND c.is_local))"
        " SELECT r.gap, count(*) FROM reach r JOIN live ON live.root = r.seg"
        " WHERE r.seg <> r.gap GROUP BY r.gap"
    )


def candidates_sql(twin: Twin, gap_ids: str) -> str:
    return (
        "SELECT c.id, c.revenue, c.employees, "
        f"{twin.agg('s.code')}, "
        f"(SELECT {twin.agg('t.tag')} FROM company_tag t WHERE t.company_id = c.id), "
        f"(SELECT {twin.agg('l.stage')} FROM lead l WHERE l.company_id = c.id) "
        "FROM company c JOIN company_segment cs ON cs.company_id = c.id "
        "JOIN segment s ON s.id = cs.segment_id "
        f"WHERE cs.segment_id IN ({gap_ids}) AND NOT c.is_local "
        "GROUP BY c.id, c.revenue, c.employees"
    )


def gap_report(twin: Twin, code: str) -> dict:
    leaves = twin.rows(leaves_sql(code))
    gaps = {row[0]: row for row in leaves if row[2] == 0}
    gap_ids = ",".join(str(i) for i in gaps) or "NULL"
    depends = {gap: 0 for gap in gaps} | dict(twin.rows(dependants_sql(gap_ids)))
    ranked_gaps = sorted(gaps.values(), key=lambda g: (-depends[g[0]], -g[3], g[1]))
    depends_on = {g[1]: depends[g[0]] for g in ranked_gaps}
    scored = []
    for company_id, revenue, employees, codes, tags, stages in twin.rows(
        candidates_sql(twin, gap_ids)
    ):
        candidate = Candidate(
            company_id=company_id,
            revenue=revenue,
            employees=employees,
            tags=tuple(Tag(t) for t in sorted(tags.split(","))) if tags else (),
            gap_codes=tuple(sorted(codes.split(","))),
            lead_stages=frozenset(LeadStage(s) for s in stages.split(","))
            if stages
            else frozenset(),
        )
        score = round(sum(r[1] for r in score_reasons(candidate, depends_on)), 1)
        scored.append((-score, company_id))
    scored.sort()
    present = sum(1 for row in leaves if row[2] > 0)
    twin.end()
    return {
        "ids": [(g[1], depends[g[0]]) for g in ranked_gaps]
        + [(company_id, -score) for score, company_id in scored[:RECOMMENDATIONS]],
        "total": (
            round(present / len(leaves), 3) if leaves else 0.0,
            [(row[1], row[2], row[3]) for row in leaves],
        ),
    }


def measurements(client: TestClient, twin: Twin, chains: int) -> list[Measurement]:
    codes = ["chain-000", f"chain-{chains // 2:03d}"]
    return [
        Measurement(
            f"gaps {code} ({RECOMMENDATIONS} recommendations)",
            lambda code=code: answer_of(client, code),
            lambda code=code: gap_report(twin, code),
            "raw SQL",
        )
        for code in codes
    ]
