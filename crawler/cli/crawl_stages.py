"""Distributed discover and profile (`copdir crawl`): seed the shared frontier, wait, collect once.

The machine with the working database seeds the stage's frontier in Redis and, when the crawl is done
(nothing queued, nothing in flight in any live worker), collects the workers' items into the working
database with the stages' own ingest functions, in one transaction, then deletes the crawl from Redis.
Items stay in Redis until that transaction has committed: a collector killed halfway loses nothing, and
the next one ingests the same items again (the ingest upserts by stable ids, so they land once).
"""
from __future__ import annotations

import asyncio
import json
import os
import socket
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import sqlite_utils
from redis import Redis
from scrapy_redis.dupefilter import RFPDupeFilter

from catalogue import moderation, store, submissions
from crawler.sources import load_sources
from spiders import frontier
from spiders.frontier import CrawlKeys
from spiders.shared_spiders import SharedDirectorySpider, SharedProfileSpider

STAGES = ("discover", "profile")
COLLECT_CHUNK = 1000

# Queued once per crawl however many seeders run at once: the fingerprint goes into the dupefilter and the
# request into the queue in one step, so a seeder killed between the two cannot strand a request.
_SEED = """
if redis.call('SADD', KEYS[1], ARGV[1]) == 0 then return 0 end
redis.call('ZADD', KEYS[2], ARGV[2], ARGV[3])
return 1
"""


class CrawlFailed(Exception):
    """The distributed crawl could not finish; the message says why and what to do."""


def connect(redis_url: str) -> Redis:
    from redis.exceptions import RedisError

    try:
        server = Redis.from_url(redis_url, socket_connect_timeout=10)
        server.ping()
    except (RedisError, ValueError) as exc:
        raise CrawlFailed(f"cannot reach Redis at {redis_url}: {exc} (is redis-server running there?)") from exc
    return server


def _start_requests(spider) -> list:
    async def gather():
        return [request async for request in spider.start()]

    return asyncio.run(gather())


def seed(server: Redis, stage: str, db: sqlite_utils.Database, now: datetime, sources_path: Path) -> dict[str, int]:
    """Queue the stage's start requests; what an open crawl already has is not queued again."""
    keys = CrawlKeys(stage)
    with tempfile.TemporaryDirectory() as tmp:
        if stage == "discover":
            store.record_sources(db, load_sources(sources_path))
            spider = SharedDirectorySpider(sources=str(sources_path))
        else:
            targets = Path(tmp) / "targets.json"
            targets.write_text(json.dumps(store.communities_to_visit(db)))
            spider = SharedProfileSpider(now=now.isoformat(), targets=str(targets))
        requests = _start_requests(spider)
    fingerprints = RFPDupeFilter(server, keys.dupefilter)
    push = server.register_script(_SEED)
    pipe = server.pipeline(transaction=False)
    for request in requests:
        data = frontier.dumps(request.to_dict(spider=spider))
        push(keys=[keys.dupefilter, keys.queue], args=[fingerprints.request_fingerprint(request), -request.priority, data],
             client=pipe)
    queued = sum(pipe.execute())
    # Announced only once its requests are queued: a worker that sees the crawl sees work, not an empty queue.
    server.hsetnx(keys.meta, "now", now.isoformat())  # a second seeding joins the open crawl and its clock
    server.hset(keys.meta, "seeded_at", now.isoformat())
    return {"start_requests": len(requests), "queued": queued}


def wait_until_done(server: Redis, stage: str, time_limit_s: float, workers: list | None = None,
                    poll_s: float = 1.0) -> None:
    """Until nothing is queued or in flight; reaps dead workers on the way."""
    keys = CrawlKeys(stage)
    deadline = time.monotonic() + time_limit_s
    while frontier.pending(server, keys):
        if workers is not None and workers and all(w.poll() is not None for w in workers) \
                and not server.scard(keys.workers):
            raise CrawlFailed(f"the local workers exited with {[w.returncode for w in workers]} and no other worker "
                              f"is on the crawl; start `copdir crawl worker {stage} --distributed URL` somewhere")
        if time.monotonic() > deadline:
            raise CrawlFailed(f"the {stage} crawl was not done after {time_limit_s:.0f} s; it stays in Redis: "
                              f"add workers, then `copdir crawl collect {stage} --distributed URL`")
        time.sleep(poll_s)


def _items(server: Redis, keys: CrawlKeys) -> list[dict]:
    found: dict[str, dict] = {}
    total = server.llen(keys.items)
    for start in range(0, total, COLLECT_CHUNK):
        for raw in server.lrange(keys.items, start, start + COLLECT_CHUNK - 1):
            record = json.loads(raw)
            found[record["key"]] = record["item"]  # an item handed off twice (a worker killed after it) is one
    return list(found.values())


def collect(server: Redis, stage: str, db: sqlite_utils.Database, now: datetime,
            submissions_path: Path | None = None) -> dict[str, int]:
    """Ingest the finished crawl's items into the working database, then delete the crawl from Redis."""
    keys = CrawlKeys(stage)
    if not server.exists(keys.meta):
        raise CrawlFailed(f"no {stage} crawl in Redis to collect (already collected, or never seeded)")
    if left := frontier.pending(server, keys):
        raise CrawlFailed(f"the {stage} crawl is not done: {left} requests queued or in flight; wait for its workers")
    items = _items(server, keys)
    run_id = store.start_run(db, stage, now)
    if stage == "discover":
        submissions_path = submissions_path or submissions.store_path()
        approved = moderation.approved_observations(submissions_path)
        if approved:
            store.record_sources(db, [moderation.SOURCE])
        counts = store.ingest_observations(db, [*items, *approved], run_id, now)
        counts["submissions"] = len(approved)
        moderation.mark_listed(submissions_path, [row["submission_id"] for row in approved], now)
    else:
        counts = store.ingest_profiles(db, items)
    counts["items"] = len(items)
    store.finish_run(db, run_id, now, "ok", counts)
    server.delete(*keys.all_keys())  # only now: the items are in the working database
    return counts


def worker_command(stage: str, redis_url: str, per_host: int, interval_s: float, concurrency: int) -> list[str]:
    worker_id = f"{socket.gethostname()}-{os.getpid()}-{uuid.uuid4().hex[:6]}"
    return [sys.executable, "-m", "spiders.shared_worker", stage, redis_url, worker_id, str(per_host), str(interval_s),
            str(concurrency)]


def wait_for_crawl(server: Redis, stage: str, wait_s: float, poll_s: float = 1.0,
                   sleep: Callable[[float], None] = time.sleep) -> bool:
    """Whether a crawl of the stage is open (seeded and not yet collected), waiting up to wait_s for one."""
    deadline = time.monotonic() + wait_s
    while not server.exists(CrawlKeys(stage).meta):
        if time.monotonic() > deadline:
            return False
        sleep(poll_s)
    return True
