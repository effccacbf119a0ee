"""The API docs page (/api/docs), Swagger UI served from the vendored files.

FastAPI's own docs page loads Swagger UI from a CDN and starts it with an inline script; this
one references only /static and keeps its start-up code in web/static/js/swagger-init.js, which
reads its settings from data attributes, so it works under ``script-src 'self'``.
"""

from html import escape

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse

from crm.api.static import vendor_path

DOCS_PATH = "/api/docs"
# Swagger UI opens this page for the authorization-code and implicit OAuth2 flows; the
# password flow this API uses does not need it, but it costs nothing to keep it working.
OAUTH2_REDIRECT_PATH = "/api/docs/oauth2-redirect"


def install_docs(app: FastAPI) -> None:
    """Serve the docs pages; create the app with ``docs_url=None`` so FastAPI's are not."""

    @app.get(DOCS_PATH, include_in_schema=False)
    def api_docs(request: Request) -> HTMLResponse:
        return HTMLResponse(_docs_html(request, app))

    @app.get(OAUTH2_REDIRECT_PATH, include_in_schema=False)
    def api_docs_oauth2_redirect(request: Request) -> HTMLResponse:
        script = _local(
            request, vendor_path("swagger-ui-dist", "swagger-ui-oauth2-redirect-{v}.js")
        )
        return HTMLResponse(
            f'<!doctype html>\n<html lang="en">\n<head><meta charset="utf-8"><title>OAuth2</title>'
            f'</head>\n<body>\n<script src="{escape(script)}"></script>\n</body>\n</html>\n'
        )


def _local(request: Request, path: str) -> str:
    return request.scope.get("root_path", "") + path


def _docs_html(request: Request, app: FastAPI) -> str:
    def url(path: str) -> str:
        return escape(_local(request, path))

    swagger = "swagger-ui-dist"
    return f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{escape(app.title)} – API</title>
<link rel="stylesheet" href="{url(vendor_path(swagger, "swagger-ui-{v}.css"))}">
<link rel="icon" type="image/png" href="{url(vendor_path(swagger, "swagger-ui-favicon-{v}.png"))}">
</head>
<body>
<main id="swagger-ui" data-openapi-url="{url(app.openapi_url or "")}"
      data-oauth2-redirect-url="{url(OAUTH2_REDIRECT_PATH)}"></main>
<script src="{url(vendor_path(swagger, "swagger-ui-bundle-{v}.js"))}"></script>
<script src="{url("/static/js/swagger-init.js")}"></script>
</body>
</html>
"""
