"""Atom feeds of active communities, status badges, and the snippet that embeds a badge — pure builders.

Every value here may come from a crawled page or a submission, so nothing is written as markup by hand:
ElementTree escapes text and attributes, and characters XML 1.0 cannot hold at all (control characters,
lone surrogates) are dropped first, since no escaping makes them parseable.
"""
from __future__ import annotations

import html
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from datetime import datetime, timezone

ATOM = "http://www.w3.org/2005/Atom"
SVG = "http://www.w3.org/2000/svg"
FEED_SIZE = 50
# Atom ids must never change when the site moves host, so they are tag URIs (RFC 4151) built from the id alone.
TAG = "tag:copdir,2026:"
EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)

_MARKDOWN_PUNCTUATION = re.compile(r"[!-/:-@\[-`{-~]")
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def xml_text(value: object) -> str:
    """A value as text XML 1.0 can hold: None is empty; characters it cannot hold are left out."""
    return "" if value is None else _NOT_XML.sub("", str(value))


def rfc3339(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def entry_id(community_id: str) -> str:
    return f"{TAG}community:{xml_text(community_id)}"


@dataclass(frozen=True)
class FeedEntry:
    community_id: str
    title: str
    page_url: str  # the community's page on this site
    summary: str  # why it counts as active
    published: datetime  # when copdir first listed it
    url: str | None = None  # the community's own address, when it is safe to link


@dataclass(frozen=True)
class Feed:
    id: str
    title: str
    self_url: str
    site_url: str  # the HTML page the feed follows
    updated: datetime
    entries: tuple[FeedEntry, ...] = ()


def _add(parent: ET.Element, tag: str, text: object = None, **attributes: str) -> ET.Element:
    element = ET.SubElement(parent, tag, {name: xml_text(value) for name, value in attributes.items()})
    if text is not None:
        element.text = xml_text(text)
    return element


def atom_feed(feed: Feed) -> str:
    """The feed as an Atom 1.0 document (RFC 4287)."""
    root = ET.Element("feed", {"xmlns": ATOM})
    _add(root, "id", feed.id)
    _add(root, "title", feed.title)
    _add(root, "updated", rfc3339(feed.updated))
    _add(root, "link", rel="self", type="application/atom+xml", href=feed.self_url)
    _add(root, "link", rel="alternate", type="text/html", href=feed.site_url)
    _add(_add(root, "author"), "name", "copdir")
    _add(root, "generator", "copdir")
    for entry in feed.entries:
        item = _add(root, "entry")
        _add(item, "id", entry_id(entry.community_id))
        _add(item, "title", entry.title)
        # `updated` is when copdir listed it, not the build: a reader should not show it again every rebuild.
        _add(item, "published", rfc3339(entry.published))
        _add(item, "updated", rfc3339(entry.published))
        _add(item, "link", rel="alternate", type="text/html", href=entry.page_url)
        if entry.url:
            _add(item, "link", rel="related", href=entry.url)
        _add(item, "content", entry.summary, type="text")
    return '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


# --- badges ------------------------------------------------------------------------------------------------

# A badge says the liveliest thing that is true: a live link's activity, otherwise why it is not live.
# Colours are dark enough for white text (contrast ≥ 4.5:1).
ACTIVITY_COLOURS = {"active": "#2e7d32", "quiet": "#6d5f00", "dormant": "#a34700"}
REACHABILITY_COLOURS = {"live": "#1565c0", "moved": "#1565c0", "failing": "#b3261e", "dead": "#8e1b1b",
                        "blocked": "#595959", "unknown": "#595959"}
REACHABILITY_WORDS = {"unknown": "not checked yet", "blocked": "unverifiable"}
NOT_LISTED_COLOUR = "#595959"
LABEL = "copdir"
LABEL_COLOUR = "#333333"
HEIGHT = 20
CHAR_WIDTH = 6.5  # px per character at 11px in Verdana/DejaVu Sans, roughly; textLength makes the text fit exactly
PADDING = 12
MAX_MESSAGE = 60


@dataclass(frozen=True)
class Badge:
    message: str  # "active · checked 2 days ago"
    colour: str
    title: str  # what a screen reader says: the community's name and its status

    @property
    def label_width(self) -> int:
        return round(len(LABEL) * CHAR_WIDTH) + PADDING

    @property
    def message_width(self) -> int:
        return round(len(self.message) * CHAR_WIDTH) + PADDING

    @property
    def width(self) -> int:
        return self.label_width + self.message_width


def status_badge(name: str, reachability: str | None, activity: str | None, checked: str | None) -> Badge:
    """A community's badge; `checked` is when it was last checked, in words ("2 days ago"), or None."""
    reachability, activity = reachability or "unknown", activity or "unknown"
    if reachability == "live" and activity in ACTIVITY_COLOURS:
        word, colour = activity, ACTIVITY_COLOURS[activity]
    else:
        word = REACHABILITY_WORDS.get(reachability, reachability)
        colour = REACHABILITY_COLOURS.get(reachability, NOT_LISTED_COLOUR)
    message = f"{word} · checked {checked}" if checked and reachability != "unknown" else word
    message = xml_text(message)[:MAX_MESSAGE]
    return Badge(message, colour, f"{xml_text(name)}: {message}")


def not_listed_badge() -> Badge:
    return Badge("not listed", NOT_LISTED_COLOUR, "This community is not listed in copdir")


def badge_svg(badge: Badge) -> str:
    """The badge as a self-contained SVG: fixed width and height, system fonts, no external resource."""
    label_middle, message_middle = badge.label_width / 2, badge.label_width + badge.message_width / 2
    root = ET.Element("svg", {"xmlns": SVG, "width": str(badge.width), "height": str(HEIGHT),
                              "viewBox": f"0 0 {badge.width} {HEIGHT}", "role": "img",
                              "aria-label": xml_text(badge.title)})
    _add(root, "title", badge.title)
    _add(root, "rect", width=str(badge.label_width), height=str(HEIGHT), fill=LABEL_COLOUR)
    _add(root, "rect", x=str(badge.label_width), width=str(badge.message_width), height=str(HEIGHT), fill=badge.colour)
    text = _add(root, "g", fill="#ffffff", **{"font-family": "Verdana,DejaVu Sans,sans-serif", "font-size": "11",
                                              "text-anchor": "middle"})
    for middle, width, words in ((label_middle, badge.label_width, LABEL),
                                 (message_middle, badge.message_width, badge.message)):
        _add(text, "text", words, x=f"{middle:g}", y="14", textLength=str(width - PADDING),
             lengthAdjust="spacingAndGlyphs")
    return ET.tostring(root, encoding="unicode") + "\n"


def embed_snippets(badge_url: str, page_url: str, name: str) -> dict[str, str]:
    """The HTML and Markdown an owner pastes to show the badge, linked to the community's page.

    Each is escaped for its own language; the page that shows them escapes them again, as text.
    """
    alt = f"copdir status of {xml_text(name)}"
    # CommonMark lets any ASCII punctuation be escaped: then nothing in a name is read as Markdown or HTML.
    markdown_alt = _MARKDOWN_PUNCTUATION.sub(r"\\\g<0>", alt.replace("\n", " "))
    return {
        "html": f'<a href="{html.escape(page_url)}"><img src="{html.escape(badge_url)}" alt="{html.escape(alt)}"'
                f' height="{HEIGHT}"></a>',
        "markdown": f"[![{markdown_alt}]({_markdown_url(badge_url)})]({_markdown_url(page_url)})",
    }


def _markdown_url(url: str) -> str:
    # Parentheses and spaces would end a Markdown link early; our own URLs rarely have them, but a base_url might.
    return url.replace(" ", "%20").replace("(", "%28").replace(")", "%29")
