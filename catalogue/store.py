"""Writes to and reads from the working database, stage by stage.

Rows arrive as the plain dicts the spiders emit (JSON lines) or as crawler.models records;
every multi-row write is one transaction, so a killed run leaves the database as it was.
"""
from __future__ import annotations

import dataclasses
import hashlib
import json
from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime

import sqlite_utils

from catalogue.status_store import check_result, record_signal
from crawler.language import language_from_listings
from crawler.models import CheckResult, Profile, merge_profiles, parse_utc, profile_from_dict
from crawler.qualities import summarize
from crawler.urls import canonicalize, community_id, platform_of


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None


def start_run(db: sqlite_utils.Database, stage: str, now: datetime) -> int:
    return db["runs"].insert({"stage": stage, "started_at": now.isoformat(), "outcome": "running"}).last_pk


def finish_run(db: sqlite_utils.Database, run_id: int, now: datetime, outcome: str,
               counts: dict[str, int], error: str = "") -> None:
    db["runs"].update(run_id, {"ended_at": now.isoformat(), "outcome": outcome,
                               "counts": json.dumps(counts), "error": error})


def record_sources(db: sqlite_utils.Database, sources: Iterable[dict]) -> None:
    with db.atomic():
        db["sources"].upsert_all(
            ({"name": s["name"], "url": s["url"], "kind": s["kind"], "tags": json.dumps(s.get("tags", []))}
             for s in sources), pk="name")


_UPSERT_COMMUNITY = """
insert into communities (id, canonical_url, name, description, platform, first_seen, last_seen)
values (:id, :canonical_url, :name, :description, :platform, :seen, :seen)
on conflict(id) do update set last_seen = excluded.last_seen,
  platform = case when communities.platform = 'website' then excluded.platform else communities.platform end
"""
# A listing seen again keeps its first_seen; everything else is what the list says now.
_UPSERT_OBSERVATION = """
insert into observations (id, source, community_id, url, name, description, section, annotations, platform,
                          first_seen, last_seen, run_id)
values (:id, :source, :community_id, :url, :name, :description, :section, :annotations, :platform,
        :seen, :seen, :run_id)
on conflict(id) do update set url = excluded.url, name = excluded.name, description = excluded.description,
  annotations = excluded.annotations, platform = excluded.platform, last_seen = excluded.last_seen,
  run_id = excluded.run_id
"""


def ingest_observations(db: sqlite_utils.Database, rows: Iterable[dict], run_id: int, now: datetime) -> dict[str, int]:
    """Upsert observations and the communities they name. Returns counts."""
    counts = {"observations": 0, "new_communities": 0, "skipped": 0}
    seen = now.isoformat()
    with db.atomic():
        communities_before = db["communities"].count
        for row in rows:
            try:
                canonical = canonicalize(row["url"])
            except (KeyError, ValueError):
                counts["skipped"] += 1
                continue
            cid = community_id(canonical)
            fields = {"name": row.get("name", ""), "description": row.get("description", ""),
                      "platform": row.get("platform", "website"), "seen": seen}
            db.execute(_UPSERT_COMMUNITY, {**fields, "id": cid, "canonical_url": canonical,
                                           "name": fields["name"] or canonical})
            key = f"{row['source']}|{canonical}|{row.get('section', '')}"
            db.execute(_UPSERT_OBSERVATION, {
                **fields, "id": hashlib.sha256(key.encode()).hexdigest()[:16], "source": row["source"],
                "community_id": cid, "url": row["url"], "section": row.get("section", ""),
                "annotations": json.dumps(row.get("annotations", [])), "run_id": run_id})
            counts["observations"] += 1
        counts["new_communities"] = db["communities"].count - communities_before
    return counts


def communities_to_visit(db: sqlite_utils.Database) -> list[dict]:
    """Every community with its canonical URL and platform, for profiling and checks."""
    return list(db.query("select id, canonical_url as url, platform from communities order by id"))


def _profiles_by_community(rows: Iterable[dict]) -> dict[str, list[Profile]]:
    """Each community's profiles, platform answers before its page: an API says what a page only suggests."""
    grouped: dict[str, list[tuple[int, str, Profile]]] = defaultdict(list)
    for row in rows:
        rank = 1 if row.get("origin", "page") == "page" else 0
        grouped[row["community_id"]].append((rank, row["url"], profile_from_dict(row)))
    return {cid: [profile for *_, profile in sorted(found, key=lambda f: f[:2])] for cid, found in grouped.items()}


_UPSERT_PRESENCE = """
insert into presences (community_id, canonical_url, url, platform, found_on, first_seen, last_seen)
values (:community_id, :canonical_url, :url, :platform, :found_on, :seen, :seen)
on conflict(community_id, canonical_url) do update set last_seen = excluded.last_seen, found_on = excluded.found_on
"""


def _language_from_listings(db: sqlite_utils.Database, cid: str) -> str:
    listed = list(db.query("select o.description, s.tags from observations o join sources s on s.name = o.source"
                           " where o.community_id = ? order by o.source", [cid]))
    return language_from_listings((row["description"] for row in listed),
                                  (json.loads(row["tags"] or "[]") for row in listed))


def ingest_profiles(db: sqlite_utils.Database, rows: Iterable[dict]) -> dict[str, int]:
    """Store what profiling learned: the merged profile per community, its presences, events and signals."""
    counts = {"profiles": 0, "signals": 0, "presences": 0, "events": 0}
    with db.atomic():
        for cid, profiles in _profiles_by_community(rows).items():
            merged = merge_profiles(profiles)
            if not merged.language:
                merged = dataclasses.replace(merged, language=_language_from_listings(db, cid))
            seen = merged.observed_at.isoformat()
            db["communities"].update(cid, {
                "page_title": merged.name, "page_description": merged.description, "language": merged.language,
                "profiled_at": seen, "topics": json.dumps(list(merged.topics)), "join_url": merged.join_url,
                "join_type": merged.join_type.value, "feeds": json.dumps(list(merged.feeds)),
                "code_of_conduct": merged.code_of_conduct, "place": merged.place or None,
                "profile_platform": merged.platform.value if merged.platform else None})
            counts["profiles"] += 1
            own = db["communities"].get(cid)["canonical_url"]
            for url in merged.presences:
                try:
                    canonical = canonicalize(url)
                except ValueError:
                    continue
                if canonical == own:
                    continue
                db.execute(_UPSERT_PRESENCE, {"community_id": cid, "canonical_url": canonical, "url": url,
                                              "platform": platform_of(canonical).value, "found_on": merged.url,
                                              "seen": seen})
                counts["presences"] += 1
            for event in merged.events:
                db["events"].upsert({"community_id": cid, "starts_at": event.starts_at.isoformat(),
                                     "name": event.name, "url": event.url, "observed_at": seen},
                                    pk=("community_id", "starts_at", "name"))
                counts["events"] += 1
            for signal in merged.signals:
                record_signal(db, cid, signal)
                counts["signals"] += 1
            _store_qualities(db, cid, merged, profiles)
    return counts


def _store_qualities(db: sqlite_utils.Database, cid: str, merged: Profile, profiles: list[Profile]) -> None:
    """The link's CoP qualities: what its profiles found, and the rhythm of every event stored for it so far
    (events accumulate across profile runs, so a weekly meetup that shows one date at a time still adds up)."""
    dates = [moment for row in db.query("select starts_at from events where community_id = ?", [cid])
             if (moment := parse_utc(row["starts_at"]))]
    join_source = next((profile.url for profile in profiles if profile.join_type is merged.join_type), merged.url)
    columns = summarize(merged.qualities, dates, merged.join_type, join_source)
    conduct_url = columns.pop("conduct_url")
    if conduct_url and not merged.code_of_conduct:  # a platform's rules (Mastodon's) where the page links none
        columns["code_of_conduct"] = conduct_url
    db["communities"].update(cid, columns)


def _check_row(cid: str, r: CheckResult, run_id: int) -> dict:
    return {
        "community_id": cid, "url": r.url, "checked_at": r.checked_at.isoformat(), "outcome": r.outcome.value,
        "http_status": r.http_status, "final_url": r.final_url, "redirects": json.dumps(list(r.redirects)),
        "detail": r.detail, "last_modified": _iso(r.last_modified), "retry_after": r.retry_after,
        "elapsed_ms": r.elapsed_ms, "run_id": run_id, "counted": 1, "attempts": r.attempts,
    }


def _schedule_row(schedule) -> dict:
    return {"community_id": schedule.community_id, "url": schedule.url, "due_at": schedule.due_at.isoformat(),
            "failures": schedule.failures, "last_outcome": schedule.last_outcome,
            "last_checked_at": schedule.last_checked_at.isoformat()}


def record_check_batch(db: sqlite_utils.Database, results: Iterable[tuple[str, CheckResult]], schedules: Iterable,
                       run_id: int) -> int:
    """One batch of checks and the schedules they lead to, in one transaction: a killed run loses
    at most the batch in flight, and what was recorded is never checked again by a resumed run."""
    rows = [_check_row(cid, result, run_id) for cid, result in results]
    with db.atomic():
        db["checks"].insert_all(rows, batch_size=1000)
        db["check_schedule"].upsert_all((_schedule_row(s) for s in schedules), pk="community_id")
    return len(rows)


def record_checks(db: sqlite_utils.Database, results: Iterable[tuple[str, CheckResult]], run_id: int) -> int:
    """Checks without schedules (tests, imports); see record_check_batch for a run's writes."""
    return record_check_batch(db, results, (), run_id)


def schedule_failures(db: sqlite_utils.Database, community_ids: Iterable[str]) -> dict[str, int]:
    """Consecutive failures so far of each community that has a schedule."""
    ids = list(community_ids)
    found: dict[str, int] = {}
    for chunk in range(0, len(ids), 500):  # SQLite caps bound parameters
        part = ids[chunk:chunk + 500]
        marks = ",".join("?" * len(part))
        found.update((row["community_id"], row["failures"]) for row in db.query(
            f"select community_id, failures from check_schedule where community_id in ({marks})", part))
    return found


def check_targets(db: sqlite_utils.Database, now: datetime, due_only: bool, limit: int | None = None,
                  skip_run: int | None = None) -> list[dict]:
    """Communities to check: all, or those due by now (never-checked first, then the longest overdue).

    skip_run leaves out what an interrupted run already checked, so a rerun carries on.
    """
    sql = ["select c.id, c.canonical_url as url from communities c",
           "left join check_schedule s on s.community_id = c.id where 1"]
    params: list = []
    if due_only:
        sql.append("and (s.due_at is null or s.due_at <= ?)")
        params.append(now.isoformat())
    if skip_run is not None:
        sql.append("and not exists (select 1 from checks k where k.community_id = c.id and k.run_id = ?)")
        params.append(skip_run)
    sql.append("order by s.due_at is not null, s.due_at, c.id")
    if limit is not None:
        sql.append("limit ?")
        params.append(limit)
    return list(db.query(" ".join(sql), params))


def interrupted_run(db: sqlite_utils.Database, stage: str) -> int | None:
    """The latest run of stage still marked running: the caller holds the stage's lock, so it died."""
    row = next(db.query("select id from runs where stage = ? and outcome = 'running' order by id desc limit 1",
                        [stage]), None)
    return row["id"] if row else None


def count_run_checks(db: sqlite_utils.Database, run_id: int) -> dict[str, int]:
    return {row["outcome"]: row["n"] for row in db.query(
        "select outcome, count(*) as n from checks where run_id = ? group by outcome", [run_id])}


def discount_failures(db: sqlite_utils.Database, run_id: int, failures: Iterable[str]) -> list[str]:
    """A degraded run: its failures stop counting. Returns the communities whose schedule must be replayed."""
    outcomes = list(failures)
    marks = ",".join("?" * len(outcomes))
    with db.atomic():
        ids = [row["community_id"] for row in db.query(
            f"select distinct community_id from checks where run_id = ? and outcome in ({marks})", [run_id, *outcomes])]
        db.execute(f"update checks set counted = 0 where run_id = ? and outcome in ({marks})", [run_id, *outcomes])
    return ids


def counted_checks(db: sqlite_utils.Database, community_id: str) -> list[CheckResult]:
    """A community's counted checks, oldest first."""
    return [check_result(row) for row in db.query(
        "select * from checks where community_id = ? and counted = 1 order by checked_at, id", [community_id])]


def replace_schedules(db: sqlite_utils.Database, schedules: Iterable, unscheduled: Iterable[str] = ()) -> None:
    with db.atomic():
        db["check_schedule"].upsert_all((_schedule_row(s) for s in schedules), pk="community_id")
        for cid in unscheduled:  # no counted check left: due at once
            db["check_schedule"].delete_where("community_id = ?", [cid])
