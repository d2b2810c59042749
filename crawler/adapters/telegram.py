"""Telegram's public previews: t.me/NAME ("1 234 members, 56 online" or "12 345 subscribers" in
tgme_page_extra) and t.me/s/NAME, a channel's newest messages with their times."""
from __future__ import annotations

import re
from datetime import datetime

from crawler.adapters.base import (AdapterResult, Signals, count_in_window, empty, meta, page_language, past,
                                   soup_of, written_count)
from crawler.models import JoinType, Platform, Profile, SignalKind

# Telegram groups thousands with spaces (also no-break and narrow no-break ones) or commas
_COUNTED = re.compile(r"(\d[\d\s\u00a0\u202f,.]*[KkMm]?)\s*(members?|subscribers?|online)\b")
_SCALE = {"k": 1_000, "m": 1_000_000}
_PLURAL = {"member": "members", "subscriber": "subscribers"}
_NOBODY_TITLE = "Telegram: Contact @"  # what t.me shows for a name that is no channel or group


def preview(body: bytes, url: str, observed_at: datetime, status: int = 200) -> AdapterResult:
    if status != 200:
        return empty(url, observed_at)
    soup = soup_of(body)
    name = meta(soup, "og:title")
    extra = soup.find(class_="tgme_page_extra")
    counters = " ".join(tag.get_text(" ") for tag in soup.find_all(class_="tgme_channel_info_counter"))
    if not name or (name.startswith(_NOBODY_TITLE) and extra is None):
        return empty(url, observed_at)
    numbers = _counts(" ".join(filter(None, [extra.get_text(" ") if extra else "", counters])))
    signals = Signals(url, observed_at)
    signals.add(SignalKind.MEMBERS, numbers.get("members", numbers.get("subscribers")))
    signals.add(SignalKind.ONLINE_MEMBERS, numbers.get("online"))
    messages = [moment for moment in (past(tag.get("datetime"), observed_at)
                                      for tag in soup.select(".tgme_widget_message_date time[datetime]")) if moment]
    if messages:
        signals.add(SignalKind.NEWEST_POST, max(messages))
        signals.add(SignalKind.POSTS_30D, count_in_window(messages, observed_at, complete=False))
    return AdapterResult(Profile(
        url=url, observed_at=observed_at, name=name, description=meta(soup, "og:description"),
        language=page_language(soup), platform=Platform.TELEGRAM,
        join_type=JoinType.OPEN if numbers else JoinType.UNKNOWN, signals=signals.tuple()))


def _counts(line: str) -> dict[str, int]:
    """{"members": 1234, "online": 56} from "1 234 members, 56 online"; "12.3K subscribers" too."""
    found: dict[str, int] = {}
    for number, label in _COUNTED.findall(line):
        value = _number(number)
        if value is not None:
            found.setdefault(_PLURAL.get(label.lower(), label.lower()), value)
    return found


def _number(written: str) -> int | None:
    written = written.strip()
    scale = _SCALE.get(written[-1:].lower(), 1)
    if scale == 1:
        return written_count(written)
    decimal = written[:-1].strip().replace(",", ".")  # "12.3K": the dot or comma is a decimal mark
    if not re.fullmatch(r"\d{1,6}(\.\d{1,3})?", decimal):
        return None
    return int(float(decimal) * scale)


ADAPTERS = {"telegram": preview}
