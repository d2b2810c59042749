"""Practice in the catalogue: `copdir classify` → the build's tables → the search, /domains and a community's page.

A small working database is built from listings like the corpus's — a conservation forum whose words say only
"wildlife", a public-health Slack found under a "Public health" section, a consultancy and a conference mixed into a
list — classified with the shipped taxonomy, built with the real build and served by Datasette in-process.
"""
from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
import sqlite_utils
from bs4 import BeautifulSoup

from catalogue import status_store, store
from catalogue.build import build_catalogue
from catalogue.schema import open_working_db
from catalogue.search_practice import reasons_for
from catalogue_site import datasette_for, get
from crawler.cli.classify import classify
from crawler.models import Activity, Reachability, Status

REPO = Path(__file__).resolve().parent.parent
TAXONOMY = REPO / "data" / "practice_domains.yml"
NOW = datetime(2026, 11, 20, 6, tzinfo=timezone.utc)
HOSTILE = "<script>alert('x')</script>"
LISTINGS = [
    {"source": "green-lists", "url": "https://forum.wildkenya.example/", "name": "Wild Kenya",
     "description": "A forum for people who care about wildlife and biodiversity in Kenya " + HOSTILE,
     "section": "Nature", "platform": "forum"},
    {"source": "green-lists", "url": "https://join.slack.com/t/phcop/shared_invite/x", "name": "PH Practitioners",
     "description": "Epidemiologists and health officers sharing what works", "section": "Public health",
     "platform": "slack"},
    {"source": "tech-lists", "url": "https://discord.gg/pythonistas", "name": "Pythonistas",
     "description": "Python help and chat", "section": "Languages > Python", "platform": "discord"},
    {"source": "tech-lists", "url": "https://pyconsult.example/", "name": "PyConsult Ltd",
     "description": "PyConsult Ltd is a company offering Python consulting", "section": "Languages > Python",
     "platform": "website"},
    {"source": "tech-lists", "url": "https://pycon2024.example/", "name": "PyCon Example 2024",
     "description": "The annual Python conference", "section": "Languages > Python", "platform": "website"},
]


def build_practice_catalogue(folder: Path) -> dict:
    """The working database of LISTINGS, statuses recorded, classified twice (the second finds nothing due) and
    built into folder/catalogue.db; also used by the browser test of practice (test_browser_practice.py)."""
    working = open_working_db(folder / "copdir.db")
    store.record_sources(working, [{"name": "green-lists", "url": "https://green.example/list.md", "kind": "markdown",
                                    "tags": ["environment"]},
                                   {"name": "tech-lists", "url": "https://tech.example/list.md", "kind": "markdown"}])
    store.ingest_observations(working, LISTINGS, 1, NOW)
    ids = {row["name"]: row["id"] for row in working["communities"].rows}
    status_store.record_statuses(working, [
        (ids[name], Status(Reachability.LIVE, Activity.ACTIVE, ("because",), last_activity=NOW - timedelta(days=d)))
        for name, d in (("Wild Kenya", 3), ("PH Practitioners", 5), ("Pythonistas", 1), ("PyConsult Ltd", 0),
                        ("PyCon Example 2024", 2))], NOW)
    first = classify(working, NOW, TAXONOMY)
    again = classify(working, NOW + timedelta(hours=1), TAXONOMY)
    build_catalogue(working, folder / "catalogue.db", NOW, max_drop=1.0)
    return {"working": working, "ids": ids, "first": first, "again": again, "path": folder / "catalogue.db"}


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    built = build_practice_catalogue(tmp_path_factory.mktemp("practice"))
    return {**built, "site": datasette_for(built["path"]), "catalogue": sqlite_utils.Database(built["path"])}


def names(answer: dict) -> list[str]:
    return [row["name"] for row in answer["results"]]


def test_classify_finds_kinds_and_domains_and_only_redoes_what_changed(built):
    assert built["first"]["classified"] == 5
    assert built["first"]["community"] == 3 and built["first"]["organisation"] == 1 and built["first"]["event"] == 1
    assert built["again"]["classified"] == 0  # nothing new, re-profiled or re-listed, same taxonomy


def test_a_changed_taxonomy_classifies_everything_again(built, tmp_path):
    changed = tmp_path / "practice_domains.yml"
    changed.write_text(TAXONOMY.read_text() + "\n# a maintainer's edit\n")
    assert classify(built["working"], NOW + timedelta(hours=2), changed)["classified"] == 5


def test_the_build_publishes_kinds_domains_and_the_taxonomy(built):
    out, ids = built["catalogue"], built["ids"]
    wild = out["communities"].get(ids["Wild Kenya"])
    assert wild["kind"] == "community" and json.loads(wild["domains"])[0] == "conservation"
    evidence = out.execute("select evidence, confidence from community_domains where community_id = ?"
                           " and domain = 'conservation'", [ids["Wild Kenya"]]).fetchone()
    assert "description mentions 'wildlife', 'biodiversity'" in evidence[0] and evidence[1] >= 0.5
    health = out.execute("select evidence from community_domains where community_id = ? and domain = 'public-health'",
                         [ids["PH Practitioners"]]).fetchone()[0]
    assert "section 'Public health' of list green-lists" in health
    consult = out["communities"].get(ids["PyConsult Ltd"])
    assert consult["kind"] == "organisation" and "'ltd'" in consult["kind_reason"]
    assert out["communities"].get(ids["PyCon Example 2024"])["kind"] == "event"
    # Communities first in the stored order, then the rest: "communities only" is a rowid bound.
    kinds = [row[0] for row in out.execute("select kind from communities order by rowid")]
    assert kinds[:3] == ["community"] * 3 and set(kinds[3:]) == {"organisation", "event"}
    conservation = out["practice_domains"].get("conservation")
    assert conservation["group_name"] == "Environment and conservation" and conservation["active_communities"] == 1
    assert ("wildlife", "conservation") in {(row["term"], row["domain"]) for row in out["domain_terms"].rows}


def test_a_practice_word_finds_communities_of_that_domain_whose_words_differ(built):
    site = built["site"]
    answer = get(site, "/search.json?q=conservation").json()
    assert names(answer) == ["Wild Kenya"]
    reasons = answer["results"][0]["reasons"]
    assert reasons[0] == "active"
    assert "matches domain Conservation and ecology (description mentions 'wildlife', 'biodiversity')" in reasons
    assert answer["practice"][0]["domain"] == "conservation"
    html = BeautifulSoup(get(site, "/search?q=conservation").text, "html.parser")
    assert "Conservation and ecology" in html.find(id="search-practice").text
    assert "matches domain Conservation and ecology" in html.select_one("#search-results .copdir-reasons").text
    assert "within each page" in html.find(id="ranked-label").text
    assert names(get(site, "/search.json?q=epidemiology").json()) == ["PH Practitioners"]  # a synonym of public health
    assert names(get(site, "/search.json?q=public%20health").json()) == ["PH Practitioners"]


def test_organisations_and_events_are_left_out_unless_asked_for(built):
    site = built["site"]
    default = get(site, "/search.json?q=python").json()
    assert names(default) == ["Pythonistas"] and default["total"]["count"] == 1 and default["total"]["exact"]
    assert default["include_others"]["count"] == 2
    everything = get(site, default["include_others"]["url"]).json()
    assert sorted(names(everything)) == ["PyCon Example 2024", "PyConsult Ltd", "Pythonistas"]
    assert names(everything)[0] == "Pythonistas"  # communities first
    kinds = {value["value"] for facet in everything["facets"] if facet["name"] == "kind" for value in facet["values"]}
    assert kinds == {"community", "organisation", "event"}
    only = get(site, "/search.json?q=python&kind=organisation").json()
    assert names(only) == ["PyConsult Ltd"]
    assert any("organisation, not a community" in reason for reason in only["results"][0]["reasons"])
    html = BeautifulSoup(get(site, "/search?q=python").text, "html.parser")
    assert "Include organisations, events and resources (2 more)" in html.find(id="include-others").text
    # Datasette's own table stays complete for researchers.
    assert get(site, "/catalogue/communities.json?_shape=array").json().__len__() == 5


def test_domain_facet_and_filter(built):
    site = built["site"]
    answer = get(site, "/search.json?q=python").json()
    domains = next(facet for facet in answer["facets"] if facet["name"] == "domain")
    assert {"software-development"} <= {value["value"] for value in domains["values"]}
    assert domains["title"] == "Practice domain"
    assert names(get(site, "/search.json?domain=conservation").json()) == ["Wild Kenya"]
    assert names(get(site, "/search.json?domain=public-health").json()) == ["PH Practitioners"]


def test_browse_by_practice_domain(built):
    soup = BeautifulSoup(get(built["site"], "/domains").text, "html.parser")
    groups = [h2.text for h2 in soup.select("#practice-groups h2")]
    assert any(text.startswith("Health and care") for text in groups) and len(groups) >= 12
    item = soup.select_one('li[data-domain="conservation"]')
    assert item.a["href"] == "/search?domain=conservation" and "1 active of 1" in item.text
    home = BeautifulSoup(get(built["site"], "/").text, "html.parser")
    assert home.select_one("#browse-practice a")["href"] == "/domains"


def test_a_community_page_says_why_it_is_a_community_of_practice(built):
    page = get(built["site"], f"/catalogue/communities/{built['ids']['Wild Kenya']}").text
    soup = BeautifulSoup(page, "html.parser")
    assert soup.find(id="practice").text == "Why copdir lists it as a community of practice"
    assert "a web forum, where members talk" in soup.find(id="practice-kind").text
    row = soup.select_one('#practice-domains tr[data-domain="conservation"]')
    assert "Conservation and ecology" in row.text and "description mentions 'wildlife'" in row.text
    assert row.a["href"] == "/search?domain=conservation"
    assert HOSTILE not in page  # the description is escaped wherever it appears
    consult = BeautifulSoup(get(built["site"], f"/catalogue/communities/{built['ids']['PyConsult Ltd']}").text,
                            "html.parser")
    assert consult.find(id="practice-kind").strong.text == "Organisation"
    assert "search leaves it out unless asked" in consult.find(id="practice-kind").text


def test_reasons_use_the_qualities_when_the_catalogue_has_them():
    row = {"id": "a", "activity": "active", "kind": "community", "cost": "free", "code_of_conduct": "https://x/coc",
           "membership": "open"}
    domain = [{"domain": "conservation", "evidence": "description mentions 'wildlife'; name mentions 'nature'"}]
    ranked = reasons_for(row, domain, {"conservation": "Conservation"}, {"conservation"},
                         frozenset({"cost", "code_of_conduct", "membership"}))
    assert ranked.reasons == ["active", "matches domain Conservation (description mentions 'wildlife')", "free",
                              "code of conduct", "open to join"]
    without = reasons_for(row, domain, {}, set(), frozenset())  # no qualities columns: no such reasons, no error
    assert without.reasons == ["active"] and without.score < ranked.score


def test_a_community_of_several_links_is_a_community_if_any_link_is_one():
    from catalogue.build_communities import fold_links
    from catalogue.build_links import LINK_COLUMNS

    def link(id: str, kind: str, reason: str, domains: list[str]) -> dict:
        return {**{name: None for name in LINK_COLUMNS}, "id": id, "community_id": "a", "activity_rank": 0,
                "platform": "website", "kind": kind, "kind_reason": reason, "domains": json.dumps(domains)}

    folded = next(fold_links([link("a", "organisation", "name says 'ltd'", ["software-development"]),
                              link("b", "community", "a Discord server, where members talk", ["game-development"])]))
    assert (folded["kind"], folded["kind_reason"]) == ("community", "a Discord server, where members talk")
    assert json.loads(folded["domains"]) == ["software-development", "game-development"]
