"""What every platform adapter shares: the result types, and careful readers of hostile bodies.

An adapter is a pure function `(body, url, observed_at, status) -> AdapterResult`. Bodies come
from strangers, so every reader here returns None or an empty value on anything unexpected
(not JSON, the wrong shape, a number that is a string, a date from 1970 or next year) instead
of raising.
"""
from __future__ import annotations

import html
import json
import math
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from email.utils import parsedate_to_datetime
from typing import Any

from bs4 import BeautifulSoup

from crawler.models import Profile, Signal, SignalKind, parse_utc

# The network layer keeps at most 2 MB of a body; a body handed to us directly is cut there too.
MAX_BODY_BYTES = 2_000_000
EARLIEST_EVIDENCE = datetime(2000, 1, 1, tzinfo=timezone.utc)  # older dates are placeholders or errors
LATEST_PLAUSIBLE = datetime(3000, 1, 1, tzinfo=timezone.utc)  # an expiry or event beyond is a placeholder
_TAG = re.compile(r"<[^>]*>")
_XML_DECLARATION = re.compile(r"^\s*<\?xml[^>]*>")
WINDOW_30D = timedelta(days=30)


@dataclass(frozen=True)
class Endpoint:
    """A public URL to fetch for a community, and the adapter that reads its answer."""

    url: str
    adapter: str


@dataclass(frozen=True)
class AdapterResult:
    """What one answer says (`profile`) and what to fetch next to learn more (`follow`)."""

    profile: Profile
    follow: tuple[Endpoint, ...] = field(default_factory=tuple)


Adapter = Callable[[bytes, str, datetime, int], AdapterResult]


def empty(url: str, observed_at: datetime, **fields: Any) -> AdapterResult:
    """A result that says nothing (or only the given fields): the answer to a body we cannot read."""
    return AdapterResult(Profile(url=url, observed_at=observed_at, **fields))


# --- reading bodies ------------------------------------------------------------------------------


def load_json(body: bytes) -> Any:
    """The JSON value of body, or None if it is not JSON, too large or too deeply nested."""
    if not body or len(body) > MAX_BODY_BYTES:
        return None
    try:
        return json.loads(body)
    except (ValueError, RecursionError):  # the decoder gives up on deep nesting with RecursionError
        return None


def as_dict(value: Any) -> dict:
    return value if isinstance(value, dict) else {}


def as_list(value: Any) -> list:
    return value if isinstance(value, list) else []


def dig(value: Any, *keys: str) -> Any:
    """value[k1][k2]… or None when any step is missing or not an object."""
    for key in keys:
        if not isinstance(value, dict):
            return None
        value = value.get(key)
    return value


def text(value: Any, limit: int = 2000) -> str:
    """A string field as one line of plain text (tags dropped, entities decoded), or "" if it is not a string."""
    if not isinstance(value, str):
        return ""
    value = html.unescape(_TAG.sub(" ", value[:limit * 4]))
    return " ".join(value.split())[:limit]


def count(value: Any) -> int | None:
    """A non-negative count, from an int or a digit string ("37125"); None otherwise."""
    if isinstance(value, bool):
        return None
    if isinstance(value, str) and _is_digits(value.strip()) and len(value.strip()) <= 12:
        value = int(value.strip())
    return value if isinstance(value, int) and 0 <= value < 10**12 else None


def written_count(written: str) -> int | None:
    """A count as a page writes it ("1,234", "1 234", "1.234"), or None."""
    digits = "".join(char for char in written if char.isascii() and char.isdigit())
    return int(digits) if 0 < len(digits) <= 12 else None


def _is_digits(value: str) -> bool:
    return value.isascii() and value.isdigit()


def soup_of(body: bytes) -> BeautifulSoup:
    # An XML declaration (a feed where a page was expected) only makes bs4 warn; no tag, no page
    # (and bs4 would warn that a bare URL "looks like a locator").
    page = _XML_DECLARATION.sub("", body[:MAX_BODY_BYTES].decode("utf-8", "replace"), count=1)
    return BeautifulSoup(page if "<" in page else "", "html.parser")


def meta(soup: BeautifulSoup, *names: str) -> str:
    """The content of the first <meta name|property=…> found among names."""
    for name in names:
        tag = soup.find("meta", attrs={"property": name}) or soup.find("meta", attrs={"name": name})
        if tag and isinstance(tag.get("content"), str):
            return " ".join(tag["content"].split())
    return ""


def page_language(soup: BeautifulSoup) -> str:
    lang = soup.html.get("lang") if soup.html else None
    return language(lang)


def language(code: Any) -> str:
    """An ISO 639-1 code from "en", "en-US", "pt_BR"; "" for anything else ("und", "", None)."""
    if not isinstance(code, str):
        return ""
    primary = code.replace("_", "-").split("-")[0].strip().lower()
    return primary if len(primary) == 2 and primary.isalpha() else ""


# --- times ---------------------------------------------------------------------------------------


def moment(value: Any) -> datetime | None:
    """An aware time from ISO 8601, RFC 822 (feeds) or Unix seconds; None if it is none of these."""
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        if not math.isfinite(value):
            return None
        try:
            return datetime.fromtimestamp(value, tz=timezone.utc)
        except (OverflowError, OSError, ValueError):
            return None
    if not isinstance(value, str) or not value.strip() or len(value) > 64:
        return None
    value = value.strip()
    if _is_digits(value):
        return moment(int(value))
    parsed = parse_utc(value)
    if parsed is None:
        try:
            parsed = parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            return None
        if parsed.tzinfo is None:
            parsed = parsed.replace(tzinfo=timezone.utc)
    return parsed


def past(value: Any, observed_at: datetime) -> datetime | None:
    """A time usable as evidence of past activity: parsed, not in the future, not before 2000."""
    parsed = value if isinstance(value, datetime) else moment(value)
    if parsed is None or parsed.tzinfo is None:
        return None
    return parsed if EARLIEST_EVIDENCE <= parsed <= observed_at else None


def ahead(value: Any, observed_at: datetime) -> datetime | None:
    """A time still to come (an invite's expiry, an event's start), or None."""
    parsed = value if isinstance(value, datetime) else moment(value)
    if parsed is None or parsed.tzinfo is None:
        return None
    return parsed if observed_at < parsed < LATEST_PLAUSIBLE else None


def newest(times: Iterable[Any], observed_at: datetime) -> datetime | None:
    return max((t for t in (past(value, observed_at) for value in times) if t), default=None)


def count_in_window(times: list[datetime], observed_at: datetime, complete: bool) -> int | None:
    """How many times fall in the last 30 days, or None when the answer may have been cut short.

    A page of the newest items covers the whole window only if it reaches past the window's
    start or holds everything there is (`complete`); otherwise its count is only a lower bound.
    """
    if not times:
        return 0 if complete else None
    start = observed_at - WINDOW_30D
    if not complete and min(times) >= start:
        return None
    return sum(1 for t in times if t >= start)


# --- building profiles ---------------------------------------------------------------------------


class Signals:
    """Collects dated signals for one answer, skipping values that are missing or implausible."""

    def __init__(self, url: str, observed_at: datetime):
        self.url, self.observed_at = url, observed_at
        self.items: list[Signal] = []

    def add(self, kind: SignalKind, value: int | datetime | str | bool | None) -> None:
        if value is None or value == "":
            return
        if isinstance(value, bool):
            value = "true" if value else "false"
        elif isinstance(value, datetime):
            value = value.astimezone(timezone.utc).isoformat()
        self.items.append(Signal(kind.value, str(value), self.observed_at, self.url))

    def tuple(self) -> tuple[Signal, ...]:
        return tuple(self.items)
