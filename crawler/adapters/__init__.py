"""Platform adapters: a platform's public (unauthenticated) answers → typed profiles and signals.

The profile spider asks `endpoints_for(url, platform)` what to fetch for a community besides its
page, fetches each endpoint through the guarded network layer, and hands every answer to
`parse(endpoint.adapter, …)`; `page_adapter(url, platform)` names the adapter for the page itself
when the page is a platform's answer (a Slack join page, a t.me preview, a Meetup group, a feed).
Each adapter is a pure function of the body: malformed, truncated, huge or wrong-shaped answers give
an empty profile, never an exception. Some answers point further (NodeInfo's well-known document
names its real document): those come back as `AdapterResult.follow`.
"""
from __future__ import annotations

from datetime import datetime, timezone

from crawler.adapters import (activitypub, discord, discourse, feeds, github, lemmy, mailing_lists, mastodon, matrix,
                              meetup, nodeinfo, reddit, sitemap, slack, telegram)
from crawler.adapters.base import Adapter, AdapterResult, Endpoint
from crawler.adapters.endpoints import FEED, after_page, endpoints_for, is_feed_url, page_adapter

__all__ = ["ADAPTERS", "FEED", "AdapterResult", "after_page", "Endpoint", "endpoints_for", "is_feed_url", "page_adapter",
           "parse"]

_MODULES = (activitypub, discord, discourse, feeds, github, lemmy, mailing_lists, mastodon, matrix, meetup, nodeinfo,
            reddit, sitemap, slack, telegram)
ADAPTERS: dict[str, Adapter] = {name: adapter for module in _MODULES for name, adapter in module.ADAPTERS.items()}


def parse(adapter: str, body: bytes, url: str, observed_at: datetime, status: int = 200) -> AdapterResult:
    """Read one answer (its body and HTTP status) from url with the named adapter."""
    try:
        read = ADAPTERS[adapter]
    except KeyError:
        raise ValueError(f"no adapter named {adapter!r}; known: {', '.join(sorted(ADAPTERS))}") from None
    if observed_at.tzinfo is None:  # naive times are UTC throughout copdir
        observed_at = observed_at.replace(tzinfo=timezone.utc)
    return read(body or b"", url, observed_at, status)
