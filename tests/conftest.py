"""Shared fixtures. Everything runs on loopback; no name goes to the system resolver."""
from __future__ import annotations

import re
import socket
from datetime import datetime, timezone
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
SAMPLE_WEB_NOW = datetime(2026, 11, 14, tzinfo=timezone.utc)  # the clock of the `sample_web_resolver` fixture


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def repo() -> Path:
    return REPO


@pytest.fixture(scope="module")
def manifest() -> list[dict]:
    """The sample web's ground truth for every community data/sources.yml lists."""
    from crawler.sampleweb.manifest import build_manifest

    return build_manifest(REPO / "data" / "sources.yml")


@pytest.fixture(scope="module")
def sample_web_resolver():
    """The sample web on a free loopback port, its clock at SAMPLE_WEB_NOW, reached through its resolver seam."""
    from crawler.sampleweb.app import fixed_clock
    from crawler.sampleweb.resolver import SampleWebResolver
    from crawler.sampleweb.server import running

    with running(fixed_clock(SAMPLE_WEB_NOW)) as (_, port):
        resolver = SampleWebResolver("127.0.0.1", port)
        try:
            yield resolver
        finally:
            resolver.close()


@pytest.fixture
def visitors():
    """`visitors(app, kind)`: a function that opens a visitor of the in-process site `app` (a SiteVisitor or `kind`,
    its own cookies, at the address given or 203.0.113.7). Every visitor opened is closed after the test."""
    from site_visitor import SiteVisitor

    opened: list[SiteVisitor] = []

    def of(app, kind: type[SiteVisitor] = SiteVisitor):
        def visitor(address: str = "203.0.113.7"):
            opened.append(kind(app, address))
            return opened[-1]
        return visitor

    yield of
    for each in opened:
        each.close()


@pytest.fixture
def submissions_store(tmp_path, monkeypatch) -> Path:
    """The private store's path for one test ($COPDIR_SUBMISSIONS_DB), not yet made: the site makes it on first use."""
    from catalogue import submissions

    path = tmp_path / "private" / "submissions.db"
    monkeypatch.setenv(submissions.STORE_ENV, str(path))
    return path


@pytest.fixture
def loopback_site():
    """tests/loopback_web.py's LoopbackSite, serving for one test."""
    from loopback_web import LoopbackSite, serving

    with serving(LoopbackSite()) as site:
        yield site


# --- the browser tests (tests/test_browser.py; their helpers are in tests/browser_support.py) -----------------------


@pytest.fixture(scope="module")
def browser_catalogue(tmp_path_factory) -> Path:
    from browser_support import build_catalogue

    path = tmp_path_factory.mktemp("browser-catalogue") / "catalogue.db"
    build_catalogue(path)
    return path


@pytest.fixture(scope="module")
def browser_site(browser_catalogue, tmp_path_factory):
    """One site for the tests that only read."""
    from browser_support import running_site

    with running_site(browser_catalogue, tmp_path_factory.mktemp("browser-site")) as running:
        yield running


@pytest.fixture
def own_browser_site(browser_catalogue, tmp_path):
    """A site for one test: its submissions start from an empty queue, with no earlier ones counted against it."""
    from browser_support import running_site

    with running_site(browser_catalogue, tmp_path) as running:
        yield running


@pytest.fixture(scope="module")
def chromium():
    """Debian's headless Chromium through Playwright; skips saying why without it (fails under CI)."""
    from browser_support import BROWSER_TIMEOUT_MS, CHROMIUM, in_ci, missing_browser

    reason = missing_browser()
    if reason:
        if in_ci():
            pytest.fail(f"CI must run the browser tests: {reason}", pytrace=False)
        pytest.skip(reason)
    from playwright.sync_api import expect, sync_playwright

    expect.set_options(timeout=BROWSER_TIMEOUT_MS)  # its own default, 5 s, is short for a loaded machine
    with sync_playwright() as playwright:
        # No sandbox: Chromium's refuses to run as root (as CI does), and the pages are the site's own.
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, chromium_sandbox=False,
                                             args=["--disable-dev-shm-usage"])
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def browsing(chromium, request):
    """One tab that records dialogs and script errors, with screenshots kept as artefacts."""
    from browser_support import ARTIFACTS, BROWSER_TIMEOUT_MS, Browsing

    context = chromium.new_context(viewport={"width": 1280, "height": 900})
    context.set_default_timeout(BROWSER_TIMEOUT_MS)
    page = context.new_page()
    tab = Browsing(page, re.sub(r"[^\w-]+", "_", request.node.name).strip("_"))
    page.on("dialog", lambda dialog: (tab.dialogs.append(dialog.message), dialog.dismiss()))
    page.on("pageerror", lambda error: tab.errors.append(str(error)))
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    try:
        yield tab
    finally:
        context.close()
