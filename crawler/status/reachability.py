"""Reachability — can a visitor get there? — from a link's checks and what its platform says.

Hysteresis keeps flaky hosts from flapping: one failure, or one 401/403/429, never changes a status
(the recheck ladder brings the link back within the hour to confirm). Dead needs many failures
over days, or one definitive signal: 410, a parked domain, an expired invite, a platform saying the
community is banned or deleted. Blocked is unverifiable, never dead.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from crawler.models import CheckOutcome, CheckResult, Reachability, Signal, SignalKind
from crawler.status.evidence import day
from crawler.status.thresholds import Thresholds

REACHABLE = frozenset({CheckOutcome.OK, CheckOutcome.REDIRECTED})
DEFINITIVELY_DEAD = frozenset({CheckOutcome.GONE, CheckOutcome.PARKED, CheckOutcome.INVITE_EXPIRED})
FAILURES = frozenset({
    CheckOutcome.NOT_FOUND, CheckOutcome.SERVER_ERROR, CheckOutcome.TIMEOUT, CheckOutcome.DNS_FAILURE,
    CheckOutcome.CONNECTION_REFUSED, CheckOutcome.TLS_FAILURE, CheckOutcome.TLS_EXPIRED, CheckOutcome.ERROR,
    CheckOutcome.SOFT_404, CheckOutcome.REDIRECT_LOOP,
})
# What a platform can say of a community that ends it, whatever its pages still answer.
ENDED_ACCESS = frozenset({"banned", "deleted", "closed"})


@dataclass(frozen=True)
class ReachabilityFinding:
    reachability: Reachability
    reason: str
    cited: tuple[str, ...] = ()
    successor_url: str | None = None


def _streak(checks: Sequence[CheckResult], outcomes: frozenset[CheckOutcome]) -> int:
    count = 0
    for check in reversed(checks):
        if check.outcome not in outcomes:
            break
        count += 1
    return count


def _platform_says_ended(current_signals: Sequence[Signal]) -> Signal | None:
    """The platform's word, in its latest answers, that the community is banned, deleted or closed, or that its
    invite died."""
    for signal in current_signals:
        if signal.kind == SignalKind.ACCESS.value and signal.value in ENDED_ACCESS:
            return signal
        if signal.kind == SignalKind.INVITE_VALID.value and signal.value.lower() == "false":
            return signal
    return None


def _failing(checks: Sequence[CheckResult], streak: int, thresholds: Thresholds) -> ReachabilityFinding:
    last, first = checks[-1], checks[-streak]
    seen = f"{last.url}, checked {day(last.checked_at)}"
    span_days = (last.checked_at - first.checked_at).total_seconds() / 86400
    # When every check read is a failure and scoring read as many as it reads, the streak began earlier still.
    count = f"at least {streak}" if streak == len(checks) >= thresholds.history_max_checks else str(streak)
    summary = f"{count} failed checks since {day(first.checked_at)} (last: {last.outcome.value}, {last.detail})"
    cited = tuple(dict.fromkeys(check.ref for check in (first, last) if check.ref))
    if streak >= thresholds.dead_min_failures and span_days >= thresholds.dead_min_days:
        return ReachabilityFinding(Reachability.DEAD, f"dead: {summary} — {seen}", cited)
    if streak < thresholds.failing_min_failures:  # too few to say anything: what the checks before said stands
        if streak == len(checks):
            return ReachabilityFinding(Reachability.UNKNOWN, f"unknown, rechecking: the first check failed "
                                                             f"({last.outcome.value}, {last.detail}) — {seen}", cited)
        before = reachability_of(checks[:-streak], (), thresholds)
        return ReachabilityFinding(before.reachability, f"{before.reachability.value}, rechecking: {summary}; one "
                                                        f"failure does not change a status — {seen}",
                                   cited, before.successor_url)
    return ReachabilityFinding(Reachability.FAILING, f"failing: {summary} — {seen}", cited)


def reachability_of(checks: Sequence[CheckResult], current_signals: Sequence[Signal],
                    thresholds: Thresholds) -> ReachabilityFinding:
    """From the checks of one link (oldest first) and its platform's latest answers (`evidence.current`)."""
    if not checks:
        return ReachabilityFinding(Reachability.UNKNOWN, "not checked yet")
    last = checks[-1]
    seen = f"{last.url}, checked {day(last.checked_at)}"
    ref = (last.ref,) if last.ref else ()
    if last.outcome in DEFINITIVELY_DEAD:
        return ReachabilityFinding(Reachability.DEAD, f"dead: {last.detail} — {seen}", ref)
    if (ended := _platform_says_ended(current_signals)) is not None:
        what = "the invite is no longer valid" if ended.kind == SignalKind.INVITE_VALID.value else ended.value
        return ReachabilityFinding(Reachability.DEAD, f"dead: the platform says {what} — {ended.source_url}, "
                                                      f"seen {day(ended.seen_until)}", (ended.ref,) if ended.ref else ())
    if last.outcome in REACHABLE:
        return ReachabilityFinding(Reachability.LIVE, f"live: {last.detail} — {seen}", ref)
    if last.outcome is CheckOutcome.MOVED:
        return ReachabilityFinding(Reachability.MOVED, f"moved: {last.detail} — {seen}", ref, last.final_url)
    if last.outcome is CheckOutcome.EXCLUDED:
        return ReachabilityFinding(Reachability.UNKNOWN, f"not checked: {last.detail}", ref)
    if last.outcome is CheckOutcome.BLOCKED:
        blocked = _streak(checks, frozenset({CheckOutcome.BLOCKED}))
        before = checks[-blocked - 1] if blocked < len(checks) else None
        if blocked < thresholds.blocked_min_answers and before is not None and before.outcome in REACHABLE:
            return ReachabilityFinding(Reachability.LIVE, f"live, rechecking: refused once ({last.detail}) after a "
                                                          f"success — {seen}", ref)
        return ReachabilityFinding(Reachability.BLOCKED, f"blocked, so unverifiable (never counted dead): "
                                                         f"{last.detail} — {seen}", ref)
    return _failing(checks, _streak(checks, FAILURES), thresholds)

