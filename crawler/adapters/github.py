"""GitHub Discussions (github.com/OWNER/REPO/discussions, github.com/orgs/ORG/discussions): the list
shows each discussion's latest activity as <relative-time datetime="…">."""
from __future__ import annotations

from datetime import datetime

from crawler.adapters.base import AdapterResult, Signals, empty, newest, soup_of
from crawler.models import Platform, Profile, SignalKind


def discussions(body: bytes, url: str, observed_at: datetime, status: int = 200) -> AdapterResult:
    if status != 200:
        return empty(url, observed_at)  # 404: discussions are not enabled there
    soup = soup_of(body)
    latest = newest((tag.get("datetime") for tag in soup.find_all("relative-time", attrs={"datetime": True})),
                    observed_at)
    if latest is None:
        return empty(url, observed_at)
    signals = Signals(url, observed_at)
    signals.add(SignalKind.NEWEST_POST, latest)
    return AdapterResult(Profile(url=url, observed_at=observed_at, platform=Platform.GITHUB, signals=signals.tuple()))


ADAPTERS = {"github_discussions": discussions}
