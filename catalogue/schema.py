"""The working database's schema, as an ordered list of migrations.

`data/copdir.db` is the system of record. Each migration runs once, in order, inside a
transaction, and is recorded in `_migrations`; a new column or table is a new function at the
end of MIGRATIONS, never an edit of an old one.
"""
from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timezone
from pathlib import Path

import sqlite_utils


def _initial(db: sqlite_utils.Database) -> None:
    db["sources"].create({"name": str, "url": str, "kind": str, "tags": str}, pk="name")
    db["runs"].create({"id": int, "stage": str, "started_at": str, "ended_at": str, "outcome": str,
                       "counts": str, "error": str}, pk="id")
    db["communities"].create({
        "id": str, "canonical_url": str, "name": str, "description": str, "platform": str,
        "first_seen": str, "last_seen": str,
        "page_title": str, "page_description": str, "language": str, "profiled_at": str,
    }, pk="id")
    db["observations"].create({
        "id": str, "source": str, "community_id": str, "url": str, "name": str, "description": str,
        "section": str, "annotations": str, "platform": str, "first_seen": str, "last_seen": str,
        "run_id": int,
    }, pk="id", foreign_keys=[("community_id", "communities", "id"), ("source", "sources", "name")])
    # Append-only: one row per check. Scoring reads the history, never rewrites it.
    db["checks"].create({
        "id": int, "community_id": str, "url": str, "checked_at": str, "outcome": str,
        "http_status": int, "final_url": str, "redirects": str, "detail": str,
        "last_modified": str, "retry_after": float, "elapsed_ms": int, "run_id": int,
    }, pk="id", foreign_keys=[("community_id", "communities", "id")])
    db["signals"].create({"id": int, "community_id": str, "kind": str, "value": str,
                          "observed_at": str, "source_url": str}, pk="id",
                         foreign_keys=[("community_id", "communities", "id")])
    db["statuses"].create({
        "community_id": str, "reachability": str, "activity": str, "reason": str,
        "successor_url": str, "last_activity": str, "scored_at": str, "since": str,
    }, pk="community_id", foreign_keys=[("community_id", "communities", "id")])
    db["status_history"].create({"id": int, "community_id": str, "changed_at": str,
                                 "reachability": str, "activity": str, "reason": str}, pk="id")
    db["checks"].create_index(["community_id", "checked_at"])
    db["signals"].create_index(["community_id", "observed_at"])
    db["observations"].create_index(["community_id"])
    db["status_history"].create_index(["community_id", "changed_at"])


def _profiles(db: sqlite_utils.Database) -> None:
    """What profiling learns beyond title and description (issue 3): join, topics, presences, events."""
    for column in ("topics", "join_url", "join_type", "feeds", "code_of_conduct", "profile_platform"):
        db["communities"].add_column(column, str)
    # Links from a community's own pages to its other presences; issue 6 turns them into merges.
    db["presences"].create({"community_id": str, "canonical_url": str, "url": str, "platform": str,
                            "found_on": str, "first_seen": str, "last_seen": str},
                           pk=("community_id", "canonical_url"),
                           foreign_keys=[("community_id", "communities", "id")])
    db["presences"].create_index(["canonical_url"])
    db["events"].create({"community_id": str, "starts_at": str, "name": str, "url": str, "observed_at": str},
                        pk=("community_id", "starts_at", "name"),
                        foreign_keys=[("community_id", "communities", "id")])


def _checker(db: sqlite_utils.Database) -> None:
    """The checker's schedule and bookkeeping (issue 4).

    check_schedule: when each community's link is next due, and its failures in a row.
    checks.counted: 0 for the failures of a run that found our own network down; scoring skips them.
    checks.attempts: requests made for the answer, retries included.
    """
    db["check_schedule"].create({"community_id": str, "url": str, "due_at": str, "failures": int,
                                 "last_outcome": str, "last_checked_at": str}, pk="community_id",
                                foreign_keys=[("community_id", "communities", "id")])
    db["check_schedule"].create_index(["due_at"])
    db["checks"].add_column("counted", int, not_null_default=1)
    db["checks"].add_column("attempts", int)
    db["checks"].create_index(["run_id"])


def _status(db: sqlite_utils.Database) -> None:
    """Status you can trust (issue 5): both reasons, the evidence behind them, lifecycle, owner overrides.

    signals.last_observed_at / times_seen: a reading equal to the one before extends it instead of adding a
    row, so the metric history stays compact and a frozen counter shows as one row seen many times.
    statuses / status_history.evidence: JSON lists of refs ("checks:42", "signals:17") to the rows behind them.
    owner_overrides: a verified owner's hiatus, move or closure (verification comes with submissions).
    """
    db["signals"].add_column("last_observed_at", str)
    db["signals"].add_column("times_seen", int, not_null_default=1)
    db["signals"].create_index(["community_id", "kind", "source_url", "observed_at"])
    for column in ("reachability_reason", "activity_reason", "evidence", "lifecycle", "stale", "override"):
        db["statuses"].add_column(column, str)
    for column in ("previous_reachability", "previous_activity", "evidence"):
        db["status_history"].add_column(column, str)
    db["owner_overrides"].create({
        "id": int, "community_id": str, "kind": str, "until": str, "url": str, "note": str,
        "set_at": str, "verified_at": str, "verified_by": str, "revoked_at": str,
    }, pk="id", foreign_keys=[("community_id", "communities", "id")])
    db["owner_overrides"].create_index(["community_id"])


def _identity(db: sqlite_utils.Database) -> None:
    """One community, several links (issue 6).

    merge_candidates: what dedupe found on its last run — merges and near misses, with score and evidence;
    rebuilt each run. merge_decisions: a maintainer's accept or reject of a pair of link ids; never rebuilt,
    so decisions survive. community_links: each link's community (the id of its group's oldest link).
    """
    db["merge_candidates"].create({"left_id": str, "right_id": str, "score": float, "verdict": str, "rule": str,
                                   "evidence": str, "found_at": str}, pk=("left_id", "right_id"))
    db["merge_decisions"].create({"left_id": str, "right_id": str, "decision": str, "decided_by": str,
                                  "decided_at": str, "note": str}, pk=("left_id", "right_id"))
    db["community_links"].create({"link_id": str, "community_id": str}, pk="link_id")
    db["community_links"].create_index(["community_id"])


def _qualities(db: sqlite_utils.Database) -> None:
    """Community-of-practice qualities (issue 10), folded at profile time from the findings of a link's page and
    platform answers and the dates of its stored events (crawler/qualities.py documents each column)."""
    for column in ("event_cadence", "knowledge_base", "membership", "cost", "price", "qualities_evidence"):
        db["communities"].add_column(column, str)
    for column in ("moderators_visible", "mentoring"):
        db["communities"].add_column(column, int)


def _practice(db: sqlite_utils.Database) -> None:
    """What each link practises and what it is (issue 10), written by `copdir classify`.

    practice_domains: the taxonomy (data/practice_domains.yml) as of the last classify run.
    link_domains: each link's practice domains with a confidence (0–1) and evidence (a JSON list of phrases).
    link_kinds: each link's kind (community, organisation, event, resource, other) and why, its domains best first
    (JSON), and the taxonomy fingerprint and time it was classified with — a link is classified again when either
    is out of date.
    """
    db["practice_domains"].create({"id": str, "name": str, "group_id": str, "group_name": str, "synonyms": str,
                                   "position": int}, pk="id")
    db["link_domains"].create({"link_id": str, "domain": str, "confidence": float, "evidence": str},
                              pk=("link_id", "domain"), foreign_keys=[("link_id", "communities", "id")])
    db["link_kinds"].create({"link_id": str, "kind": str, "reason": str, "domains": str, "taxonomy": str,
                             "classified_at": str}, pk="link_id", foreign_keys=[("link_id", "communities", "id")])


def _regions(db: sqlite_utils.Database) -> None:
    """Where each link is (issue 7), from the evidence crawler/place/locate.py reads.

    communities.place: where its own page or platform says it is — a Meetup group's address, schema.org
    address/location, geo.region / geo.placename / og:locality meta ("US-AL", "Birmingham, Alabama, US").
    link_kinds.region / locality / region_reason: what `copdir classify` made of that and of the link's list
    sections: the country (or wider area), the state, province or city, and the evidence. NULL: nothing places it.
    """
    db["communities"].add_column("place", str)
    for column in ("region", "locality", "region_reason"):
        db["link_kinds"].add_column(column, str)


def _check_days_index(db: sqlite_utils.Database) -> None:
    """The catalogue build's daily roll-up of checks (catalogue/rollups.py) read in its group's order.

    It groups the counted checks by link and UTC day: with this index it reads them in that order from the index
    alone, instead of a table lookup per check and a temporary table to group them (at 1M links, 2M checks).
    """
    db.execute("create index if not exists idx_checks_counted_day on checks"
               " (community_id, date(checked_at), checked_at, outcome, counted) where counted = 1")


MIGRATIONS: list[Callable[[sqlite_utils.Database], None]] = [_initial, _profiles, _checker, _status, _identity,
                                                             _qualities, _practice, _regions, _check_days_index]


def migrate(db: sqlite_utils.Database) -> int:
    """Apply the migrations not yet applied; return how many ran."""
    db["_migrations"].create({"version": int, "name": str, "applied_at": str}, pk="version", if_not_exists=True)
    done = {row["version"] for row in db["_migrations"].rows}
    applied = 0
    for version, migration in enumerate(MIGRATIONS, start=1):
        if version in done:
            continue
        with db.atomic():  # one transaction per migration: all of it or none
            migration(db)
            db["_migrations"].insert({"version": version, "name": migration.__name__,
                                      "applied_at": datetime.now(timezone.utc).isoformat()})
        applied += 1
    return applied


def open_working_db(path: Path) -> sqlite_utils.Database:
    """Open (creating if needed) the working database, in WAL mode, fully migrated."""
    path.parent.mkdir(parents=True, exist_ok=True)
    db = sqlite_utils.Database(path)
    db.enable_wal()
    db.execute("PRAGMA foreign_keys = ON")
    migrate(db)
    return db
