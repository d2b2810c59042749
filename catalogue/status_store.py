"""The status model's storage: signals as a compact metric history, scoring inputs, statuses and their history,
and owner overrides.

Scoring reads every community once a run, so the inputs stream: each query is ordered by community id
and read alongside the others, never all loaded at once (100k communities, months of checks).
"""
from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import sqlite_utils

from crawler.models import CheckOutcome, CheckResult, OverrideKind, OwnerOverride, Signal, Status, parse_utc


# --- signals -------------------------------------------------------------------------------------

_LAST_READING = """
select id, value, coalesce(last_observed_at, observed_at) as seen_until from signals
where community_id = ? and kind = ? and source_url = ? order by observed_at desc, id desc limit 1
"""


def record_signal(db: sqlite_utils.Database, community_id: str, signal: Signal) -> None:
    """Append a reading, or extend the previous one when the source says the same again (call inside a transaction)."""
    observed = signal.observed_at.isoformat()
    last = next(db.query(_LAST_READING, [community_id, signal.kind, signal.source_url]), None)
    if last and last["value"] == signal.value and last["seen_until"] < observed:
        db.execute("update signals set last_observed_at = ?, times_seen = times_seen + 1 where id = ?",
                   [observed, last["id"]])
    elif not last or last["seen_until"] != observed:  # the same reading twice (a rerun) is kept once
        db["signals"].insert({"community_id": community_id, "kind": signal.kind, "value": signal.value,
                              "observed_at": observed, "source_url": signal.source_url, "times_seen": 1})


def _signal(row: sqlite3.Row) -> Signal:
    return Signal(row["kind"], row["value"], datetime.fromisoformat(row["observed_at"]), row["source_url"],
                  ref=f"signals:{row['id']}",
                  last_observed_at=datetime.fromisoformat(row["last_observed_at"]) if row["last_observed_at"] else None,
                  times_seen=row["times_seen"] or 1)


# --- scoring inputs ------------------------------------------------------------------------------

@dataclass
class ScoringInput:
    """Everything scoring needs about one community."""

    community_id: str
    platform: str
    checks: list[CheckResult] = field(default_factory=list)
    signals: list[Signal] = field(default_factory=list)
    listed: list[str] = field(default_factory=list)  # what the lists say of it ("inactive", "struck through")
    overrides: list[OwnerOverride] = field(default_factory=list)
    history: list[tuple[datetime, str, str]] = field(default_factory=list)


class _Grouped:
    """Rows of a query ordered by community_id, handed out one community at a time."""

    def __init__(self, db: sqlite_utils.Database, sql: str, params: list | None = None):
        cursor = db.conn.cursor()
        cursor.row_factory = sqlite3.Row  # rows built in C: scoring reads millions of them
        self._rows = cursor.execute(sql, params or [])
        self._next = next(self._rows, None)

    def take(self, community_id: str) -> list[sqlite3.Row]:
        while self._next is not None and self._next["community_id"] < community_id:
            self._next = next(self._rows, None)  # a row of a community that no longer exists
        found = []
        while self._next is not None and self._next["community_id"] == community_id:
            found.append(self._next)
            self._next = next(self._rows, None)
        return found


def check_result(row: sqlite3.Row | dict) -> CheckResult:
    """A stored check as scoring and the recheck ladder see it (its redirect chain, which neither reads, left out)."""
    return CheckResult(
        url=row["url"], checked_at=datetime.fromisoformat(row["checked_at"]), outcome=CheckOutcome(row["outcome"]),
        http_status=row["http_status"], final_url=row["final_url"], detail=row["detail"] or "",
        last_modified=datetime.fromisoformat(row["last_modified"]) if row["last_modified"] else None,
        retry_after=row["retry_after"], ref=f"checks:{row['id']}")


def _override(row: sqlite3.Row) -> OwnerOverride:
    def moment(name: str) -> datetime | None:
        return parse_utc(row[name]) if row[name] else None
    return OwnerOverride(OverrideKind(row["kind"]), moment("set_at"), moment("verified_at"), moment("until"),
                         row["url"] or "", row["note"] or "", f"owner_overrides:{row['id']}")


# Each link's latest counted checks (a degraded run's failures do not count), oldest first.
_RECENT_CHECKS = """
select * from (
  select id, community_id, url, checked_at, outcome, http_status, final_url, detail, last_modified, retry_after,
         row_number() over (partition by community_id order by checked_at desc, id desc) as back
  from checks where counted = 1 and checked_at >= ? and checked_at <= ?)
where back <= ? order by community_id, checked_at, id
"""


def scoring_inputs(db: sqlite_utils.Database, now: datetime, window_days: int,
                   max_checks: int = 15) -> Iterator[ScoringInput]:
    """Per community (in id order): its latest max_checks counted checks of the last window_days, all its
    signals, its list annotations, its verified owner overrides and its status history."""
    since = (now - timedelta(days=window_days)).isoformat()
    checks = _Grouped(db, _RECENT_CHECKS, [since, now.isoformat(), max_checks])
    signals = _Grouped(db, "select * from signals where observed_at <= ? order by community_id, observed_at, id",
                       [now.isoformat()])
    listed = _Grouped(db, "select community_id, annotations from observations where annotations != '[]'"
                          " order by community_id")
    overrides = _Grouped(db, "select * from owner_overrides where verified_at is not null and revoked_at is null"
                             " order by community_id, set_at")
    history = _Grouped(db, "select community_id, changed_at, reachability, activity from status_history"
                           " order by community_id, changed_at, id")
    for row in db.query("select id, platform from communities order by id"):
        cid = row["id"]
        found = ScoringInput(cid, row["platform"])
        found.checks = [check_result(check) for check in checks.take(cid)]
        found.signals = [_signal(signal) for signal in signals.take(cid)]
        found.listed = sorted({note for item in listed.take(cid) for note in json.loads(item["annotations"])})
        found.overrides = [_override(item) for item in overrides.take(cid)]
        found.history = [(datetime.fromisoformat(item["changed_at"]), item["reachability"], item["activity"])
                         for item in history.take(cid)]
        yield found


# --- statuses and their history ------------------------------------------------------------------

def _status_row(cid: str, status: Status, stamp: str, since: str) -> dict:
    return {
        "community_id": cid, "reachability": status.reachability.value, "activity": status.activity.value,
        "reason": status.reason, "successor_url": status.successor_url,
        "last_activity": status.last_activity.isoformat() if status.last_activity else None,
        "scored_at": stamp, "since": since, "reachability_reason": status.reachability_reason,
        "activity_reason": status.activity_reason, "evidence": json.dumps(list(status.evidence)),
        "lifecycle": status.lifecycle.value, "stale": json.dumps([list(pair) for pair in status.stale]),
        "override": status.override or None,
    }


_STATUS_COLUMNS = ("community_id", "reachability", "activity", "reason", "successor_url", "last_activity", "scored_at",
                   "since", "reachability_reason", "activity_reason", "evidence", "lifecycle", "stale", "override")
# Plain SQL, not sqlite-utils' upsert: scoring writes while its input queries are still open, and sqlite-utils'
# first upsert on a connection probes SQLite with a temporary table, which SQLite refuses while reads are pending.
_UPSERT_STATUS = (f"insert into statuses ({', '.join(_STATUS_COLUMNS)}) values ({', '.join(':' + c for c in _STATUS_COLUMNS)})"
                  " on conflict(community_id) do update set "
                  + ", ".join(f"{c} = excluded.{c}" for c in _STATUS_COLUMNS[1:]))
_APPEND_HISTORY = """
insert into status_history (community_id, changed_at, reachability, activity, reason, previous_reachability,
                            previous_activity, evidence)
values (:community_id, :scored_at, :reachability, :activity, :reason, :previous_reachability, :previous_activity,
        :evidence)
"""


def record_statuses(db: sqlite_utils.Database, statuses: Iterable[tuple[str, Status]], now: datetime) -> dict[str, int]:
    """Store each community's status; append to the history only when an axis changed, with what it was before."""
    counts = {"scored": 0, "changed": 0}
    stamp = now.isoformat()
    with db.atomic():
        current = {row["community_id"]: row for row in db.query(
            "select community_id, reachability, activity, since from statuses")}
        for cid, status in statuses:
            before = current.get(cid)
            changed = (before is None or before["reachability"] != status.reachability.value
                       or before["activity"] != status.activity.value)
            row = _status_row(cid, status, stamp, stamp if changed else before["since"])
            db.execute(_UPSERT_STATUS, row)
            if changed:
                db.execute(_APPEND_HISTORY, {**row, "previous_reachability": before["reachability"] if before else None,
                                             "previous_activity": before["activity"] if before else None})
                counts["changed"] += 1
            counts["scored"] += 1
    return counts


_STATUS_ON = """
select h.community_id, h.changed_at, h.reachability, h.activity, h.reason, h.evidence from status_history h
where h.id = (select h2.id from status_history h2 where h2.community_id = h.community_id and h2.changed_at < ?
              order by h2.changed_at desc, h2.id desc limit 1)
"""


def status_on(db: sqlite_utils.Database, moment: datetime, community_id: str | None = None) -> list[dict]:
    """Each community's status as it stood at the end of the day of moment: the last change before midnight."""
    midnight = (moment.replace(hour=0, minute=0, second=0, microsecond=0) + timedelta(days=1)).isoformat()
    sql, params = _STATUS_ON, [midnight]
    if community_id:
        sql += " and h.community_id = ?"
        params.append(community_id)
    return list(db.query(sql + " order by h.community_id", params))


# --- owner overrides -----------------------------------------------------------------------------

def set_override(db: sqlite_utils.Database, community_id: str, override: OwnerOverride, verified_by: str) -> int:
    """Record a verified owner's override; an earlier one in force is revoked, so one applies at a time."""
    with db.atomic():
        db.execute("update owner_overrides set revoked_at = ? where community_id = ? and revoked_at is null",
                   [override.set_at.isoformat(), community_id])
        return db["owner_overrides"].insert({
            "community_id": community_id, "kind": override.kind.value,
            "until": override.until.isoformat() if override.until else None, "url": override.url,
            "note": override.note, "set_at": override.set_at.isoformat(),
            "verified_at": override.verified_at.isoformat() if override.verified_at else None,
            "verified_by": verified_by}).last_pk


def clear_overrides(db: sqlite_utils.Database, community_id: str, now: datetime) -> int:
    with db.atomic():
        return db.execute("update owner_overrides set revoked_at = ? where community_id = ? and revoked_at is null",
                          [now.isoformat(), community_id]).rowcount

