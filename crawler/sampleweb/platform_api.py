"""The platforms' public answers on the sample web, shaped like the real ones (the API samples in
shared/corpus) and consistent with each community's simulated behaviour: Reddit's about/new/info,
Discourse's about/latest/categories/site, Lemmy's site and community, NodeInfo, Mastodon's instance,
activity, account lookup and feeds; the pages of `platform_pages`.

`answer` returns None for what it does not simulate, and for a community that is not live (except on
Reddit, which explains refusals in JSON); the app then answers as for any other page, so 404s,
parked domains, time-outs and bot walls apply to API paths too.
"""
from __future__ import annotations

import html
import re
from collections.abc import Callable
from datetime import datetime, timedelta
from urllib.parse import parse_qs, urlsplit

from crawler.models import Platform
from crawler.sampleweb import pages, platform_pages as web
from crawler.sampleweb.behaviour import LIVE_UNDERNEATH, Behaviour, behaviour_of
from crawler.urls import platform_of

Serve = Callable[[str, Behaviour, datetime], web.Answer]
LIVE = frozenset({Behaviour.LIVE_ACTIVE, Behaviour.LIVE_QUIET, Behaviour.DORMANT})

# Reddit's answers for subreddits that are missing, banned or private (see the praw cassettes).
REDDIT_REFUSALS = {
    Behaviour.NOT_FOUND: (404, {"message": "Not Found", "error": 404}),
    Behaviour.GONE: (404, {"reason": "banned", "message": "Not Found", "error": 404}),
    Behaviour.BOT_WALL: (403, {"reason": "private", "message": "Forbidden", "error": 403}),
    Behaviour.RATE_LIMITED: (429, {"message": "Too Many Requests", "error": 429}),
}
_SUBREDDIT_API = re.compile(r"^/r/([^/]+)/(about|new)(?:\.json)?/?$")
_DISCOURSE_TOPICS = re.compile(r"^/(?:latest|c/.+/l/latest)\.json$")
_MASTODON_FEED = re.compile(r"^/@([^/]+)\.rss$")
_TELEGRAM = re.compile(r"^/(s/)?([A-Za-z0-9_]{4,})/?$")
_DISCUSSIONS = re.compile(r"^/(?:orgs/([^/]+)|([^/]+)/([^/]+))/discussions/?$")
_HYPERKITTY = re.compile(r"^/(?:archives|hyperkitty)/list/[^/@]+@[^/]+/(feed/)?$")
_PIPERMAIL = re.compile(r"^/pipermail/[^/]+/?$")
_MEETUP_SECTIONS = frozenset({"pro", "topics", "cities", "find"})


def answer(url: str, query: str, now: datetime, hit: int) -> web.Answer | None:
    """The platform's answer for url (https://HOST/PATH?query), or None; hit counts requests for url."""
    parts = urlsplit(url)
    route = _route(parts.hostname or "", parts.path, parse_qs(query))
    if route is None:
        return None
    community, serve = route
    behaviour = behaviour_of(community)
    if behaviour is Behaviour.FLAKY and hit % 2 == 0 or behaviour in LIVE_UNDERNEATH:
        behaviour = Behaviour.LIVE_ACTIVE  # a flaky community answers every other time; see LIVE_UNDERNEATH
    if behaviour in LIVE or serve in (_subreddit_about, _subreddit_new, _subreddit_info):
        return serve(community, behaviour, now)
    if behaviour_of(url) is behaviour:
        return None  # the app fails this URL as it fails the community's pages
    return _failure(behaviour)  # an API path drawn apart from its community (/orgs/X/discussions)


def _failure(behaviour: Behaviour) -> web.Answer:
    """How a platform host fails a community's page, as the app does."""
    status, headers, body = {
        Behaviour.NOT_FOUND: (404, {}, pages.NOT_FOUND_PAGE), Behaviour.GONE: (410, {}, pages.GONE_PAGE),
        Behaviour.SERVER_ERROR: (500, {}, pages.ERROR_PAGE),
        Behaviour.BOT_WALL: (403, {"cf-mitigated": "challenge"}, pages.BOT_WALL_PAGE),
        Behaviour.RATE_LIMITED: (429, {"retry-after": "3600"}, "Too Many Requests"),
    }.get(behaviour, (503, {}, pages.ERROR_PAGE))
    return status, {"content-type": "text/html; charset=utf-8", **headers}, body.encode()


def _route(host: str, path: str, query: dict[str, list[str]]) -> tuple[str, Serve] | None:
    """(the community's URL, how to serve it) for a simulated API path, else None."""
    segments = [segment for segment in path.split("/") if segment]
    if host in ("www.reddit.com", "reddit.com", "old.reddit.com"):
        if match := _SUBREDDIT_API.match(path):
            serve = _subreddit_about if match[2] == "about" else _subreddit_new
            return f"https://www.reddit.com/r/{match[1].lower()}", serve
        name = ",".join(query.get("sr_name", [])).split(",")[0]
        if path.startswith("/api/info") and name:
            return f"https://www.reddit.com/r/{name.lower()}", _subreddit_info
        return None
    if host == "github.com" and (match := _DISCUSSIONS.match(path)):
        return f"https://github.com/{(match[1] or f'{match[2]}/{match[3]}').lower()}", web.discussions
    if host == "t.me" and (match := _TELEGRAM.match(path)):
        return f"https://t.me/{match[2].lower()}", web.channel_messages if match[1] else web.telegram_preview
    if host == "www.meetup.com" and len(segments) == 1 and segments[0].lower() not in _MEETUP_SECTIONS:
        return f"https://www.meetup.com/{segments[0].lower()}", web.meetup_page
    if host == "groups.io" and len(segments) == 3 and segments[0] == "g" and segments[2] == "rss":
        return f"https://groups.io/g/{segments[1].lower()}", web.list_feed
    return _own_site_route(f"https://{host}", path, query) if "." in host else None


def _own_site_route(site: str, path: str, query: dict[str, list[str]]) -> tuple[str, Serve] | None:
    """APIs on a community's own host, where the host's behaviour is the community's."""
    platform = platform_of(site)
    nodeinfo = {"/.well-known/nodeinfo": _nodeinfo_links, "/nodeinfo/2.1": _nodeinfo_document}
    if platform in (Platform.DISCOURSE, Platform.FORUM):
        serve = {"/about.json": _discourse_about, "/categories.json": _discourse_categories,
                 "/site.json": _discourse_site}.get(path)
        if serve or _DISCOURSE_TOPICS.match(path):
            return site, serve or _discourse_topics
    elif platform is Platform.LEMMY:
        if path == "/api/v3/community" and query.get("name"):
            return f"{site}/c/{query['name'][0].lower()}", _lemmy_community
        if serve := {"/api/v3/site": _lemmy_site, **nodeinfo}.get(path):
            return site, serve
    else:
        if path == "/api/v1/accounts/lookup" and query.get("acct"):
            return f"{site}/@{query['acct'][0].lower()}", _mastodon_account
        if match := _MASTODON_FEED.match(path):
            return f"{site}/@{match[1].lower()}", _mastodon_feed
        mastodon = {"/api/v2/instance": _mastodon_instance, "/api/v1/instance/activity": _mastodon_activity,
                    **(nodeinfo if platform is Platform.MASTODON else {})}
        if serve := mastodon.get(path):
            return site, serve
    if match := _HYPERKITTY.match(path):
        return site + path.removesuffix("feed/"), web.list_feed if match[1] else web.hyperkitty_page
    if _PIPERMAIL.match(path):
        return site + path.rstrip("/") + "/", web.pipermail_index
    return None


# --- Reddit --------------------------------------------------------------------------------------


def _subreddit(community: str, behaviour: Behaviour, now: datetime) -> dict:
    name = community.rsplit("/", 1)[1]
    present = web.online(community, behaviour)
    return {"display_name": name, "display_name_prefixed": f"r/{name}",
            "name": f"t5_{web.pick(community, 'id', 10**6, 10**7):x}", "title": f"r/{name}: a community of practice",
            "public_description": f"Questions and news about {name}.", "subscribers": pages.member_count(community),
            "active_user_count": present, "accounts_active": present, "subreddit_type": "public",
            "quarantine": False, "over18": False, "lang": "en", "url": f"/r/{name}/",
            "created_utc": (now - timedelta(days=_age_days(community))).timestamp()}


def _age_days(community: str) -> int:
    """How long ago a subreddit was created: one in eight is new (under 90 days), the rest years old."""
    if web.pick(community, "new", 0, 8) == 0:
        return web.pick(community, "created", 10, 80)
    return web.pick(community, "created", 1000, 5000)


def _refusal(behaviour: Behaviour) -> web.Answer:
    status, body = REDDIT_REFUSALS.get(behaviour, (503, {"message": "Service Unavailable", "error": 503}))
    return web.json_answer(status, body, **({"retry-after": "3600"} if status == 429 else {}))


def _subreddit_about(community: str, behaviour: Behaviour, now: datetime) -> web.Answer:
    if behaviour not in LIVE:
        return _refusal(behaviour)
    return web.json_answer(200, {"kind": "t5", "data": _subreddit(community, behaviour, now)})


def _listing(children: list[dict], after: str | None) -> dict:
    return {"kind": "Listing", "data": {"modhash": "", "dist": len(children), "children": children,
                                        "after": after, "before": None}}


def _subreddit_info(community: str, behaviour: Behaviour, now: datetime) -> web.Answer:
    listed = [{"kind": "t5", "data": _subreddit(community, behaviour, now)}] if behaviour in LIVE else []
    return web.json_answer(200, _listing(listed, None))


def _subreddit_new(community: str, behaviour: Behaviour, now: datetime) -> web.Answer:
    if behaviour not in LIVE:
        return _refusal(behaviour)
    name = community.rsplit("/", 1)[1]
    posts = [{"kind": "t3", "data": {
        "id": f"{web.pick(community, f'post{i}', 10**8, 10**9):x}", "subreddit": name, "title": f"Post {i}",
        "author": f"member{web.pick(community, f'author{i}', 1, 999)}", "created_utc": moment.timestamp(),
        "permalink": f"/r/{name}/comments/{i}/post_{i}/", "stickied": False}}
        for i, moment in enumerate(web.post_times(community, behaviour, now))]
    return web.json_answer(200, _listing(posts, f"t3_{posts[-1]['data']['id']}"))  # older posts exist


# --- Discourse -----------------------------------------------------------------------------------


def _discourse_about(site: str, behaviour: Behaviour, now: datetime) -> web.Answer:
    monthly = web.posts_in_30_days(site, behaviour, now)
    return discourse_about(site, monthly, monthly * 3, web.monthly_actives(site, behaviour))


def discourse_about(site: str, topics_30_days: int, posts_30_days: int, active_users_30_days: int) -> web.Answer:
    """GET /about.json with these 30-day stats (the scenarios freeze them; see `scenarios`)."""
    members = pages.member_count(site)
    stats = {"topic_count": members // 3, "post_count": members * 4, "user_count": members,
             "topics_30_days": topics_30_days, "posts_30_days": posts_30_days,
             "active_users_30_days": active_users_30_days, "like_count": members * 2}
    return web.json_answer(200, {"about": {
        "stats": stats, "title": pages.display_name(site), "description": f"The forum of {pages.display_name(site)}.",
        "locale": "en", "version": "3.2.0", "https": True, "can_see_about_stats": True}})


def _discourse_topics(site: str, behaviour: Behaviour, now: datetime) -> web.Answer:
    return discourse_topics(site, web.post_times(site, behaviour, now))


def discourse_topics(site: str, last_posted_times: list[datetime]) -> web.Answer:
    """GET /latest.json listing one topic per time, newest first, each last posted then."""
    topics = []
    for i, last_posted in enumerate(last_posted_times):
        created = last_posted - timedelta(days=web.pick(site, f"topic{i}", 0, 20))
        topics.append({"id": 100 + i, "title": f"Topic {i}", "fancy_title": f"Topic {i}", "slug": f"topic-{i}",
                       "posts_count": web.pick(site, f"replies{i}", 1, 10), "created_at": web.iso(created),
                       "last_posted_at": web.iso(last_posted), "bumped": True, "bumped_at": web.iso(last_posted),
                       "pinned": False, "visible": True, "closed": False, "archived": False,
                       "archetype": "regular", "category_id": 1})
    return web.json_answer(200, {"users": [], "topic_list": {
        "can_create_topic": False, "more_topics_url": "/latest?page=1", "per_page": len(topics), "topics": topics}})


def _discourse_categories(site: str, behaviour: Behaviour, now: datetime) -> web.Answer:
    monthly = web.posts_in_30_days(site, behaviour, now)
    categories = [{"id": 1, "name": "General", "slug": "general", "topic_count": 40, "post_count": 300,
                   "topics_week": min(monthly, 3), "topics_month": monthly, "read_restricted": False},
                  {"id": 2, "name": "Site Feedback", "slug": "site-feedback", "topic_count": 5, "post_count": 20,
                   "topics_week": 0, "topics_month": 0, "read_restricted": False}]
    return web.json_answer(200, {"category_list": {"can_create_category": False, "categories": categories}})


def _discourse_site(site: str, behaviour: Behaviour, now: datetime) -> web.Answer:
    # /site.json lists categories without their monthly counts, as Discourse does
    return web.json_answer(200, {"categories": [{"id": 1, "name": "General", "slug": "general", "topic_count": 40,
                                                 "post_count": 300, "read_restricted": False}],
                                 "default_archetype": "regular", "uncategorized_category_id": 1})


# --- Lemmy, NodeInfo -----------------------------------------------------------------------------


def _lemmy_site(site: str, behaviour: Behaviour, now: datetime) -> web.Answer:
    users = pages.member_count(site)
    mode = ("Open", "RequireApplication", "Closed")[web.pick(site, "registration", 0, 2)]
    counts = {"users": users, "posts": users * 3, "comments": users * 9, "communities": 12,
              "users_active_month": web.monthly_actives(site, behaviour), "users_active_half_year": users // 4}
    return web.json_answer(200, {
        "site_view": {"site": {"id": 1, "name": pages.display_name(site), "actor_id": f"{site}/",
                               "description": "A link aggregator for practitioners.", "sidebar": "Be kind."},
                      "local_site": {"registration_mode": mode, "private_instance": False},
                      "counts": counts},
        "admins": [], "version": "0.19.3", "discussion_languages": [37],
        "all_languages": [{"id": 0, "code": "und", "name": "Undetermined"},
                          {"id": 37, "code": "en", "name": "English"}]})


def _lemmy_community(community: str, behaviour: Behaviour, now: datetime) -> web.Answer:
    name = community.rsplit("/", 1)[1]
    return web.json_answer(200, {"community_view": {
        "community": {"id": 2, "name": name, "title": name.title(), "description": f"All about {name}.",
                      "removed": False, "deleted": False, "nsfw": False, "actor_id": community},
        "counts": {"subscribers": pages.member_count(community), "posts": 300, "comments": 900,
                   "users_active_month": web.monthly_actives(community, behaviour)}},
        "moderators": [], "discussion_languages": [37]})


def _nodeinfo_links(site: str, behaviour: Behaviour, now: datetime) -> web.Answer:
    return web.json_answer(200, {"links": [{"rel": "http://nodeinfo.diaspora.software/ns/schema/2.1",
                                            "href": f"{site}/nodeinfo/2.1"}]})


def _nodeinfo_document(site: str, behaviour: Behaviour, now: datetime) -> web.Answer:
    software = "lemmy" if platform_of(site) is Platform.LEMMY else "mastodon"
    users = pages.member_count(site)
    return web.json_answer(200, {
        "version": "2.1", "software": {"name": software, "version": "0.19.3" if software == "lemmy" else "4.2.10"},
        "protocols": ["activitypub"], "services": {"inbound": [], "outbound": []}, "openRegistrations": True,
        "usage": {"users": {"total": users, "activeHalfyear": users // 4,
                            "activeMonth": web.monthly_actives(site, behaviour)}, "localPosts": users * 3},
        "metadata": {"nodeName": pages.display_name(site)}})


# --- Mastodon ------------------------------------------------------------------------------------


def _mastodon_instance(site: str, behaviour: Behaviour, now: datetime) -> web.Answer:
    domain = urlsplit(site).hostname
    return web.json_answer(200, {
        "domain": domain, "title": pages.display_name(site), "version": "4.2.10",
        "source_url": "https://github.com/mastodon/mastodon", "description": f"A Mastodon server for {domain}.",
        "usage": {"users": {"active_month": web.monthly_actives(site, behaviour)}}, "languages": ["en"],
        "registrations": {"enabled": True, "approval_required": web.pick(site, "approval", 0, 1) == 1, "message": None},
        "contact": {"email": f"admin@{domain}"}, "rules": []})


def _mastodon_activity(site: str, behaviour: Behaviour, now: datetime) -> web.Answer:
    if web.pick(site, "limited", 0, 3) == 0:  # limited-federation mode: activity is for logged-in users
        return web.json_answer(401, {"error": "This API requires an authenticated user"})
    newest = pages.newest_post(site, behaviour, now)
    monday = (now - timedelta(days=now.weekday())).replace(hour=0, minute=0, second=0, microsecond=0)
    weeks = [monday - timedelta(weeks=i) for i in range(12)]
    # A week has statuses only if it began before the newest status was posted.
    return web.json_answer(200, [{"week": str(int(week.timestamp())),
                                  "statuses": str(web.pick(site, f"statuses{i}", 20, 900) if week <= newest else 0),
                                  "logins": str(web.pick(site, f"logins{i}", 5, 90) if week <= newest else 0),
                                  "registrations": str(web.pick(site, f"signups{i}", 0, 9))}
                                 for i, week in enumerate(weeks)])


def _mastodon_account(account: str, behaviour: Behaviour, now: datetime) -> web.Answer:
    name = account.rsplit("/@", 1)[1]
    return web.json_answer(200, {
        "id": str(web.pick(account, "id", 10**5, 10**6)), "username": name, "acct": name, "display_name": name.title(),
        "locked": False, "bot": False, "group": True, "created_at": "2022-11-01T00:00:00.000Z",
        "note": f"<p>The {html.escape(name)} group.</p>", "url": account,
        "followers_count": pages.member_count(account), "following_count": 0, "statuses_count": 400,
        "last_status_at": pages.newest_post(account, behaviour, now).date().isoformat()})


def _mastodon_feed(account: str, behaviour: Behaviour, now: datetime) -> web.Answer:
    return web.rss(account, account.rsplit("/", 1)[1], web.post_times(account, behaviour, now, 20))
