"""Lifecycle — new, growing, steady, declining, revived — from the metric and status history.

Growth and decline compare each counter's newest reading with the reading at least
`trend_window_days` before it; a community that was dormant and is active again is "revived" for
`revived_for_days`. Each label comes with the words that justify it.
"""
from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from crawler.models import Activity, Lifecycle, Signal, SignalKind, parse_utc
from crawler.status.evidence import day
from crawler.status.thresholds import Thresholds

TREND_KINDS = (SignalKind.MEMBERS.value, SignalKind.ACTIVE_USERS.value, SignalKind.POSTS_30D.value)
HistoryRow = tuple[datetime, str, str]  # (changed_at, reachability, activity)


def _revived(history: Sequence[HistoryRow], activity: Activity, now: datetime, thresholds: Thresholds) -> str:
    """When the community came back from dormancy within the window, the words for it; else ''."""
    if activity is not Activity.ACTIVE:
        return ""
    timeline = list(history) + [(now, "", activity.value)]
    came_back = None
    for (_, _, before), (moment, _, after) in zip(timeline, timeline[1:]):
        if before == Activity.DORMANT.value and after in (Activity.ACTIVE.value, Activity.QUIET.value):
            came_back = moment
        elif after == Activity.DORMANT.value:
            came_back = None
    if came_back is None or now - came_back > timedelta(days=thresholds.revived_for_days):
        return ""
    return f"revived: active again since {day(came_back)} after being dormant"


def _readings(signals: Sequence[Signal], kind: str) -> list[tuple[datetime, int]]:
    """(time, value) of a counter, each stored row at both ends of the span it was seen, oldest first."""
    found = []
    for signal in signals:
        if signal.kind != kind:
            continue
        try:
            value = int(float(signal.value))
        except ValueError:
            continue
        found += [(signal.observed_at, value), (signal.seen_until, value)]
    return sorted(found)


def _trend(signals: Sequence[Signal], thresholds: Thresholds) -> tuple[Lifecycle, str] | None:
    """Growing or declining from the first counter that moved enough; steady when measured long enough."""
    measured = False
    for kind in TREND_KINDS:
        readings = _readings(signals, kind)
        if not readings:
            continue
        newest_at, newest = readings[-1]
        earlier = [(at, value) for at, value in readings if at <= newest_at - timedelta(days=thresholds.trend_window_days)]
        if not earlier:
            continue
        measured = True
        then_at, then = earlier[-1]
        change = (newest - then) / then if then else (1.0 if newest else 0.0)
        words = f"{kind} {then} on {day(then_at)} → {newest} on {day(newest_at)}"
        if change >= thresholds.trend_min_change:
            return Lifecycle.GROWING, f"growing: {words}"
        if change <= -thresholds.trend_min_change:
            return Lifecycle.DECLINING, f"declining: {words}"
    return (Lifecycle.STEADY, "steady: no counter moved by "
                              f"{thresholds.trend_min_change:.0%} over {thresholds.trend_window_days} days") \
        if measured else None


def _created(signals: Sequence[Signal]) -> datetime | None:
    moments = [moment for s in signals if s.kind == SignalKind.CREATED.value and (moment := parse_utc(s.value))]
    return min(moments) if moments else None


def _activity_dropped(history: Sequence[HistoryRow], activity: Activity, now: datetime,
                      thresholds: Thresholds) -> str:
    """Whether activity fell a step (active → quiet, quiet → dormant) within the trend window."""
    window_start = now - timedelta(days=thresholds.trend_window_days)
    order = [Activity.DORMANT.value, Activity.QUIET.value, Activity.ACTIVE.value]
    timeline = [row for row in history if row[2] in order] + [(now, "", activity.value)]
    for (_, _, before), (moment, _, after) in zip(timeline, timeline[1:]):
        if moment >= window_start and after in order and before in order and order.index(after) < order.index(before):
            return f"declining: activity fell from {before} to {after} on {day(moment)}"
    return ""


def lifecycle_of(signals: Sequence[Signal], history: Sequence[HistoryRow], activity: Activity, now: datetime,
                 thresholds: Thresholds) -> tuple[Lifecycle, str]:
    """The lifecycle label and the words for it. Revival outranks newness, newness outranks trends."""
    if words := _revived(history, activity, now, thresholds):
        return Lifecycle.REVIVED, words
    created = _created(signals)
    if created and now - created <= timedelta(days=thresholds.new_within_days):
        return Lifecycle.NEW, f"new: created {day(created)}"
    if words := _activity_dropped(history, activity, now, thresholds):
        return Lifecycle.DECLINING, words
    trend = _trend(signals, thresholds)
    return trend if trend else (Lifecycle.UNKNOWN, "lifecycle unknown: not enough history yet")
