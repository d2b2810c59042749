"""Practice on the public site in a real browser: browse by practice domain, find a community whose words differ
from the practice's name, see why each result ranks where it does and why copdir believes it is a community of
practice, and ask for the organisations and events the search leaves out.

The catalogue is the real build of test_practice_catalogue's listings; the site, the browser and the screenshots are
tests/conftest.py's (Debian's Chromium through Playwright; skipped without it, except under CI).
"""
from __future__ import annotations

from collections.abc import Iterator

import pytest

from browser_support import Browsing, Site, running_site
from test_browser import nothing_ran, result_names
from test_practice_catalogue import HOSTILE, build_practice_catalogue

try:
    from playwright.sync_api import expect
except ImportError:  # the `chromium` fixture says why and skips (fails under CI)
    expect = None


@pytest.fixture(scope="module")
def practice_site(tmp_path_factory) -> Iterator[Site]:
    built = build_practice_catalogue(tmp_path_factory.mktemp("practice-browser"))
    with running_site(built["path"], tmp_path_factory.mktemp("practice-site")) as running:
        yield running


def test_browse_by_practice_then_see_why_it_is_a_community_of_practice(practice_site: Site, browsing: Browsing):
    page = browsing.page
    page.goto(practice_site.url + "/")
    page.locator("#browse-practice").get_by_role("link", name="browse every practice domain").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Browse by practice")
    conservation = page.locator('li[data-domain="conservation"]')
    expect(conservation).to_contain_text("1 active of 1")
    browsing.shot("domains")

    conservation.get_by_role("link", name="Conservation and ecology").click()
    expect(page.locator("#search-filters")).to_contain_text("Practice domain: Conservation and ecology")
    expect(result_names(browsing)).to_have_text(["Wild Kenya"])
    expect(page.locator("#search-results .copdir-reasons")).to_contain_text(
        "active · matches domain Conservation and ecology (description mentions 'wildlife', 'biodiversity')")
    browsing.shot("domain-results")

    page.locator("#q").fill("conservation")
    page.locator("#q").press("Enter")
    expect(result_names(browsing)).to_have_text(["Wild Kenya"])  # its own words say only "wildlife"
    expect(page.locator("#search-practice")).to_contain_text("Conservation and ecology (for “conservation”)")
    page.locator("#search-results").get_by_role("link", name="Wild Kenya").click()
    expect(page.locator("#practice")).to_have_text("Why copdir lists it as a community of practice")
    expect(page.locator("#practice-kind")).to_contain_text("a web forum, where members talk")
    expect(page.locator('#practice-domains tr[data-domain="conservation"]')).to_contain_text(
        "description mentions 'wildlife'")
    expect(page.locator("body")).to_contain_text(HOSTILE)  # escaped: shown as text; nothing_ran: it never ran
    browsing.shot("community")
    nothing_ran(browsing)


def test_organisations_and_events_come_back_only_when_asked_for(practice_site: Site, browsing: Browsing):
    page = browsing.page
    page.goto(practice_site.url + "/search?q=python")
    expect(result_names(browsing)).to_have_text(["Pythonistas"])
    page.locator("#include-others").click()
    expect(result_names(browsing)).to_have_count(3)
    expect(result_names(browsing).first).to_have_text("Pythonistas")
    expect(page.locator("#search-results")).to_contain_text("organisation, not a community")
    browsing.shot("everything")
    nothing_ran(browsing)
