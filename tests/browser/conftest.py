"""Browser tests: Debian's Chromium, driven by Playwright, against the product on a live server.

Requirements. ``/usr/bin/chromium`` (Debian package ``chromium``), the Noto CJK fonts (package
``fonts-noto-cjk``) and the Python package ``playwright`` (``make install``; never run
``playwright install``). When one is missing every test here is skipped with a reason naming
it; under CI (``CI=true``) they fail instead, so CI cannot pass without running them.

Fixtures
- ``demo_database`` (session): the URL of a database of the session's own (a SQLite file, or a
  scratch database on the ``CRM_TEST_DATABASE_URL`` server), migrated and loaded with the demo
  data set (seeds/) once. Run in one process, seeding starts in a subprocess as soon as
  collection ends and the browser tests are moved to the end, so it overlaps the other tests;
  under pytest-xdist (``make test``) one worker runs all browser tests first and seeds when
  they start, while the other workers run the rest. The other tests
  empty their own database, never this one. The time taken is printed in the summary.
- ``role_logins`` (session): ``{"admin", "staff", "leader", "specialist", "viewer"}`` →
  ``Login(role, username, password)``, a seeded user of that role with a known password.
- ``live_server`` (session): ``.url`` (``http://127.0.0.1:PORT``) and ``.app``, the FastAPI app
  that uvicorn serves in a thread over ``demo_database``. Its state is shared by every test:
  a test that changes it (``app.state.clock``) puts it back.
- ``browser`` (session): headless Chromium.
- ``page``: a new browser context per test with ``base_url`` set to the live server (so
  ``page.goto("/chains/new-display")``), a 1366×768 viewport, locale zh-CN, time zone
  Asia/Shanghai, ``prefers-reduced-motion: reduce`` and no service workers. For phone width,
  ``page.set_viewport_size({"width": 390, "height": 844})``. The test FAILS when, during it,
  the page logged a console error (a 404 for a script or image is one), threw an uncaught
  error, or asked for any host but the live server (such requests are also aborted).
- ``page.request`` sends requests with the page's cookies but outside the page (not watched,
  not routed): the way to post a form with a foreign ``Origin`` header.
- ``browser_watch``: what the test's context saw (``requests``, ``console_errors``…). A test that
  provokes an error on purpose says so first: ``browser_watch.allow_console_error(r"403")``.
- ``log_in``: ``log_in("staff")`` signs the test's page in through the ``/login`` form — a
  ``<form>`` with inputs named ``username`` and ``password`` and a ``[type=submit]`` button;
  after a good log-in the server redirects away from ``/login`` (to ``next`` or ``/``), after a
  bad one it shows ``/login`` again. ``log_in("staff", next_path="/chains")`` starts from
  ``/login?next=/chains``. Returns the ``Login`` used.

Helpers (``from tests.browser.harness import …``)
- ``screenshot(page, "cockpit-zh-desktop")`` → ``docs/screenshots/cockpit-zh-desktop.png``, the
  full page, after web fonts have loaded.
- ``assert_accessible(page)`` fails with a readable list of axe-core violations of impact
  serious or critical; ``axe_violations(page, impacts=…, include="main")`` returns them. axe is
  loaded from a same-origin URL the test context serves itself, so it runs under the product's
  Content-Security-Policy (``script-src 'self'``), where an injected inline script would not.
- ``wait_for_charts(page, count=None)`` waits until every chart has rendered; see below.

The chart contract (what web/static/js must do so tests can wait for charts)
- Each chart is an element with a ``data-chart`` attribute (its value names the chart, e.g. the
  id of the ``<script type="application/json">`` island holding its option); ECharts is
  initialised on that very element, so ``echarts.getInstanceByDom(el)`` finds the chart.
- The chart module registers ``chart.on("finished", …)`` before ``chart.setOption(option)`` and,
  the first time it fires, sets ``el.dataset.chartState = "rendered"``. If building the chart
  throws, it sets ``el.dataset.chartState = "error"`` and reports the error on the console.
  Under ``prefers-reduced-motion: reduce`` it passes ``animation: false`` so ``finished`` comes
  at once (the test contexts ask for reduced motion).
- Content swapped in by htmx brings new elements without ``data-chart-state``; the module
  initialises them on ``htmx:afterSettle`` (and disposes the old instances), and
  ``wait_for_charts`` waits for them again.
- ``wait_for_charts`` returns ``[{chart, state, instance, svg}]``: assert on the SVG text (the
  charts use the SVG renderer, so labels are real text) or on the table beneath the chart.
A minimal module: tests/browser/reference/charts.js, which the harness self-test runs.
"""

import os
import shutil
import tempfile
from contextlib import ExitStack
from pathlib import Path

import pytest

from tests.browser.demo_data import Login
from tests.browser.demo_data import role_logins as seeded_role_logins
from tests.browser.harness import (
    AXE_URL_PATH,
    CHROMIUM,
    CHROMIUM_ARGS,
    BrowserWatch,
    DemoDatabase,
    LiveServer,
    axe_file,
    log_in_through_form,
    missing_requirements,
)

HERE = Path(__file__).resolve().parent
WATCH = pytest.StashKey[BrowserWatch]()
SEEDING = pytest.StashKey[DemoDatabase]()
SECRET_KEY = "browser-tests-secret-key-0123456789abcdef"


def _is_browser_test(item: pytest.Item) -> bool:
    return HERE in item.path.parents


def _under_ci() -> bool:
    return os.environ.get("CI", "").lower() in ("true", "1", "yes")


# --- hooks: requirements, order, background seeding, failing on what the page did -----------


class _Unavailable(pytest.Item):
    """Stands in for a test module when the browser tests cannot run here."""

    def runtest(self) -> None:
        reason = "browser tests need " + "; ".join(missing_requirements())
        if _under_ci():
            pytest.fail(f"{reason} (CI=true: they must run)", pytrace=False)
        pytest.skip(reason)

    def reportinfo(self):
        return self.path, None, self.name


class _UnavailableModule(pytest.File):
    def collect(self):
        yield _Unavailable.from_parent(self, name="browser tests")


def pytest_pycollect_makemodule(module_path: Path, parent: pytest.Collector):
    """Without Chromium, its fonts or Playwright, test modules are not even imported: each is
    one test that is skipped (or, under CI, fails) with the reason."""
    if missing_requirements():
        return _UnavailableModule.from_parent(parent, path=module_path)
    return None


def _in_xdist_worker(config: pytest.Config) -> bool:
    return hasattr(config, "workerinput")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Browser tests go first under pytest-xdist, where one worker runs them all (the
    scheduler in tests/conftest.py) with one demo database, seeded by that worker while the
    others run the rest; in one process they go last, so the demo database is seeded (in a
    subprocess) while the other tests run. The sort is stable: each part keeps its order."""
    if _in_xdist_worker(config):
        items.sort(key=lambda item: not _is_browser_test(item))
    else:
        items.sort(key=_is_browser_test)


def pytest_collection_finish(session: pytest.Session) -> None:
    if _in_xdist_worker(session.config):
        return  # every worker collects every test; the one that runs them seeds
    if any(map(_is_browser_test, session.items)) and not missing_requirements():
        _start_seeding(session.config)


def _start_seeding(config: pytest.Config) -> DemoDatabase:
    stack = ExitStack()
    config.add_cleanup(stack.close)
    server_url = os.environ.get("CRM_TEST_DATABASE_URL")
    folder = Path(tempfile.mkdtemp(prefix="crm-browser-tests-"))
    stack.callback(shutil.rmtree, folder, ignore_errors=True)
    if server_url:
        from tests.conftest import _scratch_postgres_database

        url = stack.enter_context(_scratch_postgres_database(server_url))
    else:
        url = f"sqlite:///{folder / 'demo.db'}"
    seeding = DemoDatabase(url, folder / "seeding.log")
    stack.callback(seeding.stop)
    config.stash[SEEDING] = seeding
    return seeding


def pytest_terminal_summary(terminalreporter, config: pytest.Config) -> None:
    seeding = config.stash.get(SEEDING, None)
    if seeding is not None and seeding.timings:
        terminalreporter.write_line(
            f"browser tests: demo database seeded, seconds {seeding.timings}"
        )


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item):
    watch = item.stash.get(WATCH, None)
    try:
        result = yield
    except BaseException:
        if watch is not None and watch.problems():
            item.add_report_section("call", "browser", watch.problems())
        raise
    if watch is not None and watch.problems():
        pytest.fail(f"the page misbehaved during the test:\n{watch.problems()}", pytrace=False)
    return result


# --- fixtures -----------------------------------------------------------------------------


@pytest.fixture(scope="session")
def demo_database(request: pytest.FixtureRequest) -> str:
    seeding = request.config.stash.get(SEEDING, None) or _start_seeding(request.config)
    return seeding.wait()


@pytest.fixture(scope="session")
def role_logins(demo_database: str) -> dict[str, Login]:
    return seeded_role_logins()


@pytest.fixture(scope="session")
def live_server(demo_database: str):
    from crm.api.app import create_app
    from crm.config import Settings

    app = create_app(Settings(database_url=demo_database, secret_key=SECRET_KEY))
    server = LiveServer(app).start()
    yield server
    server.stop()
    app.state.engine.dispose()


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import expect, sync_playwright

    expect.set_options(timeout=30_000)  # a loaded 2-core CI machine is slow to answer
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


@pytest.fixture
def browser_watch(live_server: LiveServer, request: pytest.FixtureRequest) -> BrowserWatch:
    watch = BrowserWatch(origin=live_server.url)
    request.node.stash[WATCH] = watch
    return watch


@pytest.fixture
def page(browser, live_server: LiveServer, browser_watch: BrowserWatch):
    context = browser.new_context(
        base_url=live_server.url,
        viewport={"width": 1366, "height": 768},
        locale="zh-CN",
        timezone_id="Asia/Shanghai",
        reduced_motion="reduce",
        service_workers="block",
    )
    context.set_default_timeout(30_000)
    context.on("request", browser_watch.on_request)
    context.on("console", browser_watch.on_console)
    context.on("weberror", lambda web_error: browser_watch.on_page_error(web_error.error))
    context.route("**/*", browser_watch.route)
    axe = axe_file()
    context.route(
        live_server.url + AXE_URL_PATH,  # registered last, so tried first
        lambda route: route.fulfill(path=axe, content_type="text/javascript; charset=utf-8"),
    )
    page = context.new_page()
    page.on("websocket", browser_watch.on_websocket)
    yield page
    context.close()


@pytest.fixture
def log_in(page, role_logins: dict[str, Login]):
    def sign_in(role: str, next_path: str | None = None) -> Login:
        login = role_logins[role]
        log_in_through_form(page, login.username, login.password, next_path)
        return login

    return sign_in
