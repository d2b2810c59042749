"""The scheduler over a week of fake time: every job on its cadence, no overlap, crashes recorded and notified,
and a restart that takes up the schedule without running anything twice.

APScheduler's own scheduler drives the jobs: its clock is patched (its modules read `datetime.now`), and a
test executor runs each job at once but holds its instance for as long as the job's fake stages say they
took, so max_instances and coalescing work as they do with the real thread pool. The stages are fake children
that write runs rows as the real ones do (or crash before they can).
"""
from __future__ import annotations

import json
import threading
from collections import Counter
from datetime import datetime, timedelta, timezone

import apscheduler.executors.base as executor_base
import apscheduler.schedulers.base as scheduler_base
import pytest
from apscheduler.executors.base import BaseExecutor, run_job
from apscheduler.schedulers.base import BaseScheduler

from catalogue import runs
from catalogue.schema import open_working_db
from crawler.schedule.child import ChildResult
from crawler.schedule.config import ScheduleConfig, ScheduleConfigError, load_schedule, schedule_from_mapping
from crawler.schedule.jobs import JobRunner, Paths, counts_in
from crawler.schedule.service import first_runs, run_once, schedule_jobs, summary_lines, once_succeeded

START = datetime(2026, 11, 16, 3, 0, tzinfo=timezone.utc)  # a Monday
SELF_RECORDING = {"discover", "profile", "check", "score", "build"}  # the stages that write their own runs rows


class FakeClock:
    def __init__(self, now: datetime):
        self.now = now
        self.busy = timedelta(0)  # how long the job running now has taken so far

    def __call__(self) -> datetime:
        return self.now + self.busy


@pytest.fixture
def clock(monkeypatch) -> FakeClock:
    fake = FakeClock(START)

    class FakeDatetime(datetime):
        @classmethod
        def now(cls, tz=None):
            return fake.now.astimezone(tz) if tz else fake.now.replace(tzinfo=None)

    monkeypatch.setattr(scheduler_base, "datetime", FakeDatetime)
    monkeypatch.setattr(executor_base, "datetime", FakeDatetime)
    return fake


class FakeStages:
    """Stands in for `python -m crawler …` children: takes the configured time, records its run as the real
    stage does, or crashes as told."""

    def __init__(self, clock: FakeClock, db_path):
        self.clock, self.db_path = clock, db_path
        self.took: dict[str, timedelta] = {}
        self.crash: dict[tuple[str, int], str] = {}  # (stage, nth run) -> "exit" (no row) or "killed" (row left running)
        self.started: Counter = Counter()
        self.db = open_working_db(db_path)

    def __call__(self, command: list[str], time_limit_s: float, stop: threading.Event, grace_s: float) -> ChildResult:
        arguments = command[command.index("--db") + 2:]
        stage = "-".join(arguments[:2]) if arguments[0] == "claims" else arguments[0]
        self.started[stage] += 1
        crash = self.crash.get((stage, self.started[stage]))
        db = self.db
        started = self.clock()
        self.clock.busy += self.took.get(stage, timedelta(minutes=1))
        if crash == "exit":
            return ChildResult(1, "failed", "Traceback …\nsqlite3.DatabaseError: database disk image is malformed")
        if stage in SELF_RECORDING:
            run_id = db["runs"].insert({"stage": stage, "started_at": started.isoformat(), "outcome": "running"}).last_pk
            if crash == "killed":
                return ChildResult(-9, "failed", "")
            if crash == "refused":  # what `copdir build` does when a guard refuses: records it, exits 1
                db["runs"].update(run_id, {"ended_at": self.clock().isoformat(), "outcome": "refused",
                                           "error": "live listings fell by 40 %"})
                return ChildResult(1, "failed", "Error: live listings fell by 40 %")
            db["runs"].update(run_id, {"ended_at": self.clock().isoformat(), "outcome": "ok", "counts": '{"n": 1}'})
        return ChildResult(0, "ok", f"{stage}: 3 done, 1 skipped")


class VirtualTimeExecutor(BaseExecutor):
    """Runs a job at once, but it stays running (holding its instance) until the fake clock passes its end."""

    def __init__(self, clock: FakeClock):
        super().__init__()
        self.clock = clock
        self.running: list[tuple[datetime, str, list]] = []

    def _do_submit_job(self, job, run_times):
        self.clock.busy = timedelta(0)
        events = run_job(job, job._jobstore_alias, run_times, self._logger.name)
        self.running.append((self.clock(), job.id, events))
        self.clock.busy = timedelta(0)

    def finish_due(self) -> None:
        for item in [item for item in self.running if item[0] <= self.clock.now]:
            self.running.remove(item)
            self._run_job_success(item[1], item[2])


class SteppedScheduler(BaseScheduler):
    def wakeup(self):
        pass

    def shutdown(self, wait=True):
        super().shutdown(wait)


class Notices(list):
    def notify(self, notice):
        self.append(notice)


def week_config(**jobs) -> ScheduleConfig:
    # The shipped cadences, but checks every 30 minutes and submissions hourly: a week of 10-minute cycles is
    # thousands of SQLite commits, and proves nothing more.
    jobs = {"check": {"every": "30m"}, "submissions": {"every": "1h"}, **jobs}
    return schedule_from_mapping({"jobs": jobs, "jitter": 0, "startup_delay": "1m"})


def run_scheduler(runner: JobRunner, clock: FakeClock, until: datetime) -> None:
    """APScheduler from clock.now to until, as a scheduler process started now (its jobs derived from the runs
    table, as a real start-up does)."""
    db = open_working_db(runner.paths.db)
    starts = runs.last_starts(db)
    db.close()
    executor = VirtualTimeExecutor(clock)
    scheduler = SteppedScheduler(timezone=timezone.utc, executors={"default": executor})
    schedule_jobs(scheduler, runner, starts, clock.now)
    scheduler.start()
    for _ in range(100_000):
        executor.finish_due()
        wait = scheduler._process_jobs()
        moments = [clock.now + timedelta(seconds=wait)] if wait is not None else []
        moments += [end for end, *_ in executor.running]
        following = max(min(moments), clock.now + timedelta(microseconds=1))
        if following > until:
            break
        clock.now = following
    clock.now = until
    scheduler.shutdown(wait=False)


@pytest.fixture
def runner(tmp_path, clock):
    (tmp_path / "submissions.db").write_bytes(b"")  # the steps that need them are not skipped
    (tmp_path / "catalogue.db").write_bytes(b"")
    paths = Paths(db=tmp_path / "copdir.db", catalogue=tmp_path / "catalogue.db",
                  submissions=tmp_path / "submissions.db")
    stages = FakeStages(clock, paths.db)
    yield JobRunner(week_config(), paths, Notices(), clock, stages)
    stages.db.close()


def starts_by_stage(runner: JobRunner) -> dict[str, list[dict]]:
    db = open_working_db(runner.paths.db)
    found: dict[str, list[dict]] = {}
    for row in db.query("select * from runs order by id"):
        found.setdefault(row["stage"], []).append(row)
    db.close()
    return found


def test_over_a_week_every_job_runs_on_its_cadence(runner, clock):
    run_scheduler(runner, clock, START + timedelta(days=7))
    done = {stage: len(rows) for stage, rows in starts_by_stage(runner).items()}
    # discover and export weekly, profile daily, checks every 30 minutes, submissions hourly, from a minute after start
    assert done["discover"] == 1 and done["export"] == 1
    assert done["profile"] == 7
    assert done["check"] == done["score"] == done["build"] == 7 * 24 * 2
    assert done["submissions"] == done["claims-verify"] == done["claims-apply"] == 7 * 24
    rows = starts_by_stage(runner)
    assert all(row["outcome"] == "ok" for stage in rows.values() for row in stage)
    assert json.loads(rows["claims-verify"][0]["counts"]) == {"done": 3, "skipped": 1}  # from its summary line
    assert runner.notifier == []


def test_a_job_that_overruns_its_cadence_never_overlaps_itself(runner, clock):
    runner.config = week_config(check={"every": "10m"})
    runner.child.took = {"check": timedelta(minutes=25)}  # a 10-minute cadence, a 25-minute check
    run_scheduler(runner, clock, START + timedelta(hours=12))
    checks = starts_by_stage(runner)["check"]
    for before, after in zip(checks, checks[1:]):
        assert after["started_at"] >= before["ended_at"]
    # a run starts at the first tick after the one before ended: every 30 minutes, 12 hours from 03:01
    assert len(checks) == 24
    assert len(starts_by_stage(runner)["profile"]) == 1  # the other jobs keep their own cadence meanwhile


def test_a_crashed_stage_is_recorded_and_notified_and_stops_its_chain(runner, clock):
    runner.child.crash = {("profile", 2): "exit", ("check", 5): "killed"}
    run_scheduler(runner, clock, START + timedelta(days=1, hours=1))
    rows = starts_by_stage(runner)
    profile = rows["profile"]
    assert [row["outcome"] for row in profile] == ["ok", "failed"]
    assert "exited with 1" in profile[1]["error"] and "malformed" in profile[1]["error"]
    check = rows["check"][4]
    assert check["outcome"] == "failed" and check["ended_at"]  # left running by the killed child, closed by the scheduler
    assert len(rows["score"]) == len(rows["check"]) - 1  # no score, no build after the failed check
    assert len(rows["build"]) == len(rows["check"]) - 1
    assert [(notice.stage, notice.outcome) for notice in runner.notifier] == [("check", "failed"), ("profile", "failed")]
    assert runner.notifier[1].run_id == profile[1]["id"]


def test_a_refused_publish_is_notified_with_the_guards_reason(runner, clock):
    runner.child.crash = {("build", 1): "refused"}
    results = runner.run_job("check")
    assert [(result.stage, result.outcome) for result in results] == [("check", "ok"), ("score", "ok"),
                                                                      ("build", "refused")]
    ((notice),) = runner.notifier
    assert (notice.stage, notice.outcome, notice.error) == ("build", "refused", "live listings fell by 40 %")
    assert [row["outcome"] for row in starts_by_stage(runner)["build"]] == ["refused"]  # its own row, not a second


def test_a_restart_mid_week_takes_up_the_schedule_without_running_anything_twice(runner, clock):
    run_scheduler(runner, clock, START + timedelta(days=3, hours=12))
    run_scheduler(runner, clock, START + timedelta(days=7))  # a new scheduler process, same working database
    rows = starts_by_stage(runner)
    assert len(rows["discover"]) == 1 and len(rows["export"]) == 1  # not again on restart, not forgotten
    assert len(rows["profile"]) == 7
    profile_starts = [datetime.fromisoformat(row["started_at"]) for row in rows["profile"]]
    assert all(after - before >= timedelta(days=1) for before, after in zip(profile_starts, profile_starts[1:]))
    # the checks just after the restart come at their cadence, not at once
    check_starts = [datetime.fromisoformat(row["started_at"]) for row in rows["check"]]
    assert all(after - before >= timedelta(minutes=30) for before, after in zip(check_starts, check_starts[1:]))
    assert len(check_starts) == 7 * 24 * 2


def test_a_weekly_job_whose_last_run_is_long_past_runs_soon_after_start_up():
    config = week_config()
    first = first_runs(config, {"discover": START - timedelta(days=30), "profile": START - timedelta(hours=2)}, START)
    assert first["discover"] == START + timedelta(minutes=1)  # overdue: soon
    assert first["profile"] == START + timedelta(hours=22)  # last start + a day
    assert first["export"] == START + timedelta(minutes=1)  # never ran: soon


def test_every_job_is_scheduled_safely(runner):
    scheduler = SteppedScheduler(timezone=timezone.utc)
    runner.config = load_schedule()  # the shipped data/schedule.yml
    schedule_jobs(scheduler, runner, {}, START)
    jobs = {job.id: job for job in scheduler.get_jobs()}
    assert set(jobs) == {"discover", "profile", "check", "submissions", "export"}
    for job in jobs.values():
        assert job.max_instances == 1 and job.coalesce is True
        assert job.misfire_grace_time >= 600  # the default of 1 s silently skips late runs
        assert job.trigger.jitter


def test_schedule_once_runs_the_flow_in_order_and_fails_when_a_stage_fails(runner, clock):
    runner.config = week_config(export={"enabled": False})
    runner.child.crash = {("score", 1): "exit"}
    results = run_once(runner)
    lines = summary_lines(results)
    assert [line.split(":")[0] for line in lines] == [
        "discover", "profile", "check", "score", "build", "submissions", "claims-verify", "claims-apply", "export"]
    assert lines[3].startswith("score: failed") and lines[4] == "build: not run (score did not succeed)"
    assert lines[-1] == "export: disabled in the schedule config"
    assert not once_succeeded(results)
    runner.child.crash = {}
    assert once_succeeded(run_once(runner))


def test_a_step_with_nothing_to_work_on_is_skipped_not_failed(runner, clock):
    runner.paths.store().unlink()
    results = runner.run_job("submissions")
    assert [(result.stage, result.outcome) for result in results] == [
        ("submissions", "skipped"), ("claims-verify", "skipped"), ("claims-apply", "skipped")]
    assert runner.notifier == [] and "submissions" not in starts_by_stage(runner)


@pytest.mark.parametrize("config, says", [
    ({"jobs": {"chek": {"every": "5m"}}}, "did you mean 'check'?"),
    ({"jobs": {"check": {"evry": "5m"}}}, "did you mean 'every'?"),
    ({"jiter": "1m"}, "did you mean 'jitter'?"),
    ({"jobs": {"check": {"every": "often"}}}, "like 30s, 15m, 6h or 7d"),
])
def test_a_misspelt_schedule_is_an_error_that_names_the_right_key(config, says):
    with pytest.raises(ScheduleConfigError, match=says):
        schedule_from_mapping(config)


def test_the_shipped_schedule_states_the_defaults():
    assert load_schedule() == ScheduleConfig()


def test_counts_are_read_from_a_commands_summary_line():
    assert counts_in("claims: 2 checked, 1 verified, 1 not verified") == {"checked": 2, "verified": 1,
                                                                            "not verified": 1}
