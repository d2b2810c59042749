"""HTML directory pages → `Observation`s: lists, tables and cards of links under their headings.

The page is rewritten as the Markdown that `markdown_list` reads — headings as `#` lines, `<li>`
and cards as `- ` items, table rows as `| … |`, a paragraph that starts with a link as a bold-link
line — so names, descriptions, sections and annotations follow one set of rules for every format.
Page chrome (navigation, header, footer, scripts, forms) is left out. Pure: no I/O.
"""
from __future__ import annotations

import re
from collections import Counter
from urllib.parse import urljoin

import lxml.etree

from crawler.extract.markdown_inline import find_links
from crawler.extract.markdown_list import parse_markdown_list
from crawler.models import Observation

MAX_DEPTH = 150  # deeper than this, a subtree is read as plain text
SKIP = frozenset({"script", "style", "noscript", "template", "svg", "canvas", "iframe", "form", "button", "select",
                  "textarea", "nav", "head", "object", "embed", "video", "audio", "map", "dialog", "menu"})
CHROME = frozenset({"header", "footer", "aside"})  # page chrome, unless inside an entry
ENTRY_TAGS = ("article", "li", "td")
INLINE = frozenset({"a", "span", "b", "strong", "em", "i", "u", "code", "kbd", "samp", "small", "big", "sup", "sub",
                    "abbr", "acronym", "cite", "q", "mark", "time", "font", "label", "img", "br", "del", "s", "strike",
                    "ins", "bdi", "bdo", "data", "var", "wbr", "tt"})
HEADINGS = {f"h{level}": level for level in range(1, 7)}
CARD_TAGS = frozenset({"div", "article", "section", "li", "figure"})
TOOLTIP_TAGS = frozenset({"span", "abbr", "i", "sup", "small", "em"})
_CHROME_CLASS = re.compile(
    r"(?:^|[\s_-])(?:nav|navbar|navigation|menu|breadcrumbs?|site-header|site-footer|footer|sidebar|cookies?|"
    r"skip-link|pagination|share|social-share)(?:$|[\s_-])", re.I)
_STATUS = re.compile(r"\b(inactive|defunct|archived|dead|closed|discontinued|deprecated|offline)\b", re.I)
_XML_DECLARATION = re.compile(r"^\s*<\?xml[^>]{0,200}\?>")
Element = lxml.etree._Element


def parse_html_list(text: str, *, source: str, base_url: str) -> list[Observation]:
    """Every community link in an HTML directory page, once per (canonical URL, section)."""
    root = _parse(text)
    if root is None:
        return []
    base = root.find(".//base[@href]")
    if base is not None and base_url:
        base_url = urljoin(base_url, base.get("href", "").strip())
    return parse_markdown_list(html_page_to_markdown(root), source=source, base_url=base_url)


def _parse(text: str) -> Element | None:
    """The page's root element (plain lxml elements: fast on big pages), or None when there is none."""
    parser = lxml.etree.HTMLParser(remove_comments=True, remove_pis=True, no_network=True)
    try:
        return lxml.etree.fromstring(_XML_DECLARATION.sub("", text), parser)
    except (lxml.etree.LxmlError, ValueError):
        return None


def html_page_to_markdown(root: Element) -> str:
    main = root.find(".//main")
    if main is None:
        main = root.find('.//*[@role="main"]')
    if main is None:
        main = root.find("body")
    writer = _Writer()
    writer.block(root if main is None else main, 0)
    writer.flush()
    return "\n".join(writer.lines)


class _Writer:
    """Walks block elements, writing Markdown lines; inline content collects into a paragraph."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self.paragraph: list[str] = []

    def flush(self) -> None:
        lines = [" ".join(line.split()) for line in "".join(self.paragraph).split("\n")]
        self.paragraph = []
        if any(lines):
            self.lines += ["", *(_paragraph_line(_escape_start(line)) for line in lines if line), ""]

    def block(self, node: Element, depth: int, leave_out: Element | None = None) -> None:
        if node.text:
            self.paragraph.append(_text(node.text))
        for child in node:
            if isinstance(child.tag, str) and child is not leave_out and not _skipped(child):
                self.element(child, depth + 1)
            if child.tail:
                self.paragraph.append(_text(child.tail))

    def element(self, tag: Element, depth: int) -> None:
        name = tag.tag
        if name in INLINE or depth > MAX_DEPTH:
            self.paragraph.append(inline(tag, itself=True))
            return
        self.flush()
        if name in HEADINGS:
            self.lines += ["", "#" * HEADINGS[name] + " " + _one_line(inline(tag)), ""]
        elif name in ("ul", "ol"):
            self.list_items(tag, 0)
        elif name == "table":
            self.table(tag)
        elif name == "dl":
            self.definitions(tag)
        elif name == "details":
            self.details(tag, depth)
        elif name == "article" and tag.find(".//a[@href]") is not None:
            self.item(tag, 0)
        elif cards := _cards(tag):
            for card in cards:
                self.item(card, 0)
        else:
            self.block(tag, depth)
            self.flush()

    def item(self, tag: Element, indent: int) -> None:
        text = inline(tag, note=_status_word(tag), skip=("ul", "ol"), blocks=True)
        self.lines.append("  " * indent + "- " + _one_line(text))

    def list_items(self, tag: Element, indent: int) -> None:
        for li in tag:
            if li.tag != "li":
                continue
            self.item(li, indent)
            for sub in li.iter("ul", "ol"):
                if sub is not li and _nearest(sub, "li") is li:
                    self.list_items(sub, indent + 1)
        self.lines.append("")

    def table(self, table: Element) -> None:
        self.lines.append("")
        rows = [tr for tr in table.iter("tr") if _nearest(tr, "table") is table]
        for number, tr in enumerate(rows):
            cells = [cell for cell in tr if cell.tag in ("td", "th")]
            note = _status_word(tr)
            texts = [_one_line(inline(cell, note=note if i == 0 else None, blocks=True)).replace("|", "\\|")
                     for i, cell in enumerate(cells)]
            if texts:
                self.lines.append("| " + " | ".join(texts) + " |")
            if number == 0 and cells and all(cell.tag == "th" for cell in cells):
                self.lines.append("|" + "---|" * len(cells))
        self.lines.append("")

    def definitions(self, dl: Element) -> None:
        for dt in dl.iter("dt"):
            dd = dt.getnext()
            text = inline(dt, blocks=True) + (" – " + inline(dd, blocks=True) if dd is not None and dd.tag == "dd"
                                              else "")
            self.lines.append("- " + _one_line(text))
        self.lines.append("")

    def details(self, tag: Element, depth: int) -> None:
        """`<details><summary>Inactive</summary>…` is a section, as markdown_list reads it."""
        summary = tag.find("summary")
        label = _one_line(inline(summary)) if summary is not None else ""
        self.lines += ["<details>", f"<summary>{label}</summary>"]
        self.block(tag, depth, leave_out=summary)
        self.flush()
        self.lines += ["</details>", ""]


def inline(node: Element, *, note: str | None = None, skip: tuple[str, ...] = (), blocks: bool = False,
           itself: bool = False) -> str:
    """The Markdown of an element's content (or of the element, `itself`) on one logical line.

    `note` (a status the entry's class gives) and tooltips (`<span title="Inactive since …">`)
    annotate the entry's link: they are written right after it, where markdown_list reads them.
    """
    writer = _Inline(note, skip, blocks)
    if itself:
        writer.element(node, 0)
    else:
        writer.walk(node, 0)
    return "".join(writer.parts)


class _Inline:
    def __init__(self, note: str | None, skip: tuple[str, ...], blocks: bool) -> None:
        self.parts: list[str] = []
        self.pending = note
        self.last_link = -1  # index in parts of the last link written
        self.skip = skip
        self.blocks = blocks  # an entry: its block children are parts of one line, " – " between them

    def walk(self, node: Element, depth: int) -> None:
        if node.text:
            self.parts.append(_text(node.text))
        for child in node:
            if isinstance(child.tag, str) and child.tag not in self.skip and not _skipped(child, inside_entry=True):
                self.element(child, depth + 1)
            if child.tail:
                self.parts.append(_text(child.tail))

    def inner(self, node: Element, depth: int) -> str:
        start = len(self.parts)
        self.walk(node, depth)
        text = "".join(self.parts[start:])
        del self.parts[start:]
        if self.last_link >= start:
            self.last_link = -1
        return text

    def add(self, text: str) -> None:
        self.parts.append(text)
        if "](" in text and "](##" not in text:
            self.last_link = len(self.parts) - 1

    def element(self, tag: Element, depth: int) -> None:
        name = tag.tag
        if depth > MAX_DEPTH:
            self.parts.append(_text("".join(tag.itertext())))
        elif name == "a" and tag.get("href"):
            self.parts.append(self.link(tag, depth))
            self.last_link = len(self.parts) - 1
        elif name == "img":
            return  # an image outside a link says nothing about the entry
        elif name == "br":
            self.parts.append("\n")
        elif name in ("b", "strong") or (self.blocks and name in HEADINGS):
            text = self.inner(tag, depth)
            self.add(f"**{text.strip()}**" if text.strip() and "](" not in text else text)
            if self.blocks and name in HEADINGS:
                self.parts.append(" – ")
        elif name in ("del", "s", "strike"):
            self.add(f"~~{self.inner(tag, depth).strip()}~~")
        elif name == "code":
            self.parts.append(f"`{_text(''.join(tag.itertext()))}`")
        elif tag.get("title") and name in TOOLTIP_TAGS:
            text = self.inner(tag, depth)
            self.parts.append("" if len(text.strip()) <= 2 else text)  # an ⓘ icon, or words with a tooltip
            if self.last_link >= 0:
                self.parts[self.last_link] += f' [ⓘ](## "{_title(tag)}")'
            else:
                self.pending = _title(tag)
        else:
            separate = self.blocks and name not in INLINE
            self.parts.append(" – " if separate else "")
            self.walk(tag, depth)
            self.parts.append(" – " if separate else "")

    def link(self, tag: Element, depth: int) -> str:
        href = tag.get("href", "").strip().replace(" ", "%20")
        if href.count("(") != href.count(")"):
            href = href.replace("(", "%28").replace(")", "%29")
        text = " ".join(self.inner(tag, depth).replace("[", "(").replace("]", ")").split())
        image = next(tag.iter("img"), None)
        if not text and image is not None:  # an image link: a badge or an icon, never an entry
            alt = " ".join(str(image.get("alt") or "").replace("[", "(").replace("]", ")").split())
            text = f"![{alt}]({image.get('src') or 'image'})"
        elif not text:
            text = " ".join(str(tag.get("aria-label") or "").split())
        link = f"[{text}]({href})"
        note = self.pending or _status_word(tag)
        if note:
            self.pending = None
            link += f' [ⓘ](## "{note}")'
        return link


def _status_word(tag: Element) -> str | None:
    """`class="inactive"` or `title="Defunct since 2021"` on an entry or a link: what it says, or None."""
    if match := _STATUS.search(tag.get("class") or ""):
        return match.group(1).lower()
    title = _title(tag)
    return title if title and _STATUS.search(title) else None


def _title(tag: Element) -> str:
    return " ".join(str(tag.get("title") or "").replace('"', "'").split())[:300]


def _nearest(element: Element, tag: str) -> Element | None:
    return next(element.iterancestors(tag), None)


def _skipped(tag: Element, inside_entry: bool = False) -> bool:
    if tag.tag in SKIP or tag.get("hidden") is not None or tag.get("role") in ("navigation", "banner", "contentinfo"):
        return True
    if inside_entry:
        return False
    if tag.tag in CHROME and next(tag.iterancestors(*ENTRY_TAGS), None) is None:
        return True
    return bool(_CHROME_CLASS.search(f"{tag.get('class') or ''} {tag.get('id') or ''}"))


def _cards(tag: Element) -> list[Element]:
    """Repeated children alike in tag and class, most of them holding a link: a grid of cards."""
    children = [c for c in tag if isinstance(c.tag, str) and not _skipped(c)]
    if len(children) < 3:
        return []
    signatures = [(c.tag, " ".join(sorted((c.get("class") or "").split()))) for c in children]
    (kind, count), = Counter(signatures).most_common(1)
    if kind[0] not in CARD_TAGS or count < 3 or count * 2 < len(children):
        return []
    cards = [c for c, signature in zip(children, signatures) if signature == kind]
    with_links = [c for c in cards if c.find(".//a[@href]") is not None]
    if len(with_links) * 3 < len(cards) * 2 or any(next(c.iter("ul", "ol", "table"), None) is not None for c in cards):
        return []  # not cards: a layout, or blocks that hold lists of their own
    return cards


def _paragraph_line(line: str) -> str:
    """A paragraph that starts with a named link is an entry: written as a bold-link line."""
    links = find_links(line)
    if links and not line[: links[0].start].strip(" *_") and not links[0].is_label and not links[0].is_badge:
        first = links[0]
        text = first.text.strip().strip("*_").strip()
        if text:
            line = line[: first.start].replace("*", "").replace("_", "") \
                + f"[**{text}**]({first.dest})" + line[first.end:].lstrip("*_")
    return line


def _one_line(text: str) -> str:
    return re.sub(r"(?:\s*–\s*)+", " – ", " ".join(text.split())).strip(" –")


def _text(text: str) -> str:
    """Page text as text: brackets would read as Markdown links."""
    return re.sub(r"\s+", " ", text).replace("[", "(").replace("]", ")")


def _escape_start(line: str) -> str:
    """A paragraph line must not read as a Markdown heading, list item or table row."""
    return re.sub(r"^([#>|*+-]|\d+[.)])(?=\s|$)", r"\\\1", line)
