"""Build the public catalogue.db from the working database, guard it, then publish it atomically.

The new catalogue is written beside the published one and only replaces it (one os.replace)
after it passes its guards, so readers never see a half-built catalogue and a refused build
leaves the published one untouched.
"""
from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import sqlite_utils

from catalogue.attach import attach_working
from catalogue.build_communities import write_communities
from catalogue.build_evidence import write_evidence
from catalogue.build_links import COMMUNITY_OF, JOIN_COMMUNITY, write_links
from catalogue.build_practice import write_practice
from catalogue.guards import BuildRefused, check_all, remove_staging
from catalogue.rollups import write_check_rollups

__all__ = ["BuildRefused", "BuildReport", "build_catalogue", "MAX_LIVE_DROP_SHARE"]

MAX_LIVE_DROP_SHARE = 0.15  # refuse to publish when live listings fall by more than this
# The staged file needs no journal: until os.replace publishes it, nobody reads it, and a build that dies
# midway is deleted and started again. It is synced to disk once, whole, before it is published.
_BUILD_PRAGMAS = ("journal_mode = off", "synchronous = off", "cache_size = -262144", "temp_store = file")


@dataclass(frozen=True)
class BuildReport:
    communities: int
    live: int
    path: Path


def _copy_tables(out: sqlite_utils.Database) -> None:
    """Listings, presences, events, sources and status history, each one INSERT … SELECT from the working DB,
    with each link's community (the working tables name links; the public ones name communities and links)."""
    references = [("community_id", "communities", "id")]
    out["listings"].create({"community_id": str, "link_id": str, "source": str, "section": str, "name": str,
                            "annotations": str, "first_seen": str, "last_seen": str}, foreign_keys=references)
    out["status_history"].create({"id": int, "community_id": str, "link_id": str, "changed_at": str,
                                  "reachability": str, "activity": str, "reason": str, "previous_reachability": str,
                                  "previous_activity": str, "evidence": str}, pk="id", foreign_keys=references)
    out["presences"].create({"community_id": str, "url": str, "platform": str, "found_on": str,
                             "first_seen": str, "last_seen": str}, foreign_keys=references)
    out["events"].create({"community_id": str, "starts_at": str, "name": str, "url": str, "observed_at": str},
                         foreign_keys=references)
    out["sources"].create({"name": str, "url": str, "kind": str, "tags": str, "listings": int}, pk="name")
    out.execute(f"insert into presences select {COMMUNITY_OF.format('x.community_id')}, x.canonical_url, x.platform,"
                f" x.found_on, x.first_seen, x.last_seen from working.presences x {JOIN_COMMUNITY.format('x.community_id')}")
    out.execute(f"insert into events select {COMMUNITY_OF.format('x.community_id')}, x.starts_at, x.name, x.url,"
                f" x.observed_at from working.events x {JOIN_COMMUNITY.format('x.community_id')}")
    out.execute(f"insert into listings select {COMMUNITY_OF.format('x.community_id')}, x.community_id, x.source,"
                f" x.section, x.name, x.annotations, x.first_seen, x.last_seen"
                f" from working.observations x {JOIN_COMMUNITY.format('x.community_id')}")
    out.execute("insert into sources select s.name, s.url, s.kind, s.tags, coalesce(n.listings, 0)"
                " from working.sources s left join (select source, count(*) as listings from working.observations"
                " group by source) n on n.source = s.name")
    out.execute(f"insert into status_history select x.id, {COMMUNITY_OF.format('x.community_id')}, x.community_id,"
                " x.changed_at, x.reachability, x.activity, x.reason, x.previous_reachability, x.previous_activity,"
                f" coalesce(x.evidence, '[]') from working.status_history x {JOIN_COMMUNITY.format('x.community_id')}")


def _write(out: sqlite_utils.Database, built_at: datetime) -> None:
    write_check_rollups(out, built_at)  # first: each link carries its uptime, a community its liveliest link's
    write_links(out, built_at)
    out["links"].create_index(["community_id"])  # folding reads links community by community
    write_communities(out)
    write_practice(out)
    out["topics"].create({"community_id": str, "topic": str}, pk=("community_id", "topic"),
                         foreign_keys=[("community_id", "communities", "id")])
    # One row per community and topic: what the topic facet and "communities about X" queries need.
    out.execute("insert or ignore into topics select c.id, lower(trim(t.value)) from communities c,"
                " json_each(case when json_valid(c.topics) then c.topics else '[]' end) t"
                " where t.type = 'text' and trim(t.value) != ''"
                " order by c.id")  # in key order, as the primary key's index wants them: half the time at 1M
    _copy_tables(out)
    write_evidence(out)
    for column in ("reachability", "activity_rank", "language", "join_type", "lifecycle", "days_since_activity",
                   "cost", "membership", "event_cadence",  # the search's filters seek their first and last rowid
                   "kind"):  # kind: where the communities end and the rest begin, one index seek (search.py)
        out["communities"].create_index([column])
    # The activity facet, and the feed of new active communities without sorting them (at 1M: 3 ms, not 357 ms).
    out["communities"].create_index(["activity", "reachability", "first_seen"])
    # The platform facet, and survival by platform without reading the rows (at 1M: 0.5 s, not 1.9 s).
    out["communities"].create_index(["platform", "reachability", "activity", "first_seen"])
    out["communities"].create_index(["name"])  # status_on at 1M rows: a time-limit error without it, 21 ms with
    out["communities"].create_index(["sources"])  # the sources facet at 1M rows: ~1 s (dropped) → ~80 ms
    out["links"].create_index(["url"])
    out["listings"].create_index(["community_id"])
    out["presences"].create_index(["community_id"])
    out["presences"].create_index(["url"])
    out["events"].create_index(["community_id", "starts_at"])
    out["topics"].create_index(["topic"])
    out["status_history"].create_index(["community_id", "changed_at"])
    # Views researchers start from: what is alive now, and each link beside its community.
    out.create_view("active_communities", "select id, name, url, platforms, activity, days_since_activity, lifecycle,"
                    " activity_reason, sources from communities where reachability = 'live' and activity = 'active'"
                    " order by days_since_activity")
    out.create_view("community_links", "select c.id as community_id, c.name as community, l.id as link_id, l.url,"
                    " l.platform, l.reachability, l.activity, l.status_reason from links l"
                    " join communities c on c.id = l.community_id")
    # FTS after the bulk load: far cheaper than triggers during it.
    # `domains` too: a search names a domain with a column filter (domains : "public health"); catalogue/search.py
    out["communities"].enable_fts(["name", "description", "sections", "topics", "platform", "domains"],
                                  tokenize="porter")
    out["build"].insert({"built_at": built_at.isoformat(), "communities": out["communities"].count})


def _sync(path: Path) -> None:
    """Force a file (or a directory's entries) to disk: the staged file is written without syncs, and must be
    whole on disk before it is published."""
    descriptor = os.open(path, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def build_catalogue(working: sqlite_utils.Database, published: Path, built_at: datetime,
                    max_drop: float = MAX_LIVE_DROP_SHARE, canaries: Iterable[str] = (),
                    metadata: Path | None = None) -> BuildReport:
    """Build beside the published file, guard, publish with one os.replace; raise BuildRefused (the published
    file untouched) when a guard fails. The guards (guards.check_all, run at once; the first refusal in this
    order is raised): integrity, the live-count drop, the canary listings, and — given the site's metadata —
    the site answering its key pages from the new file."""
    if working["communities"].count == 0:
        raise BuildRefused("the working database has no communities; run `copdir discover` first")
    published.parent.mkdir(parents=True, exist_ok=True)
    staging = published.with_name(published.name + ".building")
    remove_staging(staging)  # a killed build's file and journal
    out = sqlite_utils.Database(staging)
    try:
        for pragma in _BUILD_PRAGMAS:
            out.execute(f"pragma {pragma}")
        attach_working(out, working)
        with out.atomic():  # one read transaction on the working DB: every table from the same moment
            _write(out, built_at)
        total = out["communities"].count
        out.close()  # the guards read the finished file, read-only
        _sync(staging)
        live = check_all(staging, published, max_drop, canaries, metadata)
    except BaseException:
        out.close()
        remove_staging(staging)
        raise
    os.replace(staging, published)  # atomic on POSIX: readers see the old file or the new one
    _sync(published.parent)  # and the rename itself survives a crash
    return BuildReport(total, live, published)
