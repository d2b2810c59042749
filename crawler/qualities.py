"""A community's CoP qualities from the findings of its page and platform answers and the dates of its events.

A leaf module (it imports only `crawler.models`), so the catalogue can fold findings as it stores them.
`summarize` gives the working database's columns:

- event_cadence: weekly | fortnightly | monthly | quarterly | yearly | irregular | one-off | none-seen. Regular
  dates of at least MIN_DATED_EVENTS stored events decide first; then what the page says or schedules ("monthly
  meetup", a JSON-LD eventSchedule; the most frequent rhythm it names); then any events or calendar at all
  ("irregular"); else "none-seen".
- knowledge_base: JSON list of {kind: wiki | resources | recordings | docs, url}.
- moderators_visible, mentoring: 1 when seen, else 0.
- membership: open | application | invite-only | unknown (application before invite-only before open, as
  for joining); a platform's registration mode counts when the page says nothing.
- cost: free | freemium | paid | unknown, and price as stated (or None): a free tier beside a price is freemium.
- qualities_evidence: JSON object, per quality a list of {value, evidence, source, url}.
"""
from __future__ import annotations

import json
import statistics
from collections.abc import Iterable, Sequence
from datetime import datetime

from crawler.models import Finding, JoinType

CADENCES = ("weekly", "fortnightly", "monthly", "quarterly", "yearly", "irregular", "one-off", "none-seen")
MEMBERSHIPS = ("application", "invite-only", "open", "unknown")
COSTS = ("freemium", "paid", "free", "unknown")
MIN_DATED_EVENTS = 3  # distinct event days before their spacing says anything
RECENT_EVENTS = 12  # the newest this many event days are read: a rhythm can change
MAX_EVIDENCE = 5  # per quality
# Median days between events → cadence; a rhythm is regular when REGULAR_SHARE of the gaps fit its band.
BANDS = (("weekly", 0, 9), ("fortnightly", 11, 17), ("monthly", 25, 38), ("quarterly", 80, 100),
         ("yearly", 340, 390))
REGULAR_SHARE = 0.75
_MEMBERSHIP_OF_JOIN = {JoinType.OPEN: "open", JoinType.APPLICATION: "application", JoinType.INVITE_ONLY: "invite-only"}


def cadence_from_dates(dates: Iterable[datetime]) -> tuple[str, str] | None:
    """(cadence, evidence) from event start times, or None with fewer than MIN_DATED_EVENTS distinct days."""
    days = sorted({moment.date() for moment in dates})[-RECENT_EVENTS:]
    if len(days) < MIN_DATED_EVENTS:
        return None
    gaps = [(later - earlier).days for earlier, later in zip(days, days[1:])]
    median = statistics.median(gaps)
    said = f"{len(days)} events {days[0]} – {days[-1]}, a median of {median:g} days apart"
    for value, low, high in BANDS:
        if low <= median <= high and sum(low <= gap <= high for gap in gaps) >= REGULAR_SHARE * len(gaps):
            return value, said
    return "irregular", said


def summarize(findings: Sequence[Finding], event_dates: Sequence[datetime], join_type: JoinType = JoinType.UNKNOWN,
              join_source: str = "") -> dict:
    """The quality columns of one community (one link) from everything its profiles found."""
    by_quality: dict[str, list[Finding]] = {}
    for finding in findings:
        by_quality.setdefault(finding.quality, []).append(finding)
    evidence = {quality: [_evidence(f) for f in _unique(found)][:MAX_EVIDENCE] for quality, found in by_quality.items()}
    cadence, dated = _cadence(by_quality.get("event_cadence", []), event_dates)
    if dated:
        evidence["event_cadence"] = [{"value": cadence, "evidence": dated, "source": "events", "url": ""},
                                     *evidence.get("event_cadence", [])][:MAX_EVIDENCE]
    membership = _first(MEMBERSHIPS, by_quality.get("membership", []))
    if membership == "unknown" and join_type in _MEMBERSHIP_OF_JOIN:
        membership = _MEMBERSHIP_OF_JOIN[join_type]
        evidence["membership"] = [{"value": membership, "evidence": f"registration is {membership}",
                                   "source": join_source, "url": ""}]
    cost, price = _cost(by_quality.get("cost", []))
    knowledge = [{"kind": f.value, "url": f.url} for f in _unique(by_quality.get("knowledge_base", [])) if f.url]
    return {
        "event_cadence": cadence,
        "knowledge_base": json.dumps(knowledge),
        "moderators_visible": int(bool(by_quality.get("moderators"))),
        "mentoring": int(bool(by_quality.get("mentoring"))),
        "membership": membership,
        "cost": cost,
        "price": price,
        "conduct_url": next((f.url for f in by_quality.get("code_of_conduct", []) if f.url), ""),
        "qualities_evidence": json.dumps(evidence, ensure_ascii=False),
    }


def _cadence(findings: list[Finding], event_dates: Sequence[datetime]) -> tuple[str, str]:
    dated = cadence_from_dates(event_dates)
    if dated and dated[0] != "irregular":
        return dated
    said = [f.value for f in findings if f.value in CADENCES[:5] or f.value == "one-off"]
    if said:
        return min(said, key=CADENCES.index), ""
    if dated or event_dates or findings:
        return "irregular", dated[1] if dated else ""
    return "none-seen", ""


def _cost(findings: list[Finding]) -> tuple[str, str | None]:
    values = {f.value for f in findings}
    if "freemium" in values or {"free", "paid"} <= values:
        cost = "freemium"
    else:
        cost = _first(COSTS, findings)
    price = next((f.detail for f in findings if f.detail and f.value in ("paid", "freemium")), "")
    return cost, (price or None) if cost in ("paid", "freemium") else None


def _first(order: Sequence[str], findings: list[Finding]) -> str:
    values = {f.value for f in findings}
    return next((value for value in order if value in values), order[-1])


def _unique(findings: list[Finding]) -> list[Finding]:
    seen: set[tuple[str, str]] = set()
    kept = []
    for finding in findings:
        key = (finding.value, finding.url or finding.evidence)
        if key not in seen:
            seen.add(key)
            kept.append(finding)
    return kept


def _evidence(finding: Finding) -> dict:
    return {"value": finding.value, "evidence": finding.evidence, "source": finding.source_url, "url": finding.url,
            **({"price": finding.detail} if finding.detail else {})}
