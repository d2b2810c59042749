"""The scheduler service: APScheduler 3.x in one dedicated process, one job per entry in data/schedule.yml.

Each job has a stable id (its name), max_instances=1 (a job that overruns is never started again beside
itself), coalesce (a backlog of missed runs is one run), a generous misfire_grace_time (APScheduler's default
of 1 s silently skips a run that starts late) and jitter. Jobs run one at a time (one worker thread): the
stages share one SQLite working database and one politeness budget, and a queued job still runs when the one
before it ends, within misfire_grace_time.

Where a restart takes up the schedule: APScheduler's memory job store forgets next-run times, so a scheduler
restarted every few days would start every interval afresh — a weekly job would never run, or a job that just
ran would run again. A persistent job store would remember its own times but not runs made by hand or by
`copdir schedule --once`. So each job's first run is derived from the runs table, which every run writes: the
stage's last start plus its cadence, or shortly after start-up (startup_delay) when that is past or the stage
never ran. After that first run the interval trigger takes over.
"""
from __future__ import annotations

import logging
import signal
from datetime import datetime, timezone

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.schedulers.base import BaseScheduler
from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.interval import IntervalTrigger

from catalogue import runs
from catalogue.schema import open_working_db
from crawler.schedule.config import ScheduleConfig
from crawler.schedule.jobs import JobRunner, StepResult, steps_of

log = logging.getLogger("copdir.scheduler")

JOB_ORDER = ("discover", "profile", "check", "submissions", "export")  # the flow, as --once runs it


def first_runs(config: ScheduleConfig, last_starts: dict[str, datetime], now: datetime) -> dict[str, datetime]:
    """When each enabled job runs first: its last start plus its cadence; overdue or never run → soon."""
    soon = now + config.startup_delay
    found = {}
    for job in config.enabled():
        last = last_starts.get(job)  # each job's first stage bears its name (jobs.steps_of)
        found[job] = max(last + config.jobs[job].every, soon) if last else soon
    return found


def schedule_jobs(scheduler: BaseScheduler, runner: JobRunner, last_starts: dict[str, datetime],
                  now: datetime) -> None:
    config = runner.config
    for job, first in first_runs(config, last_starts, now).items():
        jitter = int(config.jitter.total_seconds()) or None
        scheduler.add_job(runner.run_job, IntervalTrigger(seconds=config.jobs[job].every.total_seconds(),
                                                          jitter=jitter, timezone=timezone.utc),
                          args=[job], id=job, name=f"copdir {job}", max_instances=1, coalesce=True,
                          misfire_grace_time=int(config.misfire_grace_time.total_seconds()),
                          next_run_time=first, replace_existing=True)
        log.info("%s: every %s, first at %s", job, config.jobs[job].every, first.isoformat(timespec="seconds"))


def last_starts_in(runner: JobRunner) -> dict[str, datetime]:
    db = open_working_db(runner.paths.db)
    try:
        return runs.last_starts(db)
    finally:
        db.close()


def serve(runner: JobRunner) -> int:
    """Run the schedule until SIGTERM or SIGINT: the running stage is told to stop and given the grace period
    (stop_grace) to finish its transaction; if it does not, it is killed and its run recorded `abandoned`."""
    executor = ThreadPoolExecutor(max_workers=1)
    scheduler = BlockingScheduler(timezone=timezone.utc, executors={"default": executor})
    schedule_jobs(scheduler, runner, last_starts_in(runner), runner.clock())

    def stop(signum: int, _frame) -> None:
        log.info("%s: stopping; the running stage has %s to finish", signal.Signals(signum).name,
                 runner.config.stop_grace)
        runner.stop.set()
        if scheduler.running:
            scheduler.shutdown(wait=False)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    scheduler.start()  # returns once stop() shuts it down
    executor.shutdown(wait=True)  # the running job ends within stop_grace, recorded
    log.info("scheduler stopped")
    return 0


def run_once(runner: JobRunner) -> list[StepResult | str]:
    """Every enabled job once, in the flow's order. A job's chain stops at its first failure (no build after a
    failed check); the other jobs still run. Returns each step's result, or a line for a step not run."""
    done: list[StepResult | str] = []
    for job in JOB_ORDER:
        if job not in runner.config.enabled():
            done.append(f"{job}: disabled in the schedule config")
            continue
        results = runner.run_job(job)
        done += results
        for step in steps_of(job, runner.paths)[len(results):]:
            done.append(f"{step.stage}: not run ({results[-1].stage} did not succeed)" if results
                        else f"{step.stage}: not run (stopping)")
    return done


def once_succeeded(results: list[StepResult | str]) -> bool:
    return all(isinstance(result, str) and "disabled" in result or
               isinstance(result, StepResult) and result.succeeded for result in results)


def summary_lines(results: list[StepResult | str]) -> list[str]:
    return [result if isinstance(result, str) else result.line() for result in results]
