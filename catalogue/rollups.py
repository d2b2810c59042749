"""Daily check roll-ups and uptime over 30 and 90 days, aggregated in SQL from the working DB's checks.

`check_days` has one row per link and UTC day it was checked: how many checks, how many succeeded, failed or
were blocked, and the first and last outcome of the day. `uptime` has one row per link checked in the last
90 days.

Uptime is the share of *days* with a success among the days that had a verifiable answer (a success or a
failure), not the share of checks: a failing link is rechecked sooner (about 1 h, 1 d, 3 d), so counting
checks would weigh its bad days more than its good ones. Blocked answers (401/403/429, bot walls) are
unverifiable and never count as down, so a day with only blocked answers is left out, as are moved and
excluded answers. A link with no verifiable day in the window has no uptime (NULL), not 0.

Only counted checks are rolled up: the failures of a run that found our own network down are not the link's.
"""
from __future__ import annotations

from collections.abc import Sized
from datetime import datetime, timedelta

import sqlite_utils

from crawler.models import CheckOutcome

# The same classes as crawler/status/reachability.py (REACHABLE; FAILURES | DEFINITIVELY_DEAD), which
# catalogue/ may not import; tests/test_publish_guards.py keeps them equal.
SUCCESS = frozenset({CheckOutcome.OK, CheckOutcome.REDIRECTED})
FAILURE = frozenset({
    CheckOutcome.NOT_FOUND, CheckOutcome.SERVER_ERROR, CheckOutcome.TIMEOUT, CheckOutcome.DNS_FAILURE,
    CheckOutcome.CONNECTION_REFUSED, CheckOutcome.TLS_FAILURE, CheckOutcome.TLS_EXPIRED, CheckOutcome.ERROR,
    CheckOutcome.SOFT_404, CheckOutcome.REDIRECT_LOOP, CheckOutcome.GONE, CheckOutcome.PARKED,
    CheckOutcome.INVITE_EXPIRED,
})
BLOCKED = frozenset({CheckOutcome.BLOCKED})
UPTIME_WINDOWS = (30, 90)  # days, ending on the build's day

CHECK_DAYS_COLUMNS = {"link_id": str, "day": str, "checks": int, "successes": int, "failures": int,
                      "blocked": int, "first_outcome": str, "last_outcome": str}
UPTIME_COLUMNS = {"link_id": str, "days_checked_30d": int, "days_up_30d": int, "uptime_30d": float,
                  "days_checked_90d": int, "days_up_90d": int, "uptime_90d": float}


def _marks(items: Sized) -> str:
    return ",".join("?" * len(items))


# One pass over the attached working database's checks, grouped by link and day. checked_at has no space, so "<checked_at> <outcome>" sorts by
# time and its min/max carry the day's first and last outcome without a second query.
# Its WHERE and GROUP BY are those of the working DB's idx_checks_counted_day (catalogue/schema.py), so it reads
# the index alone, already in the group's order: keep them in step.
_CHECK_DAYS_SQL = f"""
insert into check_days ({", ".join(CHECK_DAYS_COLUMNS)})
select link_id, day, checks, successes, failures, blocked,
  substr(first, instr(first, ' ') + 1) as first_outcome, substr(last, instr(last, ' ') + 1) as last_outcome
from (
  select community_id as link_id, date(checked_at) as day, count(*) as checks,
    sum(outcome in ({_marks(SUCCESS)})) as successes, sum(outcome in ({_marks(FAILURE)})) as failures,
    sum(outcome in ({_marks(BLOCKED)})) as blocked,
    min(checked_at || ' ' || outcome) as first, max(checked_at || ' ' || outcome) as last
  from working.checks where counted = 1 and date(checked_at) is not null
  group by community_id, date(checked_at)
)
"""
_OUTCOME_PARAMS = [o.value for outcomes in (SUCCESS, FAILURE, BLOCKED) for o in sorted(outcomes)]

# One pass over the last 90 days of check_days, grouped by link. A day is up when anything succeeded that day.
_UPTIME_SQL = """
insert into uptime (link_id, days_checked_30d, days_up_30d, uptime_30d, days_checked_90d, days_up_90d, uptime_90d)
select link_id, checked_30, up_30, round(1.0 * up_30 / nullif(checked_30, 0), 4),
  checked_90, up_90, round(1.0 * up_90 / nullif(checked_90, 0), 4)
from (
  select link_id,
    sum(day > :since_30 and successes + failures > 0) as checked_30, sum(day > :since_30 and successes > 0) as up_30,
    sum(successes + failures > 0) as checked_90, sum(successes > 0) as up_90
  from check_days where day > :since_90 and day <= :today
  group by link_id
)
"""


def write_check_rollups(out: sqlite_utils.Database, built_at: datetime) -> int:
    """Write check_days and uptime into out from the attached working database (catalogue/attach.py), inside
    the build's transaction; return the check_days rows."""
    out["check_days"].create(CHECK_DAYS_COLUMNS, pk=("link_id", "day"), not_null={"link_id", "day"})
    out["uptime"].create(UPTIME_COLUMNS, pk="link_id")
    out.execute(_CHECK_DAYS_SQL, _OUTCOME_PARAMS)
    today = built_at.date()
    out.execute(_UPTIME_SQL, {"today": today.isoformat(),
                              "since_30": (today - timedelta(days=UPTIME_WINDOWS[0])).isoformat(),
                              "since_90": (today - timedelta(days=UPTIME_WINDOWS[1])).isoformat()})
    out["check_days"].create_index(["day"])  # "every link's day D" without a full scan
    return out["check_days"].count
