"""What the site-search subject searches for, and the SQL under a search page timed straight on SQLite.

Terms are picked by their count in the catalogue's FTS index, so each class means the same at any size:
rare (≤ 0.1 % of rows: the tail of the place names), middling (0.5–5 %: topics, big cities) and common
(≥ 80 %: "community", in nearly every description).
"""

from __future__ import annotations

import asyncio
import re
import sqlite3
import time
import unicodedata
from types import SimpleNamespace

from bench.fixture.communities import PLACES, TOPICS
from bench.subjects.search_client import percentile

TERMS_PER_CLASS = 5
SHARES = {"rare": (0.0, 0.001), "mid": (0.005, 0.05), "common": (0.8, 1.0)}   # of all rows, per class


def candidate_terms() -> list[str]:
    words = set()
    for phrase in TOPICS + PLACES:
        ascii_phrase = unicodedata.normalize("NFKD", phrase).encode("ascii", "ignore").decode().lower()
        words.update(word for word in re.findall(r"[a-z]+", ascii_phrase) if len(word) >= 4)
    return sorted(words | {"community"})


def pick_terms(connection: sqlite3.Connection) -> tuple[dict[str, dict[str, int]], int]:
    """Terms per class with their number of matching rows, spread over each class's range."""
    total = connection.execute("select count(*) from communities").fetchone()[0]
    counts = {term: connection.execute("select count(*) from communities_fts where communities_fts match ?",
                                       [f'"{term}"']).fetchone()[0] for term in candidate_terms()}
    chosen = {}
    for name, (low, high) in SHARES.items():
        fitting = sorted((count, term) for term, count in counts.items()
                         if count and low * total <= count <= high * total)
        step = max(1, len(fitting) // TERMS_PER_CLASS)
        chosen[name] = {term: count for count, term in fitting[::step][:TERMS_PER_CLASS]}
    return chosen, total


def rarest_platform(connection: sqlite3.Connection) -> str | None:
    """The platform with the fewest communities: as a filter on a common term, the most a page looks through."""
    found = connection.execute("select platform from communities where platform is not null"
                               " group by platform order by count(*), platform limit 1").fetchone()
    return found[0] if found else None


# The table view's SQL (Datasette's shape: rowid in (FTS match), the metadata's sort), and two cheaper shapes
# for the same answers; "site_search" is the search page's own SQL (catalogue/search.py), all of it.
RAW_SQL = {
    "search": "select * from communities where {match} order by activity_rank limit 51",
    "search_in_rowid_order": "select * from communities where {match} order by rowid limit 51",
    "count": "select count(*) from communities where {match}",
    "count_in_fts_alone": "select count(*) from communities_fts where communities_fts match ?",
}


def raw_fts(connection: sqlite3.Connection, terms: list[str], repeats: int) -> dict:
    """The page's search and count SQL straight on SQLite, and cheaper shapes: what the site adds is the rest."""
    from catalogue.search import Search, run_search

    match = "rowid in (select rowid from communities_fts where communities_fts match ?)"
    timings: dict[str, list[float]] = {name: [] for name in (*RAW_SQL, "site_search")}
    direct, loop = _Direct(connection), asyncio.new_event_loop()
    for _ in range(repeats):
        for term in terms:
            for name, sql in RAW_SQL.items():
                started = time.perf_counter()
                connection.execute(sql.format(match=match), [f'"{term}"']).fetchall()
                timings[name].append((time.perf_counter() - started) * 1000)
            started = time.perf_counter()
            loop.run_until_complete(run_search(direct, Search.from_args({"q": term}), 60_000))
            timings["site_search"].append((time.perf_counter() - started) * 1000)
    loop.close()
    return {f"{name}_ms": {"p50": round(percentile(values, 0.5), 1), "p95": round(percentile(values, 0.95), 1)}
            for name, values in timings.items() if values}


class _Direct:
    """Datasette's Database.execute, as catalogue.search uses it, straight on one connection (no threads, no limit)."""

    def __init__(self, connection: sqlite3.Connection):
        self.connection = connection

    async def execute(self, sql: str, params: dict | None = None, custom_time_limit: int | None = None):
        cursor = self.connection.cursor()
        cursor.row_factory = sqlite3.Row
        return SimpleNamespace(rows=cursor.execute(sql, params or {}).fetchall())
