"""A small load client for the site-search subject (aiohttp): latency one request at a time, throughput N at once.

Every answer is kept with what a reader would notice: a non-200 status, Datasette's "SQL Interrupted"
page (the main query hit sql_time_limit_ms) or the search page's "took too long" is an error; facets that
timed out and a count that was given up on are noted, not errors — the page still answers.
"""

from __future__ import annotations

import asyncio
import json
import math
import time
from dataclasses import dataclass

import aiohttp

TIME_LIMIT_MARKERS = (b"SQL Interrupted", b"SQL query took too long")
FACETS_TIMED_OUT_HTML = b'class="facets-timed-out"'
# The site's own search page (catalogue/templates/search.html, /search.json).
SEARCH_TIMED_OUT_HTML = b'id="search-timed-out"'
SEARCH_RESULTS_HTML, SEARCH_FACETS_HTML = b'id="search-results"', b'id="search-facets"'


@dataclass(frozen=True)
class Answer:
    path: str
    seconds: float
    status: int
    time_limit: bool            # Datasette's "SQL Interrupted": the search itself ran out of time
    facets_timed_out: bool      # HTML says so; JSON has fewer facets than the metadata asks for
    count_missing: bool | None  # JSON only: filtered_table_rows_count was null (the count timed out)

    @property
    def error(self) -> bool:
        return self.status != 200 or self.time_limit


async def fetch(session: aiohttp.ClientSession, base: str, path: str, facets: int) -> Answer:
    """One GET; `facets`: how many facets the table's metadata asks for (JSON leaves out the ones that timed out)."""
    started = time.perf_counter()
    try:
        async with session.get(base + path) as response:
            body = await response.read()
            status = response.status
    except (aiohttp.ClientError, asyncio.TimeoutError):
        return Answer(path, time.perf_counter() - started, 0, False, False, None)
    seconds = time.perf_counter() - started
    if path.startswith("/search"):
        return _search_page_answer(path, seconds, status, body)
    time_limit = any(marker in body for marker in TIME_LIMIT_MARKERS)
    if ".json" in path.split("?")[0] and status == 200:
        try:
            data = json.loads(body)
        except ValueError:
            return Answer(path, seconds, status, time_limit, False, None)
        wanted = 0 if "_nofacet=1" in path else facets
        return Answer(path, seconds, status, time_limit, len(data.get("facet_results") or {}) < wanted,
                      data.get("filtered_table_rows_count") is None)
    return Answer(path, seconds, status, time_limit, FACETS_TIMED_OUT_HTML in body, None)


def _search_page_answer(path: str, seconds: float, status: int, body: bytes) -> Answer:
    """An answer of the site's search page: facets missing while there are results means they timed out."""
    if path.startswith("/search.json"):
        try:
            data = json.loads(body)
        except ValueError:
            return Answer(path, seconds, status, False, False, None)
        return Answer(path, seconds, status, data.get("timed_out") is True,
                      bool(data.get("results")) and not data.get("facets"), data.get("total") is None)
    return Answer(path, seconds, status, SEARCH_TIMED_OUT_HTML in body,
                  SEARCH_RESULTS_HTML in body and SEARCH_FACETS_HTML not in body, None)


def _session(concurrency: int, timeout_s: float) -> aiohttp.ClientSession:
    return aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=concurrency),
                                 timeout=aiohttp.ClientTimeout(total=timeout_s))


async def _one_at_a_time(base: str, paths: list[str], facets: int, timeout_s: float) -> list[Answer]:
    async with _session(1, timeout_s) as session:
        return [await fetch(session, base, path, facets) for path in paths]


async def _many_at_once(base: str, paths: list[str], facets: int, concurrency: int, duration_s: float,
                        timeout_s: float) -> tuple[list[Answer], float]:
    answers: list[Answer] = []
    started = time.perf_counter()

    async def worker(session: aiohttp.ClientSession, first: int) -> None:
        turn = first
        while time.perf_counter() - started < duration_s:
            answers.append(await fetch(session, base, paths[turn % len(paths)], facets))
            turn += concurrency

    async with _session(concurrency, timeout_s) as session:
        await asyncio.gather(*(worker(session, first) for first in range(concurrency)))
        return answers, time.perf_counter() - started


def one_at_a_time(base: str, paths: list[str], facets: int, timeout_s: float = 30.0) -> list[Answer]:
    return asyncio.run(_one_at_a_time(base, paths, facets, timeout_s))


def many_at_once(base: str, paths: list[str], facets: int, concurrency: int, duration_s: float,
                 timeout_s: float = 30.0) -> tuple[list[Answer], float]:
    """`concurrency` clients cycling through `paths` for `duration_s`: (answers, wall seconds)."""
    return asyncio.run(_many_at_once(base, paths, facets, concurrency, duration_s, timeout_s))


def percentile(values: list[float], share: float) -> float:
    """Nearest-rank percentile: the value at least `share` of them are at or below."""
    ordered = sorted(values)
    return ordered[max(1, math.ceil(share * len(ordered))) - 1]


def summary(answers: list[Answer]) -> dict:
    if not answers:
        return {"requests": 0}
    milliseconds = [answer.seconds * 1000 for answer in answers]
    counted = [answer.count_missing for answer in answers if answer.count_missing is not None]
    return {"requests": len(answers), "p50_ms": round(percentile(milliseconds, 0.5), 1),
            "p95_ms": round(percentile(milliseconds, 0.95), 1), "max_ms": round(max(milliseconds), 1),
            "errors": sum(answer.error for answer in answers),
            "time_limit_errors": sum(answer.time_limit for answer in answers),
            "facets_timed_out": sum(answer.facets_timed_out for answer in answers),
            "counts_missing": sum(counted) if counted else None}
