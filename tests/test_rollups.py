"""Daily check roll-ups and uptime over 30 and 90 days, from a working DB's checks."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
import sqlite_utils

from catalogue import rollups, store
from catalogue.attach import attach_working
from catalogue.build import build_catalogue
from catalogue.schema import open_working_db
from crawler.models import CheckOutcome, CheckResult
from crawler.status.reachability import DEFINITIVELY_DEAD, FAILURES, REACHABLE

NOW = datetime(2026, 11, 20, 6, tzinfo=timezone.utc)  # the build
FORUM = "https://forum.example.org/"
CHAT = "https://discord.gg/devcord"
O = CheckOutcome


@pytest.fixture
def working(tmp_path):
    db = open_working_db(tmp_path / "copdir.db")
    store.record_sources(db, [{"name": "list-a", "url": "https://a.example/list.md", "kind": "markdown"}])
    store.ingest_observations(db, [{"source": "list-a", "url": FORUM, "name": "The Forum", "platform": "forum"},
                                   {"source": "list-a", "url": CHAT, "name": "Devcord", "platform": "discord"}],
                              run_id=1, now=NOW - timedelta(days=120))
    return db


def ids(db) -> dict[str, str]:
    return {row["name"]: row["id"] for row in db["communities"].rows}


def check(db, name: str, at: datetime, outcome: CheckOutcome, run_id: int = 1) -> None:
    store.record_checks(db, [(ids(db)[name], CheckResult(FORUM, at, outcome))], run_id=run_id)


def days_ago(days: int, hour: int = 6) -> datetime:
    return (NOW - timedelta(days=days)).replace(hour=hour)


@pytest.fixture
def out(tmp_path, working):
    check(working, "The Forum", days_ago(100), O.OK)  # kept in check_days, too old for uptime
    check(working, "The Forum", days_ago(40), O.NOT_FOUND)  # 90 days only
    check(working, "The Forum", days_ago(10, hour=6), O.TIMEOUT)
    check(working, "The Forum", days_ago(10, hour=7), O.OK)  # a failure, then a success: an up day
    check(working, "The Forum", days_ago(9), O.BLOCKED)  # unverifiable: neither up nor down
    check(working, "The Forum", days_ago(8), O.NOT_FOUND)  # a down day
    check(working, "The Forum", days_ago(7), O.SERVER_ERROR, run_id=7)  # our own network was down that run
    store.discount_failures(working, 7, [O.SERVER_ERROR.value])
    check(working, "The Forum", days_ago(1), O.MOVED)  # it answered, elsewhere: not a day up or down
    # 23:30 in New York on the 19th is the 20th in UTC: days are UTC days.
    check(working, "The Forum", datetime(2026, 11, 19, 23, 30, tzinfo=timezone(timedelta(hours=-5))), O.OK)
    check(working, "The Forum", NOW + timedelta(days=1), O.OK)  # after the build: not in its uptime
    for day in (3, 2):
        check(working, "Devcord", days_ago(day), O.BLOCKED)
    db = sqlite_utils.Database(tmp_path / "catalogue.db")
    attach_working(db, working)
    with db.atomic():
        rollups.write_check_rollups(db, NOW)
    return db


def test_each_day_a_link_was_checked_is_one_row_with_its_counts_and_first_and_last_outcome(working, out):
    forum = ids(working)["The Forum"]
    days = {row["day"]: row for row in out["check_days"].rows_where("link_id = ?", [forum])}
    assert sorted(days) == ["2026-08-12", "2026-10-11", "2026-11-10", "2026-11-11", "2026-11-12", "2026-11-19",
                            "2026-11-20", "2026-11-21"]  # 11-13: its only check did not count
    assert days["2026-11-10"] == {"link_id": forum, "day": "2026-11-10", "checks": 2, "successes": 1, "failures": 1,
                                  "blocked": 0, "first_outcome": "timeout", "last_outcome": "ok"}
    assert (days["2026-11-11"]["blocked"], days["2026-11-11"]["successes"], days["2026-11-11"]["failures"]) == (1, 0, 0)
    assert days["2026-11-19"]["checks"] == 1 and days["2026-11-19"]["successes"] == 0  # moved
    assert days["2026-11-20"]["last_outcome"] == "ok"


def test_uptime_is_the_share_of_verifiable_days_with_a_success(working, out):
    forum = out["uptime"].get(ids(working)["The Forum"])
    # 30 days: 11-10 up, 11-12 down, 11-20 up (11-11 blocked and 11-19 moved are left out; 11-21 is after the build)
    assert (forum["days_checked_30d"], forum["days_up_30d"], forum["uptime_30d"]) == (3, 2, 0.6667)
    # 90 days adds 10-11, down; 08-12 is older than 90 days
    assert (forum["days_checked_90d"], forum["days_up_90d"], forum["uptime_90d"]) == (4, 2, 0.5)


def test_a_link_only_ever_blocked_has_no_uptime_not_an_uptime_of_zero(working, out):
    chat = out["uptime"].get(ids(working)["Devcord"])
    assert (chat["days_checked_30d"], chat["uptime_30d"], chat["uptime_90d"]) == (0, None, None)


def test_the_catalogue_shows_each_link_and_community_with_its_uptime(working, out, tmp_path):
    working["communities"].insert({"id": "never-checked", "canonical_url": "https://new.example/", "name": "New",
                                   "platform": "website", "first_seen": NOW.isoformat()})
    build_catalogue(working, tmp_path / "published" / "catalogue.db", NOW)
    catalogue = sqlite_utils.Database(tmp_path / "published" / "catalogue.db")
    expected = {"The Forum": (0.6667, 0.5), "Devcord": (None, None), "New": (None, None)}
    assert {row["name"]: (row["uptime_30d"], row["uptime_90d"]) for row in catalogue["links"].rows} == expected
    assert {row["name"]: (row["uptime_30d"], row["uptime_90d"]) for row in catalogue["communities"].rows} == expected


def test_a_working_db_without_checks_gives_empty_roll_ups(working, tmp_path):
    out = sqlite_utils.Database(tmp_path / "out.db")
    attach_working(out, working)
    assert rollups.write_check_rollups(out, NOW) == 0
    assert out["uptime"].count == 0


def test_every_outcome_is_a_success_a_failure_blocked_or_deliberately_neither():
    # The same classes as the status model's; a new outcome must be placed, not silently ignored.
    assert rollups.SUCCESS == REACHABLE and rollups.FAILURE == FAILURES | DEFINITIVELY_DEAD
    neither = set(CheckOutcome) - rollups.SUCCESS - rollups.FAILURE - rollups.BLOCKED
    assert neither == {CheckOutcome.MOVED, CheckOutcome.EXCLUDED}
