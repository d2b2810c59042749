"""Each stage as one function: the one place where the crawler side and the catalogue meet.

Spiders run as child processes (Twisted's reactor cannot restart in-process) and write JSON
lines; the catalogue ingests those files in one transaction once the child has finished, so a
killed crawl changes nothing.
"""
from __future__ import annotations

import asyncio
import contextlib
import fcntl
import json
import os
import subprocess
import sys
import tempfile
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from pathlib import Path

import sqlite_utils

from catalogue import merge_store, moderation, status_store, store, submissions
from catalogue.dedupe import find_candidates
from catalogue.build import BuildReport, build_catalogue
from catalogue.guards import load_canaries
from crawler import event_loop, recheck
from crawler.check import Checker, OurNetworkIsDown
from crawler.check_config import load_check_settings
from crawler.cli.classify import classify
from crawler.models import CheckOutcome, CheckResult
from crawler.netconfig import network_from_env
from crawler.politeness import CheckSettings
from crawler.score import score
from crawler.status.thresholds import Thresholds, load_thresholds
from crawler.practice.taxonomy import TaxonomyError
from crawler.sources import load_sources

SPIDER_TIME_LIMIT_S = 3600


class StageFailed(Exception):
    """A stage could not finish; the message says why and what to do."""


def _read_jsonl(path: Path) -> list[dict]:
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def run_spider(name: str, out: Path, **arguments: str) -> list[dict]:
    """Run one spider in a child process and return its items."""
    command = [sys.executable, "-m", "spiders.run", name, str(out), *(f"{k}={v}" for k, v in arguments.items())]
    try:
        completed = subprocess.run(command, env=os.environ.copy(), timeout=SPIDER_TIME_LIMIT_S,
                                   capture_output=True, text=True)
    except subprocess.TimeoutExpired as exc:
        raise StageFailed(f"spider {name} ran past {SPIDER_TIME_LIMIT_S} s and was stopped") from exc
    if completed.returncode != 0:
        tail = "\n".join(completed.stderr.splitlines()[-15:])
        raise StageFailed(f"spider {name} failed (exit {completed.returncode}):\n{tail}")
    return _read_jsonl(out)


def discover(db: sqlite_utils.Database, sources_path: Path, now: datetime,
             submissions_path: Path | None = None) -> dict[str, int]:
    """Read every list in sources.yml, then the approved submissions (source copdir-submissions), from the
    private store at submissions_path (default: $COPDIR_SUBMISSIONS_DB or data/submissions.db)."""
    sources = load_sources(sources_path)
    store.record_sources(db, sources)
    run_id = store.start_run(db, "discover", now)
    with tempfile.TemporaryDirectory() as tmp:
        items = run_spider("directory", Path(tmp) / "observations.jsonl", sources=str(sources_path))
    submissions_path = submissions_path or submissions.store_path()
    approved = moderation.approved_observations(submissions_path)
    if approved:
        store.record_sources(db, [moderation.SOURCE])
    counts = store.ingest_observations(db, [*items, *approved], run_id, now)
    counts["merged_submissions"] = merge_store.link_merged_submissions(db, approved, now)
    counts["sources"] = len({item["source"] for item in [*items, *approved]})
    counts["submissions"] = len(approved)
    # Marked only once ingested: a run that fails before this takes them again next time.
    moderation.mark_listed(submissions_path, [row["submission_id"] for row in approved], now)
    store.finish_run(db, run_id, now, "ok", counts)
    return counts


def profile(db: sqlite_utils.Database, now: datetime) -> dict[str, int]:
    run_id = store.start_run(db, "profile", now)
    targets = store.communities_to_visit(db)
    with tempfile.TemporaryDirectory() as tmp:
        targets_file = Path(tmp) / "targets.json"
        targets_file.write_text(json.dumps(targets))
        items = run_spider("profile", Path(tmp) / "profiles.jsonl", targets=str(targets_file), now=now.isoformat())
    counts = store.ingest_profiles(db, items)
    counts["visited"] = len(targets)
    store.finish_run(db, run_id, now, "ok", counts)
    return counts


DUE_SLACK = timedelta(minutes=15)  # a run also takes what falls due shortly: a cron that starts late misses nothing
CHECK_BATCH = 200  # results per transaction: what a kill -9 can lose at most
CHECK_FLUSH_S = 2.0  # … and a slow run writes at least this often


@contextlib.contextmanager
def stage_lock(db: sqlite_utils.Database, stage: str) -> Iterator[None]:
    """One run of a stage at a time per working DB; a run holding the lock is alive, so one
    still marked running without it was killed and can be resumed."""
    path = db.execute("pragma database_list").fetchone()[2]
    if not path:  # an in-memory database: one process, nothing to guard
        yield
        return
    with open(f"{path}.{stage}.lock", "a+") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as exc:
            raise StageFailed(f"another {stage} run is using {path}; wait for it to finish") from exc
        yield


async def _check_run(db: sqlite_utils.Database, targets: list[dict], now: datetime, settings: CheckSettings,
                     run_id: int, progress: Callable[[int], None]) -> None:
    resolver, policy = network_from_env()
    community_of = {target["url"]: target["id"] for target in targets}
    failures = store.schedule_failures(db, community_of.values())
    batch: list[tuple[str, CheckResult]] = []

    def flush() -> None:
        schedules = [recheck.next_schedule(cid, result, failures.get(cid, 0)) for cid, result in batch]
        store.record_check_batch(db, batch, schedules, run_id)
        batch.clear()

    async def flush_now_and_then() -> None:  # so results wait at most CHECK_FLUSH_S, even when few arrive
        while True:
            await asyncio.sleep(CHECK_FLUSH_S)
            if batch:
                flush()

    ticker = asyncio.create_task(flush_now_and_then())
    async with Checker(resolver, policy, settings) as checker:
        try:
            known_failing = frozenset(url for url, cid in community_of.items() if failures.get(cid, 0))
            async for result in checker.check_many(community_of, now, known_failing):
                batch.append((community_of[result.url], result))
                progress(1)
                if len(batch) >= CHECK_BATCH:
                    flush()
        finally:
            ticker.cancel()
            if batch:
                flush()


def _discount_degraded_run(db: sqlite_utils.Database, run_id: int) -> int:
    """Our network was down: the run's failures change no status and no schedule."""
    failure_outcomes = [outcome.value for outcome in CheckOutcome if recheck.is_failure(outcome)]
    affected = store.discount_failures(db, run_id, failure_outcomes)
    schedules = {cid: recheck.replay(cid, store.counted_checks(db, cid)) for cid in affected}
    store.replace_schedules(db, [s for s in schedules.values() if s], [cid for cid, s in schedules.items() if not s])
    return len(affected)


def check(db: sqlite_utils.Database, now: datetime, *, due_only: bool = True, limit: int | None = None,
          settings: CheckSettings | None = None, progress: Callable[[int], None] = lambda done: None,
          on_targets: Callable[[int], None] = lambda total: None) -> dict:
    """Check what is due (or everything), streaming results into the working DB in batches.

    A run killed midway is resumed by the next one, which skips what it already recorded.
    Returns counts by outcome plus "checked", "run_id", "outcome" (ok or degraded) and "error".
    """
    settings = settings or load_check_settings()
    with stage_lock(db, "check"):
        resumed = store.interrupted_run(db, "check")
        run_id = resumed or store.start_run(db, "check", now)
        targets = store.check_targets(db, now + DUE_SLACK, due_only, limit, skip_run=resumed)
        on_targets(len(targets))
        outcome, error = "ok", ""
        try:
            event_loop.run(_check_run(db, targets, now, settings, run_id, progress))
        except OurNetworkIsDown as exc:
            outcome, error = "degraded", str(exc)
            _discount_degraded_run(db, run_id)
        except BaseException as exc:
            store.finish_run(db, run_id, now, "failed", store.count_run_checks(db, run_id), repr(exc)[:500])
            raise
        counts: dict = store.count_run_checks(db, run_id)
        counts["checked"] = sum(counts.values())
        store.finish_run(db, run_id, now, outcome, counts, error)
    return {**counts, "run_id": run_id, "outcome": outcome, "error": error, "resumed": bool(resumed)}


def _our_network_was_down(db: sqlite_utils.Database) -> str:
    """The error of the latest check run when it found our own network down, else ''."""
    row = next(db.query("select outcome, error from runs where stage = 'check' order by id desc limit 1"), None)
    return row["error"] if row and row["outcome"] == "degraded" else ""


def score_all(db: sqlite_utils.Database, now: datetime, thresholds: Thresholds | None = None) -> dict[str, int]:
    """Score every community from its history; after a check run that found our own network down, change
    nothing (the statuses stay as they were until a sound run)."""
    thresholds = thresholds or load_thresholds()
    run_id = store.start_run(db, "score", now)
    if outage := _our_network_was_down(db):
        counts = {"scored": 0, "changed": 0, "frozen": 1}
        store.finish_run(db, run_id, now, "skipped", counts, f"statuses kept: the last check run was degraded ({outage})")
        return counts
    tally: Counter[str] = Counter()

    def scored():
        for found in status_store.scoring_inputs(db, now, thresholds.history_window_days,
                                                 thresholds.history_max_checks):
            status = score(found.checks, found.signals, now, thresholds, platform=found.platform,
                           listed=found.listed, overrides=found.overrides, history=found.history)
            tally[status.reachability.value] += 1
            yield found.community_id, status

    counts = status_store.record_statuses(db, scored(), now)
    counts.update(tally)
    store.finish_run(db, run_id, now, "ok", counts)
    return counts


def dedupe(db: sqlite_utils.Database, now: datetime) -> dict[str, int]:
    """Find which links are one community (merges, near misses) and regroup them, honouring decisions."""
    run_id = store.start_run(db, "dedupe", now)
    counts = merge_store.record(db, find_candidates(merge_store.entries(db)), now)
    store.finish_run(db, run_id, now, "ok", counts)
    return counts


CANARIES = Path("data/canaries.yml")  # listings every catalogue must have (catalogue/guards.py)


def build(db: sqlite_utils.Database, catalogue_path: Path, now: datetime, max_drop: float,
          canaries: Path | None = None, metadata: Path | None = None) -> BuildReport:
    """Classify what is due, dedupe, then build, guard and publish. canaries: a canary-listings file; metadata: the
    site's, to check that the new catalogue answers its key pages (both guards are skipped when not given)."""
    try:
        classify(db, now)  # what each link practises and whether it is a community: only the links that are due
    except TaxonomyError as exc:
        raise StageFailed(f"{exc}; the build needs a valid taxonomy") from exc
    dedupe(db, now)  # the catalogue's communities are the groups as of now
    run_id = store.start_run(db, "build", now)
    try:
        canary_urls = load_canaries(canaries) if canaries else ()
        report = build_catalogue(db, catalogue_path, now, max_drop, canary_urls, metadata)
    except Exception as exc:
        store.finish_run(db, run_id, now, "refused", {}, str(exc))
        raise
    store.finish_run(db, run_id, now, "ok", {"communities": report.communities, "live": report.live})
    return report
