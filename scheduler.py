"""copdir's scheduler: APScheduler 3.x in one dedicated process, each job a child process.

Jobs run as children with a time limit because Twisted's reactor cannot be restarted in-process,
and so that a stuck stage cannot stall the scheduler. Today there is one job, the check cycle
(check → score → build); discover, profile, submissions and export join it as they grow.

    python scheduler.py                 # run for ever
    python scheduler.py --once          # run the check cycle once and exit with its status
"""
from __future__ import annotations

import argparse
import logging
import signal
import subprocess
import sys

from apscheduler.schedulers.blocking import BlockingScheduler

log = logging.getLogger("copdir.scheduler")

CHECK_CYCLE = [["check"], ["score"], ["build"]]
CHECK_EVERY_MINUTES = 15
JOB_TIME_LIMIT_S = 3600
MISFIRE_GRACE_S = 600  # APScheduler's default of 1 s silently skips a run that starts late


def run_stage(arguments: list[str], time_limit_s: int = JOB_TIME_LIMIT_S) -> int:
    command = [sys.executable, "-m", "crawler", *arguments]
    try:
        return subprocess.run(command, timeout=time_limit_s).returncode
    except subprocess.TimeoutExpired:
        log.error("%s ran past %d s and was stopped", " ".join(arguments), time_limit_s)
        return 124


def check_cycle() -> int:
    """Run check, score and build in turn; stop at the first stage that fails."""
    for stage in CHECK_CYCLE:
        code = run_stage(stage)
        if code != 0:
            log.error("check cycle stopped: `copdir %s` exited %d", " ".join(stage), code)
            return code
    return 0


def make_scheduler(every_minutes: int = CHECK_EVERY_MINUTES) -> BlockingScheduler:
    scheduler = BlockingScheduler(timezone="UTC")
    scheduler.add_job(check_cycle, "interval", minutes=every_minutes, id="check-cycle", jitter=60,
                      max_instances=1, coalesce=True, misfire_grace_time=MISFIRE_GRACE_S, replace_existing=True)
    return scheduler


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--once", action="store_true", help="run the check cycle once and exit with its status")
    parser.add_argument("--every", type=int, default=CHECK_EVERY_MINUTES, help="minutes between check cycles")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    if args.once:
        return check_cycle()
    scheduler = make_scheduler(args.every)
    # SIGTERM (systemd stop) lets the running child finish its transaction, then exits.
    signal.signal(signal.SIGTERM, lambda *_: scheduler.shutdown(wait=True))
    scheduler.start()
    return 0


if __name__ == "__main__":
    sys.exit(main())
