"""The catalogue's storage and build: idempotent ingest, history on change only, guarded publishing."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from catalogue import status_store, store
from catalogue.build import BuildRefused, build_catalogue
from catalogue.schema import MIGRATIONS, migrate, open_working_db
import sqlite_utils

from crawler.models import Activity, Event, JoinType, Profile, Reachability, Signal, Status, profile_as_dict

NOW = datetime(2026, 11, 20, 6, tzinfo=timezone.utc)
ROWS = [
    {"source": "list-a", "url": "https://discord.gg/devcord", "name": "Devcord", "section": "Programming",
     "platform": "discord", "annotations": []},
    {"source": "list-b", "url": "https://discord.com/invite/devcord", "name": "Devcord!", "section": "Chat",
     "platform": "discord", "annotations": ["struck through"]},
    {"source": "list-a", "url": "https://www.reddit.com/r/Python/", "name": "r/Python", "section": "Languages",
     "platform": "reddit", "annotations": []},
    {"source": "list-a", "url": "javascript:alert(1)", "name": "bad", "section": "", "platform": "website"},
]


@pytest.fixture
def working(tmp_path):
    db = open_working_db(tmp_path / "copdir.db")
    store.record_sources(db, [{"name": "list-a", "url": "https://a.example/list.md", "kind": "markdown"},
                              {"name": "list-b", "url": "https://b.example/list.md", "kind": "markdown"}])
    return db


def test_migrations_run_once(working):
    assert migrate(working) == 0
    assert working["_migrations"].count == len(MIGRATIONS)


def test_the_same_community_in_two_lists_is_one_community_with_two_listings(working):
    counts = store.ingest_observations(working, ROWS, run_id=1, now=NOW)
    assert counts == {"observations": 3, "new_communities": 2, "skipped": 1}
    again = store.ingest_observations(working, ROWS, run_id=2, now=NOW + timedelta(days=1))
    assert again["new_communities"] == 0
    assert working["communities"].count == 2 and working["observations"].count == 3
    first_seen = {row["first_seen"] for row in working["observations"].rows}
    assert first_seen == {NOW.isoformat()}  # re-listing keeps when it was first seen


def _status(reachability: Reachability) -> Status:
    return Status(reachability, Activity.UNKNOWN, (f"{reachability.value}: because",))


def test_history_grows_only_when_a_status_changes(working):
    store.ingest_observations(working, ROWS, 1, NOW)
    ids = [row["id"] for row in working["communities"].rows]
    status_store.record_statuses(working, [(cid, _status(Reachability.LIVE)) for cid in ids], NOW)
    status_store.record_statuses(working, [(cid, _status(Reachability.LIVE)) for cid in ids], NOW + timedelta(days=1))
    status_store.record_statuses(working, [(ids[0], _status(Reachability.FAILING))], NOW + timedelta(days=2))
    assert working["status_history"].count == 3
    assert working["statuses"].get(ids[0])["since"] == (NOW + timedelta(days=2)).isoformat()
    assert working["statuses"].get(ids[1])["since"] == NOW.isoformat()


def test_build_publishes_searchable_communities_with_status_and_provenance(working, tmp_path):
    store.ingest_observations(working, ROWS, 1, NOW)
    published = tmp_path / "catalogue.db"
    report = build_catalogue(working, published, NOW)
    assert report.communities == 2
    import sqlite_utils

    out = sqlite_utils.Database(published)
    hits = list(out["communities"].search("devcord"))
    assert [hit["name"] for hit in hits] == ["Devcord"]
    assert hits[0]["reachability"] == "unknown" and hits[0]["status_reason"] == "not checked yet"
    assert out["listings"].count == 3
    assert "submissions" not in out.table_names()


def test_communities_are_stored_liveliest_first_so_a_search_in_index_order_finds_them_first(working, tmp_path):
    rows = [{"source": "list-a", "url": f"https://forum{n}.example.org/", "name": f"Python forum {n}",
             "platform": "forum"} for n in range(6)]
    store.ingest_observations(working, rows, 1, NOW)
    ids = {row["name"]: row["id"] for row in working["communities"].rows}

    def status(reachability: Reachability, activity: Activity, days_ago: int | None) -> Status:
        last = NOW - timedelta(days=days_ago) if days_ago is not None else None
        return Status(reachability, activity, ("because",), last_activity=last)

    status_store.record_statuses(working, [
        (ids["Python forum 0"], status(Reachability.DEAD, Activity.UNKNOWN, None)),
        (ids["Python forum 1"], status(Reachability.LIVE, Activity.QUIET, 40)),
        (ids["Python forum 2"], status(Reachability.LIVE, Activity.ACTIVE, 9)),
        (ids["Python forum 3"], status(Reachability.LIVE, Activity.ACTIVE, 2)),
        (ids["Python forum 4"], status(Reachability.LIVE, Activity.ACTIVE, None)),  # active, but undated
    ], NOW)  # forum 5 is not checked yet
    build_catalogue(working, tmp_path / "catalogue.db", NOW, max_drop=1.0)
    out = sqlite_utils.Database(tmp_path / "catalogue.db")
    in_index_order = [row["name"] for row in out.query(
        "select c.name from communities_fts f join communities c on c.rowid = f.rowid"
        " where communities_fts match 'python' order by f.rowid")]
    assert in_index_order == ["Python forum 3", "Python forum 2", "Python forum 4", "Python forum 1",
                              "Python forum 5", "Python forum 0"]


def test_a_build_that_drops_too_many_live_listings_is_refused_and_publishes_nothing(working, tmp_path):
    store.ingest_observations(working, ROWS, 1, NOW)
    ids = [row["id"] for row in working["communities"].rows]
    status_store.record_statuses(working, [(cid, _status(Reachability.LIVE)) for cid in ids], NOW)
    published = tmp_path / "catalogue.db"
    build_catalogue(working, published, NOW)
    before = published.read_bytes()
    status_store.record_statuses(working, [(ids[0], _status(Reachability.DEAD))], NOW + timedelta(days=1))
    with pytest.raises(BuildRefused, match="live listings would drop from 2 to 1"):
        build_catalogue(working, published, NOW + timedelta(days=1))
    assert published.read_bytes() == before
    assert not published.with_name("catalogue.db.building").exists()
    build_catalogue(working, published, NOW + timedelta(days=1), max_drop=1.0)  # accepted on purpose


def _profile_item(cid: str, origin: str, **fields) -> dict:
    profile = Profile(url=fields.pop("url", "https://www.reddit.com/r/Python/"), observed_at=NOW, **fields)
    return {"community_id": cid, "origin": origin, **profile_as_dict(profile)}


def test_profiles_merge_platform_answers_over_the_page_and_publish_presences_and_events(working, tmp_path):
    store.ingest_observations(working, ROWS, 1, NOW)
    python = next(row["id"] for row in working["communities"].rows if "reddit" in row["canonical_url"])
    event = Event("Monthly meetup", NOW + timedelta(days=3), "https://www.meetup.com/pyvienna/events/1/")
    counts = store.ingest_profiles(working, [
        _profile_item(python, "page", name="Python (page title)", description="From the page.", language="en",
                      presences=("https://discord.gg/python", "https://www.reddit.com/r/Python/",
                                 "https://www.meetup.com/pyvienna/"), events=(event,)),
        _profile_item(python, "adapter:reddit_about", url="https://www.reddit.com/r/Python/about.json",
                      name="Python", description="News about Python.", join_type=JoinType.OPEN,
                      signals=(Signal("members", "1200000", NOW, "https://www.reddit.com/r/Python/about.json"),)),
    ])
    assert counts == {"profiles": 1, "signals": 1, "presences": 2, "events": 1}  # its own URL is not a presence
    row = working["communities"].get(python)
    assert (row["page_title"], row["page_description"], row["language"], row["join_type"]) == (
        "Python", "News about Python.", "en", "open")
    build_catalogue(working, tmp_path / "catalogue.db", NOW)
    out = sqlite_utils.Database(tmp_path / "catalogue.db")
    presences = {(p["url"], p["platform"]) for p in out["presences"].rows}
    assert presences == {("https://discord.com/invite/python", "discord"),
                         ("https://www.meetup.com/pyvienna", "meetup")}
    assert [e["name"] for e in out["events"].rows] == ["Monthly meetup"]
    assert out["communities"].get(python)["presences"] == 2


def test_a_community_without_a_declared_language_takes_the_one_its_list_names(working):
    rows = [{"source": "list-a", "url": "https://discord.gg/devcord", "name": "Devcord", "platform": "discord",
             "description": "Notable Channels: #javascript, #php – Language: English"}]
    store.ingest_observations(working, rows, 1, NOW)
    [cid] = [row["id"] for row in working["communities"].rows]
    store.ingest_profiles(working, [_profile_item(cid, "adapter:discord_invite", url="https://discord.com/api/x",
                                                  name="Devcord")])
    assert working["communities"].get(cid)["language"] == "en"
