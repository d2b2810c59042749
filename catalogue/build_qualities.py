"""A community's CoP qualities folded from its links' (catalogue/build_communities.py calls `fold_qualities` for
communities with several links; a single link's columns are copied as they are).

The most informative value wins, and the evidence of every link is kept, each entry naming where it was seen:
the most regular event cadence; every knowledge base; moderators or mentoring if any link shows them; the
strictest membership (application, then invite-only, then open); for cost, a free link beside a paid one is
freemium, else paid, then free; the first price stated; the first code of conduct.
"""
from __future__ import annotations

import json

from crawler.qualities import CADENCES, MAX_EVIDENCE, MEMBERSHIPS

QUALITY_COLUMNS: dict[str, type] = {
    "event_cadence": str, "knowledge_base": str, "moderators_visible": int, "mentoring": int, "membership": str,
    "cost": str, "price": str, "qualities_evidence": str,
}
# What a link that was never profiled says (the working columns are empty then).
QUALITY_DEFAULTS = {"event_cadence": "none-seen", "knowledge_base": "[]", "moderators_visible": 0, "mentoring": 0,
                    "membership": "unknown", "cost": "unknown", "qualities_evidence": "{}"}
COSTS = ("freemium", "paid", "free", "unknown")


def quality_select(alias: str) -> str:
    """The SQL select list of the quality columns of working.communities `alias`, with their defaults."""
    return ", ".join(f"coalesce({alias}.{name}, {_literal(QUALITY_DEFAULTS[name])})" if name in QUALITY_DEFAULTS
                     else f"{alias}.{name}" for name in QUALITY_COLUMNS)


def _literal(value: object) -> str:
    return str(value) if isinstance(value, int) else "'" + str(value).replace("'", "''") + "'"


def _loads(text: str | None, empty: object) -> object:
    try:
        value = json.loads(text or "")
    except ValueError:
        return empty
    return value if isinstance(value, type(empty)) else empty


def fold_qualities(links: list[dict]) -> dict:
    """The quality columns of one community from its links' rows (its own link first)."""
    def ranked(name: str, order: tuple[str, ...]) -> str:
        return min((link[name] or order[-1] for link in links), key=lambda value: order.index(value)
                   if value in order else len(order))

    costs = {link["cost"] for link in links}
    cost = "freemium" if "freemium" in costs or {"free", "paid"} <= costs else ranked("cost", COSTS)
    knowledge, seen = [], set()
    for link in links:
        for entry in _loads(link["knowledge_base"], []):
            if isinstance(entry, dict) and entry.get("url") not in seen:
                seen.add(entry.get("url"))
                knowledge.append(entry)
    evidence: dict[str, list] = {}
    for link in links:
        for quality, entries in _loads(link["qualities_evidence"], {}).items():
            kept = evidence.setdefault(quality, [])
            kept.extend(entries[:MAX_EVIDENCE - len(kept)] if isinstance(entries, list) else [])
    return {
        "event_cadence": ranked("event_cadence", CADENCES),
        "knowledge_base": json.dumps(knowledge),
        "moderators_visible": max(link["moderators_visible"] or 0 for link in links),
        "mentoring": max(link["mentoring"] or 0 for link in links),
        "membership": ranked("membership", MEMBERSHIPS),
        "cost": cost,
        "price": next((link["price"] for link in links if link["price"]), None) if cost in ("paid", "freemium")
        else None,
        "qualities_evidence": json.dumps(evidence, ensure_ascii=False),
        "code_of_conduct": next((link["code_of_conduct"] for link in links if link["code_of_conduct"]), None),
    }
