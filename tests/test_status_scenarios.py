"""Quality gate: multi-day scenarios on the sample web, through the real stages, against hand-written labels.

The scripted hosts of crawler/sampleweb/scenarios.py (flaky hosts, a slow death, a revival, a bot wall,
a move, a stale counter, a 410) are listed, profiled, checked twice a day and scored over twelve simulated
days on a temporary working DB, with one day on which our own network is down. tests/gold/status/scenarios.yml
holds the labels, the rules they follow and the schedule of the run. Floors may rise, never fall.
"""
from __future__ import annotations

import contextlib
import socket
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
import yaml

from catalogue import store
from catalogue.schema import open_working_db
from crawler import recheck
from crawler.cli import stages
from crawler.models import CheckOutcome
from crawler.netconfig import DEADLINE_ENV, SAMPLE_WEB_ENV
from crawler.politeness import CheckSettings
from crawler.sampleweb import scenarios
from crawler.sampleweb.server import running
from crawler.urls import canonicalize, community_id, platform_of

GOLD = Path(__file__).parent / "gold" / "status" / "scenarios.yml"
DAY0 = datetime(2026, 11, 1, 6, tzinfo=timezone.utc)
CANARIES = ("https://www.wikipedia.org/", "https://www.debian.org/")  # always up on the sample web
SETTINGS = CheckSettings(min_interval_s=0, backoff_s=0.01, concurrency=16, canaries=CANARIES)

AGREEMENT_FLOOR = 0.95
NEVER_DEAD = ("bot-wall", "flaky-alive", "flaky-twice")  # blocked or flaky-but-alive
# Checks that are neither an answer (a page, a move) nor a definitive end (410, parked, expired invite):
# one of them alone must change no status.
NOT_ANSWERED = frozenset(outcome for outcome in CheckOutcome
                         if recheck.is_failure(outcome) and outcome not in recheck.DEFINITIVE) | {CheckOutcome.BLOCKED}
# The days of each scripted failure's failed checks (one entry per check): what the labels assume of the ladder.
FAILED_CHECK_DAYS = {"flaky-alive": [2, 5, 9], "flaky-twice": [3, 3], "slow-death": [4, 4, 5, 9, 10, 11]}

Label = tuple[str, str]  # (reachability, activity)


def load_gold() -> tuple[dict, dict[tuple[str, int], Label]]:
    """The run's schedule, and the label of each (scenario, day)."""
    gold = yaml.safe_load(GOLD.read_text(encoding="utf-8"))
    labels: dict[tuple[str, int], Label] = {}
    for name, spans in gold["scenarios"].items():
        for span, label in spans.items():
            first, _, last = str(span).partition("-")
            reachability, activity = label.split("/")
            for day in range(int(first), int(last or first) + 1):
                assert (name, day) not in labels, f"{GOLD.name}: {name} day {day} is labelled twice"
                labels[(name, day)] = (reachability, activity)
    return gold["run"], labels


RUN, LABELS = load_gold()
NAMES = [scenario.name for scenario in scenarios.SCENARIOS]


@dataclass
class Played:
    daily: dict[tuple[str, int], Label] = field(default_factory=dict)  # the status after each day
    history: list[dict] = field(default_factory=list)  # status_history rows, each with its scenario's name
    checks: dict[str, list[dict]] = field(default_factory=lambda: defaultdict(list))  # counted, oldest first
    check_runs: dict[int, list[dict]] = field(default_factory=lambda: defaultdict(list))  # per day


def day_of(stamp: str) -> int:
    return (datetime.fromisoformat(stamp) - DAY0) // timedelta(days=1)


@contextlib.contextmanager
def our_network_down(env: pytest.MonkeyPatch, port: int) -> Iterator[None]:
    """Every connection refused, the canaries' too: what the checker sees when our own link is down."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))  # bound, never listening
        env.setenv(SAMPLE_WEB_ENV, f"127.0.0.1:{sock.getsockname()[1]}")
        try:
            yield
        finally:
            env.setenv(SAMPLE_WEB_ENV, f"127.0.0.1:{port}")


@pytest.fixture(scope="module")
def played(tmp_path_factory) -> Played:
    """The whole run, once: list the scenario communities, then each day profile (some days), check, recheck, score."""
    result = Played()
    moment = [DAY0]
    name_of = {community_id(canonicalize(scenario.url)): scenario.name for scenario in scenarios.SCENARIOS}
    with running(lambda: moment[0], scenario_start=DAY0) as (_, port), pytest.MonkeyPatch.context() as env:
        env.setenv(SAMPLE_WEB_ENV, f"127.0.0.1:{port}")
        env.setenv(DEADLINE_ENV, "2")
        db = open_working_db(tmp_path_factory.mktemp("scenarios") / "copdir.db")
        db["sources"].insert({"name": "scenarios", "url": "https://lists.example/", "kind": "markdown", "tags": "[]"})
        store.ingest_observations(db, [{"source": "scenarios", "url": scenario.url, "name": scenario.name,
                                        "platform": platform_of(canonicalize(scenario.url)).value}
                                       for scenario in scenarios.SCENARIOS], run_id=0, now=DAY0)
        for day in range(RUN["days"]):
            start = DAY0 + timedelta(days=day)
            if day in RUN["profile_days"]:
                moment[0] = start
                stages.profile(db, start)
            for hour in RUN["check_hours"]:
                moment[0] = start + timedelta(hours=hour)
                outage = our_network_down(env, port) if day == RUN["outage_day"] else contextlib.nullcontext()
                with outage:
                    result.check_runs[day].append(stages.check(db, moment[0], settings=SETTINGS))
            moment[0] = start + timedelta(hours=RUN["score_hour"])
            stages.score_all(db, moment[0])
            for row in db["statuses"].rows:
                result.daily[(name_of[row["community_id"]], day)] = (row["reachability"], row["activity"])
        for row in db.query("select * from status_history order by changed_at, id"):
            result.history.append({**row, "name": name_of[row["community_id"]]})
        for row in db.query("select * from checks where counted = 1 order by checked_at, id"):
            result.checks[name_of[row["community_id"]]].append(row)
    return result


# --- what failed, shown as a per-day table ---------------------------------------------------------

_REACHABILITY = {"live": "L", "failing": "F", "blocked": "B", "moved": "M", "dead": "D", "unknown": "?"}
_ACTIVITY = {"active": "a", "quiet": "q", "dormant": "d", "unknown": "?"}


def table(played: Played) -> str:
    days = range(RUN["days"])
    lines = ["scenario        " + "".join(f"{day:>5}" for day in days)]
    for name in NAMES:
        cells = []
        for day in days:
            got = played.daily.get((name, day), ("unknown", "unknown"))
            short = _REACHABILITY.get(got[0], got[0]) + _ACTIVITY.get(got[1], got[1])
            cells.append(f"{short + ('!' if got != LABELS[(name, day)] else ''):>5}")
        lines.append(f"{name:<16}" + "".join(cells))
    lines.append("L live, F failing, B blocked, M moved, D dead; a active, q quiet, d dormant; ? unknown; "
                 "! differs from the label:")
    lines += [f"  {name} day {day}: expected {'/'.join(label)}, got {'/'.join(played.daily.get((name, day), ('-', '-')))}"
              for (name, day), label in sorted(LABELS.items(), key=lambda item: (NAMES.index(item[0][0]), item[0][1]))
              if played.daily.get((name, day)) != label]
    return "\n".join(lines)


# --- the gate --------------------------------------------------------------------------------------

def test_the_labels_cover_every_scenario_on_every_day():
    assert sorted({name for name, _ in LABELS}) == sorted(NAMES)
    for name in NAMES:
        assert sorted(day for labelled, day in LABELS if labelled == name) == list(range(RUN["days"])), name


def test_the_scripted_failures_met_the_checks_the_labels_assume(played):
    failed = {name: [day_of(row["checked_at"]) for row in played.checks[name]
                     if CheckOutcome(row["outcome"]) in NOT_ANSWERED] for name in FAILED_CHECK_DAYS}
    assert failed == FAILED_CHECK_DAYS, table(played)


def test_agreement_with_the_labels_is_at_least_the_floor(played):
    agreed = sum(played.daily.get(key) == label for key, label in LABELS.items())
    agreement = agreed / len(LABELS)
    assert agreement >= AGREEMENT_FLOOR, f"agreement {agreement:.3f} < {AGREEMENT_FLOOR}\n{table(played)}"


def test_blocked_and_flaky_but_alive_hosts_are_never_dead(played):
    dead = [(name, day) for (name, day), (reachability, _) in played.daily.items()
            if name in NEVER_DEAD and reachability == "dead"]
    assert dead == [], table(played)


def test_no_status_changes_after_a_single_failed_check(played):
    previous: dict[str, Label] = {}
    changed_on_one_failure = []
    for row in played.history:
        status = (row["reachability"], row["activity"])
        before = previous.get(row["name"], ("unknown", "unknown"))
        previous[row["name"]] = status
        if status == before:
            continue
        checks = [check for check in played.checks[row["name"]] if check["checked_at"] <= row["changed_at"]]
        streak = 0
        for check in reversed(checks):
            if CheckOutcome(check["outcome"]) not in NOT_ANSWERED:
                break
            streak += 1
        if streak == 1:
            changed_on_one_failure.append(f"{row['name']} on day {day_of(row['changed_at'])}: "
                                          f"{'/'.join(before)} → {'/'.join(status)} after one {checks[-1]['outcome']}")
    assert changed_on_one_failure == [], "\n".join(changed_on_one_failure) + "\n" + table(played)


def test_nothing_changes_while_our_own_network_is_down(played):
    outage = RUN["outage_day"]
    runs = played.check_runs[outage]
    assert [(run["outcome"], run["checked"]) for run in runs] == [("degraded", 0)] * len(RUN["check_hours"])
    assert all("canary" in run["error"] for run in runs)
    changed = [f"{row['name']}: {row['reachability']}/{row['activity']}" for row in played.history
               if day_of(row["changed_at"]) == outage]
    assert changed == [], table(played)
    assert {name: played.daily[(name, outage)] for name in NAMES} == \
           {name: played.daily[(name, outage - 1)] for name in NAMES}
