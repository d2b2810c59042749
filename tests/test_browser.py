"""The public site in a real browser: search first, liveliest first, why each status, submitting a community,
moderating it, and claiming a listing.

Headless Chromium (Debian's, driven by Playwright) on copdir's site, served as `copdir serve` serves it (the
fixtures are in conftest.py, their helpers in browser_support.py). Each step leaves a screenshot in
tests/artifacts/browser/ (or $COPDIR_ARTIFACTS). The submission steps follow the form's shared contract (issue 7): its field names,
`#error-<field>`, `#possible-duplicates` with `confirm_new`, `#submission-received`. Nothing waits by the clock:
every step waits for what the user would see.
"""
from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
import sqlite_utils

from browser_support import BY_NAME, HOSTILE_NAME, Browsing, Site, running_site

try:
    from playwright.sync_api import expect
except ImportError:  # the `chromium` fixture says why and skips (fails under CI)
    expect = None

PYTHON_LIVELIEST_FIRST = ["Python Sheffield", HOSTILE_NAME, "PyData Discord", "Python Users Lisbon",
                          "Python Tutor mailing list", "r/learnpython", "Old Python Slack"]
NEW_COMMUNITY = {"url": "https://knitting-leeds.example/", "name": "Leeds Knitting Circle",
                 "description": "Knitters meeting on Thursdays, all levels welcome.", "topics": "knitting, crafts",
                 "contact": "owner@knitting-leeds.example"}
# A name that would run if the site let it be markup, sharing no word with any name in the catalogue.
SCRIPTED_NAME = "<script>alert('script')</script>Leeds Knitting Circle<img src=x onerror=confirm('img')>"


def result_names(tab: Browsing):
    return tab.page.locator("#search-results a.copdir-name")


def unseen(element) -> bool:
    """Hidden, or laid out where no one can scroll to it (beyond the page's left or top edge), or at most 1 px."""
    box = element.bounding_box()
    return box is None or box["x"] + box["width"] <= 0 or box["y"] + box["height"] <= 0 \
        or box["width"] * box["height"] <= 1


def nothing_ran(tab: Browsing) -> None:
    tab.page.wait_for_load_state()  # an <img onerror> fires before the page's load event
    assert tab.dialogs == [], f"the page opened dialogs: {tab.dialogs}"
    assert tab.errors == [], f"the page's scripts failed: {tab.errors}"


# --- finding a community -----------------------------------------------------------------------------------------

def test_search_from_home_then_filter_then_a_community_page_that_says_why(browser_site: Site, browsing: Browsing):
    page = browsing.page
    page.goto(browser_site.url + "/")
    expect(page.get_by_role("heading", level=1)).to_have_text("What do you practise?")
    expect(page.locator("#q")).to_be_focused()
    browsing.shot("home")

    page.locator("#q").fill("python")
    page.locator("#q").press("Enter")
    expect(result_names(browsing)).to_have_text(PYTHON_LIVELIEST_FIRST)  # the hostile name as plain text
    expect(page.locator("#search-total")).to_contain_text("7 communities")
    results = page.locator("#search-results > li")
    expect(results.nth(0)).to_contain_text("Active · live")
    expect(results.nth(5)).to_contain_text("Activity unknown · blocked (unverifiable)")
    expect(results.nth(6)).to_contain_text("dead: the invite has expired")
    browsing.shot("results")

    page.locator("#search-facets [data-facet=activity]").get_by_role("link", name="Active", exact=True).click()
    expect(page.locator("#search-filters")).to_contain_text("Activity: Active")
    expect(result_names(browsing)).to_have_text(["Python Sheffield", HOSTILE_NAME, "PyData Discord"])
    browsing.shot("filtered")

    # Where: only the communities something places are in the region facet; online ones are no value at all.
    region = page.locator("#search-facets [data-facet=region]")
    expect(region.get_by_role("link")).to_have_count(1)
    region.get_by_role("link", name="United Kingdom", exact=True).click()
    expect(page.locator("#search-filters")).to_contain_text("Region: United Kingdom")
    expect(result_names(browsing)).to_have_text(["Python Sheffield"])
    expect(page.locator("#search-results .copdir-place")).to_have_text("England, United Kingdom")
    browsing.shot("region")

    page.locator("#search-results").get_by_role("link", name="Python Sheffield", exact=True).click()
    expect(page.locator("#community-place")).to_contain_text(
        "Where: England, United Kingdom — from list section 'Regional > UK 🇬🇧 > England' (awesome-lists)")
    sheffield = BY_NAME["Python Sheffield"]
    expect(page.get_by_role("heading", level=1)).to_have_text("Python Sheffield")
    expect(page.locator("#status-summary")).to_have_text("Active · live — checked 2 days ago")
    expect(page.locator(".copdir-reason")).to_have_text([sheffield["activity_reason"],
                                                         sheffield["reachability_reason"]])
    browsing.shot("community")
    nothing_ran(browsing)


def test_filter_to_free_communities_with_a_code_of_conduct_and_monthly_events(browser_site: Site, browsing: Browsing):
    page = browsing.page
    page.goto(browser_site.url + "/search?q=python")
    lisbon = page.locator("#search-results > li").filter(has_text="Python Users Lisbon")
    expect(lisbon.locator(".copdir-paid-quiet")).to_have_text("⚠ Paid membership (€5 per month) · quiet since 2026-09-15")
    browsing.shot("paid-gone-quiet")

    for facet, value in (("cost", "free"), ("code_of_conduct", "has one"), ("event_cadence", "monthly")):
        page.locator(f"#search-facets [data-facet={facet}]").get_by_role("link", name=value, exact=True).click()
    expect(page.locator("#search-filters")).to_contain_text("Cost: free")
    expect(page.locator("#search-filters")).to_contain_text("Code of conduct: has one")
    expect(result_names(browsing)).to_have_text(["Python Sheffield"])
    expect(page.locator("#search-results .copdir-qualities")).to_have_text(
        "Free · meets monthly · code of conduct · open to anyone")
    browsing.shot("free-conduct-monthly")

    page.locator("#search-results").get_by_role("link", name="Python Sheffield", exact=True).click()
    expect(page.locator("#quality-event_cadence")).to_contain_text('Meets monthly text "Monthly talks')
    expect(page.locator("#quality-code_of_conduct a")).to_have_attribute(
        "href", "https://forum.pysheffield.example/guidelines")
    browsing.shot("qualities")
    nothing_ran(browsing)


def test_quick_links_on_home_open_the_search_already_filtered(browser_site: Site, browsing: Browsing):
    page = browsing.page
    page.goto(browser_site.url + "/")
    page.locator("#quick-links").get_by_role("link", name="Discourse", exact=True).click()
    expect(page.locator("#search-filters")).to_contain_text("Platform: discourse")
    # Both active; Python Sheffield is free with a code of conduct and open to join, so it ranks first in the page.
    expect(result_names(browsing)).to_have_text(["Python Sheffield", "Civic Tech Forum"])
    browsing.shot("discourse")

    page.go_back()
    page.locator("#quick-links").get_by_role("link", name="Dormant", exact=True).click()
    expect(result_names(browsing)).to_have_text(["Python Tutor mailing list"])
    browsing.shot("dormant")
    nothing_ran(browsing)


def test_researchers_still_reach_the_databases_from_home(browser_site: Site, browsing: Browsing):
    page = browsing.page
    page.goto(browser_site.url + "/")
    page.get_by_role("link", name="catalogue", exact=True).click()
    page.wait_for_url(browser_site.url + "/catalogue")
    expect(page.get_by_role("link", name="communities", exact=True).first).to_be_visible()
    browsing.shot("database")


def test_the_home_page_renders_without_a_catalogue(browsing: Browsing, tmp_path):
    research = tmp_path / "research.db"
    sqlite_utils.Database(research)["notes"].insert({"note": "not a catalogue"})
    page = browsing.page
    with running_site(research, tmp_path) as bare:
        page.goto(bare.url + "/")
        expect(page.get_by_role("heading", level=1)).to_have_text("What do you practise?")
        expect(page.locator("#no-catalogue")).to_contain_text("no catalogue to search yet")
        expect(page.locator("#home-search")).to_have_count(0)
        expect(page.get_by_role("link", name="research", exact=True)).to_be_visible()  # what is there stays listed
        browsing.shot("no-catalogue")


# --- submitting a community ------------------------------------------------------------------------------------

def fill_in(tab: Browsing, **changes: str) -> None:
    form = tab.page.locator("form:has([name=url])")
    for name, value in {**NEW_COMMUNITY, **changes}.items():
        form.locator(f"[name={name}]").fill(value)
    form.locator("[name=platform]").select_option("forum")
    form.locator("[name=language]").select_option("en")


def submit(tab: Browsing) -> int:
    """Submits the form as a person does (Enter in the name field); the answer's HTTP status."""
    with tab.page.expect_response(lambda response: response.request.method == "POST"
                                  and response.url.split("?")[0].endswith("/submit")) as posted:
        tab.page.locator("form:has([name=url]) [name=name]").press("Enter")
    return posted.value.status


def test_a_bad_address_comes_back_marked_with_what_was_typed(own_browser_site: Site, browsing: Browsing):
    page = browsing.page
    page.goto(own_browser_site.url + "/submit")
    fill_in(browsing, url="javascript:alert('url')")
    # The server must refuse it whatever a browser lets through: its own checks are switched off.
    page.locator("form:has([name=url])").evaluate("form => { form.noValidate = true; }")
    assert submit(browsing) == 400
    expect(page.locator("#error-url")).to_be_visible()
    expect(page.locator("div.errors[role=alert]")).to_be_visible()
    expect(page.locator("[name=url]")).to_have_value("javascript:alert('url')")
    expect(page.locator("form [name=name]")).to_have_value(NEW_COMMUNITY["name"])
    expect(page.locator("[name=description]")).to_have_value(NEW_COMMUNITY["description"])
    browsing.shot("error-url")
    nothing_ran(browsing)


def test_a_script_in_the_name_stays_text_on_every_page_it_comes_back_on(own_browser_site: Site, browsing: Browsing):
    page = browsing.page
    page.goto(own_browser_site.url + "/submit")
    fill_in(browsing, name=SCRIPTED_NAME, url="ftp://knitting-leeds.example/")
    page.locator("form:has([name=url])").evaluate("form => { form.noValidate = true; }")
    assert submit(browsing) == 400
    expect(page.locator("#error-url")).to_be_visible()
    expect(page.locator("form [name=name]")).to_have_value(SCRIPTED_NAME)
    page.wait_for_load_state()
    assert page.locator("img[src=x]").count() == 0
    browsing.shot("scripted-name-error")

    page.locator("[name=url]").fill(NEW_COMMUNITY["url"])
    assert submit(browsing) == 200
    expect(page.locator("#submission-received")).to_be_visible()
    page.wait_for_load_state()
    assert page.locator("img[src=x]").count() == 0
    browsing.shot("scripted-name-received")
    nothing_ran(browsing)


def test_a_new_community_is_received_with_a_reference_number(own_browser_site: Site, browsing: Browsing):
    page = browsing.page
    page.goto(own_browser_site.url + "/")
    page.locator("#submit-link").click()
    expect(page.locator("form [name=url]")).to_be_visible()
    assert unseen(page.locator("[name=website]")) and unseen(page.get_by_text("Leave this empty"))  # for bots only
    browsing.shot("form")
    fill_in(browsing)
    assert submit(browsing) == 200
    expect(page.locator("#submission-received")).to_contain_text(re.compile(r"\d"))
    browsing.shot("received")
    nothing_ran(browsing)


def test_a_community_already_listed_is_shown_before_anything_is_stored(own_browser_site: Site, browsing: Browsing):
    page = browsing.page
    sheffield = BY_NAME["Python Sheffield"]
    page.goto(own_browser_site.url + "/submit")
    fill_in(browsing, url=sheffield["url"], name="Python Sheffield")
    assert submit(browsing) == 200
    duplicates = page.locator("#possible-duplicates")
    expect(duplicates.get_by_role("link", name="Python Sheffield")).to_have_attribute(
        "href", re.compile(f"/catalogue/communities/{sheffield['id']}$"))
    expect(page.locator("#submission-received")).to_have_count(0)
    expect(page.locator("[name=url]")).to_have_value(sheffield["url"])  # nothing to type again
    browsing.shot("possible-duplicates")

    page.locator("[name=confirm_new]").check()
    assert submit(browsing) == 200
    expect(page.locator("#submission-received")).to_be_visible()
    browsing.shot("received-anyway")
    nothing_ran(browsing)


# --- moderating it ----------------------------------------------------------------------------------------------

MODERATOR_PASSWORD = "correct horse battery staple"  # the test server's secret, given through its environment


@pytest.fixture
def moderated_site(browser_catalogue, tmp_path, monkeypatch) -> Iterator[Site]:
    monkeypatch.setenv("COPDIR_MODERATOR_PASSWORD", MODERATOR_PASSWORD)
    with running_site(browser_catalogue, tmp_path) as running:
        yield running


def test_a_moderator_logs_in_and_approves_a_submission_and_the_log_says_so(moderated_site: Site,
                                                                           browsing: Browsing):
    page = browsing.page
    page.goto(moderated_site.url + "/submit")
    fill_in(browsing)
    assert submit(browsing) == 200
    expect(page.locator("#submission-received")).to_be_visible()

    page.goto(moderated_site.url + "/moderate")
    expect(page.locator("#moderation-forbidden")).to_be_visible()  # not logged in: nothing to see
    assert page.get_by_text(NEW_COMMUNITY["contact"]).count() == 0
    browsing.shot("moderation-forbidden")

    page.goto(moderated_site.url + "/-/copdir-login")
    page.locator("[name=password]").fill("wrong password")
    page.locator("[name=password]").press("Enter")
    expect(page.locator("#login-error")).to_be_visible()
    page.locator("[name=password]").fill(MODERATOR_PASSWORD)
    page.locator("[name=password]").press("Enter")
    submission = page.locator("section.submission", has_text=NEW_COMMUNITY["name"])
    expect(submission).to_be_visible()
    expect(submission).to_contain_text(NEW_COMMUNITY["contact"])  # the private contact, for moderators only
    browsing.shot("moderation-queue")

    submission.get_by_role("button", name="Approve").click()
    expect(page.locator("section.submission", has_text=NEW_COMMUNITY["name"])).to_have_count(0)
    expect(page.locator("#decided")).to_contain_text(NEW_COMMUNITY["name"])
    page.goto(moderated_site.url + "/moderate/log")
    expect(page.locator("body")).to_contain_text("approve")
    browsing.shot("moderation-log")
    with sqlite_utils.Database(moderated_site.submissions) as store:
        assert [row["status"] for row in store["submissions"].rows] == ["approved"]
    nothing_ran(browsing)


# --- its history, a recheck and a problem report ---------------------------------------------------------------

REPORT = "<script>alert('report')</script> It moved to a new forum in October."


def test_a_visitor_reads_the_history_chart_asks_for_a_recheck_and_reports_a_problem_a_moderator_resolves(
        moderated_site: Site, browsing: Browsing):
    page = browsing.page
    sheffield = BY_NAME["Python Sheffield"]
    page.goto(f"{moderated_site.url}/catalogue/communities/{sheffield['id']}")
    chart = page.locator("#history-chart")
    expect(chart).to_be_visible()
    expect(chart.locator("> title")).to_have_text("Checks, reachability and activity from 2026-08-17 to 2026-11-14")
    expect(chart.locator("g[data-strip=checks] rect")).to_have_count(4)  # no data, failed, answered, no data
    expect(chart.locator("g[data-strip=reachability] rect").last).to_have_attribute("data-state", "live")
    page.locator("#history-chart-text summary").click()
    expect(page.locator("#history-chart-text tr[data-strip=reachability]")).to_contain_text(
        "live: 2026-11-12 – 2026-11-14 (3 days)")
    expect(page.locator("#history-chart-text tr[data-strip=checks]")).to_contain_text(
        "failed: 2026-11-10 (1 day); answered: 2026-11-11 – 2026-11-12 (2 days); no data: 2026-11-13 – 2026-11-14")
    browsing.shot("history-chart")

    page.locator("#request-recheck").click()
    expect(page.locator("#recheck-community")).to_have_text("Python Sheffield")
    page.get_by_role("button", name="Request a recheck").click()
    expect(page.locator("#recheck-received")).to_contain_text("It happens at the next check run")
    browsing.shot("recheck-requested")
    page.reload()  # sends the form again: refused, and nothing more is offered while one is pending
    expect(page.locator("#recheck-pending")).to_contain_text("it happens at the next check run")
    expect(page.locator("#recheck-form")).to_have_count(0)

    page.goto(f"{moderated_site.url}/catalogue/communities/{sheffield['id']}")
    page.locator("#report-problem").click()
    page.locator("[name=category]").select_option(label="Its status is wrong")
    page.locator("[name=description]").fill(REPORT)
    browsing.shot("report-filled")
    page.get_by_role("button", name="Send the report").click()
    expect(page.locator("#report-received")).to_contain_text("your report is R-000001")
    browsing.shot("report-received")

    page.goto(moderated_site.url + "/-/copdir-login")
    page.locator("[name=password]").fill(MODERATOR_PASSWORD)
    page.locator("[name=password]").press("Enter")
    report = page.locator("section.report", has_text="R-000001")
    expect(report).to_contain_text(REPORT)  # the stranger's words as text
    browsing.shot("report-in-queue")
    report.locator("form.resolve [name=note]").fill("checked: still live, status right")
    report.get_by_role("button", name="Resolve").click()
    expect(page.locator("#reports-empty")).to_be_visible()
    page.goto(moderated_site.url + "/moderate/log")
    expect(page.locator("body")).to_contain_text("report resolved")
    browsing.shot("report-resolved")
    with sqlite_utils.Database(moderated_site.submissions) as store:
        assert [row["status"] for row in store["problem_reports"].rows] == ["resolved"]
        assert [row["status"] for row in store["recheck_requests"].rows] == ["pending"]
    nothing_ran(browsing)


# --- owning it --------------------------------------------------------------------------------------------------

def test_an_owner_claims_a_listing_and_once_verified_sets_a_hiatus(own_browser_site: Site, browsing: Browsing):
    from datetime import date, datetime, timedelta, timezone

    from catalogue import claims

    page = browsing.page
    sheffield = BY_NAME["Python Sheffield"]
    page.goto(f"{own_browser_site.url}/catalogue/communities/{sheffield['id']}")
    page.locator("#claim-listing a").click()
    expect(page.locator("#claim-community")).to_have_text("Python Sheffield")
    page.locator("[name=contact]").fill("organiser@python-sheffield.example")
    page.locator("[name=contact]").press("Enter")
    expect(page.locator("#claim-made")).to_be_visible()
    token = page.locator("#claim-token").inner_text().strip()
    expect(page.locator("#claim-meta")).to_contain_text(f'content="{token}"')
    owner_link = page.locator("#owner-link").inner_text().strip()
    browsing.shot("claim-made")

    page.goto(owner_link if owner_link.startswith("http") else own_browser_site.url + owner_link)
    expect(page.locator("#owner-unverified")).to_contain_text(token)  # nothing to manage until the token is found
    browsing.shot("owner-unverified")
    # What `copdir claims verify` records once it finds the token on the community's page (tests/test_claims.py).
    conn = claims.open_store(own_browser_site.submissions)
    try:
        [claim] = claims.unverified(conn)
        claims.record_check(conn, claim.id, True, "the meta tag carries the token", datetime.now(timezone.utc))
    finally:
        conn.close()

    page.reload()
    until = (date.today() + timedelta(days=60)).isoformat()
    page.locator("#owner-hiatus [name=until]").fill(until)
    page.locator("#owner-hiatus button").click()
    expect(page.locator("#owner-received")).to_be_visible()
    browsing.shot("owner-hiatus")
    conn = claims.open_store(own_browser_site.submissions)
    try:
        [request] = claims.unapplied_requests(conn)
    finally:
        conn.close()
    assert (request.kind, request.until[:10]) == ("hiatus", until)
    nothing_ran(browsing)
