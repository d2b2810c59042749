"""Dates on a page: the newest evidence of life, and the events it announces."""
from __future__ import annotations

import copy
import re
from datetime import datetime, timezone

import lxml.etree
from htmldate import find_date
from lxml.html import HtmlElement

from crawler.extract.dom import absolute, bounded, ld_text, ld_types, squash, tokens
from crawler.models import Event, Platform, parse_utc
from crawler.urls import platform_of

EARLIEST = datetime(2000, 1, 1, tzinfo=timezone.utc)  # older "dates" are ids, birthdays or parse errors
MAX_TIMES = 2_000
MAX_EVENTS = 20
MAX_EVENT_NAME_CHARS = 150
# What htmldate must not read: not dates of anything the community did (a session's expiry in a
# script, a date in a code sample), and `<time>` elements, which we read exactly while htmldate
# turns an upcoming event's time into the first of this month.
_NOT_FOR_HTMLDATE = "//script|//style|//pre|//code|//template|//noscript|//time"
_DATED_META = ("article:modified_time", "og:updated_time", "article:published_time", "datemodified",
               "datepublished", "last-modified", "dc.date.modified")
_DATED_KEYS = ("dateModified", "datePublished", "dateCreated", "uploadDate")
# Class or id words of an events list: `<ul class="upcoming-events">`, `<section id="termine">`
EVENT_WORDS = frozenset({"event", "events", "eventlist", "veranstaltung", "veranstaltungen", "termin", "termine",
                         "agenda", "calendar", "kalender", "eventos", "evenements", "événements", "upcoming",
                         "meetups", "h-event"})
_ITEM_TAGS = frozenset({"li", "article", "tr", "dd", "section"})
_DATE_ONLY = re.compile(r"^\d{4}-\d{2}-\d{2}$")

def newest_date(root: HtmlElement, not_after: datetime, url: str = "", ld_nodes: list[dict] | None = None
                ) -> datetime | None:
    """The newest date the page shows, from 2000 on and not after not_after.

    Machine-readable dates first (`<time datetime>`, article:modified_time, JSON-LD dateModified …);
    then htmldate, which reads dates from text, URLs and markup the way its authors tuned it on real pages.
    """
    values = [str(tag.get("datetime")) for _, tag in zip(range(MAX_TIMES), root.iter("time")) if tag.get("datetime")]
    values += [str(tag.get("content") or tag.get("datetime") or "") for tag in root.iter("meta")
               if str(tag.get("name") or tag.get("property") or tag.get("itemprop") or "").lower() in _DATED_META]
    values += [ld_text(node.get(key)) for node in ld_nodes or () if not _is_event(node) for key in _DATED_KEYS]
    values.append(_htmldate(root, not_after, url))
    moments = [moment for moment in map(_moment, values) if moment and EARLIEST <= moment <= not_after]
    return max(moments, default=None)


def _htmldate(root: HtmlElement, not_after: datetime, url: str) -> str:
    """htmldate's newest date for the page's content. Given a tree (a copy), it never fetches a URL."""
    content = copy.deepcopy(root)
    for element in content.xpath(_NOT_FOR_HTMLDATE):
        element.drop_tree()
    bounds = {"url": url or None, "min_date": EARLIEST.replace(tzinfo=None),
              "max_date": not_after.astimezone(timezone.utc).replace(tzinfo=None)}
    if (found := _find_date(content, extensive=False, **bounds)) or not _own_site(url):
        return found
    # Nothing in the markup of a community's own site: read its free text too ("ab 29.03.2017", "3. Dezember
    # 2016" on a club's news), but a bare year is no date — "members: 2021" and "pycon2019" come back as the
    # 1st of January. Platform pages are left alone: their prose dates are chrome ("Created Jan 25, 2008" on
    # a subreddit), and their APIs say when people last posted.
    for element in content.iter():  # … and only the text: upload paths in links and images date files, not posts
        element.attrib.clear()
    found = _find_date(content, extensive=True, **{**bounds, "url": None})
    return "" if found[5:10] == "01-01" else found


def _own_site(url: str) -> bool:
    try:
        return not url or platform_of(url) in (Platform.WEBSITE, Platform.FORUM)
    except ValueError:
        return False


def _find_date(content: HtmlElement, extensive: bool, **bounds) -> str:
    try:
        return find_date(content, extensive_search=extensive, original_date=False, outputformat="%Y-%m-%dT%H:%M:%S",
                         **bounds) or ""
    except (ValueError, TypeError, OverflowError, RecursionError, lxml.etree.LxmlError):
        return ""  # a page htmldate cannot read has no date it can give


def _moment(value: str) -> datetime | None:
    if not value or len(value) > 40:
        return None
    try:
        return parse_utc(value)
    except (OverflowError, ValueError):
        return None


# --- events ---------------------------------------------------------------------------------------


def upcoming_events(root: HtmlElement, ld_nodes: list[dict], base: str, observed_at: datetime) -> tuple[Event, ...]:
    """Events the page announces that start at or after observed_at, soonest first."""
    found = [*_json_ld_events(ld_nodes, base), *_microformat_events(root, base), *_listed_events(root, base)]
    upcoming: dict[tuple[str, datetime], Event] = {}
    for name, start, url in found:
        moment = _moment(start)
        if not moment or not _is_upcoming(moment, start, observed_at):
            continue
        name = bounded(squash(name), MAX_EVENT_NAME_CHARS) or "Event"
        upcoming.setdefault((name.lower(), moment), Event(name, moment, url))
    return tuple(sorted(upcoming.values(), key=lambda event: event.starts_at))[:MAX_EVENTS]


def _is_upcoming(moment: datetime, written: str, observed_at: datetime) -> bool:
    if _DATE_ONLY.match(written.strip()):  # an all-day event today has not passed
        return moment.date() >= observed_at.astimezone(timezone.utc).date()
    return moment >= observed_at


def _is_event(node: dict) -> bool:
    return any(kind.endswith("Event") for kind in ld_types(node))


def _json_ld_events(ld_nodes: list[dict], base: str) -> list[tuple[str, str, str]]:
    return [(ld_text(node.get("name")), ld_text(node.get("startDate")), absolute(base, ld_text(node.get("url"))))
            for node in ld_nodes if _is_event(node)]


def _microformat_events(root: HtmlElement, base: str) -> list[tuple[str, str, str]]:
    """h-event microformats and schema.org Event microdata."""
    found = []
    h_events = root.xpath("//*[contains(concat(' ', normalize-space(@class), ' '), ' h-event ')]")
    for event in h_events[:100]:
        start, name, link = (_first_with_class(event, name) for name in ("dt-start", "p-name", "u-url"))
        found.append((squash(name.text_content()) if name is not None else squash(event.text_content()),
                      _time_value(start) if start is not None else "",
                      absolute(base, str(link.get("href") or "")) if link is not None else ""))
    for event in root.xpath("//*[@itemscope and contains(@itemtype, 'Event')]")[:100]:
        props = {str(prop.get("itemprop")): prop for prop in event.xpath(".//*[@itemprop]")[:50]}
        name, start, link = props.get("name"), props.get("startDate"), props.get("url")
        found.append((squash(name.get("content") or name.text_content()) if name is not None else "",
                      _time_value(start) if start is not None else "",
                      absolute(base, str(link.get("href") or link.get("content") or "")) if link is not None else ""))
    return found


def _listed_events(root: HtmlElement, base: str) -> list[tuple[str, str, str]]:
    """`<time datetime>` items inside an events list (`<ul class="events">`, `<section id="termine">` …)."""
    found = []
    for _, time in zip(range(MAX_TIMES), root.iter("time")):
        if not time.get("datetime") or not _in_events_list(time):
            continue
        item = next((a for a in time.iterancestors() if a.tag in _ITEM_TAGS or _is_events_element(a)), time)
        title = next((squash(a.text_content()) for a in item.iter("a", "h2", "h3", "h4", "strong")
                      if squash(a.text_content()) and a is not time), "")
        name = title or squash(item.text_content()).replace(squash(time.text_content()), "")
        link = next((a for a in item.iter("a") if a.get("href")), None)
        url = absolute(base, str(link.get("href"))) if link is not None else ""
        found.append((name, str(time.get("datetime")), url))
    return found


def _in_events_list(element: HtmlElement) -> bool:
    return any(_is_events_element(ancestor) for _, ancestor in zip(range(12), element.iterancestors()))


def _is_events_element(element: HtmlElement) -> bool:
    words = {part for token in tokens(element) for part in re.split(r"[-_\s]", token)} | tokens(element)
    return bool(words & EVENT_WORDS)


def _first_with_class(element: HtmlElement, class_name: str) -> HtmlElement | None:
    matches = element.xpath(f".//*[contains(concat(' ', normalize-space(@class), ' '), ' {class_name} ')]")
    return matches[0] if matches else None


def _time_value(element: HtmlElement) -> str:
    """A microformat or microdata time: datetime, content or value attribute, or the element's text."""
    return squash(element.get("datetime") or element.get("content") or element.get("value") or element.text_content())
