"""Atom feeds of new active communities and the status badge an owner embeds (issue 7, item 8).

A small catalogue.db, stored in activity order as catalogue/build.py stores it, is served by Datasette
in-process with the project's metadata, templates and plugin. Feeds and badges are parsed with
xml.etree: a parse error fails the test, as it would fail a feed reader or an <img>.
"""
from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import date, timedelta
from pathlib import Path

import pytest
import sqlite_utils
from bs4 import BeautifulSoup
from datasette.app import Datasette

from catalogue.build_qualities import QUALITY_DEFAULTS
from catalogue_site import datasette_for, get

ATOM = "{http://www.w3.org/2005/Atom}"
SVG = "{http://www.w3.org/2000/svg}"
BUILT_AT = "2026-11-14T06:00:00+00:00"  # a week before the machine's clock: days must count to the build
HOSTILE_NAME = "<script>alert('name')</script> ]]> Tom & Jerry\x01"
HOSTILE_SHOWN = "<script>alert('name')</script> ]]> Tom & Jerry"  # a control character no XML can hold is left out
PYTHON, HOSTILE, OLD, QUIET, DEAD, CIVIC, BLOCKED = (f"{n:x}" * 16 for n in range(1, 8))
ACTIVITY_RANK = {"active": 0, "quiet": 1, "dormant": 2, "unknown": 3}


def _community(id: str, name: str, first_seen: str, reachability: str = "live", activity: str = "active",
               platform: str = "forum", description: str = "", days: int | None = 3) -> dict:
    return {"id": id, "name": name, "description": description, "url": f"https://example.org/{id}",
            "platform": platform, "reachability": reachability, "activity": activity, "language": "en",
            "activity_reason": f"{activity}: newest post {days} days before the build — {name}",
            "reachability_reason": f"{reachability}: HTTP 200 — checked 2026-11-12", "status_reason": "",
            "days_since_activity": days, "first_seen": first_seen, "last_checked": "2026-11-12T09:00:00+00:00",
            "topics": "[]", "sections": "", "status_evidence": "[]", "stale_metrics": "[]",
            "activity_rank": ACTIVITY_RANK[activity] + (0 if reachability == "live" else 10),
            **QUALITY_DEFAULTS, "price": None, "code_of_conduct": None, "last_activity": None}


KNITTING = [_community(f"{n:016x}", f"Knitting Circle {n}", (date(2025, 1, 1) + timedelta(days=n)).isoformat(),
                       platform="discord", days=(n * 7) % 60) for n in range(100, 155)]
COMMUNITIES = [
    _community(PYTHON, "Python Discord", "2026-11-10T08:00:00+00:00", platform="discord", days=1),
    _community(HOSTILE, HOSTILE_NAME, "2026-11-12T08:00:00+00:00", description="Python & more", days=2),
    _community(OLD, "Old Python Forum", "2026-01-01T00:00:00+00:00", days=5),
    _community(QUIET, "Quiet Python", "2026-11-13T00:00:00+00:00", activity="quiet", days=40),
    _community(DEAD, "Dead Python Slack", "2026-11-13T00:00:00+00:00", reachability="dead", platform="slack"),
    _community(CIVIC, "Civic Tech Meetup", "2026-11-11T00:00:00+00:00", platform="meetup", days=4),
    _community(BLOCKED, "r/python", "2026-11-13T00:00:00+00:00", reachability="blocked", activity="unknown",
               platform="reddit", days=None),
    *KNITTING,
]
BY_ID = {row["id"]: row for row in COMMUNITIES}


def build_catalogue(path: Path) -> None:
    db = sqlite_utils.Database(path)
    # Stored in activity order, as catalogue/build.py stores them: rowid 1 is the liveliest.
    db["communities"].insert_all(sorted(COMMUNITIES, key=lambda row: (row["activity_rank"],
                                                                      row["days_since_activity"] is None,
                                                                      row["days_since_activity"] or 0, row["id"])),
                                 pk="id")
    db["topics"].create({"community_id": str, "topic": str}, pk=("community_id", "topic"))
    for column in ("platform", "reachability", "activity", "language"):
        db["communities"].create_index([column])
    db["communities"].enable_fts(["name", "description", "sections", "topics", "platform"], tokenize="porter")
    db["build"].insert({"built_at": BUILT_AT, "communities": len(COMMUNITIES)})
    db.close()


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Datasette:
    path = tmp_path_factory.mktemp("feeds") / "catalogue.db"
    build_catalogue(path)
    return datasette_for(path)


def feed(site: Datasette, path: str) -> tuple[ET.Element, str]:
    response = get(site, path)
    assert response.headers["content-type"].startswith("application/atom+xml")
    assert response.headers["cache-control"] == "max-age=3600"
    root = ET.fromstring(response.content)
    assert root.tag == ATOM + "feed"
    return root, response.text


def entry_ids(root: ET.Element) -> list[str]:
    """The community ids of a feed's entries, in order."""
    return [entry.findtext(ATOM + "id").rsplit(":", 1)[1] for entry in root.iter(ATOM + "entry")]


def newest_first(ids: list[str]) -> list[str]:
    return sorted(ids, key=lambda id: (BY_ID[id]["first_seen"], id), reverse=True)


def active_live(rows) -> list[str]:
    return [row["id"] for row in rows if row["activity"] == "active" and row["reachability"] == "live"]


def test_active_feed_lists_the_50_newest_active_live_communities_newest_first(site):
    root, _ = feed(site, "/feeds/active.atom")
    assert entry_ids(root) == newest_first(active_live(COMMUNITIES))[:50]
    assert entry_ids(root)[:3] == [HOSTILE, CIVIC, PYTHON]  # quiet, dead and blocked ones are left out
    assert root.findtext(ATOM + "id") == "tag:copdir,2026:feed:active"
    assert root.findtext(ATOM + "updated") == "2026-11-14T06:00:00Z"
    assert {link.get("rel"): link.get("href") for link in root.findall(ATOM + "link")}["self"] \
        == "http://localhost/feeds/active.atom"

    entry = next(root.iter(ATOM + "entry"))
    assert entry.findtext(ATOM + "id") == f"tag:copdir,2026:community:{HOSTILE}"
    assert entry.findtext(ATOM + "published") == "2026-11-12T08:00:00Z"
    assert entry.find(ATOM + "link[@rel='alternate']").get("href") == f"http://localhost/catalogue/communities/{HOSTILE}"
    assert entry.find(ATOM + "content").text == BY_ID[HOSTILE]["activity_reason"].replace("\x01", "")


def test_a_hostile_name_is_escaped_in_the_feed(site):
    root, text = feed(site, "/feeds/active.atom")
    entry = next(root.iter(ATOM + "entry"))
    assert entry.findtext(ATOM + "title") == HOSTILE_SHOWN
    assert "<script>" not in text and "]]>" not in text and "Tom & Jerry" not in text
    assert "&lt;script&gt;alert('name')&lt;/script&gt; ]]&gt; Tom &amp; Jerry" in text


def test_search_feed_honours_the_words_and_filters_and_lists_only_active_live_ones(site):
    root, _ = feed(site, "/feeds/search.atom?q=python")
    assert entry_ids(root) == [HOSTILE, PYTHON, OLD]
    assert "“python”" in root.findtext(ATOM + "title")

    root, _ = feed(site, "/feeds/search.atom?q=python&platform=discord&activity=quiet&reachability=dead")
    assert entry_ids(root) == [PYTHON]  # a feed lists active, live communities whatever the URL asks
    assert root.find(ATOM + "link[@rel='alternate']").get("href") \
        == "http://localhost/search?q=python&platform=discord&activity=active&reachability=live"

    root, _ = feed(site, "/feeds/search.atom?platform=meetup")
    assert entry_ids(root) == [CIVIC]


def test_search_feed_goes_past_one_search_page_to_50_entries(site):
    root, _ = feed(site, "/feeds/search.atom?q=knitting")
    # The search's 50 liveliest matches (it goes through three of its pages for them), listed newest first.
    liveliest = [row["id"] for row in sorted(KNITTING, key=lambda row: (row["days_since_activity"], row["id"]))]
    assert entry_ids(root) == newest_first(liveliest[:50])


def test_search_feed_with_hostile_words_is_still_valid_atom(site):
    root, text = feed(site, "/feeds/search.atom?q=%3Cscript%3E%5D%5D%3E%26&platform=%22%3E%3Cx")
    assert entry_ids(root) == []
    assert "<script>" not in text and "]]>" not in text


def badge(site: Datasette, id: str, status: int = 200) -> tuple[ET.Element, str]:
    response = get(site, f"/badge/{id}.svg", status)
    assert response.headers["content-type"].startswith("image/svg+xml")
    assert response.headers["cache-control"] == "max-age=3600"
    root = ET.fromstring(response.content)
    assert root.tag == SVG + "svg"
    assert int(root.get("width")) > 0 and root.get("height") == "20"
    # Nothing to fetch: no links, images, scripts or font files.
    assert not [element for element in root.iter() if any(name.endswith("href") for name in element.attrib)]
    assert not [element for element in root.iter() if element.tag in (SVG + "script", SVG + "image", SVG + "style")]
    return root, response.text


def shown(root: ET.Element) -> list[str]:
    return [element.text for element in root.iter(SVG + "text")]


def test_badge_shows_the_activity_and_days_since_the_check_counted_to_the_build(site):
    root, _ = badge(site, PYTHON)
    assert shown(root) == ["copdir", "active · checked 2 days ago"]
    assert root.findtext(SVG + "title") == "Python Discord: active · checked 2 days ago"

    assert shown(badge(site, QUIET)[0])[1] == "quiet · checked 2 days ago"
    assert shown(badge(site, DEAD)[0])[1] == "dead · checked 2 days ago"
    assert shown(badge(site, BLOCKED)[0])[1] == "unverifiable · checked 2 days ago"
    colours = {id: badge(site, id)[0].findall(SVG + "rect")[1].get("fill") for id in (PYTHON, QUIET, DEAD)}
    assert len(set(colours.values())) == 3


def test_a_hostile_name_is_escaped_in_the_badge(site):
    root, text = badge(site, HOSTILE)
    assert root.findtext(SVG + "title") == HOSTILE_SHOWN + ": active · checked 2 days ago"
    assert "<script>" not in text and "]]>" not in text and "Tom & Jerry" not in text


@pytest.mark.parametrize("id", ["0000000000000000", "%3Cscript%3E", "x" * 300])
def test_an_unknown_community_gets_a_not_listed_badge_with_404(site, id):
    root, _ = badge(site, id, 404)
    assert shown(root) == ["copdir", "not listed"]


def test_community_page_shows_its_badge_and_the_escaped_snippets_to_embed_it(site):
    response = get(site, f"/catalogue/communities/{HOSTILE}")
    assert "<script>alert('name')" not in response.text
    soup = BeautifulSoup(response.text, "html.parser")
    drawn = soup.find(id="status-badge").find("svg")  # inline, as /badge/<id>.svg draws it
    assert [text.get_text() for text in drawn.find_all("text")] == ["copdir", "active · checked 2 days ago"]
    assert drawn.find("title").get_text() == HOSTILE_SHOWN + ": active · checked 2 days ago"

    page_url, badge_url = f"http://localhost/catalogue/communities/{HOSTILE}", f"http://localhost/badge/{HOSTILE}.svg"
    snippet = soup.find(id="embed-html").get_text()
    assert snippet == (f'<a href="{page_url}"><img src="{badge_url}" alt="copdir status of &lt;script&gt;'
                       f'alert(&#x27;name&#x27;)&lt;/script&gt; ]]&gt; Tom &amp; Jerry" height="20"></a>')
    pasted = BeautifulSoup(snippet, "html.parser")  # what the owner's page will show
    assert pasted.img["alt"] == f"copdir status of {HOSTILE_SHOWN}" and not pasted.find("script")
    markdown = soup.find(id="embed-markdown").get_text()
    assert markdown == (r"[![copdir status of \<script\>alert\(\'name\'\)\<\/script\> \]\]\> Tom \& Jerry]"
                        f"({badge_url})]({page_url})")
