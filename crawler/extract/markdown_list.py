"""Markdown directory lists (awesome-lists, READMEs, Hugo pages) → `Observation`s.

`markdown_blocks` reads the entries: list items, table rows, bold-link lines
(`[__Devcord__](https://discord.com/invite/devcord) \\`) and paragraphs, each under its section path.
Here every community link of an entry becomes one Observation, named and described by the entry. A Hugo page about one community names it
in its front matter (see `front_matter`); its body then lists resources, so only links to community
platforms count there. Pure: no I/O, no network.
"""
from __future__ import annotations

import bisect
import logging
import re

from crawler.extract.front_matter import is_community_page, page_observations, split_front_matter
from crawler.extract.markdown_blocks import Entry, entries, row_cells
from crawler.extract.markdown_inline import (
    Link, find_bare_urls, find_links, host_of, is_not_community, resolve_url, status_words, strip_markdown,
)
from crawler.extract.records import role_of, status_notes
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
# On a page about one community, links to these are resources (a tool, a repository), not its presences.
_RESOURCE_PLATFORMS = frozenset({Platform.WEBSITE, Platform.GITHUB})
_INACTIVE = re.compile(r"\b(?:inactive|defunct|dead|discontinued|archived|abandoned)\b", re.I)

_LEAD_BOLD = re.compile(r"^\s*(\*\*|__)(.{1,300}?)\1")
_REMARK = re.compile(r"\s*\(([^()\[\]\n]{1,80})\)")
# Runs of " – ", " • ", " | " between an entry's parts; a leading or trailing ":".
_SEPARATOR = re.compile(r"(?:(?:^|\s+)[-–—•|](?=\s|$))+\s*|\s*•\s*|^\s*:\s*|\s*:\s*$")
# Words around a link that make it a pointer to something about communities, not a community.
_SEE = re.compile(r"(?:\bsee(?: also)?|\blists? of(?: an?)?)\s*$")
_LIST_OF = re.compile(r"(?:an? )?lists? of\b", re.I)
_COORDINATED = re.compile(r"^(?:\s*(?:,|and|&|or)\s*\[[^\[\]]{0,200}\]\([^()\s]{0,500}\))+")
_INFO = re.compile(r"^\s*(?:contains?|has|have|provides?|offers?|hosts?|lists?)\s+(?:info|information|lists?|a list|"
                   r"details|resources|links)\b", re.I)
_FILLER = frozenset({"", "or", "and", "&"})  # what is left between two removed links


def parse_markdown_list(text: str, *, source: str, base_url: str) -> list[Observation]:
    """Every community link in a Markdown directory list, once per (canonical URL, section)."""
    front, body = split_front_matter((text or "").lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n"))
    observations = page_observations(front, source=source, base_url=base_url)
    one_community = is_community_page(front)
    seen: set[tuple[str, str]] = set()
    for entry in entries(body):
        if not any(label.lower() in META_SECTIONS or _META_PATTERN.match(label) for label in entry.section):
            found = _entry_observations(entry, source=source, base_url=base_url, seen=seen)
            observations += [o for o in found if not one_community or o.platform not in _RESOURCE_PLATFORMS]
    return observations


def _entry_observations(
    entry: Entry, *, source: str, base_url: str, seen: set[tuple[str, str]]
) -> list[Observation]:
    """One Observation per community link of the entry not yet seen in its section."""
    body = entry.body
    links = _entry_links(body)
    entry_name, label_name = _entry_names(entry, body, links)
    section = " > ".join(entry.section)
    listed_under = tuple(f"listed under {label}" for label in entry.section if _INACTIVE.search(label))
    strikes = [m.start() for m in re.finditer("~~", body)]
    remark_spans: list[tuple[int, int]] = []
    found: list[tuple[str, str, Platform, tuple[str, ...]]] = []
    for i, link in enumerate(links):
        url = None if link.is_badge else resolve_url(link.dest, base_url)
        if url is None or is_not_community(url) or _is_reference(body, link):
            continue
        notes = _link_notes(body, links, i, strikes, remark_spans)
        try:
            key = (canonicalize(url), section)
            platform = platform_of(url)
        except ValueError:
            log.debug("not a URL in %s: %r", source, url)
            continue
        if entry.prose and (platform in _RESOURCE_PLATFORMS or url.lower().startswith("mailto:")):
            continue  # a paragraph's links are articles, tools and contacts, unless they lead into a community
        if key in seen:
            continue
        seen.add(key)
        name = entry_name or (label_name if link.is_label or not link.text else None) or link.text
        found.append((url, _clean_name(name, url), platform, tuple(dict.fromkeys((*notes, *listed_under)))))
    if not found:
        return []
    description = _description(entry, body, links, remark_spans, label_name)
    said = (*status_words(description), *_status_cells(entry, body))  # "– defunct", a Status column
    return [
        Observation(source=source, url=url, name=name, description=description, section=section,
                    annotations=tuple(dict.fromkeys((*notes, *said))), platform=platform)
        for url, name, platform, notes in found
    ]


def _status_cells(entry: Entry, body: str) -> list[str]:
    """What a table's status-like columns (Status, Active, Open …) say of the row."""
    if not entry.headers:
        return []
    return [note for header, cell in zip(entry.headers, row_cells(body)) if role_of(header) == "annotations"
            for note in status_notes(header, strip_markdown(cell))]


def _is_reference(body: str, link: Link) -> bool:
    """`see [here](…) for details`, `a [list of …](…)`, `[A](…) and [B](…) contain info on …`: not an entry."""
    before = body[max(0, link.start - 30):link.start].lower()
    after = _COORDINATED.sub("", body[link.end:link.end + 600], count=1)
    return bool(_SEE.search(before) or _LIST_OF.match(strip_markdown(link.text)) or _INFO.match(after))


def _entry_links(body: str) -> list[Link]:
    """Markdown links, and bare URLs outside them ("Invites at https://…"), in the order written."""
    links = find_links(body)
    spans = [(link.start, link.end) for link in links]
    bare = [url for url in find_bare_urls(body) if not any(start <= url.start < end for start, end in spans)]
    return sorted([*links, *bare], key=lambda link: link.start)


def _entry_names(entry: Entry, body: str, links: list[Link]) -> tuple[str | None, str | None]:
    """(name for every link of the entry, name for label links such as `` `Slack` `` or "here")."""
    if entry.headers is not None:
        cells = row_cells(body)
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
    entry: Entry, body: str, links: list[Link], remarks: list[tuple[int, int]], lead: str | None
) -> str:
    """The entry's own words: table cells by header, or the text around its links."""
    if entry.headers is not None:
        return _row_description(entry.headers, row_cells(body))
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
