"""Chain maps: ``/chains`` (every chain with its completeness) and ``/chains/{code}`` (three
columns of segments by status, supply links, gaps, and a panel per segment)."""

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from sqlalchemy import select
from sqlalchemy.orm import Session

from crm.api.deps import DbSession, RequestTime
from crm.auth import policy
from crm.auth.models import Role, User
from crm.chains import service as chain_service
from crm.chains.models import Chain, Stage
from crm.companies import service as company_service
from crm.errors import NotFound
from crm.gaps import service as gap_service
from crm.gaps.schemas import GapReport, Status
from crm.i18n import Translator
from crm.leads import lists as lead_lists
from crm.leads import service as lead_service
from crm.leads.schemas import LeadCreate, LeadFilters
from crm.listing import Page
from crm.pages.deps import PageUser
from crm.pages.templating import is_htmx, render
from crm.taskforces.models import TaskForce

router = APIRouter(include_in_schema=False)

COLUMNS = [Stage.upstream, Stage.midstream, Stage.downstream]
COLUMN_WIDTH, ROW_HEIGHT = 260, 90
PANEL_ROWS = 30


@router.get("/chains")
def chain_list(request: Request, session: DbSession, user: PageUser):
    chains = list(session.scalars(select(Chain).order_by(Chain.code)))
    summaries = {s.code: s for s in chain_service.summaries(session, chains)}
    rows = []
    for chain in chains:
        report = gap_service.gap_report(session, chain.code, recommendation_limit=0)
        weak = sum(1 for s in report.segments if s.status == Status.weak)
        rows.append({"chain": summaries[chain.code], "report": report, "weak": weak})
    return render(request, "chains/list.html", {"rows": rows})


@router.get("/chains/{code}")
def chain_map(
    request: Request, session: DbSession, user: PageUser, code: str, segment: str | None = None
):
    chain = chain_service.get(session, code)
    report = gap_service.gap_report(session, chain.code, recommendation_limit=500)
    context = _map_context(session, chain, report, Translator(request.state.lang))
    if segment:
        context["panel"] = _panel_context(session, user, chain, report, segment)
    return render(request, "chains/map.html", context)


@router.get("/chains/{code}/segments/{segment}")
def segment_panel(request: Request, session: DbSession, user: PageUser, code: str, segment: str):
    """The side panel of one segment: local firms, targets with reasons, leads. htmx swaps
    it in; without JavaScript the map page opens with the panel shown."""
    if not is_htmx(request):
        return RedirectResponse(f"/chains/{code}?segment={segment}#panel", status_code=303)
    chain = chain_service.get(session, code)
    report = gap_service.gap_report(session, chain.code, recommendation_limit=500)
    panel = _panel_context(session, user, chain, report, segment)
    return render(request, "chains/map.html", {"chain": chain, "panel": panel}, block="panel")


@router.post("/chains/{code}/segments/{segment}/leads")
def create_lead_from_target(
    request: Request,
    session: DbSession,
    user: PageUser,
    now: RequestTime,
    code: str,
    segment: str,
    company_id: Annotated[int, Form(ge=1, le=2**31 - 1)],
    task_force_id: Annotated[int | None, Form(ge=1, le=2**31 - 1)] = None,
):
    """The same rules as POST /api/leads: a leader creates leads of their own task forces."""
    policy.check(user, "leads", policy.Action.write)
    data = LeadCreate(
        company_id=company_id, segment=f"{code}:{segment}", task_force_id=task_force_id
    )
    policy.require_lead_fields(session, user, data.model_dump())
    lead, _warnings = lead_service.create(session, data, now=now)
    if is_htmx(request):
        message = Translator(request.state.lang)("chains.lead_created", id=lead.id)
        return HTMLResponse(f'<span class="status status-strong" role="status">{message}</span>')
    return RedirectResponse(f"/chains/{code}?segment={segment}#panel", status_code=303)


def lead_task_forces(session: Session, user: User) -> list[tuple[int, str]] | None:
    """The task forces a user may create a lead for: ``[]`` for the office (no task force
    needed), a leader's own task forces, ``None`` when the user may create no lead."""
    if policy.is_office(user):
        return []
    if user.role != Role.leader:
        return None
    ids = policy.task_force_ids(session, user)
    if not ids:
        return None
    query = select(TaskForce.id, TaskForce.name).where(TaskForce.id.in_(ids))
    return [tuple(row) for row in session.execute(query.order_by(TaskForce.name))]


def _map_context(session: Session, chain: Chain, report: GapReport, t: Translator) -> dict:
    detail = chain_service.detail(session, chain)
    leaves = {s.code: s for s in report.segments}
    segment_ids = {s.code: s.id for s in detail.segments}
    open_leads = lead_service.open_leads_by_segment(session, list(segment_ids.values()))
    products = {s.code: s.products for s in detail.segments}
    cards = {
        code: {
            "leaf": leaf,
            "products": products.get(code, []),
            "open_leads": open_leads.get(segment_ids[code], 0),
        }
        for code, leaf in leaves.items()
    }
    names = {s.code: s.name for s in detail.segments}
    graph = gap_service.chain_graph(session, chain)
    return {
        "chain": chain,
        "report": report,
        "columns": _columns(detail.segments, cards, names),
        "weak": [s for s in report.segments if s.status == Status.weak],
        "leaders": company_service.chain_leaders(session, chain),
        "graph": _graph_layout(graph, _chain_names(session), t),
        "links": _link_rows(graph),
    }


def _columns(segments, cards: dict, names: dict) -> list[dict]:
    """Three columns; in each, leaves grouped under their parent segment (in file order)."""
    columns = []
    for stage in COLUMNS:
        groups: dict[str | None, list] = {}
        for segment in segments:
            if segment.code in cards and segment.stage == stage:
                groups.setdefault(segment.parent, []).append(cards[segment.code])
        columns.append(
            {
                "stage": stage,
                "groups": [
                    {"parent": parent, "name": names.get(parent), "cards": group}
                    for parent, group in groups.items()
                ],
            }
        )
    return columns


def _chain_names(session: Session) -> dict[str, str]:
    return dict(session.execute(select(Chain.code, Chain.name)).all())


def _graph_layout(graph, chain_names: dict[str, str], t: Translator) -> dict:
    """Fixed positions for the chart: a column per stage, linked segments of other chains
    to the left (suppliers) or right (customers), so the picture reads upstream → downstream."""
    own = [n for n in graph.nodes if not n.external and n.is_leaf]
    own_ids = {n.id for n in own}
    external = {n.id: n for n in graph.nodes if n.external}
    feeds_in = {e.source for e in graph.edges if e.target in own_ids and e.source in external}
    positions: dict[str, tuple[float, float]] = {}
    rows = {stage: 0 for stage in COLUMNS}
    for node in own:
        column = COLUMNS.index(node.stage)
        positions[node.id] = ((column + 1) * COLUMN_WIDTH, rows[node.stage] * ROW_HEIGHT)
        rows[node.stage] += 1
    left = right = 0
    for node_id in sorted(external):
        if node_id in feeds_in:
            positions[node_id] = (0, left * ROW_HEIGHT)
            left += 1
        else:
            positions[node_id] = (4 * COLUMN_WIDTH, right * ROW_HEIGHT)
            right += 1
    nodes = [
        {
            "id": n.id,
            "label": n.name,
            "status": n.status.value,
            "external": False,
            "x": positions[n.id][0],
            "y": positions[n.id][1],
        }
        for n in own
    ] + [
        {
            "id": n.id,
            "label": f"{n.name}\n({chain_names.get(n.chain, n.chain)})",
            "status": n.status.value,
            "external": True,
            "x": positions[n.id][0],
            "y": positions[n.id][1],
        }
        for n in external.values()
    ]
    edges = [
        {"source": e.source, "target": e.target}
        for e in graph.edges
        if e.source in positions and e.target in positions
    ]
    headings = [
        {"label": t.label("chain_stage", stage), "x": (i + 1) * COLUMN_WIDTH, "y": -ROW_HEIGHT}
        for i, stage in enumerate(COLUMNS)
    ]
    if left:
        headings.append({"label": t("chains.link_from"), "x": 0, "y": -ROW_HEIGHT})
    if right:
        headings.append({"label": t("chains.link_to"), "x": 4 * COLUMN_WIDTH, "y": -ROW_HEIGHT})
    return {"nodes": nodes, "edges": edges, "headings": headings}


def _link_rows(graph) -> list[dict]:
    nodes = {n.id: n for n in graph.nodes}
    return [
        {"source": nodes[e.source], "target": nodes[e.target]}
        for e in graph.edges
        if e.source in nodes and e.target in nodes
    ]


def _panel_context(
    session: Session, user: User, chain: Chain, report: GapReport, segment_code: str
) -> dict:
    leaf = next((s for s in report.segments if s.code == segment_code), None)
    if leaf is None:
        raise NotFound(f"segment '{segment_code}' is not a leaf of chain '{chain.code}'")
    key = f"{chain.code}:{segment_code}"
    local, local_total = company_service.list_companies(
        session, page=Page(limit=PANEL_ROWS), segment=key, is_local=True
    )
    if leaf.status == Status.missing:
        targets = [r for r in report.recommendations if segment_code in r.segments][:PANEL_ROWS]
        targets_total = sum(1 for r in report.recommendations if segment_code in r.segments)
    else:  # not a gap: the companies elsewhere that work in it, without a gap score
        companies, targets_total = company_service.list_companies(
            session, page=Page(limit=PANEL_ROWS), segment=key, is_local=False
        )
        targets = [company_service.public(c) for c in companies]
    leads, leads_total = lead_lists.list_leads(
        session, page=Page(limit=PANEL_ROWS), filters=LeadFilters(segment=key)
    )
    pursued = lead_service.companies_pursued_in(session, chain.id, segment_code)
    return {
        "leaf": leaf,
        "local": local,
        "local_total": local_total,
        "targets": targets,
        "targets_total": targets_total,
        "scored": leaf.status == Status.missing,
        "leads": leads,
        "leads_total": leads_total,
        "pursued": pursued,
        "lead_task_forces": lead_task_forces(session, user),
    }
