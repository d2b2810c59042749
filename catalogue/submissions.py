"""Submissions from the public form (issue 7): what a valid one is, the private store, possible duplicates.

`validate(form)` is pure: the posted fields become a `Submission`, or one message per field that says what
to do. Only address *literals* can be refused here (http://127.0.0.1/); host names are resolved and checked
when a submission is processed, through the guarded network layer (crawler/net.py).

The store, `data/submissions.db` (or $COPDIR_SUBMISSIONS_DB), is private: Datasette never serves it; the
form's handler (catalogue/submit_page.py) opens it itself. It keeps the contact address, never the sender's
network address: a keyed hash of it (of its /64 for IPv6, what one household gets) is enough to count
submissions per sender, and the key is made on first use and kept in the store.
"""
from __future__ import annotations

import hashlib
import hmac
import ipaddress
import json
import os
import re
import socket
import sqlite3
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

from rapidfuzz import fuzz
from rapidfuzz.utils import default_process

from crawler.urls import canonicalize

STORE_ENV = "COPDIR_SUBMISSIONS_DB"
DEFAULT_STORE = Path("data") / "submissions.db"

MAX_URL = 2_000
MAX_NAME = 200
MAX_DESCRIPTION = 5_000
MAX_TOPICS = 20
MAX_TOPIC = 50
MAX_CONTACT = 254  # the longest address SMTP carries
# Every field at its longest, in 4-byte characters percent-encoded, comes to ~85 KB: a larger request is
# not an honest submission, and is refused before it is read further.
MAX_BODY_BYTES = 128 * 1024

DUPLICATE_NAME_SCORE = 90  # rapidfuzz token_sort_ratio, 0–100
DUPLICATES_SHOWN = 10
NAME_CANDIDATES = 50  # rows read per full-text query for a name; a query never scans the catalogue
NAME_WORDS = 8

# Where a community meets, as the form offers it; the values are the catalogue's platform names.
PLATFORMS: dict[str, str] = {
    "website": "Its own website", "forum": "A web forum", "discourse": "A Discourse forum",
    "discord": "A Discord server", "slack": "A Slack workspace", "reddit": "A subreddit",
    "lemmy": "A Lemmy community", "mastodon": "Mastodon or another fediverse server", "matrix": "A Matrix room",
    "telegram": "A Telegram group or channel", "meetup": "A Meetup group", "mailing_list": "A mailing list",
    "other": "Somewhere else",
}
# Common ISO 639-1 codes, English first, then by name; "other" for the rest.
LANGUAGES: dict[str, str] = {
    "en": "English", "ar": "Arabic", "bn": "Bengali", "ca": "Catalan", "zh": "Chinese", "cs": "Czech",
    "da": "Danish", "nl": "Dutch", "fi": "Finnish", "fr": "French", "de": "German", "el": "Greek",
    "he": "Hebrew", "hi": "Hindi", "hu": "Hungarian", "id": "Indonesian", "it": "Italian", "ja": "Japanese",
    "ko": "Korean", "ms": "Malay", "no": "Norwegian", "fa": "Persian", "pl": "Polish", "pt": "Portuguese",
    "ro": "Romanian", "ru": "Russian", "es": "Spanish", "sw": "Swahili", "sv": "Swedish", "tl": "Tagalog",
    "ta": "Tamil", "th": "Thai", "tr": "Turkish", "uk": "Ukrainian", "ur": "Urdu", "vi": "Vietnamese",
    "other": "Another language",
}

ENTER_URL = "Enter the community's address, starting with https:// — for example https://discord.gg/python."
# Query parameters that carry a secret, not a community's public address.
SECRET_PARAMS = frozenset({"password", "passwd", "pwd", "secret", "client_secret", "api_key", "apikey",
                           "access_token", "auth_token"})

# C0 and C1 controls, and the bidirectional overrides that make text read differently from what it is.
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")
_LINE_CONTROL = re.compile("[\t\n\r]")
_EMAIL = re.compile(r"^[^\s@<>()\[\],;:\"\\]+@[^\s@<>()\[\],;:\"\\/]+\.[^\s@<>()\[\],;:\"\\/.]{2,}$")
_NUMERIC_HOST = re.compile(r"^(0x[0-9a-f]*|\d+)(\.(0x[0-9a-f]*|\d+)){0,3}$", re.IGNORECASE)
_WORD = re.compile(r"[^\W_]+")


@dataclass(frozen=True)
class Submission:
    url: str
    canonical_url: str
    name: str
    description: str
    topics: tuple[str, ...]
    platform: str
    language: str
    contact: str


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


# --- validation ---------------------------------------------------------------------------------------------


def form_fields(body: bytes) -> dict[str, str]:
    """The posted fields of an url-encoded form, the first value of each; raises ValueError past 50 fields."""
    fields: dict[str, str] = {}
    for name, value in parse_qsl(body.decode("utf-8", errors="replace"), keep_blank_values=True,
                                 max_num_fields=50):
        fields.setdefault(name, value)
    return fields


def validate(form: Mapping[str, str]) -> tuple[Submission | None, dict[str, str]]:
    """A submission from the posted fields, or None and a message per field that is wrong."""
    def text(field: str) -> str:
        return str(form.get(field) or "").strip()

    errors: dict[str, str] = {}
    url, name, description, contact = text("url"), text("name"), text("description"), text("contact")
    canonical, errors["url"] = _check_url(url)
    errors["name"] = (_check_text(name, "name", MAX_NAME) or _one_line(name, "name")
                      or ("" if name else "Enter the community's name, as its members know it."))
    errors["description"] = _check_text(description, "description", MAX_DESCRIPTION)
    topics, errors["topics"] = _check_topics(text("topics"))
    platform, language = text("platform"), text("language")
    if platform not in PLATFORMS:
        errors["platform"] = "Choose where the community meets from the list (or “Somewhere else”)."
    if language not in LANGUAGES:
        errors["language"] = "Choose the community's main language from the list (or “Another language”)."
    errors["contact"] = _check_contact(contact)
    errors = {field: message for field, message in errors.items() if message}
    if errors:
        return None, errors
    return Submission(url, canonical, name, description, topics, platform, language, contact), {}


def _check_text(value: str, label: str, limit: int) -> str:
    if len(value) > limit:
        return f"Shorten the {label} to {limit:,} characters or fewer (it has {len(value):,})."
    if _CONTROL.search(value):
        return f"Remove the control characters (invisible formatting) from the {label}."
    return ""


def _one_line(value: str, label: str) -> str:
    return f"Put the {label} on one line." if _LINE_CONTROL.search(value) else ""


def _check_url(url: str) -> tuple[str, str]:
    """The canonical URL, and a message when the address cannot be taken."""
    if not url:
        return "", ENTER_URL
    if len(url) > MAX_URL:
        return "", f"Shorten the address to {MAX_URL:,} characters or fewer."
    if _CONTROL.search(url) or re.search(r"\s", url):
        return "", "Remove the spaces and invisible characters from the address."
    try:
        parts = urlsplit(url)
        host = (parts.hostname or "").rstrip(".")
        has_userinfo = parts.username is not None or parts.password is not None
    except ValueError:
        return "", ENTER_URL
    if parts.scheme.lower() not in ("http", "https") or not host:
        return "", ENTER_URL
    if has_userinfo:
        return "", ("Leave out the user name and password (the part before “@”): "
                    "enter the address a visitor would use.")
    secret = next((name for name, _ in parse_qsl(parts.query) if name.lower() in SECRET_PARAMS), None)
    if secret:
        return "", f"Leave out the “{secret}=” part: enter the public address a visitor would use, with no key."
    if not is_public_host(host):
        return "", (f"That address ({host}) is on a private or local network, which copdir cannot list. "
                    "Enter the community's public address.")
    try:
        return canonicalize(url), ""
    except ValueError:
        return "", ENTER_URL


def is_public_host(host: str) -> bool:
    """False for `localhost` and address literals that are not public, in any spelling a resolver accepts
    (127.0.0.1, [::1], 2130706433, 0x7f.1, ::ffff:10.0.0.1); True for every other name."""
    host = host.lower()
    if host == "localhost" or host.endswith(".localhost"):
        return False
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        if not _NUMERIC_HOST.match(host):
            return True
        try:
            address = ipaddress.IPv4Address(socket.inet_aton(host))
        except OSError:
            return True  # not an address at all; resolving it is processing's job
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        address = address.ipv4_mapped
    return address.is_global and not address.is_multicast


def _check_topics(text: str) -> tuple[tuple[str, ...], str]:
    topics: dict[str, str] = {}
    for topic in text.split(","):
        topic = " ".join(topic.split())
        if topic:
            topics.setdefault(topic.casefold(), topic)
    if _CONTROL.search(text):
        return (), "Remove the control characters (invisible formatting) from the topics."
    if len(topics) > MAX_TOPICS:
        return (), f"Enter at most {MAX_TOPICS} topics, separated by commas (there are {len(topics)})."
    if any(len(topic) > MAX_TOPIC for topic in topics.values()):
        return (), f"Shorten each topic to {MAX_TOPIC} characters or fewer; separate topics with commas."
    return tuple(topics.values()), ""


def _check_contact(contact: str) -> str:
    if len(contact) > MAX_CONTACT or not _EMAIL.match(contact) or _CONTROL.search(contact):
        return ("Enter an e-mail address where a maintainer can reach you, like name@example.org. "
                "It is never published.")
    return ""


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


def _stamp(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).isoformat(timespec="seconds")


def limit_reached(conn: sqlite3.Connection, key: str, now: datetime) -> RateLimit | None:
    """The first rate limit this sender has used up, counting what the store holds from them."""
    for limit in RATE_LIMITS:
        sent = conn.execute("select count(*) from submissions where client_key = ? and submitted_at > ?",
                            (key, _stamp(now - limit.window))).fetchone()[0]
        if sent >= limit.count:
            return limit
    return None


def store(conn: sqlite3.Connection, submission: Submission, key: str, now: datetime) -> int | RateLimit:
    """Store a submission as pending and return its reference; or the limit it would pass, storing nothing.

    The count and the insert are one transaction, so senders racing each other cannot pass the limit."""
    conn.execute("begin immediate")
    try:
        if limit := limit_reached(conn, key, now):
            conn.execute("rollback")
            return limit
        cursor = conn.execute(
            "insert into submissions (url, canonical_url, name, description, topics, platform, language, contact,"
            " status, submitted_at, client_key) values (?, ?, ?, ?, ?, ?, ?, ?, 'pending', ?, ?)",
            (submission.url, submission.canonical_url, submission.name, submission.description,
             json.dumps(list(submission.topics), ensure_ascii=False), submission.platform, submission.language,
             submission.contact, _stamp(now), key))
        conn.execute("commit")
    except BaseException:
        conn.execute("rollback")
        raise
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
