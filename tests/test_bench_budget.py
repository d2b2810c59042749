"""The benchmark's time budget: quick under 5 minutes and full under 20, with every subject, by its own estimates."""

import sys
import time
from pathlib import Path

import pytest

from bench import background, budget
from bench.subjects import Subject, checker, registry


@pytest.mark.parametrize("size", ["quick", "full"])
def test_every_subject_of_a_size_fits_its_budget(size):
    subjects = [subject for subject in registry().values() if size in subject.sizes]
    assert {"checker-static", "checker-mix", "crawl", "dedupe", "catalogue-load", "site-search"} <= \
        {subject.name for subject in subjects}
    assert budget.total_s(subjects, size) <= budget.BUDGET_S[size], budget.plan(subjects, size)


def test_the_plan_says_plainly_when_the_subjects_exceed_the_budget():
    slow = Subject("slow", "", (), ("quick",), run=lambda ctx: [], estimate_s=lambda size: 400.0)
    assert "OVER the quick budget of 5.0 min" in budget.plan([slow], "quick")
    assert "slow 6.7 min" in budget.plan([slow], "quick")


def test_a_step_that_runs_once_at_full_is_budgeted_once():
    estimate = checker._estimate("mix", {("linkchecker", "copdir's limits")}, checker.REPEATS)
    key = ("mix", "linkchecker", "copdir's limits")
    (seconds, urls), fixed = checker.RECORDED_RUN_S[key], checker.FIXED_S[key]
    once = fixed + (seconds - fixed) * checker.LINKCHECKER_MIX_CAP["full"] / urls + checker.STEP_OVERHEAD_S
    assert estimate("full") == pytest.approx(once)


@pytest.mark.parametrize("size", ["quick", "full"])
def test_set_up_in_the_background_starts_with_the_crawl_after_every_checker(size):
    """The checkers keep the fixture's CPU busy: the catalogue subjects' fixtures are drawn beside the crawl only."""
    subjects = [subject for subject in registry().values() if size in subject.sizes]
    start = background.starts_at(subjects)
    assert subjects[start].name == "crawl"
    assert all(not subject.name.startswith("checker") for subject in subjects[start:])
    assert {subject.name for subject in subjects[start:] if subject.prepare} == {"dedupe", "catalogue-load"}


# Once started (it creates STARTED) and told to go on (GO), says whether it runs at idle priority.
PRIORITY_PROBE = """
import os, pathlib, sys, time
started, *gates = map(pathlib.Path, sys.argv[1:])
started.touch()
for gate in gates:
    while not gate.exists():
        time.sleep(0.01)
    print(os.sched_getscheduler(0) == os.SCHED_IDLE, flush=True)
"""


def _started(job, started):
    while job.pid is None or not started.exists():   # its priority is set before its pid is known
        time.sleep(0.01)


def test_a_background_job_runs_at_idle_priority_and_is_reported_by_name(monkeypatch, tmp_path):
    monkeypatch.setattr(background, "_idle_priority", True)
    started, go = tmp_path / "started", tmp_path / "go"
    job = background.submit("probe", [sys.executable, "-c", PRIORITY_PROBE, str(started), str(go)], Path.cwd())
    _started(job, started)
    go.touch()
    done = job.result()
    assert (done.returncode, done.stdout.split()) == (0, ["True"])
    assert "probe " in background.summary()


def test_once_no_subject_uses_the_web_background_jobs_run_at_normal_priority(monkeypatch, tmp_path):
    monkeypatch.setattr(background, "_idle_priority", True)
    started, go = tmp_path / "started", tmp_path / "go"
    running = background.submit("promoted", [sys.executable, "-c", PRIORITY_PROBE, str(started), str(go)], Path.cwd())
    _started(running, started)   # at idle priority, as the test above shows
    background.promote()
    go.touch()
    assert running.result().stdout.split() == ["False"]
    later = background.submit("after", [sys.executable, "-c", PRIORITY_PROBE, str(tmp_path / "s2"), str(go)],
                              Path.cwd())
    assert later.result().stdout.split() == ["False"]
