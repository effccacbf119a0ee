"""Security headers on every response (a pure ASGI middleware: no per-request task or copy).

Every response: no MIME sniffing, no referrer outside the site, never inside a frame. HTML
responses also get ``CONTENT_SECURITY_POLICY``: scripts, styles, fonts and requests only from
the server itself, no inline script (page data travels in ``<script type="application/json">``
islands), inline ``style=""`` attributes allowed (charts size their boxes with them). A
response that sets its own Content-Security-Policy keeps it. With ``behind_https``,
Strict-Transport-Security tells browsers to use HTTPS only.
"""

from fastapi import FastAPI
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; style-src-attr 'unsafe-inline'; "
    "img-src 'self' data:; font-src 'self'; connect-src 'self'; object-src 'none'; "
    "base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)
STRICT_TRANSPORT_SECURITY = "max-age=31536000"  # a year

EVERY_RESPONSE = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
}


class SecurityHeaders:
    def __init__(self, app: ASGIApp, *, behind_https: bool = False):
        self.app = app
        self.headers = dict(EVERY_RESPONSE)
        if behind_https:
            self.headers["Strict-Transport-Security"] = STRICT_TRANSPORT_SECURITY

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in self.headers.items():
                    headers.setdefault(name, value)
                if headers.get("content-type", "").startswith("text/html"):
                    headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
            await send(message)

        await self.app(scope, receive, send_with_headers)


def install_security_headers(app: FastAPI, *, behind_https: bool) -> None:
    app.add_middleware(SecurityHeaders, behind_https=behind_https)
