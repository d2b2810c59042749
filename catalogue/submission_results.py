"""What processing found for each submission, kept in the private store for the moderator.

`copdir submissions process` probes each pending submission once (crawler/submission_probe.py) and
records one row in `submission_checks` of `data/submissions.db`:

- `outcome`: `answered`, `refused` (a private address at some hop, or a scheme copdir does not fetch) or
  `no_answer` (time-out, no such name, connection refused, TLS failure);
- `detail`: the sentence that says it ("refused: x.example resolves to 169.254.169.254, a link-local
  address (cloud metadata lives there)", "answered 200 at https://…", "no answer: time-out");
- `final_url`: where it answered, or the hop that was refused or went unanswered;
- `profile`: JSON of what the page says (name, description, language, platform, topics, join_url);
- `matches`: JSON list of catalogue communities it may already be ({id, name, url, reason}).

A submission with a row here is processed; the moderation page shows its newest row.
"""
from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path

from catalogue.store_writes import stamp
from catalogue.submissions import DUPLICATES_SHOWN, Duplicate, possible_duplicates
from crawler.urls import canonicalize

_SCHEMA = """
create table if not exists submission_checks (
  id integer primary key, submission_id integer not null references submissions (id),
  checked_at text not null, outcome text not null, detail text not null, final_url text not null default '',
  profile text not null default '{}', matches text not null default '[]'
);
create index if not exists submission_checks_by_submission on submission_checks (submission_id, checked_at);
"""


@dataclass(frozen=True)
class PendingSubmission:
    id: int
    url: str
    canonical_url: str
    name: str


def create_schema(conn: sqlite3.Connection) -> None:
    conn.executescript(_SCHEMA)


def unprocessed(conn: sqlite3.Connection, limit: int | None = None) -> list[PendingSubmission]:
    """Pending submissions with no check yet, oldest first."""
    create_schema(conn)
    rows = conn.execute(
        "select id, url, canonical_url, name from submissions where status = 'pending'"
        " and id not in (select submission_id from submission_checks) order by submitted_at, id limit ?",
        (-1 if limit is None else limit,))
    return [PendingSubmission(*row) for row in rows]


def record(conn: sqlite3.Connection, submission_id: int, checked_at: datetime, outcome: str, detail: str,
           final_url: str, profile: Mapping, matches: Sequence[Duplicate]) -> int:
    create_schema(conn)
    cursor = conn.execute(
        "insert into submission_checks (submission_id, checked_at, outcome, detail, final_url, profile, matches)"
        " values (?, ?, ?, ?, ?, ?, ?)",
        (submission_id, stamp(checked_at), outcome, detail,
         final_url, json.dumps(dict(profile), ensure_ascii=False),
         json.dumps([asdict(match) for match in matches], ensure_ascii=False)))
    return cursor.lastrowid


def latest_check(conn: sqlite3.Connection, submission_id: int) -> dict | None:
    """The newest check of one submission, its JSON columns decoded; None before processing."""
    create_schema(conn)
    row = conn.execute(
        "select checked_at, outcome, detail, final_url, profile, matches from submission_checks"
        " where submission_id = ? order by checked_at desc, id desc limit 1", (submission_id,)).fetchone()
    if row is None:
        return None
    checked_at, outcome, detail, final_url, profile, matches = row
    return {"checked_at": checked_at, "outcome": outcome, "detail": detail, "final_url": final_url,
            "profile": json.loads(profile), "matches": json.loads(matches)}


def open_catalogue(path: Path) -> sqlite3.Connection:
    """The published catalogue, read-only: processing only looks things up in it."""
    return sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)


def catalogue_matches(catalogue: sqlite3.Connection, urls: Iterable[str], names: Iterable[str]) -> list[Duplicate]:
    """Communities the submission may already be, by any of its addresses (the submitted one, where it ended)
    paired with any of its names (the submitted one, the page's)."""
    canonical = list(dict.fromkeys(_canonical(url) for url in urls if url))
    names = list(dict.fromkeys(name for name in names if name))
    found: dict[str, Duplicate] = {}
    for url in filter(None, canonical):
        for name in names or [""]:
            for duplicate in possible_duplicates(catalogue, url, name):
                found.setdefault(duplicate.id, duplicate)
    return list(found.values())[:DUPLICATES_SHOWN]


def _canonical(url: str) -> str:
    try:
        return canonicalize(url)
    except ValueError:
        return ""
