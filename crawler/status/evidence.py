"""Evidence of life: every dated or counted sign that people are in a community, each with its source.

Signals come from platform answers, pages, feeds and sitemaps; checks add the page's Last-Modified.
Dated evidence (a post, a feed entry, an event) says *when* someone was last there; counters (posts
in 30 days, active users, members online) say *how many*. Counters are only trusted when they move
and agree with the dated evidence: a number frozen over many observations, or one that claims
recent posts while the newest post is old, is flagged and set aside (lemmy-ui #3179, fedidb #39).
"""
from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from crawler.models import CheckResult, Signal, SignalKind, parse_utc
from crawler.status.thresholds import Thresholds

# Someone posted, or an event took place: the strongest evidence, newest wins.
POST_KINDS = {
    SignalKind.NEWEST_POST.value: "newest post",
    SignalKind.NEWEST_FEED_ENTRY.value: "newest feed entry",
}
# The site changed: weaker (a redeploy also changes it), so used only when nothing better is known.
CHANGE_KINDS = {
    SignalKind.SITEMAP_LASTMOD.value: "sitemap updated",
    SignalKind.PAGE_MODIFIED.value: "page last modified",
}
COUNTER_KINDS = frozenset({SignalKind.POSTS_30D.value, SignalKind.ACTIVE_USERS.value,
                           SignalKind.ONLINE_MEMBERS.value})
WINDOW_30D = timedelta(days=30)
CURRENT_SLACK = timedelta(minutes=5)  # signals from one profile run of one source share its time, give or take


@dataclass(frozen=True)
class Dated:
    """One dated piece of evidence: what happened when, and where copdir read it."""

    moment: datetime
    label: str  # "newest post", "upcoming event" …
    signal: Signal

    @property
    def weak(self) -> bool:
        return self.signal.kind in CHANGE_KINDS


@dataclass(frozen=True)
class Counter:
    kind: str
    value: int
    signal: Signal


@dataclass(frozen=True)
class Stale:
    """A counter set aside, and why."""

    ref: str
    kind: str
    note: str


def day(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d")


def current(signals: Sequence[Signal]) -> list[Signal]:
    """The signals of each source's latest reading: what a source said once and no longer says is history."""
    latest: dict[str, datetime] = {}
    for signal in signals:
        if signal.seen_until > latest.get(signal.source_url, signal.seen_until - timedelta(seconds=1)):
            latest[signal.source_url] = signal.seen_until
    return [s for s in signals if s.seen_until >= latest[s.source_url] - CURRENT_SLACK]


def dated_evidence(signals: Sequence[Signal], checks: Sequence[CheckResult], now: datetime,
                   thresholds: Thresholds) -> list[Dated]:
    """Every readable date that shows life, no later than now, newest first.

    An upcoming event counts when it is at most `event_within_days` ahead: people who announce a
    meeting are there. An event already past is a date when people met.
    """
    found: list[Dated] = []
    horizon = now + timedelta(days=thresholds.event_within_days)
    for signal in signals:
        moment = parse_utc(signal.value) if signal.kind in POST_KINDS or signal.kind in CHANGE_KINDS \
            or signal.kind == SignalKind.UPCOMING_EVENT.value else None
        if moment is None:
            continue
        if signal.kind == SignalKind.UPCOMING_EVENT.value:
            if moment > horizon:
                continue
            label = "upcoming event" if moment > now else "event held"
            found.append(Dated(min(moment, now), f"{label} {day(moment)}", signal))
        elif moment <= now + timedelta(days=1):  # a date in the future is a typo or a placeholder
            found.append(Dated(moment, f"{POST_KINDS.get(signal.kind) or CHANGE_KINDS[signal.kind]} {day(moment)}",
                               signal))
    for check in checks:
        if check.last_modified and check.last_modified <= now + timedelta(days=1):
            pseudo = Signal(SignalKind.PAGE_MODIFIED.value, check.last_modified.isoformat(), check.checked_at,
                            check.url, ref=check.ref)
            found.append(Dated(check.last_modified, f"page last modified {day(check.last_modified)}", pseudo))
    return sorted(found, key=lambda d: d.moment, reverse=True)


def counters(signals: Sequence[Signal]) -> dict[str, Counter]:
    """The newest reading of each counter (posts in 30 days, active users, members online) and of members."""
    found: dict[str, Counter] = {}
    for signal in sorted(signals, key=lambda s: s.seen_until):
        if signal.kind not in COUNTER_KINDS and signal.kind != SignalKind.MEMBERS.value:
            continue
        try:
            value = int(float(signal.value))
        except ValueError:
            continue
        if value >= 0:
            found[signal.kind] = Counter(signal.kind, value, signal)
    return found


@functools.lru_cache(maxsize=4096)
def _host(url: str) -> str:
    return urlsplit(url).hostname or ""


def _frozen(counter: Counter, thresholds: Thresholds) -> str:
    signal = counter.signal
    span_days = (signal.seen_until - signal.observed_at).total_seconds() / 86400
    if counter.value and signal.times_seen >= thresholds.stale_min_observations \
            and span_days >= thresholds.stale_min_days:  # a steady zero is what a quiet place looks like
        return f"unchanged in {signal.times_seen} observations since {day(signal.observed_at)}"
    return ""


def _contradicted(counter: Counter, dated: Sequence[Dated]) -> str:
    """Posts in 30 days against the same site's newest dated post, as of the counter's reading."""
    if counter.kind != SignalKind.POSTS_30D.value:
        return ""
    signal = counter.signal
    newest = next((d for d in dated if not d.weak and d.moment <= signal.seen_until
                   and _host(d.signal.source_url) == _host(signal.source_url)), None)
    if newest is None:
        return ""
    recent = newest.moment >= signal.seen_until - WINDOW_30D
    if counter.value and newest.moment < signal.seen_until - WINDOW_30D - timedelta(days=1):
        return f"contradicts the {newest.label}"
    if not counter.value and recent and newest.moment < signal.observed_at:  # a post the count should include
        return f"contradicts the {newest.label}"
    return ""


def stale_counters(found: dict[str, Counter], dated: Sequence[Dated], thresholds: Thresholds) -> list[Stale]:
    """Counters not to trust: frozen above zero, or at odds with the same site's own dated posts."""
    stale = []
    for counter in found.values():
        if counter.kind not in COUNTER_KINDS:
            continue
        if why := _frozen(counter, thresholds) or _contradicted(counter, dated):
            stale.append(Stale(counter.signal.ref, counter.kind, f"{counter.kind} {counter.value}: {why}"))
    return stale
