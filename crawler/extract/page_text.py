"""What a page says it is: name, description, topics and language. Pure functions over a parsed page."""
from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Mapping
from lxml.html import HtmlElement

from crawler.extract.dom import bounded, host_of, in_user_content, ld_text, ld_types, meta, squash, tokens, visible_text

MAX_NAME_CHARS = 120
MAX_DESCRIPTION_CHARS = 500
MAX_TOPICS = 15
MAX_TOPIC_CHARS = 40
MIN_PARAGRAPH_CHARS = 60
MIN_DETECT_CHARS = 100  # below this a language guess is a coin toss
MIN_DETECT_CONFIDENCE = 0.9

# " | ", " - ", " – ", " — ", " :: ", " » ", " · ", " • " between a page's title and its site's name
_TITLE_SEPARATOR = re.compile(r"\s+(?:[|\-–—»·•]|::)\s+")
_BOILERPLATE = re.compile(
    r"^(home( ?page)?|start(seite)?|index|main page|hauptseite|welcome|willkommen|accueil|inicio|in[ií]cio|portada"
    r"|p[aá]gina (inicial|principal)|forum|forums|foren|board|community|official (site|website)|offizielle website"
    r"|(page|seite|p[aá]gina|p\.) ?\d+|(rss|atom)[ -]?feed|feed|rss|atom)$",
    re.IGNORECASE,
)
# Platforms whose name a page carries besides (or instead of) the community's own
PLATFORM_BRANDS = frozenset({
    "github", "facebook", "reddit", "linkedin", "meetup", "discord", "slack", "telegram", "youtube", "twitter", "x",
    "instagram", "medium", "wordpress", "wordpress.com", "blogger", "tumblr", "mastodon", "lemmy", "discourse",
    "groups.io", "google groups", "matrix", "element", "substack", "wix", "squarespace", "meetup.com",
})
_GENERIC_HOST_WORDS = frozenset({"www", "forum", "forums", "community", "discuss", "discourse", "groups", "lists",
                                 "blog", "home", "site", "club", "online"})
_ORGANISATION_TYPES = frozenset({"WebSite", "Organization", "NGO", "LocalBusiness", "SportsClub", "SportsOrganization",
                                 "Project", "Corporation", "EducationalOrganization"})
# What a page says to a browser, not about a community
_NOT_A_DESCRIPTION = re.compile(
    r"enable javascript|javascript (is )?(required|disabled|needed)|we use cookies|uses cookies"
    r"|cookie (policy|settings)|(browser|version) (is )?(not|no longer) supported|update your browser|page not found|^(404|log ?in|sign ?in)\b",
    re.IGNORECASE)
_LANGUAGE = re.compile(r"^([a-zA-Z]{2})(?:[-_][a-zA-Z0-9]+)*$")
_XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"


# --- name -----------------------------------------------------------------------------------------


def page_name(root: HtmlElement, url: str, ld_nodes: list[dict]) -> str:
    """The community's name: what the site declares, else the title segment naming its host, else the title."""
    declared = [meta(root, "og:site_name"),
                *(ld_text(node.get("name")) for node in ld_nodes if ld_types(node) & _ORGANISATION_TYPES)]
    titles = [meta(root, "application-name", "apple-mobile-web-app-title"), meta(root, "og:title", "twitter:title"),
              squash(root.findtext(".//title")), *(squash(link.get("title")) for link in _feed_links(root)),
              _first_text(root, "h1")]
    for segments in map(_segments, declared):
        if len(segments) == 1:
            return bounded(segments[0], MAX_NAME_CHARS)
    host_words = _host_words(url)
    for segments in map(_segments, titles):  # "Topic title - Site Name": the segment naming the host
        for segment in segments:
            if any(word in _folded(segment) for word in host_words):
                return bounded(segment, MAX_NAME_CHARS)
    first = next((segments[0] for segments in map(_segments, [*declared, *titles]) if segments), "")
    return bounded(first, MAX_NAME_CHARS)


def _segments(title: str) -> list[str]:
    """The parts of a title that could be a name: "Home | Example Makers" → ["Example Makers"]."""
    return [segment.strip() for segment in _TITLE_SEPARATOR.split(title) if _is_name(segment)]


def _first_text(root: HtmlElement, tag: str) -> str:
    element = next(root.iter(tag), None)
    return squash(element.text_content()) if element is not None else ""


def _is_name(segment: str) -> bool:
    segment = segment.strip()
    return bool(segment) and not _BOILERPLATE.match(segment) and segment.lower() not in PLATFORM_BRANDS


def _feed_links(root: HtmlElement) -> list[HtmlElement]:
    return [link for link in root.iter("link")
            if "alternate" in str(link.get("rel") or "").lower() and "xml" in str(link.get("type") or "")][:3]


def _folded(text: str) -> str:
    """Lower-case ASCII letters and digits only: "Pferde für" → "pferdefur", to compare with host names."""
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    return re.sub(r"[^a-z0-9]", "", plain)


def _host_words(url: str) -> set[str]:
    labels = host_of(url).split(".")[:-1]  # without the top-level domain
    words = {word for label in labels for word in re.split(r"[-_]", label)} | set(labels)
    return {_folded(word) for word in words if len(word) >= 4 and word not in _GENERIC_HOST_WORDS}


# --- description ----------------------------------------------------------------------------------


def page_description(root: HtmlElement, ld_nodes: list[dict], post_tokens: frozenset[str]) -> str:
    """Meta description, Open Graph, JSON-LD, or else the page's first paragraph that reads like prose."""
    described = (meta(root, "description", "og:description", "twitter:description", "dc.description")
                 or next((ld_text(node.get("description")) for node in ld_nodes
                          if ld_types(node) & _ORGANISATION_TYPES and ld_text(node.get("description"))), "")
                 or next((ld_text(node.get("description")) for node in ld_nodes
                          if ld_text(node.get("description"))), ""))
    if described and not _NOT_A_DESCRIPTION.search(described):
        return bounded(described, MAX_DESCRIPTION_CHARS)
    return bounded(_first_paragraph(root, post_tokens), MAX_DESCRIPTION_CHARS)


def _first_paragraph(root: HtmlElement, post_tokens: frozenset[str]) -> str:
    chrome = {"nav", "header", "footer", "aside", "form"}
    for count, paragraph in enumerate(root.iter("p")):
        if count > 200:
            break
        text = squash(paragraph.text_content())
        if (len(text) < MIN_PARAGRAPH_CHARS or len(text.split()) < 8 or _NOT_A_DESCRIPTION.search(text)
                or any(a.tag in chrome or tokens(a) & {"cookie", "cookies", "footer", "nav"}
                       for a in paragraph.iterancestors())
                or in_user_content(paragraph, post_tokens)):
            continue
        return text
    return ""


# --- topics ---------------------------------------------------------------------------------------


def page_topics(root: HtmlElement, ld_nodes: list[dict]) -> tuple[str, ...]:
    """Keywords, JSON-LD keywords and about, article tags: lower case, deduplicated, bounded."""
    raw: list[str] = [str(tag.get("content") or "") for tag in root.iter("meta")
                      if str(tag.get("name") or tag.get("property") or "").lower() in ("keywords", "article:tag")]
    for node in ld_nodes[:50]:
        for key in ("keywords", "about"):
            value = node.get(key)
            raw.extend(ld_text(item) for item in (value if isinstance(value, list) else [value]))
    topics: list[str] = []
    for text in raw:
        for piece in re.split(r"[,;|]", text):
            topic = squash(piece).strip("#.").lower()
            if (2 <= len(topic) <= MAX_TOPIC_CHARS and not topic.isdigit() and len(topic.split()) <= 4
                    and topic not in topics):
                topics.append(topic)
            if len(topics) >= MAX_TOPICS:
                return tuple(topics)
    return tuple(topics)


# --- language -------------------------------------------------------------------------------------


def declared_language(root: HtmlElement, headers: Mapping[str, str], ld_nodes: list[dict]) -> str:
    """The ISO 639-1 language the page declares: html lang, og:locale, Content-Language, JSON-LD inLanguage."""
    header = next((str(value) for name, value in headers.items() if name.lower() == "content-language"), "")
    for declared in (
        str(root.get("lang") or root.get("xml:lang") or root.get(_XML_LANG) or ""),
        meta(root, "og:locale"),
        header,
        meta(root, "content-language", "dc.language", "language"),
        *(ld_text(node.get("inLanguage")) for node in ld_nodes if node.get("inLanguage")),
    ):
        if code := _iso_639_1(declared):
            return code
    return ""


def _iso_639_1(value: str) -> str:
    first = value.split(",")[0].strip()
    match = _LANGUAGE.match(first)
    return match[1].lower() if match else ""


def detected_language(text: str) -> str:
    """The language of a page's visible text, when there is enough of it to be confident."""
    letters = sum(char.isalpha() for char in text)
    if letters < MIN_DETECT_CHARS:
        return ""
    language, confidence = _identifier().classify(text)
    return language if confidence >= MIN_DETECT_CONFIDENCE and len(language) == 2 else ""


@functools.cache
def _identifier():
    """py3langid's model with normalised probabilities, loaded once (about a second) on first use."""
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    return LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)


def page_language(root: HtmlElement, headers: Mapping[str, str], ld_nodes: list[dict]) -> str:
    return declared_language(root, headers, ld_nodes) or detected_language(visible_text(root))
