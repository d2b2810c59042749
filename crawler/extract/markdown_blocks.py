"""The block structure of a Markdown list: which lines are headings, list items, table rows, paragraphs.

`entries` reads the document line by line and yields each entry (a list item with its continuation
lines, a table row with its column headers, a bold-link line, a paragraph) with its section path:
the headings above it and the `<details><summary>` labels around it. `markdown_list` decides what
the links of an entry mean. Pure: no I/O.
"""
from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from crawler.extract.markdown_inline import clean_label, html_to_markdown

_HEADING = re.compile(r"^\s{0,3}(#{1,6})\s+(.*?)(?:\s+#+)?\s*$")
_ITEM = re.compile(r"^\s*(?:[-*+]|\d{1,9}[.)])(?:\s+|$)")
_BOLD_LINK_LINE = re.compile(r"^\s*(?:(?:\*\*|__)\[|\[(?:\*\*|__))")
_TABLE_SEP = re.compile(r"^\s*\|?\s*:?-+:?\s*(?:\|\s*:?-+:?\s*)*\|?\s*$")
_FENCE = re.compile(r"^\s*(?:```|~~~)")
_DETAILS = re.compile(
    r"<details\b[^<>]{0,200}>|</details\s*>|<summary\b[^<>]{0,200}>(.{0,300}?)</summary\s*>", re.I
)
_CELL = re.compile(r"(?<!\\)\|")


@dataclass
class Entry:
    """One list item, table row or bold-link line, with its continuation lines."""

    lines: list[str]
    section: tuple[str, ...]
    headers: tuple[str, ...] | None = None  # set for table rows
    prose: bool = False  # a paragraph, not an item: only its links to community platforms count

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


def entries(text: str) -> Iterator[Entry]:
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
            headers = tuple(clean_label(cell) for cell in row_cells(line))
        elif kind == "row":
            yield Entry([line], sections.path, headers or ())
        elif kind in ("item", "bold_link"):
            current = Entry([line], sections.path)
        elif kind == "text" and current:
            current.lines.append(line)
        elif kind == "text":
            current = Entry([line], sections.path, prose=True)
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


def row_cells(row: str) -> list[str]:
    cells = _CELL.split(row.strip())
    return cells[1:-1] if len(cells) > 2 and not cells[-1].strip() else cells[1:]


def _title_line(lines: list[str]) -> int | None:
    """The document title: a first heading shallower than every later one. It is not a section."""
    headings = [(i, len(m.group(1))) for i, line in enumerate(lines) if (m := _HEADING.match(line))]
    if headings and all(level > headings[0][1] for _, level in headings[1:]):
        return headings[0][0]
    return None
