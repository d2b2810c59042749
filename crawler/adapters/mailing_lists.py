"""Mailing-list archives. Mailman 3's HyperKitty list page counts the participants and discussions of
the past 30 days; Mailman 2's pipermail index links one archive per month (or quarter, or week);
Google Groups and groups.io group pages name and describe the list. Their feeds go to `feeds`."""
from __future__ import annotations

import re
from datetime import datetime, timezone

from crawler.adapters.base import (AdapterResult, Signals, empty, meta, newest, page_language, soup_of, text,
                                   written_count)
from crawler.models import Platform, Profile, SignalKind

MONTHS = ("january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
          "november", "december")
# Archive links of pipermail's index: 2024-January/thread.html, 2024q1.txt.gz, Week-of-Mon-20240101/
_MONTHLY = re.compile(r"^(\d{4})-(" + "|".join(MONTHS) + r")\b", re.IGNORECASE)
_QUARTERLY = re.compile(r"^(\d{4})q([1-4])\b", re.IGNORECASE)
_WEEKLY = re.compile(r"^Week-of-Mon-(\d{4})(\d{2})(\d{2})\b", re.IGNORECASE)
_ARCHIVES_TITLE = re.compile(r"^The (.+?) Archives$", re.IGNORECASE)
_STAT = re.compile(r"(\d[\d,.\u00a0\u202f]*)\s+(participants|discussions)\b", re.IGNORECASE)
_MEMBERS = re.compile(r"(\d[\d,.\u00a0\u202f]*)\s+members\b", re.IGNORECASE)


def hyperkitty_list(body: bytes, url: str, observed_at: datetime, status: int = 200) -> AdapterResult:
    """A HyperKitty list overview (/archives/list/NAME@HOST/): its name, description and 30-day stats."""
    if status != 200:
        return empty(url, observed_at)
    soup = soup_of(body)
    heading = soup.select_one("section#title h2")
    if heading is None:
        return empty(url, observed_at)
    stats = {label.lower(): written_count(number)
             for item in soup.select("ul.list-stats li") for number, label in _STAT.findall(item.get_text(" "))}
    signals = Signals(url, observed_at)
    signals.add(SignalKind.ACTIVE_USERS, stats.get("participants"))
    signals.add(SignalKind.POSTS_30D, stats.get("discussions"))
    description = soup.select_one("p#description")
    return AdapterResult(Profile(
        url=url, observed_at=observed_at, name=text(heading.get_text(" "), 200),
        description=text(description.get_text(" ")) if description else "", language=page_language(soup),
        platform=Platform.MAILING_LIST, signals=signals.tuple()))


def pipermail_index(body: bytes, url: str, observed_at: datetime, status: int = 200) -> AdapterResult:
    """A Mailman 2 archive index (/pipermail/NAME/): the newest archive period that has messages.

    The period's first day stands for its newest message: a lower bound, off by at most a month.
    """
    if status != 200:
        return empty(url, observed_at)
    soup = soup_of(body)
    starts = [_period_start(str(link["href"])) for link in soup.find_all("a", href=True)]
    latest = newest(starts, observed_at)
    title = " ".join(soup.title.get_text().split()) if soup.title else ""
    name = match[1] if (match := _ARCHIVES_TITLE.match(title)) else ""
    if latest is None and not name:
        return empty(url, observed_at)
    signals = Signals(url, observed_at)
    signals.add(SignalKind.NEWEST_POST, latest)
    return AdapterResult(Profile(url=url, observed_at=observed_at, name=name, platform=Platform.MAILING_LIST,
                                 signals=signals.tuple()))


def _period_start(href: str) -> datetime | None:
    try:
        if match := _MONTHLY.match(href):
            return datetime(int(match[1]), MONTHS.index(match[2].lower()) + 1, 1, tzinfo=timezone.utc)
        if match := _QUARTERLY.match(href):
            return datetime(int(match[1]), 3 * int(match[2]) - 2, 1, tzinfo=timezone.utc)
        if match := _WEEKLY.match(href):
            return datetime(int(match[1]), int(match[2]), int(match[3]), tzinfo=timezone.utc)
    except ValueError:  # year 0000, month 13 …
        return None
    return None


def group_page(body: bytes, url: str, observed_at: datetime, status: int = 200) -> AdapterResult:
    """A Google Groups or groups.io group page: name, description, members, newest dated message."""
    if status != 200:
        return empty(url, observed_at)
    soup = soup_of(body)
    title = " ".join(soup.title.get_text().split()) if soup.title else ""
    # "NAME - Google Groups", "NAME@groups.io | Home"
    name = meta(soup, "og:title") or re.split(r" - Google Groups$| \| ", title)[0].strip()
    if not name:
        return empty(url, observed_at)
    members = _MEMBERS.search(soup.get_text(" "))
    signals = Signals(url, observed_at)
    signals.add(SignalKind.MEMBERS, written_count(members[1]) if members else None)
    signals.add(SignalKind.NEWEST_POST, newest(
        (tag.get("datetime") for tag in soup.find_all(["time", "relative-time"], attrs={"datetime": True})),
        observed_at))
    return AdapterResult(Profile(
        url=url, observed_at=observed_at, name=text(name, 200),
        description=meta(soup, "og:description", "description"), language=page_language(soup),
        platform=Platform.MAILING_LIST, signals=signals.tuple()))


ADAPTERS = {
    "hyperkitty_list": hyperkitty_list,
    "pipermail_index": pipermail_index,
    "mailing_list_group": group_page,
}
