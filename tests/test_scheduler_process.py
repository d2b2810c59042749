"""The scheduler with real child processes: a stage past its time limit is killed with its whole process group
and recorded; SIGTERM to a running scheduler stops its child, records the run and exits cleanly.

The stand-in stage is a small Python child that records a run as a real stage does and then hangs (a real stage
that hangs on demand would need a hanging network); everything else is the real scheduler.
"""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from catalogue.schema import open_working_db
from conftest import REPO
from crawler.schedule.child import run_child
from crawler.schedule.config import schedule_from_mapping
from crawler.schedule.jobs import JobRunner, Paths, Step
from test_notify import webhook  # noqa: F401 (a fixture)

# Records a running `check` run (as `copdir check` does first), starts a grandchild, writes both pids, hangs.
HANGING_STAGE = textwrap.dedent("""
    import os, subprocess, sys, time, sqlite_utils
    db = sqlite_utils.Database(sys.argv[1])
    db["runs"].insert({"stage": "check", "started_at": "2026-11-20T10:00:00+00:00", "outcome": "running"})
    db.close()
    grandchild = subprocess.Popen(["sleep", "600"])
    with open(sys.argv[2] + ".tmp", "w") as out:
        out.write(f"{os.getpid()} {grandchild.pid}")
    os.replace(sys.argv[2] + ".tmp", sys.argv[2])
    time.sleep(600)
""")


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # a zombie (exited, not yet reaped by its parent) is gone for our purposes
    status = Path(f"/proc/{pid}/stat")
    return status.exists() and status.read_text().split(") ")[-1][:1] != "Z"


def _wait_for(path: Path, process: subprocess.Popen | None = None, limit_s: float = 120) -> str:
    deadline = time.monotonic() + limit_s
    while not path.exists():
        assert process is None or process.poll() is None, process.stdout.read() if process.stdout else ""
        assert time.monotonic() < deadline, f"{path} never appeared"
        time.sleep(0.05)
    return path.read_text()


@dataclass
class Notices:
    seen: list

    def notify(self, notice):
        self.seen.append(notice)


class HangingRunner(JobRunner):
    def command(self, step: Step) -> list[str]:
        return [sys.executable, "-c", HANGING_STAGE, str(self.paths.db), str(self.paths.db.parent / "pids")]


def test_a_child_past_its_time_limit_is_killed_with_its_group_and_recorded(tmp_path):
    config = schedule_from_mapping({"jobs": {"check": {"time_limit": "1s"}}, "stop_grace": "1s"})
    notices = Notices([])
    runner = HangingRunner(config, Paths(db=tmp_path / "copdir.db"), notices)
    (result,) = runner.run_job("check")  # no score, no build after it
    assert result.outcome == "timed-out"
    child, grandchild = map(int, (tmp_path / "pids").read_text().split())
    assert not _alive(child) and not _alive(grandchild)
    db = open_working_db(tmp_path / "copdir.db")
    (run,) = db.query("select * from runs")
    db.close()
    assert run["outcome"] == "timed-out" and run["ended_at"] and "time limit" in run["error"]
    assert [(n.stage, n.outcome, n.run_id) for n in notices.seen] == [("check", "timed-out", run["id"])]


def test_run_child_reports_exit_codes_and_output():
    stop = threading.Event()
    ok = run_child([sys.executable, "-c", "print('claims: 1 checked')"], 60, stop, 1)
    assert (ok.outcome, ok.exit_code, ok.summary_line()) == ("ok", 0, "claims: 1 checked")
    failed = run_child([sys.executable, "-c", "import sys; sys.exit('Error: no catalogue')"], 60, stop, 1)
    assert (failed.outcome, failed.exit_code, failed.summary_line()) == ("failed", 1, "Error: no catalogue")


DRIVER = textwrap.dedent("""
    import logging, sys
    sys.path.insert(0, {tests!r})
    from test_scheduler_process import HangingRunner
    from crawler.schedule.config import schedule_from_mapping
    from crawler.schedule.jobs import Paths
    from crawler.schedule.service import serve
    from crawler.notify import Notifier
    from pathlib import Path
    logging.basicConfig(level=logging.INFO)
    config = schedule_from_mapping({{"jobs": {{job: {{"enabled": job == "check"}} for job in
                                             ("discover", "profile", "check", "submissions", "export")}},
                                    "startup_delay": "0s", "stop_grace": "2s", "jitter": "0s"}})
    sys.exit(serve(HangingRunner(config, Paths(db=Path(sys.argv[1])), Notifier())))
""")


def test_sigterm_stops_a_running_scheduler_cleanly_and_records_the_abandoned_run(tmp_path):
    db_path = tmp_path / "copdir.db"
    scheduler = subprocess.Popen([sys.executable, "-c", DRIVER.format(tests=str(REPO / "tests")), str(db_path)],
                                 cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                                 env={**os.environ, "PYTHONPATH": str(REPO)})
    try:
        child, grandchild = map(int, _wait_for(tmp_path / "pids", scheduler).split())
        scheduler.send_signal(signal.SIGTERM)
        output, _ = scheduler.communicate(timeout=120)
    finally:
        if scheduler.poll() is None:
            scheduler.kill()
            scheduler.communicate()
    assert scheduler.returncode == 0, output
    assert "scheduler stopped" in output
    assert not _alive(child) and not _alive(grandchild)
    db = open_working_db(db_path)
    runs = list(db.query("select * from runs"))
    db.close()
    assert [(run["stage"], run["outcome"]) for run in runs] == [("check", "abandoned")]
    assert "stopped with the scheduler" in runs[0]["error"] and runs[0]["ended_at"]
    assert "check run 1: abandoned" in output  # the notice's log line


def test_scheduler_once_runs_real_stages_and_a_degraded_check_stops_the_chain_and_is_notified(tmp_path, webhook):
    """`python scheduler.py --once` with real children: our own network "down" (the canaries reach a port that
    never answers), so `copdir check` records a degraded run; score and build do not run; the webhook hears."""
    import socket

    url, received = webhook
    config = tmp_path / "schedule.yml"
    config.write_text("jobs: {discover: {enabled: false}, profile: {enabled: false}, submissions: {enabled: false},"
                      " export: {enabled: false}}\n")
    with socket.socket() as closed:  # bound, never listening: as if our network were down
        closed.bind(("127.0.0.1", 0))
        env = {**os.environ, "COPDIR_SAMPLE_WEB": f"127.0.0.1:{closed.getsockname()[1]}",
               "COPDIR_DB": str(tmp_path / "copdir.db"), "COPDIR_NOTIFY_WEBHOOK": url}
        once = subprocess.run([sys.executable, "scheduler.py", "--once", "--config", str(config)], cwd=REPO, env=env,
                              capture_output=True, text=True, timeout=600)
    assert once.returncode == 1, once.stderr
    lines = once.stdout.splitlines()
    assert lines[0] == "discover: disabled in the schedule config"
    assert lines[2].startswith("check: degraded in ") and "canar" in lines[2]
    assert lines[3:5] == ["score: not run (check did not succeed)", "build: not run (check did not succeed)"]
    db = open_working_db(tmp_path / "copdir.db")
    runs = [(run["stage"], run["outcome"]) for run in db.query("select * from runs")]
    db.close()
    assert runs == [("check", "degraded")]  # recorded by the stage itself, once
    assert "copdir check run 1: degraded" in once.stderr
    ((_, _, notice),) = received
    assert (notice["stage"], notice["outcome"], notice["run_id"]) == ("check", "degraded", 1)
