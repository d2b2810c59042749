"""`copdir crawl … --distributed`: real workers (child processes running the real spiders) on a real redis-server
share one frontier; the access log of a loopback web shows what was fetched, the working DB what landed."""
from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from collections import Counter
from datetime import datetime, timezone
from pathlib import Path

import pytest
from redis import Redis

from crawl_web import CrawlWeb, community_urls, moved_page
from redis_server import running_redis

NOW = datetime(2026, 11, 14, tzinfo=timezone.utc)
HOSTS, PER_HOST = 8, 4
INTERVAL_S = 0.2  # the per-host interval the workers share (and per host one request at a time)
WAIT_S = 600  # generous: the machine may be slow; nothing is timed


@pytest.fixture
def redis_url(tmp_path) -> str:
    with running_redis(tmp_path / "redis") as url:
        yield url


@pytest.fixture
def web():
    with CrawlWeb() as running:
        yield running


@pytest.fixture
def working_db(tmp_path) -> Path:
    """A working DB that lists every community of the crawl web (as a discover run would have)."""
    from catalogue import store
    from catalogue.schema import open_working_db

    path = tmp_path / "copdir.db"
    db = open_working_db(path)
    store.record_sources(db, [{"name": "fixture-list", "url": "https://lists.example/cops.md", "kind": "markdown"}])
    rows = [{"source": "fixture-list", "url": url, "name": f"Community {i}", "platform": "website"}
            for i, url in enumerate(community_urls(HOSTS, PER_HOST))]
    store.ingest_observations(db, rows, store.start_run(db, "discover", NOW), NOW)
    db.close()
    return path


def _env(web: CrawlWeb, deadline_s: int) -> dict[str, str]:
    return {**os.environ, "COPDIR_SAMPLE_WEB": f"127.0.0.1:{web.port}", "COPDIR_DEADLINE_S": str(deadline_s),
            "COPDIR_WORKER_LEASE_S": "15", "PYTHONPATH": str(Path(__file__).resolve().parent.parent)}


def _copdir(web: CrawlWeb, db: Path, *args: str, deadline_s: int = 60) -> subprocess.Popen:
    # The deadline outlasts the test's holding the web still, or a held request would time out and be retried.
    command = [sys.executable, "-m", "crawler", "--db", str(db), "--now", NOW.isoformat(), "crawl", *args]
    log = db.parent / f"{args[0]}-{time.monotonic_ns()}.log"  # a file, not a pipe nobody reads while it runs
    with log.open("w") as out:
        process = subprocess.Popen(command, env=_env(web, deadline_s), stdout=out, stderr=subprocess.STDOUT)
    process.log = log
    return process


def _worker(web, db, redis_url, deadline_s: int = 60) -> subprocess.Popen:
    return _copdir(web, db, "worker", "profile", "--distributed", redis_url, "--per-host", "1",
                   "--interval", str(INTERVAL_S), "--concurrency", "4", deadline_s=deadline_s)


def _coordinator(web, db, redis_url) -> subprocess.Popen:
    return _copdir(web, db, "profile", "--distributed", redis_url, "--workers", "0", "--per-host", "1",
                   "--interval", str(INTERVAL_S))


def _finished(process: subprocess.Popen) -> str:
    process.wait(timeout=WAIT_S)
    output = process.log.read_text()
    assert process.returncode == 0, f"exit {process.returncode}\n{output[-3000:]}"
    return output


def _taken(worker_log: str) -> int:
    """How many requests a worker took from the frontier (from Scrapy's closing stats)."""
    found = re.search(r"'scheduler/dequeued/redis': (\d+)", worker_log)
    return int(found.group(1)) if found else 0


def _wait_for(condition, what: str):
    deadline = time.monotonic() + WAIT_S
    while not (found := condition()):
        assert time.monotonic() < deadline, f"gave up waiting for {what}"
        time.sleep(0.05)
    return found


def _fetches(web: CrawlWeb) -> Counter:
    # Each worker reads a host's robots.txt once for itself (Scrapy asks outside the frontier).
    return Counter(f"https://{hit.host}{hit.path}" for hit in web.log() if hit.path != "/robots.txt")


def _expected_fetches() -> set[str]:
    return {url for page in community_urls(HOSTS, PER_HOST)
            for url in (page, page.rsplit("/", 1)[0] + f"/feed-{page.rsplit('/', 1)[1]}.xml")} | {moved_page(HOSTS)[1]}


def _assert_each_community_profiled_once(db_path: Path) -> None:
    from catalogue.schema import open_working_db

    db = open_working_db(db_path)
    rows = {row["canonical_url"]: row for row in db.query("select * from communities")}
    assert set(rows) == set(community_urls(HOSTS, PER_HOST))
    for url, row in rows.items():
        host, path = url.split("/")[2], "/" + url.rsplit("/", 1)[1]
        assert row["page_description"] == f"A community of practice at {host}{path}.", url
        assert json.loads(row["feeds"]) == [url.rsplit("/", 1)[0] + f"/feed-{url.rsplit('/', 1)[1]}.xml"]
    # Each community's feed gave one reading of each kind: nothing was ingested twice.
    readings = Counter((row["community_id"], row["kind"]) for row in db.query("select * from signals"))
    assert readings and set(readings.values()) == {1}
    assert {row["community_id"] for row in db.query("select community_id from signals")} == \
        {row["id"] for row in rows.values()}
    runs = list(db.query("select * from runs where stage = 'profile'"))
    assert [run["outcome"] for run in runs] == ["ok"]


def _host_politeness(web: CrawlWeb) -> None:
    """Per host, across both workers: one request at a time, and each starts INTERVAL_S after the last ended."""
    by_host: dict[str, list] = {}
    for hit in web.log():
        by_host.setdefault(hit.host, []).append(hit)
    for host, hits in by_host.items():
        hits.sort(key=lambda hit: hit.start)
        for before, after in zip(hits, hits[1:]):
            assert after.start >= before.end, f"{host}: two requests in flight at once"
            assert after.start - before.end >= INTERVAL_S, f"{host}: {before.path} then {after.path} too soon"


def test_two_workers_share_one_crawl_fetch_each_url_once_and_land_each_result_once(web, redis_url, working_db):
    web.gate.clear()  # the first worker waits for the second: both take part, however slowly each starts
    coordinator = _coordinator(web, working_db, redis_url)
    workers = [_worker(web, working_db, redis_url) for _ in range(2)]
    _wait_for(lambda: Redis.from_url(redis_url).scard("copdir:profile:workers") == 2, "both workers")
    web.gate.set()
    out = _finished(coordinator)
    logs = [_finished(worker) for worker in workers]
    assert all(_taken(log) for log in logs), f"a worker took no part: {logs}"
    assert "crawl profile: 32 of 32 start requests queued" in out
    fetches = _fetches(web)
    assert set(fetches) == _expected_fetches()
    assert set(fetches.values()) == {1}, [url for url, n in fetches.items() if n > 1]
    _assert_each_community_profiled_once(working_db)
    _host_politeness(web)
    assert not Redis.from_url(redis_url).keys("copdir:profile:*"), "the collected crawl is left in Redis"


def _in_flight_urls(server: Redis, worker: str) -> set[str]:
    from spiders.frontier import loads

    return {loads(data)["url"] for data in server.hvals(f"copdir:profile:inflight:{worker}")}


def test_a_worker_killed_mid_crawl_loses_nothing_and_only_its_in_flight_urls_are_fetched_again(
        web, redis_url, working_db):
    server = Redis.from_url(redis_url)
    coordinator = _coordinator(web, working_db, redis_url)
    doomed = _worker(web, working_db, redis_url, deadline_s=5)  # its host slots expire 20 s after the kill
    _wait_for(lambda: server.llen("copdir:profile:items") >= 12, "the first worker to hand off some results")
    (worker_id,) = _wait_for(lambda: [w.decode() for w in server.smembers("copdir:profile:workers")
                                      if server.hlen(f"copdir:profile:inflight:{w.decode()}")], "requests in flight")
    doomed.send_signal(signal.SIGKILL)
    doomed.wait(timeout=WAIT_S)
    in_flight = _in_flight_urls(server, worker_id)  # frozen: its lease has not expired yet, nobody reaped it
    assert in_flight
    survivor = _worker(web, working_db, redis_url, deadline_s=5)
    out = _finished(coordinator)
    _finished(survivor)
    assert "crawl profile:" in out
    fetches = _fetches(web)
    assert set(fetches) == _expected_fetches()
    fetched_again = {url for url, times in fetches.items() if times > 1}
    assert fetched_again <= in_flight, fetched_again - in_flight
    _assert_each_community_profiled_once(working_db)
    _host_politeness(web)


def test_seeding_twice_or_at_once_queues_each_request_once(redis_url, working_db):
    from concurrent.futures import ThreadPoolExecutor

    from catalogue.schema import open_working_db
    from crawler.cli import crawl_stages

    server = Redis.from_url(redis_url)

    def seed() -> dict:
        return crawl_stages.seed(server, "profile", open_working_db(working_db), NOW, Path("data/sources.yml"))

    with ThreadPoolExecutor(3) as pool:
        results = list(pool.map(lambda _: seed(), range(3)))
    assert sum(result["queued"] for result in results) == HOSTS * PER_HOST
    assert seed() == {"start_requests": HOSTS * PER_HOST, "queued": 0}
    assert server.zcard("copdir:profile:requests") == HOSTS * PER_HOST


def test_collecting_an_unfinished_crawl_or_joining_none_is_a_clear_error(redis_url, working_db, tmp_path):
    from click.testing import CliRunner

    from crawler.cli import cli

    def copdir(*args: str):
        return CliRunner().invoke(cli, ["--db", str(working_db), "--now", NOW.isoformat(), "crawl", *args])

    result = copdir("worker", "profile", "--distributed", redis_url, "--wait", "0")
    assert result.exit_code == 1 and "no profile crawl was seeded" in result.output
    result = copdir("collect", "profile", "--distributed", redis_url)
    assert result.exit_code == 1 and "no profile crawl in Redis to collect" in result.output
    from catalogue.schema import open_working_db
    from crawler.cli import crawl_stages

    crawl_stages.seed(Redis.from_url(redis_url), "profile", open_working_db(working_db), NOW, Path("data/sources.yml"))
    result = copdir("collect", "profile", "--distributed", redis_url)
    assert result.exit_code == 1 and "not done: 32 requests queued or in flight" in result.output
    result = copdir("profile", "--distributed", "redis://127.0.0.1:1/0", "--workers", "0")
    assert result.exit_code == 1 and "cannot reach Redis at redis://127.0.0.1:1/0" in result.output


def test_a_distributed_discover_records_what_the_local_one_does(redis_url, tmp_path, monkeypatch):
    """Every list in data/sources.yml on the sample web, by two workers, lands as the one-machine discover's does."""
    from catalogue.schema import open_working_db
    from conftest import REPO, SAMPLE_WEB_NOW
    from crawler.cli import stages
    from crawler.sampleweb.app import fixed_clock
    from crawler.sampleweb.server import running

    sources = REPO / "data" / "sources.yml"
    monkeypatch.setenv("COPDIR_SUBMISSIONS_DB", str(tmp_path / "submissions.db"))
    query = "select source, url, section, name, annotations, community_id from observations"
    with running(fixed_clock(SAMPLE_WEB_NOW)) as (_, port):
        monkeypatch.setenv("COPDIR_SAMPLE_WEB", f"127.0.0.1:{port}")
        local = open_working_db(tmp_path / "local.db")
        stages.discover(local, sources, SAMPLE_WEB_NOW)
        shared = tmp_path / "shared.db"
        command = [sys.executable, "-m", "crawler", "--db", str(shared), "--now", SAMPLE_WEB_NOW.isoformat(), "crawl",
                   "discover", "--distributed", redis_url, "--workers", "2", "--interval", "0", "--per-host", "8",
                   "--sources", str(sources)]
        done = subprocess.run(command, env={**os.environ, "PYTHONPATH": str(REPO)}, capture_output=True, text=True,
                              timeout=WAIT_S)
    assert done.returncode == 0, done.stderr[-3000:]
    expected = sorted(tuple(row.values()) for row in local.query(query))
    assert len(expected) > 1000
    assert sorted(tuple(row.values()) for row in open_working_db(shared).query(query)) == expected
    assert "crawl discover: " in done.stdout and f"{len(expected)} observations" in done.stdout


def test_a_platforms_own_page_gives_its_page_profile_too(web, redis_url, tmp_path):
    """A Slack join page is read by the Slack adapter and as a page; a worker hands off both."""
    from catalogue import store
    from catalogue.schema import open_working_db

    invite = "https://join.slack.com/t/practice/shared_invite/zt-0123456789-abcdefghijkl"
    db_path = tmp_path / "slack.db"
    db = open_working_db(db_path)
    store.record_sources(db, [{"name": "fixture-list", "url": "https://lists.example/cops.md", "kind": "markdown"}])
    store.ingest_observations(db, [{"source": "fixture-list", "url": invite, "name": "Practice", "platform": "slack"}],
                              store.start_run(db, "discover", NOW), NOW)
    _finished(_copdir(web, db_path, "profile", "--distributed", redis_url, "--workers", "1", "--interval", "0"))
    (row,) = open_working_db(db_path).query("select * from communities")
    assert row["profiled_at"] and row["page_description"] == "Practitioners of the craft, on Slack."
