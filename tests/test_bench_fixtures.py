"""The catalogue subjects' generated fixtures: a working DB grown by copies is one the real build takes, with
rows that hang together; the dedupe entries drawn ahead are the ones a run would draw itself."""

import sqlite3

import pytest
import sqlite_utils

from bench.fixture import cache, dedupe_set, working_db

LINK_TABLES = ("observations", "checks", "signals", "statuses", "status_history", "presences", "events")


@pytest.fixture(scope="module")
def grown(tmp_path_factory):
    """150 links drawn, 400 in all: two whole copies and a part of one."""
    path = tmp_path_factory.mktemp("working") / "copdir.db"
    counts = working_db.write(path, 400, drawn=150)
    return path, counts


def test_a_grown_working_db_has_every_link_asked_for_with_unique_ids_and_urls(grown):
    path, counts = grown
    db = sqlite3.connect(path)
    assert counts["communities"] == 400 == db.execute("select count(*) from communities").fetchone()[0]
    ids, urls = zip(*db.execute("select id, canonical_url from communities"))
    assert len(set(ids)) == 400 and len(set(urls)) == 400
    assert all(len(link) == 16 and int(link, 16) >= 0 for link in ids)
    assert counts["checks"] == 2 * 400   # two checks per link, copies too


def test_every_copied_row_belongs_to_a_link_and_cites_its_own_checks_and_signals(grown):
    path, _ = grown
    db = sqlite3.connect(path)
    for table in LINK_TABLES:
        orphans = db.execute(f"select count(*) from {table} t left join communities c on c.id = t.community_id "
                             "where c.id is null").fetchone()[0]
        assert orphans == 0, table
    merged_elsewhere = db.execute("select count(*) from community_links l left join communities c "
                                  "on c.id = l.community_id where c.id is null").fetchone()[0]
    assert merged_elsewhere == 0
    for community, evidence in db.execute("select community_id, evidence from statuses"):
        for cited in evidence.strip("[]").replace('"', "").split(", "):
            table, row = cited.split(":")
            owner = db.execute(f"select community_id from {table} where id = ?", [int(row)]).fetchone()
            assert owner == (community,), (community, cited)


def test_the_real_catalogue_build_takes_a_grown_working_db(grown, tmp_path):
    from bench.fixture.working_db import BUILT_AT
    from catalogue.build import build_catalogue

    path, _ = grown
    report = build_catalogue(sqlite_utils.Database(path), tmp_path / "catalogue.db", BUILT_AT)
    catalogue = sqlite3.connect(tmp_path / "catalogue.db")
    assert catalogue.execute("select count(*) from links").fetchone()[0] == 400
    assert report.communities == catalogue.execute("select count(*) from communities").fetchone()[0] < 400


def test_entries_drawn_ahead_are_the_entries_a_run_would_draw(tmp_path, monkeypatch):
    monkeypatch.setattr(cache, "DIRECTORY", tmp_path / "cache")
    kept = tmp_path / "entries.pickle"
    assert dedupe_set.main(["--entries", "2000", "--out", str(kept)]) == 0   # as the runner draws them, ahead
    read, drawn = dedupe_set.read(kept), dedupe_set.build(2_000)
    assert read.items == drawn.items and read.group == drawn.group and read.same_name == drawn.same_name
    assert read.kind == drawn.kind and read.chapter_of == drawn.chapter_of


def test_a_cached_fixture_is_copied_not_made_again_unless_asked_for_afresh(tmp_path, monkeypatch):
    monkeypatch.setattr(cache, "DIRECTORY", tmp_path / "cache")
    made = []

    def make(path):
        made.append(path)
        path.write_text(f"made {len(made)}")

    first, second, fresh = (tmp_path / f"{name}.db" for name in ("first", "second", "fresh"))
    assert cache.provide(first, "working_db-10-1-abc", make) is False
    assert cache.provide(second, "working_db-10-1-abc", make) is True
    assert second.read_text() == "made 1" and made == [first]
    assert cache.provide(fresh, "working_db-10-1-abc", make, fresh=True) is False
    assert fresh.read_text() == "made 2"


def test_the_cache_key_changes_with_the_generator_source_size_and_seed(tmp_path):
    source = tmp_path / "generator.py"
    source.write_text("SEED = 1\n")
    before = cache.key("working_db", 100, 7, (source,))
    assert before != cache.key("working_db", 1000, 7, (source,)) != cache.key("working_db", 100, 8, (source,))
    source.write_text("SEED = 2\n")
    assert cache.key("working_db", 100, 7, (source,)) != before
