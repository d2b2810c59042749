"""Build the public catalogue.db from the working database, guard it, then publish it atomically.

The new catalogue is written beside the published one and only replaces it (one os.replace)
after it passes its guards, so readers never see a half-built catalogue and a refused build
leaves the published one untouched.
"""
from __future__ import annotations

import json
import os
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import sqlite_utils

from catalogue.build_communities import fold_links
from catalogue.build_evidence import write_evidence
from catalogue.guards import BuildRefused, canaries_present, integrity, live_drop, remove_staging, site_answers
from catalogue.rollups import add_uptime, write_check_rollups

__all__ = ["BuildRefused", "BuildReport", "build_catalogue", "MAX_LIVE_DROP_SHARE"]

ACTIVITY_RANK = {"active": 0, "quiet": 1, "dormant": 2, "unknown": 3}
REACHABILITY_RANK = {"live": 0, "moved": 1, "blocked": 2, "unknown": 3, "failing": 4, "dead": 5}
MAX_LIVE_DROP_SHARE = 0.15  # refuse to publish when live listings fall by more than this


@dataclass(frozen=True)
class BuildReport:
    communities: int
    live: int
    path: Path


_COMMUNITIES_SQL = """
select c.id, coalesce(g.community_id, c.id) as community_id, c.name,
  coalesce(nullif(c.description, ''), c.page_description, '') as description,
  c.canonical_url as url, c.platform,
  coalesce(s.reachability, 'unknown') as reachability,
  coalesce(s.activity, 'unknown') as activity,
  coalesce(s.reason, 'not checked yet') as status_reason,
  coalesce(s.reachability_reason, s.reason, 'not checked yet') as reachability_reason,
  coalesce(s.activity_reason, '') as activity_reason,
  coalesce(s.lifecycle, 'unknown') as lifecycle,
  s.successor_url, s.last_activity, s.since as status_since, s.override as owner_status,
  coalesce(s.evidence, '[]') as status_evidence, s.stale,
  (select max(checked_at) from checks k where k.community_id = c.id) as last_checked,
  (select count(*) from checks k where k.community_id = c.id) as checks,
  (select group_concat(distinct o.source) from observations o where o.community_id = c.id) as sources,
  (select group_concat(distinct o.section) from observations o where o.community_id = c.id and o.section != '') as sections,
  c.language, c.first_seen, c.last_seen,
  nullif(c.page_title, '') as page_name, c.topics, c.join_type, nullif(c.join_url, '') as join_url,
  nullif(c.code_of_conduct, '') as code_of_conduct, c.feeds, c.profile_platform as page_platform,
  (select count(*) from presences p where p.community_id = c.id) as presences
from communities c left join statuses s on s.community_id = c.id
  left join community_links g on g.link_id = c.id
order by community_id, c.id
"""
# Each working table's community_id is a link's id; the public one is the link's community. {0} must name the
# outer table's column with its alias (o.community_id): bare, it would mean the subquery's own column.
_COMMUNITY_OF = "coalesce((select g.community_id from community_links g where g.link_id = {0}), {0})"


def _community_rows(working: sqlite_utils.Database, built_at: datetime):
    for row in working.query(_COMMUNITIES_SQL):
        row["activity_rank"] = ACTIVITY_RANK[row["activity"]] + 10 * REACHABILITY_RANK[row["reachability"]]
        last = datetime.fromisoformat(row["last_activity"]) if row["last_activity"] else None
        row["days_since_activity"] = max((built_at - last).days, 0) if last else None
        # The activity's own evidence comes first in the status's list: that is what dates the last activity.
        evidence = json.loads(row["status_evidence"])
        row["last_activity_evidence"] = evidence[0] if last and evidence else None
        row["stale_metrics"] = json.dumps([note for _, note in json.loads(row.pop("stale") or "[]")])
        yield row


def _write(working: sqlite_utils.Database, out: sqlite_utils.Database, built_at: datetime) -> None:
    # Types stated, not guessed from the first rows (which may all be empty in a column).
    counts = {"days_since_activity": int, "checks": int, "presences": int, "activity_rank": int}
    out["links"].insert_all(_community_rows(working, built_at), pk="id", batch_size=1000, columns=counts)
    out["communities"].insert_all(fold_links(out.query("select * from links order by community_id, id")), pk="id",
                                  batch_size=1000, columns={**counts, "links": int})
    # Created up front so that the public tables (and the canned queries on them) exist even when empty.
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
    out["topics"].create({"community_id": str, "topic": str}, pk=("community_id", "topic"), foreign_keys=references)
    # One row per community and topic: what the topic facet and "communities about X" queries need.
    out.execute("insert or ignore into topics select c.id, lower(trim(t.value)) from communities c,"
                " json_each(case when json_valid(c.topics) then c.topics else '[]' end) t"
                " where t.type = 'text' and trim(t.value) != ''")
    out["presences"].insert_all(working.query(
        f"select {_COMMUNITY_OF.format('p.community_id')} as community_id, canonical_url as url, platform, found_on,"
        " first_seen, last_seen from presences p"), batch_size=1000)
    out["events"].insert_all(working.query(
        f"select {_COMMUNITY_OF.format('e.community_id')} as community_id, starts_at, name, url, observed_at"
        " from events e"), batch_size=1000)
    out["listings"].insert_all(working.query(
        f"select {_COMMUNITY_OF.format('o.community_id')} as community_id, o.community_id as link_id, source, section,"
        " name, annotations, first_seen, last_seen from observations o"), batch_size=1000)
    out["sources"].insert_all(working.query(
        "select s.name, s.url, s.kind, s.tags, (select count(*) from observations o where o.source = s.name)"
        " as listings from sources s"), pk="name")
    out["status_history"].insert_all(working.query(
        f"select h.id, {_COMMUNITY_OF.format('h.community_id')} as community_id, h.community_id as link_id,"
        " changed_at, reachability, activity, reason, previous_reachability, previous_activity,"
        " coalesce(evidence, '[]') as evidence from status_history h"), batch_size=1000)
    merged = {row["link_id"]: row["community_id"] for row in working.query(
        "select link_id, community_id from community_links where link_id != community_id")}
    write_evidence(working, out, merged)
    write_check_rollups(working, out, built_at)
    add_uptime(out, "links", "id")
    add_uptime(out, "communities", "status_link")  # a community shows its liveliest link's uptime
    for column in ("platform", "reachability", "activity", "activity_rank", "language", "join_type", "lifecycle",
                   "days_since_activity"):
        out["communities"].create_index([column])
    out["communities"].create_index(["name"])  # status_on at 1M rows: a time-limit error without it, 21 ms with
    out["communities"].create_index(["sources"])  # the sources facet at 1M rows: ~1 s (dropped) → ~80 ms
    out["links"].create_index(["community_id"])
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
    out["communities"].enable_fts(["name", "description", "sections", "topics", "platform"], tokenize="porter")
    out["build"].insert({"built_at": built_at.isoformat(), "communities": out["communities"].count})


def build_catalogue(working: sqlite_utils.Database, published: Path, built_at: datetime,
                    max_drop: float = MAX_LIVE_DROP_SHARE, canaries: Iterable[str] = (),
                    metadata: Path | None = None) -> BuildReport:
    """Build beside the published file, guard, publish with one os.replace; raise BuildRefused (the published
    file untouched) when a guard fails. The guards, in order: integrity, the live-count drop, the canary
    listings, and — given the site's metadata — the site answering its key pages from the new file."""
    if working["communities"].count == 0:
        raise BuildRefused("the working database has no communities; run `copdir discover` first")
    published.parent.mkdir(parents=True, exist_ok=True)
    staging = published.with_name(published.name + ".building")
    remove_staging(staging)  # a killed build's file and journal
    out = sqlite_utils.Database(staging)
    try:
        with out.atomic():
            _write(working, out, built_at)
        total = out["communities"].count
        out.close()  # the guards read the finished file, read-only
        integrity(staging)
        live = live_drop(staging, published, max_drop)
        canaries_present(staging, canaries)
        if metadata is not None:
            site_answers(staging, metadata)
    except BaseException:
        out.close()
        remove_staging(staging)
        raise
    os.replace(staging, published)  # atomic on POSIX: readers see the old file or the new one
    return BuildReport(total, live, published)
