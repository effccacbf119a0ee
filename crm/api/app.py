"""The application factory: routers assembled with authentication on by default."""

from functools import cache

from fastapi import APIRouter, Depends, FastAPI
from sqlalchemy import text
from sqlalchemy.engine import Engine

from crm.api.deps import DbSession, authorize, current_user
from crm.api.docs import install_docs
from crm.api.errors import install_error_docs, install_error_handlers
from crm.api.routes import (
    account,
    audit,
    auth,
    chains,
    companies,
    dashboard,
    escalations,
    evaluation,
    figures,
    gaps,
    imports,
    ladder,
    land,
    lead_lifecycle,
    leads,
    parks,
    project_plans,
    projects,
    reports,
    taskforces,
    tickets,
    users,
    visits,
    workdays,
)
from crm.api.security import install_security_headers
from crm.api.static import install_static
from crm.clock import system_clock
from crm.config import Settings, get_settings
from crm.db import make_engine, make_sessionmaker
from crm.jobs.runners import job_worker, make_runner
from crm.pages import install_pages

# (router, resource the policy guards it as). A router not listed here is not served.
PROTECTED_ROUTERS = [
    (users.router, "users"),
    (chains.router, "chains"),
    (gaps.router, "chains"),
    (companies.router, "companies"),
    (parks.router, "parks"),
    (taskforces.router, "taskforces"),
    (lead_lifecycle.router, "leads"),  # before leads: /leads/pause-proposals is no lead id
    (leads.router, "leads"),
    (visits.router, "visits"),
    (projects.router, "projects"),
    (project_plans.router, "projects"),
    (tickets.router, "tickets"),
    (escalations.router, "escalations"),
    (workdays.router, "workdays"),
    (imports.router, "imports"),
    (imports.jobs_router, "imports"),
    (dashboard.router, "dashboard"),
    (dashboard.targets_router, "targets"),
    (reports.router, "dashboard"),
    (audit.router, "audit"),
    (land.land_router, "parks"),
    (land.factory_router, "parks"),
    (land.park_figures_router, "parks"),
    (land.lead_sites_router, "leads"),
    (land.project_needs_router, "projects"),
    (figures.router, "figures"),
    (evaluation.router, "evaluation"),
    (evaluation.company_grades_router, "companies"),
    (ladder.router, "ladder"),
]


@cache
def api_router() -> APIRouter:
    """The API's routes with their access rules; built once per process, since building the
    routes is most of the cost of an app and the same routes serve every app."""
    api = APIRouter(prefix="/api")
    api.include_router(auth.router)
    # One's own account: any signed-in user, whatever the role (the routes act on them only).
    api.include_router(account.router, dependencies=[Depends(current_user)])
    for router, resource in PROTECTED_ROUTERS:
        api.include_router(router, dependencies=[Depends(authorize(resource))])
    return api


def install_state(app: FastAPI, settings: Settings, engine: Engine) -> None:
    """What the routes read from ``app.state``; the tests put it back between tests."""
    app.state._state.clear()
    app.state.settings = settings
    app.state.engine = engine
    app.state.sessionmaker = make_sessionmaker(engine)
    app.state.secret_key = settings.secret_key
    app.state.clock = system_clock  # tests replace it to freeze time
    app.state.jobs = make_runner(engine, app.state.sessionmaker)


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()
    engine = make_engine(settings.database_url, echo=settings.sql_echo)
    app = FastAPI(
        lifespan=job_worker,
        title="招商图谱 CRM",
        summary="Investment-promotion CRM with industry-chain maps",
        version="0.1.0",
        docs_url=None,  # served by install_docs from the vendored Swagger UI
        openapi_url="/api/openapi.json",
        redoc_url=None,
    )
    install_state(app, settings, engine)
    install_error_handlers(app)
    install_error_docs(app)
    install_static(app)
    install_docs(app)

    app.include_router(api_router())
    install_pages(app)
    # Last, so outermost: even a response another middleware makes (a CSRF refusal) has them.
    install_security_headers(app, behind_https=settings.behind_https)

    @app.get("/health", tags=["health"])
    def health(session: DbSession) -> dict[str, str]:
        session.execute(text("SELECT 1"))
        return {"status": "ok"}

    return app
