"""Recheck requests and problem reports (issue 7): what anyone may ask about a listed community, kept private.

Both live in the private store (catalogue/submissions.py), never served. A recheck request is throttled per
community — at most one pending, and none within RECHECK_COOLDOWN of the last — so that it cannot be used to
make copdir hammer a site; `copdir submissions process` makes the community's links due at the next
`copdir check` (`make_due`) and marks the request scheduled. A problem report waits in the moderation queue
until a moderator resolves or dismisses it; every decision is logged in `moderation_log`. Senders are counted
by the same keyed hash of their address as submissions, with their own per-address limits.
"""
from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import sqlite_utils

from catalogue import moderation
from catalogue.store_writes import stamp, write_transaction
from catalogue.submissions import RateLimit
from catalogue.validation import check_text

RECHECK_COOLDOWN = timedelta(hours=1)
REQUEST_RATE_LIMITS = (RateLimit(5, timedelta(minutes=10), "ten minutes"), RateLimit(30, timedelta(days=1), "a day"))
MAX_REPORT = 2_000
REPORT_CATEGORIES: dict[str, str] = {
    "wrong_status": "Its status is wrong", "wrong_details": "Its details are wrong",
    "not_a_community": "It is not a community", "spam_or_harmful": "It is spam or harmful", "other": "Something else",
}
REPORT_ACTIONS = {"resolve": "resolved", "dismiss": "dismissed"}

_SCHEMA = """
create table if not exists recheck_requests (
  id integer primary key, community_id text not null, requested_at text not null, requested_by text not null,
  client_key text not null default '', status text not null default 'pending', scheduled_at text,
  note text not null default ''
);
create index if not exists recheck_requests_by_community on recheck_requests (community_id, requested_at);
create index if not exists recheck_requests_by_client on recheck_requests (client_key, requested_at);
create table if not exists problem_reports (
  id integer primary key, community_id text not null, category text not null, description text not null,
  client_key text not null default '', reported_at text not null, status text not null default 'open',
  decided_at text, note text not null default ''
);
create index if not exists problem_reports_by_status on problem_reports (status, reported_at);
create index if not exists problem_reports_by_client on problem_reports (client_key, reported_at);
"""


@dataclass(frozen=True)
class Recheck:
    id: int
    community_id: str
    requested_at: str
    requested_by: str  # "public", or "owner claim N"
    status: str  # pending, scheduled, not_found
    scheduled_at: str | None


@dataclass(frozen=True)
class Refused:
    message: str
    status: int  # the HTTP status the page answers with


def open_store(path: Path) -> sqlite3.Connection:
    conn = moderation.open_store(path)  # the moderation log records what moderators decide about reports
    conn.executescript(_SCHEMA)
    return conn


def _limit_reached(conn: sqlite3.Connection, key: str, now: datetime) -> RateLimit | None:
    """The per-address limit this sender has used up, rechecks and reports counted together."""
    for limit in REQUEST_RATE_LIMITS:
        since = stamp(now - limit.window)
        sent = conn.execute("select (select count(*) from recheck_requests where client_key = ? and requested_at > ?)"
                            " + (select count(*) from problem_reports where client_key = ? and reported_at > ?)",
                            (key, since, key, since)).fetchone()[0]
        if sent >= limit.count:
            return limit
    return None


def rate_message(limit: RateLimit) -> str:
    return (f"This address has already sent {limit.count} requests and reports in {limit.wait}, the most copdir "
            "takes. Please try again later.")


def latest_recheck(conn: sqlite3.Connection, community_id: str) -> Recheck | None:
    row = conn.execute("select id, community_id, requested_at, requested_by, status, scheduled_at from recheck_requests"
                       " where community_id = ? order by requested_at desc, id desc limit 1", (community_id,)).fetchone()
    return Recheck(*row) if row else None


def request_recheck(conn: sqlite3.Connection, community_id: str, requested_by: str, key: str,
                    now: datetime) -> Recheck | Refused:
    """Store a recheck request; or why not (one already pending, the cooldown, the sender's limit), storing nothing.
    An owner's request (key "") passes the same per-community throttle."""
    with write_transaction(conn):
        refusal = _recheck_refusal(conn, community_id, key, now)
        if refusal:
            return refusal
        conn.execute("insert into recheck_requests (community_id, requested_at, requested_by, client_key)"
                     " values (?, ?, ?, ?)", (community_id, stamp(now), requested_by, key))
    return latest_recheck(conn, community_id)


def recheck_refusal(conn: sqlite3.Connection, community_id: str, now: datetime) -> Refused | None:
    """Why a recheck of this community cannot be asked for now (one pending, the hourly cooldown), or None."""
    return _recheck_refusal(conn, community_id, "", now)


def _recheck_refusal(conn: sqlite3.Connection, community_id: str, key: str, now: datetime) -> Refused | None:
    latest = latest_recheck(conn, community_id)
    if latest and latest.status == "pending":
        return Refused(f"A recheck of this community was already requested at {latest.requested_at}; "
                       "it happens at the next check run.", 429)
    if latest and latest.requested_at > stamp(now - RECHECK_COOLDOWN):
        again = datetime.fromisoformat(latest.requested_at) + RECHECK_COOLDOWN
        return Refused(f"This community's recheck was requested at {latest.requested_at}; copdir rechecks a "
                       f"community at most once an hour, so ask again after {stamp(again)}.", 429)
    if key and (limit := _limit_reached(conn, key, now)):
        return Refused(rate_message(limit), 429)
    return None


def parse_report(form: dict[str, str]) -> tuple[tuple[str, str] | None, dict[str, str]]:
    """(category, description) from the posted form, or None and a message per field that says what to do."""
    category, description = form.get("category", "").strip(), form.get("description", "").strip()
    errors = {}
    if category not in REPORT_CATEGORIES:
        errors["category"] = "Choose what is wrong from the list (or “Something else”)."
    if not description:
        errors["description"] = "Say what is wrong, so a maintainer can check it."
    elif message := check_text(description, "description", MAX_REPORT):
        errors["description"] = message
    return (None, errors) if errors else ((category, description), {})


def report_problem(conn: sqlite3.Connection, community_id: str, category: str, description: str, key: str,
                   now: datetime) -> int | RateLimit:
    """Store an open report and return its id; or the sender's used-up limit, storing nothing."""
    with write_transaction(conn):
        if limit := _limit_reached(conn, key, now):
            return limit
        cursor = conn.execute("insert into problem_reports (community_id, category, description, client_key,"
                              " reported_at) values (?, ?, ?, ?, ?)", (community_id, category, description, key,
                                                                       stamp(now)))
    return cursor.lastrowid


def report_reference(number: int) -> str:
    return f"R-{number:06d}"


def open_reports(conn: sqlite3.Connection, limit: int = 100) -> list[dict]:
    conn.row_factory = sqlite3.Row
    return [{**dict(row), "reference": report_reference(row["id"]),
             "category_label": REPORT_CATEGORIES.get(row["category"], row["category"])} for row in conn.execute(
        "select id, community_id, category, description, reported_at from problem_reports where status = 'open'"
        " order by reported_at, id limit ?", (limit,))]


def decide_report(conn: sqlite3.Connection, report_id: int, action: str, note: str, who: str, now: datetime) -> str:
    """Resolve or dismiss an open report and log it, as one transaction; a message when it cannot be."""
    if action not in REPORT_ACTIONS:
        return "Choose resolve or dismiss."
    if len(note) > moderation.MAX_REASON:
        return f"Shorten the note to {moderation.MAX_REASON:,} characters or fewer."
    with write_transaction(conn):
        changed = conn.execute("update problem_reports set status = ?, decided_at = ?, note = ? where id = ?"
                               " and status = 'open'", (REPORT_ACTIONS[action], stamp(now), note, report_id)).rowcount
        if not changed:
            return f"{report_reference(report_id)} is not an open report."
        moderation.log(conn, who, f"report {REPORT_ACTIONS[action]}", now,
                       note=f"{report_reference(report_id)}" + (f": {note}" if note else ""))
    return ""


# --- the crawler side: pending rechecks become due checks ----------------------------------------------------


def pending_rechecks(conn: sqlite3.Connection) -> list[Recheck]:
    return [Recheck(*row) for row in conn.execute(
        "select id, community_id, requested_at, requested_by, status, scheduled_at from recheck_requests"
        " where status = 'pending' order by id")]


def make_due(db: sqlite_utils.Database, community_id: str, now: datetime) -> int:
    """Make every link of a catalogue community due at the next `copdir check`; return how many links it has in
    the working database (0: it is not there). A link never checked has no schedule and is due already."""
    links = [community_id] + [row["link_id"] for row in db.query(
        "select link_id from community_links where community_id = ?", [community_id])] \
        if db["community_links"].exists() else [community_id]
    marks = ",".join("?" * len(links))
    known = db.execute(f"select count(*) from communities where id in ({marks})", links).fetchone()[0]
    with db.atomic():
        db.execute(f"update check_schedule set due_at = ? where community_id in ({marks}) and due_at > ?",
                   [now.isoformat(), *links, now.isoformat()])
    return known


def mark_scheduled(conn: sqlite3.Connection, recheck_id: int, found: bool, now: datetime) -> None:
    conn.execute("update recheck_requests set status = ?, scheduled_at = ?, note = ? where id = ?",
                 ("scheduled" if found else "not_found", stamp(now),
                  "" if found else "not in the working database", recheck_id))
