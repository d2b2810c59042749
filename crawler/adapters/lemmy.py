"""Lemmy instances and communities: GET /api/v3/site and GET /api/v3/community?name=NAME."""
from __future__ import annotations

from datetime import datetime

from crawler.adapters.base import (AdapterResult, Signals, as_dict, as_list, count, dig, empty, language, load_json,
                                   past, text)
from crawler.models import Finding, JoinType, Platform, Profile, SignalKind

REGISTRATION = {"open": JoinType.OPEN, "requireapplication": JoinType.APPLICATION, "closed": JoinType.INVITE_ONLY}


def site(body: bytes, url: str, observed_at: datetime, status: int = 200) -> AdapterResult:
    """GET /api/v3/site: the instance's name, sidebar, users, monthly actives, registration mode, when it began."""
    payload = as_dict(load_json(body))
    view = as_dict(payload.get("site_view"))
    about = view.get("site")
    if status != 200 or not isinstance(about, dict):
        return empty(url, observed_at)
    counts = as_dict(view.get("counts"))
    local = as_dict(view.get("local_site"))
    signals = Signals(url, observed_at)
    signals.add(SignalKind.MEMBERS, count(counts.get("users")))
    signals.add(SignalKind.ACTIVE_USERS, count(counts.get("users_active_month")))
    if local.get("private_instance") is True:
        signals.add(SignalKind.ACCESS, "private")
    signals.add(SignalKind.CREATED, past(about.get("published"), observed_at))
    mode = local.get("registration_mode")
    return AdapterResult(Profile(
        url=url, observed_at=observed_at, name=text(about.get("name"), 200),
        description=text(about.get("description")) or text(about.get("sidebar")),
        language=_discussion_language(payload), platform=Platform.LEMMY,
        join_type=REGISTRATION.get(mode.lower(), JoinType.UNKNOWN) if isinstance(mode, str) else JoinType.UNKNOWN,
        signals=signals.tuple(), qualities=_qualities(payload, local, url)))


def _qualities(payload: dict, local: dict, url: str) -> tuple[Finding, ...]:
    """Its admins, listed by the site API, are visible moderators; an application question is an application."""
    found = []
    admins = [admin for admin in as_list(payload.get("admins")) if isinstance(admin, dict)]
    if admins:
        found.append(Finding("moderators", "yes", f"{len(admins)} admins listed by /api/v3/site", url))
    if text(local.get("application_question")) and str(local.get("registration_mode")).lower() == "requireapplication":
        found.append(Finding("membership", "application", "registration asks an application question", url))
    return tuple(found)


def _discussion_language(payload: dict) -> str:
    """The first language the instance discusses in; Lemmy lists ids, resolved through all_languages."""
    codes = {dig(item, "id"): dig(item, "code") for item in as_list(payload.get("all_languages"))
             if isinstance(dig(item, "id"), int)}
    for language_id in as_list(payload.get("discussion_languages")):
        if isinstance(language_id, int) and (code := language(codes.get(language_id))):
            return code
    return ""


def community(body: bytes, url: str, observed_at: datetime, status: int = 200) -> AdapterResult:
    """GET /api/v3/community?name=NAME: subscribers, monthly actives, when it was created, whether it was removed."""
    view = as_dict(dig(load_json(body), "community_view"))
    about = view.get("community")
    if status != 200 or not isinstance(about, dict):
        return empty(url, observed_at)
    counts = as_dict(view.get("counts"))
    signals = Signals(url, observed_at)
    signals.add(SignalKind.MEMBERS, count(counts.get("subscribers")))
    signals.add(SignalKind.ACTIVE_USERS, count(counts.get("users_active_month")))
    if about.get("removed") is True:  # by the instance's admins
        signals.add(SignalKind.ACCESS, "banned")
    elif about.get("deleted") is True:  # by its own moderators
        signals.add(SignalKind.ACCESS, "closed")
    signals.add(SignalKind.CREATED, past(about.get("published"), observed_at))
    return AdapterResult(Profile(
        url=url, observed_at=observed_at, name=text(about.get("title"), 200) or text(about.get("name"), 200),
        description=text(about.get("description")), platform=Platform.LEMMY, join_type=JoinType.OPEN,
        signals=signals.tuple()))


ADAPTERS = {
    "lemmy_site": site,
    "lemmy_community": community,
}
