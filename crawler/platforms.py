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

# Phrases and scripts that parking services put on parked and for-sale pages.
PARKED_MARKERS = (
    "this domain may be for sale", "this domain is for sale", "buy this domain",
    "domain is parked", "parked free", "sedoparking.com", "parkingcrew.net", "bodis.com",
    "dan.com/buy-domain", "afternic.com", "hugedomains.com", "above.com/marketplace",
)
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


def is_slack_invite_error(text: str) -> bool:
    return '"isSharedInviteError":true' in text.replace(" ", "")


def is_parked(text: str) -> bool:
    lowered = text.lower()
    return any(marker in lowered for marker in PARKED_MARKERS)


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
