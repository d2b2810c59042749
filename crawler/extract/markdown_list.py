"""Markdown directory lists (awesome-lists, READMEs, Hugo pages) → `Observation`s.

A line reader: headings and `<details><summary>` labels give the section path; list items, table
rows and bold-link lines (`[__Devcord__](https://discord.com/invite/devcord) \\`) are entries, and
every community link of an entry becomes one Observation. Pure: no I/O, no network.
"""
from __future__ import annotations

import bisect
import logging
import re
from collections.abc import Iterator
from dataclasses import dataclass

from crawler.extract.markdown_inline import (
    Link, clean_label, find_bare_urls, find_links, host_of, html_to_markdown, is_not_community,
    resolve_url, strip_markdown,
)
from crawler.models import Observation, Platform
from crawler.urls import canonicalize, platform_of

log = logging.getLogger(__name__)

MAX_DESCRIPTION = 500
# Sections about the list itself, not communities; compared lower-cased.
META_SECTIONS = frozenset({
    "information", "sources", "source", "roadmap", "license", "licence", "licensing", "contributing",
    "contribute", "contributors", "contribution", "contributions", "contents", "table of contents",
    "toc", "attribution", "credits", "acknowledgements", "acknowledgments", "changelog",
})
# Links to other directories and tools about the topic ("Other links", "Other Lists", "See also").
_META_PATTERN = re.compile(
    r"^(?:see also|(?:other|related|similar|more) (?:links|lists|directories)|looking for more lists\b.*)$", re.I
)
_INACTIVE = re.compile(r"\b(?:inactive|defunct|dead|discontinued|archived|abandoned)\b", re.I)

_HEADING = re.compile(r"^\s{0,3}(#{1,6})\s+(.*?)(?:\s+#+)?\s*$")
_ITEM = re.compile(r"^\s*(?:[-*+]|\d{1,9}[.)])(?:\s+|$)")
_BOLD_LINK_LINE = re.compile(r"^\s*(?:(?:\*\*|__)\[|\[(?:\*\*|__))")
_TABLE_SEP = re.compile(r"^\s*\|?\s*:?-+:?\s*(?:\|\s*:?-+:?\s*)*\|?\s*$")
_FENCE = re.compile(r"^\s*(?:```|~~~)")
_DETAILS = re.compile(
    r"<details\b[^<>]{0,200}>|</details\s*>|<summary\b[^<>]{0,200}>(.{0,300}?)</summary\s*>", re.I
)
_LEAD_BOLD = re.compile(r"^\s*(\*\*|__)(.{1,300}?)\1")
_REMARK = re.compile(r"\s*\(([^()\[\]\n]{1,80})\)")
# Runs of " – ", " • ", " | " between an entry's parts; a leading or trailing ":".
_SEPARATOR = re.compile(r"(?:(?:^|\s+)[-–—•|](?=\s|$))+\s*|\s*•\s*|^\s*:\s*|\s*:\s*$")
_FILLER = frozenset({"", "or", "and", "&"})  # what is left between two removed links
_CELL = re.compile(r"(?<!\\)\|")


@dataclass
class _Entry:
    """One list item, table row or bold-link line, with its continuation lines."""

    lines: list[str]
    section: tuple[str, ...]
    headers: tuple[str, ...] | None = None  # set for table rows

    @property
    def body(self) -> str:
        first = self.lines[0] if self.headers is not None else _ITEM.sub("", self.lines[0], count=1)
        return "\n".join([first, *(line.strip() for line in self.lines[1:])])


class _Sections:
    """The heading path and the open `<details>` labels at the current line."""

    def __init__(self) -> None:
        self.headings: list[tuple[int, str]] = []
        self.details: list[str] = []

    def heading(self, level: int, label: str) -> None:
        while self.headings and self.headings[-1][0] >= level:
            self.headings.pop()
        self.headings.append((level, label))
        self.details.clear()  # an unclosed <details> must not leak into the next section

    def consume_details(self, line: str) -> str:
        """Track `<details>`/`<summary>`/`</details>` on the line; return the line without them."""
        for m in _DETAILS.finditer(line):
            tag = m.group().lower()
            if tag.startswith("</details"):
                if self.details:
                    self.details.pop()
            elif tag.startswith("<details"):
                self.details.append("")
            elif self.details:
                self.details[-1] = clean_label(m.group(1))
            else:
                self.details.append(clean_label(m.group(1)))
        return _DETAILS.sub("", line)

    @property
    def path(self) -> tuple[str, ...]:
        return tuple(label for label in [*(h[1] for h in self.headings), *self.details] if label)


def parse_markdown_list(text: str, *, source: str, base_url: str) -> list[Observation]:
    """Every community link in a Markdown directory list, once per (canonical URL, section)."""
    seen: set[tuple[str, str]] = set()
    observations: list[Observation] = []
    for entry in _entries(text or ""):
        if not any(label.lower() in META_SECTIONS or _META_PATTERN.match(label) for label in entry.section):
            observations += _entry_observations(entry, source=source, base_url=base_url, seen=seen)
    return observations


def _entries(text: str) -> Iterator[_Entry]:
    text = _strip_front_matter(text.replace("\r\n", "\n").replace("\r", "\n"))
    lines = html_to_markdown(text).split("\n")
    title = _title_line(lines)
    sections, current, headers, in_fence = _Sections(), None, None, False
    for i, raw in enumerate(lines):
        fence = bool(_FENCE.match(raw))
        in_fence ^= fence
        line = "" if in_fence or fence else sections.consume_details(raw)
        kind = _kind(line)
        if kind != "text" and current:
            yield current
            current = None
        if kind not in ("row", "sep"):
            headers = None
        if kind == "heading" and i != title:
            heading = _HEADING.match(line)
            sections.heading(len(heading.group(1)), clean_label(heading.group(2)))
        elif kind == "row" and i + 1 < len(lines) and _is_separator(lines[i + 1]):
            headers = tuple(clean_label(cell) for cell in _cells(line))
        elif kind == "row":
            yield _Entry([line], sections.path, headers or ())
        elif kind in ("item", "bold_link"):
            current = _Entry([line], sections.path)
        elif kind == "text" and current:
            current.lines.append(line)
    if current:
        yield current


def _kind(line: str) -> str:
    if not line.strip():
        return "blank"
    if _HEADING.match(line):
        return "heading"
    if _is_separator(line):
        return "sep"
    if line.lstrip().startswith("|") and line.count("|") >= 2:
        return "row"
    if _ITEM.match(line):
        return "item"
    return "bold_link" if _BOLD_LINK_LINE.match(line) else "text"


def _is_separator(line: str) -> bool:
    return "|" in line and "-" in line and bool(_TABLE_SEP.match(line))


def _cells(row: str) -> list[str]:
    cells = _CELL.split(row.strip())
    return cells[1:-1] if len(cells) > 2 and not cells[-1].strip() else cells[1:]


def _strip_front_matter(text: str) -> str:
    """Jekyll/Hugo YAML front matter is page metadata, not list entries."""
    if text.startswith("---\n") and (end := text.find("\n---", 3)) != -1:
        after = text.find("\n", end + 4)
        return "" if after == -1 else text[after + 1 :]
    return text


def _title_line(lines: list[str]) -> int | None:
    """The document title: a first heading shallower than every later one. It is not a section."""
    headings = [(i, len(m.group(1))) for i, line in enumerate(lines) if (m := _HEADING.match(line))]
    if headings and all(level > headings[0][1] for _, level in headings[1:]):
        return headings[0][0]
    return None


def _entry_observations(
    entry: _Entry, *, source: str, base_url: str, seen: set[tuple[str, str]]
) -> list[Observation]:
    """One Observation per community link of the entry not yet seen in its section."""
    body = entry.body
    links = find_links(body) or find_bare_urls(body)
    entry_name, label_name = _entry_names(entry, body, links)
    section = " > ".join(entry.section)
    listed_under = tuple(f"listed under {label}" for label in entry.section if _INACTIVE.search(label))
    strikes = [m.start() for m in re.finditer("~~", body)]
    remark_spans: list[tuple[int, int]] = []
    found: list[tuple[str, str, Platform, tuple[str, ...]]] = []
    for i, link in enumerate(links):
        url = None if link.is_badge else resolve_url(link.dest, base_url)
        if url is None or is_not_community(url):
            continue
        notes = _link_notes(body, links, i, strikes, remark_spans)
        try:
            key = (canonicalize(url), section)
            if key in seen:
                continue
            platform = platform_of(url)
        except ValueError:
            log.debug("not a URL in %s: %r", source, url)
            continue
        seen.add(key)
        name = entry_name or (label_name if link.is_label or not link.text else None) or link.text
        found.append((url, _clean_name(name, url), platform, tuple(dict.fromkeys((*notes, *listed_under)))))
    if not found:
        return []
    description = _description(entry, body, links, remark_spans, label_name)
    return [
        Observation(source=source, url=url, name=name, description=description, section=section,
                    annotations=notes, platform=platform)
        for url, name, platform, notes in found
    ]


def _entry_names(entry: _Entry, body: str, links: list[Link]) -> tuple[str | None, str | None]:
    """(name for every link of the entry, name for label links such as `` `Slack` `` or "here")."""
    if entry.headers is not None:
        cells = _cells(body)
        if cells and not find_links(cells[0]) and strip_markdown(cells[0]):
            return strip_markdown(cells[0]), strip_markdown(cells[0])
        first = next((link for link in links if not link.is_badge), None)
        return None, strip_markdown(first.text) if first else None
    if (bold := _name_bold(body)) is not None:
        name = strip_markdown(bold.group(2)).strip(" :")
        return name or None, name or None
    if links and body[: links[0].start].strip() in ("", "**", "__"):
        text = links[0].text.strip()
        name = strip_markdown(text)
        if re.fullmatch(r"(\*\*|__).+\1", text):
            return name, name
        return None, None if links[0].is_label else name or None
    lead = _SEPARATOR.split(strip_markdown(body[: links[0].start] if links else ""), maxsplit=1)[0]
    return None, lead.split(":")[0].strip(" ,;") or None


def _name_bold(body: str) -> re.Match[str] | None:
    """`**Orlando Devs** – …`: a bold name. A bold *link* (`**[GDG](…) – …**`) is named by its link."""
    bold = _LEAD_BOLD.match(body)
    return bold if bold and not bold.group(2).lstrip().startswith("[") else None


def _link_notes(
    body: str, links: list[Link], i: int, strikes: list[int], remarks: list[tuple[int, int]]
) -> list[str]:
    """What the list says of links[i]: struck through, its ⓘ tooltip, a "(remark)" right after it."""
    link, notes = links[i], []
    text = link.text.strip()
    inside_strike = bisect.bisect_left(strikes, link.start) % 2 == 1  # an odd number of ~~ before it
    if (len(text) > 4 and text.startswith("~~") and text.endswith("~~")) or inside_strike:
        notes.append("struck through")
    end = link.end
    if i + 1 < len(links) and links[i + 1].is_tooltip and not body[end : links[i + 1].start].strip():
        notes.append(" ".join(links[i + 1].title.split()))
        end = links[i + 1].end
    if remark := _REMARK.match(body, end):
        notes.append(f"({' '.join(remark.group(1).split())})")
        remarks.append(remark.span())
    return notes


def _description(
    entry: _Entry, body: str, links: list[Link], remarks: list[tuple[int, int]], lead: str | None
) -> str:
    """The entry's own words: table cells by header, or the text around its links."""
    if entry.headers is not None:
        return _row_description(entry.headers, _cells(body))
    drop = [(m.start(), m.end()) for m in [_name_bold(body)] if m] + remarks
    for link in links:
        if not _inside_prose(body, link) or link.is_code or link.is_badge or link.is_tooltip:
            drop.append((link.start, link.end))
    text, pos = [], 0
    for start, end in sorted(drop):
        if start >= pos:
            text.append(body[pos:start])
            pos = end
    text.append(body[pos:])
    parts = []
    for line in "".join(text).split("\n"):
        line = re.sub(r"\(\s*(?:or|and)?\s*\)", " ", strip_markdown(line))
        if lead and not parts and line.startswith(lead):
            line = line[len(lead):]
        parts += [p.strip(" ,;:") for p in _SEPARATOR.split(line) if p.strip(" ,;:") not in _FILLER]
    return _truncate(" – ".join(parts))


def _inside_prose(body: str, link: Link) -> bool:
    """A link in running text ("see [here](…) for details") keeps its words in the description."""
    before = body[max(0, link.start - 3) : link.start].rstrip()
    return bool(before) and (before[-1].isalpha() or before[-1] in ",;")


def _row_description(headers: tuple[str, ...], cells: list[str]) -> str:
    """The row's other cells as "Header: value"; the first filled cell is the name."""
    parts, length, name_seen = [], 0, False
    for i, cell in enumerate(cells):
        value = strip_markdown(cell) if cell.strip() else ""
        if value and not name_seen:
            name_seen = True
        elif value:
            header = headers[i] if i < len(headers) else ""
            parts.append(f"{header}: {value}" if header else value)
            length += len(parts[-1]) + 2
            if length > MAX_DESCRIPTION:
                break  # enough for the description; a malformed row may have a million cells
    return _truncate("; ".join(parts))


def _clean_name(name: str, url: str) -> str:
    name = strip_markdown(name).strip(" :–-|")
    if not name or name.lower().startswith(("http://", "https://")):
        return host_of(url)
    return name[:200]


def _truncate(text: str) -> str:
    return text if len(text) <= MAX_DESCRIPTION else text[: MAX_DESCRIPTION - 1].rstrip() + "…"
