"""What each scheduled job runs, and running it: its stages in order as children, each run recorded and
anything that needs a maintainer notified.

A job is a chain of steps; the chain stops at the first step that does not succeed, so `build` (which
publishes) runs only after a sound `check` and `score`. A step whose input does not exist yet (no
submissions store, no catalogue) is skipped, not failed: nothing to do is not an alarm.
"""
from __future__ import annotations

import logging
import re
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from catalogue import runs
from catalogue.schema import open_working_db
from crawler.notify import Notice, Notifier, needs_notice
from crawler.schedule.child import ChildResult, run_child
from crawler.schedule.config import ScheduleConfig

log = logging.getLogger("copdir.scheduler")

_COUNT = re.compile(r"(\d+) ([a-z][a-z ]*[a-z])")


@dataclass(frozen=True)
class Paths:
    db: Path = Path("data/copdir.db")
    catalogue: Path = Path("data/catalogue.db")
    sources: Path = Path("data/sources.yml")
    exports: Path = Path("data/exports")
    submissions: Path | None = None  # default: $COPDIR_SUBMISSIONS_DB or data/submissions.db

    def store(self) -> Path:
        from catalogue.submissions import store_path

        return self.submissions or store_path()


@dataclass(frozen=True)
class Step:
    stage: str  # its name in the runs table
    arguments: tuple[str, ...]  # after `python -m crawler --db DB`
    needs: tuple[Path, ...] = ()  # skipped while any of these is missing


def steps_of(job: str, paths: Paths) -> list[Step]:
    cat, store = str(paths.catalogue), str(paths.store())
    return {
        "discover": [Step("discover", ("discover", "--sources", str(paths.sources)))],
        "profile": [Step("profile", ("profile",))],
        "check": [Step("check", ("check",)), Step("score", ("score",)),
                  Step("build", ("build", "--catalogue", cat))],
        "submissions": [
            Step("submissions", ("submissions", "process", "--store", store, "--catalogue", cat),
                 (paths.store(), paths.catalogue)),
            Step("claims-verify", ("claims", "verify", "--store", store), (paths.store(),)),
            Step("claims-apply", ("claims", "apply", "--store", store), (paths.store(),)),
        ],
        "export": [Step("export", ("export", "--catalogue", cat, "--out", str(paths.exports)), (paths.catalogue,))],
    }[job]


def counts_in(summary: str) -> dict[str, int]:
    """The counts in a command's summary line ("claims: 2 checked, 1 verified" → {checked: 2, verified: 1})."""
    return {name: int(number) for number, name in _COUNT.findall(summary.partition(":")[2])}


@dataclass(frozen=True)
class StepResult:
    stage: str
    outcome: str  # ok, skipped, failed, timed-out, abandoned, degraded, refused …
    started_at: datetime
    ended_at: datetime
    detail: str = ""

    @property
    def succeeded(self) -> bool:
        return self.outcome in ("ok", "skipped")

    def line(self) -> str:
        seconds = (self.ended_at - self.started_at).total_seconds()
        return f"{self.stage}: {self.outcome} in {seconds:.0f} s" + (f" — {self.detail}" if self.detail else "")


ChildRunner = Callable[[list[str], float, threading.Event, float], ChildResult]


def utc_now() -> datetime:
    return datetime.now(timezone.utc)


@dataclass
class JobRunner:
    """Runs jobs' steps as children, fills the runs table's gaps and notifies. One per scheduler."""

    config: ScheduleConfig
    paths: Paths = field(default_factory=Paths)
    notifier: Notifier = field(default_factory=Notifier.from_env)
    clock: Callable[[], datetime] = utc_now
    child: ChildRunner = run_child
    stop: threading.Event = field(default_factory=threading.Event)

    def command(self, step: Step) -> list[str]:
        return [sys.executable, "-m", "crawler", "--db", str(self.paths.db), *step.arguments]

    def run_job(self, job: str) -> list[StepResult]:
        """Every step of job in order, stopping at the first that does not succeed."""
        done: list[StepResult] = []
        db = open_working_db(self.paths.db)
        try:
            for step in steps_of(job, self.paths):
                if self.stop.is_set():
                    break
                result = self.run_step(db, step, self.config.jobs[job].time_limit.total_seconds())
                done.append(result)
                log.info("%s", result.line())
                if not result.succeeded:
                    break
        finally:
            db.close()
        return done

    def run_step(self, db, step: Step, time_limit_s: float) -> StepResult:
        started = self.clock()
        missing = [str(path) for path in step.needs if not path.exists()]
        if missing:
            return StepResult(step.stage, "skipped", started, started, f"nothing to do yet: no {', '.join(missing)}")
        before = runs.snapshot(db, step.stage)
        result = self.child(self.command(step), time_limit_s, self.stop, self.config.stop_grace.total_seconds())
        return self._record(db, step, before, result, started, self.clock())

    def _record(self, db, step: Step, before: runs.Snapshot, result: ChildResult, started: datetime,
                ended: datetime) -> StepResult:
        problem = _problem(result)
        rows = runs.runs_of_child(db, before)
        left_running = [row["id"] for row in rows if row["outcome"] == "running"]
        if left_running:  # it died before it could say how its run ended
            runs.close_running(db, left_running, ended, result.outcome if result.outcome != "ok" else "failed",
                               problem)
            rows = runs.runs_of_child(db, before)
        own = [row for row in rows if row["stage"] == step.stage]
        if not own:  # a stage that does not record itself, or one that crashed before it could
            counts = counts_in(result.summary_line()) if result.outcome == "ok" else {}
            run_id = runs.record_run(db, step.stage, started, ended, result.outcome, counts, problem)
            own = [{"id": run_id, "stage": step.stage, "outcome": result.outcome, "started_at": started.isoformat(),
                    "error": problem}]
            rows = [*rows, own[0]]
        for row in rows:
            if needs_notice(row["outcome"]):
                self.notifier.notify(Notice(row["stage"], row["outcome"], row["started_at"] or "",
                                            row["error"] or "", row["id"]))
        recorded = own[-1]["outcome"]
        if result.outcome == "ok" or (result.outcome == "failed" and recorded not in ("ok", "skipped")):
            outcome = recorded  # the stage's own word: ok, skipped, degraded, refused …
        else:
            outcome = result.outcome
        detail = problem or (result.summary_line() if result.outcome == "ok" else "")
        return StepResult(step.stage, outcome, started, ended, detail)


def _problem(result: ChildResult) -> str:
    """What went wrong, in a line: the child's last words, or how it ended."""
    if result.outcome == "ok":
        return ""
    last = result.summary_line()[:300]
    how = {"timed-out": "ran past its time limit and was stopped",
           "abandoned": "stopped with the scheduler before it finished"}.get(
        result.outcome, f"exited with {result.exit_code}")
    return f"{how}: {last}" if last else how
