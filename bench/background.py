"""Set-up in the background on the fixture's CPU, once the fixture web is (nearly) idle: one job at a time.

Drawing the catalogue subjects' fixtures (dedupe entries, working DBs) takes minutes at full size; run while the
subjects before them are measured on the other CPU (the crawl, then the first catalogue subjects), it costs the
run nothing. Jobs run at idle priority (SCHED_IDLE) while a subject still uses the fixture web, so nginx, serving
the crawl on the same CPU, gets the CPU the moment it wakes, and at normal priority after it (`promote`); and in
the order submitted, so submit what is needed first first. Each job keeps how long it
took and how long a subject waited for it: the runner prints both (a subject that waits is the set-up, not the
measured code, taking the time).
"""

from __future__ import annotations

import os
import subprocess
import threading
import time
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from bench.fixture.cache import FROM_CACHE
from bench.measure import cpus
from bench.subjects import Subject


@dataclass
class Job:
    name: str
    future: Future
    took_s: float = 0.0
    waited_s: float = 0.0
    pid: int | None = None   # once started, at its priority

    @property
    def from_cache(self) -> bool:
        """The job copied its fixture from bench/.cache instead of making it (its generator says so)."""
        if not self.future.done() or self.future.exception():
            return False
        return FROM_CACHE in self.future.result().stdout

    def result(self) -> subprocess.CompletedProcess:
        """Wait for the job (the time waited is kept) and return its finished process."""
        started = time.monotonic()
        finished = self.future.result()
        self.waited_s += time.monotonic() - started
        return finished


_pool: ThreadPoolExecutor | None = None
_jobs: list[Job] = []
_running: dict[int, subprocess.Popen] = {}   # pid → the job's process, while it runs
_idle_priority = True   # until no subject uses the fixture web: then the jobs have that CPU to themselves
_priority_lock = threading.Lock()   # a job starts at one priority or the other, never between promote()'s steps


def submit(name: str, command: list[str], cwd: Path) -> Job:
    """Run `command` on the fixture's CPU after the jobs submitted before it."""
    global _pool
    if _pool is None:
        _pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="bench-set-up")
    fixture_cpu, _ = cpus()
    job = Job(name, Future())

    def run() -> subprocess.CompletedProcess:
        started = time.monotonic()
        with _priority_lock:   # the parent sets the policy (taskset execs the command: the pid is the job's own)
            process = subprocess.Popen(["taskset", "-c", fixture_cpu, *command], cwd=cwd, stdout=subprocess.PIPE,
                                       stderr=subprocess.PIPE, text=True)
            if _idle_priority:
                _set_policy(process.pid, os.SCHED_IDLE)
            _running[process.pid] = process
            job.pid = process.pid
        with process:
            try:
                stdout, stderr = process.communicate()
            finally:
                _running.pop(process.pid, None)
                job.took_s = time.monotonic() - started
        return subprocess.CompletedProcess(process.args, process.returncode, stdout, stderr)

    job.future = _pool.submit(run)
    _jobs.append(job)
    return job


def promote() -> None:
    """No subject uses the fixture web any more: the jobs, running and to come, get its CPU at normal priority (at
    idle priority any other process on a shared machine would starve them)."""
    global _idle_priority
    with _priority_lock:
        _idle_priority = False
        for pid in list(_running):
            _set_policy(pid, os.SCHED_OTHER)


def _set_policy(pid: int, policy: int) -> None:
    try:
        os.sched_setscheduler(pid, policy, os.sched_param(0))
    except ProcessLookupError:   # it has just finished
        pass


def starts_at(subjects: list[Subject]) -> int:
    """The index of the first subject the background set-up may run beside: no checker (which keeps the fixture's
    CPU busy) comes after it."""
    return next(index for index in range(len(subjects) + 1)
                if not any(later.uses_web and not later.light_on_web for later in subjects[index:]))


def jobs() -> list[Job]:
    return list(_jobs)


def summary() -> str:
    """One line: each job's time and how long subjects waited for it."""
    if not _jobs:
        return "no set-up in the background"
    each = ", ".join(f"{job.name} {job.took_s:.0f} s" + (f" ({FROM_CACHE})" if job.from_cache else "")
                     + (f" (waited {job.waited_s:.0f} s)" if job.waited_s >= 0.5 else "") for job in _jobs)
    return f"set-up in the background on the fixture's CPU: {each}"
