"""Slack join pages (join.slack.com/t/WORKSPACE/shared_invite/…, WORKSPACE.slack.com): the page's
boot data says whether the shared invite still works, and the title names the workspace."""
from __future__ import annotations

import json
import re
from datetime import datetime

from crawler.adapters.base import MAX_BODY_BYTES, AdapterResult, Signals, empty, soup_of, text
from crawler.models import JoinType, Platform, Profile, SignalKind

_INVITE_ERROR = re.compile(r'"isSharedInviteError"\s*:\s*(true|false)')
_TEAM_NAME = re.compile(r'"(?:teamName|team_name)"\s*:\s*("(?:[^"\\]|\\.){1,200}")')
_TITLE = re.compile(r"^Join (.+?) on Slack\b", re.IGNORECASE)


def join_page(body: bytes, url: str, observed_at: datetime, status: int = 200) -> AdapterResult:
    if status != 200:
        return empty(url, observed_at)
    page = body[:MAX_BODY_BYTES].decode("utf-8", "replace")
    flag = _INVITE_ERROR.search(page)
    soup = soup_of(body)
    title = " ".join(soup.title.get_text().split()) if soup.title else ""
    name = _team_name(page) or (match[1] if (match := _TITLE.match(title)) else "")
    if flag is None and not name:
        return empty(url, observed_at)  # not a Slack join page
    signals = Signals(url, observed_at)
    valid = None if flag is None else flag[1] == "false"
    signals.add(SignalKind.INVITE_VALID, valid)
    return AdapterResult(Profile(
        url=url, observed_at=observed_at, name=name, platform=Platform.SLACK,
        join_url=url if valid else "", join_type=JoinType.OPEN if valid else JoinType.UNKNOWN,
        signals=signals.tuple()))


def _team_name(page: str) -> str:
    match = _TEAM_NAME.search(page)
    if not match:
        return ""
    try:
        return text(json.loads(match[1]), 200)
    except ValueError:
        return ""


ADAPTERS = {"slack_join": join_page}
