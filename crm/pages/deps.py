"""What every page handler needs: the signed-in user from the session cookie, the language."""

from dataclasses import dataclass
from datetime import timedelta
from typing import Annotated
from urllib.parse import quote, urlsplit

from fastapi import Depends, Request

from crm.api.deps import DbSession, request_time
from crm.audit import set_actor
from crm.auth import sessions
from crm.auth.models import Role, User
from crm.i18n import normalise

SESSION_COOKIE = "crm_session"
LANGUAGE_COOKIE = "crm_lang"


@dataclass(frozen=True)
class Account:
    """Who is signed in, as the page header shows it; a plain copy, so an error page can
    still show it after the request's transaction was rolled back."""

    username: str
    full_name: str
    role: Role


class LoginRequired(Exception):
    """Raised for an anonymous visitor; rendered as a redirect to the log-in page."""

    def __init__(self, next_path: str):
        self.next_path = next_path


def safe_next(target: str | None) -> str:
    """A local path to go to after log-in; anything else (another host, ``//evil``,
    ``/\\evil``, a scheme) becomes the cockpit, so log-in is no open redirect."""
    if not target or not target.startswith("/") or target.startswith(("//", "/\\")):
        return "/"
    if any(ch in target for ch in "\\\r\n\t") or ":" in target.split("?", 1)[0]:
        return "/"
    return target


def login_url(request: Request) -> str:
    """Log in, then come back: to this page, or, for a form posted after the session ended,
    to the page the form was on (the post itself is not replayed)."""
    if request.method in ("GET", "HEAD"):
        path = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    else:
        path = _referring_page(request)
    return f"/login?next={quote(path, safe='')}"


def _referring_page(request: Request) -> str:
    referer = urlsplit(request.headers.get("referer", ""))
    if referer.netloc != request.url.netloc:
        return "/"
    return safe_next(referer.path + (f"?{referer.query}" if referer.query else ""))


def language(request: Request) -> str:
    lang = normalise(request.cookies.get(LANGUAGE_COOKIE))
    request.state.lang = lang
    return lang


Language = Annotated[str, Depends(language)]


def optional_page_user(request: Request, session: DbSession, _lang: Language) -> User | None:
    token = request.cookies.get(SESSION_COOKIE)
    if not token:
        return None
    settings = request.app.state.settings
    user = sessions.resolve(
        session,
        token,
        now=request_time(request),
        idle=timedelta(minutes=settings.session_idle_minutes),
        lifetime=timedelta(hours=settings.session_lifetime_hours),
    )
    if user is not None:
        set_actor(session, user.username)
        request.state.user = Account(user.username, user.full_name, user.role)
    return user


def page_user(request: Request, user: Annotated[User | None, Depends(optional_page_user)]) -> User:
    if user is None:
        raise LoginRequired(login_url(request))
    return user


PageUser = Annotated[User, Depends(page_user)]
