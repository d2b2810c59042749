"""The sample web's ground truth: what each community named by the lists really is."""
from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

from crawler.extract.directory import parse_directory
from crawler.sampleweb.app import snapshot_index
from datetime import datetime, timezone
from urllib.parse import parse_qs

from crawler.models import Platform
from crawler.sampleweb import page_facts, page_qualities, pages, platform_api
from crawler.sampleweb.behaviour import (LIVE_UNDERNEATH, Behaviour, behaviour_of, expected_status, rejects_head,
                                         shows_dated_posts)
from crawler.urls import platform_of
from crawler.sources import load_sources, parser_options
from crawler.urls import canonicalize, community_id

_LIVE = (Behaviour.LIVE_ACTIVE, Behaviour.LIVE_QUIET, Behaviour.DORMANT)
_REFERENCE_NOW = datetime(2026, 11, 14, tzinfo=timezone.utc)  # whether a page shows events does not depend on it
# Hosts whose page the profile spider never reads (spiders/profile.py NO_USEFUL_PAGE_HOSTS): their APIs answer.
_PAGES_NOT_READ = frozenset({"discord.com", "matrix.to", "www.reddit.com", "reddit.com"})


def build_manifest(sources_path: Path) -> list[dict]:
    """One row per distinct community URL in the sources' snapshots: its behaviour, the status the
    pipeline must conclude, whether its host answers HEAD with 405 (a checker must fall back to GET), and the
    CoP qualities its own page shows (`page_quality_truth`)."""
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
                "qualities": page_quality_truth(canonical),
            })
    return sorted(rows.values(), key=lambda row: row["url"])


def page_quality_truth(canonical: str) -> dict | None:
    """The CoP qualities the community's own page shows (`page_qualities.expected`): for a live community (or one
    live underneath a broken https) whose page the sample web writes itself and the profile spider reads — not a
    platform's page or API answer, not an invite app, not Reddit. None for every other, and for a flaky one, whose
    page may fail the profile's visit."""
    if not canonical.startswith(("http://", "https://")):
        return None
    behaviour = behaviour_of(canonical)
    if behaviour in LIVE_UNDERNEATH and canonical.startswith("http://"):
        behaviour = Behaviour.LIVE_ACTIVE
    parts = urlsplit(canonical)
    if (behaviour not in _LIVE or platform_of(canonical) in (Platform.DISCORD, Platform.SLACK)
            or parts.hostname in _PAGES_NOT_READ
            or platform_api._route(parts.hostname or "", parts.path or "/", parse_qs(parts.query)) is not None):
        return None
    page = f"https://{parts.hostname}{parts.path or '/'}"  # what the app writes the page from: no query
    dated = pages.newest_post(page, behaviour, _REFERENCE_NOW) if shows_dated_posts(page) else None
    facts = page_facts.facts_of(page, _REFERENCE_NOW, dated)
    return page_qualities.expected(facts.url, facts.qualities, bool(facts.events), facts.join_type,
                                   facts.code_of_conduct)
