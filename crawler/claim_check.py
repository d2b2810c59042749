"""Verify an ownership claim: is the owner's token on the community's page, in its well-known file, or in its
platform's public description?

Every fetch goes through the guarded network layer (crawler/net.py): a claim is a stranger's URL, so a
private, loopback or cloud-metadata address is refused at every hop and nothing is fetched from it. The token
must match exactly — the content of `<meta name="copdir-verification">`, or the whole body (stripped) of
`/.well-known/copdir-verification.txt` on the URL's host — never merely appear somewhere on the page. Where
the community lives on a platform whose public answer carries a description an owner can edit (a Discourse
about.json, a Mastodon or Lemmy instance or community, a subreddit's about.json, a Discord invite's server, a
Matrix room's topic, a Telegram or Meetup page), the token as a word of that description also proves it: the
platform adapters (crawler/adapters/) read it, as profiling does.
"""
from __future__ import annotations

import asyncio
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timezone
from html.parser import HTMLParser
from urllib.parse import urlsplit, urlunsplit

import httpx

from crawler.adapters import Endpoint, endpoints_for, parse
from crawler.models import Platform
from crawler.net import Fetched, NetPolicy, UnsafeURL, fetch_once, follow_redirects
from crawler.urls import canonicalize, platform_of

META_NAME = "copdir-verification"
WELL_KNOWN_PATH = "/.well-known/copdir-verification.txt"
MAX_TOKEN_FILE = 1_000  # a token file is one short line; a larger body is not one
# The adapters whose answer carries a description the community's owner writes (GitHub's discussions page does not).
DESCRIPTION_ADAPTERS = frozenset({"discourse_about", "mastodon_instance", "mastodon_account", "lemmy_site",
                                  "lemmy_community", "reddit_about", "discord_invite", "matrix_room", "telegram",
                                  "meetup_group"})
_PLATFORMS = {platform.value: platform for platform in Platform}


@dataclass(frozen=True)
class ClaimCheck:
    verified: bool
    detail: str  # one line for the maintainer: where the token was found, or why not


class _MetaTokens(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tokens: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name.lower(): value or "" for name, value in attrs}
        if tag == "meta" and values.get("name", "").strip().lower() == META_NAME:
            self.tokens.append(values.get("content", "").strip())


def meta_tokens(html: str) -> list[str]:
    parser = _MetaTokens()
    parser.feed(html)
    parser.close()
    return parser.tokens


def well_known_url(url: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, WELL_KNOWN_PATH, "", ""))


def _matches(found: str, token: str) -> bool:
    return secrets.compare_digest(found.encode(), token.encode())


async def _get(client: httpx.AsyncClient, policy: NetPolicy, url: str) -> Fetched | str:
    """The answer, or one sentence saying why there is none."""
    try:
        async with asyncio.timeout(policy.deadline_s):
            return await follow_redirects(lambda hop: fetch_once(client, policy, hop), url, policy.max_redirects)
    except UnsafeURL as exc:
        return str(exc)
    except (httpx.HTTPError, TimeoutError) as exc:
        return f"no answer from {url}: {type(exc).__name__}"


def description_endpoints(url: str, platform: str | None = None) -> list[Endpoint]:
    """The platform answers that describe the community at url, as the catalogue's platform (or the URL's) has it."""
    try:
        canonical = canonicalize(url)
        chosen = _PLATFORMS.get(platform or "") or platform_of(url)
    except ValueError:
        return []
    return [endpoint for endpoint in endpoints_for(canonical, chosen) if endpoint.adapter in DESCRIPTION_ADAPTERS]


def token_in_text(text: str, token: str) -> bool:
    """True when the token stands as a word of the text, not inside a longer one."""
    return bool(token) and re.search(rf"(?<![\w-]){re.escape(token)}(?![\w-])", text) is not None


async def _in_description(client: httpx.AsyncClient, policy: NetPolicy, url: str, token: str, platform: str | None,
                          now: datetime) -> ClaimCheck | None:
    for endpoint in description_endpoints(url, platform):
        answer = await _get(client, policy, endpoint.url)
        if isinstance(answer, Fetched) and answer.status == 200:
            described = parse(endpoint.adapter, answer.body, answer.url, now, answer.status).profile.description
            if token_in_text(described or "", token):
                return ClaimCheck(True, f"token found in the platform's description at {answer.url}")
    return None


async def check_claim(client: httpx.AsyncClient, policy: NetPolicy, url: str, token: str,
                      platform: str | None = None, now: datetime | None = None) -> ClaimCheck:
    """Look for the token in the page's meta tag, then in the well-known file of the page's host, then in the
    description its platform publishes (`platform`: the catalogue's name for it; default, the URL's)."""
    page = await _get(client, policy, url)
    if isinstance(page, str) and page.startswith("refused"):
        return ClaimCheck(False, page)  # the file lives on the same refused host: not asked either
    if isinstance(page, Fetched) and page.status == 200:
        if any(_matches(found, token) for found in meta_tokens(page.text())):
            return ClaimCheck(True, f"token found in the meta tag of {page.url}")
    file = await _get(client, policy, well_known_url(url))
    if isinstance(file, Fetched) and file.status == 200 and len(file.body) <= MAX_TOKEN_FILE:
        if _matches(file.text().strip(), token):
            return ClaimCheck(True, f"token found in {file.url}")
    if isinstance(file, str) and file.startswith("refused"):
        return ClaimCheck(False, file)
    if found := await _in_description(client, policy, url, token, platform, now or datetime.now(timezone.utc)):
        return found
    described = " nor in its platform's description" if description_endpoints(url, platform) else ""
    return ClaimCheck(False, f"token not found in a meta tag of {url} nor in {well_known_url(url)}{described}")
