"""Cross-site request forgery protection for requests that carry the session cookie.

A browser says where a request comes from (``Sec-Fetch-Site``, else ``Origin``); an unsafe
request from another site that would ride on the session cookie is refused with 403. Requests
without the cookie (API clients with a bearer token) are not affected: a forged request
cannot add a bearer token.
"""

from http.cookies import SimpleCookie
from urllib.parse import urlsplit

from starlette.datastructures import Headers
from starlette.responses import HTMLResponse, JSONResponse
from starlette.types import ASGIApp, Receive, Scope, Send

from crm.i18n import translate
from crm.pages.deps import LANGUAGE_COOKIE, SESSION_COOKIE

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
SAME_ORIGIN = frozenset({"same-origin", "none"})  # "none": typed by the user, a bookmark


def _cookies(headers: Headers) -> dict[str, str]:
    jar = SimpleCookie()
    try:
        jar.load(headers.get("cookie", ""))
    except Exception:  # a malformed cookie header carries no session either
        return {}
    return {key: morsel.value for key, morsel in jar.items()}


def is_cross_site(headers: Headers, trusted: frozenset[str]) -> bool:
    origin = headers.get("origin")
    if origin and origin.rstrip("/") in trusted:
        return False
    fetch_site = headers.get("sec-fetch-site")
    if fetch_site is not None:
        return fetch_site not in SAME_ORIGIN
    if origin is None:
        return False  # not a browser: nothing rides on a victim's cookie
    # The host is what a forged request cannot choose; a proxy that rewrites it needs
    # the public origin listed in the trusted origins setting.
    return origin == "null" or urlsplit(origin).netloc != headers.get("host", "")


class CSRFMiddleware:
    def __init__(self, app: ASGIApp, trusted_origins: list[str] | None = None):
        self.app = app
        self.trusted = frozenset(o.rstrip("/") for o in trusted_origins or [])

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] in SAFE_METHODS:
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        cookies = _cookies(headers)
        if SESSION_COOKIE not in cookies or not is_cross_site(headers, self.trusted):
            await self.app(scope, receive, send)
            return
        message = translate(cookies.get(LANGUAGE_COOKIE, "zh"), "error.csrf")
        if "text/html" in headers.get("accept", ""):
            response = HTMLResponse(_refusal_page(message), status_code=403)
        else:
            response = JSONResponse({"detail": message}, status_code=403)
        await response(scope, receive, send)


def _refusal_page(message: str) -> str:
    return (
        '<!doctype html><html lang="zh-CN"><head><meta charset="utf-8">'
        "<title>403</title></head><body><main><h1>403</h1>"
        f'<p>{message}</p><p><a href="/">/</a></p></main></body></html>'
    )
