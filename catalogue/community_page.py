"""A community's page (templates/row-catalogue-communities.html): everything it shows beyond its own row.

This module fetches the community's evidence, status history, listings, links and its 90-day history chart
with parameterised SQL and turns them into display-ready values, so that the template only lays them out.
Values from the catalogue are never trusted as markup: the templates escape them, and only http(s) addresses
become links (catalogue/safe_links.py). The display helpers here (labels, dates, and safe_href from there) are
shared by the site's other pages.
"""
from __future__ import annotations

import json
import re
from datetime import datetime, timedelta, timezone
from urllib.parse import quote, urlencode

from datasette.utils import tilde_encode
from markupsafe import Markup

from catalogue import qualities_view
from catalogue.feeds import badge_svg, embed_snippets
from catalogue.history_chart import COLOURS, DAYS, chart_svg, history_chart
from catalogue.safe_links import safe_href
from crawler.models import parse_utc

CATALOGUE = "catalogue"
ROWS_SHOWN = 200  # evidence or history rows on one page; the rest are a link away

ACTIVITY_LABELS = {"active": "Active", "quiet": "Quiet", "dormant": "Dormant", "unknown": "Activity unknown"}
REACHABILITY_LABELS = {"live": "live", "failing": "failing", "blocked": "blocked (unverifiable)",
                       "moved": "moved", "dead": "dead", "unknown": "not checked yet"}
LIFECYCLE_LABELS = {"new": "new", "growing": "growing", "steady": "steady", "declining": "declining",
                    "revived": "revived after being dormant", "unknown": "not enough history yet"}

_NOT_AN_ID = re.compile(r"[^A-Za-z0-9_-]")


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


async def chart_view(db, tables: set[str], community_id: str, built_at: datetime | None) -> dict:
    """The 90-day chart (inline SVG) and its runs as text, up to the build's day."""
    last = (built_at or datetime.now(timezone.utc)).date()
    first = (last - timedelta(days=DAYS - 1)).isoformat()
    params = {"id": community_id, "first": first}
    history = await _rows(db, "select changed_at, reachability, activity from status_history"
                          " where community_id = :id and changed_at >= :first union all"
                          " select * from (select changed_at, reachability, activity from status_history"
                          " where community_id = :id and changed_at < :first order by changed_at desc limit 1)",
                          params) if "status_history" in tables else []
    links = "select id from links where community_id = :id" if "links" in tables else "select :id"
    check_days = await _rows(db, "select day, successes, failures, blocked from check_days"
                             f" where link_id in ({links}) and day >= :first", params) \
        if "check_days" in tables else []
    chart = history_chart(history, check_days, last)
    states = dict.fromkeys(run.state for _, _, runs in chart.strips for run in runs)
    return {"legend": [{"state": state, "colour": COLOURS.get(state, COLOURS["unknown"])} for state in states],
            "svg": Markup(chart_svg(chart)), "first": chart.first.isoformat(), "last": chart.last.isoformat(),
            "strips": [{"key": key, "title": title, "runs": [run.label for run in runs]}
                       for key, title, runs in chart.strips]}


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
        "badge": badge, "embed": embed, "chart": await chart_view(db, tables, community_id, built_at),
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
        "qualities": qualities_view.qualities_section(community, datasette.urls.table(database, "events") + "?"
                                                      + urlencode({"community_id": community_id})),
        "cost_marker": qualities_view.cost_marker(community),
        # where it is, when something says (an online community has no region), and what says so
        "place": ", ".join(part for part in (community.get("locality"), community.get("region")) if part),
        "place_reason": community.get("region_reason") or "",
        "links": [{**row, "href": safe_href(row["url"]),
                   "record_url": datasette.urls.row(database, "links", tilde_encode(row["id"]))} for row in members],
    }
