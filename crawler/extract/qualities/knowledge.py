"""Where a community keeps what it knows: a wiki, resources, recorded talks, docs.

From the site's own links: their text ("Wiki", "Resources", "Recordings", "Handbook") or where they point
(wiki.example.org, /docs/, a YouTube playlist or a Vimeo showcase). On a page hosted by a platform (GitHub,
Facebook, Reddit …) the platform's own help and docs are its chrome, not the community's.
"""
from __future__ import annotations

import re
from urllib.parse import unquote, urlsplit

from crawler.extract.dom import host_of
from crawler.extract.page_links import Anchor, site_label
from crawler.extract.qualities._text import label
from crawler.models import Finding
from crawler.urls import HTTPS_ONLY_DOMAINS

QUALITY = "knowledge_base"
MAX_ENTRIES = 8
KINDS = ("wiki", "resources", "recordings", "docs")
_TEXT: dict[str, re.Pattern[str]] = {kind: re.compile(pattern, re.IGNORECASE) for kind, pattern in {
    "wiki": r"\b(wiki|wikis)\b",
    "recordings": r"\b(recordings?|recorded (talks|sessions|meetups|webinars)|past talks|talk videos|video library"
                  r"|aufzeichnungen|mitschnitte|grabaciones|enregistrements|grava[cç][oõ]es)\b",
    "resources": r"\b(resources|resource library|knowledge base|knowledge hub|library|reading list|toolkit|materials"
                 r"|ressourcen|materialien|wissensdatenbank|recursos|biblioteca|ressources|biblioth[eè]que"
                 r"|materiais)\b",
    "docs": r"\b(docs|documentation|handbook|playbook|guides?|how-?tos?|dokumentation|handbuch|leitf[aä]den"
            r"|documentaci[oó]n|gu[ií]as|documentation|guides|documenta[cç][aã]o)\b",
}.items()}
# A playlist or showcase is a library of recordings; a channel in the social icons is a presence.
_VIDEO = re.compile(r"^https?://((www\.|m\.)?youtube\.com/playlist\?|(www\.)?vimeo\.com/(showcase|album)/)",
                    re.IGNORECASE)
_PATH = {"wiki": re.compile(r"(^|/)wiki(/|$)"), "resources": re.compile(r"(^|/)(resources|library|ressourcen)(/|$)"),
         "docs": re.compile(r"(^|/)(docs|documentation|handbook|playbook)(/|$)")}
_HOST = {"wiki": ("wiki.",), "docs": ("docs.", "handbook.")}
_NOT_KNOWLEDGE = re.compile(r"\b(privacy|terms|cookie|impressum|imprint|login|sign ?in|api)\b", re.IGNORECASE)


def knowledge_links(anchors: list[Anchor], url: str) -> list[Finding]:
    """One finding per wiki, resources, recordings or docs link, in page order, each address once."""
    page_host = host_of(url)
    on_platform = any(page_host == domain or page_host.endswith("." + domain) for domain in HTTPS_ONLY_DOMAINS)
    found: list[Finding] = []
    seen: set[str] = set()
    for anchor in anchors:
        if not anchor.url.startswith(("http://", "https://")) or anchor.url in seen:
            continue
        host = host_of(anchor.url)
        if on_platform and not anchor.url.startswith(url.rstrip("/") + "/") and not _VIDEO.match(anchor.url):
            continue  # on GitHub, Reddit, Facebook …: only the community's own pages (its wiki), not the chrome
        kind, why = _kind(anchor, host, page_host)
        if kind:
            seen.add(anchor.url)
            found.append(Finding(QUALITY, kind, why, url, anchor.url))
            if len(found) >= MAX_ENTRIES:
                break
    return found


def _kind(anchor: Anchor, host: str, page_host: str) -> tuple[str, str]:
    words = label(anchor.text)
    if _NOT_KNOWLEDGE.search(words):
        return "", ""
    if _VIDEO.match(anchor.url):
        return "recordings", f'video playlist or channel "{words or anchor.url}"'
    for kind in KINDS:
        if words and _TEXT[kind].search(words):
            return kind, f'link "{words}"'
    path = unquote(urlsplit(anchor.url).path).lower()
    for kind, pattern in _PATH.items():
        if pattern.search(path) and not words:
            return kind, f"link to {path}"
    for kind, prefixes in _HOST.items():  # docs.example.org beside example.org; not docs.google.com
        if host.startswith(prefixes) and host != page_host and site_label(host) == site_label(page_host):
            return kind, f"link to {host}"
    return "", ""
