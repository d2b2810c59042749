"""copdir's Datasette plugin: the site's search page, and template variables for the catalogue's pages.

`/search` (HTML) and `/search.json` are where a person's "what do you practise?" goes: the SQL is
catalogue/search.py's; this module turns its answer into links and labels.

A community's page (templates/row-catalogue-communities.html) explains its status: this module
fetches the community's evidence, status history and listings with parameterised SQL and turns
them into display-ready values, so that the template only lays them out. Values from the
catalogue are never trusted as markup: the templates escape them, and only http(s) addresses
become links.
"""
from __future__ import annotations

import json
import os
import re
from datetime import datetime
from urllib.parse import quote, quote_plus, urlencode, urlsplit

from datasette import hookimpl
from datasette.utils import add_cors_headers, tilde_encode, urlsafe_components
from datasette.utils.asgi import NotFound, Response
from markupsafe import Markup

from catalogue.feeds import badge_svg, embed_snippets
from catalogue.search import ALL_KINDS, Page, Search, Total, run_search
from catalogue.search_practice import KIND_LABELS
from crawler.models import parse_utc

DEMO_ENV = "COPDIR_DEMO"
CATALOGUE = "catalogue"
ROWS_SHOWN = 200  # evidence or history rows on one page; the rest are a link away

ACTIVITY_LABELS = {"active": "Active", "quiet": "Quiet", "dormant": "Dormant", "unknown": "Activity unknown"}
REACHABILITY_LABELS = {"live": "live", "failing": "failing", "blocked": "blocked (unverifiable)",
                       "moved": "moved", "dead": "dead", "unknown": "not checked yet"}
LIFECYCLE_LABELS = {"new": "new", "growing": "growing", "steady": "steady", "declining": "declining",
                    "revived": "revived after being dormant", "unknown": "not enough history yet"}

_NOT_AN_ID = re.compile(r"[^A-Za-z0-9_-]")
_SPACE_OR_CONTROL = re.compile(r"[\s\x00-\x1f\x7f]")


def safe_href(url: object) -> str | None:
    """The address itself when it can safely be a link (http or https, with a host), else None."""
    if not isinstance(url, str) or _SPACE_OR_CONTROL.search(url):
        return None
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    return url if parts.scheme in ("http", "https") and parts.netloc else None


def evidence_anchor(ref: str) -> str:
    """The id of an evidence row on the page: "signals:17" -> "evidence-signals-17"."""
    return "evidence-" + _NOT_AN_ID.sub("-", ref)


def json_list(text: object) -> list[str]:
    """A JSON list of strings from a column, each once; anything else gives an empty list."""
    try:
        value = json.loads(text) if isinstance(text, str) else None
    except ValueError:
        return []
    return list(dict.fromkeys(str(item) for item in value)) if isinstance(value, list) else []


def day(value: object) -> str:
    """The date of an ISO 8601 time ("2026-11-14"); an unreadable value as it is."""
    if not value:
        return ""
    moment = parse_utc(str(value))
    return moment.date().isoformat() if moment else str(value)


def days_ago(value: object, now: datetime | None) -> str:
    """ "today", "yesterday", "3 days ago" — or the date when either time is unknown."""
    moment = parse_utc(str(value)) if value else None
    if moment is None or now is None or moment > now:
        return day(value)
    days = (now.date() - moment.date()).days
    return {0: "today", 1: "yesterday"}.get(days, f"{days} days ago")


def summary(community: dict, built_at: datetime | None) -> str:
    """The page's first line: "Active · live — checked 2 days ago"."""
    activity = ACTIVITY_LABELS.get(community.get("activity") or "unknown", str(community.get("activity")))
    reachability = REACHABILITY_LABELS.get(community.get("reachability") or "unknown",
                                           str(community.get("reachability")))
    line = f"{activity} · {reachability}"
    if community.get("last_checked"):
        line += f" — checked {days_ago(community['last_checked'], built_at)}"
    return line


def evidence_view(row: dict, record_url: str) -> dict:
    first, last = day(row.get("observed_at")), day(row.get("last_observed_at"))
    times = row.get("times_seen") or 0
    kind, value = str(row.get("kind") or "").replace("_", " "), row.get("value")
    shown = day(value) if parse_utc(str(value)) else value  # a date reads better without its time
    return {
        "label": f"{kind}: {shown}, seen {first}" if shown not in (None, "") else f"{kind}, seen {first}",
        "ref": row["ref"], "anchor": evidence_anchor(row["ref"]), "record_url": record_url,
        "kind": kind, "value": value,
        "seen": (f"{first} – {last}" if last and last != first else first) + (f", seen {times} times" if times > 1 else ""),
        "source": row.get("source_url") or "", "source_href": safe_href(row.get("source_url")),
        "note": row.get("note") or "", "cited": bool(row.get("cited")),
    }


def history_view(row: dict, links: dict[str, str]) -> dict:
    def change(axis: str) -> str:
        now, before = row.get(axis) or "", row.get(f"previous_{axis}") or ""
        return f"{before} → {now}" if before and before != now else now

    refs = json_list(row.get("evidence"))
    return {"when": day(row.get("changed_at")), "reachability": change("reachability"),
            "activity": change("activity"), "reason": row.get("reason") or "",
            "evidence": [{"ref": ref, "href": links.get(ref)} for ref in refs]}


def listing_view(row: dict) -> dict:
    return {"source": row.get("source") or "", "source_href": safe_href(row.get("source_url")),
            "section": row.get("section") or "", "name": row.get("name") or "",
            "annotations": json_list(row.get("annotations")),
            "first_seen": day(row.get("first_seen")), "last_seen": day(row.get("last_seen"))}


async def _rows(db, sql: str, params: dict) -> list[dict]:
    return [dict(row) for row in (await db.execute(sql, params)).rows]


async def community_page(datasette, database: str, community_id: str) -> dict | None:
    """Everything a community's page shows beyond its own row, or None when there is no such community."""
    db = datasette.get_database(database)
    tables = set(await db.table_names())
    found = await _rows(db, "select * from communities where id = :id", {"id": community_id})
    if not found:
        return None
    community = found[0]
    params = {"id": community_id, "limit": ROWS_SHOWN}
    built = await _rows(db, "select built_at from build order by rowid desc limit 1", {}) if "build" in tables else []
    built_at = parse_utc(str(built[0]["built_at"])) if built and built[0]["built_at"] else None

    evidence_rows = await _rows(db, "select * from evidence where community_id = :id"
                                " order by cited desc, coalesce(last_observed_at, observed_at) desc, ref"
                                " limit :limit", params) if "evidence" in tables else []
    cited_refs = json_list(community.get("status_evidence"))
    # Cited rows first, in the order the status cites them; then the rest, newest first (the SQL's order).
    evidence_rows.sort(key=lambda row: cited_refs.index(row["ref"]) if row["ref"] in cited_refs else len(cited_refs))
    evidence = [evidence_view(row, datasette.urls.row(database, "evidence", tilde_encode(row["ref"])))
                for row in evidence_rows]
    links = {item["ref"]: "#" + item["anchor"] for item in evidence}
    history = await _rows(db, "select * from status_history where community_id = :id"
                          " order by changed_at desc, id desc limit :limit", params) \
        if "status_history" in tables else []
    listings = await _rows(db, "select l.*, s.url as source_url from listings l"
                           " left join sources s on s.name = l.source where l.community_id = :id"
                           " order by l.first_seen, l.source limit :limit", params) \
        if {"listings", "sources"} <= tables else []

    members = await _rows(db, "select id, url, platform, reachability, activity, status_reason from links"
                          " where community_id = :id order by activity_rank, id limit :limit", params) \
        if "links" in tables else []

    cited = [{"ref": ref, "href": links.get(ref) or datasette.urls.row(database, "evidence", tilde_encode(ref)),
              "label": next((e["label"] for e in evidence if e["ref"] == ref), ref)}
             for ref in cited_refs]
    last_ref = community.get("last_activity_evidence")
    name = community.get("name") or community_id
    page_path = datasette.urls.row(database, "communities", tilde_encode(community_id))
    badge_path = datasette.urls.path(f"/badge/{quote(community_id, safe='')}.svg")
    from catalogue.feeds_page import community_badge  # feeds_page imports this module
    from catalogue.practice_page import practice_section

    # The badge drawn inline, as /badge/<id>.svg draws it: ElementTree has escaped every value in it.
    badge = Markup(badge_svg(community_badge(community, built_at)))

    def embed(request) -> dict[str, str]:
        # A function of the request: the snippet needs this site's absolute address, which only the request knows.
        return embed_snippets(datasette.absolute_url(request, badge_path),
                              datasette.absolute_url(request, page_path), name)

    return {
        "practice": await practice_section(db, community, tables),
        "badge": badge, "embed": embed,
        "name": name,
        "summary": summary(community, built_at),
        "built_on": day(built[0]["built_at"]) if built else "",
        "url": community.get("url") or "", "url_href": safe_href(community.get("url")),
        "successor_url": community.get("successor_url") or "",
        "successor_href": safe_href(community.get("successor_url")),
        "reasons": [reason for reason in (community.get("activity_reason"), community.get("reachability_reason"))
                    if reason] or [community.get("status_reason") or "not checked yet"],
        "cited": cited,
        "owner_status": community.get("owner_status") or "",
        "lifecycle": LIFECYCLE_LABELS.get(community.get("lifecycle") or "unknown", community.get("lifecycle")),
        "last_activity": day(community.get("last_activity")),
        "days_since_activity": community.get("days_since_activity"),
        "last_activity_href": links.get(last_ref) if last_ref else None,
        "stale": json_list(community.get("stale_metrics")),
        "evidence": evidence,
        "evidence_more": len(evidence) == ROWS_SHOWN,
        "history": [history_view(row, links) for row in history],
        "history_more": len(history) == ROWS_SHOWN,
        "evidence_table": datasette.urls.table(database, "evidence") + "?" + urlencode({"community_id": community_id}),
        "history_table": datasette.urls.table(database, "status_history") + "?"
        + urlencode({"community_id": community_id}),
        "listings": [listing_view(row) for row in listings],
        "links": [{**row, "href": safe_href(row["url"]),
                   "record_url": datasette.urls.row(database, "links", tilde_encode(row["id"]))} for row in members],
    }


@hookimpl
def extra_template_vars(view_name, database, table, request, datasette):
    # The demo's statuses come from the simulated sample web: every page must say so.
    demo = {"copdir_demo": os.environ.get(DEMO_ENV) == "1"}
    if view_name != "row" or database != CATALOGUE or table != "communities" or request is None:
        return demo

    async def with_community_page():
        pks = urlsafe_components(request.url_vars["pks"])
        return {**demo, "community_page": await community_page(datasette, database, pks[0])}

    return with_community_page


# --- the search page --------------------------------------------------------------------------------------

FACET_TITLES = {"platform": "Platform", "activity": "Activity", "reachability": "Reachability",
                "language": "Language", "topic": "Topic", "domain": "Practice domain", "kind": "Kind"}
VALUE_LABELS = {"activity": ACTIVITY_LABELS, "reachability": REACHABILITY_LABELS,
                "kind": {**KIND_LABELS, ALL_KINDS: "everything listed"}}
RANKED_IN_PAGE = ("Pages run liveliest first; within each page, communities of the practice you searched that are"
                  " active, free, open and have a code of conduct come first — each result says why.")


def _label(name: str, value: str, extra: dict[str, dict[str, str]] | None = None) -> str:
    return {**VALUE_LABELS, **(extra or {})}.get(name, {}).get(value, value)


def total_label(total: Total | None) -> str:
    """ "1,234 communities"; "at least 12 …" when filters were counted over part of the matches."""
    if total is None:
        return "Counting took too long; the results below are the liveliest first."
    noun = "community" if total.count == 1 else "communities"
    if total.exact:
        return f"{total.count:,} {noun}"
    if total.matches is not None:
        return f"At least {total.count:,} {noun} — counted in {total.scanned:,} of the {total.matches:,} matches"
    return f"More than {total.count:,} {noun}"


def days_label(days: object) -> str:
    if days is None:
        return "no sign of activity found yet"
    # days_since_activity counts to the catalogue's build, not to today
    return {0: "last active the day the catalogue was built",
            1: "last active a day before the catalogue was built"}.get(
        days, f"last active {days} days before the catalogue was built")


def _query(params: dict[str, str | None]) -> str:
    """A query string from already-quoted values, leaving out empty ones."""
    kept = "&".join(f"{name}={value}" for name, value in params.items() if value)
    return "?" + kept if kept else ""


def search_view(datasette, page: Page, fmt: str = "") -> dict:
    """Everything the search page and its JSON show: results, total, facets with links, the next page.

    Built for speed as much as the SQL (a page of 20 with 5 facets makes ~50 links): the links are put
    together from values quoted once, not with urlencode and Datasette's URL objects per link.
    """
    search = page.search
    here = str(datasette.urls.path("/search" + fmt))
    current = {"q": quote_plus(search.text), **{name: quote_plus(value) for name, value in search.filters}}
    if search.kind != "community":
        current["kind"] = quote_plus(search.kind)
    chosen = {**dict(search.filters), **({"kind": search.kind} if search.kind != "community" else {})}
    names = {"domain": page.domain_names}

    def url(name: str, value: str | None) -> str:
        return here + _query({**current, name: quote_plus(value) if value else None})

    facets = [{"name": name, "title": FACET_TITLES[name],
               "values": [{"value": value, "label": _label(name, value, names), "count": count,
                           "selected": chosen.get(name) == value,
                           "url": url(name, None if chosen.get(name) == value else value)}
                          for value, count in values]}
              for name, values in page.facets.items() if values]
    community_pages = str(datasette.urls.table(CATALOGUE, "communities"))
    results = [{"id": row["id"], "name": row["name"] or row["id"],
                "page": f"{community_pages}/{tilde_encode(row['id'])}",
                "url": row["url"], "url_href": safe_href(row["url"]), "platform": row["platform"],
                "reachability": row["reachability"], "activity": row["activity"],
                "reachability_label": _label("reachability", row["reachability"]),
                "activity_label": _label("activity", row["activity"]),
                "activity_reason": row["activity_reason"] or "", "reachability_reason": row["reachability_reason"] or "",
                "days_since_activity": row["days_since_activity"], "days_label": days_label(row["days_since_activity"]),
                "language": row["language"], "description": row["description"] or "",
                "kind": row.get("kind") or "community", "reasons": row.get("reasons") or [],
                "domains": row.get("domains") or []} for row in page.rows]
    total = page.total
    return {
        "q": search.text, "query": search.match, "words_left_out": search.words_left_out,
        "filters": [{"name": name, "title": FACET_TITLES[name], "value": value, "label": _label(name, value, names),
                     "remove_url": url(name, None)} for name, value in chosen.items()],
        "kind": search.kind,
        # Not communities: left out unless asked for; the link asks (and says how many matches it adds, when counted).
        "include_others": {"url": url("kind", ALL_KINDS), "count": page.others}
        if page.kinds and search.kind == "community" else None,
        "practice": [{"words": words, "domain": domain, "name": page.domain_names.get(domain, domain),
                      "url": url("domain", domain)} for words, domain in page.domains],
        "ranked_label": RANKED_IN_PAGE if page.ranked_in_page else "",
        "total": None if total is None else {"count": total.count, "exact": total.exact, "matches": total.matches,
                                             "scanned": total.scanned, "label": total_label(total)},
        "results": results, "facets": facets, "facets_over": page.facets_over,
        "facets_label": f"Counted over the first {page.facets_over:,} results, the liveliest."
        if page.facets_over and facets else "",
        "next": url("after", str(page.next_after)) if page.next_after is not None else None,
        "scan_ended": f"This page looked through the next {page.scan_ended:,} matches; search further for more."
        if page.scan_ended else "",
        "message": page.message, "timed_out": page.timed_out,
    }


async def _search(datasette, request) -> Page:
    if CATALOGUE not in datasette.databases:
        raise NotFound("There is no catalogue to search yet.")
    return await run_search(datasette.get_database(CATALOGUE), Search.from_args(request.args),
                            datasette.setting("facet_time_limit_ms"))


async def search_page(datasette, request) -> Response:
    page = await _search(datasette, request)
    view = search_view(datasette, page)
    view["json_url"] = datasette.urls.path("/search.json") + (f"?{request.query_string}" if request.query_string else "")
    html = await datasette.render_template("search.html", {"search": view}, request=request, view_name="search")
    return Response.html(html, status=503 if page.timed_out else 200)


async def search_json(datasette, request) -> Response:
    page = await _search(datasette, request)
    view = search_view(datasette, page, ".json")
    keep = ("id", "name", "page", "url", "platform", "reachability", "activity", "activity_reason",
            "reachability_reason", "days_since_activity", "language", "description", "kind", "reasons", "domains")
    view["results"] = [{key: row[key] for key in keep} for row in view["results"]]
    response = Response.json(view, status=503 if page.timed_out else 200)
    if datasette.cors:
        add_cors_headers(response.headers)
    return response


@hookimpl
def asgi_wrapper(datasette):
    # Datasette's CSRF check reads a POST's whole body before any route sees it: an oversized submission is
    # refused before that.
    from catalogue import submit_page

    return submit_page.limit_submission_size(datasette)


@hookimpl
def register_routes():
    # Each page of the public site keeps its routes in its own module (issue 7).
    from catalogue import feeds_page, moderation_page, owner_page, practice_page, submit_page

    return [(r"^/search$", search_page), (r"^/search\.json$", search_json), *submit_page.ROUTES,
            *moderation_page.ROUTES, *feeds_page.ROUTES, *owner_page.ROUTES, *practice_page.ROUTES]
