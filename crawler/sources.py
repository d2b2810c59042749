"""data/sources.yml: the directory lists copdir reads. Loaded and validated here."""
from __future__ import annotations

from pathlib import Path

import yaml

KINDS = frozenset({"markdown"})  # kinds with a spider; issue-by-issue this grows (csv, json, html)
REQUIRED = ("name", "url", "kind")


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
        if entry["kind"] not in KINDS:
            raise SourcesError(f"{path}: entry {number} ({entry['name']}) has kind {entry['kind']!r}; "
                               f"known kinds: {', '.join(sorted(KINDS))}")
        if not str(entry["url"]).startswith(("http://", "https://")):
            raise SourcesError(f"{path}: entry {number} ({entry['name']}) needs an http(s) URL")
        if entry.get("base_url") and not str(entry["base_url"]).startswith(("http://", "https://")):
            raise SourcesError(f"{path}: entry {number} ({entry['name']}) has a base_url that is not http(s)")
        if entry["name"] in seen:
            raise SourcesError(f"{path}: the name {entry['name']!r} is used twice")
        seen.add(entry["name"])
        entry.setdefault("tags", [])
    return entries
