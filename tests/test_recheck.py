"""When each link is checked next: daily when live, fast after a first failure, weekly once dead."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from crawler.models import CheckOutcome, CheckResult
from crawler.recheck import DEFAULT_RECHECK, RecheckPolicy, Schedule, is_failure, next_schedule, replay

START = datetime(2026, 11, 14, 3, 0, tzinfo=timezone.utc)
URL = "https://forum.example.org/"
HOUR, DAY = timedelta(hours=1), timedelta(days=1)


def _result(outcome: CheckOutcome, at: datetime = START, retry_after: float | None = None) -> CheckResult:
    return CheckResult(URL, at, outcome, retry_after=retry_after)


def _wait(schedule: Schedule) -> timedelta:
    return schedule.due_at - schedule.last_checked_at


def test_a_live_link_is_due_again_about_a_day_later_within_the_jitter_window():
    waits = [_wait(next_schedule(f"community-{n}", _result(CheckOutcome.OK), 0)) for n in range(300)]
    assert all(20 * HOUR <= wait <= 24 * HOUR for wait in waits)
    assert max(waits) - min(waits) > 3 * HOUR, "jitter spreads a big directory over hours"
    assert len(set(waits)) > 290, "not all at one moment"


def test_a_daily_run_always_finds_yesterdays_live_links_due():
    for n in range(500):
        for outcome in (CheckOutcome.OK, CheckOutcome.REDIRECTED, CheckOutcome.MOVED, CheckOutcome.BLOCKED):
            assert next_schedule(f"c{n}", _result(outcome), 0).due_at <= START + DAY


def test_jitter_is_stable_for_the_same_inputs_and_differs_between_communities():
    first = next_schedule("community-1", _result(CheckOutcome.OK), 0)
    assert next_schedule("community-1", _result(CheckOutcome.OK), 0) == first
    assert next_schedule("community-2", _result(CheckOutcome.OK), 0).due_at != first.due_at


def test_the_failure_ladder_is_one_hour_one_day_three_days_then_daily_then_weekly():
    waits, failures, at = [], 0, START
    for _ in range(9):
        schedule = next_schedule("c1", _result(CheckOutcome.CONNECTION_REFUSED, at), failures)
        waits.append(_wait(schedule))
        failures, at = schedule.failures, schedule.due_at
    assert waits == [HOUR, DAY, 3 * DAY, DAY, DAY, DAY, 7 * DAY, 7 * DAY, 7 * DAY]
    # The checks up to the one that turns weekly span at least the 7 days scoring needs for "dead".
    assert sum(waits[:DEFAULT_RECHECK.dead_after_failures - 1], timedelta()) >= 7 * DAY
    assert failures == 9


def test_weekly_starts_when_failures_reach_the_policys_dead_after_failures():
    policy = RecheckPolicy(dead_after_failures=4)
    assert _wait(next_schedule("c1", _result(CheckOutcome.TIMEOUT), 2, policy)) == 3 * DAY
    assert _wait(next_schedule("c1", _result(CheckOutcome.TIMEOUT), 3, policy)) == 7 * DAY


@pytest.mark.parametrize("outcome", [CheckOutcome.GONE, CheckOutcome.PARKED, CheckOutcome.INVITE_EXPIRED])
def test_a_definitive_answer_is_rechecked_weekly_at_once(outcome):
    schedule = next_schedule("c1", _result(outcome), 0)
    assert _wait(schedule) == DEFAULT_RECHECK.dead_every == 7 * DAY
    assert schedule.last_outcome == outcome.value


@pytest.mark.parametrize("outcome", [CheckOutcome.BLOCKED, CheckOutcome.MOVED, CheckOutcome.REDIRECTED])
def test_blocked_moved_and_redirected_are_not_failures_and_reset_the_count(outcome):
    assert not is_failure(outcome)
    schedule = next_schedule("c1", _result(outcome), 4)
    assert schedule.failures == 0
    assert 20 * HOUR <= _wait(schedule) <= 24 * HOUR


@pytest.mark.parametrize("outcome", [CheckOutcome.NOT_FOUND, CheckOutcome.SERVER_ERROR, CheckOutcome.TIMEOUT,
                                     CheckOutcome.DNS_FAILURE, CheckOutcome.TLS_FAILURE, CheckOutcome.TLS_EXPIRED,
                                     CheckOutcome.SOFT_404, CheckOutcome.REDIRECT_LOOP, CheckOutcome.ERROR])
def test_other_bad_answers_are_failures(outcome):
    assert is_failure(outcome)
    assert next_schedule("c1", _result(outcome), 0).failures == 1


def test_our_own_refusal_is_not_a_failure_and_is_looked_at_weekly():
    schedule = next_schedule("c1", _result(CheckOutcome.EXCLUDED), 2)
    assert schedule.failures == 0 and _wait(schedule) == 7 * DAY


def test_a_success_after_failures_goes_back_to_daily():
    schedule = next_schedule("c1", _result(CheckOutcome.OK), 5)
    assert schedule.failures == 0 and _wait(schedule) <= DAY


def test_retry_after_pushes_the_due_time_but_never_pulls_it_earlier():
    three_days = 3 * 86400
    assert _wait(next_schedule("c1", _result(CheckOutcome.BLOCKED, retry_after=three_days), 0)) == 3 * DAY
    assert _wait(next_schedule("c1", _result(CheckOutcome.SERVER_ERROR, retry_after=7200), 0)) == 2 * HOUR
    assert _wait(next_schedule("c1", _result(CheckOutcome.GONE, retry_after=60), 0)) == 7 * DAY


def test_the_schedule_carries_what_the_catalogue_shows():
    schedule = next_schedule("c1", _result(CheckOutcome.TIMEOUT), 0)
    assert (schedule.community_id, schedule.url, schedule.last_outcome, schedule.last_checked_at) == \
        ("c1", URL, "timeout", START)


def test_replay_of_a_history_equals_the_step_by_step_schedule():
    outcomes = [CheckOutcome.OK, CheckOutcome.TIMEOUT, CheckOutcome.TIMEOUT, CheckOutcome.BLOCKED, CheckOutcome.GONE,
                CheckOutcome.DNS_FAILURE, CheckOutcome.DNS_FAILURE, CheckOutcome.OK, CheckOutcome.SERVER_ERROR]
    history = [_result(outcome, START + n * DAY) for n, outcome in enumerate(outcomes)]
    step = None
    for result in history:
        step = next_schedule("c1", result, step.failures if step else 0)
        assert replay("c1", history[:history.index(result) + 1]) == step
    assert step.failures == 1 and step.last_outcome == "server_error"


def test_replay_of_no_history_is_none():
    assert replay("c1", []) is None


def test_eight_daily_runs_on_a_link_that_always_fails_follow_the_ladder_to_dead():
    """What the demo relies on: runs at 03:00 for 8 days make 6 failed checks over 7 days."""
    schedule, checked_days = None, []
    for day in range(1, 9):
        now = START + (day - 1) * DAY
        if schedule is None or schedule.due_at <= now:
            schedule = next_schedule("c1", _result(CheckOutcome.DNS_FAILURE, now), schedule.failures if schedule else 0)
            checked_days.append(day)
    assert checked_days == [1, 2, 3, 6, 7, 8]
    assert schedule.failures == 6  # as many as scoring needs, over 7 days: dead
    assert schedule.last_checked_at - START >= 7 * DAY
    assert _wait(schedule) == DAY, "daily until the ladder alone would also have spanned 7 days"
