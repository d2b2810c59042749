"""The links of an ad-hoc file for `copdir check --urls`: a URL per line, Markdown, or HTML.

Unlike discovery (which decides what is a community), a link checker checks every http(s) link
it is given, in the order written, each once.
"""
from __future__ import annotations

import re

from lxml import html as lxml_html

# [text](url "title"); the URL may hold balanced parentheses, as Wikipedia's do: /wiki/Go_(game)
_MARKDOWN_TARGET = re.compile(r"\]\(\s*<?(https?://(?:[^\s()<>]|\([^\s()<>]*\))+)>?(?:\s+[\"'(][^)]*)?\)")
_REFERENCE = re.compile(r"^\s{0,3}\[[^\]]+\]:\s*<?(https?://\S+?)>?(?:\s|$)", re.MULTILINE)  # [ref]: url
_AUTOLINK = re.compile(r"<(https?://[^\s>]+)>")
_BARE = re.compile(r"https?://[^\s<>\"'`\]\[{}|\\^]+")
_TRAILING = ".,;:!?*_~"


def _looks_like_html(text: str) -> bool:
    head = text[:2000].lstrip().lower()
    if head.startswith(("<!doctype html", "<html")):
        return True
    # Many Markdown lists open with an HTML banner (<p align="center"><a href=…>): their own links decide.
    return "<a " in head and "href=" in head and not _MARKDOWN_TARGET.search(text)


def _bare(url: str) -> str:
    url = url.rstrip(_TRAILING)
    while url.endswith(")") and url.count(")") > url.count("("):  # (see https://x.org/a) — not part of it
        url = url[:-1].rstrip(_TRAILING)
    return url


def links_in(text: str) -> list[str]:
    """Every http(s) link in text, first occurrence order, without duplicates."""
    if _looks_like_html(text):
        try:
            tree = lxml_html.fromstring(text)
        except (ValueError, lxml_html.etree.ParserError):
            found: list[str] = []
        else:
            found = [value.strip() for value in tree.xpath("//a/@href | //link/@href | //iframe/@src")]
    else:
        # keep the order of appearance: sort by where each match starts (not text.find, which a
        # longer URL starting with the same letters would answer for)
        placed = [(match.start(1), match.group(1)) for pattern in (_MARKDOWN_TARGET, _REFERENCE, _AUTOLINK)
                  for match in pattern.finditer(text)]
        placed += [(match.start(), _bare(match.group(0))) for match in _BARE.finditer(text)]
        found = [url for _, url in sorted(placed, key=lambda item: item[0])]
    seen: dict[str, None] = {}
    for url in found:
        if url.lower().startswith(("http://", "https://")) and len(url) > 10:
            seen.setdefault(url, None)
    return list(seen)
