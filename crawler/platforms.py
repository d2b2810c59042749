"""Platform knowledge the checker needs: what to fetch for a link, and what a body means.

A Discord invite page is the same single-page app whether the invite lives or not, so the
invite API is what tells; Slack says so in the page's boot data; parked domains and bot walls
answer 200 or 403 with tell-tale markers.
"""
from __future__ import annotations

import json
import re
from urllib.parse import quote, urlsplit

import httpx

DISCORD_INVITE = re.compile(r"^https://discord\.com/invite/([A-Za-z0-9-]+)$")
MATRIX_ROOM = re.compile(r"^https://matrix\.to/#/([#!][^/?]+)$")
# matrix.org's client API summarises any public room, by alias or id, over federation (spec v1.15).
MATRIX_ROOM_SUMMARY = "https://matrix.org/_matrix/client/v1/room_summary/"
DISCORD_UNKNOWN_INVITE_CODE = 10006

TELEGRAM_HOSTS = frozenset({"t.me", "telegram.me", "www.t.me"})
TELEGRAM_NOBODY = ("<title>Telegram: Contact @", "<meta property=\"og:title\" content=\"Telegram: Contact @")
CHALLENGE_MARKERS = ("just a moment...", "checking if the site connection is secure", "challenge-platform")


def probe_url(canonical_url: str) -> str:
    """The URL whose answer tells whether the community at canonical_url is reachable."""
    if match := DISCORD_INVITE.match(canonical_url):
        return f"https://discord.com/api/v10/invites/{match.group(1)}?with_counts=true"
    if match := MATRIX_ROOM.match(canonical_url):  # the room lives in the fragment, never sent
        return MATRIX_ROOM_SUMMARY + quote(match.group(1), safe="")
    return canonical_url


def is_discord_api(url: str) -> bool:
    parts = urlsplit(url)
    return parts.hostname == "discord.com" and parts.path.startswith("/api/")


def is_discord_unknown_invite(body: bytes) -> bool:
    try:
        payload = json.loads(body)
    except (ValueError, RecursionError):
        return False
    return isinstance(payload, dict) and payload.get("code") == DISCORD_UNKNOWN_INVITE_CODE


_SLACK_INVITE_ERROR = re.compile(r'"isSharedInviteError"\s*:\s*true')


def is_slack_invite_error(url: str, text: str) -> bool:
    """Slack's boot data says the shared invite is dead; only Slack's own pages carry it."""
    host = urlsplit(url).hostname or ""
    return (host == "slack.com" or host.endswith(".slack.com")) and bool(_SLACK_INVITE_ERROR.search(text))


def is_telegram_invite(url: str) -> bool:
    parts = urlsplit(url)
    return parts.hostname in TELEGRAM_HOSTS and parts.path.startswith(("/joinchat/", "/+"))


def is_telegram_nobody(url: str, text: str) -> bool:
    """t.me's page for a name or invite that leads nowhere: the generic title and no member count."""
    return (urlsplit(url).hostname in TELEGRAM_HOSTS and any(marker in text for marker in TELEGRAM_NOBODY)
            and "tgme_page_extra" not in text)


def is_challenge(headers: httpx.Headers, text: str) -> bool:
    if headers.get("cf-mitigated", "").lower() == "challenge":
        return True
    lowered = text[:5000].lower()
    return any(marker in lowered for marker in CHALLENGE_MARKERS)


def same_site(url_a: str, url_b: str) -> bool:
    """Rough same-site test: equal hosts once "www." is dropped, or one a subdomain of the other."""
    a = (urlsplit(url_a).hostname or "").removeprefix("www.")
    b = (urlsplit(url_b).hostname or "").removeprefix("www.")
    return a == b or a.endswith("." + b) or b.endswith("." + a)
