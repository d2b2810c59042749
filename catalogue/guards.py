"""Guards a staged catalogue must pass before it replaces the published one.

Each guard reads the staged file (and the published one) read-only and raises BuildRefused with what failed
and what to do. They run after the staged file is fully written and closed, before the one os.replace that
publishes it, so a refused build leaves the published catalogue untouched.
"""
from __future__ import annotations

import asyncio
import html
import logging
import re
import sqlite3
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import closing, contextmanager
from pathlib import Path

import yaml
from markupsafe import escape

from crawler.urls import canonicalize

log = logging.getLogger(__name__)

CATALOGUE_DB = "catalogue"  # the database name the metadata, the canned queries and the plugin use
SEARCH_TERM = "python"  # a search the site must answer; the catalogue's own FTS says what it must find
ERRORS_SHOWN = 5


class BuildRefused(Exception):
    """A guard refused the new catalogue; the published one is untouched."""


class CanaryConfigError(ValueError):
    """data/canaries.yml is missing or not a list of URLs."""


@contextmanager
def _read_only(path: Path) -> Iterator[sqlite3.Connection]:
    # mode=ro: a guard can never write, create a journal in, or create the file it inspects.
    with closing(sqlite3.connect(path.resolve().as_uri() + "?mode=ro", uri=True)) as conn:
        yield conn


def remove_staging(staging: Path) -> None:
    """Delete a staged catalogue and its journal files: what a build killed midway leaves behind."""
    for suffix in ("", "-journal", "-wal", "-shm"):
        staging.with_name(staging.name + suffix).unlink(missing_ok=True)


# --- integrity --------------------------------------------------------------------------------------------

def integrity(new: Path) -> None:
    """SQLite's own check of the file, and no row pointing at a community that is not there."""
    structure(new)
    references(new)


def structure(new: Path) -> None:
    """Every page, record and index entry readable and well formed (quick_check: it leaves out only the
    cross-check of each index against its table, about 9× the time at 1M rows, which a file SQLite wrote in one
    transaction does not need)."""
    try:
        with _read_only(new) as conn:
            problems = [row[0] for row in conn.execute("pragma quick_check")]
    except sqlite3.DatabaseError as exc:  # too damaged to check at all
        problems = [str(exc)]
    if problems != ["ok"]:
        raise BuildRefused(f"integrity check failed on the new catalogue ({'; '.join(problems[:ERRORS_SHOWN])}); "
                           "the disk may be full or failing — free space and build again")


def references(new: Path) -> None:
    """No row of the new catalogue points at a community that is not in it."""
    try:
        with _read_only(new) as conn:
            orphans = conn.execute("pragma foreign_key_check").fetchall()
    except sqlite3.DatabaseError:
        return  # structure() says what is wrong with such a file
    if orphans:
        tables = sorted({f"{table} → {parent}" for table, _, parent, _ in orphans})
        raise BuildRefused(f"{len(orphans)} rows of the new catalogue point at rows that are not there "
                           f"({', '.join(tables[:ERRORS_SHOWN])}); this is a bug in the build — report it")


# --- counts -----------------------------------------------------------------------------------------------

_LIVE_SQL = "select count(*) from communities where reachability = 'live'"


def live_count(path: Path) -> int:
    with _read_only(path) as conn:
        return conn.execute(_LIVE_SQL).fetchone()[0]


def live_drop(new: Path, published: Path, max_drop: float) -> int:
    """Refuse when live listings fall by more than max_drop (a share) since the published catalogue.

    Returns the new catalogue's live count. A published file that cannot be read is nothing to protect:
    the new catalogue may replace it (with a warning).
    """
    live = live_count(new)
    if not published.exists():
        return live
    try:
        before = live_count(published)
    except sqlite3.DatabaseError as exc:
        log.warning("the published catalogue %s cannot be read (%s); not comparing counts", published, exc)
        return live
    if before and live < before * (1 - max_drop):
        raise BuildRefused(f"live listings would drop from {before} to {live} (more than {max_drop:.0%}); "
                           "check the last run's failures, or pass --max-drop to accept")
    return live


# --- canaries ---------------------------------------------------------------------------------------------

def load_canaries(path: Path) -> list[str]:
    """The canonical URLs of data/canaries.yml (see its header)."""
    try:
        loaded = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise CanaryConfigError(f"cannot read canary listings from {path}: {exc}") from exc
    urls = loaded.get("canaries") if isinstance(loaded, dict) else None
    if not isinstance(urls, list) or not all(isinstance(url, str) for url in urls):
        raise CanaryConfigError(f"{path} must hold `canaries:`, a list of URLs")
    try:
        return [canonicalize(url) for url in urls]
    except ValueError as exc:
        raise CanaryConfigError(f"{path}: {exc}") from exc


def _tables(conn: sqlite3.Connection) -> set[str]:
    return {row[0] for row in conn.execute("select name from sqlite_master where type in ('table', 'view')")}


def canaries_present(new: Path, canary_urls: Iterable[str]) -> None:
    """Refuse when a canary listing (a long-lived community every catalogue lists) is missing."""
    wanted = list(dict.fromkeys(canonicalize(url) for url in canary_urls))
    if not wanted:
        return
    with _read_only(new) as conn:
        # A community's address is its oldest link's; its other links (a merged subreddit) are in links.
        sources = [table for table in ("communities", "links") if table in _tables(conn)]
        found = {row[0] for table in sources for row in conn.execute(
            f"select url from {table} where url in ({','.join('?' * len(wanted))})", wanted)}
    missing = [url for url in wanted if url not in found]
    if missing:
        raise BuildRefused(f"canary listings missing from the new catalogue: {', '.join(missing)}; a directory "
                           "list probably failed to download or parse — check the last discover run "
                           "(edit data/canaries.yml only if a canary really left every list)")


# --- the site ---------------------------------------------------------------------------------------------

class _Site:
    """The staged catalogue served by Datasette in-process, with the published settings, metadata and plugin."""

    def __init__(self, staged: Path, metadata: Path):
        from datasette.app import Datasette
        from datasette.database import Database

        from catalogue.publish import SETTINGS, TEMPLATES

        self.metadata = yaml.safe_load(metadata.read_text(encoding="utf-8"))
        self.catalogue = self.metadata.get("databases", {}).get(CATALOGUE_DB, {})  # its tables and canned queries
        self.ds = Datasette(metadata=self.metadata, settings=SETTINGS, template_dir=str(TEMPLATES))
        self.ds.add_database(Database(self.ds, path=str(staged), is_mutable=True), name=CATALOGUE_DB)

    def close(self) -> None:
        for database in self.ds.databases.values():
            database.close()
        self.ds.executor.shutdown(wait=True)

    async def _answer(self, path: str):
        response = await self.ds.client.get(path)
        if response.status_code != 200:
            raise BuildRefused(f"the new catalogue's site answers GET {path} with {response.status_code}"
                               f"{_error_of(response.text)}; fix the build or datasette_metadata.yml and build again")
        return response

    async def get(self, path: str, expect: Iterable[str | None] = ()) -> None:
        text = (await self._answer(path)).text
        for wanted in filter(None, expect):
            if str(escape(wanted)) not in text:
                raise BuildRefused(f"the new catalogue's site answers GET {path} without {wanted!r}; "
                                   "fix the build or datasette_metadata.yml and build again")

    async def get_json(self, path: str) -> dict:
        return (await self._answer(path)).json()


# Where Datasette puts the error: a JSON answer, a query page's message, an error page's box.
_ERROR_PATTERNS = (re.compile(r'"error":\s*"([^"]*)"'), re.compile(r'class="message-error">(.*?)<', re.S),
                   re.compile(r'border: 3px solid red;">(.*?)<', re.S))


def _error_of(body: str) -> str:
    """Datasette's error message from an error page or JSON answer, when there is one."""
    found = next((match for pattern in _ERROR_PATTERNS if (match := pattern.search(body))), None)
    return f" ({html.unescape(found.group(1)).strip()[:200]})" if found else ""


def _expected(staged: Path) -> tuple[int, int, str]:
    """(communities, FTS matches for SEARCH_TERM, the build's day) read from the file itself."""
    with _read_only(staged) as conn:
        tables = _tables(conn)
        if "communities_fts" not in tables:
            raise BuildRefused("the new catalogue has no full-text index on communities; the build must enable it")
        total = conn.execute("select count(*) from communities").fetchone()[0]
        matches = conn.execute("select count(*) from communities_fts where communities_fts match ?",
                               [SEARCH_TERM]).fetchone()[0]
        built = conn.execute("select max(built_at) from build").fetchone()[0] if "build" in tables else None
    return total, matches, (built or "2000-01-01")[:10]


async def check_site(staged: Path, metadata: Path) -> None:
    """Serve the staged file and require its key pages to answer with what the file holds."""
    from datasette.utils import tilde_encode  # Datasette loads only when a build gets this far

    total, matches, built_day = _expected(staged)
    if total == 0:
        raise BuildRefused("the new catalogue has no communities; check the last discover run")
    site = _Site(staged, metadata)
    try:
        await site.ds.invoke_startup()
        await site.get("/", expect=[site.metadata.get("title")])
        await site.get(f"/{CATALOGUE_DB}", expect=["communities"])
        page = await site.get_json(f"/{CATALOGUE_DB}/communities.json?_shape=objects")
        if not page["rows"]:
            raise BuildRefused(f"the new catalogue's site lists no communities of {total}; fix the build")
        facets = site.catalogue.get("tables", {}).get("communities", {}).get("facets", [])
        dropped = [facet for facet in facets if isinstance(facet, str) and facet not in page.get("facet_results", {})]
        if dropped:  # slow, not broken: a facet past facet_time_limit_ms is left off the page
            log.warning("facets timed out on the new catalogue's communities page: %s", ", ".join(dropped))
        first = page["rows"][0]
        await site.get(f"/{CATALOGUE_DB}/communities", expect=[first["name"]])
        await site.get(f"/{CATALOGUE_DB}/communities/{tilde_encode(first['id'])}", expect=[first["name"]])
        found = await site.get_json(f"/{CATALOGUE_DB}/communities.json?_search={SEARCH_TERM}&_shape=objects")
        if bool(found["rows"]) != bool(matches):
            raise BuildRefused(f"searching the new catalogue for {SEARCH_TERM!r} finds {len(found['rows'])} "
                               f"communities where its index holds {matches}; rebuild the full-text index")
        await site.get(f"/{CATALOGUE_DB}/communities?_search={SEARCH_TERM}",
                       expect=[found["rows"][0]["name"]] if found["rows"] else [])
        # The site's own search (catalogue/search.py) lists the liveliest match first: the lowest rowid. Every kind:
        # by default it shows only communities, and the index holds organisations, events and resources too.
        searched = await site.get_json(f"/search.json?q={SEARCH_TERM}&kind=all")
        if bool(searched["results"]) != bool(matches):
            raise BuildRefused(f"the site's search for {SEARCH_TERM!r} finds {len(searched['results'])} communities "
                               f"where the index holds {matches}; check the search plugin and the full-text index")
        await site.get(f"/search?q={SEARCH_TERM}&kind=all",
                       expect=[searched["results"][0]["name"]] if searched["results"] else [])
        if "practice_domains" in await site.ds.get_database(CATALOGUE_DB).table_names():
            await site.get("/domains", expect=["Browse by practice"])
        queries = site.catalogue.get("queries", {})
        if "status_on" not in queries:
            raise BuildRefused(f"{metadata} has no status_on query for the {CATALOGUE_DB} database; restore it")
        await site.get(f"/{CATALOGUE_DB}/status_on?date={built_day}", expect=[queries["status_on"].get("title")])
    finally:
        site.close()


def site_answers(staged: Path, metadata: Path) -> None:
    """check_site from synchronous code (the build); not from inside a running event loop."""
    asyncio.run(check_site(staged, metadata))


# --- all of them ------------------------------------------------------------------------------------------

def check_all(new: Path, published: Path, max_drop: float, canary_urls: Iterable[str] = (),
              metadata: Path | None = None) -> int:
    """Every guard on the staged file; return its live count, or raise the first refusal in this order:
    structure, references, the live-count drop, the canaries, and (given the site's metadata) the site.

    They run at once: each reads the file through its own read-only connection and SQLite works without
    holding the GIL, so on two cores the file check, the reference check and the site overlap (at 1M
    communities: about 5, 12 and 4 s one after another)."""
    guards: dict[str, Callable[[], object]] = {  # in the order their refusals are reported
        "structure": lambda: structure(new), "references": lambda: references(new),
        "live count": lambda: live_drop(new, published, max_drop),
        "canaries": lambda: canaries_present(new, canary_urls)}
    if metadata is not None:
        guards["site"] = lambda: site_answers(new, metadata)
    with ThreadPoolExecutor(max_workers=len(guards), thread_name_prefix="guard") as pool:
        running = {name: pool.submit(guard) for name, guard in guards.items()}
        for future in running.values():
            future.result()  # the first refusal in order is the one raised
    return running["live count"].result()
