"""The status model's parts: evidence and stale counters, per-platform activity, platform verdicts,
hysteresis, lifecycle, owner overrides and the thresholds file. Pure functions; no I/O but the config file."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from crawler.models import (Activity, CheckOutcome, CheckResult, Lifecycle, OverrideKind, OwnerOverride, Reachability,
                            Signal)
from crawler.score import score
from crawler.status.thresholds import (DEFAULT_THRESHOLDS, StatusConfigError, Thresholds, load_thresholds,
                                       thresholds_from_mapping)

from conftest import REPO

NOW = datetime(2026, 11, 20, 6, tzinfo=timezone.utc)
SITE = "https://forum.example.org"
LIVE = [CheckResult(SITE, NOW - timedelta(days=1), CheckOutcome.OK, 200, detail="HTTP 200", ref="checks:1"),
        CheckResult(SITE, NOW - timedelta(hours=1), CheckOutcome.OK, 200, detail="HTTP 200", ref="checks:2")]


def signal(kind: str, value, days_ago: float = 0, source: str = SITE + "/about.json", ref: str = "",
           seen_for_days: float = 0, times_seen: int = 1) -> Signal:
    observed = NOW - timedelta(days=days_ago)
    last = observed + timedelta(days=seen_for_days) if seen_for_days else None
    return Signal(kind, str(value), observed, source, ref=ref, last_observed_at=last, times_seen=times_seen)


def newest_post(days_ago: float, source: str = SITE + "/latest.json", ref: str = "signals:9") -> Signal:
    return signal("newest_post", (NOW - timedelta(days=days_ago)).isoformat(), 0, source, ref)


def check(outcome: CheckOutcome, days_ago: float, ref: str = "", **fields) -> CheckResult:
    return CheckResult(SITE, NOW - timedelta(days=days_ago), outcome, detail=fields.pop("detail", outcome.value),
                       ref=ref, **fields)


# --- evidence and stale counters -------------------------------------------------------------------


def test_a_counter_frozen_over_many_observations_is_not_trusted_and_the_reason_says_so():
    frozen = signal("active_users", 12, days_ago=40, ref="signals:3", seen_for_days=40, times_seen=9)
    status = score(LIVE, [frozen], NOW, platform="lemmy")
    assert status.activity is Activity.UNKNOWN
    assert status.stale == (("signals:3", "active_users 12: unchanged in 9 observations since 2026-10-11"),)
    assert "not trusted" in status.reason and "signals:3" in status.evidence


def test_a_counter_that_moves_is_trusted():
    moving = signal("active_users", 12, days_ago=1, ref="signals:3")
    status = score(LIVE, [moving], NOW, platform="lemmy")
    assert status.activity is Activity.ACTIVE
    assert "12 active users this month" in status.reason and status.stale == ()


def test_a_steady_zero_is_not_stale_it_is_what_a_dormant_place_looks_like():
    zero = signal("posts_30d", 0, days_ago=40, ref="signals:3", seen_for_days=40, times_seen=12)
    status = score(LIVE, [zero], NOW, platform="discourse")
    assert (status.activity, status.stale) == (Activity.DORMANT, ())


def test_posts_in_30_days_that_contradict_the_same_sites_newest_topic_are_set_aside():
    """The stale-counter case of lemmy-ui #3179: the counter says busy, the topic list says 400 days of silence."""
    counter = signal("posts_30d", 40, ref="signals:4")
    status = score(LIVE, [counter, newest_post(400)], NOW, platform="discourse")
    assert status.activity is Activity.DORMANT
    assert "newest post 2025-10-16 (400 days ago)" in status.reason
    assert status.stale == (("signals:4", "posts_30d 40: contradicts the newest post 2025-10-16"),)


def test_a_newest_post_from_another_site_does_not_discredit_a_platforms_counter():
    counter = signal("posts_30d", 40, ref="signals:4")
    status = score(LIVE, [counter, newest_post(400, "https://blog.example.net/")], NOW, platform="discourse")
    assert status.stale == ()


@pytest.mark.parametrize("posts, expected", [(0, Activity.DORMANT), (5, Activity.QUIET), (6, Activity.ACTIVE)])
def test_discourse_needs_more_than_five_posts_a_month_to_be_active(posts, expected):
    assert score(LIVE, [signal("posts_30d", posts)], NOW, platform="discourse").activity is expected


@pytest.mark.parametrize("platform, users, expected", [
    ("mastodon", 4, Activity.QUIET), ("mastodon", 5, Activity.ACTIVE), ("github", 3, Activity.ACTIVE),
    ("mastodon", 0, Activity.DORMANT),
])
def test_active_user_thresholds_are_per_platform(platform, users, expected):
    assert score(LIVE, [signal("active_users", users)], NOW, platform=platform).activity is expected


def test_a_meetup_group_that_met_two_months_ago_is_still_active():
    met = signal("newest_post", (NOW - timedelta(days=60)).isoformat(), source="https://www.meetup.com/pydata/")
    assert score(LIVE, [met], NOW, platform="meetup").activity is Activity.ACTIVE
    assert score(LIVE, [met], NOW, platform="forum").activity is Activity.QUIET


def test_an_upcoming_event_is_evidence_of_life_but_one_years_ahead_is_not():
    soon = signal("upcoming_event", (NOW + timedelta(days=20)).isoformat(), source=SITE + "/events")
    status = score(LIVE, [soon, newest_post(300)], NOW)
    assert status.activity is Activity.ACTIVE
    assert "upcoming event 2026-12-10 (ahead)" in status.reason
    far = signal("upcoming_event", (NOW + timedelta(days=400)).isoformat(), source=SITE + "/events")
    assert score(LIVE, [far, newest_post(300)], NOW).activity is Activity.DORMANT


def test_a_site_that_only_changed_is_at_most_quiet():
    changed = signal("sitemap_lastmod", (NOW - timedelta(days=2)).isoformat(), source=SITE + "/sitemap.xml")
    status = score(LIVE, [changed], NOW)
    assert status.activity is Activity.QUIET
    assert "sitemap updated" in status.reason and "no dated posts" in status.reason
    old = signal("sitemap_lastmod", (NOW - timedelta(days=900)).isoformat(), source=SITE + "/sitemap.xml")
    assert score(LIVE, [old], NOW).activity is Activity.DORMANT


def test_last_modified_from_a_check_is_evidence_and_cites_the_check():
    checks = [check(CheckOutcome.OK, 0.1, "checks:7", last_modified=NOW - timedelta(days=400))]
    status = score(checks, [], NOW)
    assert status.activity is Activity.DORMANT
    assert "page last modified 2025-10-16" in status.reason and "checks:7" in status.evidence


def test_dated_evidence_outranks_counters_and_the_reason_names_date_source_and_check():
    status = score(LIVE, [newest_post(3), signal("posts_30d", 0, ref="signals:5")], NOW, platform="discourse")
    assert status.activity is Activity.ACTIVE
    assert status.last_activity == NOW - timedelta(days=3)
    assert status.activity_reason.startswith("active: newest post 2026-11-17 (3 days ago)")
    assert SITE + "/latest.json, seen 2026-11-20" in status.activity_reason
    assert status.reachability_reason == f"live: HTTP 200 — {SITE}, checked 2026-11-20"
    assert status.evidence[0] == "signals:9" and "checks:2" in status.evidence


def test_a_list_annotation_is_named_when_nothing_else_is_known():
    status = score(LIVE, [], NOW, listed=["inactive"])
    assert status.activity is Activity.UNKNOWN
    assert "a list marks it 'inactive'" in status.reason


def test_a_future_post_date_is_a_placeholder_not_evidence():
    assert score(LIVE, [newest_post(-30)], NOW).activity is Activity.UNKNOWN


# --- reachability: platform verdicts and hysteresis ---------------------------------------------------


@pytest.mark.parametrize("kind, value", [("access", "banned"), ("access", "deleted"), ("invite_valid", "false")])
def test_a_platform_saying_the_community_ended_is_definitive(kind, value):
    status = score(LIVE, [signal(kind, value, ref="signals:8")], NOW)
    assert status.reachability is Reachability.DEAD
    assert "the platform says" in status.reason and status.evidence == ("signals:8",)


def test_a_ban_the_platform_no_longer_reports_is_history():
    banned = signal("access", "banned", days_ago=10)
    public_again = signal("members", 40, days_ago=1)  # the same source read again, without the ban
    assert score(LIVE, [banned, public_again], NOW).reachability is Reachability.LIVE


def test_one_refusal_after_a_success_is_rechecked_two_are_blocked():
    once = LIVE + [check(CheckOutcome.BLOCKED, 0, detail="HTTP 429")]
    assert score(once, [], NOW).reachability is Reachability.LIVE
    twice = once + [check(CheckOutcome.BLOCKED, -0.04, detail="HTTP 429")]
    assert score(twice, [], NOW + timedelta(hours=1)).reachability is Reachability.BLOCKED


def test_a_first_check_that_fails_leaves_the_status_unknown_until_rechecked():
    first = [check(CheckOutcome.TIMEOUT, 0)]
    assert score(first, [], NOW).reachability is Reachability.UNKNOWN
    assert score(first + [check(CheckOutcome.TIMEOUT, -0.04)], [], NOW).reachability is Reachability.FAILING


# --- lifecycle -------------------------------------------------------------------------------------


def members(value: int, days_ago: float) -> Signal:
    return signal("members", value, days_ago, source="https://discord.com/api/v10/invites/x")


@pytest.mark.parametrize("before, after, expected", [
    (100, 130, Lifecycle.GROWING), (100, 80, Lifecycle.DECLINING), (100, 104, Lifecycle.STEADY),
])
def test_growth_and_decline_compare_with_the_reading_a_month_before(before, after, expected):
    status = score(LIVE, [members(before, 40), members(after, 1), newest_post(2)], NOW)
    assert status.lifecycle is expected


def test_too_little_history_is_unknown():
    assert score(LIVE, [members(100, 3), members(150, 1), newest_post(2)], NOW).lifecycle is Lifecycle.UNKNOWN


def test_a_community_created_last_month_is_new():
    created = signal("created", (NOW - timedelta(days=30)).isoformat(), source="https://reddit.com/r/x/about.json")
    assert score(LIVE, [created, newest_post(1)], NOW).lifecycle is Lifecycle.NEW


def test_active_again_after_dormancy_is_revived_for_a_while():
    history = [(NOW - timedelta(days=60), "live", "dormant")]
    assert score(LIVE, [newest_post(1)], NOW, history=history).lifecycle is Lifecycle.REVIVED
    long_ago = [(NOW - timedelta(days=400), "live", "dormant"), (NOW - timedelta(days=300), "live", "active")]
    assert score(LIVE, [newest_post(1)], NOW, history=long_ago).lifecycle is not Lifecycle.REVIVED


def test_a_step_down_in_activity_is_a_decline():
    history = [(NOW - timedelta(days=100), "live", "active")]
    assert score(LIVE, [newest_post(45)], NOW, history=history).lifecycle is Lifecycle.DECLINING


# --- owner overrides -------------------------------------------------------------------------------


def override(kind: OverrideKind, verified: bool = True, **fields) -> OwnerOverride:
    set_at = NOW - timedelta(days=5)
    return OwnerOverride(kind, set_at, set_at if verified else None, ref="owner_overrides:1", **fields)


def test_a_hiatus_keeps_the_measured_axes_and_says_why_it_is_quiet():
    hiatus = override(OverrideKind.HIATUS, until=NOW + timedelta(days=60), note="back after the summer")
    status = score(LIVE, [newest_post(200)], NOW, overrides=[hiatus], history=[(NOW - timedelta(days=90), "live", "quiet")])
    assert (status.reachability, status.activity) == (Reachability.LIVE, Activity.DORMANT)
    assert status.override == "on hiatus until 2027-01-19"
    assert status.activity_reason.startswith("on hiatus until 2027-01-19 — its verified owner said so on 2026-11-15")
    assert status.lifecycle is not Lifecycle.DECLINING and "owner_overrides:1" in status.evidence


def test_a_hiatus_lapses_on_its_date():
    lapsed = override(OverrideKind.HIATUS, until=NOW - timedelta(days=1))
    assert score(LIVE, [newest_post(200)], NOW, overrides=[lapsed]).override == ""


def test_moved_and_closed_replace_what_the_checks_say():
    moved = score(LIVE, [], NOW, overrides=[override(OverrideKind.MOVED, url="https://new.example.org/")])
    assert (moved.reachability, moved.successor_url) == (Reachability.MOVED, "https://new.example.org/")
    closed = score(LIVE, [], NOW, overrides=[override(OverrideKind.CLOSED, note="thanks, all")])
    assert closed.reachability is Reachability.DEAD and "closed" in closed.reason and "thanks, all" in closed.reason


def test_an_unverified_override_is_never_applied():
    status = score(LIVE, [], NOW, overrides=[override(OverrideKind.CLOSED, verified=False)])
    assert status.reachability is Reachability.LIVE and status.override == ""


# --- thresholds ------------------------------------------------------------------------------------


def test_the_shipped_config_file_states_the_defaults():
    assert load_thresholds(REPO / "data" / "status.yml") == DEFAULT_THRESHOLDS


def test_a_missing_config_file_means_the_defaults(tmp_path):
    assert load_thresholds(tmp_path / "none.yml") is DEFAULT_THRESHOLDS


def test_config_overrides_one_platform_and_the_default_reaches_the_others():
    thresholds = thresholds_from_mapping({"activity": {"default": {"active_within_days": 14},
                                                       "meetup": {"active_within_days": 120}},
                                          "reachability": {"dead_min_days": 10}})
    assert thresholds.dead_min_days == 10
    assert thresholds.activity_for("forum").active_within_days == 14
    assert thresholds.activity_for("forum").active_min_posts_30d == 6
    assert thresholds.activity_for("meetup").active_within_days == 120


@pytest.mark.parametrize("config, message", [
    ({"reachability": {"dead_min_failure": 3}}, "did you mean 'dead_min_failures'"),
    ({"activity": {"discourse": {"active_within_day": 3}}}, "did you mean 'active_within_days'"),
    ({"reachabilty": {}}, "did you mean 'reachability'"),
])
def test_a_misspelt_setting_names_the_right_one(config, message):
    with pytest.raises(StatusConfigError, match=message):
        thresholds_from_mapping(config)


def test_bad_yaml_says_which_file(tmp_path: Path):
    bad = tmp_path / "status.yml"
    bad.write_text("reachability: [unclosed")
    with pytest.raises(StatusConfigError, match="status.yml: not valid YAML"):
        load_thresholds(bad)


def test_custom_thresholds_change_the_verdict():
    checks = [check(CheckOutcome.TIMEOUT, days) for days in (3, 2, 1)]
    assert score(checks, [], NOW).reachability is Reachability.FAILING
    assert score(checks, [], NOW, Thresholds(dead_min_failures=3, dead_min_days=2)).reachability is Reachability.DEAD


@pytest.mark.parametrize("before, expected", [
    (CheckOutcome.BLOCKED, Reachability.BLOCKED), (CheckOutcome.MOVED, Reachability.MOVED),
    (CheckOutcome.OK, Reachability.LIVE),
])
def test_one_failure_after_any_answer_keeps_what_that_answer_said(before, expected):
    history = [check(before, 3, final_url="https://new.example.org/"), check(before, 2, final_url="https://new.example.org/"),
               check(CheckOutcome.TIMEOUT, 1)]
    status = score(history, [], NOW)
    assert status.reachability is expected and "rechecking" in status.reason
