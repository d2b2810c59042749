"""Mastodon servers and accounts: /api/v2/instance (v1 as a fallback), /api/v1/instance/activity,
/api/v1/accounts/lookup (a group or community account)."""
from __future__ import annotations

from datetime import datetime
from urllib.parse import urlsplit, urlunsplit

from crawler.adapters.base import (WINDOW_30D, AdapterResult, Endpoint, Signals, as_list, count, dig, empty,
                                   language, load_json, moment, past, text)
from crawler.models import Finding, JoinType, Platform, Profile, SignalKind

V2_INSTANCE = "/api/v2/instance"
V1_INSTANCE = "/api/v1/instance"


def instance(body: bytes, url: str, observed_at: datetime, status: int = 200) -> AdapterResult:
    """GET /api/v2/instance (or v1): name, description, languages, registrations, active users."""
    if status == 404 and urlsplit(url).path == V2_INSTANCE:  # servers older than 4.0 have only v1
        parts = urlsplit(url)
        return AdapterResult(empty(url, observed_at).profile,
                             (Endpoint(urlunsplit((parts.scheme, parts.netloc, V1_INSTANCE, "", "")),
                                       "mastodon_instance"),))
    server = load_json(body)
    if status != 200 or not isinstance(server, dict) or not isinstance(server.get("title"), str):
        return empty(url, observed_at)
    signals = Signals(url, observed_at)
    signals.add(SignalKind.ACTIVE_USERS, count(dig(server, "usage", "users", "active_month")))  # v2
    signals.add(SignalKind.MEMBERS, count(dig(server, "stats", "user_count")))  # v1
    languages = as_list(server.get("languages"))
    return AdapterResult(Profile(
        url=url, observed_at=observed_at, name=text(server["title"], 200),
        description=text(server.get("description")) or text(server.get("short_description")),
        language=language(languages[0]) if languages else "", platform=Platform.MASTODON,
        join_type=_join_type(server), signals=signals.tuple(), qualities=_qualities(server, url)))


def _qualities(server: dict, url: str) -> tuple[Finding, ...]:
    """The server's rules (shown on its /about page) are its code of conduct; its contact account is a visible
    moderator."""
    found = []
    rules = [rule for rule in as_list(server.get("rules")) if text(dig(rule, "text"))]
    if rules:
        about = urlunsplit(urlsplit(url)._replace(path="/about", query=""))
        found.append(Finding("code_of_conduct", "yes", f"{len(rules)} server rules in the instance API", url, about))
    account = dig(server, "contact", "account")
    if isinstance(account, dict) and isinstance(account.get("url"), str) and account["url"].startswith("https://"):
        found.append(Finding("moderators", "yes", f"contact account @{text(account.get('acct'), 100)}", url,
                             account["url"]))
    return tuple(found)


def _join_type(server: dict) -> JoinType:
    registrations = server.get("registrations")
    if isinstance(registrations, dict):  # v2: {"enabled": …, "approval_required": …}
        enabled, approval = registrations.get("enabled"), registrations.get("approval_required")
    else:  # v1: "registrations": bool, "approval_required": bool
        enabled, approval = registrations, server.get("approval_required")
    if enabled is True:
        return JoinType.APPLICATION if approval is True else JoinType.OPEN
    return JoinType.INVITE_ONLY if enabled is False else JoinType.UNKNOWN


def activity(body: bytes, url: str, observed_at: datetime, status: int = 200) -> AdapterResult:
    """GET /api/v1/instance/activity: statuses posted in the weeks that began in the last 30 days.

    Servers in limited-federation mode answer 401: no activity data, which is not a failure.
    """
    weeks = as_list(load_json(body)) if status == 200 else []
    posted = None
    for week in weeks:
        start, statuses = moment(dig(week, "week")), count(dig(week, "statuses"))
        if start is None or statuses is None or past(start, observed_at) is None:
            continue
        if start >= observed_at - WINDOW_30D:
            posted = (posted or 0) + statuses
    if posted is None:
        return empty(url, observed_at, platform=Platform.MASTODON)
    signals = Signals(url, observed_at)
    signals.add(SignalKind.POSTS_30D, posted)
    return AdapterResult(Profile(url=url, observed_at=observed_at, platform=Platform.MASTODON,
                                 signals=signals.tuple()))


def account(body: bytes, url: str, observed_at: datetime, status: int = 200) -> AdapterResult:
    """GET /api/v1/accounts/lookup?acct=NAME: a group account's followers and its newest status."""
    person = load_json(body)
    if status != 200 or not isinstance(person, dict) or not isinstance(person.get("username"), str):
        return empty(url, observed_at)
    signals = Signals(url, observed_at)
    signals.add(SignalKind.MEMBERS, count(person.get("followers_count")))
    signals.add(SignalKind.NEWEST_POST, past(person.get("last_status_at"), observed_at))
    if person.get("suspended") is True:
        signals.add(SignalKind.ACCESS, "banned")
    return AdapterResult(Profile(
        url=url, observed_at=observed_at, name=text(person.get("display_name"), 200) or person["username"],
        description=text(person.get("note")), platform=Platform.MASTODON,
        join_type=JoinType.APPLICATION if person.get("locked") is True else JoinType.OPEN,
        signals=signals.tuple()))


ADAPTERS = {
    "mastodon_instance": instance,
    "mastodon_activity": activity,
    "mastodon_account": account,
}
