"""CSV directory lists (one community per row) → `Observation`s.

The delimiter (`,` `;` tab `|`) and the header are sniffed; which column is the name, the link,
the description, the section or the status is read from the header, or from the cells when the
header says nothing (the column full of links is the link). `fields:` in data/sources.yml can name
the columns instead. Ragged rows, a BOM and Markdown or HTML links inside cells are fine. Pure.
"""
from __future__ import annotations

import csv
import io
import logging
from collections import Counter
from dataclasses import dataclass, field

from crawler.extract.records import (
    Record, join_notes, links_in, plain, platform_named, record_observations, role_of,
    status_notes, url_rank,
)
from crawler.models import Observation

log = logging.getLogger(__name__)

DELIMITERS = (",", ";", "\t", "|")
SNIFF_LINES = 20
SNIFF_CHARS = 65_536
LINK_SHARE = 0.5  # a column whose cells are links at least this often is a link column
MAX_BAD_ROWS = 1_000
MAX_COLUMNS = 200  # a directory has a handful; cells past this are not read


@dataclass
class Columns:
    """Column indexes by role."""

    headers: list[str]
    name: list[int] = field(default_factory=list)
    url: list[int] = field(default_factory=list)  # in order of preference: the row's main link
    links: list[int] = field(default_factory=list)  # every one a link of its own
    description: list[int] = field(default_factory=list)
    section: list[int] = field(default_factory=list)
    topics: list[int] = field(default_factory=list)
    annotations: list[int] = field(default_factory=list)
    platform: list[int] = field(default_factory=list)
    rest: list[int] = field(default_factory=list)  # shown as "Header: value" when there is no description


def parse_csv_list(text: str, *, source: str, base_url: str, fields: dict | None = None) -> list[Observation]:
    """Every community link in a CSV list, once per (canonical URL, section)."""
    rows = read_rows(text)
    if not rows:
        return []
    header_row = rows[0] if _is_header(rows[0]) else None
    body = rows[1:] if header_row is not None else rows
    columns = columns_of(header_row, body, fields)
    seen: set[tuple[str, str]] = set()
    observations: list[Observation] = []
    for row in body:
        observations += record_observations(_record(row, columns), source=source, base_url=base_url, seen=seen)
    return observations


def sniff_delimiter(text: str, strict: bool = False) -> str | None:
    """The delimiter that splits the first lines into cells, or None.

    Lenient (reading a CSV): the one that splits the most lines, ragged rows allowed. Strict (telling
    CSV from prose): it must also split most lines into the same number of cells.
    """
    lines = [line for line in text[:SNIFF_CHARS].splitlines() if line.strip()][:SNIFF_LINES]
    if len(lines) > 1 and len(text) > SNIFF_CHARS and len(lines) == SNIFF_LINES:
        lines = lines[:-1]  # the last line may be cut in the middle
    best, best_score = None, 0.0
    for delimiter in DELIMITERS:
        try:
            widths = [len(row) for row in csv.reader(lines, delimiter=delimiter)]
        except csv.Error:
            continue
        if not widths:
            continue
        width, times = Counter(widths).most_common(1)[0]
        split = sum(1 for w in widths if w > 1) / len(widths)
        consistent = times / len(widths) if width > 1 else 0.0
        if strict and (consistent < 0.8 or len(widths) < 2):
            continue
        score = (split + consistent) / 2
        if score > best_score:
            best, best_score = delimiter, score
    return best if best_score > 0.3 else None


def read_rows(text: str) -> list[list[str]]:
    """Non-blank rows, cells stripped. A row the csv module cannot read is skipped, not fatal."""
    text = text.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    delimiter = sniff_delimiter(text) or ","
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    rows, bad, error = [], 0, None
    while True:
        try:
            row = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:  # e.g. a cell over the csv module's size limit
            bad, error = bad + 1, exc
            if bad > MAX_BAD_ROWS:
                break
            continue
        if any(cell.strip() for cell in row[:MAX_COLUMNS]):
            rows.append([cell.strip() for cell in row[:MAX_COLUMNS]])
    if bad:
        log.warning("skipped %d unreadable CSV rows (%s)", bad, error)
        if not rows:
            raise ValueError(f"no readable CSV rows: {error}")
    return rows


def _is_header(row: list[str]) -> bool:
    filled = [cell for cell in row if cell]
    return not any(links_in(cell) for cell in row) and len(filled) * 2 >= len(row)


def columns_of(header_row: list[str] | None, body: list[list[str]], fields: dict | None) -> Columns:
    width = max([len(header_row or [])] + [len(row) for row in body[:1000]])
    headers = [*(header_row or []), *[""] * width][:width]
    columns = Columns(headers)
    mapped = _mapped_roles(headers, fields or {})
    for role, indexes in mapped.items():
        setattr(columns, role, indexes)
    taken = {i for indexes in mapped.values() for i in indexes}
    unnamed_links = []  # columns of links whose header names no role
    for i, header in enumerate(headers):
        if i in taken:
            continue
        role = role_of(header) if header else None
        has_links = _link_share(body, i) >= LINK_SHARE
        if role in mapped or (role in ("url", "links", None) and has_links and {"url", "links"} & set(mapped)):
            continue  # a mapping names the columns of its roles: no guessing beside it
        if role == "url" or (role == "name" and has_links and not columns.url):
            columns.url.append(i)
        elif role is None and has_links:
            unnamed_links.append(i)
        elif role is None:
            columns.rest.append(i)
        elif role != "skip":
            getattr(columns, role).append(i)
    columns.url.sort(key=lambda i: url_rank(headers[i]))
    if not columns.url:
        columns.url, unnamed_links = unnamed_links[:1], unnamed_links[1:]
    columns.links += unnamed_links
    if not columns.name:
        columns.name = _name_column(columns, body)
    return columns


def _mapped_roles(headers: list[str], fields: dict) -> dict[str, list[int]]:
    """`fields: {url: Instance, section: [Country, City]}` → column indexes by role."""
    by_name = {header.strip().lower(): i for i, header in reversed(list(enumerate(headers)))}
    mapped = {}
    for role, names in fields.items():
        names = [names] if isinstance(names, str) else list(names)
        missing = [name for name in names if str(name).strip().lower() not in by_name]
        if missing:
            raise ValueError(f"fields.{role} names column {missing[0]!r}, but the CSV header has: "
                             f"{', '.join(h for h in headers if h) or '(no header row)'}")
        mapped[role] = [by_name[str(name).strip().lower()] for name in names]
    return mapped


def _link_share(body: list[list[str]], i: int) -> float:
    cells = [row[i] for row in body[:200] if i < len(row) and row[i]]
    return sum(1 for cell in cells if links_in(cell)) / len(cells) if cells else 0.0


def _name_column(columns: Columns, body: list[list[str]]) -> list[int]:
    """Without a name header: the first text column before the links whose cells are all different."""
    first_link = min(columns.url + columns.links, default=len(columns.headers))
    for i in columns.rest:
        cells = [row[i] for row in body[:200] if i < len(row) and row[i]]
        if i < first_link and cells and len(set(cells)) >= 0.8 * len(cells) \
                and sum(not cell.replace(".", "").replace(",", "").isdigit() for cell in cells) >= 0.8 * len(cells):
            columns.rest.remove(i)
            return [i]
    return []


def _record(row: list[str], columns: Columns) -> Record:
    def cells(indexes: list[int]) -> list[tuple[str, str]]:
        return [(columns.headers[i], row[i]) for i in indexes if i < len(row) and row[i]]

    record, name_links = Record(), []
    for _, value in cells(columns.name):
        record.name = record.name or plain(value)
        name_links = name_links or links_in(value)  # `[Lemmy.World](https://lemmy.world)`
    main = next((found for _, value in cells(columns.url) if (found := links_in(value))), name_links)
    record.links = [*main, *((text or header, url) for header, value in cells(columns.links)
                             for text, url in links_in(value))]
    described = [plain(value) for _, value in cells(columns.description)]
    if columns.description:  # cells past the header of a ragged row still belong to the entry
        described += [plain(value) for header, value in cells(columns.rest) if not header]
    else:  # like a Markdown table row: the other cells as "Header: value"
        described = [f"{header}: {plain(value)}" if header else plain(value) for header, value in cells(columns.rest)]
    described += [f"{header}: {plain(value)}" for header, value in cells(columns.topics)]
    record.description = "; ".join(text for text in described if text)
    record.section = tuple(plain(value) for _, value in cells(columns.section))
    record.annotations = join_notes(*(status_notes(header, value) for header, value in cells(columns.annotations)))
    record.platform = next((p for _, value in cells(columns.platform) if (p := platform_named(value))), None)
    return record
