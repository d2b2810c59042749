"""data/sources.yml: the directory lists copdir reads. Loaded and validated here."""
from __future__ import annotations

import difflib
from pathlib import Path

import yaml

from crawler.extract.directory import KINDS, fields_option, platform_option

REQUIRED = ("name", "url", "kind")
OPTIONAL = ("tags", "base_url", "platform", "fields", "licence")
# Keys of an entry that are not parser options: everything else is passed to the parser as one.
NOT_OPTIONS = frozenset({"name", "url", "kind", "tags", "base_url", "licence"})


class SourcesError(ValueError):
    """sources.yml is malformed; the message says where and how to fix it."""


def load_sources(path: Path) -> list[dict]:
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise SourcesError(f"{path} not found: create it or pass --sources") from exc
    except yaml.YAMLError as exc:
        raise SourcesError(f"{path} is not valid YAML: {exc}") from exc
    entries = (document or {}).get("sources") if isinstance(document, dict) else None
    if not isinstance(entries, list):
        raise SourcesError(f"{path}: expected a top-level 'sources:' list")
    seen: set[str] = set()
    for number, entry in enumerate(entries, start=1):
        if not isinstance(entry, dict):
            raise SourcesError(f"{path}: entry {number} is not a mapping")
        missing = [key for key in REQUIRED if not entry.get(key)]
        if missing:
            raise SourcesError(f"{path}: entry {number} lacks {', '.join(missing)}")
        where = f"{path}: entry {number} ({entry['name']})"
        if entry["kind"] not in KINDS:
            raise SourcesError(f"{where} has kind {entry['kind']!r}; known kinds: {', '.join(sorted(KINDS))}")
        if not str(entry["url"]).startswith(("http://", "https://")):
            raise SourcesError(f"{where} needs an http(s) URL")
        if entry.get("base_url") and not str(entry["base_url"]).startswith(("http://", "https://")):
            raise SourcesError(f"{where} has a base_url that is not http(s)")
        _check_options(entry, where)
        if entry["name"] in seen:
            raise SourcesError(f"{path}: the name {entry['name']!r} is used twice")
        seen.add(entry["name"])
        entry.setdefault("tags", [])
    return entries


def parser_options(source: dict) -> dict:
    """The keys of a sources.yml entry that tell the parser how to read the list (platform, fields)."""
    return {key: value for key, value in source.items() if key not in NOT_OPTIONS}


def _check_options(entry: dict, where: str) -> None:
    for key in entry:
        close = difflib.get_close_matches(str(key), (*REQUIRED, *OPTIONAL), n=1, cutoff=0.75)
        if key not in REQUIRED and key not in OPTIONAL and close:
            raise SourcesError(f"{where} has a key {key!r}; did you mean {close[0]!r}?")
    tags = entry.get("tags")
    if tags is not None and not (isinstance(tags, list) and all(isinstance(tag, str) for tag in tags)):
        raise SourcesError(f"{where}: tags must be a list of words, e.g. tags: [slack, spanish]")
    try:
        platform_option(entry.get("platform"))
        fields_option(entry.get("fields"))
    except ValueError as exc:
        raise SourcesError(f"{where}: {exc}") from None
    if entry.get("fields") and entry["kind"] not in ("csv", "json"):
        raise SourcesError(f"{where}: fields name CSV columns or JSON keys; kind {entry['kind']} has none")
