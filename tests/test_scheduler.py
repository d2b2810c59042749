"""The scheduler's one job: stable id, no overlap, late runs not skipped, the cycle in order."""
from __future__ import annotations

import scheduler


def test_the_check_cycle_is_scheduled_safely():
    sched = scheduler.make_scheduler(every_minutes=15)
    (job,) = sched.get_jobs()
    assert job.id == "check-cycle"
    assert job.max_instances == 1 and job.coalesce is True
    assert job.misfire_grace_time >= 60  # the default of 1 s silently skips late runs


def test_the_cycle_runs_check_score_build_in_order_and_stops_at_a_failure(monkeypatch):
    ran = []

    def fake_stage(arguments, time_limit_s=0):
        ran.append(arguments[0])
        return 3 if arguments[0] == "score" else 0

    monkeypatch.setattr(scheduler, "run_stage", fake_stage)
    assert scheduler.check_cycle() == 3
    assert ran == ["check", "score"]  # build never runs on a failed score


def test_once_exits_with_the_cycles_status(monkeypatch):
    monkeypatch.setattr(scheduler, "check_cycle", lambda: 0)
    assert scheduler.main(["--once"]) == 0
