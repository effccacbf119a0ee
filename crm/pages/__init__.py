"""The web pages: server-rendered over the same services as the API (SPEC §7).

``install_pages(app)`` serves the page routes, the CSRF check, and renders
errors met on a page as a page (the API keeps its JSON errors).
"""

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import RedirectResponse, Response

from crm.errors import Conflict, DomainError, Invalid, NotAuthenticated, NotFound, NotPermitted
from crm.pages import (
    auth,
    board,
    chains,
    cockpit,
    companies,
    escalations,
    evaluation,
    figures,
    imports,
    ladder,
    ladder_plans,
    leads,
    parks,
    projects,
    reports,
    taskforces,
    tickets,
    users,
    workdays,
)
from crm.pages.csrf import CSRFMiddleware
from crm.pages.deps import LoginRequired, language
from crm.pages.forms import FormRejected
from crm.pages.templating import render

ERROR_MESSAGES = {
    NotFound: "error.not_found",
    NotPermitted: "error.forbidden",
    Invalid: "error.invalid",
    Conflict: "error.conflict",
}
PAGE_ROUTERS = [
    auth.router,
    cockpit.router,
    chains.router,
    companies.router,
    board.router,
    leads.router,
    taskforces.router,
    projects.router,
    tickets.router,
    escalations.router,
    workdays.router,
    imports.router,
    users.router,
    reports.router,
    figures.router,  # /parks/figures before /parks/{id}
    parks.router,
    evaluation.router,
    ladder.router,
    ladder_plans.router,
]


def install_pages(app: FastAPI) -> None:
    for router in PAGE_ROUTERS:
        app.include_router(router)
    app.add_middleware(CSRFMiddleware, trusted_origins=app.state.settings.trusted_origins)

    @app.exception_handler(FormRejected)
    async def form_again(_request: Request, rejected: FormRejected) -> Response:
        return rejected.response

    @app.exception_handler(LoginRequired)
    async def to_login(_request: Request, error: LoginRequired) -> Response:
        return RedirectResponse(error.next_path, status_code=303)

    api_domain_error = app.exception_handlers[DomainError]
    api_invalid_request = app.exception_handlers[RequestValidationError]

    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, error: RequestValidationError) -> Response:
        if request.url.path.startswith("/api"):
            return await api_invalid_request(request, error)
        language(request)
        fields = ", ".join(str(e["loc"][-1]) for e in error.errors())
        context = {"message_key": "error.invalid", "detail": fields, "status_code": 422}
        return render(request, "errors/error.html", context, status_code=422)

    @app.exception_handler(DomainError)
    async def domain_error(request: Request, error: DomainError) -> Response:
        if request.url.path.startswith("/api") or isinstance(error, NotAuthenticated):
            return await api_domain_error(request, error)
        language(request)
        key, detail = ERROR_MESSAGES.get(type(error), "error.title"), None
        if isinstance(error, Invalid):
            detail = str(error)
        elif isinstance(error, Conflict) and isinstance(error.detail, str):
            detail = error.detail
        context = {"message_key": key, "detail": detail, "status_code": error.status_code}
        return render(request, "errors/error.html", context, status_code=error.status_code)
