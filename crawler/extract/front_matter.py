"""YAML front matter of a Hugo or Jekyll page, and the community a Hugo community page describes.

A digital.gov community page names its community in front matter, not in list items:
`community_list` holds its mailing lists (`platform: listserv`, `subscribe_email`), `redirectto`
its home elsewhere, `title` and `summary` its name and description. Pure: no I/O.
"""
from __future__ import annotations

import re

import yaml

from crawler.extract.markdown_inline import resolve_url, status_words, strip_markdown
from crawler.extract.records import platform_named, truncate
from crawler.models import Observation, Platform
from crawler.urls import canonicalize, platform_of

MAX_FRONT_MATTER = 100_000  # a page's metadata; anything longer is not front matter
_EMAIL = re.compile(r"^(?:mailto:)?\s*([^\s@<>()]+@[^\s@<>()]+\.[A-Za-z]{2,})\s*$")


def split_front_matter(text: str) -> tuple[dict, str]:
    """(front matter as a mapping, the body after it); `{}` when there is none or it is not YAML."""
    if not text.startswith("---\n"):
        return {}, text
    end = text.find("\n---", 3, MAX_FRONT_MATTER)
    if end == -1:
        return {}, text
    after = text.find("\n", end + 4)
    body = "" if after == -1 else text[after + 1:]
    try:
        data = yaml.safe_load(text[4:end])
    except yaml.YAMLError:
        data = None
    return (data if isinstance(data, dict) else {}), body


def is_community_page(front: dict) -> bool:
    """A page about one community (its lists or its home in front matter), not a list of many."""
    return bool(front.get("community_list") or front.get("redirectto"))


def page_observations(front: dict, *, source: str, base_url: str) -> list[Observation]:
    """The page's community: its home (`redirectto`) and each mailing list of `community_list`."""
    name = _page_name(front)
    summary = _text(front.get("summary")) or _text(front.get("deck"))
    found: list[Observation] = []
    seen: set[str] = set()

    def add(url: str | None, platform: Platform | None, description: str) -> None:
        try:
            canonical = canonicalize(url) if url else None
        except ValueError:
            return
        if canonical and canonical not in seen:
            seen.add(canonical)
            found.append(Observation(
                source=source, url=url, name=name or canonical, description=truncate(description),
                annotations=status_words(description), platform=platform or platform_of(url)))

    redirect = front.get("redirectto")
    if isinstance(redirect, str):
        add(resolve_url(redirect, base_url), None, summary)
    lists = front.get("community_list")
    for item in lists if isinstance(lists, list) else []:
        if not isinstance(item, dict):
            continue
        terms = _text(item.get("terms"))
        description = " ".join(part for part in (summary, terms) if part)
        add(_item_url(item, base_url), platform_named(_text(item.get("platform"))), description)
    return found


def _item_url(item: dict, base_url: str) -> str | None:
    for key in ("subscribe_email", "email", "list_email"):
        if isinstance(item.get(key), str) and (address := _EMAIL.match(item[key])):
            return "mailto:" + address.group(1)
    for key in ("url", "link", "join_url", "href"):
        if isinstance(item.get(key), str):
            return resolve_url(item[key], base_url)
    return None


def _page_name(front: dict) -> str:
    title = _text(front.get("title")) or _text(front.get("dg_shortname"))
    return re.sub(r"^join (?:the |our )?", "", title, flags=re.I).strip() or title


def _text(value: object) -> str:
    return strip_markdown(str(value)) if isinstance(value, (str, int, float)) else ""
