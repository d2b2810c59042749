"""The status model's storage on a real working DB: the compact metric history, scoring inputs, the history
with its evidence, status on a past date, owner overrides, the frozen score after our own outage, the
published evidence table, and the `copdir status` / `copdir owner` commands."""
from __future__ import annotations

import json
import sqlite3
from datetime import datetime, timedelta, timezone

import pytest
from click.testing import CliRunner

from catalogue import status_store, store
from catalogue.build import build_catalogue
from catalogue.schema import open_working_db
from crawler.cli import cli, stages
from crawler.urls import canonicalize
from crawler.models import CheckOutcome, CheckResult, OverrideKind, OwnerOverride, Profile, Signal, profile_as_dict

NOW = datetime(2026, 11, 20, 6, tzinfo=timezone.utc)
FORUM = "https://forum.example.org/"
CHAT = "https://discord.gg/devcord"


@pytest.fixture
def working(tmp_path):
    db = open_working_db(tmp_path / "copdir.db")
    store.record_sources(db, [{"name": "list-a", "url": "https://a.example/list.md", "kind": "markdown"}])
    store.ingest_observations(db, [
        {"source": "list-a", "url": FORUM, "name": "The Forum", "platform": "forum", "annotations": ["inactive"]},
        {"source": "list-a", "url": CHAT, "name": "Devcord", "platform": "discord", "annotations": []},
    ], run_id=1, now=NOW - timedelta(days=60))
    return db


def ids(db) -> dict[str, str]:
    """Community ids by the URL the list gave."""
    by_canonical = {row["canonical_url"]: row["id"] for row in db["communities"].rows}
    return {url: by_canonical[canonicalize(url)] for url in (FORUM, CHAT)}


def profile(url: str, at: datetime, **signals: str) -> dict:
    return {"community_id": None, **profile_as_dict(Profile(url=url, observed_at=at, signals=tuple(
        Signal(kind, value, at, url + "about.json") for kind, value in signals.items())))}


def ingest(db, cid: str, url: str, at: datetime, **signals: str) -> None:
    store.ingest_profiles(db, [{**profile(url, at, **signals), "community_id": cid}])


def checks(db, cid: str, url: str, outcomes: list[CheckOutcome], start: datetime, step=timedelta(days=1)) -> None:
    store.record_checks(db, [(cid, CheckResult(url, start + step * i, outcome, detail=outcome.value))
                             for i, outcome in enumerate(outcomes)], run_id=1)


def test_an_unchanged_reading_extends_its_row_and_a_change_starts_a_new_one(working):
    forum = ids(working)[FORUM]
    for day in range(6):
        ingest(working, forum, FORUM, NOW - timedelta(days=30 - day * 5), active_users="12")
    ingest(working, forum, FORUM, NOW, active_users="13")
    ingest(working, forum, FORUM, NOW, active_users="13")  # a rerun of the same reading adds nothing
    rows = list(working.query("select value, times_seen, observed_at, last_observed_at from signals order by id"))
    assert [(row["value"], row["times_seen"]) for row in rows] == [("12", 6), ("13", 1)]
    assert rows[0]["last_observed_at"] == (NOW - timedelta(days=5)).isoformat()


def test_scoring_reads_each_communitys_own_inputs_and_flags_the_frozen_counter(working):
    forum, chat = ids(working)[FORUM], ids(working)[CHAT]
    for day in range(6):
        ingest(working, forum, FORUM, NOW - timedelta(days=30 - day * 5), active_users="12")
    checks(working, forum, FORUM, [CheckOutcome.OK] * 3, NOW - timedelta(days=2))
    checks(working, chat, CHAT, [CheckOutcome.INVITE_EXPIRED], NOW)
    inputs = {found.community_id: found for found in status_store.scoring_inputs(working, NOW, 120)}
    assert inputs[forum].listed == ["inactive"] and inputs[chat].listed == []
    assert len(inputs[forum].checks) == 3 and inputs[forum].checks[0].ref.startswith("checks:")
    assert inputs[forum].signals[0].times_seen == 6
    stages.score_all(working, NOW)
    status = working["statuses"].get(forum)
    assert (status["reachability"], status["activity"]) == ("live", "unknown")
    assert json.loads(status["stale"])[0][1] == "active_users 12: unchanged in 6 observations since 2026-10-21"
    assert "a list marks it 'inactive'" in status["activity_reason"]
    assert working["statuses"].get(chat)["reachability"] == "dead"


def test_history_records_the_previous_values_and_status_on_answers_for_any_past_day(working):
    forum = ids(working)[FORUM]
    start = NOW - timedelta(days=12)
    ingest(working, forum, FORUM, start, newest_post=(start - timedelta(days=2)).isoformat())
    for day in range(12):
        outcome = CheckOutcome.OK if day < 3 else CheckOutcome.SERVER_ERROR
        checks(working, forum, FORUM, [outcome], start + timedelta(days=day))
        stages.score_all(working, start + timedelta(days=day, hours=1))
    history = list(working.query("select * from status_history where community_id = ? order by id", [forum]))
    assert [(h["reachability"], h["activity"]) for h in history] == [("live", "active"), ("failing", "unknown"),
                                                                      ("dead", "unknown")]
    assert (history[1]["previous_reachability"], history[1]["previous_activity"]) == ("live", "active")
    assert all(json.loads(h["evidence"]) for h in history)
    assert history[1]["changed_at"].startswith((start + timedelta(days=4)).date().isoformat())  # two failures
    on = {day: status_store.status_on(working, start + timedelta(days=day), forum)[0]["reachability"]
          for day in (0, 3, 4, 9, 10, 11)}
    assert on == {0: "live", 3: "live", 4: "failing", 9: "failing", 10: "dead", 11: "dead"}  # 8 failures over 7 days
    assert status_store.status_on(working, start - timedelta(days=1), forum) == []


def test_a_degraded_check_run_freezes_every_status(working):
    forum = ids(working)[FORUM]
    checks(working, forum, FORUM, [CheckOutcome.OK] * 2, NOW - timedelta(days=2))
    stages.score_all(working, NOW - timedelta(hours=12))
    checks(working, forum, FORUM, [CheckOutcome.TIMEOUT] * 3, NOW - timedelta(hours=3), timedelta(hours=1))
    run = store.start_run(working, "check", NOW)
    store.finish_run(working, run, NOW, "degraded", {}, "2 of 3 canaries failed")
    counts = stages.score_all(working, NOW)
    assert counts["frozen"] == 1 and working["statuses"].get(forum)["reachability"] == "live"
    last = list(working.query("select outcome, error from runs where stage = 'score' order by id desc limit 1"))[0]
    assert last["outcome"] == "skipped" and "canaries" in last["error"]


def test_a_verified_override_applies_at_the_next_score_and_can_be_withdrawn(working):
    forum = ids(working)[FORUM]
    checks(working, forum, FORUM, [CheckOutcome.OK] * 2, NOW - timedelta(days=2))
    unverified = OwnerOverride(OverrideKind.CLOSED, NOW - timedelta(days=1))
    status_store.set_override(working, forum, unverified, "nobody")
    stages.score_all(working, NOW)
    assert working["statuses"].get(forum)["reachability"] == "live"
    moved = OwnerOverride(OverrideKind.MOVED, NOW, NOW, url="https://new.example.org/")
    status_store.set_override(working, forum, moved, "alice")
    stages.score_all(working, NOW + timedelta(hours=1))
    row = working["statuses"].get(forum)
    assert (row["reachability"], row["successor_url"]) == ("moved", "https://new.example.org/")
    assert status_store.clear_overrides(working, forum, NOW + timedelta(hours=2)) == 1
    stages.score_all(working, NOW + timedelta(hours=3))
    assert working["statuses"].get(forum)["reachability"] == "live"


def test_the_catalogue_publishes_the_evidence_a_status_cites(working, tmp_path):
    forum = ids(working)[FORUM]
    ingest(working, forum, FORUM, NOW - timedelta(days=1), posts_30d="40",
           newest_post=(NOW - timedelta(days=400)).isoformat())
    checks(working, forum, FORUM, [CheckOutcome.OK] * 2, NOW - timedelta(days=1))
    stages.score_all(working, NOW)
    build_catalogue(working, tmp_path / "catalogue.db", NOW, max_drop=1.0)
    out = sqlite3.connect(tmp_path / "catalogue.db")
    out.row_factory = sqlite3.Row
    row = out.execute("select * from communities where id = ?", [forum]).fetchone()
    assert (row["activity"], row["days_since_activity"]) == ("dormant", 400)
    assert json.loads(row["stale_metrics"]) == ["posts_30d 40: contradicts the newest post 2025-10-16"]
    cited = {r["ref"]: dict(r) for r in out.execute("select * from evidence where community_id = ? and cited = 1",
                                                    [forum])}
    assert set(json.loads(row["status_evidence"])) <= set(cited)
    assert row["last_activity_evidence"] in cited and cited[row["last_activity_evidence"]]["kind"] == "newest_post"
    assert any(r["note"].startswith("not trusted: posts_30d 40") for r in cited.values())
    assert any(r["kind"] == "check" for r in cited.values())
    listing = out.execute("select * from evidence where kind = 'list_annotation'").fetchone()
    assert listing["value"] == "inactive" and listing["source_url"] == "https://a.example/list.md"


def test_copdir_status_and_owner_commands(working, tmp_path):
    forum = ids(working)[FORUM]
    checks(working, forum, FORUM, [CheckOutcome.OK] * 2, NOW - timedelta(days=2))
    stages.score_all(working, NOW - timedelta(days=1))
    db_path = tmp_path / "copdir.db"
    runner = CliRunner()
    base = ["--db", str(db_path), "--now", NOW.isoformat()]
    shown = runner.invoke(cli, base + ["status", "http://FORUM.example.org"])
    assert shown.exit_code == 0, shown.output
    assert "live · unknown" in shown.output and "checks:" in shown.output and "history:" in shown.output
    recorded = runner.invoke(cli, base + ["owner", "set", forum, "--hiatus-until", "2027-03-01", "--note", "summer",
                                          "--verified-by", "alice"])
    assert recorded.exit_code == 0 and "hiatus recorded" in recorded.output
    scored = runner.invoke(cli, base + ["score"])
    assert scored.exit_code == 0, scored.output
    as_json = json.loads(runner.invoke(cli, base + ["status", forum, "--json"]).output)
    assert as_json["status"]["override"] == "on hiatus until 2027-03-01"
    past = json.loads(runner.invoke(cli, base + ["status", forum, "--on", "2026-11-19", "--json"]).output)
    assert past["status"]["reachability"] == "live" and past["on"] == "2026-11-19"
    assert runner.invoke(cli, base + ["owner", "set", forum, "--closed", "--moved-to", "https://x.example/",
                                      "--verified-by", "a"]).exit_code == 2
    assert runner.invoke(cli, base + ["owner", "set", forum, "--hiatus-until", "2020-01-01",
                                      "--verified-by", "a"]).exit_code == 2
    missing = runner.invoke(cli, base + ["status", "https://nowhere.example/"])
    assert missing.exit_code == 1 and "no community" in missing.output
    bad = tmp_path / "status.yml"
    bad.write_text("reachability: {dead_min_day: 3}\n")
    refused = runner.invoke(cli, base + ["score", "--config", str(bad)])
    assert refused.exit_code == 1 and "did you mean 'dead_min_days'" in refused.output
