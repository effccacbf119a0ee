"""Log-in, log-out and the language switch."""

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from crm.api.deps import ClientAddress, DbSession, LoginLimitsDep, RequestTime
from crm.auth import service as auth_service
from crm.auth import sessions
from crm.auth.throttle import LoginRefused
from crm.errors import TooManyAttempts
from crm.i18n import LANGUAGES
from crm.pages.csrf import is_cross_site
from crm.pages.deps import (
    LANGUAGE_COOKIE,
    SESSION_COOKIE,
    Language,
    optional_page_user,
    safe_next,
)
from crm.pages.templating import render

router = APIRouter(include_in_schema=False)

YEAR_SECONDS = 365 * 24 * 3600


def _login_page(
    request: Request,
    *,
    next_path: str,
    error: str | None = None,
    error_values: dict | None = None,
    username: str = "",
    status_code: int = 200,
):
    context = {
        "next": next_path,
        "error": error,
        "error_values": error_values,
        "username": username,
    }
    return render(request, "auth/login.html", context, status_code=status_code)


@router.get("/login")
def login_form(request: Request, session: DbSession, lang: Language, next: str = "/"):
    if optional_page_user(request, session, lang) is not None:
        return RedirectResponse(safe_next(next), status_code=303)
    return _login_page(request, next_path=safe_next(next))


@router.post("/login")
def log_in(
    request: Request,
    session: DbSession,
    now: RequestTime,
    address: ClientAddress,
    limits: LoginLimitsDep,
    _lang: Language,
    username: Annotated[str, Form(max_length=64)],
    password: Annotated[str, Form(max_length=256)],
    next: Annotated[str, Form(max_length=2000)] = "/",
) -> Response:
    trusted = frozenset(request.app.state.settings.trusted_origins)
    if is_cross_site(request.headers, trusted):  # no logging a victim in as someone else
        return render(request, "errors/error.html", {"message_key": "error.csrf"}, status_code=403)
    back = safe_next(next)
    try:
        user = auth_service.log_in(
            session, username=username, password=password, address=address, now=now, limits=limits
        )
    except LoginRefused:  # the failure it recorded is committed with this request
        return _login_page(request, next_path=back, error="login.failed", username=username)
    except TooManyAttempts as refusal:
        minutes = max(1, -(-refusal.retry_after // 60))
        response = _login_page(
            request,
            next_path=back,
            error="login.throttled",
            error_values={"minutes": minutes},
            username=username,
            status_code=429,
        )
        response.headers.update(refusal.headers or {})
        return response
    token = sessions.start(session, user, now=now)
    response = RedirectResponse(back, status_code=303)
    response.set_cookie(
        SESSION_COOKIE,
        token,
        httponly=True,
        samesite="lax",
        secure=request.url.scheme == "https" or request.app.state.settings.behind_https,
        path="/",
    )
    return response


@router.post("/logout")
def log_out(request: Request, session: DbSession) -> Response:
    token = request.cookies.get(SESSION_COOKIE)
    if token:
        sessions.end(session, token)
    response = RedirectResponse("/login?bye=1", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


@router.get("/lang/{code}")
def switch_language(code: str, next: str = "/") -> Response:
    """Remember the chosen language in a cookie and go back to the page."""
    response = RedirectResponse(safe_next(next), status_code=303)
    if code in LANGUAGES:
        response.set_cookie(LANGUAGE_COOKIE, code, max_age=YEAR_SECONDS, samesite="lax", path="/")
    return response
