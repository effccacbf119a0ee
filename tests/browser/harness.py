"""Helpers for the browser tests: what the fixtures in conftest.py hand out (see its docstring)."""

import json
import re
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from urllib.parse import urlencode, urlsplit

import uvicorn

ROOT = Path(__file__).resolve().parent.parent.parent
CHROMIUM = Path("/usr/bin/chromium")
CJK_FONTS = Path("/usr/share/fonts/opentype/noto")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SCREENSHOTS = ROOT / "docs" / "screenshots"
TEST_VENDOR = Path(__file__).resolve().parent / "vendor"
# Served by a route in every test's browser context, never by the product: same origin, so a
# page's CSP (script-src 'self') lets it run, which an inline <script> would not.
AXE_URL_PATH = "/__browser_tests__/axe.min.js"


@cache
def missing_requirements() -> tuple[str, ...]:
    """What the browser tests need and this machine lacks, named as the thing to install."""
    missing = []
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        missing.append("the Python package playwright (make install)")
    if not CHROMIUM.exists():
        missing.append("the Debian package chromium (apt-get install chromium)")
    if not any(CJK_FONTS.glob("NotoSansCJK*")):
        missing.append("the Debian package fonts-noto-cjk (apt-get install fonts-noto-cjk)")
    return tuple(missing)


def axe_file() -> Path:
    """The vendored axe-core, named in tests/browser/vendor/VERSIONS."""
    for line in (TEST_VENDOR / "VERSIONS").read_text("utf-8").splitlines():
        package, _version, name, _sha = line.split("\t")
        if package == "axe-core" and name.endswith(".min.js"):
            return TEST_VENDOR / name
    raise FileNotFoundError("axe-core is not vendored; run make vendor")


# --- the demo database, seeded in a subprocess --------------------------------------------


class DemoDatabase:
    """``tests.browser.demo_data`` run in a subprocess, so seeding can overlap other tests."""

    def __init__(self, url: str, log: Path):
        self.url = url
        self.log = log
        self.started = time.perf_counter()
        self._log_file = log.open("w")
        self._process = subprocess.Popen(
            [sys.executable, "-m", "tests.browser.demo_data", url],
            cwd=ROOT,
            stdout=self._log_file,
            stderr=subprocess.STDOUT,
        )
        self.timings: dict[str, float] = {}

    def wait(self) -> str:
        """Wait for seeding to end; the database URL, or an error with the seeder's output."""
        if self._process.returncode is None:
            self._process.wait()
            self._log_file.close()
            self.timings["waited_for"] = round(time.perf_counter() - self.started, 2)
            output = self.log.read_text("utf-8", errors="replace")
            if self._process.returncode != 0:
                raise RuntimeError(f"seeding the browser tests' database failed:\n{output}")
            self.timings.update(json.loads(output.strip().splitlines()[-1]))
        return self.url

    def stop(self) -> None:
        if self._process.returncode is None:
            self._process.kill()
            self._process.wait()
        self._log_file.close()


# --- the live server ------------------------------------------------------------------------


@dataclass
class LiveServer:
    """The application served by uvicorn in a thread of the test process, on 127.0.0.1."""

    app: object
    url: str = ""
    _server: uvicorn.Server | None = None
    _thread: threading.Thread | None = None

    def start(self) -> "LiveServer":
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", 0))  # a free port, held from here on: no race with others
        self.url = f"http://127.0.0.1:{sock.getsockname()[1]}"
        config = uvicorn.Config(self.app, log_level="warning", access_log=False)
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(
            target=self._server.run, kwargs={"sockets": [sock]}, daemon=True
        )
        self._thread.start()
        deadline = time.monotonic() + 20
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the live server did not start")
            time.sleep(0.02)
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout=10)


# --- watching a page: console errors, page errors, requests -------------------------------


@dataclass
class BrowserWatch:
    """What happened in one test's browser context. ``problems()`` fails the test."""

    origin: str
    requests: list[str] = field(default_factory=list)
    foreign_requests: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    allowed_console_errors: list[re.Pattern] = field(default_factory=list)

    def is_foreign(self, url: str) -> bool:
        parts = urlsplit(url)
        if parts.scheme in ("data", "blob", "about"):
            return False
        return f"{parts.scheme}://{parts.netloc}" != self.origin

    def allow_console_error(self, pattern: str) -> None:
        """A test that provokes an error on purpose (a refused post) names it here."""
        self.allowed_console_errors.append(re.compile(pattern))

    def on_request(self, request) -> None:
        self.requests.append(f"{request.method} {request.url}")
        if self.is_foreign(request.url):
            self.foreign_requests.append(request.url)

    def on_websocket(self, websocket) -> None:
        if urlsplit(websocket.url).netloc != urlsplit(self.origin).netloc:
            self.foreign_requests.append(websocket.url)

    def on_console(self, message) -> None:
        if message.type != "error":
            return
        where = message.location or {}
        text = f"{message.text}  ({where.get('url', '?')}:{where.get('lineNumber', '?')})"
        if not any(pattern.search(text) for pattern in self.allowed_console_errors):
            self.console_errors.append(text)

    def on_page_error(self, error) -> None:
        self.page_errors.append(f"{error.name}: {error.message}\n{error.stack or ''}".strip())

    def route(self, route) -> None:
        """Every request passes here: one for another host is refused, not just noted."""
        if self.is_foreign(route.request.url):
            if route.request.url not in self.foreign_requests:
                self.foreign_requests.append(route.request.url)
            route.abort("blockedbyclient")
        else:
            route.fallback()

    def problems(self) -> str:
        sections = [
            ("requests to another host than " + self.origin, self.foreign_requests),
            ("console errors", self.console_errors),
            ("uncaught errors in the page", self.page_errors),
        ]
        return "\n".join(
            f"{title}:\n" + "\n".join(f"  - {item}" for item in dict.fromkeys(items))
            for title, items in sections
            if items
        )


# --- signing in -----------------------------------------------------------------------------


def log_in_through_form(page, username: str, password: str, next_path: str | None = None):
    """Sign in through the /login page's form, as a person would; returns the page, now on
    the page the log-in lands on (``next_path`` or the cockpit)."""
    page.goto("/login" if next_path is None else "/login?" + urlencode({"next": next_path}))
    form = page.locator("form:has(input[name='password'])")
    form.locator("input[name='username']").fill(username)
    form.locator("input[name='password']").fill(password)
    with page.expect_navigation(timeout=60_000):  # argon2 on a loaded machine
        form.locator("[type='submit']").click()
    if urlsplit(page.url).path == "/login":
        shown = page.locator("body").inner_text()[:500]
        raise AssertionError(f"log-in as {username} refused; the page says:\n{shown}")
    return page


# --- screenshots ----------------------------------------------------------------------------


def screenshot(page, name: str, folder: Path = SCREENSHOTS) -> Path:
    """The whole page as ``docs/screenshots/NAME.png`` (e.g. ``cockpit-zh-desktop``), taken
    once web fonts are loaded, with animations stopped and the caret hidden."""
    if not re.fullmatch(r"[a-z0-9][a-z0-9-]*", name):
        raise ValueError(f"screenshot names are lower-case words and hyphens, not {name!r}")
    folder.mkdir(parents=True, exist_ok=True)
    page.evaluate("() => document.fonts.ready.then(() => true)")
    path = folder / f"{name}.png"
    page.screenshot(path=path, full_page=True, animations="disabled", caret="hide")
    return path


# --- accessibility (axe-core) ---------------------------------------------------------------

SERIOUS = ("serious", "critical")


def axe_violations(
    page, *, impacts: tuple[str, ...] = SERIOUS, include: str | None = None
) -> list[dict]:
    """Run axe-core on the page (or on the elements ``include`` selects); the violations of
    the given impacts, as axe reports them (``id``, ``impact``, ``help``, ``nodes``…)."""
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.add_script_tag(url=AXE_URL_PATH)
    violations = page.evaluate(
        """async (include) => {
            const results = await window.axe.run(include ? {include: [include]} : document,
                                                 {resultTypes: ['violations']});
            return results.violations;
        }""",
        include,
    )
    return [v for v in violations if v["impact"] in impacts]


def describe_violations(violations: list[dict], limit: int = 5) -> str:
    lines = []
    for violation in violations:
        lines.append(f"[{violation['impact']}] {violation['id']}: {violation['help']}")
        for node in violation["nodes"][:limit]:
            lines.append(f"    at {' '.join(map(str, node['target']))}: {node['html'][:160]}")
        if len(violation["nodes"]) > limit:
            lines.append(f"    … and {len(violation['nodes']) - limit} more")
    return "\n".join(lines)


def assert_accessible(page, **options) -> None:
    """No serious or critical axe-core violation on the page, else a readable list of them."""
    violations = axe_violations(page, **options)
    assert not violations, f"accessibility violations on {page.url}:\n" + describe_violations(
        violations
    )


# --- charts ---------------------------------------------------------------------------------

_CHARTS_SETTLED = """(expected) => {
    const charts = [...document.querySelectorAll('[data-chart]')];
    if (expected === null ? charts.length === 0 : charts.length < expected) return false;
    return charts.every(el => ['rendered', 'error'].includes(el.dataset.chartState));
}"""

_CHART_STATES = """() => [...document.querySelectorAll('[data-chart]')].map(el => ({
    chart: el.dataset.chart,
    state: el.dataset.chartState,
    instance: !!(window.echarts && window.echarts.getInstanceByDom(el)),
    svg: !!el.querySelector('svg'),
}))"""


def wait_for_charts(page, count: int | None = None, timeout: float = 30_000) -> list[dict]:
    """Wait until every chart on the page has rendered (the contract in conftest.py); returns
    ``[{chart, state, instance, svg}]`` in document order. ``count``: how many charts the page
    must have (else at least one)."""
    try:
        page.wait_for_function(_CHARTS_SETTLED, arg=count, timeout=timeout)
    except Exception as error:  # a timeout: say which charts never finished
        states = page.evaluate(_CHART_STATES)
        raise AssertionError(f"charts did not finish rendering: {states}") from error
    states = page.evaluate(_CHART_STATES)
    broken = [s for s in states if s["state"] != "rendered" or not s["instance"]]
    assert not broken, f"charts that failed to render: {broken}"
    if count is not None:
        assert len(states) == count, f"expected {count} charts, found {len(states)}: {states}"
    return states
