"""Profile extraction from a community's public page or platform API answer. Pure functions."""
from __future__ import annotations

import json
from datetime import datetime

from bs4 import BeautifulSoup

from crawler.models import parse_utc


def _meta(soup: BeautifulSoup, *names: str) -> str:
    for name in names:
        tag = soup.find("meta", attrs={"name": name}) or soup.find("meta", attrs={"property": name})
        if tag and tag.get("content"):
            return " ".join(str(tag["content"]).split())
    return ""


def newest_date(soup: BeautifulSoup, not_after: datetime) -> datetime | None:
    """The newest machine-readable date on the page that is not in the future."""
    candidates = [parse_utc(str(tag["datetime"])) for tag in soup.find_all("time", attrs={"datetime": True})]
    modified = _meta(soup, "article:modified_time", "og:updated_time")
    if modified:
        candidates.append(parse_utc(modified))
    dated = [moment for moment in candidates if moment and moment <= not_after]
    return max(dated, default=None)


def profile_html(html: str, url: str, observed_at: datetime) -> dict:
    """Title, description, language and the newest dated post of a community page."""
    soup = BeautifulSoup(html, "html.parser")
    title = " ".join(soup.title.get_text().split()) if soup.title else ""
    language = str(soup.html.get("lang", "")) if soup.html else ""
    profile = {
        "url": url, "observed_at": observed_at.isoformat(),
        "title": _meta(soup, "og:title") or title,
        "description": _meta(soup, "description", "og:description"),
        "language": language.split("-")[0].lower(),
        "signals": [],
    }
    newest = newest_date(soup, observed_at)
    if newest:
        profile["signals"].append({"kind": "newest_post", "value": newest.isoformat(),
                                   "observed_at": observed_at.isoformat(), "source_url": url})
    return profile


def profile_discord_invite(body: str, url: str, observed_at: datetime) -> dict:
    """From Discord's invite object (GET /invites/{code}?with_counts=true)."""
    try:
        invite = json.loads(body)
    except ValueError:
        invite = {}
    guild = invite.get("guild") or {}
    profile = {"url": url, "observed_at": observed_at.isoformat(), "title": guild.get("name", ""),
               "description": guild.get("description") or "", "language": "", "signals": []}
    for kind, key in (("members", "approximate_member_count"), ("online_members", "approximate_presence_count")):
        if isinstance(invite.get(key), int):
            profile["signals"].append({"kind": kind, "value": str(invite[key]),
                                       "observed_at": observed_at.isoformat(), "source_url": url})
    return profile
