"""The sample web's ground truth: what each community named by the lists really is."""
from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

from crawler.extract.directory import parse_directory
from crawler.sampleweb.app import snapshot_index
from crawler.sampleweb.behaviour import behaviour_of, expected_status, rejects_head
from crawler.sources import load_sources, parser_options
from crawler.urls import canonicalize, community_id


def build_manifest(sources_path: Path) -> list[dict]:
    """One row per distinct community URL in the sources' snapshots: its behaviour, the status the
    pipeline must conclude, and whether its host answers HEAD with 405 (a checker must fall back to GET)."""
    snapshots = snapshot_index()
    rows: dict[str, dict] = {}
    for source in load_sources(sources_path):
        snapshot = snapshots.get(source["url"].split("://", 1)[1])
        if snapshot is None:
            continue  # a source the sample web does not carry
        for observation in parse_directory(snapshot.read_text(encoding="utf-8"), kind=source["kind"],
                                           source=source["name"], base_url=source.get("base_url") or source["url"],
                                           options=parser_options(source)):
            canonical = canonicalize(observation.url)
            expected = expected_status(canonical)
            rows.setdefault(canonical, {
                "community_id": community_id(canonical), "url": canonical,
                "behaviour": behaviour_of(canonical).value,
                "expected_reachability": expected[0].value if expected else None,
                "expected_activity": expected[1].value if expected else None,
                "rejects_head": canonical.startswith("http") and rejects_head(urlsplit(canonical).hostname or ""),
            })
    return sorted(rows.values(), key=lambda row: row["url"])
