"""Where a page points: the community's other presences, its feeds and its code of conduct.

A presence is a place the same community lives on another platform (its Discord invite, subreddit,
Meetup group, mailing list, Mastodon account …). Share buttons, links people post in comments or
forum posts, the platform's own chrome around a hosted page and the page itself are not.
"""
from __future__ import annotations

import re
from typing import NamedTuple
from urllib.parse import parse_qsl, unquote, urlsplit

from lxml.html import HtmlElement

from crawler.extract.dom import absolute, host_of, in_user_content, squash
from crawler.models import Platform
from crawler.urls import HTTPS_ONLY_DOMAINS, canonicalize, platform_of

MAX_LINKS = 3_000  # anchors looked at; link farms and sitemaps-as-pages have many more
MAX_PRESENCES = 20
MAX_FEEDS = 10
FEED_TYPES = frozenset({"application/rss+xml", "application/atom+xml", "application/rdf+xml"})

_SHARE = re.compile(r"sharer|/share\b|/share/|/sharing/|/intent/|sharearticle|/submit\?|addthis\.com|/pin/create"
                    r"|/dialog/(feed|share)|share_url=|/sendmessage|whatsapp://|/login\b|/signup\b", re.IGNORECASE)
_REDIRECT_PATH = re.compile(r"redirect|/out\b|/away|/exit|/goto|/link|/url\b|/leave|/externe?", re.IGNORECASE)
_REDIRECT_PARAMS = frozenset({"redirect", "url", "u", "to", "target", "dest", "destination", "link", "out", "goto",
                              "q"})
# A same-site path like /discord or /slack is a vanity redirect to the community's invite.
_VANITY_PATHS = frozenset({"discord", "slack", "telegram", "matrix", "mastodon", "reddit", "meetup", "chat"})
_FORUM_TEXT = re.compile(r"^(our |the |community |discussion |user |support |zum |unser |nuestro |notre )?"
                         r"(forum|forums|foren|board|message board|discussion board|diskussionsforum|foros?|fórum)$",
                         re.IGNORECASE)
_FEDIVERSE_ACCOUNT = re.compile(r"^/(@[^/]+|users/[^/]+)$")
_SLACK_SERVICE_HOSTS = frozenset({"slack.com", "www.slack.com", "app.slack.com", "api.slack.com", "status.slack.com",
                                  "slackhq.com", "www.slackhq.com"})
_MEETUP_RESERVED = frozenset({"find", "login", "register", "apps", "about", "lp", "blog", "help", "topics", "cities",
                              "account", "messages", "notifications", "members", "home", "terms", "privacy"})
_GITHUB_RESERVED = frozenset({
    "features", "about", "login", "join", "pricing", "sponsors", "marketplace", "explore", "topics", "trending",
    "collections", "events", "site", "contact", "security", "settings", "enterprise", "team", "customer-stories",
    "readme", "apps", "notifications", "new", "search", "issues", "pulls", "codespaces", "mobile", "premium-support",
})
_TELEGRAM_RESERVED = frozenset({"share", "s", "addstickers", "proxy", "socks", "iv", "login", "setlanguage"})
_SECOND_LEVEL = frozenset({"co", "com", "org", "net", "ac", "gov", "edu", "or", "ne", "gv"})

# Code of conduct, community guidelines, rules: stronger phrases first.
_CONDUCT_PHRASES: tuple[tuple[int, re.Pattern[str]], ...] = tuple((strength, re.compile(pattern, re.IGNORECASE)) for
                                                                  strength, pattern in (
    (3, r"\b(code of conduct|verhaltenskodex|c[oó]digo de (conducta|conduta)|code de conduite|coc"
        r"|anti-?harassment policy|code of ethics|ethikkodex)\b"),
    (2, r"\b(community guidelines|community rules|community standards|participation guidelines|community agreements?"
        r"|community charter|verhaltensrichtlinien|gemeinschaftsregeln|forum ?rules|house rules|board rules"
        r"|guidelines|netiquette|fore?n-?regeln|forums?-?regeln|nutzungsregeln|verhaltensregeln|hausordnung"
        r"|platzordnung|forenordnung|normas de (la comunidad|convivencia)|r[eè]gles de (la communaut[eé]|conduite)"
        r"|charte|diretrizes|regras da comunidade)\b"),
    (1, r"\b(rules|regeln|reglas|normas|r[eè]gles|regras)\b"),
))
_NOT_CONDUCT = re.compile(r"terms|privacy|cookie|datenschutz|nutzungsbedingungen|agb|impressum|imprint|legal",
                          re.IGNORECASE)


class Anchor(NamedTuple):
    url: str  # absolute http(s) URL without session ids, or a mailto: link as written
    text: str  # the link's text, or its title or aria-label when it has none
    rel: str
    user_content: bool  # inside a comment, or a post on forum software


def page_anchors(root: HtmlElement, base: str, post_tokens: frozenset[str]) -> list[Anchor]:
    """The page's links (`<a href>` and `<link rel="me">`), at most MAX_LINKS of them."""
    found: list[Anchor] = []
    for element in root.iter("a", "link"):
        if len(found) >= MAX_LINKS:
            break
        href = str(element.get("href") or "").strip()
        rel = str(element.get("rel") or "").lower()
        if element.tag == "link" and "me" not in rel.split():
            continue
        url = href if href[:7].lower() == "mailto:" else absolute(base, href)
        if not url:
            continue
        text = squash(element.text_content()) if element.tag == "a" else ""
        text = text or squash(element.get("title") or element.get("aria-label"))
        found.append(Anchor(url, text[:200], rel, in_user_content(element, post_tokens)))
    return found


def same_as_anchors(ld_nodes: list[dict], base: str) -> list[Anchor]:
    """JSON-LD `sameAs` links: where the site itself says it also lives."""
    found = []
    for node in ld_nodes:
        value = node.get("sameAs")
        for item in (value if isinstance(value, list) else [value])[:50]:
            if isinstance(item, str) and (url := absolute(base, item)):
                found.append(Anchor(url, "", "", False))
    return found[:MAX_PRESENCES * 5]


# --- presences ------------------------------------------------------------------------------------


class _Page(NamedTuple):
    host: str
    label: str
    canonical: str
    on_platform: bool  # a page hosted on GitHub, Facebook, Reddit …: their links to themselves are chrome


def presences(anchors: list[Anchor], url: str) -> tuple[str, ...]:
    """Canonical URLs of the community's presences elsewhere, in page order, deduplicated and bounded."""
    host = host_of(url)
    page = _Page(host, site_label(host), _canonical(url) or url,
                 any(host == domain or host.endswith("." + domain) for domain in HTTPS_ONLY_DOMAINS))
    found: list[str] = []
    for anchor in anchors:
        if anchor.user_content or _SHARE.search(anchor.url):
            continue
        presence = _presence(_unwrapped(anchor.url), anchor, page)
        if presence and presence != page.canonical and presence not in found:
            found.append(presence)
            if len(found) >= MAX_PRESENCES:
                break
    return tuple(found)


def _presence(url: str, anchor: Anchor, page: _Page) -> str:
    if url[:7].lower() == "mailto:":
        return _mailing_list_address(url)
    canonical = _canonical(url)
    if not canonical:
        return ""
    parts = urlsplit(canonical)
    host, segments = parts.hostname or "", [s for s in parts.path.split("/") if s]
    if host == page.host:
        return canonical if segments and segments[-1].lower() in _VANITY_PATHS else ""
    related = site_label(host) == page.label
    if page.on_platform and related:
        return ""
    if "me" in anchor.rel.split() and _FEDIVERSE_ACCOUNT.match(parts.path):
        return canonical  # rel="me": the site vouches for its fediverse account, on any instance
    platform = platform_of(canonical)
    says_forum = bool(_FORUM_TEXT.match(anchor.text)) and not page.on_platform
    accepted = {
        Platform.DISCORD: len(segments) == 2 and segments[0] == "invite",
        Platform.SLACK: host not in _SLACK_SERVICE_HOSTS and (host != "join.slack.com" or "shared_invite" in segments),
        Platform.REDDIT: len(segments) == 2 and segments[0] == "r",
        Platform.MEETUP: bool(segments) and segments[0] not in _MEETUP_RESERVED,
        Platform.TELEGRAM: 1 <= len(segments) <= 2 and segments[0].lower() not in _TELEGRAM_RESERVED,
        Platform.MATRIX: host == "matrix.to" and bool(parts.fragment),
        Platform.GITHUB: 1 <= len(segments) <= 2 and segments[0] not in _GITHUB_RESERVED,
        Platform.FACEBOOK: True,  # platform_of says FACEBOOK for groups only
        Platform.LINKEDIN: True,
        Platform.MAILING_LIST: host not in ("groups.google.com", "groups.io") or "g" in segments,
        Platform.MASTODON: bool(_FEDIVERSE_ACCOUNT.match(parts.path)),
        Platform.LEMMY: segments[:1] == ["c"] or related,
        Platform.DISCOURSE: related or says_forum,
        Platform.FORUM: related or says_forum,
        Platform.WEBSITE: says_forum,
    }.get(platform, False)
    return canonical if accepted else ""


def _mailing_list_address(url: str) -> str:
    """A mailto: link to a list's subscribe address, canonical, or "" for any other address."""
    canonical = _canonical(url)
    local, _, domain = canonical.removeprefix("mailto:").partition("@")
    is_list = local.endswith(("-subscribe", "-join", "-request", "+subscribe")) or domain.startswith(
        ("lists.", "listserv."))
    return canonical if canonical and is_list else ""


def _unwrapped(url: str) -> str:
    """The target of a same-site redirect wrapper (`/redirect-to/?redirect=https%3A%2F%2F…`), else url."""
    parts = urlsplit(url)
    if not parts.query or not _REDIRECT_PATH.search(parts.path):
        return url
    for name, value in parse_qsl(parts.query):
        target = unquote(value) if "%" in value else value
        if name.lower() in _REDIRECT_PARAMS and target.startswith(("http://", "https://")):
            return target
    return url


def _canonical(url: str) -> str:
    try:
        return canonicalize(url)
    except ValueError:
        return ""


def site_label(host: str) -> str:
    """The registrable name of a host without its suffix: forum.club.org → "club", club.co.uk → "club"."""
    labels = host.lower().removeprefix("www.").split(".")
    if len(labels) >= 3 and labels[-2] in _SECOND_LEVEL and len(labels[-1]) == 2:
        return labels[-3]
    return labels[-2] if len(labels) >= 2 else host


# --- feeds and code of conduct --------------------------------------------------------------------


def feeds(root: HtmlElement, base: str) -> tuple[str, ...]:
    """The page's RSS and Atom feeds (`<link rel="alternate" type="application/rss+xml">`), absolute."""
    found: list[str] = []
    for link in root.iter("link"):
        kind = str(link.get("type") or "").lower().split(";")[0].strip()
        if kind in FEED_TYPES and "alternate" in str(link.get("rel") or "").lower().split():
            url = absolute(base, str(link.get("href") or ""))
            if url and url not in found:
                found.append(url)
                if len(found) >= MAX_FEEDS:
                    break
    return tuple(found)


def code_of_conduct(anchors: list[Anchor]) -> str:
    """The link to the community's code of conduct, guidelines or rules, the most explicit one first."""
    best, best_strength = "", 0
    for anchor in anchors:
        if anchor.user_content or not anchor.url.startswith(("http://", "https://")):
            continue
        path = unquote(urlsplit(anchor.url).path).replace("-", " ").replace("_", " ").replace("/", " ")
        words = anchor.text if len(anchor.text.split()) <= 8 else ""
        if _NOT_CONDUCT.search(words) or (not words and _NOT_CONDUCT.search(path)):
            continue
        strength = max((strength for strength, phrase in _CONDUCT_PHRASES
                        if phrase.search(words) or phrase.search(path)), default=0)
        if strength > best_strength:
            best, best_strength = anchor.url, strength
            if strength == _CONDUCT_PHRASES[0][0]:
                break
    return best
