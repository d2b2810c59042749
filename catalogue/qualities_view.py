"""The community-of-practice qualities as the site shows them: a section of a community's page (each quality,
what copdir concluded and the evidence it saw where), a one-line summary and the warning marker of search results.

"A paid community that has gone quiet is obvious at a glance": `cost_marker` reads "Paid membership ($12 per
month) · quiet since 2026-07-02" for a paid or freemium community whose activity is quiet or dormant. Every value
here is text; the templates escape it and only http(s) addresses become links.
"""
from __future__ import annotations

import json

from catalogue.safe_links import safe_href
from crawler.models import parse_utc

CADENCE_LABELS = {"weekly": "Meets weekly", "fortnightly": "Meets every two weeks", "monthly": "Meets monthly",
                  "quarterly": "Meets quarterly", "yearly": "Meets once a year",
                  "irregular": "Holds events, no regular rhythm seen", "one-off": "A one-off event",
                  "none-seen": "No events seen"}
MEMBERSHIP_LABELS = {"open": "Open to anyone", "application": "Join by application",
                     "invite-only": "By invitation only", "unknown": "How to join: not stated"}
COST_LABELS = {"free": "Free", "freemium": "Free, with paid extras", "paid": "Paid membership",
               "unknown": "Cost not stated"}
KIND_LABELS = {"wiki": "wiki", "resources": "resources", "recordings": "recordings", "docs": "docs"}
# Facet values as the search page shows them.
VALUE_LABELS = {"event_cadence": {value: label.removeprefix("Meets ") for value, label in CADENCE_LABELS.items()},
                "membership": {"open": "open", "application": "by application", "invite-only": "invite-only"},
                "code_of_conduct": {"yes": "has one", "no": "none seen"}}
FACET_TITLES = {"cost": "Cost", "membership": "Membership", "event_cadence": "Events",
                "code_of_conduct": "Code of conduct"}
QUIET = ("quiet", "dormant")


def _loads(text: object, empty: object) -> object:
    try:
        value = json.loads(text) if isinstance(text, str) else empty
    except ValueError:
        return empty
    return value if isinstance(value, type(empty)) else empty


def _day(value: object) -> str:
    moment = parse_utc(str(value)) if value else None
    return moment.date().isoformat() if moment else ""


def cost_label(cost: object, price: object) -> str:
    label = COST_LABELS.get(str(cost or "unknown"), str(cost))
    return f"{label} ({price})" if price and cost in ("paid", "freemium") else label


def cost_marker(row: dict) -> str:
    """ "Paid ($12 per month) · quiet since 2026-07-02" for a paid community gone quiet or dormant, else ""."""
    if row.get("cost") not in ("paid", "freemium") or row.get("activity") not in QUIET:
        return ""
    since = _day(row.get("last_activity"))
    state = f"{row['activity']} since {since}" if since else f"{row['activity']}, no sign of life seen"
    return f"{cost_label(row.get('cost'), row.get('price'))} · {state}"


def qualities_line(row: dict) -> str:
    """ "Free · meets monthly · code of conduct · open to anyone": what a result shows of its qualities."""
    parts = []
    if row.get("cost") not in (None, "", "unknown"):
        parts.append(cost_label(row["cost"], row.get("price")))
    if row.get("event_cadence") not in (None, "", "none-seen"):
        parts.append(CADENCE_LABELS.get(row["event_cadence"], row["event_cadence"]).lower())
    if row.get("has_code_of_conduct") or row.get("code_of_conduct"):
        parts.append("code of conduct")
    if row.get("membership") not in (None, "", "unknown"):
        parts.append(MEMBERSHIP_LABELS.get(row["membership"], row["membership"]).lower())
    return " · ".join(parts)


STORED_EVENTS = "events"  # the source of a cadence read from the dates of the events copdir stored


def _evidence(entries: object, events_href: str | None) -> list[dict]:
    shown = []
    for entry in entries if isinstance(entries, list) else []:
        if not isinstance(entry, dict):
            continue
        source = str(entry.get("source") or "")
        stored = source == STORED_EVENTS
        shown.append({"text": str(entry.get("evidence") or ""), "value": str(entry.get("value") or ""),
                      "source": "its events" if stored else source,
                      "source_href": events_href if stored else safe_href(source),
                      "url": str(entry.get("url") or ""), "url_href": safe_href(entry.get("url"))})
    return shown


def qualities_section(community: dict, events_href: str | None = None) -> list[dict]:
    """Each quality: its name, what copdir concluded, links it names, and the evidence behind it (events_href: where
    its stored events are listed, for a cadence read from their dates)."""
    evidence = _loads(community.get("qualities_evidence"), {})
    knowledge = [entry for entry in _loads(community.get("knowledge_base"), []) if isinstance(entry, dict)]
    conduct = community.get("code_of_conduct")

    def item(key: str, name: str, label: str, seen: bool, links: list[dict] | None = None,
             quality: str | None = None) -> dict:
        return {"key": key, "name": name, "label": label, "seen": seen, "links": links or [],
                "evidence": _evidence(evidence.get(quality or key), events_href)}

    cadence = str(community.get("event_cadence") or "none-seen")
    membership = str(community.get("membership") or "unknown")
    cost = str(community.get("cost") or "unknown")
    return [
        item("event_cadence", "Events", CADENCE_LABELS.get(cadence, cadence), cadence != "none-seen"),
        item("knowledge_base", "Knowledge base", "Keeps its knowledge in" if knowledge
             else "No wiki, resources, recordings or docs seen", bool(knowledge),
             [{"label": KIND_LABELS.get(str(entry.get("kind")), str(entry.get("kind"))), "url": str(entry.get("url")),
               "href": safe_href(entry.get("url"))} for entry in knowledge]),
        item("code_of_conduct", "Code of conduct", "Has a code of conduct or community guidelines" if conduct
             else "No code of conduct or guidelines seen", bool(conduct),
             [{"label": "read it", "url": str(conduct), "href": safe_href(conduct)}] if conduct else []),
        item("moderators_visible", "Moderators", "Shows who moderates or organises it"
             if community.get("moderators_visible") else "Moderators or organisers not shown",
             bool(community.get("moderators_visible")), quality="moderators"),
        item("mentoring", "Help and mentoring", "Offers help or mentoring" if community.get("mentoring")
             else "No help channel or mentoring seen", bool(community.get("mentoring"))),
        item("membership", "Membership", MEMBERSHIP_LABELS.get(membership, membership), membership != "unknown"),
        item("cost", "Cost", cost_label(cost, community.get("price")), cost != "unknown"),
    ]
