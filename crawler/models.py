"""Typed records that flow between the stages.

A leaf module: it imports nothing from the project, so every stage (spiders, checker, scorer,
catalogue) can share these names without import cycles.
"""
from __future__ import annotations

import dataclasses
import enum
from dataclasses import dataclass, field
from collections.abc import Sequence
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
    TLS_FAILURE = "tls_failure"  # an invalid certificate (untrusted, wrong name) or a failed handshake
    TLS_EXPIRED = "tls_expired"  # the certificate has expired: often fixed within days, so told apart
    BLOCKED = "blocked"  # 401/403/429, bot walls, robots.txt disallow: unverifiable
    PARKED = "parked"
    SOFT_404 = "soft_404"  # 200, but an error page: the same page a path that cannot exist gets
    REDIRECT_LOOP = "redirect_loop"  # more redirects than allowed: a loop or an endless chain
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
    attempts: int = 1  # requests made for the answer, retries included (robots.txt and soft-404 probes not)
    ref: str = ""  # the stored row this came from ("checks:42"), so a status can point at its evidence


class JoinType(str, enum.Enum):
    """How a prospective member gets in."""

    OPEN = "open"  # anyone can join now (public invite, open registration, public subreddit)
    APPLICATION = "application"  # a form or approval step
    INVITE_ONLY = "invite_only"
    PAID = "paid"
    UNKNOWN = "unknown"


class SignalKind(str, enum.Enum):
    """The vocabulary of dated evidence. Values are stored; add, never rename."""

    MEMBERS = "members"  # total members / subscribers / users
    ONLINE_MEMBERS = "online_members"  # present right now (Discord presence, Reddit active_user_count)
    ACTIVE_USERS = "active_users"  # active in the platform's window (NodeInfo activeMonth, Lemmy users_active_month)
    POSTS_30D = "posts_30d"  # posts or topics in the last 30 days
    NEWEST_POST = "newest_post"  # ISO time of the newest post, topic or status
    NEWEST_FEED_ENTRY = "newest_feed_entry"  # ISO time of the newest RSS/Atom entry
    INVITE_VALID = "invite_valid"  # "true" / "false"
    INVITE_EXPIRES = "invite_expires"  # ISO time the invite expires
    ACCESS = "access"  # "public", "private", "restricted", "banned", "quarantined", "closed"
    UPCOMING_EVENT = "upcoming_event"  # ISO start time of an announced event
    LIST_ANNOTATION = "list_annotation"  # what a directory list says of the entry ("inactive")
    SITEMAP_LASTMOD = "sitemap_lastmod"  # ISO time of the newest <lastmod> in the site's sitemap
    PAGE_MODIFIED = "page_modified"  # ISO time from the page's Last-Modified header
    CREATED = "created"  # ISO time the community was created (Reddit created_utc, Lemmy published)


@dataclass(frozen=True)
class Signal:
    """A dated piece of evidence about a community, e.g. its newest post."""

    kind: str  # "newest_post", "online_members", "list_annotation" …
    value: str
    observed_at: datetime
    source_url: str
    ref: str = ""  # the stored row ("signals:17", "listings:ab12…"), so a status can point at it
    last_observed_at: datetime | None = None  # the same value seen again until then (None: only once)
    times_seen: int = 1  # how many observations in a row found this same value

    @property
    def seen_until(self) -> datetime:
        return self.last_observed_at or self.observed_at


@dataclass(frozen=True)
class Event:
    """An event a community announces on its page or platform."""

    name: str
    starts_at: datetime
    url: str = ""


@dataclass(frozen=True)
class Finding:
    """One piece of evidence of a community-of-practice quality, as a page or an API answer shows it.

    quality: "event_cadence", "knowledge_base", "code_of_conduct", "moderators", "mentoring", "membership", "cost".
    value: what it says of that quality ("monthly", "wiki", "application", "paid" …; "yes" for the yes/no ones).
    """

    quality: str
    value: str
    evidence: str  # what was seen, briefly: 'text "monthly meetup"', 'link "Wiki"', 'JSON-LD offer 49 USD'
    source_url: str  # the page or API answer it was seen on
    url: str = ""  # the link it names (the wiki, the code of conduct, the pricing page), if any
    detail: str = ""  # a price as stated ("$10/month"), for cost


@dataclass(frozen=True)
class Profile:
    """What one fetched page or platform answer says about a community. Empty means "not said".

    Several profiles of one community (its page, its platform API, its feed) are merged with
    `merge_profiles`; the first that says something wins for single-valued fields.
    """

    url: str  # what was fetched
    observed_at: datetime
    name: str = ""
    description: str = ""
    language: str = ""  # ISO 639-1, lower case ("en", "es")
    topics: tuple[str, ...] = ()
    platform: Platform | None = None
    join_url: str = ""
    join_type: JoinType = JoinType.UNKNOWN
    presences: tuple[str, ...] = ()  # absolute URLs of the community's other presences
    feeds: tuple[str, ...] = ()  # RSS/Atom URLs
    code_of_conduct: str = ""  # URL of its code of conduct or community guidelines
    events: tuple[Event, ...] = ()
    signals: tuple[Signal, ...] = ()
    qualities: tuple[Finding, ...] = ()  # evidence of CoP qualities (crawler/extract/qualities)
    place: str = ""  # where it says it is, in its own words ("US-AL", "Birmingham, Alabama, US")


def merge_profiles(profiles: Sequence[Profile]) -> Profile | None:
    """One profile from several: first non-empty single value wins, collections are united in order."""
    if not profiles:
        return None
    first = profiles[0]
    merged = {name: getattr(first, name) for name in first.__dataclass_fields__}
    for other in profiles[1:]:
        for name in first.__dataclass_fields__:
            mine, theirs = merged[name], getattr(other, name)
            if isinstance(mine, tuple):
                merged[name] = mine + tuple(item for item in theirs if item not in mine)
            elif mine in ("", None, JoinType.UNKNOWN) and theirs not in ("", None):
                merged[name] = theirs
    return Profile(**merged)


class Lifecycle(str, enum.Enum):
    """Where a community is in its life, from its metric and status history."""

    NEW = "new"  # created recently
    GROWING = "growing"  # members or activity up over the trend window
    STEADY = "steady"  # measured, and neither up nor down
    DECLINING = "declining"  # members or activity down over the trend window
    REVIVED = "revived"  # active again after being dormant
    UNKNOWN = "unknown"  # too little history to say


class OverrideKind(str, enum.Enum):
    HIATUS = "hiatus"  # paused until a date: quiet by choice, not dying
    MOVED = "moved"  # lives on at another URL
    CLOSED = "closed"  # its owner closed it


@dataclass(frozen=True)
class OwnerOverride:
    """What a verified owner says of their community. Unverified ones are never applied."""

    kind: OverrideKind
    set_at: datetime
    verified_at: datetime | None = None
    until: datetime | None = None  # hiatus: until when
    url: str = ""  # moved: where to
    note: str = ""  # the owner's own words, shown as written (rendered inert)
    ref: str = ""  # "owner_overrides:3"


@dataclass(frozen=True)
class Status:
    """A community's status on both axes, with the reasons and the evidence behind it."""

    reachability: Reachability
    activity: Activity
    reasons: tuple[str, ...] = field(default_factory=tuple)  # activity's reason first, then reachability's
    successor_url: str | None = None
    last_activity: datetime | None = None
    reachability_reason: str = ""
    activity_reason: str = ""
    evidence: tuple[str, ...] = ()  # refs of the rows behind it: "checks:42", "signals:17" …
    lifecycle: Lifecycle = Lifecycle.UNKNOWN
    stale: tuple[tuple[str, str], ...] = ()  # counters set aside: (ref, why)
    override: str = ""  # a verified owner's word in force: "on hiatus until 2027-03-01"

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


def profile_as_dict(profile: Profile) -> dict:
    """A JSON-ready dict of a profile (times as ISO strings, enums as values): a spider item."""
    return {
        **{name: getattr(profile, name) for name in ("url", "name", "description", "language", "join_url",
                                                      "code_of_conduct", "place")},
        "observed_at": profile.observed_at.isoformat(),
        "topics": list(profile.topics), "presences": list(profile.presences), "feeds": list(profile.feeds),
        "platform": profile.platform.value if profile.platform else None,
        "join_type": profile.join_type.value,
        "events": [{"name": e.name, "starts_at": e.starts_at.isoformat(), "url": e.url} for e in profile.events],
        "signals": [{"kind": s.kind, "value": s.value, "observed_at": s.observed_at.isoformat(),
                     "source_url": s.source_url} for s in profile.signals],
        "qualities": [dataclasses.asdict(finding) for finding in profile.qualities],
    }


def profile_from_dict(item: dict) -> Profile:
    """The inverse of `profile_as_dict`."""
    observed_at = parse_utc(item["observed_at"])
    return Profile(
        url=item["url"], observed_at=observed_at,
        **{name: item.get(name) or "" for name in ("name", "description", "language", "join_url", "code_of_conduct",
                                                   "place")},
        topics=tuple(item.get("topics") or ()), presences=tuple(item.get("presences") or ()),
        feeds=tuple(item.get("feeds") or ()),
        platform=Platform(item["platform"]) if item.get("platform") else None,
        join_type=JoinType(item.get("join_type") or "unknown"),
        events=tuple(Event(e["name"], parse_utc(e["starts_at"]), e.get("url", "")) for e in item.get("events") or ()),
        signals=tuple(Signal(s["kind"], s["value"], parse_utc(s["observed_at"]), s["source_url"])
                      for s in item.get("signals") or ()),
        qualities=tuple(Finding(**finding) for finding in item.get("qualities") or ()),
    )
