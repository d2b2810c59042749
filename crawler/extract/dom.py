"""A forgiving, bounded view of an HTML page for the page extractors: parse, meta, text, JSON-LD, links.

Pages come from anywhere: broken markup, two `<html>` roots, mojibake, megabytes of inline JSON.
Everything here caps its work and returns empty values rather than raising.
"""
from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

import lxml.etree
import lxml.html
from lxml.html import HtmlElement

MAX_TEXT_CHARS = 20_000  # of visible text: plenty to detect a language or a membership fee
MAX_JSON_LD_BLOCKS = 20
MAX_JSON_LD_CHARS = 200_000  # per block
MAX_JSON_LD_NODES = 2_000  # objects visited in all blocks together
NOT_VISIBLE = frozenset({"script", "style", "noscript", "template", "head", "title", "svg", "select", "option"})

# Where on a page people write, as opposed to the site speaking for itself. Comments are user
# content on any page; on forum software every post is too.
COMMENT_TOKENS = frozenset({
    "comment", "comments", "comment-content", "comment-body", "commentlist", "comment-list", "comments-area",
    "reply", "replies", "bbp-reply-content", "signature", "postsignature", "user-content",
})
POST_TOKENS = COMMENT_TOKENS | frozenset({
    "post", "posts", "postbody", "postcontent", "post-content", "post_message", "post_body", "postbit",
    "postbitlegacy", "postcontainer", "postrow", "postprofile", "message", "message-content", "messagecontent",
    "bbwrapper", "cooked", "topic-body", "topic-post", "post-stream", "poststream",
})
_POST_ID = re.compile(r"^(p|post|post_message_|postcount|msg)[_-]?\d+$", re.IGNORECASE)

# "GefÃ¤llt": UTF-8 bytes read as Latin-1 / cp1252, the commonest wrong encoding
_MOJIBAKE = re.compile("[\u00c2\u00c3][\u0080-\u00bf\u0152\u0153\u0160\u0161\u0178\u017d\u017e\u0192"
                       "\u02c6\u02dc\u2013-\u2122]")
_SESSION_PARAMS = frozenset({"sid", "s", "phpsessid", "jsessionid", "sessionid", "session_id", "oscsid"})
_SESSION_VALUE = re.compile(r"^[0-9a-fA-F]{16,}")


def parse(html: str) -> HtmlElement | None:
    """The page's root element, or None when there is no markup to speak of."""
    if not html or not html.strip():
        return None
    html = repair_mojibake(html)
    parser = lxml.html.HTMLParser(encoding="utf-8", remove_comments=True, no_network=True)
    try:  # bytes with an explicit encoding: lxml refuses str with an XML encoding declaration
        root = lxml.html.document_fromstring(html.encode("utf-8", "surrogatepass"), parser=parser)
    except (lxml.etree.ParserError, ValueError, UnicodeError):
        return None
    # `<html/>` written self-closed leaves a second `html` root holding the page: take the fuller one
    roots = [root, *(sibling for sibling in root.itersiblings() if isinstance(sibling.tag, str))]
    return max(roots, key=lambda element: sum(1 for _ in element.iter())) if len(roots) > 1 else root


def repair_mojibake(text: str) -> str:
    """Undo UTF-8 that was decoded as cp1252 or Latin-1 when it plainly was ("FÃ¤hrte" → "Fährte")."""
    if len(_MOJIBAKE.findall(text[:200_000])) < 3:
        return text
    for wrong in ("cp1252", "latin-1"):
        try:
            return text.encode(wrong).decode("utf-8")
        except UnicodeError:
            continue
    return text


def squash(text: str | None) -> str:
    """Whitespace-normalised text."""
    return " ".join((text or "").split())


def bounded(text: str, limit: int) -> str:
    """Text cut at a word boundary to at most `limit` characters, marked with an ellipsis when cut."""
    if len(text) <= limit:
        return text
    cut = text[: limit - 1].rsplit(" ", 1)[0] if " " in text[: limit - 1] else text[: limit - 1]
    return cut.rstrip(" ,;:-–—|") + "…"


def tokens(element: HtmlElement) -> set[str]:
    """The lower-cased class names and id of an element."""
    classes = str(element.get("class") or "").lower().split()
    return {*classes, str(element.get("id") or "").lower()} - {""}


def meta(root: HtmlElement, *names: str) -> str:
    """The first non-empty `<meta name|property|itemprop=… content=…>` among names, in the order given."""
    wanted = {name.lower() for name in names}
    found: dict[str, str] = {}
    for tag in root.iter("meta"):
        key = str(tag.get("name") or tag.get("property") or tag.get("itemprop") or tag.get("http-equiv") or "")
        key = key.lower()
        if key in wanted and key not in found and squash(tag.get("content")):
            found[key] = squash(tag.get("content"))
    return next((found[name.lower()] for name in names if name.lower() in found), "")


def is_user_content(element: HtmlElement, post_tokens: frozenset[str]) -> bool:
    """Whether an element is a comment or (with POST_TOKENS) a forum post or a quote in one."""
    if tokens(element) & post_tokens:
        return True
    if post_tokens is not POST_TOKENS:
        return False
    return element.tag == "blockquote" or bool(_POST_ID.match(str(element.get("id") or "")))


def in_user_content(element: HtmlElement, post_tokens: frozenset[str]) -> bool:
    """Whether an element sits inside a comment or (with POST_TOKENS) a forum post."""
    return any(is_user_content(ancestor, post_tokens) for ancestor in element.iterancestors())


def visible_text(root: HtmlElement, limit: int = MAX_TEXT_CHARS,
                 skip: Callable[[HtmlElement], bool] = lambda element: False) -> str:
    """The page's readable text, whitespace-normalised, without scripts, styles or skipped subtrees."""
    body = root.find("body")
    pieces: list[str] = []
    size = 0
    walk = lxml.etree.iterwalk(body if body is not None else root, events=("start", "end"))
    for event, element in walk:
        if event == "start":
            if not isinstance(element.tag, str) or element.tag in NOT_VISIBLE or skip(element):
                walk.skip_subtree()  # its "end" still comes, for the text after it
                continue
            text = element.text
        else:
            text = element.tail if element is not body else None
        if text and text.strip():
            pieces.append(text)
            size += len(text)
            if size >= limit:
                break
    return squash(" ".join(pieces))[:limit]


def json_ld(root: HtmlElement) -> list[dict]:
    """Every JSON-LD object on the page, nested ones and `@graph` members included, in document order."""
    nodes: list[dict] = []
    scripts = root.xpath("//script[@type='application/ld+json' or @type='application/json+ld']")
    for script in scripts[:MAX_JSON_LD_BLOCKS]:
        text = (script.text or "")[:MAX_JSON_LD_CHARS]
        try:
            data = json.loads(text)
        except (ValueError, RecursionError):
            continue
        for node in _walk(data):
            nodes.append(node)
            if len(nodes) >= MAX_JSON_LD_NODES:
                return nodes
    return nodes


def _walk(data: object) -> Iterator[dict]:
    stack = [data]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            yield item
            stack.extend(reversed([value for value in item.values() if isinstance(value, (dict, list))]))
        elif isinstance(item, list):
            stack.extend(reversed(item))


def ld_types(node: dict) -> set[str]:
    """A JSON-LD node's types, without vocabulary prefixes ("schema:Event" → "Event")."""
    value = node.get("@type")
    values = value if isinstance(value, list) else [value]
    return {str(item).rsplit("/", 1)[-1].rsplit(":", 1)[-1] for item in values if isinstance(item, str)}


def ld_text(value: object) -> str:
    """A JSON-LD value as text: a string, the first string of a list, or a `@value`/`name`."""
    if isinstance(value, list):
        return next((text for text in map(ld_text, value) if text), "")
    if isinstance(value, dict):
        return ld_text(value.get("@value") or value.get("name"))
    return squash(str(value)) if isinstance(value, (str, int, float)) and not isinstance(value, bool) else ""


def host_of(url: str) -> str:
    """The lower-case host name of url, or "" when it has none or cannot be read."""
    try:
        return (urlsplit(url).hostname or "").lower()
    except ValueError:  # "http://[::1" and other broken netlocs
        return ""


def base_url(root: HtmlElement, url: str) -> str:
    """What relative links on the page are relative to: `<base href>` if the page sets one."""
    base = root.find(".//base[@href]")
    if base is None:
        return url
    return absolute(url, str(base.get("href"))) or url


def absolute(base: str, href: str) -> str:
    """An absolute http(s) URL for href, without session ids, or "" when it is no such link."""
    href = (href or "").strip()
    if not href or href.startswith(("#", "javascript:", "data:")) or len(href) > 2_000:
        return ""
    try:
        joined = _joined(base, href)
        parts = urlsplit(joined)
    except ValueError:
        return ""
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return ""
    return without_session_ids(joined)


def _joined(base: str, href: str) -> str:
    try:
        return urljoin(base, href)
    except ValueError:  # a broken base (`http://[::1`) leaves absolute links readable
        return href


def without_session_ids(url: str) -> str:
    """A URL without forum session ids (`sid=9f3c…`), which differ on every visit."""
    parts = urlsplit(url)
    if not parts.query:
        return url
    pairs = parse_qsl(parts.query, keep_blank_values=True)
    kept = [(name, value) for name, value in pairs
            if not (name.lower() in _SESSION_PARAMS and _SESSION_VALUE.match(value))]
    if len(kept) == len(pairs):
        return url
    return urlunsplit((parts.scheme, parts.netloc, parts.path, urlencode(kept), parts.fragment))
