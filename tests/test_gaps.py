"""Chain gap analysis (SPEC §4) through ``GET /api/chains/{code}/gaps`` and ``/graph``.

Scenario (built through the API, expectations computed here from SPEC §4, not from crm.gaps):

Chain B ``newmat`` (新材料), created first: leaves ``resin``, ``fiber``, ``composite``;
links resin → composite, fiber → composite. One local firm each in fiber and composite,
none in resin (a non-local one only).

Chain A ``nev`` (新能源汽车): 17 leaves and 2 parents (parents are not rows of the report):

    raw (parent): lithium, cobalt, graphite      battery (parent): cell, pack
    separator, electrolyte, motor, controller, wiring, body, software,
    assembly, charging, recycling, sales, aftermarket

    links:  lithium → cell, lithium → pack (a diamond: pack is counted once),
            cobalt → cell, graphite → cell, separator → cell, electrolyte → cell,
            cell → pack → assembly → sales, controller → motor → assembly,
            wiring → assembly, body → assembly, software → motor, charging → sales,
            graphite → newmat:fiber, recycling → newmat:resin  (cross-chain)

Local firms make separator and body weak (2 each, no leader), pack weak (one firm that also
works in body, counted once per segment), software weak (2 local + a *non-local* leader),
electrolyte and assembly strong (3 local), motor and sales strong (1–2 with a local leader).
The other nine leaves are missing; completeness = 8 / 17 = 0.471.

Gaps, by depends_on_it, then targets (non-local firms), then code:

    graphite    5  pack, assembly, sales through the missing cell + newmat:fiber, composite
    controller  3  motor, assembly, sales                       targets 3
    cobalt      3  pack, assembly, sales                        targets 2  (tie → code)
    lithium     3  pack (via cell and directly), assembly, sales targets 2
    cell        3  pack, assembly, sales                        targets 1
    wiring      2  assembly, sales
    recycling   1  newmat:composite through the missing newmat:resin, targets 1
    charging    1  sales, targets 0
    aftermarket 0

A non-local firm (``Multi``) works in controller, cobalt, graphite and the non-gap assembly.
"""

import math
from collections import defaultdict
from dataclasses import dataclass

from tests.factories import credit_code

A = "nev"
B = "newmat"


# --- scenario ------------------------------------------------------------------------------


def segment(code: str, name: str, stage: str, parent: str | None = None) -> dict:
    return {
        "code": code,
        "name": name,
        "stage": stage,
        "parent": parent,
        "direction": False,
        "products": [],
    }


def links(*pairs: str) -> list[dict]:
    """``links("a>b", "b>c")`` → chain-file links."""
    return [{"from": p.split(">")[0], "to": p.split(">")[1]} for p in pairs]


CHAIN_B = {
    "code": B,
    "name": "新材料",
    "name_en": "New materials",
    "segments": [
        segment("resin", "树脂", "upstream"),
        segment("fiber", "碳纤维", "upstream"),
        segment("composite", "复合材料", "midstream"),
    ],
    "links": links("resin>composite", "fiber>composite"),
}

CHAIN_A = {
    "code": A,
    "name": "新能源汽车",
    "name_en": "New energy vehicles",
    "segments": [
        segment("raw", "原材料", "upstream"),
        segment("lithium", "锂", "upstream", parent="raw"),
        segment("cobalt", "钴", "upstream", parent="raw"),
        segment("graphite", "石墨", "upstream", parent="raw"),
        segment("separator", "隔膜", "upstream"),
        segment("electrolyte", "电解液", "upstream"),
        segment("battery", "动力电池", "midstream"),
        segment("cell", "电芯", "midstream", parent="battery"),
        segment("pack", "电池包", "midstream", parent="battery"),
        segment("motor", "电机", "midstream"),
        segment("controller", "电控", "midstream"),
        segment("wiring", "线束", "midstream"),
        segment("body", "车身", "midstream"),
        segment("software", "车载软件", "midstream"),
        segment("assembly", "整车", "downstream"),
        segment("charging", "充电设施", "downstream"),
        segment("recycling", "电池回收", "downstream"),
        segment("sales", "销售", "downstream"),
        segment("aftermarket", "后市场", "downstream"),
    ],
    "links": links(
        "lithium>cell",
        "lithium>pack",
        "cobalt>cell",
        "graphite>cell",
        "separator>cell",
        "electrolyte>cell",
        "cell>pack",
        "pack>assembly",
        "controller>motor",
        "motor>assembly",
        "wiring>assembly",
        "body>assembly",
        "software>motor",
        "assembly>sales",
        "charging>sales",
        f"graphite>{B}:fiber",
        f"recycling>{B}:resin",
    ),
}

PARENTS = {"raw", "battery"}


@dataclass(frozen=True)
class Firm:
    name: str
    is_local: bool
    segments: tuple[str, ...]  # "chain:segment"
    tags: tuple[str, ...] = ()
    revenue: float | None = None
    employees: int | None = None

    def body(self, serial: int) -> dict:
        body = {
            "name": self.name,
            "credit_code": credit_code(serial),
            "is_local": self.is_local,
            "segments": list(self.segments),
            "tags": list(self.tags),
        }
        if self.revenue is not None:
            body["revenue"] = self.revenue
        if self.employees is not None:
            body["employees"] = self.employees
        return body


def local(name: str, *segments: str, tags: tuple[str, ...] = ()) -> Firm:
    return Firm(name, True, segments, tags)


def target(name: str, *segments: str, **fields) -> Firm:
    return Firm(name, False, segments, **fields)


FIRMS = [
    # chain B
    local("本地碳纤维", f"{B}:fiber"),
    local("本地复材", f"{B}:composite"),
    target("外地树脂", f"{B}:resin", tags=("fortune500",), revenue=500),
    # weak: 1–2 local, no local leader
    local("隔膜一", f"{A}:separator"),
    local("隔膜二", f"{A}:separator"),
    local("双环节企业", f"{A}:pack", f"{A}:body"),  # one firm, two segments
    local("车身厂", f"{A}:body"),
    local("软件一", f"{A}:software", tags=("srdi",)),
    local("软件二", f"{A}:software"),
    target("外地软件龙头", f"{A}:software", tags=("leader",), revenue=300),  # non-local leader
    # strong: ≥ 3 local, or 1–2 with a local leader
    local("电解液一", f"{A}:electrolyte"),
    local("电解液二", f"{A}:electrolyte"),
    local("电解液三", f"{A}:electrolyte"),
    local("电机龙头", f"{A}:motor", tags=("leader",)),
    local("整车一", f"{A}:assembly"),
    local("整车二", f"{A}:assembly"),
    local("整车三", f"{A}:assembly"),
    local("销售龙头", f"{A}:sales", tags=("leader",)),
    local("销售二", f"{A}:sales"),
    target("外地整车", f"{A}:assembly", revenue=50),  # non-local in a non-gap segment
    # non-local firms in gap segments: the recommendations
    target(
        "Multi",
        f"{A}:controller",
        f"{A}:cobalt",
        f"{A}:graphite",
        f"{A}:assembly",
        tags=("srdi",),
        revenue=8,
        employees=400,
    ),
    target("电控甲", f"{A}:controller", revenue=20, employees=2000),
    target("电控乙", f"{A}:controller", tags=("listed",)),
    target("钴业", f"{A}:cobalt", revenue=3),
    target(
        "锂业巨头",
        f"{A}:lithium",
        tags=("fortune500", "leader"),
        revenue=800,
        employees=50_000,
    ),
    target("锂业小厂", f"{A}:lithium", revenue=0.5, employees=30),
    target("电芯厂", f"{A}:cell", tags=("little_giant",), revenue=15),
    target("回收企业", f"{A}:recycling", tags=("srdi",)),
]


# --- reference computation (SPEC §4), independent of crm.gaps -------------------------------


def segment_keys(chain: dict) -> list[str]:
    return [f"{chain['code']}:{s['code']}" for s in chain["segments"]]


def leaf_keys(chain: dict) -> list[str]:
    parents = {s["parent"] for s in chain["segments"] if s["parent"]}
    return [f"{chain['code']}:{s['code']}" for s in chain["segments"] if s["code"] not in parents]


def edge_list(chains: list[dict]) -> list[tuple[str, str]]:
    edges = []
    for chain in chains:
        for link in chain["links"]:
            target_key = link["to"] if ":" in link["to"] else f"{chain['code']}:{link['to']}"
            edges.append((f"{chain['code']}:{link['from']}", target_key))
    return edges


def expected_report(chains: list[dict], firms: list[Firm], code: str) -> dict:
    """What SPEC §4 says the report of chain ``code`` must contain."""
    local_firms: dict[str, set[str]] = defaultdict(set)
    local_leaders: dict[str, set[str]] = defaultdict(set)
    targets: dict[str, set[str]] = defaultdict(set)
    for firm in firms:
        for key in firm.segments:
            if firm.is_local:
                local_firms[key].add(firm.name)
                if "leader" in firm.tags:
                    local_leaders[key].add(firm.name)
            else:
                targets[key].add(firm.name)

    def status(key: str) -> str:
        n = len(local_firms[key])
        if n == 0:
            return "missing"
        return "weak" if n <= 2 and not local_leaders[key] else "strong"

    successors: dict[str, set[str]] = defaultdict(set)
    for source, target_key in edge_list(chains):
        successors[source].add(target_key)

    def reachable(key: str) -> set[str]:
        seen: set[str] = set()
        stack = [key]
        while stack:
            for nxt in successors[stack.pop()]:
                if nxt not in seen:
                    seen.add(nxt)
                    stack.append(nxt)
        return seen

    chain = next(c for c in chains if c["code"] == code)
    leaves = leaf_keys(chain)
    segments = {
        key.split(":", 1)[1]: {
            "local_companies": len(local_firms[key]),
            "targets": len(targets[key]),
            "status": status(key),
            "leader_present": bool(local_leaders[key]),
        }
        for key in leaves
    }
    missing = [key for key in leaves if status(key) == "missing"]
    gaps = [
        {
            "code": key.split(":", 1)[1],
            "depends_on_it": sum(1 for k in reachable(key) if status(k) != "missing"),
            "targets": len(targets[key]),
        }
        for key in missing
    ]
    gaps.sort(key=lambda g: (-g["depends_on_it"], -g["targets"], g["code"]))
    recommended = {
        firm.name: sorted(k.split(":", 1)[1] for k in firm.segments if k in missing)
        for firm in firms
        if not firm.is_local and any(k in missing for k in firm.segments)
    }
    present = len(leaves) - len(missing)
    return {
        "leaves": len(leaves),
        "completeness": round(present / len(leaves), 3),
        "segments": segments,
        "gaps": gaps,
        "recommended": recommended,
        "statuses": {key: status(key) for c in chains for key in segment_keys(c)},
    }


# --- helpers --------------------------------------------------------------------------------


def build_scenario(client, firms: list[Firm]) -> None:
    for chain in (CHAIN_B, CHAIN_A):  # B first: A's file links into it
        response = client.post("/api/chains", json=chain)
        assert response.status_code == 201, f"creating chain {chain['code']}: {response.text}"
    for serial, firm in enumerate(firms, start=1):
        response = client.post("/api/companies", json=firm.body(serial))
        assert response.status_code == 201, f"creating {firm.name}: {response.text}"


def get_gaps(client, code: str = A) -> dict:
    response = client.get(f"/api/chains/{code}/gaps")
    assert response.status_code == 200, response.text
    return response.json()


def assert_report_matches(report: dict, expected: dict) -> None:
    assert report["leaves"] == expected["leaves"], "leaf count"
    rows = {row["code"]: row for row in report["segments"]}
    assert len(rows) == len(report["segments"]), "a leaf is listed twice"
    assert set(rows) == set(expected["segments"]), "segments must be exactly the leaves"
    for code, want in expected["segments"].items():
        got = {field: rows[code][field] for field in want}
        assert got == want, f"leaf {code}: got {got}, SPEC §4 gives {want}"
    assert report["completeness"] == expected["completeness"], (
        f"completeness {report['completeness']}, expected {expected['completeness']}"
    )
    got_gaps = [
        {"code": g["code"], "depends_on_it": g["depends_on_it"], "targets": g["targets"]}
        for g in report["gaps"]
    ]
    assert got_gaps == expected["gaps"], (
        "gaps (code, depends_on_it, targets) in order:\n"
        f"  got      {[tuple(g.values()) for g in got_gaps]}\n"
        f"  expected {[tuple(g.values()) for g in expected['gaps']]}"
    )


def assert_recommendations(report: dict, expected: dict) -> None:
    recs = report["recommendations"]
    names = [r["name"] for r in recs]
    assert len(names) == len(set(names)), f"a company is recommended twice: {names}"
    assert set(names) == set(expected["recommended"]), (
        "recommendations must be exactly the non-local companies in gap segments"
    )
    for rec in recs:
        assert sorted(rec["segments"]) == expected["recommended"][rec["name"]], (
            f"{rec['name']}: gap segments {rec['segments']}"
        )
        assert rec["reasons"], f"{rec['name']} has a score without reasons"
        points = sum(reason["points"] for reason in rec["reasons"])
        assert math.isclose(points, rec["score"], abs_tol=0.05), (
            f"{rec['name']}: reasons add up to {points}, score is {rec['score']}"
        )
    scores = [r["score"] for r in recs]
    assert scores == sorted(scores, reverse=True), f"not sorted by score: {scores}"


# --- tests ----------------------------------------------------------------------------------


def test_gap_report_follows_spec(staff, anon, login):
    build_scenario(staff, FIRMS)
    expected = expected_report([CHAIN_A, CHAIN_B], FIRMS, A)

    # The reference agrees with the hand-derived figures in the module docstring.
    assert expected["completeness"] == 0.471
    assert [(g["code"], g["depends_on_it"]) for g in expected["gaps"]] == [
        ("graphite", 5),
        ("controller", 3),
        ("cobalt", 3),
        ("lithium", 3),
        ("cell", 3),
        ("wiring", 2),
        ("recycling", 1),
        ("charging", 1),
        ("aftermarket", 0),
    ]

    report = get_gaps(staff)
    assert report["chain"] == A
    assert_report_matches(report, expected)

    rows = {row["code"]: row for row in report["segments"]}
    assert not PARENTS & set(rows), "parent segments are not rows of the report"
    # Spot checks of the cases the scenario is built for.
    assert rows["pack"]["local_companies"] == 1 and rows["body"]["local_companies"] == 2
    assert rows["software"]["status"] == "weak", "a non-local leader does not make it strong"
    assert rows["software"]["leader_present"] is False
    assert (rows["motor"]["status"], rows["motor"]["leader_present"]) == ("strong", True)
    assert (rows["assembly"]["status"], rows["assembly"]["leader_present"]) == ("strong", False)
    assert rows["assembly"]["targets"] == 2

    assert_recommendations(report, expected)
    by_name = {r["name"]: r for r in report["recommendations"]}
    assert by_name["锂业巨头"]["score"] > by_name["锂业小厂"]["score"], (
        "a fortune500 leader with large revenue must outrank a small untagged firm in lithium"
    )
    assert sorted(by_name["Multi"]["segments"]) == ["cobalt", "controller", "graphite"]

    # Chain B's report does not leak into A's and vice versa.
    report_b = get_gaps(staff, B)
    assert [g["code"] for g in report_b["gaps"]] == ["resin"]
    assert [r["name"] for r in report_b["recommendations"]] == ["外地树脂"]

    # Access.
    assert staff.get("/api/chains/no-such-chain/gaps").status_code == 404
    assert staff.get("/api/chains/no-such-chain/graph").status_code == 404
    assert anon.get(f"/api/chains/{A}/gaps").status_code == 401
    assert anon.get(f"/api/chains/{A}/graph").status_code == 401
    viewer = login("viewer")
    response = viewer.get(f"/api/chains/{A}/gaps")
    assert response.status_code == 200, response.text
    assert response.json() == report, "a viewer sees the same report"


def test_graph_has_nodes_with_status_external_nodes_and_edges(staff):
    build_scenario(staff, FIRMS)
    expected = expected_report([CHAIN_A, CHAIN_B], FIRMS, A)

    response = staff.get(f"/api/chains/{A}/graph")
    assert response.status_code == 200, response.text
    graph = response.json()
    assert graph["chain"] == A

    nodes = {f"{n['chain']}:{n['code']}": n for n in graph["nodes"]}
    assert len(nodes) == len(graph["nodes"]), "a node is listed twice"
    own = {key for key, n in nodes.items() if not n["external"]}
    assert own == set(segment_keys(CHAIN_A)), "internal nodes must be all of A's segments"
    for key in leaf_keys(CHAIN_A):
        assert nodes[key]["status"] == expected["statuses"][key], f"status of node {key}"

    for key in (f"{B}:fiber", f"{B}:resin"):
        assert key in nodes, f"cross-chain node {key} is missing"
        assert nodes[key]["external"] is True, f"{key} must be marked external"
        assert nodes[key]["status"] == expected["statuses"][key], f"status of node {key}"
    assert all(key.startswith(f"{B}:") for key, n in nodes.items() if n["external"])

    edges = {(e["source"], e["target"]) for e in graph["edges"]}
    a_keys = set(segment_keys(CHAIN_A))
    touching_a = {e for e in edges if e[0] in a_keys or e[1] in a_keys}
    want = {e for e in edge_list([CHAIN_A])}
    assert touching_a == want, (
        f"edges of A: missing {sorted(want - touching_a)}, extra {sorted(touching_a - want)}"
    )
    assert edges - touching_a <= set(edge_list([CHAIN_B])), "unknown edges"
    for source, target_key in edges:
        assert source in nodes and target_key in nodes, f"edge {source} → {target_key}"


def test_local_company_in_missing_segment_turns_it_weak(staff):
    build_scenario(staff, FIRMS)
    before = get_gaps(staff)
    assert before["completeness"] == 0.471
    assert next(r for r in before["segments"] if r["code"] == "cell")["status"] == "missing"

    newcomer = local("新落地电芯厂", f"{A}:cell")
    response = staff.post("/api/companies", json=newcomer.body(len(FIRMS) + 1))
    assert response.status_code == 201, response.text

    firms = [*FIRMS, newcomer]
    expected = expected_report([CHAIN_A, CHAIN_B], firms, A)
    assert expected["completeness"] == 0.529  # 9 / 17

    after = get_gaps(staff)
    assert_report_matches(after, expected)
    cell = next(r for r in after["segments"] if r["code"] == "cell")
    assert (cell["status"], cell["local_companies"]) == ("weak", 1)
    assert after["completeness"] > before["completeness"]
    assert "cell" not in [g["code"] for g in after["gaps"]]
    # cell no longer a gap: its suppliers now count it among their dependants.
    depends = {g["code"]: g["depends_on_it"] for g in after["gaps"]}
    assert (depends["graphite"], depends["lithium"], depends["cobalt"]) == (6, 4, 4)
    assert_recommendations(after, expected)
    assert "电芯厂" not in {r["name"] for r in after["recommendations"]}
