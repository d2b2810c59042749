"""Where a paginated HTML directory list continues: its next page, if it has one.

Directory sites page their lists (`/page/2/`, `?page=2`), so the directory spider follows the next page and
the whole list is one source. The next page is, in this order: `<link rel="next">`, an `<a rel="next">`, or a
link whose whole text says "Next" (or is the › arrow). A list continues on its own host only: a "next" link
to another host, or back to the page itself, is no next page. Pure: no I/O.
"""
from __future__ import annotations

from urllib.parse import urldefrag, urljoin, urlsplit

from crawler.extract.dom import parse

NEXT_TEXTS = frozenset({"next", "next page", "next ›", "next »", "next →", "next >", "next >>", "›", "next results"})


def next_page_url(html: str, page_url: str) -> str | None:
    """The absolute URL of the page that continues the list at page_url, or None."""
    root = parse(html)
    if root is None:
        return None
    candidates = [*root.iterfind(".//link[@rel]"), *root.iterfind(".//a[@rel]")]
    marked = [element.get("href") for element in candidates if "next" in element.get("rel", "").lower().split()]
    worded = [anchor.get("href") for anchor in root.iterfind(".//a[@href]")
              if " ".join(anchor.text_content().split()).lower() in NEXT_TEXTS]
    for href in [*marked, *worded]:
        if url := _same_list(href, page_url):
            return url
    return None


def _same_list(href: str | None, page_url: str) -> str | None:
    if not href or not href.strip():
        return None
    url, _ = urldefrag(urljoin(page_url, href.strip()))
    parts, page = urlsplit(url), urlsplit(page_url)
    if parts.scheme not in ("http", "https") or parts.hostname != page.hostname or url == urldefrag(page_url)[0]:
        return None
    return url
