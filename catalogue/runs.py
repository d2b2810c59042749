"""The `runs` table: what each stage did and when, read by `copdir runs`, the scheduler and the run-health page.

Stages record their own runs (catalogue/store.py start_run/finish_run). The scheduler fills the gaps: a child
that crashed, timed out or was abandoned before it recorded gets a row here, and one it left `running` is
closed with what happened to it — so every run of every stage has a row.
"""
from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlite_utils

from crawler.models import parse_utc

OK_OUTCOMES = frozenset({"ok", "skipped", "running"})  # anything else is a failure to report
HEALTH_WINDOW = timedelta(days=7)
STALE_AFTER = timedelta(days=1)
_COLUMNS = "id, stage, started_at, ended_at, outcome, counts, error"  # a published catalogue older than this is stale: builds have stopped


@dataclass(frozen=True)
class Snapshot:
    """The runs table just before a child starts: what the child adds or closes is its own."""

    last_id: int
    running: frozenset[int]


def snapshot(db: sqlite_utils.Database, stage: str) -> Snapshot:
    last = db.execute("select coalesce(max(id), 0) from runs").fetchone()[0]
    running = {row[0] for row in db.execute("select id from runs where stage = ? and outcome = 'running'", [stage])}
    return Snapshot(last, frozenset(running))


def runs_of_child(db: sqlite_utils.Database, before: Snapshot) -> list[dict]:
    """The rows the child wrote: new ones (a build also records its dedupe), and an interrupted run of its stage
    that it resumed (a check run resumes one)."""
    rows = db.query("select * from runs where id > ? or id in (select value from json_each(?)) order by id",
                    [before.last_id, json.dumps(sorted(before.running))])
    return [row for row in rows if row["id"] > before.last_id or row["outcome"] != "running"]


def record_run(db: sqlite_utils.Database, stage: str, started: datetime, ended: datetime, outcome: str,
               counts: dict, error: str) -> int:
    return db["runs"].insert({"stage": stage, "started_at": started.isoformat(), "ended_at": ended.isoformat(),
                              "outcome": outcome, "counts": json.dumps(counts), "error": error}).last_pk


def close_running(db: sqlite_utils.Database, run_ids: list[int], ended: datetime, outcome: str, error: str) -> None:
    """A child was killed or crashed with its run still marked running: say what happened."""
    with db.atomic():
        for run_id in run_ids:
            db["runs"].update(run_id, {"ended_at": ended.isoformat(), "outcome": outcome, "error": error})


def last_starts(db: sqlite_utils.Database) -> dict[str, datetime]:
    """When each stage last started: where a restarted scheduler takes up its schedule."""
    rows = db.execute("select stage, max(started_at) from runs group by stage").fetchall()
    return {stage: moment for stage, started in rows if (moment := parse_utc(started))}


def recent(conn: sqlite3.Connection | sqlite_utils.Database, stage: str | None = None, limit: int = 20) -> list[dict]:
    """The latest runs, newest first, with their counts parsed."""
    sql = "select * from runs" + (" where stage = ?" if stage else "") + " order by id desc limit ?"
    cursor = conn.execute(sql, [stage, limit] if stage else [limit])
    names = [column[0] for column in cursor.description]
    return [as_view(dict(zip(names, row))) for row in cursor.fetchall()]


def as_view(row: dict) -> dict:
    """A run as shown: counts as a mapping, the duration in seconds (None while running)."""
    started, ended = parse_utc(row.get("started_at") or ""), parse_utc(row.get("ended_at") or "")
    try:
        counts = json.loads(row.get("counts") or "{}")
    except ValueError:
        counts = {}
    return {"id": row["id"], "stage": row["stage"], "started_at": row.get("started_at") or "",
            "ended_at": row.get("ended_at") or "", "outcome": row.get("outcome") or "",
            "duration_s": round((ended - started).total_seconds(), 1) if started and ended else None,
            "counts": counts if isinstance(counts, dict) else {}, "error": row.get("error") or ""}


def health(conn: sqlite3.Connection, now: datetime, built_at: datetime | None) -> dict:
    """What a maintainer looks at first: the last run of each stage, failures in the last 7 days, the latest
    refused publish, and whether the published catalogue is stale."""
    cursor = conn.execute(f"select {_COLUMNS} from (select *, row_number() over (partition by stage"
                          " order by started_at desc, id desc) as n from runs) where n = 1 order by stage")
    names = [column[0] for column in cursor.description]
    last = [as_view(dict(zip(names, row))) for row in cursor.fetchall()]
    since = (now - HEALTH_WINDOW).isoformat()
    cursor = conn.execute(f"select {_COLUMNS} from runs where started_at >= ? and outcome not in ('ok', 'skipped', 'running')"
                          " order by started_at desc limit 200", [since])
    failures = [as_view(dict(zip(names, row))) for row in cursor.fetchall()]
    cursor = conn.execute(f"select {_COLUMNS} from runs where stage = 'build' and outcome = 'refused'"
                          " order by started_at desc limit 1")
    refused = [as_view(dict(zip(names, row))) for row in cursor.fetchall()]
    return {"last": last, "failures": failures, "refusal": refused[0] if refused else None,
            "built_at": built_at.isoformat() if built_at else "",
            "stale": built_at is None or now - built_at > STALE_AFTER}
