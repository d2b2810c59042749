"""Identity: which links are one community. Evidence merges, names alone never do, maintainers' decisions
stick; the public catalogue folds a community's links into one row."""
from __future__ import annotations

import json
import sqlite3
from datetime import datetime, timedelta, timezone

import pytest
from click.testing import CliRunner

from catalogue import merge_store, store
from catalogue.dedupe import DEFAULT_DEDUPE, MERGE, NEAR_MISS, Entry, find_candidates, normalised_name
from catalogue.identity import groups
from catalogue.schema import open_working_db
from crawler.cli import cli, stages
from crawler.models import CheckOutcome, CheckResult, Profile, Signal, profile_as_dict
from crawler.urls import canonicalize, community_id

NOW = datetime(2026, 11, 20, 6, tzinfo=timezone.utc)


def entry(key: str, name: str, url: str, platform: str = "website", links: tuple[str, ...] = ()) -> Entry:
    return Entry(key, name, url, platform, frozenset(links))


def verdicts(entries: list[Entry]) -> dict[tuple[str, str], tuple[str, str]]:
    return {(c.left, c.right): (c.verdict, c.rule) for c in find_candidates(entries)}


# --- the rules ---------------------------------------------------------------------------------------


def test_a_site_that_links_its_discord_is_one_community_with_it():
    found = verdicts([entry("a", "PyLadies Berlin", "https://berlin.pyladies.com",
                            links=("https://discord.com/invite/pyb",)),
                      entry("b", "PyLadies Berlin chat", "https://discord.com/invite/pyb", "discord")])
    assert found == {("a", "b"): (MERGE, "links-to")}


def test_a_directory_page_that_links_many_servers_merges_none_of_them():
    servers = [entry(f"s{i}", f"Server {i}", f"https://discord.com/invite/s{i}", "discord") for i in range(5)]
    hub = entry("hub", "Awesome servers", "https://hub.example.org", links=tuple(s.url for s in servers))
    assert {v for v in verdicts([hub, *servers]).values()} == {(NEAR_MISS, "links-many")}


def test_one_address_but_for_the_scheme_or_www_is_one_community():
    found = verdicts([entry("a", "devsChile", "http://www.devschile.cl"), entry("b", "DevsChile", "https://devschile.cl")])
    assert found == {("a", "b"): (MERGE, "same-address")}


def test_two_links_on_one_own_host_merge_only_under_similar_names():
    found = verdicts([entry("a", "Code for Philly", "https://codeforphilly.org"),
                      entry("b", "Code for Philly", "https://codeforphilly.org/chat"),
                      entry("c", "Accessibility CoP", "https://digital.gov/communities/accessibility"),
                      entry("d", "Plain Language CoP", "https://digital.gov/communities/plain-language")])
    assert found == {("a", "b"): (MERGE, "same-host")}


def test_the_same_name_on_two_platforms_is_a_near_miss_never_a_merge():
    """The r/trees lesson: one name, two different communities."""
    found = verdicts([entry("a", "Trees", "https://www.reddit.com/r/trees", "reddit"),
                      entry("b", "trees", "https://lemmy.world/c/trees", "lemmy")])
    assert found == {("a", "b"): (NEAR_MISS, "name-only")}


def test_similar_names_and_a_shared_link_merge():
    shared = ("https://github.com/kctechgroup",)
    found = verdicts([entry("a", "KC Tech Group", "https://kctechgroup.org", links=shared),
                      entry("b", "KC Tech Group Slack", "https://kctech.slack.com", "slack", links=shared)])
    assert found == {("a", "b"): (MERGE, "name-and-link")}


UMBRELLA = "https://www.freelancersunion.org"  # a link hundreds of pages carry: evidence of nothing


@pytest.fixture
def crowd() -> list[Entry]:
    """More names than a name block takes hold each word of "Freelancers Collective"."""
    return [entry(f"{word}-{n}", f"{word} {n}", f"https://{word.lower()}-{n}.example", links=(UMBRELLA,))
            for word in ("Freelancers", "Collective") for n in range(DEFAULT_DEDUPE.max_block + 1)]


def test_similar_names_and_a_shared_link_merge_however_common_their_words(crowd):
    shared = (UMBRELLA, "https://github.com/freelancers-collective")
    found = verdicts([*crowd, entry("a", "Freelancers Collective", "https://www.reddit.com/r/freelancerscollective",
                                    "reddit", shared),
                      entry("b", "The Freelancers Collective", "https://discord.com/invite/fc", "discord", shared)])
    assert found[("a", "b")] == (MERGE, "name-and-link")


@pytest.mark.parametrize("links", [(), (UMBRELLA,)], ids=["no links", "only a link hundreds carry"])
def test_common_words_and_the_same_name_without_shared_evidence_never_merge(crowd, links):
    found = verdicts([*crowd, entry("a", "Freelancers Collective", "https://www.reddit.com/r/freelancerscollective",
                                    "reddit", links),
                      entry("b", "The Freelancers Collective", "https://discord.com/invite/fc", "discord", links)])
    assert MERGE not in {verdict for verdict, _ in found.values()}


def test_a_shared_link_under_names_not_quite_alike_is_a_near_miss():
    shared = ("https://github.com/rust-oslo",)
    found = verdicts([entry("a", "Rust Oslo", "https://www.meetup.com/rust-oslo", "meetup", shared),
                      entry("b", "Rsut Oslo", "https://discord.com/invite/ro", "discord", shared)])
    assert found == {("a", "b"): (NEAR_MISS, "name-and-link")}


def test_two_platform_links_on_one_platform_host_are_not_one_community_by_host():
    found = verdicts([entry("a", "Python", "https://discord.com/invite/python", "discord"),
                      entry("b", "Rust", "https://discord.com/invite/rust", "discord")])
    assert found == {}


@pytest.mark.parametrize("name, normal", [("r/Python", "python"), ("Python Discord Server", "python"),
                                          ("Lemmy", ""), ("New Site", ""), ("Café Tech", "cafe tech")])
def test_names_lose_platform_words_and_a_name_of_nothing_but_those_is_never_compared(name, normal):
    assert normalised_name(name) == normal


def test_a_community_keeps_its_oldest_links_id_when_a_newer_link_joins():
    first_seen = {"new": "2026-11-01", "old": "2026-01-01", "other": "2026-05-01"}
    assert groups(first_seen, [("new", "old")]) == {"new": "old", "old": "old", "other": "other"}
    assert groups(first_seen, [("new", "old"), ("new", "other")])["other"] == "old"


# --- on a working DB: decisions survive, the catalogue folds ------------------------------------------


@pytest.fixture
def working(tmp_path):
    db = open_working_db(tmp_path / "copdir.db")
    store.record_sources(db, [{"name": "list-a", "url": "https://a.example/l.md", "kind": "markdown"},
                              {"name": "list-b", "url": "https://b.example/l.md", "kind": "markdown"}])
    store.ingest_observations(db, [
        {"source": "list-a", "url": "http://www.devschile.cl", "name": "devsChile"},
        {"source": "list-b", "url": "https://devschile.cl", "name": "DevsChile", "platform": "website"},
        {"source": "list-a", "url": "https://www.reddit.com/r/trees", "name": "trees", "platform": "reddit"},
        {"source": "list-b", "url": "https://lemmy.world/c/trees", "name": "Trees", "platform": "lemmy"},
    ], run_id=1, now=NOW - timedelta(days=3))
    return db


def link(url: str) -> str:
    return community_id(canonicalize(url))


def test_the_catalogue_has_one_row_per_community_with_both_lists_and_each_link_keeps_its_status(working, tmp_path):
    chile_http, chile_https = link("http://www.devschile.cl"), link("https://devschile.cl")
    store.record_checks(working, [(chile_http, CheckResult("http://www.devschile.cl", NOW, CheckOutcome.TIMEOUT)),
                                  (chile_https, CheckResult("https://devschile.cl", NOW, CheckOutcome.OK,
                                                            detail="HTTP 200"))], run_id=2)
    stages.score_all(working, NOW)
    stages.build(working, tmp_path / "catalogue.db", NOW, max_drop=1.0)
    out = sqlite3.connect(tmp_path / "catalogue.db")
    out.row_factory = sqlite3.Row
    chile = [dict(row) for row in out.execute("select * from communities where url like '%devschile%'")]
    assert len(chile) == 1 and chile[0]["links"] == 2
    assert set(chile[0]["sources"].split(",")) == {"list-a", "list-b"}
    assert chile[0]["reachability"] == "live" and chile[0]["status_link"] == chile_https  # its liveliest link
    assert {row["id"]: row["reachability"] for row in out.execute(
        "select id, reachability from links where community_id = ?", [chile[0]["id"]])} == \
        {chile_http: "unknown", chile_https: "live"}
    assert out.execute("select count(*) from communities where url like '%trees%'").fetchone()[0] == 2
    assert {row[0] for row in out.execute("select community_id from listings where link_id = ?", [chile_https])} == \
        {chile[0]["id"]}


def test_decisions_survive_a_rebuild_and_split_takes_a_link_out(working):
    trees_reddit, trees_lemmy = link("https://www.reddit.com/r/trees"), link("https://lemmy.world/c/trees")
    stages.dedupe(working, NOW)
    community = {row["link_id"]: row["community_id"] for row in working["community_links"].rows}
    assert community[trees_reddit] != community[trees_lemmy]
    merge_store.decide(working, trees_lemmy, trees_reddit, "accepted", "alice", NOW)
    for _ in range(2):  # the decision holds however often dedupe runs again
        stages.dedupe(working, NOW)
        community = {row["link_id"]: row["community_id"] for row in working["community_links"].rows}
        assert community[trees_reddit] == community[trees_lemmy]
    chile_http, chile_https = link("http://www.devschile.cl"), link("https://devschile.cl")
    assert community[chile_http] == community[chile_https]
    assert merge_store.split(working, chile_https, "bob", NOW) == 1
    stages.dedupe(working, NOW)
    community = {row["link_id"]: row["community_id"] for row in working["community_links"].rows}
    assert community[chile_http] != community[chile_https]


def test_copdir_merges_lists_and_decides(working, tmp_path):
    runner = CliRunner()
    base = ["--db", str(tmp_path / "copdir.db"), "--now", NOW.isoformat()]
    assert "dedupe: " in runner.invoke(cli, base + ["dedupe"]).output
    listed = runner.invoke(cli, base + ["merges", "--near-misses"])
    assert listed.exit_code == 0 and "name-only" in listed.output and "trees" in listed.output.lower()
    rows = json.loads(runner.invoke(cli, base + ["merges", "--json"]).output)
    assert {row["rule"] for row in rows} == {"same-address", "name-only"}
    pair = next(row for row in rows if row["rule"] == "name-only")
    decided = runner.invoke(cli, base + ["merges", "reject", pair["left_id"], pair["right_id"], "--by", "alice"])
    assert decided.exit_code == 0
    assert json.loads(runner.invoke(cli, base + ["merges", "--json", "--undecided"]).output)[0]["rule"] == "same-address"
    assert runner.invoke(cli, base + ["merges", "accept", "nope", pair["right_id"], "--by", "a"]).exit_code == 2


def test_the_catalogue_has_a_topics_table_and_carries_no_private_data(working, tmp_path):
    chile = link("https://devschile.cl")
    store.ingest_profiles(working, [{**profile_as_dict(Profile(url="https://devschile.cl", observed_at=NOW,
                                                               topics=("Python", "DevOps", "python "))),
                                     "community_id": chile}])
    merge_store.decide(working, link("https://www.reddit.com/r/trees"), link("https://lemmy.world/c/trees"),
                       "rejected", "maintainer@example.org", NOW, "private note")
    stages.build(working, tmp_path / "catalogue.db", NOW, max_drop=1.0)
    out = sqlite3.connect(tmp_path / "catalogue.db")
    community = out.execute("select community_id from links where id = ?", [chile]).fetchone()[0]
    assert {row[0] for row in out.execute("select topic from topics where community_id = ?", [community])} == \
        {"python", "devops"}
    tables = [row[0] for row in out.execute("select name from sqlite_master where type = 'table'")]
    columns = {column for table in tables for column in (row[1] for row in out.execute(f"pragma table_info([{table}])"))}
    assert not {"verified_by", "decided_by", "contact", "email", "token"} & columns
    dump = "\n".join(out.iterdump())
    assert "maintainer@example.org" not in dump and "private note" not in dump


def test_the_catalogue_has_views_for_what_is_active_and_for_each_link_beside_its_community(working, tmp_path):
    chile = link("https://devschile.cl")
    store.record_checks(working, [(chile, CheckResult("https://devschile.cl", NOW, CheckOutcome.OK, detail="HTTP 200"))],
                        run_id=2)
    store.ingest_profiles(working, [{**profile_as_dict(Profile(
        url="https://devschile.cl", observed_at=NOW, signals=(Signal("newest_post", (NOW - timedelta(days=2)).isoformat(),
                                                                     NOW, "https://devschile.cl"),))),
        "community_id": chile}])
    stages.score_all(working, NOW)
    stages.build(working, tmp_path / "catalogue.db", NOW, max_drop=1.0)
    out = sqlite3.connect(tmp_path / "catalogue.db")
    assert [row[0] for row in out.execute("select url from active_communities")] == ["http://www.devschile.cl"]
    assert out.execute("select count(*) from community_links where community = 'devsChile'").fetchone()[0] == 2


def test_a_link_that_many_pages_carry_is_no_evidence_that_two_of_them_are_one():
    """Chapters of one organisation all link its site; "Papers We Love Tartu" is not "… Turku"."""
    umbrella = ("https://paperswelove.org",)
    chapters = [entry(f"c{i}", f"Papers We Love {city}", f"https://pwl-{city.lower()}.example", links=umbrella)
                for i, city in enumerate(["Tartu", "Turku", "Tartus", "Tampa", "Tacoma", "Taipei"])]
    found = verdicts(chapters)
    assert found and all(verdict == NEAR_MISS for verdict, _ in found.values())
