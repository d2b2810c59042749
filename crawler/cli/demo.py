"""`copdir demo`: the whole flow on the sample web across simulated days, from a clean slate."""
from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from pathlib import Path

from catalogue.schema import open_working_db
from crawler.check_config import load_check_settings
from crawler.cli import METADATA, stages
from crawler.netconfig import DEADLINE_ENV, SAMPLE_WEB_ENV

DEMO_DEADLINE_S = "3"  # the sample web's time-out hosts never answer; no need to wait 20 s for each
# The sample web is our own server on loopback: the per-host interval that protects real hosts (and would
# make its hundreds of subreddits and invites take minutes a day) is lifted; everything else is production's.
DEMO_POLITENESS = {"min_interval_s": 0.0, "per_host": 8}


def _wait_for_port(port: int, process: subprocess.Popen, limit_s: float = 20) -> None:
    deadline = time.monotonic() + limit_s
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the sample web exited at start (code {process.returncode}); is port {port} free?")
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise RuntimeError(f"the sample web did not answer on port {port} within {limit_s} s")


def run_demo(data_dir: Path, days: int, sample_web_port: int, echo: Callable[[str], None]) -> Path:
    """Discover, profile, check daily for `days` simulated days, score, build. Returns the catalogue."""
    today = datetime.now(timezone.utc).replace(hour=6, minute=0, second=0, microsecond=0)
    start = today - timedelta(days=days - 1)
    data_dir.mkdir(parents=True, exist_ok=True)
    for stale in ("copdir.db", "copdir.db-wal", "copdir.db-shm"):
        (data_dir / stale).unlink(missing_ok=True)  # the demo always starts from a clean slate
    os.environ[SAMPLE_WEB_ENV] = f"127.0.0.1:{sample_web_port}"
    os.environ.setdefault(DEADLINE_ENV, DEMO_DEADLINE_S)
    log = (data_dir / "sample-web.log").open("w")  # hung "time-out" requests are cancelled noisily at exit
    server = subprocess.Popen([sys.executable, "-m", "crawler", "--now", start.isoformat(), "sample-web", "serve",
                               "--port", str(sample_web_port)], stdout=log, stderr=subprocess.STDOUT)
    try:
        _wait_for_port(sample_web_port, server)
        echo(f"sample web on 127.0.0.1:{sample_web_port}, its clock at {start:%Y-%m-%d}")
        db = open_working_db(data_dir / "copdir.db")
        echo(f"discover: {stages.discover(db, Path('data/sources.yml'), start)}")
        echo(f"profile: {stages.profile(db, start)}")
        for day in range(days):
            moment = start + timedelta(days=day)
            checked = stages.check(db, moment, settings=load_check_settings(**DEMO_POLITENESS))
            scored = stages.score_all(db, moment)
            degraded = f" (degraded: {checked['error']})" if checked["outcome"] != "ok" else ""
            echo(f"day {day + 1}/{days} ({moment:%Y-%m-%d}): checked {checked['checked']} due, "
                 f"{scored['changed']} status changes{degraded}")
        echo(f"classify: {stages.classify(db, today)}")  # what each practises, and which are communities at all
        report = stages.build(db, data_dir / "catalogue.db", today, max_drop=1.0, canaries=stages.CANARIES,
                              metadata=METADATA)
        echo(f"build: {report.communities} communities, {report.live} live → {report.path}")
        return report.path
    finally:
        server.terminate()
        server.wait(timeout=10)
        log.close()
