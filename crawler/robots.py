"""robots.txt for the httpx side (probe, checker), read as RFC 9309 says.

- 2xx: the rules in the body (parsed by Protego, the parser Scrapy uses);
- 4xx (except 429): no rules, everything allowed (§2.3.1.3);
- 5xx, 429 or no answer at all: complete disallow for now (§2.3.1.4).
Redirects are followed by the guarded fetch (at most five hops, §2.3.1.2). One answer per
origin is kept for the life of a `RobotsCache`, i.e. one run.
"""
from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import httpx
from protego import Protego

from crawler.net import NetPolicy, fetch

ROBOTS_MAX_BYTES = 500_000  # §2.5: parse at least 500 KiB; more is not worth holding


def is_unreachable(status: int) -> bool:
    """A robots.txt answer that means "assume complete disallow" (§2.3.1.4), 429 included."""
    return status >= 500 or status == 429


@dataclass(frozen=True)
class RobotsRules:
    origin: str
    parser: Protego | None  # None: allow everything (4xx)
    unreachable: str = ""  # why everything is disallowed, when it is
    status: int | None = None  # what robots.txt answered, when it answered
    error: BaseException | None = field(default=None, compare=False)  # why it did not answer

    def allows(self, url: str, user_agent: str) -> bool:
        if self.unreachable:
            return False
        return self.parser is None or self.parser.can_fetch(url, user_agent)

    def explain(self, url: str, user_agent: str) -> str:
        if self.unreachable:
            return f"{self.origin}/robots.txt {self.unreachable}: RFC 9309 says assume disallow"
        if self.allows(url, user_agent):
            return f"{self.origin}/robots.txt allows it"
        return f"{self.origin}/robots.txt disallows it for {user_agent.split('/')[0]}"


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def robots_url(url: str) -> str:
    return _origin(url) + "/robots.txt"


def rules_from_failure(url: str, exc: BaseException) -> RobotsRules:
    """robots.txt got no answer at all: everything is disallowed for now (§2.3.1.4)."""
    return RobotsRules(_origin(url), None, f"could not be fetched ({type(exc).__name__}: {exc})"[:200], error=exc)


def rules_from_answer(url: str, status: int, body: bytes) -> RobotsRules:
    origin = _origin(url)
    if is_unreachable(status):
        return RobotsRules(origin, None, f"answered {status}", status=status)
    if status >= 400:
        return RobotsRules(origin, None, status=status)
    text = body[:ROBOTS_MAX_BYTES].decode("utf-8", errors="replace")
    return RobotsRules(origin, Protego.parse(text), status=status)


async def fetch_rules(client: httpx.AsyncClient, policy: NetPolicy, url: str) -> RobotsRules:
    try:
        fetched = await fetch(client, policy, robots_url(url))
    except Exception as exc:  # noqa: BLE001 — any failure to get an answer means "unreachable"
        return rules_from_failure(url, exc)
    return rules_from_answer(url, fetched.status, fetched.body)


class RobotsCache:
    """One robots.txt fetch per origin, shared by concurrent callers."""

    def __init__(self, client: httpx.AsyncClient, policy: NetPolicy) -> None:
        self.client = client
        self.policy = policy
        self._rules: dict[str, asyncio.Task[RobotsRules]] = {}

    async def rules_for(self, url: str) -> RobotsRules:
        origin = _origin(url)
        if origin not in self._rules:
            self._rules[origin] = asyncio.ensure_future(fetch_rules(self.client, self.policy, url))
        return await self._rules[origin]
