"""The check stage on the sample web: what is due, streaming into the working DB, surviving kill -9,
and an outage of our own network that changes no status."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import datetime, timedelta, timezone

import pytest

from catalogue import store
from catalogue.schema import open_working_db
from crawler.cli import stages
from crawler.politeness import CheckSettings
from crawler.sampleweb.app import fixed_clock
from crawler.sampleweb.behaviour import Behaviour, behaviour_of
from crawler.sampleweb.server import running
from crawler.urls import canonicalize
from tests.conftest import REPO

DAY0 = datetime(2026, 11, 1, 6, 0, tzinfo=timezone.utc)
QUICK = CheckSettings(min_interval_s=0, backoff_s=0.01, concurrency=32)


def sites(behaviour: Behaviour, count: int, prefix: str = "club") -> list[str]:
    """Own-site URLs (canonical) the sample web simulates with `behaviour`."""
    found = []
    for n in range(20_000):
        url = canonicalize(f"https://{prefix}{n}.example/")
        if behaviour_of(url) is behaviour:
            found.append(url)
            if len(found) == count:
                return found
    raise AssertionError(f"not enough {behaviour} hosts")


LIVE = sites(Behaviour.LIVE_ACTIVE, 12)
NOT_FOUND = sites(Behaviour.NOT_FOUND, 4)
NXDOMAIN = sites(Behaviour.NXDOMAIN, 4)
CANARIES = tuple(sites(Behaviour.LIVE_ACTIVE, 2, prefix="canary"))


@pytest.fixture(scope="module")
def web():
    with running(fixed_clock(DAY0)) as (app, port):
        yield app, port


@pytest.fixture
def working(tmp_path, web, monkeypatch):
    _, port = web
    monkeypatch.setenv("COPDIR_SAMPLE_WEB", f"127.0.0.1:{port}")
    monkeypatch.setenv("COPDIR_DEADLINE_S", "2")
    db = open_working_db(tmp_path / "copdir.db")
    db["sources"].insert({"name": "test", "url": "https://lists.example/", "kind": "markdown", "tags": "[]"})
    rows = [{"source": "test", "url": url, "name": url} for url in LIVE + NOT_FOUND + NXDOMAIN]
    store.ingest_observations(db, rows, run_id=0, now=DAY0)
    return db


def checked_urls(db, run_id: int) -> list[str]:
    return sorted(row["url"] for row in db.query("select url from checks where run_id = ?", [run_id]))


def test_a_run_checks_what_is_due_and_a_failure_comes_back_within_the_hour(working):
    first = stages.check(working, DAY0, settings=QUICK)
    assert first["checked"] == 20 and first["outcome"] == "ok"
    assert first["ok"] == 12 and first["not_found"] == 4 and first["dns_failure"] == 4

    again = stages.check(working, DAY0 + timedelta(minutes=5), settings=QUICK)
    assert again["checked"] == 0  # nothing is due yet

    hour = stages.check(working, DAY0 + timedelta(hours=1), settings=QUICK)
    assert checked_urls(working, hour["run_id"]) == sorted(NOT_FOUND + NXDOMAIN)  # fast recheck of failures only

    day = stages.check(working, DAY0 + timedelta(days=1), settings=QUICK)
    assert checked_urls(working, day["run_id"]) == sorted(LIVE)  # live links: about daily

    ladder = stages.check(working, DAY0 + timedelta(days=1, hours=1), settings=QUICK)
    assert checked_urls(working, ladder["run_id"]) == sorted(NOT_FOUND + NXDOMAIN)  # a day after their 2nd failure


def test_check_all_and_limit_pick_the_most_overdue_first(working):
    stages.check(working, DAY0, settings=QUICK)
    limited = stages.check(working, DAY0 + timedelta(hours=2), due_only=False, limit=5, settings=QUICK)
    assert limited["checked"] == 5
    assert set(checked_urls(working, limited["run_id"])) <= set(NOT_FOUND + NXDOMAIN)  # due an hour ago: first


def test_an_outage_of_our_own_network_changes_no_status_and_no_schedule(working, monkeypatch):
    stages.check(working, DAY0, settings=QUICK)
    stages.score_all(working, DAY0)
    statuses = {row["community_id"]: row["reachability"] for row in working["statuses"].rows}
    schedule = {row["community_id"]: row["due_at"] for row in working["check_schedule"].rows}

    with socket_nobody_listens_on() as dead_port:  # every name now leads nowhere: our network is down
        monkeypatch.setenv("COPDIR_SAMPLE_WEB", f"127.0.0.1:{dead_port}")
        outage = stages.check(working, DAY0 + timedelta(days=1), settings=CheckSettings(
            min_interval_s=0, canaries=CANARIES))
    assert outage["outcome"] == "degraded" and "canary" in outage["error"]
    assert outage["checked"] == 0  # the canaries failed first: nobody was blamed
    run = working["runs"].get(outage["run_id"])
    assert run["outcome"] == "degraded"

    stages.score_all(working, DAY0 + timedelta(days=1))
    assert {row["community_id"]: row["reachability"] for row in working["statuses"].rows} == statuses
    assert {row["community_id"]: row["due_at"] for row in working["check_schedule"].rows} == schedule


def test_a_wave_of_failures_mid_run_is_discounted(working, monkeypatch):
    stages.check(working, DAY0, settings=QUICK)
    stages.score_all(working, DAY0)
    statuses = {row["community_id"]: row["reachability"] for row in working["statuses"].rows}
    schedule = {row["community_id"]: row["due_at"] for row in working["check_schedule"].rows}

    with socket_nobody_listens_on() as dead_port:
        monkeypatch.setenv("COPDIR_SAMPLE_WEB", f"127.0.0.1:{dead_port}")
        wave = stages.check(working, DAY0 + timedelta(days=1), due_only=False, settings=CheckSettings(
            min_interval_s=0, robots=False, outage_min_hosts=8, outage_window=20, concurrency=4))
    assert wave["outcome"] == "degraded" and "distinct hosts" in wave["error"]
    recorded = list(working.query("select counted from checks where run_id = ?", [wave["run_id"]]))
    assert recorded and all(row["counted"] == 0 for row in recorded)  # kept for the record, counted for nothing

    stages.score_all(working, DAY0 + timedelta(days=1))
    assert {row["community_id"]: row["reachability"] for row in working["statuses"].rows} == statuses
    assert {row["community_id"]: row["due_at"] for row in working["check_schedule"].rows} == schedule


class socket_nobody_listens_on:
    """A loopback port that is bound but never listens: connections are refused, as when our link is down."""

    def __enter__(self) -> int:
        import socket

        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        return self.sock.getsockname()[1]

    def __exit__(self, *exc_info) -> None:
        self.sock.close()


def test_a_run_killed_with_kill_9_is_resumed_without_rechecking_what_was_recorded(tmp_path, web):
    _, port = web
    quick = sites(Behaviour.LIVE_ACTIVE, 40, prefix="quick")
    hanging = sites(Behaviour.TIMEOUT, 6, prefix="hang")  # keep the first run busy until it is killed
    db_path = tmp_path / "copdir.db"
    db = open_working_db(db_path)
    db["sources"].insert({"name": "test", "url": "https://lists.example/", "kind": "markdown", "tags": "[]"})
    store.ingest_observations(db, [{"source": "test", "url": url, "name": url} for url in quick + hanging], 0, DAY0)
    env = {**os.environ, "COPDIR_SAMPLE_WEB": f"127.0.0.1:{port}", "COPDIR_DB": str(db_path), "COPDIR_NOW": DAY0.isoformat()}
    # More workers than hanging hosts, so the quick ones all finish while the hanging ones hold their workers.
    command = [sys.executable, "-m", "crawler", "check", "--all", "--min-interval", "0", "--concurrency", "10",
               "--config", str(tmp_path / "none.yml")]

    first = subprocess.Popen(command, env={**env, "COPDIR_DEADLINE_S": "120"}, cwd=REPO,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        wait_for(lambda: db.execute("select count(*) from checks").fetchone()[0] >= 40, first)
    finally:
        first.send_signal(signal.SIGKILL)
        first.communicate()  # reap it and close its pipes
    killed_run = db.execute("select id, outcome from runs where stage = 'check'").fetchone()
    assert killed_run[1] == "running"  # it never got to say it finished
    recorded_before = set(checked_urls(db, killed_run[0]))
    assert set(quick) <= recorded_before and not recorded_before & set(hanging)

    second = subprocess.run(command, env={**env, "COPDIR_DEADLINE_S": "0.5"}, cwd=REPO, capture_output=True,
                            text=True, timeout=120)
    assert second.returncode == 0, second.stderr
    assert "resumed an interrupted run" in second.stdout
    runs = list(db.query("select id, outcome from runs where stage = 'check'"))
    assert runs == [{"id": killed_run[0], "outcome": "ok"}]  # one run, carried on to the end
    assert checked_urls(db, killed_run[0]) == sorted(quick + hanging)  # each community exactly once


def wait_for(condition, process: subprocess.Popen, limit_s: float = 60) -> None:
    deadline = time.monotonic() + limit_s
    while not condition():
        if process.poll() is not None:
            raise AssertionError(f"the check ended before it could be killed: {process.stderr.read().decode()[-2000:]}")
        if time.monotonic() > deadline:
            raise AssertionError("no check was recorded in time")
        time.sleep(0.05)


def test_another_check_run_on_the_same_db_is_refused_while_one_holds_the_lock(working):
    with stages.stage_lock(working, "check"):
        with pytest.raises(stages.StageFailed, match="another check run"):
            stages.check(working, DAY0, settings=QUICK)

