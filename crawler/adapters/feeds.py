"""RSS 2.0, RSS 1.0 and Atom feeds: the feed's title, description and language, its newest entry,
and its entries of the last 30 days.

Feeds are hostile input, so they are read with a bounded streaming parser (crawler.adapters.xml_stream):
at most MAX_BODY_BYTES and MAX_ENTRIES are read.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from crawler.adapters.base import (MAX_BODY_BYTES, AdapterResult, Signals, count_in_window, empty, language, past,
                                   text)
from crawler.adapters.xml_stream import BoundedText, stream
from crawler.models import Profile, SignalKind

MAX_ENTRIES = 1_000
MAX_TEXT_CHARS = 4_000  # per element: titles and dates are short; descriptions are cut
ENTRY_TAGS = frozenset({"item", "entry"})
FEED_TAGS = frozenset({"channel", "feed"})
# Entry dates in order of preference: when it was published, else when it was last updated.
PUBLISHED_TAGS = ("pubDate", "published", "date", "issued", "created")
UPDATED_TAGS = ("updated", "modified")


@dataclass
class _Reading:
    """What the parser has seen so far."""

    title: str = ""
    description: str = ""
    language: str = ""
    entry_times: list[datetime | None] = field(default_factory=list)
    is_feed: bool = False


class _FeedReader:
    def __init__(self, observed_at: datetime):
        self.observed_at = observed_at
        self.reading = _Reading()
        self.path: list[str] = []
        self.text = BoundedText(MAX_TEXT_CHARS)
        self.entry: dict[str, str] | None = None

    def start(self, name: str, attributes: dict[str, str]) -> None:
        local = name.rsplit(":", 1)[-1]
        if not self.path:
            self.reading.is_feed = local in ("rss", "feed", "RDF")
            self.reading.language = language(attributes.get("xml:lang"))
        if local in ENTRY_TAGS and len(self.reading.entry_times) < MAX_ENTRIES:
            self.entry = {}
        self.path.append(local)
        self.text.clear()

    def data(self, chunk: str) -> None:
        self.text.add(chunk)

    def end(self, name: str) -> None:
        local = self.path.pop() if self.path else name.rsplit(":", 1)[-1]
        value = self.text.take()
        if self.entry is not None:
            if local in ENTRY_TAGS:
                self.reading.entry_times.append(self._entry_time(self.entry))
                self.entry = None
            elif value:
                self.entry.setdefault(local, value)
        elif self.path and self.path[-1] in FEED_TAGS:
            self._feed_field(local, value)

    def _feed_field(self, local: str, value: str) -> None:
        reading = self.reading
        if local == "title" and not reading.title:
            reading.title = text(value, 300)
        elif local in ("description", "subtitle") and not reading.description:
            reading.description = text(value)
        elif local == "language" and not reading.language:
            reading.language = language(value)

    def _entry_time(self, entry: dict[str, str]) -> datetime | None:
        for tag in (*PUBLISHED_TAGS, *UPDATED_TAGS):
            if tag in entry:
                return past(entry[tag], self.observed_at)
        return None


def read_feed(body: bytes, observed_at: datetime) -> _Reading | None:
    """What a feed says, or None if it is hostile or not a feed at all."""
    reader = _FeedReader(observed_at)
    if not stream(body[:MAX_BODY_BYTES], reader, enough=lambda: len(reader.reading.entry_times) >= MAX_ENTRIES):
        return None
    return reader.reading if reader.reading.is_feed else None


def feed(body: bytes, url: str, observed_at: datetime, status: int = 200) -> AdapterResult:
    reading = read_feed(body, observed_at) if status == 200 else None
    if reading is None:
        return empty(url, observed_at)
    times = [moment for moment in reading.entry_times if moment]
    signals = Signals(url, observed_at)
    if times:
        signals.add(SignalKind.NEWEST_FEED_ENTRY, max(times))
        # A feed carries only its newest entries: its count is exact only if it reaches past the window.
        signals.add(SignalKind.POSTS_30D, count_in_window(times, observed_at, complete=False))
    return AdapterResult(Profile(url=url, observed_at=observed_at, name=reading.title,
                                 description=reading.description, language=reading.language,
                                 feeds=(url,), signals=signals.tuple()))


ADAPTERS = {"feed": feed}
