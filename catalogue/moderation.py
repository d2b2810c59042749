"""Moderation (issue 7): who may moderate, what a decision does to a submission, and the log of every one.

A maintainer proves who they are with a password whose hash is in the environment,
$COPDIR_MODERATOR_PASSWORD_HASH (make one with `python -m catalogue.moderation`), or — simpler, weaker — the
password itself in $COPDIR_MODERATOR_PASSWORD. With neither, moderation is off.

Decisions live in the private store (catalogue/submissions.py): a pending submission becomes approved,
rejected or merged (a duplicate of a catalogue community), and every decision, login and logout is a row of
`moderation_log`. Approved submissions are one more directory source for discover, "copdir-submissions":
`approved_observations` lists them as observations and `mark_listed` records that discover took them.
"""
from __future__ import annotations

import base64
import getpass
import hashlib
import hmac
import os
import re
import sqlite3
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from catalogue import submissions
from catalogue.store_writes import stamp, write_transaction
from crawler.models import Platform
from crawler.urls import platform_of

PASSWORD_HASH_ENV = "COPDIR_MODERATOR_PASSWORD_HASH"
PASSWORD_ENV = "COPDIR_MODERATOR_PASSWORD"
MODERATOR = "moderator"  # the actor id a successful login gets; no other actor may moderate

# scrypt at n=2**14, r=8, p=1 takes 16 MB and ~50 ms a guess: cheap for one login, dear for a dictionary.
SCRYPT_N, SCRYPT_R, SCRYPT_P = 2 ** 14, 8, 1
FAILED_LOGINS = 5  # per sender, in FAILED_LOGIN_WINDOW; past it the password is not even compared
FAILED_LOGIN_WINDOW = timedelta(minutes=15)
MAX_REASON = 1_000

SOURCE = {"name": "copdir-submissions", "url": "/submit", "kind": "submissions",
          "tags": ["submitted"]}  # the site's own form, as discover's sources table records it
# Statuses whose submissions discover lists, every run (ingest is idempotent): approved and merged ones, before
# and after discover first took them (listed, linked).
ENTERED = ("approved", "listed", "merged", "linked")
_MERGED_NOTE = re.compile(r"^duplicate of ([0-9a-f]{16})\b")  # what `decision` writes for a merge
_PLATFORMS = {platform.value for platform in Platform}

_SCHEMA = """
create table if not exists moderation_log (
  id integer primary key, at text not null, who text not null, action text not null,
  submission_id integer references submissions(id), note text not null default ''
);
create index if not exists moderation_log_by_submission on moderation_log (submission_id);
create table if not exists login_failures (client_key text not null, failed_at text not null);
create index if not exists login_failures_by_client on login_failures (client_key, failed_at);
"""


@dataclass(frozen=True)
class Decision:
    action: str  # approve, reject, merge
    status: str  # what the submission becomes
    note: str


# --- the moderator's password -------------------------------------------------------------------------------


def make_password_hash(password: str, salt: bytes | None = None) -> str:
    """"scrypt$n$r$p$salt$hash" (base64): what $COPDIR_MODERATOR_PASSWORD_HASH holds."""
    salt = salt or os.urandom(16)
    key = hashlib.scrypt(password.encode(), salt=salt, n=SCRYPT_N, r=SCRYPT_R, p=SCRYPT_P, dklen=32)
    encode = base64.b64encode
    return f"scrypt${SCRYPT_N}${SCRYPT_R}${SCRYPT_P}${encode(salt).decode()}${encode(key).decode()}"


def moderation_enabled(environ: Mapping[str, str] = os.environ) -> bool:
    return bool(environ.get(PASSWORD_HASH_ENV) or environ.get(PASSWORD_ENV))


def password_matches(password: str, environ: Mapping[str, str] = os.environ) -> bool:
    """True when the password is the moderator's; always False when moderation is off or the hash is unreadable."""
    if stored := environ.get(PASSWORD_HASH_ENV):
        try:
            scheme, n, r, p, salt, expected = stored.split("$")
            if scheme != "scrypt":
                return False
            key = hashlib.scrypt(password.encode(), salt=base64.b64decode(salt), n=int(n), r=int(r), p=int(p),
                                 dklen=len(base64.b64decode(expected)))
        except (ValueError, MemoryError):
            return False
        return hmac.compare_digest(key, base64.b64decode(expected))
    if plain := environ.get(PASSWORD_ENV):
        return hmac.compare_digest(password.encode(), plain.encode())
    return False


# --- the store: log, login failures, decisions --------------------------------------------------------------


def open_store(path: Path) -> sqlite3.Connection:
    """The private store with the moderation tables."""
    conn = submissions.open_store(path)
    conn.executescript(_SCHEMA)
    conn.row_factory = sqlite3.Row
    return conn


def log(conn: sqlite3.Connection, who: str, action: str, now: datetime, submission_id: int | None = None,
        note: str = "") -> None:
    conn.execute("insert into moderation_log (at, who, action, submission_id, note) values (?, ?, ?, ?, ?)",
                 (stamp(now), who, action, submission_id, note))


def logins_blocked(conn: sqlite3.Connection, key: str, now: datetime) -> bool:
    """True when this sender has failed FAILED_LOGINS times within the window."""
    failed = conn.execute("select count(*) from login_failures where client_key = ? and failed_at > ?",
                          (key, stamp(now - FAILED_LOGIN_WINDOW))).fetchone()[0]
    return failed >= FAILED_LOGINS


def record_failed_login(conn: sqlite3.Connection, key: str, now: datetime) -> None:
    conn.execute("insert into login_failures (client_key, failed_at) values (?, ?)", (key, stamp(now)))
    # The sender is named by a prefix of its keyed hash: enough to tell repeated attempts apart.
    log(conn, "anonymous", "login refused", now, note=f"wrong password from sender {key[:12]}")


def decision(action: str, reason: str, community_id: str) -> Decision | str:
    """What an action does, or a message saying what is missing."""
    reason, community_id = reason.strip(), community_id.strip()
    if len(reason) > MAX_REASON:
        return f"Shorten the reason to {MAX_REASON:,} characters or fewer."
    if action == "approve":
        return Decision("approve", "approved", reason)
    if action == "reject":
        return Decision("reject", "rejected", reason) if reason else "Give a reason for rejecting it."
    if action == "merge":
        if not community_id:
            return "Give the id of the catalogue community it duplicates."
        return Decision("merge", "merged", f"duplicate of {community_id}" + (f": {reason}" if reason else ""))
    return "Choose approve, reject or merge."


def decide(conn: sqlite3.Connection, submission_id: int, chosen: Decision, who: str, now: datetime) -> str:
    """Apply a decision to a pending submission and log it, as one transaction; a message when it cannot be."""
    with write_transaction(conn):
        changed = conn.execute("update submissions set status = ?, note = ? where id = ? and status = 'pending'",
                               (chosen.status, chosen.note or None, submission_id)).rowcount
        if not changed:
            row = conn.execute("select status from submissions where id = ?", (submission_id,)).fetchone()
            return (f"Submission {submission_id} is already {row[0]}." if row
                    else f"There is no submission {submission_id}.")
        log(conn, who, chosen.action, now, submission_id, chosen.note)
    return ""


def pending(conn: sqlite3.Connection, limit: int = 100) -> list[dict]:
    return [dict(row) for row in conn.execute(
        "select * from submissions where status = 'pending' order by submitted_at desc, id desc limit ?", (limit,))]


def recently_decided(conn: sqlite3.Connection, limit: int = 50) -> list[dict]:
    return [dict(row) for row in conn.execute(
        "select s.id, s.name, s.canonical_url, s.status, s.note, max(l.at) as decided_at from submissions s"
        " join moderation_log l on l.submission_id = s.id where s.status != 'pending'"
        " group by s.id order by max(l.id) desc limit ?", (limit,))]


def log_rows(conn: sqlite3.Connection, limit: int = 500) -> list[dict]:
    return [dict(row) for row in conn.execute("select * from moderation_log order by id desc limit ?", (limit,))]


def latest_checks(conn: sqlite3.Connection, ids: Iterable[int]) -> dict[int, dict]:
    """The newest processing result per submission, when processing has made its table."""
    if not conn.execute("select 1 from sqlite_master where name = 'submission_checks'").fetchone():
        return {}
    found: dict[int, dict] = {}
    for submission_id in ids:
        row = conn.execute("select * from submission_checks where submission_id = ?"
                           " order by checked_at desc limit 1", (submission_id,)).fetchone()
        if row:
            found[submission_id] = dict(row)
    return found


# --- approved submissions into discovery --------------------------------------------------------------------


def approved_observations(submissions_db_path: Path) -> list[dict]:
    """Approved and merged submissions (also once discover took them) as observations of source
    "copdir-submissions", in the shape store.ingest_observations takes, each with its `submission_id` and, for a
    merged one, `merge_into`: the community its URL joins as one more link. Reads only."""
    if not Path(submissions_db_path).exists():
        return []
    conn = sqlite3.connect(f"{Path(submissions_db_path).resolve().as_uri()}?mode=ro", uri=True)
    try:
        rows = conn.execute("select id, url, name, description, platform, status, note from submissions"
                            f" where status in ({', '.join('?' * len(ENTERED))}) order by id", ENTERED).fetchall()
    finally:
        conn.close()
    return [{"source": SOURCE["name"], "url": url, "name": name, "description": description or "",
             "platform": _platform(platform, url), "section": "", "submission_id": id_,
             **({"merge_into": merged_into(note)} if status in ("merged", "linked") and merged_into(note) else {})}
            for id_, url, name, description, platform, status, note in rows]


def merged_into(note: str | None) -> str:
    """The community a merged submission's note names ("duplicate of ID: …"), or ""."""
    found = _MERGED_NOTE.match(note or "")
    return found.group(1) if found else ""


def _platform(submitted: str, url: str) -> str:
    """The platform the sender chose, when the catalogue knows it ("other" does not); else the URL's."""
    if submitted in _PLATFORMS:
        return submitted
    try:
        return platform_of(url).value
    except ValueError:
        return Platform.WEBSITE.value


def mark_listed(submissions_db_path: Path, submission_ids: Iterable[int], now: datetime) -> int:
    """Submissions that discover has ingested become 'listed' (approved ones) or 'linked' (merged ones: their URL
    is now a link of the community), each with a log row. Returns how many."""
    ids = list(submission_ids)
    if not ids:
        return 0
    conn = open_store(Path(submissions_db_path))
    try:
        listed = 0
        with write_transaction(conn):
            for submission_id in ids:
                if conn.execute("update submissions set status = 'listed' where id = ? and status = 'approved'",
                                (submission_id,)).rowcount:
                    log(conn, "discover", "listed", now, submission_id, "entered discovery")
                    listed += 1
                elif conn.execute("update submissions set status = 'linked' where id = ? and status = 'merged'",
                                  (submission_id,)).rowcount:
                    log(conn, "discover", "linked", now, submission_id, "entered discovery as a link of its community")
                    listed += 1
    finally:
        conn.close()
    return listed


def main() -> None:
    """Print a hash for $COPDIR_MODERATOR_PASSWORD_HASH from a password typed twice."""
    password = getpass.getpass("Moderator password: ")
    if not password or password != getpass.getpass("Again: "):
        raise SystemExit("The two passwords differ (or are empty); nothing made.")
    print(make_password_hash(password))


if __name__ == "__main__":
    main()
