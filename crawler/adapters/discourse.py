"""Discourse forums: /about.json (site stats), topic lists (/latest.json, /c/…/l/latest.json, /hot.json …),
/categories.json and /site.json (per-category monthly topic counts), /t/ID.json (one topic)."""
from __future__ import annotations

from datetime import datetime

from crawler.adapters.base import (AdapterResult, Signals, as_dict, as_list, count, dig, empty, language, load_json,
                                   newest, text)
from crawler.models import Finding, Platform, Profile, SignalKind

NOT_LOGGED_IN = "not_logged_in"  # Discourse's error_type when the site requires a login


def _one_signal(url: str, observed_at: datetime, kind: SignalKind, value) -> AdapterResult:
    """A Discourse answer that tells one thing: its newest post, its monthly topics, that it is private."""
    signals = Signals(url, observed_at)
    signals.add(kind, value)
    return empty(url, observed_at, platform=Platform.DISCOURSE, signals=signals.tuple())


def about(body: bytes, url: str, observed_at: datetime, status: int = 200) -> AdapterResult:
    """GET /about.json: title, description, locale and the site's 30-day stats."""
    payload = load_json(body)
    if status in (401, 403) and dig(payload, "error_type") == NOT_LOGGED_IN:
        return _one_signal(url, observed_at, SignalKind.ACCESS, "private")
    site = dig(payload, "about")
    if not isinstance(site, dict):
        return empty(url, observed_at)
    stats = as_dict(site.get("stats"))
    signals = Signals(url, observed_at)
    # Older sites say topic_count/user_count, newer ones topics_count/users_count.
    signals.add(SignalKind.MEMBERS, _first_count(stats, "user_count", "users_count"))
    signals.add(SignalKind.ACTIVE_USERS, _first_count(stats, "active_users_30_days"))
    signals.add(SignalKind.POSTS_30D, _first_count(stats, "posts_30_days"))
    return AdapterResult(Profile(
        url=url, observed_at=observed_at, name=text(site.get("title"), 200),
        description=text(site.get("description")), language=language(site.get("locale")),
        platform=Platform.DISCOURSE, signals=signals.tuple(), qualities=_staff(site, url)))


def _staff(site: dict, url: str) -> tuple[Finding, ...]:
    """/about.json lists the forum's moderators and admins by name: its moderators are visible."""
    staff = [user for key in ("moderators", "admins") for user in as_list(site.get(key)) if isinstance(user, dict)]
    if not staff:
        return ()
    return (Finding("moderators", "yes", f"{len(staff)} moderators and admins listed on /about.json", url),)


def topic_list(body: bytes, url: str, observed_at: datetime, status: int = 200) -> AdapterResult:
    """GET /latest.json and its kin: the newest post among the listed topics (an empty list: no posts)."""
    listed = dig(load_json(body), "topic_list", "topics")
    if status == 200 and listed == []:  # a forum with no topic anyone can see: nothing posted in 30 days either
        return _one_signal(url, observed_at, SignalKind.POSTS_30D, 0)
    topics = as_list(listed)
    latest = newest((_last_post(as_dict(topic)) for topic in topics), observed_at)
    if latest is None:
        return empty(url, observed_at)
    return _one_signal(url, observed_at, SignalKind.NEWEST_POST, latest)


def categories(body: bytes, url: str, observed_at: datetime, status: int = 200) -> AdapterResult:
    """GET /categories.json or /site.json: topics started in the last month, summed over categories.

    Each category counts only its own topics (subcategories are categories of their own), so the
    sum does not count a topic twice.
    """
    payload = load_json(body)
    listed = as_list(dig(payload, "category_list", "categories")) or as_list(dig(payload, "categories"))
    monthly = [count(as_dict(category).get("topics_month")) for category in listed]
    known = [value for value in monthly if value is not None]
    if not known:
        return empty(url, observed_at)
    return _one_signal(url, observed_at, SignalKind.POSTS_30D, sum(known))


def topic(body: bytes, url: str, observed_at: datetime, status: int = 200) -> AdapterResult:
    """GET /t/ID.json: the newest post in one topic (its title is the topic's, not the community's)."""
    payload = as_dict(load_json(body))
    posts = as_list(dig(payload, "post_stream", "posts"))
    latest = newest([payload.get("last_posted_at"), *(as_dict(post).get("created_at") for post in posts)],
                    observed_at)
    if latest is None:
        return empty(url, observed_at)
    return _one_signal(url, observed_at, SignalKind.NEWEST_POST, latest)


def _first_count(stats: dict, *keys: str) -> int | None:
    return next((value for value in (count(stats.get(key)) for key in keys) if value is not None), None)


def _last_post(topic: dict) -> object:
    return topic.get("last_posted_at") or topic.get("created_at")


ADAPTERS = {
    "discourse_about": about,
    "discourse_topics": topic_list,
    "discourse_categories": categories,
    "discourse_topic": topic,
}
