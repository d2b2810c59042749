"""Profile extraction from a community's public page. Pure functions.

`profile_page` reads what a prospective member needs to know from one HTML page: name, description,
language, topics, platform, how to join, other presences, feeds, code of conduct, upcoming events
the newest dated post and its community-of-practice qualities. Each part lives in its own module (page_text, page_platform, page_links,
page_join, page_dates); this one wires them over a single parse of the page.
"""
from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from crawler.extract.dom import COMMENT_TOKENS, POST_TOKENS, base_url, is_user_content, json_ld, parse, visible_text
from crawler.extract.page_dates import newest_date, upcoming_events
from crawler.extract.page_join import join_info
from crawler.extract.page_links import code_of_conduct, feeds, page_anchors, presences, same_as_anchors
from crawler.extract.page_place import page_place
from crawler.extract.page_platform import page_platform
from crawler.extract.qualities import page_qualities
from crawler.extract.page_text import page_description, page_language, page_name, page_topics
from crawler.models import Platform, Profile, Signal, SignalKind

# Forum software shows its users' posts: links and fees in them are theirs, not the community's.
_SHOWS_POSTS = frozenset({Platform.FORUM, Platform.DISCOURSE, Platform.LEMMY, Platform.REDDIT, Platform.MASTODON,
                          Platform.MAILING_LIST})


def profile_page(html: str, url: str, observed_at: datetime, headers: Mapping[str, str] | None = None) -> Profile:
    """What one community page says about the community. An unreadable page gives an empty profile."""
    root = parse(html)
    if root is None:
        return Profile(url=url, observed_at=observed_at)
    platform = page_platform(root, html, url)
    post_tokens = POST_TOKENS if platform in _SHOWS_POSTS else COMMENT_TOKENS
    base = base_url(root, url)
    ld_nodes = json_ld(root)
    anchors = page_anchors(root, base, post_tokens) + same_as_anchors(ld_nodes, base)
    own_text = visible_text(root, skip=lambda element: is_user_content(element, post_tokens))
    join_url, join_type = join_info(anchors, own_text)
    events = upcoming_events(root, ld_nodes, base, observed_at)
    newest = newest_date(root, observed_at, url, ld_nodes)
    signals = [Signal(SignalKind.NEWEST_POST.value, newest.isoformat(), observed_at, url)] if newest else []
    signals += [Signal(SignalKind.UPCOMING_EVENT.value, event.starts_at.isoformat(), observed_at, url)
                for event in events]
    return Profile(
        url=url, observed_at=observed_at,
        name=page_name(root, url, ld_nodes),
        description=page_description(root, ld_nodes, post_tokens),
        language=page_language(root, headers or {}, ld_nodes),
        topics=page_topics(root, ld_nodes),
        platform=platform,
        join_url=join_url, join_type=join_type,
        presences=presences(anchors, url),
        feeds=feeds(root, base),
        code_of_conduct=code_of_conduct(anchors),
        events=events,
        signals=tuple(signals),
        qualities=page_qualities(anchors, own_text, ld_nodes, events, url),
        place=page_place(root, ld_nodes),
    )
