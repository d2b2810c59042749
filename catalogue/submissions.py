"""The private store of submissions (issue 7), and the catalogue communities a submission may already be.

The store, `data/submissions.db` (or $COPDIR_SUBMISSIONS_DB), is private: Datasette never serves it; the
form's handler (catalogue/submit_page.py) opens it itself. It keeps the contact address, never the sender's
network address: a keyed hash of it (of its /64 for IPv6, what one household gets) is enough to count
submissions per sender, and the key is made on first use and kept in the store. What a valid submission is
lives in catalogue/validation.py.
"""
from __future__ import annotations

import asyncio
import hashlib
import hmac
import ipaddress
import json
import os
import re
import sqlite3
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from rapidfuzz import fuzz
from rapidfuzz.utils import default_process

from catalogue.store_writes import stamp, write_transaction
from catalogue.validation import Submission

STORE_ENV = "COPDIR_SUBMISSIONS_DB"
DEFAULT_STORE = Path("data") / "submissions.db"

DUPLICATE_NAME_SCORE = 90  # rapidfuzz token_sort_ratio, 0–100
DUPLICATES_SHOWN = 10
NAME_CANDIDATES = 50  # rows read per full-text query for a name; a query never scans the catalogue
NAME_WORDS = 8

_WORD = re.compile(r"[^\W_]+")


@dataclass(frozen=True)
class RateLimit:
    count: int
    window: timedelta
    wait: str  # how the refusal says the window

    def message(self) -> str:
        return (f"This address has already sent {self.count} submissions in {self.wait}, the most copdir takes. "
                f"Please try again later.")


RATE_LIMITS = (RateLimit(5, timedelta(minutes=10), "ten minutes"), RateLimit(20, timedelta(days=1), "a day"))


@dataclass(frozen=True)
class Duplicate:
    id: str
    name: str
    url: str
    reason: str


# --- the private store --------------------------------------------------------------------------------------

_SCHEMA = """
create table if not exists submissions (
  id integer primary key, url text not null, canonical_url text not null, name text not null,
  description text not null default '', topics text not null default '[]', platform text not null,
  language text not null, contact text not null, status text not null default 'pending',
  submitted_at text not null, client_key text not null, note text
);
create index if not exists submissions_by_client on submissions (client_key, submitted_at);
create index if not exists submissions_by_status on submissions (status, submitted_at);
create table if not exists store_keys (name text primary key, value blob not null);
"""


def store_path(environ: Mapping[str, str] = os.environ) -> Path:
    return Path(environ.get(STORE_ENV) or DEFAULT_STORE)


def open_store(path: Path) -> sqlite3.Connection:
    """The private store, created on first use. Autocommit: writes that must be one take BEGIN IMMEDIATE."""
    path.parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(path, isolation_level=None, timeout=10)
    conn.execute("pragma journal_mode = wal")
    conn.executescript(_SCHEMA)
    return conn


async def in_store(work: Callable[..., Any], *args: Any,
                   opener: Callable[[Path], sqlite3.Connection] = open_store) -> Any:
    """Run `work(connection, *args)` on the private store (opened by `opener`), in a thread: SQLite blocks. Every page
    that reads or writes the store (submissions, moderation, claims, rechecks and reports) goes through it."""
    def run() -> Any:
        conn = opener(store_path())
        try:
            return work(conn, *args)
        finally:
            conn.close()

    return await asyncio.to_thread(run)


def client_key(conn: sqlite3.Connection, address: str) -> str:
    """A keyed hash of the sender's address: the same sender, the same key; the address is not recoverable
    without the store's own key."""
    conn.execute("insert or ignore into store_keys (name, value) values ('client', randomblob(32))")
    key = conn.execute("select value from store_keys where name = 'client'").fetchone()[0]
    return hmac.new(key, _sender(address).encode(), hashlib.sha256).hexdigest()


def _sender(address: str) -> str:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return address
    return str(ipaddress.ip_network(f"{ip}/64", strict=False)) if ip.version == 6 else str(ip)


def limit_reached(conn: sqlite3.Connection, key: str, now: datetime) -> RateLimit | None:
    """The first rate limit this sender has used up, counting what the store holds from them."""
    for limit in RATE_LIMITS:
        sent = conn.execute("select count(*) from submissions where client_key = ? and submitted_at > ?",
                            (key, stamp(now - limit.window))).fetchone()[0]
        if sent >= limit.count:
            return limit
    return None


def store(conn: sqlite3.Connection, submission: Submission, key: str, now: datetime) -> int | RateLimit:
    """Store a submission as pending and return its reference; or the limit it would pass, storing nothing.

    The count and the insert are one transaction, so senders racing each other cannot pass the limit."""
    with write_transaction(conn):
        if limit := limit_reached(conn, key, now):
            return limit
        cursor = conn.execute(
            "insert into submissions (url, canonical_url, name, description, topics, platform, language, contact,"
            " status, submitted_at, client_key) values (?, ?, ?, ?, ?, ?, ?, ?, 'pending', ?, ?)",
            (submission.url, submission.canonical_url, submission.name, submission.description,
             json.dumps(list(submission.topics), ensure_ascii=False), submission.platform, submission.language,
             submission.contact, stamp(now), key))
    return cursor.lastrowid


# --- possible duplicates in the catalogue -------------------------------------------------------------------


def possible_duplicates(catalogue: sqlite3.Connection, canonical_url: str, name: str) -> list[Duplicate]:
    """Communities the submission may already be: the same canonical address in `links`, or a name whose
    token_sort_ratio is at least DUPLICATE_NAME_SCORE. Names are looked for through the full-text index, on
    the name's words — all of them, then each left out in turn, so one misspelt word still finds it — each
    query reading at most NAME_CANDIDATES rows."""
    tables = {row[0] for row in catalogue.execute("select name from sqlite_master where type = 'table'")}
    found: dict[str, Duplicate] = {}
    if {"links", "communities"} <= tables:
        for id_, found_name, url in catalogue.execute(
                "select c.id, c.name, c.url from links l join communities c on c.id = l.community_id"
                " where l.url = ? limit ?", (canonical_url, DUPLICATES_SHOWN)):
            found[id_] = Duplicate(id_, found_name or id_, url or "", "listed at the same address")
    if "communities_fts" not in tables:
        return list(found.values())
    scored: dict[str, tuple[float, Duplicate]] = {}
    for query in _name_queries(name):
        for id_, found_name, url in catalogue.execute(
                "select id, name, url from communities where rowid in"
                " (select rowid from communities_fts where communities_fts match ? limit ?)",
                (query, NAME_CANDIDATES)):
            score = fuzz.token_sort_ratio(name, found_name or "", processor=default_process)
            if score >= DUPLICATE_NAME_SCORE and id_ not in found:
                scored[id_] = (score, Duplicate(id_, found_name, url or "", f"a similar name ({score:.0f}% alike)"))
    ranked = [duplicate for _, duplicate in sorted(scored.values(), key=lambda item: -item[0])]
    return (list(found.values()) + ranked)[:DUPLICATES_SHOWN]


def _name_queries(name: str) -> list[str]:
    """FTS5 queries over the name column: every word quoted (no user text is query syntax)."""
    words = list(dict.fromkeys(word.lower() for word in _WORD.findall(name)))[:NAME_WORDS]
    quoted = ['"' + word + '"' for word in words]  # _WORD holds no quote
    if not quoted:
        return []
    sets = [quoted] + ([quoted[:i] + quoted[i + 1:] for i in range(len(quoted))] if len(quoted) > 1 else [])
    return [f"name : ({' '.join(words)})" for words in sets]
