from enum import StrEnum

from pydantic import BaseModel

from crm.chains.models import Stage


class Status(StrEnum):
    missing = "missing"
    weak = "weak"
    strong = "strong"


class LeafReport(BaseModel):
    code: str
    name: str
    stage: Stage
    parent: str | None
    direction: bool
    local_companies: int
    targets: int
    status: Status
    leader_present: bool


class Gap(BaseModel):
    code: str
    name: str
    stage: Stage
    direction: bool
    depends_on_it: int
    targets: int


class Reason(BaseModel):
    factor: str
    points: float
    label: str


class Recommendation(BaseModel):
    company_id: int
    name: str
    province: str | None
    city: str | None
    segments: list[str]
    score: float
    reasons: list[Reason]


class GapReport(BaseModel):
    chain: str
    leaves: int
    completeness: float
    segments: list[LeafReport]
    gaps: list[Gap]
    recommendations: list[Recommendation]


class GraphNode(BaseModel):
    id: str
    chain: str
    code: str
    name: str
    stage: Stage
    parent: str | None
    direction: bool
    is_leaf: bool
    external: bool
    status: Status
    local_companies: int
    targets: int


class GraphEdge(BaseModel):
    source: str
    target: str


class ChainGraph(BaseModel):
    chain: str
    nodes: list[GraphNode]
    edges: list[GraphEdge]
