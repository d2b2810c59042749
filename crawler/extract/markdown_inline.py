"""Inline Markdown for the directory-list extractor: links, plain text, link targets.

Pure string functions; `markdown_list` decides what the links mean. Every pattern that could
scan far is bounded, because lists are third-party text and a 1 MB line must stay cheap.
"""
from __future__ import annotations

import html
import re
import unicodedata
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

# `[text](dest "title")`; the text may hold one level of brackets, as badges do: `[![a](img)](href)`.
_LINK = re.compile(
    r"(?P<bang>!?)\[(?P<text>(?:[^\[\]]|\[[^\[\]]*\])*)\]"
    r"\(\s*<?(?P<dest>[^\s()<>]*(?:\([^\s()<>]*\)[^\s()<>]*)*)>?"
    r"""(?:\s+(?:"(?P<title>[^"]*)"|'[^']*'))?\s*\)"""
)
_BARE_URL = re.compile(r"https?://[^\s<>()\[\]\"'`|]+")
_TAG = re.compile(r"</?[A-Za-z][^<>]{0,500}>")
_ANCHOR_OPEN = re.compile(r"""<a\b[^<>]{0,500}?\bhref\s*=\s*["']([^"'<>]*)["'][^<>]{0,500}>""", re.I)
_HUGO_LINK = re.compile(r"""\{\{<\s*(?:link|ref|relref)\s+["']?([^"'\s<>{}]+)["']?\s*>\}\}""")
_AUTOLINK = re.compile(r"<(https?://[^\s<>]{1,2000})>")
_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:(?!\d)")  # `host:8080/` is a port, not a scheme
_HOST_LIKE = re.compile(r"^[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}(?::\d+)?(?:[/?#]|$)")
_FILE_EXT = re.compile(r"\.(?:md|markdown|mdx|txt|csv|json|ya?ml|png|jpe?g|gif|svg|webp|ico|pdf|html?)$", re.I)
_EMAIL_OR_URL = re.compile(r"[^\s@]+@[^\s@]+\.\w+|https?://\S+")
# Link text made only of these words names the kind of link ("Slack here", "Learn more"), not a community.
_LABEL_WORDS = frozenset(
    "here link this website site homepage home page join invite more learn click to the archived archive "
    "slack discord meetup telegram matrix forum group chat server facebook linkedin github sign signup up".split()
)
# Where a link is a person's or company's profile, a badge or a ticket shop, not a community.
_PROFILE_DOMAINS = ("twitter.com", "x.com", "instagram.com", "youtube.com", "youtu.be", "patreon.com",
                    "tiktok.com", "threads.net", "twitch.tv", "podcasts.apple.com", "medium.com")
_BADGE_DOMAINS = ("shields.io", "awesome.re", "badgen.net", "travis-ci.org", "travis-ci.com")
_EMOJI_JOINERS = dict.fromkeys(map(ord, "\ufe0f\ufe0e\u200d\u20e3"), None)
# What an entry's own words say of it ("This community is no longer active."), as one annotation each.
_STATUS_PHRASES = re.compile(
    r"\b(inactive|defunct|discontinued|dysfunctional|abandoned|not active(?: anymore)?|"
    r"no longer (?:active|maintained|exists?|running|operating)|shut down|closed down|permanently closed)\b", re.I
)
_STATUS_NORMAL = {"not active": "inactive", "not active anymore": "inactive", "shut down": "closed",
                  "closed down": "closed", "permanently closed": "closed"}


@dataclass(frozen=True)
class Link:
    """One Markdown link as written: raw text, raw destination, span in the entry's text."""

    text: str
    dest: str
    title: str
    start: int
    end: int
    is_image: bool = False

    @property
    def is_badge(self) -> bool:
        """An image or a link wrapped around one (badges, server icons, "back to top" arrows)."""
        return self.is_image or "![" in self.text or "<img" in self.text.lower()

    @property
    def is_tooltip(self) -> bool:
        """`[ⓘ](## "Inactive since …")`: an in-page link that only carries a title."""
        return self.dest.startswith("#") and bool(self.title)

    @property
    def is_code(self) -> bool:
        """`` [`Slack`](…) ``, `` [`#room:server`](…) ``: a platform label or an address in code."""
        text = self.text.strip().strip("~").strip()
        return len(text) > 1 and text.startswith("`") and text.endswith("`")

    @property
    def is_label(self) -> bool:
        """Text that names the kind of link, not the community: code, "here", an e-mail address."""
        text = strip_markdown(self.text)
        words = set(re.findall(r"[a-z]+", text.lower()))
        return self.is_code or (bool(words) and words <= _LABEL_WORDS) or bool(_EMAIL_OR_URL.fullmatch(text))


def find_links(text: str) -> list[Link]:
    return [
        Link(m["text"], m["dest"], m["title"] or "", m.start(), m.end(), bool(m["bang"]))
        for m in _LINK.finditer(text)
    ]


def find_bare_urls(text: str) -> list[Link]:
    """Plain `https://…` in an entry without Markdown links (`* https://browse.feddit.de/`)."""
    return [Link("", m.group().rstrip(".,;:"), "", m.start(), m.end()) for m in _BARE_URL.finditer(text)]


def html_to_markdown(text: str) -> str:
    """Rewrite the HTML that lists embed (`<li>`, `<a href>`, `<b>`, Hugo link shortcodes) as Markdown."""
    text = _remove_comments(text)
    text = _HUGO_LINK.sub(lambda m: _hugo_target(m.group(1)), text)
    text = _AUTOLINK.sub(r"[\1](\1)", text)
    text = _anchors_to_links(text)
    text = re.sub(r"<li\b[^<>]{0,500}>", "\n- ", text, flags=re.I)
    text = re.sub(r"</li\s*>|</?(?:ul|ol|p|div|table|tr)\b[^<>]{0,500}>", "\n\n", text, flags=re.I)
    text = re.sub(r"</?(?:b|strong)\s*>", "**", text, flags=re.I)
    text = re.sub(r"</?(?:del|s|strike)\s*>", "~~", text, flags=re.I)
    return re.sub(r"<br\b[^<>]{0,50}>", " ", text, flags=re.I)


def _remove_comments(text: str) -> str:
    # A find loop rather than a regex: an unclosed `<!--` must not make every later one rescan.
    parts, pos = [], 0
    while (start := text.find("<!--", pos)) != -1:
        end = text.find("-->", start + 4)
        if end == -1:
            break
        parts.append(text[pos:start])
        pos = end + 3
    parts.append(text[pos:])
    return "".join(parts)


def _anchors_to_links(text: str) -> str:
    parts, pos = [], 0
    for m in _ANCHOR_OPEN.finditer(text):
        if m.start() < pos:
            continue
        close = text.find("</a", m.end(), m.end() + 2000)
        if close == -1:
            continue
        inner = " ".join(text[m.end():close].replace("[", "(").replace("]", ")").split())
        parts.append(f"{text[pos:m.start()]}[{inner}]({m.group(1).strip()})")
        pos = text.find(">", close, close + 20) + 1 or close + 3
    parts.append(text[pos:])
    return "".join(parts)


def _hugo_target(path: str) -> str:
    """`{{< link "devops.md" >}}` names a sibling page: `devops/`, resolved later against base_url."""
    path = re.sub(r"(?:/_?index)?\.md$", "", path.strip())
    return path.rstrip("/") + "/"


def strip_markdown(text: str) -> str:
    """Plain text of a Markdown/HTML fragment: links become their text, images and tags vanish."""
    text = _LINK.sub(lambda m: "" if m["bang"] else m["text"], text)
    text = re.sub(r"!?\[([^\[\]]*)\]\([^()]*\)", lambda m: "" if m.group().startswith("!") else m[1], text)
    text = html.unescape(_TAG.sub(" ", text))
    for mark in ("~~", "**", "__", "`"):
        text = text.replace(mark, "")
    text = re.sub(r"(?<![\w*])\*(?=\S)([^*\n]{1,200}?)(?<=\S)\*(?![\w*])", r"\1", text)
    text = re.sub(r"(?<!\w)_(?=\S)([^_\n]{1,200}?)(?<=\S)_(?!\w)", r"\1", text)
    text = re.sub(r"\\(?=\s|$)", " ", text)  # hard line breaks
    return " ".join(text.split())


def clean_label(text: str) -> str:
    """A heading or `<summary>` as a section name: no emoji, anchors, struck words or markup."""
    text = re.sub(r"~~.{0,200}?~~", "", text)
    text = re.sub(r"\{#[^}]{0,200}\}|(?<!\w):[a-z0-9_+-]{1,40}:(?!\w)", "", text)
    text = strip_markdown(text).translate(_EMOJI_JOINERS)
    text = "".join(c for c in text if unicodedata.category(c) not in ("So", "Cs", "Co"))
    return " ".join(text.split()).strip(" :")


def status_words(text: str) -> tuple[str, ...]:
    """"inactive", "defunct", "closed" … when the text says so of its entry; `()` otherwise."""
    words = []
    for match in _STATUS_PHRASES.finditer(text[:5000]):
        phrase = " ".join(match.group(1).lower().split())
        words.append("inactive" if phrase.startswith("no longer") else _STATUS_NORMAL.get(phrase, phrase))
    return tuple(dict.fromkeys(words))


def resolve_url(dest: str, base_url: str) -> str | None:
    """The absolute URL a link points to, or None for in-page anchors and the list's own files."""
    dest = html.unescape(dest.strip())
    if not dest or dest.startswith("#"):
        return None
    if dest.startswith("//"):
        return "https:" + dest
    if _SCHEME.match(dest):
        return None if dest.lower().startswith(("javascript:", "data:")) else dest
    path = re.split(r"[?#]", dest, maxsplit=1)[0]
    if _FILE_EXT.search(path) or path.lstrip("./").startswith("images/"):
        return None
    if _HOST_LIKE.match(dest):
        return "https://" + dest  # scheme-less `weworkremotely.slack.com/`
    return urljoin(base_url, dest) if base_url else None


def is_not_community(url: str) -> bool:
    """Social profiles, badges and ticket shops; Facebook and LinkedIn *groups* stay.

    A fediverse account or post (`social.lol/@techsav`) is a profile too: the instance is the community.
    """
    try:
        parts = urlsplit(url)
        host = (parts.hostname or "").lower()
    except ValueError:
        return True
    path = parts.path.lower()

    def under(*domains: str) -> bool:
        return any(host == d or host.endswith("." + d) for d in domains)

    if under(*_PROFILE_DOMAINS, *_BADGE_DOMAINS) or "eventbrite" in host.split(".") or path.startswith("/@"):
        return True
    if under("facebook.com", "fb.com", "linkedin.com"):
        return not path.startswith("/groups")
    return False


def host_of(url: str) -> str:
    try:
        return urlsplit(url).hostname or url
    except ValueError:
        return url
