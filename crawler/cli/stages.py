"""Each stage as one function: the one place where the crawler side and the catalogue meet.

Spiders run as child processes (Twisted's reactor cannot restart in-process) and write JSON
lines; the catalogue ingests those files in one transaction once the child has finished, so a
killed crawl changes nothing.
"""
from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import tempfile
from collections import Counter
from datetime import datetime
from pathlib import Path

import sqlite_utils

from catalogue import store
from catalogue.build import BuildReport, build_catalogue
from crawler.check import check_all
from crawler.net import make_client
from crawler.netconfig import network_from_env
from crawler.score import score
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


def discover(db: sqlite_utils.Database, sources_path: Path, now: datetime) -> dict[str, int]:
    sources = load_sources(sources_path)
    store.record_sources(db, sources)
    run_id = store.start_run(db, "discover", now)
    with tempfile.TemporaryDirectory() as tmp:
        items = run_spider("directory", Path(tmp) / "observations.jsonl", sources=str(sources_path))
    counts = store.ingest_observations(db, items, run_id, now)
    counts["sources"] = len({item["source"] for item in items})
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


async def _check(targets: list[dict], now: datetime, concurrency: int, per_host: int) -> list:
    resolver, policy = network_from_env()
    by_url = {target["url"]: target["id"] for target in targets}
    async with make_client(resolver, policy, max_connections=concurrency) as client:
        return [(by_url[result.url], result) async for result in
                check_all(client, policy, by_url, now, concurrency=concurrency, per_host=per_host)]


def check(db: sqlite_utils.Database, now: datetime, concurrency: int = 32, per_host: int = 4) -> dict[str, int]:
    run_id = store.start_run(db, "check", now)
    results = asyncio.run(_check(store.communities_to_visit(db), now, concurrency, per_host))
    store.record_checks(db, results, run_id)
    counts = dict(Counter(result.outcome.value for _, result in results))
    counts["checked"] = len(results)
    store.finish_run(db, run_id, now, "ok", counts)
    return counts


def score_all(db: sqlite_utils.Database, now: datetime) -> dict[str, int]:
    run_id = store.start_run(db, "score", now)
    statuses = [(cid, score(checks, signals, now)) for cid, checks, signals in store.histories(db)]
    counts = store.record_statuses(db, statuses, now)
    counts.update(Counter(status.reachability.value for _, status in statuses))
    store.finish_run(db, run_id, now, "ok", counts)
    return counts


def build(db: sqlite_utils.Database, catalogue_path: Path, now: datetime, max_drop: float) -> BuildReport:
    run_id = store.start_run(db, "build", now)
    try:
        report = build_catalogue(db, catalogue_path, now, max_drop)
    except Exception as exc:
        store.finish_run(db, run_id, now, "refused", {}, str(exc))
        raise
    store.finish_run(db, run_id, now, "ok", {"communities": report.communities, "live": report.live})
    return report
