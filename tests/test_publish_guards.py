"""Publishing guards on catalogues built from real directory lists (tests/fixtures/directories, see SOURCES.md
there): each guard refuses with a message that says what failed and leaves the published catalogue exactly as
it was; a build killed with SIGKILL midway leaves it exactly as it was and the next build succeeds; the site
keeps answering while a new catalogue is published."""
from __future__ import annotations

import asyncio
import hashlib
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from contextlib import closing
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
import sqlite_utils
import yaml

from catalogue import guards, status_store, store
from catalogue.build import build_catalogue
from catalogue.guards import BuildRefused
from catalogue.publish import SETTINGS, datasette_command
from catalogue.schema import open_working_db
from crawler.extract.markdown_list import parse_markdown_list
from crawler.models import Activity, CheckOutcome, CheckResult, Reachability, Status
from spiders.base import observation_item

REPO = Path(__file__).resolve().parent.parent
LISTS = REPO / "tests" / "fixtures" / "directories"
METADATA = REPO / "datasette_metadata.yml"
CANARIES = REPO / "data" / "canaries.yml"
NOW = datetime(2026, 11, 20, 6, tzinfo=timezone.utc)
GITHUB = "https://github.com"
SOURCES = {  # list file: (source name, the address its relative links resolve against)
    "reddit_awesome-subreddits.md": ("awesome-subreddits", f"{GITHUB}/iCHAIT/awesome-subreddits/blob/master/README.md"),
    "discord_awesome-discord-communities.md": (
        "awesome-discord-communities", f"{GITHUB}/mhxion/awesome-discord-communities/blob/main/README.md"),
    "lemmy_awesome-lemmy-instances.md": (
        "awesome-lemmy-instances", f"{GITHUB}/maltfield/awesome-lemmy-instances/blob/main/README.md"),
}


def _observations(list_file: str) -> list[dict]:
    name, base_url = SOURCES[list_file]
    text = (LISTS / list_file).read_text(encoding="utf-8")
    return [observation_item(o) for o in parse_markdown_list(text, source=name, base_url=base_url)]


def make_working(path: Path, lists=tuple(SOURCES), dead_share: float = 0.0) -> sqlite3.Connection:
    """A working DB listing the communities of the given lists, all live except the first dead_share of them."""
    db = open_working_db(path)
    store.record_sources(db, [{"name": SOURCES[f][0], "url": SOURCES[f][1], "kind": "markdown"} for f in lists])
    for list_file in lists:
        store.ingest_observations(db, _observations(list_file), run_id=1, now=NOW - timedelta(days=3))
    ids = sorted(row["id"] for row in db["communities"].rows)
    dead = set(ids[:int(len(ids) * dead_share)])
    status_store.record_statuses(db, [(cid, Status(Reachability.DEAD if cid in dead else Reachability.LIVE,
                                                   Activity.ACTIVE, ("because",))) for cid in ids], NOW)
    store.record_checks(db, [(cid, CheckResult(f"https://example.org/{cid}", NOW - timedelta(hours=1),
                                               CheckOutcome.OK)) for cid in ids[:50]], run_id=1)
    return db


def fingerprint(path: Path) -> tuple[str, int, int]:
    """What a reader would notice changing: the bytes, the modification time, the file itself."""
    stat = path.stat()
    return hashlib.sha256(path.read_bytes()).hexdigest(), stat.st_mtime_ns, stat.st_ino


@pytest.fixture
def published(tmp_path) -> Path:
    """The catalogue on the site, built from all three lists."""
    path = tmp_path / "site" / "catalogue.db"
    build_catalogue(make_working(tmp_path / "work" / "copdir.db"), path, NOW)
    return path


def staged_from(tmp_path: Path, name: str, **working) -> Path:
    """A new catalogue built elsewhere from another working DB: what the build is about to publish."""
    path = tmp_path / name / "catalogue.db"
    build_catalogue(make_working(tmp_path / name / "copdir.db", **working), path, NOW + timedelta(days=1),
                    max_drop=1.0)
    return path


def copy_of(path: Path, to: Path, *statements: str) -> Path:
    """A copy of a catalogue with a few statements applied."""
    to.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(path, to)
    with sqlite3.connect(to) as conn:
        for statement in statements:
            conn.execute(statement)
    conn.close()
    return to


# --- each guard --------------------------------------------------------------------------------------------

def test_a_good_catalogue_passes_every_guard(published, tmp_path):
    staged = staged_from(tmp_path, "staged")
    before = fingerprint(published)
    guards.integrity(staged)
    assert guards.live_drop(staged, published, max_drop=0.15) > 800
    guards.canaries_present(staged, guards.load_canaries(CANARIES))
    guards.site_answers(staged, METADATA)
    assert fingerprint(published) == before


def test_a_damaged_file_fails_the_integrity_check(published, tmp_path):
    staged = copy_of(published, tmp_path / "staged" / "catalogue.db")
    with staged.open("r+b") as file:  # a disk that lost part of a write: pages in the middle turned to noise
        file.seek(8 * 4096)
        file.write(bytes(range(256)) * 6 * 16)
    before = fingerprint(published)
    with pytest.raises(BuildRefused, match="integrity check failed on the new catalogue"):
        guards.integrity(staged)
    assert fingerprint(published) == before


def test_listings_of_a_community_that_is_not_there_fail_the_integrity_check(published, tmp_path):
    staged = copy_of(published, tmp_path / "staged" / "catalogue.db",
                     "insert into listings (community_id, source) values ('no-such-community', 'awesome-subreddits')")
    with pytest.raises(BuildRefused, match=r"1 rows of the new catalogue point at rows that are not there "
                                           r"\(listings → communities\)"):
        guards.integrity(staged)


def test_a_drop_in_live_listings_beyond_the_share_is_refused(published, tmp_path):
    staged = staged_from(tmp_path, "staged", dead_share=0.2)
    before = fingerprint(published)
    live_before = guards.live_count(published)
    with pytest.raises(BuildRefused, match=f"live listings would drop from {live_before} to "
                                           rf"{guards.live_count(staged)} \(more than 15%\); .*--max-drop"):
        guards.live_drop(staged, published, max_drop=0.15)
    assert guards.live_drop(staged, published, max_drop=0.25) == guards.live_count(staged)  # within the share
    assert fingerprint(published) == before


def test_with_nothing_readable_published_there_is_nothing_to_compare(published, tmp_path):
    unreadable = tmp_path / "old" / "catalogue.db"
    unreadable.parent.mkdir()
    unreadable.write_bytes(b"not a database at all" * 100)
    assert guards.live_drop(published, unreadable, 0.15) == guards.live_drop(published, tmp_path / "none.db", 0.15)


def test_a_catalogue_that_lost_a_list_misses_its_canaries_and_is_refused(published, tmp_path):
    # The subreddit list failed to download: r/Python and r/linux vanish although nothing says they closed.
    staged = staged_from(tmp_path, "staged", lists=("discord_awesome-discord-communities.md",
                                                    "lemmy_awesome-lemmy-instances.md"))
    before = fingerprint(published)
    with pytest.raises(BuildRefused, match=r"canary listings missing from the new catalogue: "
                                           r"https://www.reddit.com/r/python, https://www.reddit.com/r/linux; "
                                           r".*check the last discover run"):
        guards.canaries_present(staged, guards.load_canaries(CANARIES))
    assert fingerprint(published) == before


def test_the_canaries_are_canonical_urls_every_corpus_list_build_has(published):
    canaries = guards.load_canaries(CANARIES)
    assert "https://www.reddit.com/r/python" in canaries and "https://discord.com/invite/python" in canaries
    guards.canaries_present(published, canaries)


@pytest.mark.parametrize("text", ["canaries: https://www.reddit.com/r/python", "- just a list", "canaries: [1, 2]",
                                  "canaries: ['javascript:alert(1)']", "canaries: [unclosed"])
def test_a_malformed_canary_file_says_what_is_wrong(tmp_path, text):
    path = tmp_path / "canaries.yml"
    path.write_text(text)
    with pytest.raises(guards.CanaryConfigError, match=str(path)):
        guards.load_canaries(path)


def test_a_catalogue_without_full_text_search_is_refused(published, tmp_path):
    staged = copy_of(published, tmp_path / "staged" / "catalogue.db", "drop table communities_fts")
    before = fingerprint(published)
    with pytest.raises(BuildRefused, match="no full-text index on communities"):
        guards.site_answers(staged, METADATA)
    assert fingerprint(published) == before


def test_a_site_whose_canned_query_fails_is_refused_naming_the_page(published, tmp_path):
    metadata = yaml.safe_load(METADATA.read_text())
    metadata["databases"]["catalogue"]["queries"]["status_on"]["sql"] = "select no_such_column from communities"
    broken = tmp_path / "metadata.yml"
    broken.write_text(yaml.safe_dump(metadata))
    staged = copy_of(published, tmp_path / "staged" / "catalogue.db")
    before = fingerprint(published)
    with pytest.raises(BuildRefused, match=r"answers GET /catalogue/status_on\?date=2026-11-20 with 400 "
                                           r"\(no such column: no_such_column\)"):
        guards.site_answers(staged, broken)
    assert fingerprint(published) == before


def test_a_site_that_finds_nothing_its_index_holds_is_refused(published, tmp_path):
    # The index still says "python" is there, but the rows it points at are gone.
    staged = copy_of(published, tmp_path / "staged" / "catalogue.db",
                     "create temp table matched as select rowid from communities_fts where communities_fts match 'python'",
                     "delete from communities where rowid in (select rowid from matched)")
    with pytest.raises(BuildRefused, match="searching the new catalogue for 'python' finds 0 communities"):
        guards.site_answers(staged, METADATA)


def test_the_published_settings_are_datasette_settings_of_the_right_type():
    from datasette.app import SETTINGS as KNOWN

    defaults = {setting.name: setting.default for setting in KNOWN}
    assert {name: type(defaults.get(name)) for name in SETTINGS} == {name: type(v) for name, v in SETTINGS.items()}
    assert SETTINGS["suggest_facets"] is False
    command = datasette_command(Path("catalogue.db"), METADATA, "127.0.0.1", 8001)
    assert command[command.index("suggest_facets") + 1] == "off"


# --- kill -9 during a build ----------------------------------------------------------------------------------

# Runs a build in a child that stops, mid-transaction, once the staged file holds some of its pages: a cache of
# a few pages (in place of the build's own) makes SQLite write them out (a real build of 1M rows does the same),
# and the progress handler then waits there to be killed.
KILLED_BUILD = """
import sqlite3, sys, time
from datetime import datetime
from pathlib import Path

working, published, marker, built_at = Path(sys.argv[1]), Path(sys.argv[2]), Path(sys.argv[3]), sys.argv[4]
real_connect = sqlite3.connect


def connect(database, *args, **kwargs):
    conn = real_connect(database, *args, **kwargs)
    path = Path(str(database))
    if path.parent == published.parent and path != published:  # the staged file
        conn.execute("pragma cache_size = 5")

        def wait_to_be_killed():
            if conn.in_transaction and path.stat().st_size > 0:
                marker.touch()
                time.sleep(600)
            return 0

        conn.set_progress_handler(wait_to_be_killed, 1000)
    return conn


sqlite3.connect = connect
import catalogue.build
from catalogue.build import build_catalogue

catalogue.build._BUILD_PRAGMAS = tuple(p for p in catalogue.build._BUILD_PRAGMAS if not p.startswith("cache_size"))
from catalogue.schema import open_working_db

build_catalogue(open_working_db(working), published, datetime.fromisoformat(built_at), max_drop=1.0)
"""


def test_a_build_killed_midway_leaves_the_published_catalogue_as_it_was_and_the_next_build_succeeds(
        published, tmp_path):
    working = tmp_path / "work" / "copdir.db"
    before = fingerprint(published)
    marker = tmp_path / "in-the-middle"
    child = subprocess.Popen([sys.executable, "-c", KILLED_BUILD, str(working), str(published), str(marker),
                              (NOW + timedelta(days=1)).isoformat()], cwd=REPO, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 120  # a guard against a hang, not a timing assertion
        while not marker.exists() and child.poll() is None and time.monotonic() < deadline:
            time.sleep(0.05)
        assert marker.exists(), f"the build never reached its staged writes: {child.stderr.read().decode()[-2000:]}"
        os.kill(child.pid, signal.SIGKILL)
    finally:
        child.kill()
        child.wait()
        child.stderr.close()
    assert child.returncode == -signal.SIGKILL
    assert fingerprint(published) == before
    left_over = sorted(p.name for p in published.parent.iterdir() if p != published)
    assert left_over, "the kill came after the staged file was gone"

    report = build_catalogue(open_working_db(working), published, NOW + timedelta(days=2), max_drop=1.0)
    assert report.communities > 800
    assert sorted(p.name for p in published.parent.iterdir()) == ["catalogue.db"]  # the stale staging is gone
    guards.integrity(published)
    guards.site_answers(published, METADATA)
    with sqlite3.connect(published) as conn:
        assert conn.execute("select built_at from build").fetchone()[0] == (NOW + timedelta(days=2)).isoformat()
    conn.close()


# --- readers during a publish ----------------------------------------------------------------------------------

def test_the_site_keeps_answering_while_a_new_catalogue_is_published(published, tmp_path):
    from datasette.app import Datasette
    from datasette.database import Database

    working = tmp_path / "work" / "copdir.db"
    with closing(open_working_db(working).conn) as conn:
        db = sqlite_utils.Database(conn)
        old_count = db["communities"].count
        store.ingest_observations(db, [{"source": "awesome-subreddits", "url": "https://forum.example.org/",
                                        "name": "A new forum", "platform": "forum"}], run_id=2, now=NOW)

    def publish() -> None:  # in its own thread, as a scheduled build runs beside the site
        with closing(open_working_db(working).conn) as conn:
            build_catalogue(sqlite_utils.Database(conn), published, NOW + timedelta(days=1), max_drop=1.0)

    async def read_during_publish() -> list[int]:
        ds = Datasette(metadata=yaml.safe_load(METADATA.read_text()), settings=SETTINGS)
        ds.add_database(Database(ds, path=str(published)), name="catalogue")  # as `copdir serve` does
        counts = []
        try:
            async def read() -> None:
                response = await ds.client.get("/catalogue/communities.json?_shape=objects&_size=1")
                assert response.status_code == 200
                counts.append(response.json()["filtered_table_rows_count"])

            await read()  # the site's connections are open on the old file
            publishing = asyncio.ensure_future(asyncio.to_thread(publish))
            while not publishing.done():
                await read()
            await publishing
            await read()
        finally:
            for database in ds.databases.values():
                database.close()
            ds.executor.shutdown(wait=True)
        return counts

    counts = asyncio.run(read_during_publish())
    # Every answer is whole: all of the old catalogue or all of the new one, never a half-built one.
    assert set(counts) <= {old_count, old_count + 1} and counts[0] == old_count
    with sqlite3.connect(published) as conn:  # a new reader sees the new catalogue
        assert conn.execute("select count(*) from communities").fetchone()[0] == old_count + 1
    conn.close()
