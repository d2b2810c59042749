"""Reddit: /r/NAME/about.json (a t5 subreddit, or an error body saying private, banned or
quarantined), /r/NAME/new.json (a Listing of t3 posts) and /api/info?sr_name=… (a Listing of t5)."""
from __future__ import annotations

import re
from datetime import datetime
from urllib.parse import parse_qs, urlsplit

from crawler.adapters.base import (AdapterResult, Signals, as_dict, as_list, count, count_in_window, dig, empty,
                                   language, load_json, past, text)
from crawler.models import JoinType, Platform, Profile, SignalKind

# subreddit_type → the access vocabulary of SignalKind.ACCESS
ACCESS_BY_TYPE = {
    "public": "public", "user": "public", "restricted": "restricted", "private": "private",
    "gold_restricted": "private", "employees_only": "private", "archived": "closed",
}
# An about.json error body's "reason" → access ("gated" asks visitors to confirm, then lets them in)
ACCESS_BY_REASON = {"private": "private", "banned": "banned", "quarantined": "quarantined",
                    "gated": "restricted", "gold_only": "private"}
JOIN_BY_ACCESS = {"public": JoinType.OPEN, "restricted": JoinType.OPEN, "private": JoinType.INVITE_ONLY}
_SUBREDDIT_PATH = re.compile(r"^/r/([^/]+)", re.IGNORECASE)


def about(body: bytes, url: str, observed_at: datetime, status: int = 200) -> AdapterResult:
    """GET /r/NAME/about.json."""
    payload = as_dict(load_json(body))
    reason = payload.get("reason")
    if status in (403, 404) and isinstance(reason, str) and reason in ACCESS_BY_REASON:
        signals = Signals(url, observed_at)
        signals.add(SignalKind.ACCESS, ACCESS_BY_REASON[reason])
        return empty(url, observed_at, platform=Platform.REDDIT, signals=signals.tuple())
    if status != 200 or payload.get("kind") != "t5":
        return empty(url, observed_at)  # a plain 404 body: no such subreddit, which the checker judges
    return AdapterResult(_subreddit(as_dict(payload.get("data")), url, observed_at))


def info(body: bytes, url: str, observed_at: datetime, status: int = 200) -> AdapterResult:
    """GET /api/info?sr_name=NAME: the listed subreddit named in the URL (or the only one listed)."""
    children = [as_dict(child) for child in as_list(dig(load_json(body), "data", "children"))
                if dig(child, "kind") == "t5" and isinstance(dig(child, "data"), dict)]
    wanted = _names_asked(url)
    chosen = next((child for child in children
                   if str(dig(child, "data", "display_name")).lower() in wanted[:1]), None)
    if chosen is None and len(children) == 1:
        chosen = children[0]
    if status != 200 or chosen is None:
        return empty(url, observed_at)
    return AdapterResult(_subreddit(chosen["data"], url, observed_at))


def _names_asked(url: str) -> list[str]:
    parts = urlsplit(url)
    names = ",".join(parse_qs(parts.query).get("sr_name", [])).lower().split(",")
    if match := _SUBREDDIT_PATH.match(parts.path):
        names.insert(0, match[1].lower())
    return [name for name in names if name]


def _subreddit(data: dict, url: str, observed_at: datetime) -> Profile:
    signals = Signals(url, observed_at)
    signals.add(SignalKind.MEMBERS, count(data.get("subscribers")))
    online = count(data.get("active_user_count"))
    signals.add(SignalKind.ONLINE_MEMBERS, online if online is not None else count(data.get("accounts_active")))
    kind = data.get("subreddit_type")
    access = ACCESS_BY_TYPE.get(kind) if isinstance(kind, str) else None
    if data.get("quarantine") is True:
        access = "quarantined"
    signals.add(SignalKind.ACCESS, access)
    signals.add(SignalKind.CREATED, past(data.get("created_utc"), observed_at))
    name = text(data.get("display_name_prefixed"), 200) or (f"r/{data['display_name']}" if isinstance(
        data.get("display_name"), str) else "")
    return Profile(
        url=url, observed_at=observed_at, name=name,
        description=text(data.get("public_description")) or text(data.get("title"), 300),
        language=language(data.get("lang")), platform=Platform.REDDIT,
        join_type=JOIN_BY_ACCESS.get(access or "", JoinType.UNKNOWN), signals=signals.tuple())


def posts(body: bytes, url: str, observed_at: datetime, status: int = 200) -> AdapterResult:
    """GET /r/NAME/new.json: the newest post, and the posts of the last 30 days when the page covers them."""
    listing = as_dict(dig(load_json(body), "data"))
    times = [moment for moment in (past(dig(child, "data", "created_utc"), observed_at)
                                   for child in as_list(listing.get("children")) if dig(child, "kind") == "t3")
             if moment]
    if status != 200 or not times:
        return empty(url, observed_at)
    signals = Signals(url, observed_at)
    signals.add(SignalKind.NEWEST_POST, max(times))
    # "after" is null on the last page: then the listing holds every post there is
    signals.add(SignalKind.POSTS_30D, count_in_window(times, observed_at, complete=listing.get("after") is None))
    return AdapterResult(Profile(url=url, observed_at=observed_at, platform=Platform.REDDIT, signals=signals.tuple()))


ADAPTERS = {
    "reddit_about": about,
    "reddit_posts": posts,
    "reddit_info": info,
}
