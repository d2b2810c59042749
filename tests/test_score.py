"""score(): checks and signals in, a status on both axes with its reasons out. Pure, so no I/O here."""
from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta, timezone

import pytest

from crawler.models import Activity, CheckOutcome, CheckResult, Reachability, Signal
from crawler.score import ActivityThresholds, Thresholds, score

NOW = datetime(2024, 5, 31, 12, 0, tzinfo=timezone.utc)
URL = "https://forum.example.org"
DETAILS = {
    CheckOutcome.OK: "HTTP 200", CheckOutcome.NOT_FOUND: "HTTP 404", CheckOutcome.GONE: "HTTP 410",
    CheckOutcome.SERVER_ERROR: "HTTP 503", CheckOutcome.TIMEOUT: "no answer within the deadline",
    CheckOutcome.DNS_FAILURE: "forum.example.org: Name or service not known",
    CheckOutcome.CONNECTION_REFUSED: "Connection refused", CheckOutcome.BLOCKED: "HTTP 403: bot challenge page",
    CheckOutcome.PARKED: "parked or for-sale page",
    CheckOutcome.INVITE_EXPIRED: "Discord says Unknown Invite (10006)",
}


def check(outcome: CheckOutcome, at: datetime, **fields) -> CheckResult:
    return CheckResult(URL, at, outcome, detail=fields.pop("detail", DETAILS.get(outcome, outcome.value)), **fields)


def spread(outcomes: Sequence[CheckOutcome], days: float, end: datetime = NOW) -> list[CheckResult]:
    """Checks with these outcomes, evenly spaced over `days` and ending at `end`, oldest first."""
    step = timedelta(days=days) / max(len(outcomes) - 1, 1)
    start = end - step * (len(outcomes) - 1)
    return [check(outcome, start + step * i) for i, outcome in enumerate(outcomes)]


def post(days_ago: int, source_url: str = URL + "/latest.json") -> Signal:
    return Signal("newest_post", (NOW - timedelta(days=days_ago)).isoformat(), NOW, source_url)


def discord_counts(members: int, online: int) -> list[Signal]:
    source = "https://discord.com/api/v10/invites/abc?with_counts=true"
    return [Signal("members", str(members), NOW, source), Signal("online_members", str(online), NOW, source)]


LIVE = [check(CheckOutcome.OK, NOW - timedelta(hours=1))]


# --- reachability ----------------------------------------------------------------------------


def test_no_checks_is_unknown():
    status = score([], [post(1)], NOW)
    assert status.reachability is Reachability.UNKNOWN
    assert status.activity is Activity.UNKNOWN
    assert status.reasons


def test_a_last_check_that_succeeded_is_live_and_says_when():
    status = score([check(CheckOutcome.OK, datetime(2024, 5, 30, 8, tzinfo=timezone.utc))], [], NOW)
    assert status.reachability is Reachability.LIVE
    assert "2024-05-30" in status.reason


def test_a_same_site_redirect_is_live():
    status = score([check(CheckOutcome.REDIRECTED, NOW, detail="redirected to https://forum.example.org/home")], [], NOW)
    assert status.reachability is Reachability.LIVE


@pytest.mark.parametrize("failures, days, expected", [
    (1, 0, Reachability.UNKNOWN),  # one failure alone is rechecked, not judged
    (2, 0, Reachability.FAILING),
    (5, 10, Reachability.FAILING),  # enough time, too few checks
    (6, 6, Reachability.FAILING),  # enough checks, too little time
    (30, 6.9, Reachability.FAILING),
    (6, 7, Reachability.DEAD),  # the anchors: ≥ 6 failed checks over ≥ 7 days
    (12, 30, Reachability.DEAD),
])
def test_repeated_failures_turn_dead_only_with_enough_checks_over_enough_days(failures, days, expected):
    status = score(spread([CheckOutcome.TIMEOUT] * failures, days), [post(1)], NOW)
    assert status.reachability is expected
    assert status.activity is Activity.UNKNOWN
    assert f"{failures} failed checks" in status.reason or "the first check failed" in status.reason


def test_failures_of_different_kinds_count_together_and_the_reason_dates_the_first():
    kinds = [CheckOutcome.TIMEOUT, CheckOutcome.DNS_FAILURE, CheckOutcome.CONNECTION_REFUSED,
             CheckOutcome.SERVER_ERROR, CheckOutcome.NOT_FOUND, CheckOutcome.TIMEOUT]
    checks = spread(kinds, 8)
    status = score(checks, [], NOW)
    assert status.reachability is Reachability.DEAD
    assert checks[0].checked_at.strftime("%Y-%m-%d") in status.reason


def test_only_the_failures_since_the_last_success_count():
    checks = spread([CheckOutcome.TIMEOUT] * 10 + [CheckOutcome.OK] + [CheckOutcome.TIMEOUT] * 3, 20)
    assert score(checks, [], NOW).reachability is Reachability.FAILING


def test_failures_then_one_success_is_live_again():
    checks = spread([CheckOutcome.TIMEOUT] * 10 + [CheckOutcome.OK], 20)
    assert score(checks, [], NOW).reachability is Reachability.LIVE


@pytest.mark.parametrize("outcome", [CheckOutcome.GONE, CheckOutcome.PARKED, CheckOutcome.INVITE_EXPIRED])
def test_a_definitive_signal_is_dead_at_once(outcome):
    status = score([check(outcome, NOW)], [post(1)], NOW)
    assert status.reachability is Reachability.DEAD
    assert status.activity is Activity.UNKNOWN
    assert DETAILS[outcome] in status.reason


def test_a_definitive_signal_after_a_history_of_success_is_dead():
    checks = spread([CheckOutcome.OK] * 20, 20) + [check(CheckOutcome.GONE, NOW + timedelta(hours=1))]
    assert score(checks, [], NOW).reachability is Reachability.DEAD


@pytest.mark.parametrize("count, days", [(1, 0), (30, 30), (100, 365)])
def test_blocked_is_never_dead_however_long_it_lasts(count, days):
    status = score(spread([CheckOutcome.BLOCKED] * count, days), [], NOW)
    assert status.reachability is Reachability.BLOCKED
    assert "never counted dead" in status.reason


def test_blocked_checks_are_not_counted_as_failures():
    # A bot wall now and then between timeouts: the timeouts after the last block are too few to be dead.
    outcomes = [CheckOutcome.TIMEOUT, CheckOutcome.BLOCKED] * 10 + [CheckOutcome.TIMEOUT] * 2
    assert score(spread(outcomes, 30), [], NOW).reachability is Reachability.FAILING


def test_moved_records_the_successor():
    moved = check(CheckOutcome.MOVED, NOW, final_url="https://new.example.org/forum",
                  detail="HTTP 301 to https://new.example.org/forum")
    status = score([moved], [post(1)], NOW)
    assert status.reachability is Reachability.MOVED
    assert status.successor_url == "https://new.example.org/forum"
    assert "https://new.example.org/forum" in status.reason


def test_an_excluded_url_is_unknown_not_dead():
    checks = spread([CheckOutcome.EXCLUDED] * 10, 30)
    assert score(checks, [], NOW).reachability is Reachability.UNKNOWN


# --- activity --------------------------------------------------------------------------------


@pytest.mark.parametrize("days_ago, expected", [
    (0, Activity.ACTIVE), (5, Activity.ACTIVE), (30, Activity.ACTIVE),
    (31, Activity.QUIET), (90, Activity.QUIET), (180, Activity.QUIET),
    (181, Activity.DORMANT), (400, Activity.DORMANT),
])
def test_activity_from_the_newest_post(days_ago, expected):
    signal = post(days_ago, "https://forum.example.org/latest.json")
    status = score(LIVE, [signal], NOW)
    assert status.reachability is Reachability.LIVE
    assert status.activity is expected
    newest = NOW - timedelta(days=days_ago)
    assert status.last_activity == newest
    assert newest.strftime("%Y-%m-%d") in status.reason
    assert "https://forum.example.org/latest.json" in status.reason


def test_the_newest_of_several_posts_counts():
    status = score(LIVE, [post(400), post(3, URL + "/t/new-topic"), post(90)], NOW)
    assert status.activity is Activity.ACTIVE
    assert URL + "/t/new-topic" in status.reason


def test_an_unreadable_post_date_is_ignored():
    signals = [Signal("newest_post", "last Tuesday", NOW, URL), post(90)]
    assert score(LIVE, signals, NOW).activity is Activity.QUIET


@pytest.mark.parametrize("members, online, expected", [
    (1000, 140, Activity.ACTIVE), (1000, 50, Activity.ACTIVE), (1000, 49, Activity.QUIET),
    (1000, 2, Activity.QUIET), (1000, 0, Activity.DORMANT),
])
def test_activity_from_discord_online_members(members, online, expected):
    status = score(LIVE, discord_counts(members, online), NOW)
    assert status.activity is expected
    assert f"{online} of {members}" in status.reason


def test_a_dated_post_outranks_discord_counts():
    status = score(LIVE, discord_counts(1000, 0) + [post(2)], NOW)
    assert status.activity is Activity.ACTIVE


def test_live_without_evidence_has_unknown_activity():
    status = score(LIVE, [], NOW)
    assert (status.reachability, status.activity) == (Reachability.LIVE, Activity.UNKNOWN)
    assert "activity unknown" in status.reason


@pytest.mark.parametrize("checks", [
    [],
    spread([CheckOutcome.TIMEOUT] * 2, 1),
    [check(CheckOutcome.GONE, NOW)],
    [check(CheckOutcome.MOVED, NOW, final_url="https://new.example.org")],
])
def test_activity_is_unknown_unless_live(checks):
    status = score(checks, [post(1)] + discord_counts(1000, 500), NOW)
    assert status.reachability is not Reachability.LIVE
    assert status.activity is Activity.UNKNOWN
    assert status.last_activity is None


def test_behind_a_bot_wall_activity_is_still_read_from_what_the_platform_says():
    status = score([check(CheckOutcome.BLOCKED, NOW)], [post(3)], NOW)
    assert (status.reachability, status.activity) == (Reachability.BLOCKED, Activity.ACTIVE)


# --- thresholds ------------------------------------------------------------------------------


def test_custom_dead_thresholds_are_honoured():
    checks = spread([CheckOutcome.TIMEOUT] * 3, 2)
    assert score(checks, [], NOW).reachability is Reachability.FAILING
    strict = Thresholds(dead_min_failures=3, dead_min_days=2)
    assert score(checks, [], NOW, strict).reachability is Reachability.DEAD
    lenient = Thresholds(dead_min_failures=20, dead_min_days=60)
    assert score(spread([CheckOutcome.TIMEOUT] * 12, 30), [], NOW, lenient).reachability is Reachability.FAILING


@pytest.mark.parametrize("thresholds, signals, expected", [
    (Thresholds(activity=ActivityThresholds(active_within_days=3)), [post(5)], Activity.QUIET),
    (Thresholds(activity=ActivityThresholds(active_within_days=7)), [post(5)], Activity.ACTIVE),
    (Thresholds(activity=ActivityThresholds(quiet_within_days=60)), [post(90)], Activity.DORMANT),
    (Thresholds(activity=ActivityThresholds(quiet_within_days=500)), [post(400)], Activity.QUIET),
    (Thresholds(activity=ActivityThresholds(active_online_share=0.2)), discord_counts(1000, 140), Activity.QUIET),
    (Thresholds(activity=ActivityThresholds(active_online_share=0.001)), discord_counts(1000, 2), Activity.ACTIVE),
])
def test_custom_activity_thresholds_are_honoured(thresholds, signals, expected):
    assert score(LIVE, signals, NOW, thresholds).activity is expected


# --- known bugs ------------------------------------------------------------------------------


def test_a_post_date_without_a_time_zone_is_read_as_utc():
    signal = Signal("newest_post", "2024-05-26", NOW, URL + "/sitemap.xml")  # as a sitemap's <lastmod> gives it
    status = score(LIVE, [signal], NOW)
    assert status.activity is Activity.ACTIVE
    assert "2024-05-26" in status.reason
