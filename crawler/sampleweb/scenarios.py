"""Scripted communities for multi-day runs: hosts under SCENARIO_SUFFIX whose answers follow a timeline.

Every other community on the sample web does the same thing every day (`behaviour.behaviour_of`). A
scenario host changes, counted from the sample web's scenario start: a flaky host fails for half an hour
on a few days, a slow death stops posting and then answers 500, a revival posts again after months …
tests/gold/status/scenarios.yml says what the pipeline must conclude on each day.

Day N is [start + N days, start + N + 1 days). A scenario's community posts once a day, POST_HOUR into
the day, on the days its `Posting` says; its page, feed, sitemap, Last-Modified and Discourse topics all
show that one history. Pages render with `pages`, Discourse's JSON with `platform_api`, as for every host.
"""
from __future__ import annotations

import enum
import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.utils import format_datetime
from types import MappingProxyType

from crawler.sampleweb import page_facts, pages, platform_api
from crawler.sampleweb.behaviour import Behaviour, successor_of

Answer = tuple[int, dict[str, str], bytes]

SCENARIO_SUFFIX = ".scenario.example"  # .example is reserved (RFC 2606): no real host is ever scripted
DAY = timedelta(days=1)
POST_HOUR = timedelta(hours=1)  # a day's post appears an hour in: after that day's first check
OLDER_POST_SPACING = timedelta(days=3)  # between the posts of a history before the daily ones
LISTED_POSTS = 5  # posts a page, feed, sitemap or topic list shows
BRIEF = timedelta(minutes=30)  # a flaky host's outage: the day's first check meets it, a recheck an hour later does not
HTML = "text/html; charset=utf-8"


class Mode(str, enum.Enum):
    """What a scenario host does for a while."""

    LIVE = "live"  # its pages, dated as its Posting says
    UNAVAILABLE = "503"
    SERVER_ERROR = "500"
    BOT_WALL = "403-bot-wall"  # a Cloudflare challenge
    MOVED = "301-moved"  # to a successor on another site
    GONE = "410"


@dataclass(frozen=True)
class Posting:
    """When a community posts: daily on days first_day … last_day (days since the start, infinite for
    "always" and "never"), and before first_day an older history whose newest post is idle_age before the start."""

    first_day: float = -math.inf
    last_day: float = math.inf
    idle_age: timedelta = timedelta(0)


@dataclass(frozen=True)
class Counters:
    """A Discourse forum's /about.json 30-day stats, the same every day: a counter nobody updates."""

    topics_30_days: int
    posts_30_days: int
    active_users_30_days: int


@dataclass(frozen=True)
class Scenario:
    name: str
    host: str
    story: str
    timeline: tuple[tuple[timedelta, Mode], ...]  # (from when, what it does), the first from the start
    posting: Posting = Posting()
    counters: Counters | None = None  # for a Discourse forum: what its /about.json claims

    @property
    def url(self) -> str:
        return f"https://{self.host}/"


def _day(n: float, hours: float = 0) -> timedelta:
    return timedelta(days=n, hours=hours)


def _fails_briefly(*days: int) -> tuple[tuple[timedelta, Mode], ...]:
    steps = [(timedelta(0), Mode.LIVE)]
    for n in days:
        steps += [(_day(n), Mode.UNAVAILABLE), (_day(n) + BRIEF, Mode.LIVE)]
    return tuple(steps)


# Host names: the resolver still asks `behaviour` how a name fails as a whole, so each was picked to draw
# no host-level failure (NXDOMAIN, refused, TLS); tests/test_sampleweb_scenarios.py checks it.
SCENARIOS: tuple[Scenario, ...] = (
    Scenario("flaky-alive", f"flaky-alive-club{SCENARIO_SUFFIX}",
             "live and active; 503 for half an hour at the start of days 2, 5 and 9, so each failure is one check "
             "and the recheck an hour later succeeds",
             _fails_briefly(2, 5, 9)),
    Scenario("flaky-twice", f"flaky-twice-club{SCENARIO_SUFFIX}",
             "live and active; 503 for the first two hours of day 3, so two checks in a row fail; then it recovers",
             ((timedelta(0), Mode.LIVE), (_day(3), Mode.UNAVAILABLE), (_day(3, 2), Mode.LIVE))),
    Scenario("slow-death", f"slow-death-club{SCENARIO_SUFFIX}",
             "active; its last post is on day 1; 500 from day 4 on",
             ((timedelta(0), Mode.LIVE), (_day(4), Mode.SERVER_ERROR)), Posting(last_day=1)),
    Scenario("revival", f"revival-club{SCENARIO_SUFFIX}",
             "live; dormant (newest post 300 days before the start) until it posts on day 5 and every day after",
             ((timedelta(0), Mode.LIVE),), Posting(first_day=5, idle_age=timedelta(days=300))),
    Scenario("bot-wall", f"bot-wall-club{SCENARIO_SUFFIX}",
             "live and active on days 0 and 1; from day 2 a Cloudflare challenge (403, cf-mitigated: challenge)",
             ((timedelta(0), Mode.LIVE), (_day(2), Mode.BOT_WALL))),
    Scenario("moved", f"moved-club{SCENARIO_SUFFIX}",
             "live and active on days 0 to 2; from day 3 a 301 to a successor on another site",
             ((timedelta(0), Mode.LIVE), (_day(3), Mode.MOVED))),
    Scenario("stale-counter", f"discourse.stale-counter{SCENARIO_SUFFIX}",
             "a Discourse forum whose /about.json claims 40 posts and 12 active users in 30 days, every day, "
             "while its newest topic is 400 days old",
             ((timedelta(0), Mode.LIVE),), Posting(first_day=math.inf, idle_age=timedelta(days=400)),
             Counters(topics_30_days=13, posts_30_days=40, active_users_30_days=12)),
    Scenario("gone", f"gone-club{SCENARIO_SUFFIX}",
             "live and active on days 0 to 2; from day 3 410 Gone",
             ((timedelta(0), Mode.LIVE), (_day(3), Mode.GONE))),
)
BY_HOST: Mapping[str, Scenario] = MappingProxyType({scenario.host: scenario for scenario in SCENARIOS})
BY_NAME: Mapping[str, Scenario] = MappingProxyType({scenario.name: scenario for scenario in SCENARIOS})


def is_scenario_host(host: str) -> bool:
    return host.lower().endswith(SCENARIO_SUFFIX)


def mode_at(scenario: Scenario, elapsed: timedelta) -> Mode:
    """What the host does `elapsed` after the start (before the start: what it does at the start)."""
    mode = scenario.timeline[0][1]
    for since, then in scenario.timeline:
        if since <= elapsed:
            mode = then
    return mode


def post_times(scenario: Scenario, start: datetime, now: datetime, count: int = LISTED_POSTS) -> list[datetime]:
    """The community's newest `count` posts as of now, newest first."""
    posting = scenario.posting
    newest_day = min(math.floor((now - start - POST_HOUR) / DAY), posting.last_day)  # the latest day whose post is out
    times = []
    day = newest_day
    while len(times) < count and day >= posting.first_day:
        times.append(start + DAY * day + POST_HOUR)
        day -= 1
    older = start - posting.idle_age
    return times + [older - OLDER_POST_SPACING * i for i in range(count - len(times))]


def answer(host: str, path: str, start: datetime, now: datetime) -> Answer | None:
    """What a scenario host answers for path at now; None for a host that is no scenario's."""
    if not is_scenario_host(host):
        return None
    scenario = BY_HOST.get(host.lower())
    if scenario is None:
        return 404, {"content-type": HTML}, pages.NOT_FOUND_PAGE.encode()
    mode = mode_at(scenario, now - start)
    if path == "/robots.txt" and mode is not Mode.MOVED:  # as on the app's other hosts: only a move takes it along
        return 200, {"content-type": "text/plain"}, b"User-agent: *\nAllow: /\n"
    if mode is Mode.LIVE:
        return _live(scenario, path, post_times(scenario, start, now), now)
    status, headers, body = {
        Mode.UNAVAILABLE: (503, {}, pages.ERROR_PAGE),
        Mode.SERVER_ERROR: (500, {}, pages.ERROR_PAGE),
        Mode.BOT_WALL: (403, {"cf-mitigated": "challenge", "server": "cloudflare"}, pages.BOT_WALL_PAGE),
        Mode.MOVED: (301, {"location": successor_of(scenario.url)}, ""),
        Mode.GONE: (410, {}, pages.GONE_PAGE),
    }[mode]
    return status, {"content-type": HTML, **headers}, body.encode()


def _live(scenario: Scenario, path: str, times: list[datetime], now: datetime) -> Answer:
    """The pages of a live scenario host; any other path is a real 404, as a soft-404 probe expects."""
    site = scenario.url.rstrip("/")
    if path in ("", "/"):
        page = pages.community_page(site, Behaviour.LIVE_ACTIVE, now, times)
        return 200, {"content-type": HTML, "last-modified": format_datetime(times[0], usegmt=True)}, page.encode()
    if path == page_facts.FEED_SUFFIX and page_facts.facts_of(site, now, times[0]).feed:
        return 200, {"content-type": "application/atom+xml; charset=utf-8"}, \
            pages.feed(site, Behaviour.LIVE_ACTIVE, now, times).encode()
    if path == pages.SITEMAP_PATH:
        return 200, {"content-type": "application/xml; charset=utf-8"}, pages.sitemap(scenario.url, times).encode()
    if scenario.counters and path == "/about.json":
        counters = scenario.counters
        return platform_api.discourse_about(site, counters.topics_30_days, counters.posts_30_days,
                                            counters.active_users_30_days)
    if scenario.counters and path == "/latest.json":
        return platform_api.discourse_topics(site, times)
    return 404, {"content-type": HTML}, pages.NOT_FOUND_PAGE.encode()
