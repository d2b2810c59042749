"""Region and how to join, end to end: lists and pages → `copdir classify` → the real build → the site's search and a
community's page.

Listings like the corpus's — a Slack under "Regional > USA 🇺🇸 > Alabama", a Discord under "Other countries > Germany",
a pan-Caribbean group in a list tagged "caribbean", a Python Discord of no place, a Meetup group whose page gives its
address — are ingested into a working database, profiled (the page's place and how to join), classified, built with
the real build and served by Datasette in-process.
"""
from __future__ import annotations

import asyncio
from datetime import datetime, timedelta, timezone
from pathlib import Path
from urllib.parse import quote_plus

import pytest
import sqlite_utils
import yaml
from bs4 import BeautifulSoup
from datasette.app import Datasette

from catalogue import status_store, store
from catalogue.build import build_catalogue
from catalogue.publish import SETTINGS, TEMPLATES
from catalogue.schema import open_working_db
from crawler.cli.classify import classify
from crawler.models import Activity, JoinType, Profile, Reachability, Status, profile_as_dict

REPO = Path(__file__).resolve().parent.parent
TAXONOMY = REPO / "data" / "practice_domains.yml"
REGIONS = REPO / "data" / "regions.yml"
NOW = datetime(2026, 11, 20, 6, tzinfo=timezone.utc)
COMMUNITY = "A community of developers who meet, chat and help each other"
LISTINGS = [
    {"source": "tech-communities", "url": "https://join.slack.com/t/magiccity/shared_invite/x", "name": "Magic City Tech",
     "description": COMMUNITY, "section": "Regional > USA 🇺🇸 > Alabama", "platform": "slack"},
    {"source": "tech-communities", "url": "https://discord.gg/berlindevs", "name": "Spree Devs",
     "description": COMMUNITY, "section": "Regional > Other countries > Germany", "platform": "discord"},
    {"source": "caribbean-tech", "url": "https://forum.caribdevs.example/", "name": "Carib Devs",
     "description": COMMUNITY, "section": "Regional", "platform": "forum"},
    {"source": "tech-communities", "url": "https://discord.gg/pythonistas", "name": "Pythonistas",
     "description": COMMUNITY, "section": "Languages > Python", "platform": "discord"},
    {"source": "tech-communities", "url": "https://www.meetup.com/tampa-devs/", "name": "Tampa Devs",
     "description": COMMUNITY, "section": "Community Groups", "platform": "meetup"},
]
JOINS = {"Magic City Tech": JoinType.OPEN, "Spree Devs": JoinType.OPEN, "Carib Devs": JoinType.APPLICATION}


def build_region_catalogue(folder: Path, regions: Path = REGIONS) -> dict:
    """LISTINGS in a working database, profiled, scored, classified and built into folder/catalogue.db; also used by
    the browser test's walk through the region facet (test_browser.py)."""
    working = open_working_db(folder / "copdir.db")
    store.record_sources(working, [
        {"name": "tech-communities", "url": "https://tech.example/README.md", "kind": "markdown",
         "tags": ["regional", "software"]},
        {"name": "caribbean-tech", "url": "https://carib.example/communities.json", "kind": "json",
         "tags": ["regional", "caribbean", "software"]}])
    store.ingest_observations(working, LISTINGS, 1, NOW)
    ids = {row["name"]: row["id"] for row in working["communities"].rows}
    profiles = [{**profile_as_dict(Profile(url=row["url"], observed_at=NOW, join_type=JOINS.get(row["name"],
                                                                                                   JoinType.UNKNOWN),
                                           place="Tampa, FL, US" if row["name"] == "Tampa Devs" else "")),
                 "community_id": ids[row["name"]]} for row in LISTINGS]
    store.ingest_profiles(working, profiles)
    status_store.record_statuses(working, [
        (ids[row["name"]], Status(Reachability.LIVE, Activity.ACTIVE, ("because",),
                                  last_activity=NOW - timedelta(days=n))) for n, row in enumerate(LISTINGS)], NOW)
    counts = classify(working, NOW, TAXONOMY, regions_path=regions)
    build_catalogue(working, folder / "catalogue.db", NOW, max_drop=1.0)
    return {"working": working, "ids": ids, "counts": counts, "path": folder / "catalogue.db"}


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    built = build_region_catalogue(tmp_path_factory.mktemp("regions"))
    metadata = yaml.safe_load((REPO / "datasette_metadata.yml").read_text())
    site = Datasette([str(built["path"])], metadata=metadata, template_dir=str(TEMPLATES), settings=SETTINGS)
    return {**built, "site": site, "catalogue": sqlite_utils.Database(built["path"])}


def get(site: Datasette, path: str):
    response = asyncio.run(site.client.get(path))
    assert response.status_code == 200, (path, response.status_code, response.text[:500])
    return response


def test_each_community_is_placed_by_its_evidence_and_an_online_one_nowhere(built):
    rows = {row["name"]: row for row in built["catalogue"]["communities"].rows}
    assert built["counts"]["placed"] == 4
    assert (rows["Magic City Tech"]["region"], rows["Magic City Tech"]["locality"]) == ("United States", "Alabama")
    assert rows["Magic City Tech"]["region_reason"] == \
        "list section 'Regional > USA 🇺🇸 > Alabama' (tech-communities)"
    assert (rows["Spree Devs"]["region"], rows["Spree Devs"]["locality"]) == ("Germany", None)
    assert (rows["Carib Devs"]["region"], rows["Carib Devs"]["region_reason"]) == \
        ("Caribbean", "list caribbean-tech is tagged 'caribbean'")
    assert (rows["Tampa Devs"]["region"], rows["Tampa Devs"]["locality"]) == ("United States", "Florida")
    assert rows["Tampa Devs"]["region_reason"] == "its page says 'Tampa, FL, US'"
    assert (rows["Pythonistas"]["region"], rows["Pythonistas"]["locality"]) == (None, None)


def test_the_region_facet_shows_only_real_regions_and_filters_to_one(built):
    site = built["site"]
    answer = get(site, "/search.json?activity=active").json()
    facet = next(facet for facet in answer["facets"] if facet["name"] == "region")
    assert facet["title"] == "Region"
    assert {value["value"]: value["count"] for value in facet["values"]} == \
        {"United States": 2, "Germany": 1, "Caribbean": 1}  # Pythonistas, online, is no value at all
    us = next(value for value in facet["values"] if value["value"] == "United States")
    assert us["url"] == "/search.json?activity=active&region=United+States"
    filtered = get(site, us["url"]).json()
    assert sorted(row["name"] for row in filtered["results"]) == ["Magic City Tech", "Tampa Devs"]
    assert {row["locality"] for row in filtered["results"]} == {"Alabama", "Florida"}
    assert filtered["filters"][-1] == {"name": "region", "title": "Region", "value": "United States",
                                       "label": "United States", "remove_url": "/search.json?activity=active"}


@pytest.mark.parametrize("typed, found", [("Alabama", ["Magic City Tech"]), ("germany", ["Spree Devs"]),
                                          ("Florida", ["Tampa Devs"]), ("caribbean", ["Carib Devs"])])
def test_a_place_typed_in_the_search_box_finds_the_communities_there(built, typed, found):
    answer = get(built["site"], f"/search.json?q={quote_plus(typed)}").json()
    assert [row["name"] for row in answer["results"]] == found


def test_how_to_join_is_a_facet_with_readable_labels_and_no_unknown(built):
    answer = get(built["site"], "/search.json?activity=active").json()
    facet = next(facet for facet in answer["facets"] if facet["name"] == "join_type")
    assert facet["title"] == "How to join"
    assert {value["label"]: value["count"] for value in facet["values"]} == \
        {"open link — join now": 2, "form or approval": 1}  # the two that never said are left out
    membership = next(facet for facet in answer["facets"] if facet["name"] == "membership")
    assert membership["title"] == "Membership"  # the CoP quality, a different question: who may be a member
    application = get(built["site"], "/search.json?activity=active&join_type=application").json()
    assert [row["name"] for row in application["results"]] == ["Carib Devs"]


def test_the_search_page_and_a_community_page_say_where_and_why(built):
    site, ids = built["site"], built["ids"]
    html = BeautifulSoup(get(site, "/search?q=alabama").text, "html.parser")
    assert html.select_one("#search-results .copdir-place").text == "Alabama, United States"
    titles = [title.text for title in html.select("#search-facets h3")]
    assert "Region" in titles and "How to join" in titles and "Membership" in titles
    assert [a.text.split()[0] for a in html.select('ul[data-facet="region"] a')] == ["United"]
    page = BeautifulSoup(get(site, f"/catalogue/communities/{ids['Magic City Tech']}").text, "html.parser")
    place = page.find(id="community-place")
    assert place.strong.text == "Alabama, United States"
    assert "list section 'Regional > USA 🇺🇸 > Alabama' (tech-communities)" in place.text
    online = BeautifulSoup(get(site, f"/catalogue/communities/{ids['Pythonistas']}").text, "html.parser")
    assert online.find(id="community-place") is None


def test_a_changed_vocabulary_locates_every_link_again(built, tmp_path):
    changed = tmp_path / "regions.yml"
    changed.write_text(REGIONS.read_text(encoding="utf-8") + "\n# a maintainer's edit\n", encoding="utf-8")
    assert classify(built["working"], NOW + timedelta(hours=1), TAXONOMY, regions_path=REGIONS)["classified"] == 0
    assert classify(built["working"], NOW + timedelta(hours=2), TAXONOMY, regions_path=changed)["classified"] == 5



def test_a_catalogue_built_before_regions_searches_as_before_and_a_region_filter_finds_nothing(tmp_path):
    older = sqlite_utils.Database(tmp_path / "catalogue.db")
    older["communities"].insert({
        "id": "a" * 16, "name": "Spree Devs", "url": "https://discord.gg/berlindevs", "description": COMMUNITY,
        "platform": "discord", "reachability": "live", "activity": "active", "activity_reason": "",
        "reachability_reason": "", "days_since_activity": 1, "language": "en", "topics": "[]", "sections": "",
        "cost": "free", "price": None, "last_activity": None, "event_cadence": "none-seen", "membership": "open",
        "code_of_conduct": None}, pk="id")
    older["topics"].create({"community_id": str, "topic": str}, pk=("community_id", "topic"))
    older["communities"].enable_fts(["name", "description", "sections", "topics", "platform"], tokenize="porter")
    site = Datasette([str(older.conn.execute("pragma database_list").fetchone()[2])],
                     metadata=yaml.safe_load((REPO / "datasette_metadata.yml").read_text()),
                     template_dir=str(TEMPLATES), settings=SETTINGS)
    answer = get(site, "/search.json?q=spree").json()
    assert [row["name"] for row in answer["results"]] == ["Spree Devs"]
    assert {facet["name"] for facet in answer["facets"]}.isdisjoint({"region", "join_type"})
    assert get(site, "/search.json?q=spree&region=Germany").json()["total"]["count"] == 0
