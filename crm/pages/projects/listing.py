"""``/projects``: signed projects with filters, sorting and paging."""

from datetime import date
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Request
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, Field, ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from crm.api.deps import AppSettings, DbSession, RequestTime
from crm.auth.models import Role, User
from crm.chains.models import Chain
from crm.clock import local_date
from crm.companies.models import Park
from crm.leads.models import Stage
from crm.listing import Page
from crm.pages.deps import PageUser
from crm.pages.templating import render
from crm.projects import lights
from crm.projects import lists as project_lists
from crm.projects import records as project_records
from crm.projects.models import Light
from crm.taskforces.models import TaskForce

router = APIRouter()

PAGE_SIZE = 50
# The stages a project's lead can be in.
PROJECT_STAGES = (Stage.signed, Stage.started, Stage.producing, Stage.paused, Stage.lost)
SORT_KEYS = ("-signed_on", "signed_on", "-signed_investment", "signed_investment")


class ProjectQuery(BaseModel):
    q: str | None = Field(None, max_length=200)
    stage: Stage | None = None
    chain: str | None = Field(None, max_length=64)
    park: str | None = Field(None, max_length=100)
    specialist: str | None = Field(None, max_length=64)
    task_force_id: int | None = Field(None, ge=1, le=2**31 - 1)
    signed_from: date | None = None
    signed_to: date | None = None
    light: Light | None = None
    watch: lights.Watchlist | None = None
    sort: str = Field("-signed_on", pattern="^-?(signed_on|signed_investment)$")
    offset: int = Field(0, ge=0, le=10_000_000)

    def link(self, **changes: object) -> str:
        """The query string of these filters (no offset), with ``changes`` applied."""
        values = {**self.model_dump(exclude={"offset"}, exclude_none=True), **changes}
        return urlencode({k: v for k, v in values.items() if v is not None})

    def sort_link(self, column: str) -> str:
        """Sort by ``column``; the same column again flips the direction."""
        return self.link(sort=column if self.sort == f"-{column}" else f"-{column}")


def project_query(request: Request) -> ProjectQuery:
    values = {key: value for key, value in request.query_params.items() if value != ""}
    try:
        return ProjectQuery.model_validate(values)
    except ValidationError as error:
        raise RequestValidationError(error.errors(include_url=False)) from None


@router.get("/projects")
def project_list(
    request: Request,
    session: DbSession,
    user: PageUser,
    query: Annotated[ProjectQuery, Depends(project_query)],
    now: RequestTime,
    settings: AppSettings,
):
    limits = lights.cutoffs(local_date(now), settings)
    projects, total = project_lists.list_projects(
        session,
        page=Page(limit=PAGE_SIZE, offset=query.offset),
        only=lights.narrowed(None, limits, light=query.light, watchlist=query.watch),
        **query.model_dump(exclude={"offset", "light", "watch"}),
    )
    context = {
        "query": query,
        "projects": projects,
        "lights": lights.lights_of(session, [p.id for p in projects], limits),
        "light_choices": list(Light),
        "watchlists": list(lights.Watchlist),
        "in_place": {p.id: project_records.investment_in_place(p) for p in projects},
        "total": total,
        "limit": PAGE_SIZE,
        "stages": PROJECT_STAGES,
        **filter_options(session),
    }
    return render(request, "projects/list.html", context, block="results")


def filter_options(session: Session) -> dict:
    """The choices of the filters, names not codes: four queries whatever the page shows."""
    specialists = select(User.username, User.full_name).where(User.role == Role.specialist)
    return {
        "chains": session.execute(
            select(Chain.code, Chain.name, Chain.name_en).order_by(Chain.code)
        ).all(),
        "parks": list(session.scalars(select(Park.name).order_by(Park.name))),
        "specialists": session.execute(specialists.order_by(User.username)).all(),
        "task_forces": session.execute(
            select(TaskForce.id, TaskForce.name).order_by(TaskForce.name)
        ).all(),
    }
