"""Typed records that flow between the stages.

A leaf module: it imports nothing from the project, so every stage (spiders, checker, scorer,
catalogue) can share these names without import cycles.
"""
from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import datetime, timezone


class Platform(str, enum.Enum):
    """Where a community lives. The value is what the catalogue stores."""

    DISCORD = "discord"
    SLACK = "slack"
    DISCOURSE = "discourse"
    FORUM = "forum"  # any other web forum (phpBB, vBulletin, XenForo, NodeBB, Flarum …)
    MASTODON = "mastodon"
    LEMMY = "lemmy"
    REDDIT = "reddit"
    MEETUP = "meetup"
    TELEGRAM = "telegram"
    MATRIX = "matrix"
    MAILING_LIST = "mailing_list"
    GITHUB = "github"  # GitHub organisations and Discussions
    FACEBOOK = "facebook"
    LINKEDIN = "linkedin"
    WEBSITE = "website"  # an association or community's own site


class CheckOutcome(str, enum.Enum):
    """What one check of one URL found. Expected outcomes are values, never exceptions."""

    OK = "ok"
    REDIRECTED = "redirected"  # same site, different URL
    MOVED = "moved"  # permanent redirect to a different site
    NOT_FOUND = "not_found"
    GONE = "gone"
    SERVER_ERROR = "server_error"
    TIMEOUT = "timeout"
    DNS_FAILURE = "dns_failure"
    CONNECTION_REFUSED = "connection_refused"
    TLS_FAILURE = "tls_failure"
    BLOCKED = "blocked"  # 401/403/429, bot walls, robots.txt disallow: unverifiable
    PARKED = "parked"
    INVITE_EXPIRED = "invite_expired"
    EXCLUDED = "excluded"  # refused by our own safety rules (SSRF, scheme)
    ERROR = "error"  # anything else at the network level


class Reachability(str, enum.Enum):
    UNKNOWN = "unknown"
    LIVE = "live"
    FAILING = "failing"
    BLOCKED = "blocked"
    MOVED = "moved"
    DEAD = "dead"


class Activity(str, enum.Enum):
    ACTIVE = "active"
    QUIET = "quiet"
    DORMANT = "dormant"
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class Observation:
    """One community as one directory source lists it."""

    source: str  # the source's name in data/sources.yml
    url: str  # as written in the list (absolute)
    name: str
    description: str = ""
    section: str = ""  # heading path, " > " separated
    annotations: tuple[str, ...] = ()  # what the list says of the entry: "inactive", "struck through" …
    platform: Platform = Platform.WEBSITE


@dataclass(frozen=True)
class CheckResult:
    """One check of one URL at one time."""

    url: str
    checked_at: datetime
    outcome: CheckOutcome
    http_status: int | None = None
    final_url: str | None = None
    redirects: tuple[str, ...] = ()
    detail: str = ""  # one line: why this outcome
    last_modified: datetime | None = None
    retry_after: float | None = None
    elapsed_ms: int = 0


@dataclass(frozen=True)
class Signal:
    """A dated piece of evidence about a community, e.g. its newest post."""

    kind: str  # "newest_post", "online_members", "list_annotation" …
    value: str
    observed_at: datetime
    source_url: str


@dataclass(frozen=True)
class Status:
    """A community's status on both axes, with the reasons behind it."""

    reachability: Reachability
    activity: Activity
    reasons: tuple[str, ...] = field(default_factory=tuple)
    successor_url: str | None = None
    last_activity: datetime | None = None

    @property
    def reason(self) -> str:
        return "; ".join(self.reasons)


def parse_utc(value: str) -> datetime | None:
    """An ISO 8601 time as stored and scraped ("Z" allowed; a bare date or naive time is UTC), or None."""
    try:
        moment = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)
