"""Scoring: checks and signals in, a status on both axes with its reasons out. A pure function.

Every threshold is a named field of `Thresholds`; the README documents the defaults.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from crawler.models import Activity, CheckOutcome, CheckResult, Reachability, Signal, Status, parse_utc


@dataclass(frozen=True)
class Thresholds:
    dead_min_failures: int = 6  # anchors: ≥ 6 failed checks …
    dead_min_days: float = 7.0  # … over ≥ 7 days before "dead"
    failing_min_failures: int = 2  # after a success, one failure alone does not demote (no flapping)
    active_within_days: int = 30  # newest evidence of life at most this old: active
    quiet_within_days: int = 180  # … at most this old: quiet; older: dormant
    discord_active_online_share: float = 0.05  # online/members at least this: active; above 0: quiet


DEFAULT_THRESHOLDS = Thresholds()

REACHABLE = frozenset({CheckOutcome.OK, CheckOutcome.REDIRECTED})
DEFINITIVELY_DEAD = frozenset({CheckOutcome.GONE, CheckOutcome.PARKED, CheckOutcome.INVITE_EXPIRED})
FAILURES = frozenset({
    CheckOutcome.NOT_FOUND, CheckOutcome.SERVER_ERROR, CheckOutcome.TIMEOUT, CheckOutcome.DNS_FAILURE,
    CheckOutcome.CONNECTION_REFUSED, CheckOutcome.TLS_FAILURE, CheckOutcome.TLS_EXPIRED, CheckOutcome.ERROR,
    CheckOutcome.SOFT_404, CheckOutcome.REDIRECT_LOOP,
})


def _day(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d")


def reachability_of(checks: Sequence[CheckResult], thresholds: Thresholds) -> tuple[Reachability, str]:
    """From the checks of one URL, oldest first."""
    if not checks:
        return Reachability.UNKNOWN, "not checked yet"
    last = checks[-1]
    seen = f"checked {_day(last.checked_at)}"
    if last.outcome in REACHABLE:
        return Reachability.LIVE, f"live: {last.detail} — {seen}"
    if last.outcome is CheckOutcome.MOVED:
        return Reachability.MOVED, f"moved: {last.detail} — {seen}"
    if last.outcome is CheckOutcome.BLOCKED:
        return Reachability.BLOCKED, f"blocked, so unverifiable (never counted dead): {last.detail} — {seen}"
    if last.outcome in DEFINITIVELY_DEAD:
        return Reachability.DEAD, f"dead: {last.detail} — {seen}"
    if last.outcome is CheckOutcome.EXCLUDED:
        return Reachability.UNKNOWN, f"not checked: {last.detail}"
    streak = 0
    for check in reversed(checks):
        if check.outcome not in FAILURES:
            break
        streak += 1
    first = checks[-streak]
    span_days = (last.checked_at - first.checked_at).total_seconds() / 86400
    summary = f"{streak} failed checks since {_day(first.checked_at)} (last: {last.outcome.value}, {last.detail})"
    if streak >= thresholds.dead_min_failures and span_days >= thresholds.dead_min_days:
        return Reachability.DEAD, f"dead: {summary} — {seen}"
    succeeded_before = streak < len(checks) and checks[-streak - 1].outcome in REACHABLE
    if succeeded_before and streak < thresholds.failing_min_failures:
        return Reachability.LIVE, f"live, rechecking: {summary}; one failure after a success does not demote — {seen}"
    return Reachability.FAILING, f"failing: {summary} — {seen}"


def activity_of(signals: Sequence[Signal], now: datetime, thresholds: Thresholds) -> tuple[Activity, str, datetime | None]:
    """From the newest evidence of life: dated posts first, then Discord's online share."""
    dated = [(moment, signal) for signal in signals if signal.kind == "newest_post"
             and (moment := parse_utc(signal.value)) is not None]
    if dated:
        newest, signal = max(dated, key=lambda pair: pair[0])
        age = (now - newest).days
        if age <= thresholds.active_within_days:
            activity = Activity.ACTIVE
        elif age <= thresholds.quiet_within_days:
            activity = Activity.QUIET
        else:
            activity = Activity.DORMANT
        return activity, (f"{activity.value}: newest post {_day(newest)} ({age} days ago) — "
                          f"{signal.source_url}, seen {_day(signal.observed_at)}"), newest
    counts = {signal.kind: signal for signal in signals if signal.kind in ("members", "online_members")}
    if len(counts) == 2:
        members, online = int(counts["members"].value), int(counts["online_members"].value)
        share = online / members if members else 0.0
        if share >= thresholds.discord_active_online_share:
            activity = Activity.ACTIVE
        elif online > 0:
            activity = Activity.QUIET
        else:
            activity = Activity.DORMANT
        source = counts["online_members"]
        return activity, (f"{activity.value}: {online} of {members} members online — "
                          f"{source.source_url}, seen {_day(source.observed_at)}"), None
    return Activity.UNKNOWN, "activity unknown: no dated evidence of life yet", None


def score(checks: Sequence[CheckResult], signals: Sequence[Signal], now: datetime,
          thresholds: Thresholds = DEFAULT_THRESHOLDS) -> Status:
    """The status of one community from its checks (oldest first) and signals."""
    reachability, reach_reason = reachability_of(checks, thresholds)
    successor = checks[-1].final_url if reachability is Reachability.MOVED else None
    if reachability is not Reachability.LIVE:
        return Status(reachability, Activity.UNKNOWN, (reach_reason,), successor)
    activity, activity_reason, last_activity = activity_of(signals, now, thresholds)
    return Status(reachability, activity, (activity_reason, reach_reason), None, last_activity)
