"""When each link is checked next: often enough to notice, seldom enough to be polite.

- live links about daily, with jitter so a big directory does not fall due all at one moment;
- after a first failure, fast rechecks (about 1 h, 1 d, 3 d) tell a blip from a death;
- a link still failing after those is checked daily until it counts as dead;
- dead links (a definitive answer, or enough failures) weekly, in case they come back;
- a Retry-After the host asked for is honoured: never due before it.
A pure function of the last check; the jitter is drawn from the community's id, so it is stable.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta

from crawler.models import CheckOutcome, CheckResult

# What the schedule counts as a failure: everything that is neither an answer from the community
# nor a refusal to let us look (blocked), nor our own refusal (excluded).
NOT_FAILURES = frozenset({CheckOutcome.OK, CheckOutcome.REDIRECTED, CheckOutcome.MOVED, CheckOutcome.BLOCKED,
                          CheckOutcome.EXCLUDED})
DEFINITIVE = frozenset({CheckOutcome.GONE, CheckOutcome.PARKED, CheckOutcome.INVITE_EXPIRED})


@dataclass(frozen=True)
class RecheckPolicy:
    live_every: timedelta = timedelta(hours=22)  # ± jitter: a daily run always finds yesterday's links due
    live_jitter: timedelta = timedelta(hours=2)
    after_failure: tuple[timedelta, ...] = (timedelta(hours=1), timedelta(days=1), timedelta(days=3))
    failing_every: timedelta = timedelta(days=1)
    dead_every: timedelta = timedelta(days=7)
    # Daily until scoring can call the link dead: ≥ 6 failures over ≥ 7 days. The ladder's first six
    # failures span 6 days and 1 hour (1 h, 1 d, 3 d, 1 d, 1 d), so the seventh is the one that passes 7 days.
    dead_after_failures: int = 7
    excluded_every: timedelta = timedelta(days=7)  # our own refusals change only when the rules do


DEFAULT_RECHECK = RecheckPolicy()


@dataclass(frozen=True)
class Schedule:
    community_id: str
    url: str
    due_at: datetime
    failures: int  # consecutive failed checks up to now
    last_outcome: str
    last_checked_at: datetime


def is_failure(outcome: CheckOutcome) -> bool:
    return outcome not in NOT_FAILURES


def _jitter(community_id: str, checked_at: datetime, spread: timedelta) -> timedelta:
    digest = hashlib.sha256(f"{community_id}|{checked_at.isoformat()}".encode()).digest()
    fraction = int.from_bytes(digest[:4], "big") / 0xFFFFFFFF  # 0 … 1
    return spread * (2 * fraction - 1)


def next_schedule(community_id: str, result: CheckResult, failures_before: int,
                  policy: RecheckPolicy = DEFAULT_RECHECK) -> Schedule:
    """The schedule after `result`, given how many failures in a row came before it."""
    failures = failures_before + 1 if is_failure(result.outcome) else 0
    if result.outcome in DEFINITIVE or failures >= policy.dead_after_failures:
        wait = policy.dead_every
    elif failures:
        steps = policy.after_failure
        wait = steps[failures - 1] if failures <= len(steps) else policy.failing_every
    elif result.outcome is CheckOutcome.EXCLUDED:
        wait = policy.excluded_every
    else:
        wait = policy.live_every + _jitter(community_id, result.checked_at, policy.live_jitter)
    if result.retry_after:
        wait = max(wait, timedelta(seconds=result.retry_after))
    return Schedule(community_id, result.url, result.checked_at + wait, failures, result.outcome.value,
                    result.checked_at)


def replay(community_id: str, results: list[CheckResult], policy: RecheckPolicy = DEFAULT_RECHECK) -> Schedule | None:
    """The schedule a history of counted checks (oldest first) leads to; None when there is none."""
    schedule = None
    for result in results:
        schedule = next_schedule(community_id, result, schedule.failures if schedule else 0, policy)
    return schedule
