"""Atom feeds of new active communities, and a status badge per community (issue 7).

- `/feeds/active.atom`: the FEED_SIZE active and live communities copdir listed most recently, newest first.
  "New" is first_seen — when copdir first listed it — not when it last turned active in status_history:
  a feed reader should announce a community once, not again each time its activity flaps or revives.
- `/feeds/search.atom?q=…&platform=…`: the same for a search, through catalogue/search.py (quoted FTS words,
  bound filter values, its time limits), with activity=active and reachability=live always applied. The
  search finds the liveliest FEED_SIZE matches, in activity order as it always does; they are listed newest
  first. Ordering every match by first_seen instead would cost a sort over all of them (seconds for a
  common word at a million communities).
- `/badge/<id>.svg`: "copdir | active · checked 2 days ago". Days count to the catalogue's build, as the
  rest of the site does: the badge says what the published catalogue knows, and an embedded badge stays
  true between builds instead of drifting with the wall clock.

Both change only when the catalogue is rebuilt, so they may be cached for an hour.
"""
from __future__ import annotations

import json
from dataclasses import replace
from datetime import datetime
from urllib.parse import quote, urlencode

from datasette.utils import tilde_encode
from datasette.utils.asgi import NotFound, Response

from catalogue import feeds
from catalogue.community_page import CATALOGUE, days_ago
from catalogue.feeds import EPOCH, FEED_SIZE, Feed, FeedEntry
from catalogue.safe_links import safe_href
from catalogue.search import FILTERS, PAGE_SIZE, Search, run_search
from crawler.models import parse_utc

CACHE = "max-age=3600"
ATOM_TYPE = "application/atom+xml; charset=utf-8"
SVG_TYPE = "image/svg+xml; charset=utf-8"
SEARCH_PAGES = -(-FEED_SIZE // PAGE_SIZE) + 1  # enough for a feed, and one more for pages cut short by the scan limit
FEED_ONLY = {"activity": "active", "reachability": "live"}  # what every feed lists, whatever the URL asks
MAX_ID = 64  # community ids are 16 hex digits; anything much longer is not one
ENTRY_COLUMNS = "id, name, url, activity_reason, first_seen"


async def built_at(db) -> datetime | None:
    if "build" not in await db.table_names():
        return None
    rows = (await db.execute("select built_at from build order by rowid desc limit 1")).rows
    return parse_utc(str(rows[0][0])) if rows and rows[0][0] else None


def _catalogue(datasette):
    if CATALOGUE not in datasette.databases:
        raise NotFound("There is no catalogue yet.")
    return datasette.get_database(CATALOGUE)


def _url(datasette, request, path: str) -> str:
    return datasette.absolute_url(request, str(datasette.urls.path(path)))


def _entries(datasette, request, rows: list) -> tuple[FeedEntry, ...]:
    pages = str(datasette.urls.table(CATALOGUE, "communities"))
    return tuple(FeedEntry(
        community_id=row["id"], title=row["name"] or row["id"],
        page_url=datasette.absolute_url(request, f"{pages}/{tilde_encode(row['id'])}"),
        summary=row["activity_reason"] or "active", url=safe_href(row["url"]),
        published=(parse_utc(str(row["first_seen"])) if row["first_seen"] else None) or EPOCH) for row in rows)


async def _feed(datasette, request, db, rows: list, **about: str) -> Response:
    entries = _entries(datasette, request, rows)
    updated = await built_at(db) or max((entry.published for entry in entries), default=EPOCH)
    feed = Feed(updated=updated, entries=entries, **about)
    return Response(feeds.atom_feed(feed), content_type=ATOM_TYPE, headers={"Cache-Control": CACHE})


async def active_feed(datasette, request) -> Response:
    db = _catalogue(datasette)
    rows = (await db.execute(f"select {ENTRY_COLUMNS} from communities"
                             " where activity = :activity and reachability = :reachability"
                             " order by first_seen desc, id desc limit :limit",
                             {**FEED_ONLY, "limit": FEED_SIZE})).rows
    return await _feed(datasette, request, db, rows, id=feeds.TAG + "feed:active",
                       title="copdir — new active communities",
                       self_url=_url(datasette, request, "/feeds/active.atom"),
                       site_url=_url(datasette, request, "/search?" + urlencode(FEED_ONLY)))


def feed_search(args) -> Search:
    """The search a feed URL asks for, always narrowed to active, live communities."""
    asked = {name: args.get(name) or "" for name in ("q", *FILTERS) if name not in FEED_ONLY}
    return Search.from_args({**asked, **FEED_ONLY})


def search_title(search: Search) -> str:
    asked = ([f"“{search.text}”"] if search.text else []) + [
        f"{name} {value}" for name, value in search.filters if name not in FEED_ONLY]
    return "copdir — new active communities" + (" for " + ", ".join(asked) if asked else "")


async def search_feed(datasette, request) -> Response:
    db = _catalogue(datasette)
    search = feed_search(request.args)
    found: list[str] = []
    for _ in range(SEARCH_PAGES):  # each page costs what a search page costs: bounded, whatever the words
        page = await run_search(db, search, datasette.setting("facet_time_limit_ms"))
        if page.timed_out:
            return Response.text(page.message or "", status=503, headers={"Retry-After": "3600"})
        found += [row["id"] for row in page.rows]
        if len(found) >= FEED_SIZE or page.next_after is None:
            break
        search = replace(search, after=page.next_after)
    rows = (await db.execute(f"select {ENTRY_COLUMNS} from communities where id in (select value from json_each(:ids))",
                             {"ids": json.dumps(found[:FEED_SIZE])})).rows
    query = [("q", search.text)] * bool(search.text) + list(search.filters)
    return await _feed(datasette, request, db, _newest_first(rows), title=search_title(search),
                       id=feeds.TAG + "feed:search?" + urlencode(query, quote_via=quote),
                       self_url=_url(datasette, request, "/feeds/search.atom?" + urlencode(query)),
                       site_url=_url(datasette, request, "/search?" + urlencode(query)))


def _newest_first(rows: list) -> list:
    return sorted(rows, key=lambda row: (row["first_seen"] or "", row["id"]), reverse=True)


def _svg(badge: feeds.Badge, status: int = 200) -> Response:
    return Response(feeds.badge_svg(badge), status=status, content_type=SVG_TYPE,
                    headers={"Cache-Control": CACHE, "X-Content-Type-Options": "nosniff",
                             # an SVG opened on its own is a document: it may draw, never run or fetch anything
                             "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'"})


async def badge(datasette, request) -> Response:
    community_id = request.url_vars["id"]
    if CATALOGUE not in datasette.databases or len(community_id) > MAX_ID:
        return _svg(feeds.not_listed_badge(), 404)
    db = datasette.get_database(CATALOGUE)
    rows = (await db.execute("select name, reachability, activity, last_checked from communities where id = :id",
                             {"id": community_id})).rows
    if not rows:
        return _svg(feeds.not_listed_badge(), 404)
    return _svg(community_badge({"id": community_id, **dict(rows[0])}, await built_at(db)))


def community_badge(community: dict, built: datetime | None) -> feeds.Badge:
    """A community's badge from its row; the days since its last check count to the catalogue's build."""
    checked = days_ago(community["last_checked"], built) if community.get("last_checked") else None
    return feeds.status_badge(community.get("name") or community["id"], community.get("reachability"),
                              community.get("activity"), checked)


ROUTES = [(r"^/feeds/active\.atom$", active_feed), (r"^/feeds/search\.atom$", search_feed),
          (r"^/badge/(?P<id>[^/]+)\.svg$", badge)]
