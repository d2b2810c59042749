"""Meetup group pages: JSON-LD (an Organization for the group, an Event per listed event, and where it meets),
the "1,234 members" line and whether the group is public or private."""
from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import datetime

from bs4 import BeautifulSoup

from crawler.adapters.base import (AdapterResult, Signals, ahead, empty, load_json, meta, moment,
                                   page_language, past, soup_of, text, written_count)
from crawler.extract.page_place import place_from_json_ld
from crawler.models import Event, JoinType, Platform, Profile, SignalKind

_MEMBERS = re.compile(r"(\d[\d,.\u00a0\u202f]*)\s+members\b", re.IGNORECASE)
_PRIVACY = re.compile(r"\b(public|private) group\b", re.IGNORECASE)
MAX_EVENTS = 50


def group_page(body: bytes, url: str, observed_at: datetime, status: int = 200) -> AdapterResult:
    if status != 200:
        return empty(url, observed_at)
    soup = soup_of(body)
    items = list(_json_ld(soup))
    group = next((item for item in items if _is(item, "Organization")), {})
    events = sorted(_events(items), key=lambda event: event.starts_at)[:MAX_EVENTS]
    page_text = soup.get_text(" ")
    members = _MEMBERS.search(page_text)
    privacy = _PRIVACY.search(page_text)
    if not group and not events and not members:
        return empty(url, observed_at)  # not a Meetup group page
    signals = Signals(url, observed_at)
    signals.add(SignalKind.MEMBERS, written_count(members[1]) if members else None)
    signals.add(SignalKind.ACCESS, privacy[1].lower() if privacy else None)
    # A held event is the group's evidence of life, as a post is a forum's.
    signals.add(SignalKind.NEWEST_POST, max((e.starts_at for e in events if past(e.starts_at, observed_at)),
                                            default=None))
    signals.add(SignalKind.UPCOMING_EVENT, min((e.starts_at for e in events if ahead(e.starts_at, observed_at)),
                                               default=None))
    return AdapterResult(Profile(
        url=url, observed_at=observed_at, name=text(group.get("name"), 200) or meta(soup, "og:title"),
        description=text(group.get("description")) or meta(soup, "og:description", "description"),
        language=page_language(soup), platform=Platform.MEETUP,
        join_type=JoinType.OPEN if privacy and privacy[1].lower() == "public" else JoinType.UNKNOWN,
        events=tuple(events), signals=signals.tuple(),
        place=place_from_json_ld([group, *(item for item in items if item is not group)])))


def _json_ld(soup: BeautifulSoup) -> Iterator[dict]:
    """Every JSON-LD object on the page, lists and @graph flattened."""
    for script in soup.find_all("script", attrs={"type": "application/ld+json"}):
        pending = [load_json(script.get_text().encode())]
        while pending:
            item = pending.pop()
            if isinstance(item, list):
                pending.extend(item)
            elif isinstance(item, dict):
                if isinstance(item.get("@graph"), list):
                    pending.extend(item["@graph"])
                yield item


def _is(item: dict, kind: str) -> bool:
    """JSON-LD @type is a name or a list of names ("Event", ["Event", "SocialEvent"])."""
    types = item.get("@type")
    return types == kind or isinstance(types, list) and kind in types


def _events(items: list[dict]) -> Iterator[Event]:
    for item in items:
        starts = moment(item.get("startDate"))
        if _is(item, "Event") and starts is not None and starts.year >= 2000:
            link = item.get("url")
            yield Event(name=text(item.get("name"), 300), starts_at=starts,
                        url=link if isinstance(link, str) and link.startswith(("https://", "http://")) else "")


ADAPTERS = {"meetup_group": group_page}
