from typing import Annotated

from fastapi import APIRouter, Query, Response

from crm.api.deps import DbSession
from crm.chains import service as chain_service
from crm.gaps import service as gap_service
from crm.gaps.schemas import ChainGraph, GapReport
from crm.listing import json_model

router = APIRouter(prefix="/chains", tags=["gap analysis"])


@router.get("/{code}/gaps", response_model=GapReport)
def chain_gaps(
    code: str,
    session: DbSession,
    recommendations: Annotated[int, Query(ge=0, le=500)] = 50,
) -> Response:
    """Gap analysis of the chain's leaf segments.

    - `status`: `missing` with no local company, `weak` with 1–2 and none tagged `leader`,
      else `strong`; `completeness` = non-missing leaves / leaves.
    - `gaps`: missing leaves by `depends_on_it` (non-missing segments reachable along supply
      links, across chains) descending, then `targets` descending, then code.
    - `recommendations`: non-local companies in gap segments. Score = 10 for working
      in a gap + tags (世界500强 30,
      龙头 25, 单项冠军 20, 小巨人 15, 上市 10, 专精特新 8) + revenue (5 per decade of 亿元,
      max 20) + employees (2.5 per decade above 10, max 10) + 3 per local segment depending on
      the best gap it fills (max 15) + 5 per further gap it fills + its leads (the furthest open
      one: 已识别 3, 已接洽 5, 已拜访 8, 洽谈中 12; a signed project 5; else lost −10, paused −3).
      `reasons` itemise the points.
    """
    return json_model(gap_service.gap_report(session, code, recommendation_limit=recommendations))


@router.get("/{code}/graph", response_model=ChainGraph)
def chain_graph(code: str, session: DbSession) -> ChainGraph:
    """Nodes (this chain's segments and linked segments of other chains) and supply edges."""
    return gap_service.chain_graph(session, chain_service.get(session, code))
