from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query, Response

from crm.api.deps import AppSettings, CurrentUser, DbSession, PageParams, RequestTime
from crm.api.records import MineProjects, WritableProject
from crm.auth import policy
from crm.clock import local_date
from crm.leads.models import Stage
from crm.listing import ListResult
from crm.places import InvestorOrigin
from crm.projects import greencards, lights
from crm.projects import lists as project_lists
from crm.projects import policy as policy_service
from crm.projects import records as project_records
from crm.projects import service as project_service
from crm.projects.models import AgreementType, CardStatus, Light
from crm.projects.plan_schemas import WatchlistCounts
from crm.projects.schemas import (
    FundingCreate,
    FundingRecorded,
    GreenCardPublic,
    GreenCardUpdate,
    HomeCounties,
    IncentivePatch,
    PolicyPublic,
    PolicyPut,
    ProjectDetail,
    ProjectPublic,
    ProjectUpdate,
)

router = APIRouter(prefix="/projects", tags=["projects"])


@router.get("", response_model=ListResult[ProjectPublic])
def list_projects(
    session: DbSession,
    page: PageParams,
    mine: MineProjects,
    now: RequestTime,
    settings: AppSettings,
    q: Annotated[str | None, Query(description="text in the company name")] = None,
    stage: Stage | None = None,
    chain: Annotated[str | None, Query(description="chain code")] = None,
    park: Annotated[str | None, Query(description="park name")] = None,
    specialist: Annotated[str | None, Query(description="username")] = None,
    task_force_id: int | None = None,
    signed_from: Annotated[date | None, Query(description="signed on or after")] = None,
    signed_to: Annotated[date | None, Query(description="signed on or before")] = None,
    card_status: CardStatus | None = None,
    agreement_type: AgreementType | None = None,
    investor_origin: InvestorOrigin | None = None,
    county: Annotated[str | None, Query(max_length=50, description="江油 or 江油市")] = None,
    light: Annotated[Light | None, Query(description="红黄绿灯 today")] = None,
    watch: Annotated[
        lights.Watchlist | None,
        Query(
            description="逾期未开工 overdue_start; 三未: not_started, started_stalled, not_completed"
        ),
    ] = None,
):
    """Signed projects, newest signing first, each with its light today."""
    limits = lights.cutoffs(local_date(now), settings)
    items, total = project_lists.list_projects(
        session,
        page=page,
        q=q,
        stage=stage,
        chain=chain,
        park=park,
        specialist=specialist,
        task_force_id=task_force_id,
        signed_from=signed_from,
        signed_to=signed_to,
        card_status=card_status,
        agreement_type=agreement_type,
        investor_origin=investor_origin,
        county=county,
        only=lights.narrowed(mine, limits, light=light, watchlist=watch),
    )
    shown = lights.lights_of(session, [p.id for p in items], limits)
    return {
        "items": [
            project_records.public(p).model_copy(update={"light": shown[p.id]}) for p in items
        ],
        "total": total,
    }


@router.get("/watchlists", response_model=WatchlistCounts)
def watchlist_counts(
    mine: MineProjects, session: DbSession, now: RequestTime, settings: AppSettings
):
    """How many projects are 逾期未开工 and in each 三未 list, and how many are amber and red;
    list them with ``GET /api/projects?watch=…`` or ``?light=…``."""
    limits = lights.cutoffs(local_date(now), settings)
    return lights.watchlist_counts(session, limits, only=mine)


@router.get("/counties", response_model=HomeCounties)
def home_counties():
    """The counties (区县) a project can land in: those of the city the bureau serves."""
    return project_service.home_counties()


@router.get("/{project_id}", response_model=ProjectDetail)
def get_project(project_id: int, session: DbSession, now: RequestTime, settings: AppSettings):
    """The project, with its light today (from its milestones and funding schedule)."""
    project = project_records.detail(project_service.get(session, project_id))
    limits = lights.cutoffs(local_date(now), settings)
    return project.model_copy(
        update={"light": lights.lights_of(session, [project_id], limits)[project_id]}
    )


@router.patch("/{project_id}", response_model=ProjectDetail)
def update_project(
    project: WritableProject,
    data: ProjectUpdate,
    session: DbSession,
    user: CurrentUser,
    now: RequestTime,
):
    """Change the project; a new ``specialist`` (the office's to choose) is recorded in
    ``specialist_history``."""
    policy.require_project_fields(session, user, project, data.model_dump(exclude_unset=True))
    project_service.update(session, project, data, by=user.username, now=now)
    return project_records.detail(project)


@router.post("/{project_id}/funding", response_model=FundingRecorded, status_code=201)
def add_funding(
    project: WritableProject,
    data: FundingCreate,
    session: DbSession,
    user: CurrentUser,
    now: RequestTime,
):
    """Record money in place (资金到位); answers with the new total to date."""
    entry = project_service.add_funding(session, project, data, by=user.username, now=now)
    return FundingRecorded(
        id=entry.id,
        date=entry.date,
        amount=entry.amount,
        source_region=entry.source_region,
        note=entry.note,
        by=entry.by,
        at=entry.at,
        investment_in_place=project_records.investment_in_place(project),
    )


@router.delete("/{project_id}/funding/{entry_id}", status_code=204)
def delete_funding(project: WritableProject, entry_id: int, session: DbSession) -> Response:
    project_service.delete_funding(session, project, entry_id)
    return Response(status_code=204)


@router.get("/{project_id}/policy", response_model=PolicyPublic)
def get_policy(project_id: int, session: DbSession):
    return policy_service.public(project_service.get(session, project_id))


@router.put("/{project_id}/policy", response_model=ProjectDetail)
def replace_policy(project: WritableProject, data: PolicyPut, session: DbSession):
    """Set the policy package (一策): incentives with an ``id`` are kept and updated, new ones
    added, the ones left out removed. Carries and bumps the project's version."""
    return project_records.detail(policy_service.replace(session, project, data))


@router.patch("/{project_id}/policy/incentives/{incentive_id}", response_model=ProjectDetail)
def update_incentive(
    project: WritableProject, incentive_id: int, data: IncentivePatch, session: DbSession
):
    """Change one incentive, e.g. record that it was honoured (兑现): ``honoured_at``,
    ``honoured_amount``. Carries and bumps the project's version."""
    policy_service.update_incentive(session, project, incentive_id, data)
    return project_records.detail(project)


@router.patch("/{project_id}/green-card", response_model=GreenCardPublic)
def update_green_card(
    project: WritableProject,
    data: GreenCardUpdate,
    session: DbSession,
    user: CurrentUser,
    now: RequestTime,
):
    """Change the service team, or close / reopen the green card by hand."""
    card = greencards.card_of(project)
    policy.require_green_card_fields(session, user, card, data.model_dump(exclude_unset=True))
    return greencards.public(greencards.update(session, card, data, now=now))
