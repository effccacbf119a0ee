"""The Jinja environment of the pages and the one way a page is rendered.

A request from htmx (``HX-Request: true``) gets only the named block of the template; any
other request gets the whole page, so every URL also works without JavaScript.
"""

import json
from datetime import date, datetime
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2_fragments.fastapi import Jinja2Blocks
from markupsafe import Markup

from crm.api.static import WEB_ROOT, vendor_path
from crm.i18n import HTML_LANG, Translator

TEMPLATES_DIR = WEB_ROOT / "templates"

templates = Jinja2Blocks(directory=str(TEMPLATES_DIR))


def yi(amount_wan: float | None) -> str:
    """万元 shown to leadership in 亿元, two decimals."""
    return "–" if amount_wan is None else f"{amount_wan / 10_000:,.2f}"


def yi_number(amount_wan: float | None) -> float | None:
    """亿元 as a number for a chart (two decimals)."""
    return None if amount_wan is None else round(amount_wan / 10_000, 2)


def wan(amount_wan: float | None) -> str:
    return "–" if amount_wan is None else f"{amount_wan:,.0f}"


def percent(rate: float | None) -> str:
    return "–" if rate is None else f"{rate * 100:.1f}%"


def day(value: date | datetime | None) -> str:
    if value is None:
        return "–"
    if isinstance(value, datetime):
        value = value.astimezone().date()
    return value.isoformat()


def json_island(data: Any) -> Markup:
    """Data for a script to read from ``<script type="application/json">``: escaped so that
    no value can close the script element."""
    text = json.dumps(data, ensure_ascii=False, default=str)
    text = text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return Markup(text)


templates.env.globals["vendor"] = vendor_path
templates.env.filters.update(
    yi=yi, yi_number=yi_number, wan=wan, percent=percent, day=day, json_island=json_island
)


def is_htmx(request: Request) -> bool:
    return request.headers.get("HX-Request") == "true"


def render(
    request: Request,
    name: str,
    context: dict[str, Any],
    *,
    block: str | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    """The page ``name``; only its ``block`` when htmx asks for a part of it."""
    lang = getattr(request.state, "lang", "zh")
    context = {
        "t": Translator(lang),
        "lang": lang,
        "html_lang": HTML_LANG[lang],
        "user": getattr(request.state, "user", None),
        **context,
    }
    if block and is_htmx(request):
        return templates.TemplateResponse(
            request, name, context, block_name=block, status_code=status_code
        )
    return templates.TemplateResponse(request, name, context, status_code=status_code)
