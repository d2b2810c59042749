"""Soft 404s: pages that answer 200 but are error pages.

Two kinds of evidence, as link checkers and search engines use them:
- the page calls itself an error ("Page not found", "404") in its title or first heading;
- the page is the same as what the host answers for a path that cannot exist (a random one),
  and says so somewhere in its text. A same-for-every-path page without such words is a
  single-page app or a catch-all front page, which is not evidence of anything.
"""
from __future__ import annotations

import functools
import html
import re
import secrets

from rapidfuzz import fuzz

SAME_PAGE_RATIO = 90.0  # rapidfuzz ratio (0–100) between two pages' fingerprints that makes them one page
FINGERPRINT_CHARS = 3000

_ERROR_WORDS = re.compile(
    r"\b(?:page|file|site|content|article|group|forum|topic|community)\s+(?:was\s+)?not\s+found\b|\b404\b"
    r"|\bnot\s+found\b|doesn[’']?t\s+exist|does\s+not\s+exist|no\s+longer\s+(?:exists|available)"
    r"|(?:couldn[’']?t|could\s+not|can[’']?t|cannot|can\s+not)\s+(?:be\s+found|find)|page\s+(?:is\s+)?missing"
    r"|seite\s+nicht\s+gefunden|page\s+introuvable|página\s+no\s+encontrada|pagina\s+non\s+trovata"
    r"|pagina\s+niet\s+gevonden|página\s+não\s+encontrada|nie\s+znaleziono|страница\s+не\s+найдена"
    r"|ページが見つかりません|页面不存在|找不到(?:页面|网页)",
    re.IGNORECASE)
# In a title or heading, words that mean "error page" even in a long heading; bare "404" or "not found"
# count only in a heading of a few words, so a forum thread "Getting 404 on login" is not an error page.
_ERROR_HEADING = re.compile(
    r"\b(?:page|file|site|content|article|group|forum|topic|community)\s+(?:was\s+)?not\s+found\b"
    r"|^\W*(?:error\s*)?404\b|\b404\s*(?:[-–—:|]|error\b|page\b|not\s+found\b)|\b(?:error|http)\s*404\b"
    r"|doesn[’']?t\s+exist|does\s+not\s+exist|no\s+longer\s+exists"
    r"|\bpage\b[^.|]{0,40}?(?:could\s+not|couldn[’']?t|can[’']?t|cannot|can\s+not)\s+be\s+found"
    r"|seite\s+nicht\s+gefunden|page\s+introuvable|página\s+no\s+encontrada|pagina\s+non\s+trovata"
    r"|pagina\s+niet\s+gevonden|página\s+não\s+encontrada|nie\s+znaleziono|страница\s+не\s+найдена"
    r"|ページが見つかりません|页面不存在|找不到(?:页面|网页)",
    re.IGNORECASE)
SHORT_HEADING_WORDS = 3
_TITLE = re.compile(r"<title[^>]*>(.*?)</title>", re.IGNORECASE | re.DOTALL)
_HEADING = re.compile(r"<h1[^>]*>(.*?)</h1>", re.IGNORECASE | re.DOTALL)
_INVISIBLE = re.compile(r"<(script|style|noscript|template)\b.*?</\1\s*>", re.IGNORECASE | re.DOTALL)
_TAG = re.compile(r"<[^>]*>")
_NUMBERS = re.compile(r"\d+")
_SPACE = re.compile(r"\s+")


def random_path() -> str:
    """A path no real site has, different on every run so nobody can special-case it."""
    return f"/copdir-soft404-check-{secrets.token_hex(6)}"


def _text(fragment: str) -> str:
    return _SPACE.sub(" ", html.unescape(_TAG.sub(" ", fragment))).strip()


def calls_itself_an_error(page: str) -> str | None:
    """The title or first heading when it says the page is an error page."""
    for pattern in (_TITLE, _HEADING):
        if (match := pattern.search(page[:50_000])) and _says_error(heading := _text(match.group(1))):
            return heading[:120]
    return None


@functools.lru_cache(maxsize=4096)  # a site repeats its titles; the heading patterns are not cheap
def _says_error(heading: str) -> bool:
    if _ERROR_HEADING.search(heading):
        return True
    return len(heading.split()) <= SHORT_HEADING_WORDS and bool(_ERROR_WORDS.search(heading))


def fingerprint(page: str, path: str = "") -> str:
    """The visible text of a page, without numbers or the requested path, which error pages echo."""
    text = _text(_INVISIBLE.sub(" ", page[:200_000]))
    for token in filter(None, re.split(r"[/?=&._-]+", path)):
        if len(token) > 2:
            text = text.replace(token, " ")
    return _SPACE.sub(" ", _NUMBERS.sub(" ", text)).strip()[:FINGERPRINT_CHARS]


def same_page(page_print: str, probe_print: str) -> bool:
    if not page_print or not probe_print:
        return page_print == probe_print
    return fuzz.ratio(page_print, probe_print) >= SAME_PAGE_RATIO


def soft_404_reason(page: str, path: str, probe_page: str | None, probe_path: str) -> str | None:
    """Why a 200 answer for path is really an error page, or None.

    probe_page is what the same host answered with 200 for probe_path (a random path), or None
    when that probe did not answer 200 (so the host does have real 404s).
    """
    if heading := calls_itself_an_error(page):
        return f'answers 200 but the page says "{heading}"'
    if probe_page is None or path in ("", "/"):
        return None
    return same_error_page_reason(page, path, probe_page, probe_path)


def same_error_page_reason(page: str, path: str, probe_page: str, probe_path: str) -> str | None:
    """The comparison alone: page is the one the made-up path got, and says it is an error."""
    if path in ("", "/"):
        return None
    if same_page(fingerprint(page, path), fingerprint(probe_page, probe_path)) and _ERROR_WORDS.search(
            _text(_INVISIBLE.sub(" ", page[:200_000]))):
        return f"answers 200 with the same error page as the made-up path {probe_path}"
    return None
