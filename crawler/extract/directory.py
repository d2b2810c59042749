"""The one entry point for reading a directory list of any kind: Markdown, CSV, JSON or HTML.

`parse_directory` checks that the text is a directory at all (not empty, not an image or other
binary, not an HTML error page), hands it to the parser of its kind, and applies the source's
`platform` default. `sniff_kind` guesses the kind of a file or URL not named in sources.yml.
Pure: no I/O.
"""
from __future__ import annotations

import dataclasses
import json
import re
from collections.abc import Callable
from urllib.parse import urlsplit

from crawler.extract.csv_list import parse_csv_list, sniff_delimiter
from crawler.extract.html_list import parse_html_list
from crawler.extract.json_list import parse_json_list
from crawler.extract.markdown_list import parse_markdown_list
from crawler.extract.records import FIELD_ROLES
from crawler.models import Observation, Platform

KINDS = frozenset({"markdown", "csv", "json", "html"})
SNIFF_CHARS = 8192
BINARY_SHARE = 0.05  # control or undecodable characters beyond this share: not text

_MAGIC = (  # how binary files begin, decoded as UTF-8 (with replacement characters) or as cp1252
    (("\ufffdPNG", "\u2030PNG", "\x89PNG"), "a PNG image"), (("GIF87a", "GIF89a"), "a GIF image"),
    (("\ufffd\ufffd\ufffd", "\xff\xd8\xff"), "a JPEG image"), (("RIFF",), "a RIFF file (a WebP image?)"),
    (("%PDF-",), "a PDF document"), (("PK\x03\x04",), "a ZIP archive (an .xlsx or .ods spreadsheet? export it as CSV)"),
    (("\x1f\ufffd\x08", "\x1f\x8b\x08"), "gzip-compressed data"),
)
_HTML_START = re.compile(r"^\s*(?:<!doctype\s+html|<html\b|<head\b|<body\b)", re.I)
_TITLE = re.compile(r"<title[^>]{0,200}>([^<]{0,300})</title", re.I)
# Titles of pages that stand in for the one asked for: errors, bot walls, parked domains.
_ERROR_TITLE = re.compile(
    r"^\W*(?:[45]\d\d\b|forbidden\W*$|error\W*$)|\b(?:not found|access denied|service unavailable|just a moment|"
    r"attention required|too many requests|captcha|domain\b.{0,20}\bfor sale|parked (?:domain|page)|"
    r"server error|bad gateway)\b", re.I)
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f\ufffd]")


class NotADirectory(ValueError):
    """The text is not a directory list; the message says what it looks like and what to do."""


def parse_directory(
    text: str, *, kind: str, source: str, base_url: str, options: dict | None = None
) -> list[Observation]:
    """Every community the list names, as Observations. Raises NotADirectory for what is no list."""
    if kind not in KINDS:
        raise ValueError(f"unknown kind {kind!r}; known kinds: {', '.join(sorted(KINDS))}")
    options = options or {}
    default = platform_option(options.get("platform"))
    fields = fields_option(options.get("fields"))
    _refuse_non_text(text, source)
    if kind != "html" and _HTML_START.match(text[:SNIFF_CHARS]):
        raise NotADirectory(f"{source}: expected {kind} but got {_html_description(text)}; check the URL points at "
                            f"the raw list (not its web page), or set kind: html if the page itself is the list")
    try:
        observations = _PARSERS[kind](text, source=source, base_url=base_url, fields=fields)
    except NotADirectory:
        raise
    except ValueError as exc:  # the parser's own account of why it cannot read the text
        raise NotADirectory(f"{source}: {exc}") from exc
    if not observations:
        raise NotADirectory(f"{source}: no community links found in {_describe(text, kind)}; check the URL, "
                            f"the kind ({kind}) and, for CSV or JSON, the fields mapping in data/sources.yml")
    if default is None:
        return observations
    return [dataclasses.replace(o, platform=default) if o.platform is Platform.WEBSITE else o for o in observations]


def sniff_kind(text: str, name_or_url: str, content_type: str = "") -> str:
    """The kind of a list: from a telling Content-Type, else the file extension, else the text itself."""
    mime = content_type.split(";", 1)[0].strip().lower()
    if mime in ("application/json", "text/json", "application/x-ndjson") or mime.endswith("+json"):
        return "json"
    if mime in ("text/csv", "application/csv", "text/tab-separated-values"):
        return "csv"
    if mime in ("text/html", "application/xhtml+xml"):
        return "html"
    if mime == "text/markdown":
        return "markdown"
    path = urlsplit(name_or_url).path.lower() if "://" in name_or_url else name_or_url.lower()
    for extensions, kind in ((".json .jsonl .ndjson .geojson", "json"), (".csv .tsv", "csv"),
                             (".html .htm .xhtml", "html"), (".md .markdown .mdx", "markdown")):
        if path.endswith(tuple(extensions.split())):
            return kind
    start = text.lstrip("\ufeff \t\r\n")[:SNIFF_CHARS]
    if start[:1] in ("[", "{") and _is_json(text):
        return "json"
    if _HTML_START.match(start):
        return "html"
    if not start.startswith(("|", "#", "-", "*", "<", "---")) and sniff_delimiter(start, strict=True) is not None:
        return "csv"
    return "markdown"


def platform_option(value: object) -> Platform | None:
    """`platform: lemmy` in sources.yml; ValueError naming the known platforms otherwise."""
    if value is None:
        return None
    try:
        return Platform(str(value).strip().lower())
    except ValueError:
        known = ", ".join(p.value for p in Platform)
        raise ValueError(f"platform {value!r} is not one of: {known}") from None


def fields_option(value: object) -> dict[str, str | list[str]] | None:
    """`fields: {name: Instance, url: Instance, section: [Country, City]}`; ValueError when malformed."""
    if value is None:
        return None
    if not isinstance(value, dict) or not value:
        raise ValueError("fields must be a mapping of role to column or key, e.g. {name: Name, url: Link}")
    for role, names in value.items():
        if role not in FIELD_ROLES:
            raise ValueError(f"fields has an unknown role {role!r}; roles: {', '.join(FIELD_ROLES)}")
        if not (isinstance(names, str) and names.strip()) and not (
                isinstance(names, list) and names and all(isinstance(n, str) and n.strip() for n in names)):
            raise ValueError(f"fields.{role} must be a column or key name, or a list of them")
    return value


def _markdown(text: str, *, source: str, base_url: str, fields: dict | None) -> list[Observation]:
    return parse_markdown_list(text, source=source, base_url=base_url)


def _html(text: str, *, source: str, base_url: str, fields: dict | None) -> list[Observation]:
    if problem := _error_page(text):
        raise NotADirectory(f"{source}: this is {problem}, not a directory; check the URL in a browser")
    return parse_html_list(text, source=source, base_url=base_url)


_PARSERS: dict[str, Callable[..., list[Observation]]] = {
    "markdown": _markdown, "csv": parse_csv_list, "json": parse_json_list, "html": _html,
}


def _refuse_non_text(text: str, source: str) -> None:
    if not text or not text.strip():
        raise NotADirectory(f"{source}: the list is empty; check the URL or the file")
    start = text.lstrip("\ufeff")[:SNIFF_CHARS]
    for magics, what in _MAGIC:
        if start.startswith(magics):
            raise NotADirectory(f"{source}: this is {what}, not a text list; check the URL or the file")
    if start.startswith("\x00") or "\x00" in start or len(_CONTROL.findall(start)) > BINARY_SHARE * len(start):
        raise NotADirectory(f"{source}: this is binary data (or text in an encoding that is not UTF-8), "
                            f"not a text list; check the URL or convert the file to UTF-8")


def _error_page(text: str) -> str | None:
    title = _TITLE.search(text[:SNIFF_CHARS * 4])
    words = " ".join(title.group(1).split()) if title else ""
    return f"an HTML error page titled {words!r}" if words and _ERROR_TITLE.search(words[:300]) else None


def _html_description(text: str) -> str:
    title = _TITLE.search(text[:SNIFF_CHARS * 4])
    return _error_page(text) or (f"an HTML page titled {' '.join(title.group(1).split())!r}" if title else "an HTML page")


def _describe(text: str, kind: str) -> str:
    if kind == "html":
        return _html_description(text) + " (no lists, tables or cards of links in it)"
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    first = lines[0][:60] if lines else ""
    if kind == "json" and _is_json(text):
        data = json.loads(text.lstrip("\ufeff"))
        shape = f"a JSON object with keys {', '.join(list(map(str, data))[:8])}" if isinstance(data, dict) \
            else f"a JSON {type(data).__name__}"
        return f"{shape} (no list of entries with links in it)"
    return f"{len(lines)} lines of {kind} starting {first!r}"


def _is_json(text: str) -> bool:
    try:
        json.loads(text.lstrip("\ufeff"))
    except (ValueError, RecursionError):
        return False
    return True
