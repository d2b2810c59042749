"""Sitemaps (the sitemaps.org protocol): the newest <lastmod> of a site's urlset or sitemap index,
as evidence that someone still changes the site.

Sitemaps are hostile input and read like feeds (crawler.adapters.xml_stream): at most MAX_BODY_BYTES
of XML, after un-gzipping a `.gz` body to at most that size too.
"""
from __future__ import annotations

import re
import zlib
from datetime import datetime, timedelta

from crawler.adapters.base import EARLIEST_EVIDENCE, MAX_BODY_BYTES, AdapterResult, Signals, empty
from crawler.adapters.xml_stream import BoundedText, Refused, stream
from crawler.models import Profile, SignalKind, parse_utc

MAX_DATE_CHARS = 64
# A document's root element → the element whose <lastmod> dates one of its entries.
ENTRY_OF_ROOT = {"urlset": "url", "sitemapindex": "sitemap"}
# A date-only <lastmod> written in a time zone ahead of UTC can be "tomorrow" for us.
FUTURE_SLACK = timedelta(days=1)
# Sites that stamp every entry with the moment the sitemap was generated: that moment is no change.
# A new post and the home page listing it share one time, so it takes three alike to tell.
GENERATED_WINDOW = timedelta(days=1)
GENERATED_MIN_ENTRIES = 3
GZIP_MAGIC = b"\x1f\x8b"
# W3C Datetime down to the day (YYYY-MM-DD, optionally with a time): "2024" or "2024-05" is too vague to date activity.
_W3C_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}(?:$|[T ]\d)")


class _SitemapReader:
    """Tracks the newest plausible <lastmod> of the entries seen so far."""

    def __init__(self, observed_at: datetime):
        self.latest_plausible = observed_at + FUTURE_SLACK
        self.entry_tag = ""
        self.path: list[str] = []
        self.text = BoundedText(MAX_DATE_CHARS)
        self.newest: datetime | None = None
        self.dated = 0  # entries with a plausible <lastmod>
        self.all_alike = True  # … and whether they all carry the same one

    def start(self, name: str, attributes: dict[str, str]) -> None:
        local = name.rsplit(":", 1)[-1]
        if not self.path:
            if local not in ENTRY_OF_ROOT:  # an HTML error page, a feed, anything else
                raise Refused
            self.entry_tag = ENTRY_OF_ROOT[local]
        self.path.append(local)
        self.text.clear()

    def data(self, chunk: str) -> None:
        self.text.add(chunk)

    def end(self, name: str) -> None:
        local = self.path.pop() if self.path else ""
        # Only <urlset><url><lastmod> or <sitemapindex><sitemap><lastmod>, never a lastmod nested deeper.
        value = self.text.take()
        if local == "lastmod" and len(self.path) == 2 and self.path[1] == self.entry_tag:
            self._lastmod(value)

    def _lastmod(self, value: str) -> None:
        moment = lastmod_time(value)
        if moment is None or not EARLIEST_EVIDENCE <= moment <= self.latest_plausible:
            return
        if self.newest is not None and moment != self.newest:
            self.all_alike = False
        self.dated += 1
        self.newest = moment if self.newest is None else max(self.newest, moment)


def lastmod_time(value: str) -> datetime | None:
    """An aware time from a <lastmod> (W3C Datetime, a date alone allowed, naive times taken as UTC), or None."""
    return parse_utc(value) if _W3C_DAY.match(value) else None


def newest_lastmod(body: bytes, observed_at: datetime) -> datetime | None:
    """The newest <lastmod> of a sitemap or sitemap index worth believing, no later than observed_at;
    None when there is none, the body is no sitemap, or it declares entities."""
    reader = _SitemapReader(observed_at)
    if not stream(_xml_of(body), reader) or reader.newest is None:
        return None
    if reader.dated >= GENERATED_MIN_ENTRIES and reader.all_alike and reader.newest >= observed_at - GENERATED_WINDOW:
        return None  # every entry stamped "now": when the sitemap was generated, not when the site changed
    return min(reader.newest, observed_at)


def _xml_of(body: bytes) -> bytes:
    """The XML of a body, un-gzipping a `.gz` sitemap to at most MAX_BODY_BYTES (a gzip bomb stops there)."""
    body = body[:MAX_BODY_BYTES]
    if not body.startswith(GZIP_MAGIC):
        return body
    try:
        return zlib.decompressobj(wbits=16 + zlib.MAX_WBITS).decompress(body, MAX_BODY_BYTES)
    except zlib.error:
        return b""


def sitemap(body: bytes, url: str, observed_at: datetime, status: int = 200) -> AdapterResult:
    """GET {root}/sitemap.xml: when the site last changed, by its own account."""
    newest = newest_lastmod(body, observed_at) if status == 200 else None
    if newest is None:
        return empty(url, observed_at)
    signals = Signals(url, observed_at)
    signals.add(SignalKind.SITEMAP_LASTMOD, newest)
    return AdapterResult(Profile(url=url, observed_at=observed_at, signals=signals.tuple()))


ADAPTERS = {"sitemap": sitemap}
