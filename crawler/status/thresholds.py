"""Every threshold of the status model, in one place, with its default and the reason for it.

The defaults follow what the best existing directories do (../shared/ANCHORS.md): dead only after
≥ 6 failed checks over ≥ 7 days (Minoru's fediverse crawler), fast rechecks before that (repology),
and dormancy judged per platform (discourse.directory: ≤ 5 posts in 30 days is barely alive).
`data/status.yml` overrides any of them; `load_thresholds` reads it.
"""
from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType

from crawler.config_file import check_keys, load_config

DEFAULT_STATUS_CONFIG = Path("data/status.yml")


@dataclass(frozen=True)
class ActivityThresholds:
    """When evidence of life counts as active, quiet or dormant on one platform."""

    active_within_days: int = 30  # newest evidence at most this old: active …
    quiet_within_days: int = 180  # … at most this old: quiet; older: dormant
    active_min_posts_30d: int = 1  # posts in the last 30 days: at least this many is active, fewer but some quiet
    active_min_users: int = 3  # monthly active users: at least this many is active, fewer but some quiet
    active_online_share: float = 0.05  # members online right now: at least this share is active, anyone quiet


# Only what differs from ActivityThresholds' defaults, so a changed default reaches every platform.
PLATFORM_ACTIVITY: Mapping[str, Mapping[str, float]] = MappingProxyType({
    "discourse": {"active_min_posts_30d": 6},  # discourse.directory: ≤ 5 posts in 30 days is not active
    "forum": {"active_min_posts_30d": 6},
    "mastodon": {"active_min_users": 5},  # a server of one or two active people is a quiet one
    "lemmy": {"active_min_users": 5},
    "reddit": {"active_online_share": 0.002},  # Reddit shows far smaller online shares than chat servers
    "meetup": {"active_within_days": 90, "quiet_within_days": 365},  # many groups meet monthly or quarterly
    "mailing_list": {"active_within_days": 60, "quiet_within_days": 365},
})


@dataclass(frozen=True)
class Thresholds:
    # Reachability
    dead_min_failures: int = 6  # anchors: ≥ 6 failed checks …
    dead_min_days: float = 7.0  # … over ≥ 7 days before "dead"
    failing_min_failures: int = 2  # one failure alone changes nothing: not live → failing, not unknown → failing
    blocked_min_answers: int = 2  # likewise, one 401/403/429 after a success is rechecked before "blocked"
    # Evidence
    event_within_days: int = 90  # an upcoming event at most this far ahead is evidence that people are there
    stale_min_observations: int = 5  # a non-zero counter unchanged over this many observations …
    stale_min_days: float = 14.0  # … spanning at least this long is frozen, not trusted
    # Lifecycle
    new_within_days: int = 90  # created at most this long ago: new
    trend_window_days: int = 28  # growth and decline compare with the value at least this long ago
    trend_min_change: float = 0.10  # a change of at least this share is growth or decline
    revived_for_days: int = 90  # how long "revived" lasts after a dormant community comes back
    # Activity, by platform
    activity: ActivityThresholds = ActivityThresholds()
    platform_activity: Mapping[str, Mapping[str, float]] = field(default_factory=lambda: PLATFORM_ACTIVITY)
    # How far back scoring reads a link's checks, and at most how many: far more than any rule needs (dead is
    # decided within ~10 checks; a longer streak is reported as "at least 15"), and bounded at 100k links checked daily.
    history_window_days: int = 120
    history_max_checks: int = 15

    def activity_for(self, platform: str | None) -> ActivityThresholds:
        return dataclasses.replace(self.activity, **self.platform_activity.get(platform or "", {}))


DEFAULT_THRESHOLDS = Thresholds()


class StatusConfigError(ValueError):
    """data/status.yml says something the status model does not know."""


def _names(cls) -> list[str]:
    return [f.name for f in dataclasses.fields(cls)]


def _check_keys(section: str, given: Mapping, allowed: list[str]) -> None:
    check_keys(section, given, allowed, StatusConfigError, noun="setting")


def thresholds_from_mapping(config: Mapping) -> Thresholds:
    """Thresholds from a parsed status.yml: `reachability:`/`evidence:`/`lifecycle:` hold top-level fields,
    `activity:` holds `default:` and one mapping per platform."""
    if not isinstance(config, Mapping):
        raise StatusConfigError("status config: expected a mapping at the top")
    plain = [name for name in _names(Thresholds) if name not in ("activity", "platform_activity")]
    fields: dict = {}
    for section, values in config.items():
        if section == "activity":
            continue
        _check_keys("status config", [section], ["reachability", "evidence", "lifecycle", "scoring", "activity"])
        _check_keys(f"status config, {section}", values or {}, plain)
        fields.update(values or {})
    activity = dict(config.get("activity") or {})
    default = activity.pop("default", None) or {}
    activity_names = _names(ActivityThresholds)
    _check_keys("status config, activity.default", default, activity_names)
    platforms = dict(PLATFORM_ACTIVITY)
    for platform, values in activity.items():
        _check_keys(f"status config, activity.{platform}", values or {}, activity_names)
        platforms[platform] = {**platforms.get(platform, {}), **(values or {})}
    try:
        return Thresholds(**fields, activity=ActivityThresholds(**default),
                          platform_activity=MappingProxyType(platforms))
    except TypeError as exc:
        raise StatusConfigError(f"status config: {exc}") from exc


def load_thresholds(path: Path = DEFAULT_STATUS_CONFIG) -> Thresholds:
    """The thresholds in path, or the defaults when it does not exist."""
    return load_config(path, DEFAULT_THRESHOLDS, thresholds_from_mapping, StatusConfigError)
