"""Scoring: checks and signals in, a status on both axes with its reasons and evidence out. A pure function.

Reachability comes from the link's checks (crawler.status.reachability), activity from the evidence
of life (crawler.status.activity), the lifecycle from the metric and status history, and a verified
owner's word overrides what it must (crawler.status.overrides). Every threshold is a field of
`crawler.status.thresholds.Thresholds`; the README documents the defaults.
"""
from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from crawler.models import Activity, CheckResult, Lifecycle, OwnerOverride, Platform, Reachability, Signal, Status
from crawler.status.activity import activity_of
from crawler.status.evidence import current
from crawler.status.lifecycle import HistoryRow, lifecycle_of
from crawler.status.overrides import hiatus_words, in_force, owner_words, reachability_override
from crawler.status.reachability import DEFINITIVELY_DEAD, FAILURES, REACHABLE, reachability_of
from crawler.status.thresholds import DEFAULT_THRESHOLDS, ActivityThresholds, Thresholds

__all__ = ["score", "Thresholds", "ActivityThresholds", "DEFAULT_THRESHOLDS", "FAILURES", "REACHABLE",
           "DEFINITIVELY_DEAD"]

# Activity is judged where someone could be there: a live link, or one a bot wall hides (its platform's API
# may still say who posted). A failing, moved or dead link has no activity to speak of.
JUDGE_ACTIVITY = frozenset({Reachability.LIVE, Reachability.BLOCKED})


def _platform_name(platform: Platform | str | None) -> str | None:
    return platform.value if isinstance(platform, Platform) else platform


def score(checks: Sequence[CheckResult], signals: Sequence[Signal], now: datetime,
          thresholds: Thresholds = DEFAULT_THRESHOLDS, *, platform: Platform | str | None = None,
          listed: Sequence[str] = (), overrides: Sequence[OwnerOverride] = (),
          history: Sequence[HistoryRow] = ()) -> Status:
    """The status of one community from its checks (oldest first), signals, list annotations, verified owner
    overrides and its earlier status changes (oldest first)."""
    latest = current(signals)  # each source's latest answer: what a platform said once and no longer says is history
    reach = reachability_of(checks, latest, thresholds)
    reachability, reach_reason, successor = reach.reachability, reach.reason, reach.successor_url
    cited = list(reach.cited)
    override = in_force(overrides, now)
    if override and (replaced := reachability_override(override)):
        reachability, reach_reason, successor = replaced
        cited.append(override.ref)
    if reachability not in JUDGE_ACTIVITY:
        return Status(reachability, Activity.UNKNOWN, (reach_reason,), successor,
                      reachability_reason=reach_reason, activity_reason=f"activity not judged: {reachability.value}",
                      evidence=tuple(dict.fromkeys(ref for ref in cited if ref)),
                      override=owner_words(override) if override else "")
    found = activity_of(signals, checks, _platform_name(platform), now, thresholds, listed, latest)
    activity_reason = found.reason
    if override:  # a hiatus: measured as it is, but quiet by choice
        activity_reason = f"{hiatus_words(override)}; {activity_reason}"
        cited.append(override.ref)
    lifecycle, _ = lifecycle_of(signals, history, found.activity, now, thresholds)
    if override and lifecycle is Lifecycle.DECLINING:
        lifecycle = Lifecycle.STEADY  # a pause its owner announced is not a decline
    evidence = tuple(dict.fromkeys(ref for ref in [*found.cited, *cited, *(s.ref for s in found.stale)] if ref))
    return Status(reachability, found.activity, (activity_reason, reach_reason), None, found.last_activity,
                  reachability_reason=reach_reason, activity_reason=activity_reason, evidence=evidence,
                  lifecycle=lifecycle, stale=tuple((s.ref, s.note) for s in found.stale),
                  override=owner_words(override) if override else "")
