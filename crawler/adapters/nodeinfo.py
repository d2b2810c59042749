"""NodeInfo, the fediverse's server description: /.well-known/nodeinfo points at a 2.x document
whose software name tells the platform and whose usage counts users and monthly actives."""
from __future__ import annotations

import re
from datetime import datetime
from urllib.parse import urlsplit

from crawler.adapters.base import (AdapterResult, Endpoint, Signals, as_dict, as_list, count, dig, empty, load_json,
                                   text)
from crawler.models import JoinType, Platform, Profile, SignalKind
from crawler.platforms import same_site

_SCHEMA = re.compile(r"^https?://nodeinfo\.diaspora\.software/ns/schema/2\.(\d+)$")

# software.name (lower case) → where its communities live. Mastodon stands for the servers that
# speak Mastodon's API; the link aggregators are Lemmy's kin; unknown software says nothing.
SOFTWARE_PLATFORMS = {
    "mastodon": Platform.MASTODON, "pleroma": Platform.MASTODON, "akkoma": Platform.MASTODON,
    "gotosocial": Platform.MASTODON,
    "lemmy": Platform.LEMMY, "mbin": Platform.LEMMY, "kbin": Platform.LEMMY, "piefed": Platform.LEMMY,
    "discourse": Platform.DISCOURSE,
    "nodebb": Platform.FORUM, "flarum": Platform.FORUM,
}


def discovery(body: bytes, url: str, observed_at: datetime, status: int = 200) -> AdapterResult:
    """GET /.well-known/nodeinfo: follow the newest 2.x document it links, if it is on the same site."""
    best: tuple[int, str] | None = None
    for link in as_list(dig(load_json(body), "links")):
        rel, href = dig(link, "rel"), dig(link, "href")
        match = _SCHEMA.match(rel) if isinstance(rel, str) else None
        if match and isinstance(href, str) and _fetchable(href, url) and (best is None or int(match[1]) > best[0]):
            best = (int(match[1]), href)
    if best is None:
        return empty(url, observed_at)
    return AdapterResult(empty(url, observed_at).profile, (Endpoint(best[1], "nodeinfo"),))


def _fetchable(href: str, origin: str) -> bool:
    """Only http(s) links on the server's own site: a stranger's document must not steer our crawl."""
    return urlsplit(href).scheme in ("http", "https") and same_site(href, origin)


def document(body: bytes, url: str, observed_at: datetime, status: int = 200) -> AdapterResult:
    """A NodeInfo 2.0/2.1 document: platform, registered and monthly active users, open registrations."""
    info = load_json(body)
    if not isinstance(info, dict) or not isinstance(info.get("software"), dict):
        return empty(url, observed_at)
    software = dig(info, "software", "name")
    platform = SOFTWARE_PLATFORMS.get(software.strip().lower()) if isinstance(software, str) else None
    users = as_dict(dig(info, "usage", "users"))
    signals = Signals(url, observed_at)
    signals.add(SignalKind.MEMBERS, count(users.get("total")))
    signals.add(SignalKind.ACTIVE_USERS, count(users.get("activeMonth")))
    metadata = as_dict(info.get("metadata"))
    return AdapterResult(Profile(
        url=url, observed_at=observed_at, name=text(metadata.get("nodeName"), 200),
        description=text(metadata.get("nodeDescription")), platform=platform,
        join_type=JoinType.OPEN if info.get("openRegistrations") is True else JoinType.UNKNOWN,
        signals=signals.tuple()))


ADAPTERS = {
    "nodeinfo_discovery": discovery,
    "nodeinfo": document,
}
