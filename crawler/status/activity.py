"""Activity — is anyone there? — from the evidence of life, judged by the platform's thresholds.

Dated evidence decides when there is any: the newest post, feed entry or event. Counters decide
only where nothing is dated (a Discord server's members online, a Mastodon server's active users),
and only the ones that pass the stale checks. A site that merely changed (sitemap, Last-Modified)
is the last resort, and never makes a community more than quiet.
"""
from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from crawler.models import Activity, CheckResult, Signal, SignalKind
from crawler.status.evidence import Counter, Dated, Stale, counters, current, dated_evidence, day, stale_counters
from crawler.status.thresholds import ActivityThresholds, Thresholds

COUNTER_MAX_AGE = timedelta(days=30)  # a count read longer ago than this says nothing about now
LIVELINESS = (Activity.DORMANT, Activity.QUIET, Activity.ACTIVE)  # least to most


@dataclass(frozen=True)
class ActivityFinding:
    activity: Activity
    reason: str
    last_activity: datetime | None = None
    cited: tuple[str, ...] = ()  # refs of the evidence the reason names
    stale: tuple[Stale, ...] = ()


def _by_age(age_days: int, limits: ActivityThresholds) -> Activity:
    if age_days <= limits.active_within_days:
        return Activity.ACTIVE
    if age_days <= limits.quiet_within_days:
        return Activity.QUIET
    return Activity.DORMANT


def _by_count(value: int, active_from: float) -> Activity:
    return Activity.ACTIVE if value >= active_from else Activity.QUIET if value > 0 else Activity.DORMANT


def _seen(signal: Signal) -> str:
    return f"{signal.source_url}, seen {day(signal.seen_until)}"


def _counter_words(counter: Counter, members: Counter | None) -> str:
    if counter.kind == SignalKind.POSTS_30D.value:
        return f"{counter.value} posts in 30 days"
    if counter.kind == SignalKind.ACTIVE_USERS.value:
        return f"{counter.value} active users this month"
    return f"{counter.value} of {members.value} members online" if members else f"{counter.value} members online"


def _counter_levels(found: dict[str, Counter], limits: ActivityThresholds) -> list[tuple[Activity, Counter]]:
    levels = []
    members = found.get(SignalKind.MEMBERS.value)
    for counter in found.values():
        if counter.kind == SignalKind.POSTS_30D.value:
            levels.append((_by_count(counter.value, limits.active_min_posts_30d), counter))
        elif counter.kind == SignalKind.ACTIVE_USERS.value:
            levels.append((_by_count(counter.value, limits.active_min_users), counter))
        elif counter.kind == SignalKind.ONLINE_MEMBERS.value and members is not None:
            share = counter.value / members.value if members.value else 0.0
            level = Activity.ACTIVE if share >= limits.active_online_share and counter.value else \
                Activity.QUIET if counter.value else Activity.DORMANT
            levels.append((level, counter))
    return levels


def _from_dated(newest: Dated, now: datetime, limits: ActivityThresholds, supporting: str) -> ActivityFinding:
    age = max((now - newest.moment).days, 0)
    activity = _by_age(age, limits)
    when = "ahead" if newest.label.startswith("upcoming") else f"{age} days ago"
    return ActivityFinding(activity, f"{activity.value}: {newest.label} ({when}){supporting} — {_seen(newest.signal)}",
                           newest.moment, (newest.signal.ref,))


def _from_counters(levels: list[tuple[Activity, Counter]], found: dict[str, Counter]) -> ActivityFinding:
    activity = max((level for level, _ in levels), key=LIVELINESS.index)
    members = found.get(SignalKind.MEMBERS.value)
    # The liveliest counter leads the reason; the others follow as support.
    ordered = sorted(levels, key=lambda pair: LIVELINESS.index(pair[0]), reverse=True)
    words = ", ".join(_counter_words(counter, members) for _, counter in ordered)
    lead = ordered[0][1].signal
    # Someone posted in the window, or was online when we looked: that reading is when life was last seen.
    lively = activity is not Activity.DORMANT and ordered[0][1].kind != SignalKind.ACTIVE_USERS.value
    cited = tuple(counter.signal.ref for _, counter in ordered) + ((members.signal.ref,) if members else ())
    return ActivityFinding(activity, f"{activity.value}: {words} — {_seen(lead)}",
                           lead.seen_until if lively else None, cited)


def _from_change(weak: Dated, now: datetime, limits: ActivityThresholds) -> ActivityFinding:
    """Only the site changed (sitemap, Last-Modified): old enough is dormant, anything newer at most quiet."""
    age = max((now - weak.moment).days, 0)
    activity = Activity.DORMANT if _by_age(age, limits) is Activity.DORMANT else Activity.QUIET
    return ActivityFinding(activity, f"{activity.value}: {weak.label} ({age} days ago), no dated posts — "
                                     f"{_seen(weak.signal)}", None, (weak.signal.ref,))


def _nothing_known(listed: Sequence[str]) -> ActivityFinding:
    lists = f"; a list marks it {', '.join(repr(a) for a in listed)}" if listed else ""
    return ActivityFinding(Activity.UNKNOWN, f"activity unknown: no dated evidence of life yet{lists}")


def activity_of(signals: Sequence[Signal], checks: Sequence[CheckResult], platform: str | None, now: datetime,
                thresholds: Thresholds, listed: Sequence[str] = (),
                current_signals: Sequence[Signal] | None = None) -> ActivityFinding:
    """Dated evidence first (from every signal ever read), then trusted counters (from each source's latest
    answer, `current_signals`), then a changed site; stale counters set aside and named."""
    limits = thresholds.activity_for(platform)
    dated = dated_evidence(signals, checks, now, thresholds)
    latest = current(signals) if current_signals is None else current_signals
    readings = {kind: counter for kind, counter in counters(latest).items()
                if counter.signal.seen_until >= now - COUNTER_MAX_AGE}
    stale = tuple(stale_counters(readings, dated, thresholds))
    flagged = {note.kind for note in stale}
    trusted = {kind: counter for kind, counter in readings.items() if kind not in flagged}
    strong = [d for d in dated if not d.weak]
    levels = _counter_levels(trusted, limits)
    if strong:
        posts = trusted.get(SignalKind.POSTS_30D.value)
        finding = _from_dated(strong[0], now, limits, f", {_counter_words(posts, None)}" if posts else "")
        finding = dataclasses.replace(finding, cited=finding.cited + ((posts.signal.ref,) if posts else ()))
    elif levels:
        finding = _from_counters(levels, trusted)
    elif dated:
        finding = _from_change(dated[0], now, limits)
    else:
        finding = _nothing_known(listed)
    set_aside = f"; not trusted: {'; '.join(s.note for s in stale)}" if stale else ""
    return dataclasses.replace(finding, reason=finding.reason + set_aside,
                               cited=tuple(ref for ref in finding.cited if ref), stale=stale)
