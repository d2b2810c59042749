"""`copdir runs` shows what ran and how it went; `copdir backup` makes consistent copies while a writer is busy."""
from __future__ import annotations

import json
import sqlite3
from datetime import datetime, timedelta, timezone

import sqlite_utils
from click.testing import CliRunner

from catalogue import store
from catalogue.schema import open_working_db
from crawler.cli import cli

NOW = datetime(2026, 11, 20, 6, 0, tzinfo=timezone.utc)


def _working_db_with_runs(path):
    db = open_working_db(path)
    check = store.start_run(db, "check", NOW)
    store.finish_run(db, check, NOW + timedelta(seconds=95), "degraded", {"ok": 10, "timeout": 40},
                     "our network looks down: every canary failed")
    build = store.start_run(db, "build", NOW + timedelta(minutes=2))
    store.finish_run(db, build, NOW + timedelta(minutes=3), "ok", {"communities": 120, "live": 100})
    store.start_run(db, "check", NOW + timedelta(minutes=10))  # still running
    db.close()


def test_runs_shows_the_latest_runs_with_duration_outcome_counts_and_error(tmp_path):
    _working_db_with_runs(tmp_path / "copdir.db")
    result = CliRunner().invoke(cli, ["--db", str(tmp_path / "copdir.db"), "runs"])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert len(lines) == 3
    assert "check" in lines[0] and "running" in lines[0]  # newest first
    assert "build" in lines[1] and "60 s" in lines[1] and "120 communities, 100 live" in lines[1]
    assert "degraded" in lines[2] and "95 s" in lines[2] and "every canary failed" in lines[2]
    assert "runs: 3 shown, 1 not ok" in result.stderr


def test_runs_filters_by_stage_and_speaks_json(tmp_path):
    _working_db_with_runs(tmp_path / "copdir.db")
    result = CliRunner().invoke(cli, ["--db", str(tmp_path / "copdir.db"), "runs", "--stage", "check",
                                      "--limit", "1", "--json"])
    (line,) = result.stdout.splitlines()
    run = json.loads(line)
    assert run["stage"] == "check" and run["outcome"] == "running" and run["duration_s"] is None


def test_backup_copies_every_database_consistently_while_a_writer_holds_a_transaction(tmp_path):
    _working_db_with_runs(tmp_path / "copdir.db")
    catalogue = sqlite_utils.Database(tmp_path / "catalogue.db")
    catalogue["communities"].insert_all({"id": str(n), "name": f"c{n}"} for n in range(500))
    catalogue.close()
    submissions = sqlite_utils.Database(tmp_path / "submissions.db")
    submissions["submissions"].insert({"id": 1, "url": "https://example.org/"})
    submissions.close()
    writer = sqlite3.connect(tmp_path / "copdir.db")  # a stage mid-transaction: its rows are not in the copy
    writer.execute("begin immediate")
    writer.execute("insert into runs (stage, outcome) values ('profile', 'running')")
    try:
        result = CliRunner().invoke(cli, ["--db", str(tmp_path / "copdir.db"), "backup", str(tmp_path / "backup"),
                                          "--catalogue", str(tmp_path / "catalogue.db"),
                                          "--store", str(tmp_path / "submissions.db")])
    finally:
        writer.rollback()
        writer.close()
    assert result.exit_code == 0, result.output
    assert "backup: 3 databases copied, 0 missing" in result.stdout
    copy = sqlite_utils.Database(tmp_path / "backup" / "copdir.db")
    assert [row["stage"] for row in copy["runs"].rows] == ["check", "build", "check"]
    assert copy.execute("pragma journal_mode").fetchone()[0] == "delete"  # one self-contained file
    copy.close()
    assert sqlite_utils.Database(tmp_path / "backup" / "catalogue.db")["communities"].count == 500
    assert sqlite_utils.Database(tmp_path / "backup" / "submissions.db")["submissions"].count == 1
    assert not list((tmp_path / "backup").glob("*.partial"))


def test_backup_names_what_is_missing_and_fails_when_there_is_nothing(tmp_path):
    _working_db_with_runs(tmp_path / "copdir.db")
    arguments = ["backup", str(tmp_path / "out"), "--catalogue", str(tmp_path / "nope.db"),
                 "--store", str(tmp_path / "none.db")]
    result = CliRunner().invoke(cli, ["--db", str(tmp_path / "copdir.db"), *arguments])
    assert result.exit_code == 0 and "left out: catalogue" in result.stderr
    nothing = CliRunner().invoke(cli, ["--db", str(tmp_path / "absent.db"), *arguments])
    assert nothing.exit_code == 1 and "nothing to back up" in nothing.output
