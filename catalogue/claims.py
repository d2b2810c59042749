"""Ownership claims (issue 7): an owner proves a listing is theirs, then asks for hiatus, moved-to or closed.

A claim lives in the private store (catalogue/submissions.py), next to the submissions: the community, its
URL, a contact, the token the owner places on their site, and a hash of the owner's private key — the key
itself is shown once and never kept, so a leaked store cannot act for an owner. Verification (crawler/
claim_check.py, through the guarded network layer: a meta tag, a well-known file or the platform's public
description) and applying requests to the working database (`copdir claims verify|apply`) happen offline.
"""
from __future__ import annotations

import hashlib
import secrets
import sqlite3
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from pathlib import Path
from urllib.parse import urlsplit

from catalogue import submissions, validation
from catalogue.store_writes import stamp, write_transaction
from catalogue.submissions import RateLimit
from crawler.models import OverrideKind

# What the owner is told to publish; crawler/claim_check.py looks for the same (tests/test_claims.py checks).
WELL_KNOWN_PATH = "/.well-known/copdir-verification.txt"
META_NAME = "copdir-verification"
CLAIM_RATE_LIMITS = (RateLimit(5, timedelta(hours=1), "an hour"), RateLimit(20, timedelta(days=1), "a day"))
MAX_HIATUS_DAYS = 366  # a pause longer than a year is not a hiatus

_SCHEMA = """
create table if not exists claims (
  id integer primary key, community_id text not null, url text not null, contact text not null,
  token text not null, key_hash text not null, client_key text not null, created_at text not null,
  verified_at text, status text not null default 'unverified', detail text not null default ''
);
create index if not exists claims_by_client on claims (client_key, created_at);
create table if not exists owner_requests (
  id integer primary key, claim_id integer not null references claims (id), community_id text not null,
  kind text not null, until text, url text not null default '', requested_at text not null, applied_at text
);
"""


@dataclass(frozen=True)
class Claim:
    id: int
    community_id: str
    url: str
    contact: str
    token: str
    created_at: str
    verified_at: str | None
    status: str  # "unverified" or "verified"
    detail: str  # what the last verification found

    @property
    def verified(self) -> bool:
        return self.status == "verified"


@dataclass(frozen=True)
class NewClaim:
    claim: Claim
    key: str  # the owner's private key: shown once, only its hash is stored


@dataclass(frozen=True)
class OwnerRequest:
    id: int
    claim_id: int
    community_id: str
    kind: str  # an OverrideKind value, or "clear"
    until: str | None
    url: str
    requested_at: str
    verified_at: str


def open_store(path: Path) -> sqlite3.Connection:
    conn = submissions.open_store(path)
    conn.executescript(_SCHEMA)
    return conn


def _hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


_CLAIM_COLUMNS = "id, community_id, url, contact, token, created_at, verified_at, status, detail"


def create(conn: sqlite3.Connection, community_id: str, url: str, contact: str, client: str,
           now: datetime) -> NewClaim | RateLimit:
    """Store a new claim with a fresh token and key; or the rate limit it would pass, storing nothing."""
    token, key = "copdir-" + secrets.token_urlsafe(18), secrets.token_urlsafe(24)
    with write_transaction(conn):
        for limit in CLAIM_RATE_LIMITS:
            made = conn.execute("select count(*) from claims where client_key = ? and created_at > ?",
                                (client, stamp(now - limit.window))).fetchone()[0]
            if made >= limit.count:
                return RateLimit(limit.count, limit.window, limit.wait)
        cursor = conn.execute(
            "insert into claims (community_id, url, contact, token, key_hash, client_key, created_at)"
            " values (?, ?, ?, ?, ?, ?, ?)", (community_id, url, contact, token, _hash(key), client, stamp(now)))
    return NewClaim(find(conn, cursor.lastrowid), key)


def claim_limit_message(limit: RateLimit) -> str:
    return (f"This address has already made {limit.count} ownership claims in {limit.wait}, the most copdir "
            f"takes. Please try again later.")


def find(conn: sqlite3.Connection, claim_id: int) -> Claim | None:
    row = conn.execute(f"select {_CLAIM_COLUMNS} from claims where id = ?", (claim_id,)).fetchone()
    return Claim(*row) if row else None


def with_key(conn: sqlite3.Connection, claim_id: str, key: str) -> Claim | None:
    """The claim when `key` is its owner's, else None (a wrong key and a missing claim look alike)."""
    if not claim_id.isdigit():
        return None
    row = conn.execute("select key_hash from claims where id = ?", (int(claim_id),)).fetchone()
    if row is None or not secrets.compare_digest(row[0], _hash(key)):
        return None
    return find(conn, int(claim_id))


def unverified(conn: sqlite3.Connection) -> list[Claim]:
    return [Claim(*row) for row in conn.execute(
        f"select {_CLAIM_COLUMNS} from claims where status = 'unverified' order by id")]


def community_platforms(conn: sqlite3.Connection, catalogue: Path) -> dict[str, str]:
    """Each unverified claim's community → its platform in the published catalogue ({} without one)."""
    ids = [claim.community_id for claim in unverified(conn)]
    if not ids or not Path(catalogue).exists():
        return {}
    published = sqlite3.connect(f"{Path(catalogue).resolve().as_uri()}?mode=ro", uri=True)
    try:
        return dict(published.execute(f"select id, platform from communities where id in ({','.join('?' * len(ids))})",
                                      ids).fetchall())
    finally:
        published.close()


def record_check(conn: sqlite3.Connection, claim_id: int, verified: bool, detail: str, now: datetime) -> None:
    if verified:
        conn.execute("update claims set status = 'verified', verified_at = ?, detail = ? where id = ?",
                     (stamp(now), detail, claim_id))
    else:
        conn.execute("update claims set detail = ? where id = ?", (detail, claim_id))


# --- what a verified owner asks for ------------------------------------------------------------------------


def parse_request(form: dict[str, str], today: date) -> tuple[tuple[str, str | None, str] | None, str]:
    """(kind, until, url) from the owner's form, or None and a message that says what to do."""
    action = form.get("action", "")
    if action == "clear" or action == OverrideKind.CLOSED.value:
        return (action, None, ""), ""
    if action == OverrideKind.HIATUS.value:
        try:
            until = date.fromisoformat(form.get("until", "").strip())
        except ValueError:
            return None, "Enter the date the hiatus ends, like 2027-03-01."
        if not today < until <= today + timedelta(days=MAX_HIATUS_DAYS):
            return None, f"Choose an end date after today and within {MAX_HIATUS_DAYS} days."
        return (action, datetime.combine(until, time(), timezone.utc).isoformat(), ""), ""
    if action == OverrideKind.MOVED.value:
        url = form.get("moved_url", "").strip()
        try:
            parts = urlsplit(url)
            host = parts.hostname or ""
        except ValueError:
            parts, host = None, ""
        if (parts is None or parts.scheme not in ("http", "https") or not host or len(url) > validation.MAX_URL
                or any(ch.isspace() for ch in url) or not validation.is_public_host(host)):
            return None, "Enter the community's new public address, starting with https://."
        return (action, None, url), ""
    return None, "Choose what to tell copdir: a hiatus, a move, a closure, or clear."


def add_request(conn: sqlite3.Connection, claim: Claim, kind: str, until: str | None, url: str,
                now: datetime) -> int:
    cursor = conn.execute(
        "insert into owner_requests (claim_id, community_id, kind, until, url, requested_at) values (?, ?, ?, ?, ?, ?)",
        (claim.id, claim.community_id, kind, until, url, stamp(now)))
    return cursor.lastrowid


def unapplied_requests(conn: sqlite3.Connection) -> list[OwnerRequest]:
    """Requests of verified claims not yet written to the working database, oldest first."""
    return [OwnerRequest(*row) for row in conn.execute(
        "select r.id, r.claim_id, r.community_id, r.kind, r.until, r.url, r.requested_at, c.verified_at"
        " from owner_requests r join claims c on c.id = r.claim_id"
        " where r.applied_at is null and c.status = 'verified' order by r.id")]


def mark_applied(conn: sqlite3.Connection, request_id: int, now: datetime) -> None:
    conn.execute("update owner_requests set applied_at = ? where id = ?", (stamp(now), request_id))
