"""The demo site explains every status: both axes, the reason, the evidence and the history.

A small catalogue.db is built here per the catalogue contract (issue 5) and served by Datasette
in-process, with the project's metadata, templates and plugin (registered by its entry point,
as `copdir serve` loads it).
"""
from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest
import sqlite_utils
import yaml
from bs4 import BeautifulSoup
from datasette.app import Datasette

from catalogue.safe_links import safe_href
from catalogue_site import get

REPO = Path(__file__).resolve().parent.parent
BUILT_AT = "2026-11-14T06:00:00+00:00"

ACTIVE, DORMANT, BLOCKED, DEAD, HIATUS, HOSTILE = (f"{n:x}" * 16 for n in range(10, 16))
HOSTILE_NAME = "<script>alert('name')</script> Club"


def _community(id: str, name: str, url: str, platform: str, reachability: str, activity: str, **more) -> dict:
    row = {
        "id": id, "name": name, "description": "", "url": url, "platform": platform,
        "reachability": reachability, "activity": activity, "status_reason": "",
        "successor_url": None, "last_activity": None, "status_since": None,
        "last_checked": "2026-11-12T09:00:00+00:00", "checks": 3, "sources": "awesome-lists", "sections": "",
        "language": "en", "first_seen": "2026-09-01T00:00:00+00:00", "last_seen": BUILT_AT, "page_name": None,
        "topics": "[]", "join_type": "open", "join_url": None, "code_of_conduct": None, "feeds": "[]",
        "page_platform": None, "presences": 0, "activity_rank": 0,
        "reachability_reason": "", "activity_reason": "", "lifecycle": "unknown", "days_since_activity": None,
        "last_activity_evidence": None, "owner_status": None, "stale_metrics": "[]", "status_evidence": "[]",
        "region": None, "locality": None, "region_reason": None,  # the table facets by region, as a build has it
    }
    row.update(more)
    row["status_reason"] = "; ".join(r for r in (row["activity_reason"], row["reachability_reason"]) if r)
    return row


def _evidence(ref: str, community_id: str, kind: str, value: str, observed_at: str, source_url: str,
              cited: int, note: str = "", last_observed_at: str | None = None, times_seen: int = 1) -> dict:
    return {"ref": ref, "community_id": community_id, "kind": kind, "value": value, "observed_at": observed_at,
            "last_observed_at": last_observed_at, "times_seen": times_seen, "source_url": source_url,
            "note": note, "cited": cited}


def _checks(community_id: str, first_id: int, days: list[int], outcome: str, note: str, url: str) -> list[dict]:
    return [_evidence(f"checks:{first_id + i}", community_id, "check", outcome, f"2026-11-{d:02d}T09:00:00+00:00",
                      url, 1, note) for i, d in enumerate(days)]


COMMUNITIES = [
    _community(ACTIVE, "Civic Tech Forum", "https://forum.civictech.example/", "discourse", "live", "active",
               lifecycle="revived", days_since_activity=4, last_activity="2026-11-10T18:00:00+00:00",
               last_activity_evidence="signals:1", status_evidence='["signals:1", "checks:11"]',
               activity_reason="active: newest topic 2026-11-10 (4 days ago) — "
                               "https://forum.civictech.example/latest.json, seen 2026-11-12",
               reachability_reason="live: HTTP 200 — checked 2026-11-12"),
    _community(DORMANT, "Open Data Meetups", "https://opendata.example/forum/", "forum", "live", "dormant",
               lifecycle="declining", days_since_activity=622, last_activity="2025-03-02T10:00:00+00:00",
               last_activity_evidence="signals:3", status_evidence='["signals:3", "checks:21"]',
               stale_metrics='["posts_30d 42: unchanged in 9 observations since 2026-09-01"]',
               cost="paid", price="€5 per month", event_cadence="monthly", membership="application",
               moderators_visible=1, mentoring=0, code_of_conduct="https://opendata.example/forum/rules",
               knowledge_base='[{"kind": "wiki", "url": "https://opendata.example/wiki/"}]',
               qualities_evidence=json.dumps({
                   "event_cadence": [{"value": "monthly", "evidence": "3 events 2024-12-03 – 2025-02-04, a median of"
                                      " 31 days apart", "source": "events", "url": ""}],
                   "cost": [{"value": "paid", "evidence": 'text "Mitgliedsbeitrag: €5 per month"',
                             "source": "https://opendata.example/forum/", "url": "", "price": "€5 per month"}],
                   "moderators": [{"value": "yes", "evidence": "<script>alert('evidence')</script>",
                                   "source": "javascript:alert('source')", "url": ""}],
               }),
               activity_reason="dormant: newest post 2025-03-02 (622 days ago) — https://opendata.example/forum/,"
                               " seen 2026-11-12; not trusted: posts_30d 42: unchanged in 9 observations since 2026-09-01",
               reachability_reason="live: HTTP 200 — checked 2026-11-12"),
    _community(BLOCKED, "r/datascience", "https://www.reddit.com/r/datascience/", "reddit", "blocked", "unknown",
               last_checked="2026-11-13T09:00:00+00:00", status_evidence='["checks:31"]',
               reachability_reason="blocked: HTTP 403 — checked 2026-11-13 (unverifiable, never counted dead)"),
    _community(DEAD, "Statistics Slack", "https://stats-slack.example/", "website", "dead", "unknown",
               days_since_activity=40, last_activity="2026-10-05T00:00:00+00:00",
               last_checked="2026-11-08T09:00:00+00:00",
               status_evidence=json.dumps([f"checks:{n}" for n in range(41, 47)]),
               reachability_reason="dead: 6 failed checks over 7 days — HTTP 404, checked 2026-11-08"),
    _community(HIATUS, "Bay Area Makers", "https://www.meetup.com/bay-area-makers/", "meetup", "live", "quiet",
               owner_status="on hiatus until 2027-03-01", days_since_activity=86,
               last_activity="2026-08-20T19:00:00+00:00", last_activity_evidence="signals:51",
               status_evidence='["owner_overrides:3", "checks:52"]',
               activity_reason="quiet: on hiatus until 2027-03-01 (its owner says so); newest event 2026-08-20",
               reachability_reason="live: HTTP 200 — checked 2026-11-12"),
    _community(HOSTILE, HOSTILE_NAME, "javascript:alert('url')", "website", "failing", "unknown",
               owner_status="<b onmouseover=alert('owner')>closed</b>", status_evidence='["signals:61"]',
               stale_metrics='["<script>alert(\'stale\')</script>"]',
               reachability_reason="failing: <img src=x onerror=alert('reason')>"),
]

EVIDENCE = [
    _evidence("signals:1", ACTIVE, "newest_post", "2026-11-10T18:00:00+00:00", "2026-11-12T08:00:00+00:00",
              "https://forum.civictech.example/latest.json", 1),
    _evidence("signals:2", ACTIVE, "members", "1523", "2026-11-12T08:00:00+00:00",
              "https://forum.civictech.example/about.json", 0),
    *_checks(ACTIVE, 11, [12], "ok", "check: ok — HTTP 200", "https://forum.civictech.example/"),
    _evidence("signals:3", DORMANT, "newest_post", "2025-03-02T10:00:00+00:00", "2026-11-12T08:00:00+00:00",
              "https://opendata.example/forum/", 1),
    _evidence("signals:4", DORMANT, "posts_30d", "42", "2026-09-01T08:00:00+00:00",
              "https://opendata.example/forum/stats.json", 0,
              note="not trusted: posts_30d 42: unchanged in 9 observations since 2026-09-01",
              last_observed_at="2026-11-12T08:00:00+00:00", times_seen=9),
    *_checks(DORMANT, 21, [12], "ok", "check: ok — HTTP 200", "https://opendata.example/forum/"),
    *_checks(BLOCKED, 31, [13], "blocked", "check: blocked — HTTP 403", "https://www.reddit.com/r/datascience/"),
    *_checks(DEAD, 41, [1, 2, 4, 5, 7, 8], "not_found", "check: not_found — HTTP 404", "https://stats-slack.example/"),
    _evidence("owner_overrides:3", HIATUS, "owner_hiatus", "2027-03-01T00:00:00+00:00", "2026-10-01T12:00:00+00:00",
              None, 1),
    _evidence("signals:51", HIATUS, "event", "2026-08-20T19:00:00+00:00", "2026-08-01T12:00:00+00:00",
              "https://www.meetup.com/bay-area-makers/events/", 0),
    *_checks(HIATUS, 52, [12], "ok", "check: ok — HTTP 200", "https://www.meetup.com/bay-area-makers/"),
    _evidence("signals:61", HOSTILE, "members", "<script>alert('value')</script>", "2026-11-12T08:00:00+00:00",
              "javascript:alert('source')", 1, note="<iframe src=javascript:alert('note')>"),
]


def _history(community_id: str, *changes: tuple) -> list[dict]:
    rows, before = [], (None, None)
    for changed_at, reachability, activity, reason, evidence in changes:
        rows.append({"community_id": community_id, "changed_at": changed_at, "reachability": reachability,
                     "activity": activity, "reason": reason, "previous_reachability": before[0],
                     "previous_activity": before[1], "evidence": json.dumps(evidence)})
        before = (reachability, activity)
    return rows


HISTORY = [
    *_history(ACTIVE, ("2026-09-01T06:00:00+00:00", "live", "dormant", "dormant: newest topic 2025-12-01", []),
              ("2026-11-12T06:00:00+00:00", "live", "active", "active: newest topic 2026-11-10", ["signals:1"])),
    *_history(DORMANT, ("2026-09-01T06:00:00+00:00", "live", "quiet", "quiet: 42 posts in 30 days", ["signals:4"]),
              ("2026-10-15T06:00:00+00:00", "live", "dormant", "dormant: newest post 2025-03-02", ["signals:3"])),
    *_history(BLOCKED, ("2026-11-13T06:00:00+00:00", "blocked", "unknown", "blocked: HTTP 403", ["checks:31"])),
    *_history(DEAD, ("2026-10-20T06:00:00+00:00", "live", "active", "active: newest post 2026-10-05", []),
              ("2026-11-02T06:00:00+00:00", "failing", "active", "failing: HTTP 404 since 2026-11-01",
               ["checks:41", "checks:42"]),
              ("2026-11-08T06:00:00+00:00", "dead", "unknown", "dead: 6 failed checks over 7 days — HTTP 404",
               [f"checks:{n}" for n in range(41, 47)])),
    *_history(HIATUS, ("2026-10-01T12:00:00+00:00", "live", "quiet", "quiet: on hiatus until 2027-03-01",
                       ["owner_overrides:3"])),
    *_history(HOSTILE, ("2026-11-12T06:00:00+00:00", "failing", "unknown", "<script>alert('history')</script>",
                        ["signals:61"])),
]

SOURCES = [{"name": "awesome-lists", "url": "https://github.com/example/awesome-communities", "kind": "markdown",
            "tags": "[]", "listings": 5},
           {"name": "<b>evil</b>", "url": "javascript:alert('list')", "kind": "html", "tags": "[]", "listings": 1}]
LISTINGS = [{"community_id": c["id"], "source": "awesome-lists", "section": "Data > Forums", "name": c["name"],
             "annotations": '["(dysfunctional)"]' if c["id"] == DEAD else "[]",
             "first_seen": "2026-09-01T00:00:00+00:00", "last_seen": BUILT_AT} for c in COMMUNITIES[:5]]
LISTINGS.append({"community_id": HOSTILE, "source": "<b>evil</b>", "section": "<i>x</i>", "name": HOSTILE_NAME,
                 "annotations": "not json", "first_seen": BUILT_AT, "last_seen": BUILT_AT})


def build_catalogue(path: Path) -> None:
    """A catalogue.db shaped as catalogue/build.py writes it (issue 5 contract)."""
    db = sqlite_utils.Database(path)
    references = [("community_id", "communities", "id")]
    db["communities"].insert_all(COMMUNITIES, pk="id")
    db["evidence"].insert_all(EVIDENCE, pk="ref", foreign_keys=references)
    db["status_history"].create({"id": int, "community_id": str, "changed_at": str, "reachability": str,
                                 "activity": str, "reason": str, "previous_reachability": str,
                                 "previous_activity": str, "evidence": str}, pk="id", foreign_keys=references)
    db["status_history"].insert_all(HISTORY)
    db["sources"].insert_all(SOURCES, pk="name")
    db["listings"].insert_all(LISTINGS, foreign_keys=references)
    db["communities"].enable_fts(["name", "description", "sections", "topics", "platform"], tokenize="porter")
    db["build"].insert({"built_at": BUILT_AT, "communities": len(COMMUNITIES)})
    db["check_days"].insert_all(CHECK_DAYS, pk=("link_id", "day"))
    db.close()


# The dead community's failed checks, one a day, as catalogue/rollups.py writes them (no links table: its own id).
CHECK_DAYS = [{"link_id": DEAD, "day": f"2026-11-{d:02d}", "checks": 1, "successes": 0, "failures": 1, "blocked": 0,
               "first_outcome": "not_found", "last_outcome": "not_found"} for d in (1, 2, 4, 5, 7, 8)]


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Datasette:
    path = tmp_path_factory.mktemp("site") / "catalogue.db"
    build_catalogue(path)
    metadata = yaml.safe_load((REPO / "datasette_metadata.yml").read_text())
    return Datasette([str(path)], metadata=metadata, template_dir=str(REPO / "catalogue" / "templates"),
                     settings={"suggest_facets": False})


def page(site: Datasette, path: str) -> BeautifulSoup:
    return BeautifulSoup(get(site, path).text, "html.parser")


def section_after(soup: BeautifulSoup, heading_id: str) -> list:
    """The elements between a heading and the next h2."""
    found = []
    for element in soup.find(id=heading_id).find_next_siblings():
        if element.name == "h2":
            break
        found.append(element)
    return found


def test_community_page_leads_with_both_axes_then_reason_evidence_history_sources(site):
    soup = page(site, f"/catalogue/communities/{DORMANT}")
    assert soup.find("h1").get_text(strip=True) == "Open Data Meetups"
    assert soup.find(id="status-summary").get_text(strip=True) == "Dormant · live — checked 2 days ago"
    text = soup.get_text(" ")
    assert "newest post 2025-03-02 (622 days ago)" in text and "live: HTTP 200 — checked 2026-11-12" in text
    assert "622 days before this build" in text and "Lifecycle: declining" in text
    assert "Not trusted (stale counter): posts_30d 42: unchanged in 9 observations since 2026-09-01" in text
    headings = [h.get("id") for h in soup.find_all("h2") if h.get("id")]
    assert headings[:6] == ["why", "qualities", "evidence", "history", "sources", "record"]
    # Datasette's own row view stays below, for researchers.
    assert soup.find("a", string="json") and soup.find(string="622")


def test_every_evidence_row_is_shown_with_an_anchor_the_reason_links_to(site):
    soup = page(site, f"/catalogue/communities/{DORMANT}")
    rows = soup.find(id="evidence").find_next("table").find("tbody").find_all("tr")
    assert [row["id"] for row in rows] == ["evidence-signals-3", "evidence-checks-21", "evidence-signals-4"]
    stale = [cell.get_text(" ", strip=True) for cell in soup.find(id="evidence-signals-4").find_all("td")]
    assert stale[:3] == ["posts 30d", "42", "2026-09-01 – 2026-11-12, seen 9 times"]
    assert stale[4] == "not trusted: posts_30d 42: unchanged in 9 observations since 2026-09-01"
    assert soup.find(id="evidence-signals-4").find("a", string="https://opendata.example/forum/stats.json")["href"] \
        == "https://opendata.example/forum/stats.json"
    cited = soup.find(id="evidence-signals-3")
    assert "(cited)" in cited.get_text() and "2025-03-02T10:00:00+00:00" in cited.get_text()
    why_links = [a["href"] for element in section_after(soup, "why") for a in element.find_all("a")]
    assert why_links == ["#evidence-signals-3", "#evidence-checks-21", "#evidence-signals-3"]
    assert all(soup.find(id=href[1:]) for href in why_links)


def test_history_is_shown_newest_first_with_both_axes_and_its_evidence(site):
    soup = page(site, f"/catalogue/communities/{DEAD}")
    rows = [[cell.get_text(" ", strip=True) for cell in row.find_all("td")]
            for row in soup.find_all("tr", class_="copdir-history")]
    assert [row[:3] for row in rows] == [["2026-11-08", "failing → dead", "active → unknown"],
                                         ["2026-11-02", "live → failing", "active"],
                                         ["2026-10-20", "live", "active"]]
    assert rows[0][3] == "dead: 6 failed checks over 7 days — HTTP 404"
    dead_links = soup.find_all("tr", class_="copdir-history")[0].find_all("a")
    assert [a["href"] for a in dead_links] == [f"#evidence-checks-{n}" for n in range(41, 47)]
    assert len(soup.find(id="evidence").find_next("table").find("tbody").find_all("tr")) == 6
    assert soup.find(id="status-summary").get_text(strip=True) == "Activity unknown · dead — checked 6 days ago"
    assert "(dysfunctional)" in " ".join(element.get_text() for element in section_after(soup, "sources"))


def test_blocked_and_hiatus_pages_say_so(site):
    blocked = page(site, f"/catalogue/communities/{BLOCKED}")
    assert blocked.find(id="status-summary").get_text(strip=True) == \
        "Activity unknown · blocked (unverifiable) — checked yesterday"
    assert "never counted dead" in blocked.get_text()
    hiatus = page(site, f"/catalogue/communities/{HIATUS}")
    assert hiatus.find(id="owner-status").get_text(" ", strip=True) == "Its owner says: on hiatus until 2027-03-01"
    assert hiatus.find(id="status-summary").get_text(strip=True) == "Quiet · live — checked 2 days ago"
    assert "owner hiatus" in hiatus.find(id="evidence-owner_overrides-3").get_text()


def test_the_demo_banner_stays_on_community_pages(site, monkeypatch):
    monkeypatch.setenv("COPDIR_DEMO", "1")
    assert "every status on this site is simulated" in get(site, f"/catalogue/communities/{ACTIVE}").text


def test_an_unknown_community_is_not_found(site):
    assert asyncio.run(site.client.get("/catalogue/communities/0000000000000000")).status_code == 404


def test_the_table_facets_by_both_axes_and_lifecycle(site):
    soup = page(site, "/catalogue/communities")
    for column in ("reachability", "activity", "lifecycle"):
        assert soup.find(class_=f"facet-catalogue-communities-{column}"), column
    dead = soup.find(class_="facet-catalogue-communities-reachability").find("a", href=lambda h: "=dead" in h)
    filtered = get(site, "/catalogue/communities.json" + dead["href"][dead["href"].index("?"):] + "&_shape=array")
    assert [row["name"] for row in filtered.json()] == ["Statistics Slack"]
    revived = get(site, "/catalogue/communities.json?lifecycle=revived&_shape=array").json()
    assert [row["name"] for row in revived] == ["Civic Tech Forum"]


def test_the_table_sorts_by_time_since_last_activity(site):
    soup = page(site, "/catalogue/communities")
    for text, expected in (("most recently active first", ["Civic Tech Forum", "Statistics Slack",
                                                           "Bay Area Makers", "Open Data Meetups"]),
                           ("longest silent first", ["Open Data Meetups", "Bay Area Makers", "Statistics Slack",
                                                     "Civic Tech Forum"])):
        href = soup.find("a", string=text)["href"]
        path, query = href.split("?")
        rows = get(site, f"{path}.json?{query}&_shape=array").json()
        assert [row["name"] for row in rows][:4] == expected


def test_status_on_a_past_date_gives_both_axes_the_reason_and_evidence(site):
    def status_on(date: str) -> dict:
        rows = get(site, f"/catalogue/status_on.json?date={date}&_shape=array").json()
        return {row["name"]: row for row in rows}

    before = status_on("2026-11-05")
    assert (before["Statistics Slack"]["reachability"], before["Statistics Slack"]["activity"]) == ("failing", "active")
    assert before["Statistics Slack"]["reason"] == "failing: HTTP 404 since 2026-11-01"
    assert json.loads(before["Statistics Slack"]["evidence"]) == ["checks:41", "checks:42"]
    assert "r/datascience" not in before  # first scored on 2026-11-13
    assert status_on("2026-11-08")["Statistics Slack"]["reachability"] == "dead"
    assert status_on("2026-10-01")["Civic Tech Forum"]["activity"] == "dormant"


def test_canned_queries_find_dormant_dead_revived_and_stale(site):
    def query(name: str, params: str = "") -> list[dict]:
        return get(site, f"/catalogue/{name}.json?{params}&_shape=array").json()

    assert [row["name"] for row in query("dormant_or_dead_in_month", "month=2026-11")] == ["Statistics Slack"]
    assert query("dormant_or_dead_in_month", "month=2026-09") == []  # found dormant when first scored: no change
    october = query("dormant_or_dead_in_month", "month=2026-10")
    assert [(row["name"], row["previous_activity"]) for row in october] == [("Open Data Meetups", "quiet")]
    assert [(row["name"], row["revived_at"][:10]) for row in query("revived")] == [("Civic Tech Forum", "2026-11-12")]
    stale = {row["name"]: row for row in query("stale_counters")}
    assert stale["Open Data Meetups"]["stale_counter"].startswith("posts_30d 42: unchanged")
    assert json.loads(stale["Open Data Meetups"]["evidence"]) == ["signals:4"]


def test_survival_by_platform_counts_what_each_platform_still_has(site):
    rows = get(site, "/catalogue/survival_by_platform.json?listed_before=2026-10-01&_shape=array").json()
    by_platform = {row["platform"]: row for row in rows}
    assert (by_platform["website"]["communities"], by_platform["website"]["dead"],
            by_platform["website"]["surviving_percent"]) == (2, 1, 0.0)  # one dead, one failing
    assert (by_platform["reddit"]["live"], by_platform["reddit"]["surviving_percent"]) == (0, 100.0)  # blocked
    assert (by_platform["discourse"]["active"], by_platform["discourse"]["active_percent"]) == (1, 100.0)
    assert get(site, "/catalogue/survival_by_platform.json?listed_before=2026-08-01&_shape=array").json() == []


@pytest.mark.parametrize("path", [f"/catalogue/communities/{HOSTILE}", "/catalogue/communities",
                                  "/catalogue/evidence", "/catalogue/status_history", "/catalogue/listings",
                                  "/catalogue/stale_counters"])
def test_html_and_script_urls_from_the_data_are_never_markup(site, path):
    html = get(site, path).text
    soup = BeautifulSoup(html, "html.parser")
    assert "alert(" not in " ".join(script.get_text() for script in soup.find_all("script"))
    assert not soup.find_all(["img", "iframe"]) and not soup.find_all(attrs={"onmouseover": True})
    assert not [a for a in soup.find_all("a", href=True) if a["href"].strip().lower().startswith("javascript:")]
    assert "<script>alert(" not in html


def test_the_hostile_community_page_shows_its_values_as_text(site):
    soup = page(site, f"/catalogue/communities/{HOSTILE}")
    text = soup.get_text(" ")
    assert soup.find("h1").get_text() == HOSTILE_NAME
    for shown in ("<img src=x onerror=alert('reason')>", "<script>alert('value')</script>",
                  "javascript:alert('source')", "<b onmouseover=alert('owner')>closed</b>", "javascript:alert('url')"):
        assert shown in text


@pytest.mark.parametrize("url, href", [
    ("https://forum.example/", "https://forum.example/"),
    ("http://forum.example/t/1", "http://forum.example/t/1"),
    ("javascript:alert(1)", None), ("JavaScript:alert(1)", None), (" https://x.example/", None),
    ("data:text/html,<b>", None), ("https://", None), ("/relative", None), (None, None),
])
def test_only_http_addresses_become_links(url, href):
    assert safe_href(url) == href


def test_the_history_chart_shows_90_days_of_checks_and_both_axes_with_dates_and_words(site):
    soup = page(site, f"/catalogue/communities/{DEAD}")
    chart = soup.find(id="history").find_next("svg")
    assert chart["role"] == "img" and chart.find("title").get_text() == \
        "Checks, reachability and activity from 2026-08-17 to 2026-11-14"  # 90 days up to the build
    strips = {strip["data-strip"]: [(rect["data-state"], rect.find("title").get_text()) for rect in strip.find_all("rect")]
              for strip in chart.find_all("g")}
    assert [state for state, _ in strips["reachability"]] == ["no data", "live", "failing", "dead"]
    assert strips["reachability"][3][1] == "Reachability — dead: 2026-11-08 – 2026-11-14 (7 days)"
    assert [state for state, _ in strips["activity"]] == ["no data", "active", "unknown"]
    assert [title for state, title in strips["checks"] if state == "failed"] == [
            "Checks — failed: 2026-11-01 – 2026-11-02 (2 days)", "Checks — failed: 2026-11-04 – 2026-11-05 (2 days)",
            "Checks — failed: 2026-11-07 – 2026-11-08 (2 days)"]
    assert [text.get_text() for text in chart.find_all("text")][-3:] == ["2026-08-17", "2026-10-01", "2026-11-14"]
    words = {row["data-strip"]: row.find("td").get_text() for row in soup.find(id="history-chart-text").find_all("tr")
             if row.get("data-strip")}
    assert words["reachability"] == ("no data: 2026-08-17 – 2026-10-19 (64 days); live: 2026-10-20 – 2026-11-01 "
                                     "(13 days); failing: 2026-11-02 – 2026-11-07 (6 days); dead: 2026-11-08 – "
                                     "2026-11-14 (7 days)")
    assert "dead: 2026-11-08" in chart.find("desc").get_text()  # what a screen reader says
    assert soup.find(id="history-legend").get_text() == "no data · failed · live · failing · dead · active · unknown"


def test_the_chart_of_a_community_never_checked_says_no_data(site):
    chart = page(site, f"/catalogue/communities/{ACTIVE}").find(id="history").find_next("svg")
    activity = [rect["data-state"] for rect in chart.find("g", attrs={"data-strip": "activity"}).find_all("rect")]
    assert activity == ["no data", "dormant", "active"]  # first scored 2026-09-01, active from 2026-11-12
    assert [rect["data-state"] for rect in chart.find("g", attrs={"data-strip": "checks"}).find_all("rect")] == ["no data"]


def test_the_community_page_links_to_a_recheck_and_a_problem_report(site):
    soup = page(site, f"/catalogue/communities/{DORMANT}")
    assert soup.find(id="request-recheck")["href"] == f"/recheck?community={DORMANT}"
    assert soup.find(id="report-problem")["href"] == f"/report?community={DORMANT}"


def test_community_page_shows_its_cop_qualities_with_the_evidence_and_a_paid_community_gone_quiet(site):
    soup = page(site, f"/catalogue/communities/{DORMANT}")
    assert soup.find(id="paid-quiet").get_text(strip=True) == "⚠ Paid membership (€5 per month) · dormant since 2025-03-02"
    rows = {row["id"]: row for row in soup.find(id="qualities-table").find("tbody").find_all("tr")}
    cells = {key.removeprefix("quality-"): [cell.get_text(" ", strip=True) for cell in row.find_all("td")]
             for key, row in rows.items()}
    assert cells["event_cadence"][1:] == ["Meets monthly", "3 events 2024-12-03 – 2025-02-04, a median of 31 days apart"
                                          " — its events"]
    assert rows["quality-event_cadence"].find("a")["href"] == f"/catalogue/events?community_id={DORMANT}"
    assert cells["cost"][1] == "Paid membership (€5 per month)"
    assert cells["cost"][2] == 'text "Mitgliedsbeitrag: €5 per month" — https://opendata.example/forum/'
    assert rows["quality-cost"].find("a")["href"] == "https://opendata.example/forum/"
    assert cells["knowledge_base"][1] == "Keeps its knowledge in wiki"
    assert rows["quality-knowledge_base"].find("a")["href"] == "https://opendata.example/wiki/"
    assert rows["quality-code_of_conduct"].find("a")["href"] == "https://opendata.example/forum/rules"
    assert cells["membership"][1] == "Join by application" and cells["mentoring"][1:] == [
        "No help channel or mentoring seen", "nothing seen"]
    # Evidence is text from pages: rendered inert, and only http(s) sources become links.
    assert cells["moderators_visible"][2] == "<script>alert('evidence')</script> — javascript:alert('source')"
    assert rows["quality-moderators_visible"].find("a") is None and not soup.select("#qualities-table script")
    active = page(site, f"/catalogue/communities/{ACTIVE}")
    assert active.find(id="paid-quiet") is None
    assert active.find(id="quality-cost").get_text(" ", strip=True) == "Cost Cost not stated nothing seen"
