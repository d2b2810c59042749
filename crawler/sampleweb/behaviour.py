"""What each simulated community does, drawn deterministically from its URL.

The same URL always gets the same behaviour, on every machine, so the sample web's ground-truth
manifest can be compared with what the pipeline concludes.

Shared platform hosts (discord.com, reddit.com, meetup.com …) are always up: their communities
differ by path. A community's own site is keyed by host, because DNS, refusals, time-outs,
parking, moves and broken certificates happen to whole hosts.
"""
from __future__ import annotations

import enum
import hashlib
from urllib.parse import urlsplit

from crawler.models import Activity, Platform, Reachability
from crawler.urls import canonicalize, platform_of

SUCCESSOR_SUFFIX = ".moved.example"  # successors of moved sites; .example is reserved (RFC 2606)
# The checker's canaries (data/checker.yml): always up, as their real counterparts nearly are.
CANARY_HOSTS = frozenset({"www.wikipedia.org", "www.debian.org", "www.python.org"})

PLATFORM_HOSTS = frozenset({
    "discord.com", "discord.gg", "discordapp.com", "www.discord.com",
    "reddit.com", "www.reddit.com", "old.reddit.com",
    "join.slack.com", "publicslack.com", "launchpass.com",
    "meetup.com", "www.meetup.com", "t.me", "telegram.me", "matrix.to",
    "github.com", "facebook.com", "www.facebook.com", "linkedin.com", "www.linkedin.com",
    "groups.google.com", "groups.io", "raw.githubusercontent.com", "matrix.org",
})


class Behaviour(str, enum.Enum):
    LIVE_ACTIVE = "live-active"
    LIVE_QUIET = "live-quiet"
    DORMANT = "dormant"
    NOT_FOUND = "404"
    GONE = "410"
    SERVER_ERROR = "500"
    NXDOMAIN = "nxdomain"
    REFUSED = "connection-refused"
    TIMEOUT = "timeout"
    PARKED = "parked"
    INVITE_EXPIRED = "invite-expired"
    MOVED = "moved"
    BOT_WALL = "403-bot-wall"
    RATE_LIMITED = "429-retry-after"
    FLAKY = "flaky"
    TLS_EXPIRED = "tls-expired"  # https meets a certificate for the right name that expired in 2001
    TLS_INVALID = "tls-invalid"  # https meets a self-signed certificate for another name
    SOFT_404 = "soft-404"  # every path answers 200 with a "Page not found" page
    SLOW_DRIP = "slow-drip"  # 200 at once, then a few bytes every half second for minutes
    REDIRECT_LOOP = "redirect-loop"  # every path redirects to itself with a new query, forever


LIVE = frozenset({Behaviour.LIVE_ACTIVE, Behaviour.LIVE_QUIET, Behaviour.DORMANT})
TLS_FAILURES = frozenset({Behaviour.TLS_EXPIRED, Behaviour.TLS_INVALID})
# Hosts that are a live, active site underneath their failure: plain http of a host with a broken
# certificate still answers (real sites often do on port 80), and a slow drip trickles out a real page.
LIVE_UNDERNEATH = TLS_FAILURES | {Behaviour.SLOW_DRIP}
HOST_LEVEL = frozenset({Behaviour.NXDOMAIN, Behaviour.REFUSED, Behaviour.TIMEOUT, Behaviour.PARKED, Behaviour.MOVED,
                        Behaviour.SLOW_DRIP, Behaviour.REDIRECT_LOOP}) | TLS_FAILURES

# Weights in per-mille. Own sites can fail in every way; platform pages only per path;
# invites (Discord, Slack) mostly live or expired. The newer failures sit right after LIVE_ACTIVE,
# in the share it gave up, so every other site kept the behaviour it had before they came.
_SITE_WEIGHTS = {
    Behaviour.LIVE_ACTIVE: 300,
    Behaviour.TLS_EXPIRED: 15, Behaviour.TLS_INVALID: 15, Behaviour.SOFT_404: 25, Behaviour.SLOW_DRIP: 10,
    Behaviour.REDIRECT_LOOP: 15,
    Behaviour.LIVE_QUIET: 150, Behaviour.DORMANT: 110,
    Behaviour.NOT_FOUND: 50, Behaviour.GONE: 25, Behaviour.SERVER_ERROR: 20,
    Behaviour.NXDOMAIN: 60, Behaviour.REFUSED: 30, Behaviour.TIMEOUT: 20, Behaviour.PARKED: 40,
    Behaviour.MOVED: 40, Behaviour.BOT_WALL: 30, Behaviour.RATE_LIMITED: 20, Behaviour.FLAKY: 25,
}
_PLATFORM_WEIGHTS = {
    Behaviour.LIVE_ACTIVE: 450, Behaviour.LIVE_QUIET: 180, Behaviour.DORMANT: 150,
    Behaviour.NOT_FOUND: 90, Behaviour.GONE: 20, Behaviour.BOT_WALL: 40,
    Behaviour.RATE_LIMITED: 40, Behaviour.FLAKY: 30,
}
_INVITE_WEIGHTS = {
    Behaviour.LIVE_ACTIVE: 450, Behaviour.LIVE_QUIET: 150, Behaviour.DORMANT: 100,
    Behaviour.INVITE_EXPIRED: 250, Behaviour.RATE_LIMITED: 25, Behaviour.FLAKY: 25,
}


def _is_platform_host(host: str) -> bool:
    # Slack workspaces (team.slack.com) are pages of Slack, which is always up.
    return host in PLATFORM_HOSTS or host.endswith(".slack.com")


def weighted_pick(point: int, weights: dict):
    """The choice whose share of range(sum(weights)) holds point: a deterministic weighted draw."""
    for choice, weight in weights.items():
        if point < weight:
            return choice
        point -= weight
    raise AssertionError("weights exhausted")  # unreachable when point < sum(weights)


def _hash(key: str) -> int:
    return int.from_bytes(hashlib.sha256(key.encode()).digest()[:8], "big")


def _draw(key: str, weights: dict[Behaviour, int]) -> Behaviour:
    return weighted_pick(_hash(key) % sum(weights.values()), weights)


def is_invite(url: str) -> bool:
    """Discord and Slack invite links: the ones that expire."""
    parts = urlsplit(url)
    host, path = parts.hostname or "", parts.path
    if host in ("discord.com", "discord.gg", "discordapp.com", "www.discord.com"):
        return host == "discord.gg" or path.startswith("/invite/")
    return host == "join.slack.com" or "/shared_invite/" in path


def behaviour_of(url: str) -> Behaviour:
    """The simulated behaviour of the community at url (any spelling of it)."""
    try:
        canonical = canonicalize(url)
    except ValueError:
        return Behaviour.NOT_FOUND
    host = urlsplit(canonical).hostname or ""
    if host.endswith(SUCCESSOR_SUFFIX) or host in CANARY_HOSTS:
        return Behaviour.LIVE_ACTIVE
    key = canonical.split("://", 1)[-1]  # http and https spellings are one community
    if is_invite(canonical):
        return _draw(key, _INVITE_WEIGHTS)
    if _is_platform_host(host):
        return _draw(key, _PLATFORM_WEIGHTS)
    return _draw(host, _SITE_WEIGHTS)


def host_behaviour(host: str) -> Behaviour | None:
    """The behaviour that applies to a whole host (DNS, refusal, …), or None when it is up."""
    if _is_platform_host(host) or host.endswith(SUCCESSOR_SUFFIX) or host in CANARY_HOSTS:
        return None
    behaviour = _draw(host, _SITE_WEIGHTS)
    return behaviour if behaviour in HOST_LEVEL else None


def rejects_head(host: str) -> bool:
    """Whether the host answers every HEAD request with 405 Method Not Allowed: about one live own
    site in five, as some real servers and CMSs do, so a checker must fall back to GET."""
    if _is_platform_host(host) or host.endswith(SUCCESSOR_SUFFIX):
        return False
    return _draw(host, _SITE_WEIGHTS) in LIVE and _hash(f"head:{host}") % 5 == 0


def successor_of(url: str) -> str:
    """Where a moved site went: a different site, so the checker must call it moved."""
    host = urlsplit(url).hostname or "site"
    return f"https://{host.replace('.', '-')}{SUCCESSOR_SUFFIX}/"


# What the pipeline must conclude once it has checked for long enough (≥ 6 checks over ≥ 7 days).
# None: ambiguous by design (a flaky host may fairly be live or failing on any given day).
_EXPECTED_REACHABILITY = {
    Behaviour.LIVE_ACTIVE: Reachability.LIVE, Behaviour.LIVE_QUIET: Reachability.LIVE,
    Behaviour.DORMANT: Reachability.LIVE, Behaviour.NOT_FOUND: Reachability.DEAD,
    Behaviour.GONE: Reachability.DEAD, Behaviour.SERVER_ERROR: Reachability.DEAD,
    Behaviour.NXDOMAIN: Reachability.DEAD, Behaviour.REFUSED: Reachability.DEAD,
    Behaviour.TIMEOUT: Reachability.DEAD, Behaviour.PARKED: Reachability.DEAD,
    Behaviour.INVITE_EXPIRED: Reachability.DEAD, Behaviour.MOVED: Reachability.MOVED,
    Behaviour.BOT_WALL: Reachability.BLOCKED, Behaviour.RATE_LIMITED: Reachability.BLOCKED,
    Behaviour.FLAKY: None,
    Behaviour.TLS_EXPIRED: Reachability.DEAD, Behaviour.TLS_INVALID: Reachability.DEAD,
    Behaviour.SOFT_404: Reachability.DEAD, Behaviour.SLOW_DRIP: Reachability.DEAD,
    Behaviour.REDIRECT_LOOP: Reachability.DEAD,
}
_EXPECTED_ACTIVITY = {
    Behaviour.LIVE_ACTIVE: Activity.ACTIVE, Behaviour.LIVE_QUIET: Activity.QUIET,
    Behaviour.DORMANT: Activity.DORMANT,
}
# Platforms where the sample web, like the real one, shows no dated evidence of life
# (Discord shows none on the page either, but its invite API counts who is online).
_NO_ACTIVITY_EVIDENCE = frozenset({Platform.SLACK, Platform.MATRIX})


def shows_dated_posts(url: str) -> bool:
    """Whether the simulated page of a live community carries dated posts (its evidence of life)."""
    return platform_of(url) not in _NO_ACTIVITY_EVIDENCE | {Platform.DISCORD}


def expected_status(url: str) -> tuple[Reachability, Activity] | None:
    """The unambiguous status of the community at url, or None when there is none."""
    if not url.lower().startswith(("http://", "https://")):
        return None  # mailto: and handles are not checked over HTTP
    behaviour = behaviour_of(url)
    if behaviour in TLS_FAILURES and url.lower().startswith("http://"):
        behaviour = Behaviour.LIVE_ACTIVE  # plain http never meets the broken certificate
    reachability = _EXPECTED_REACHABILITY[behaviour]
    if reachability is None:
        return None
    activity = _EXPECTED_ACTIVITY.get(behaviour, Activity.UNKNOWN)
    if reachability is Reachability.LIVE and platform_of(url) in _NO_ACTIVITY_EVIDENCE:
        activity = Activity.UNKNOWN
    return reachability, activity
