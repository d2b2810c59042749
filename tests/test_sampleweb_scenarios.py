"""The sample web's scripted hosts (crawler/sampleweb/scenarios.py) answer as their timelines say, day by
day, over the app's `respond()` with a fixed clock; live own sites serve a sitemap; a clock file moves the
sample web's time."""
from __future__ import annotations

import asyncio
import json
import os
import re
from datetime import datetime, timedelta, timezone
from email.utils import parsedate_to_datetime
from urllib.parse import urlsplit
from xml.etree import ElementTree

import pytest

from crawler.net import ConnectTarget
from crawler.sampleweb import pages, scenarios
from crawler.sampleweb.app import SampleWeb, file_clock, fixed_clock
from crawler.sampleweb.behaviour import SUCCESSOR_SUFFIX, Behaviour, behaviour_of
from crawler.sampleweb.resolver import SampleWebResolver

START = datetime(2026, 11, 1, 6, tzinfo=timezone.utc)
SITEMAP_NS = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9"}


def at(day: float, hours: float = 0) -> datetime:
    return START + timedelta(days=day, hours=hours)


def ask(name_or_host: str, path: str = "/", when: datetime = START, method: str = "GET"):
    """What the sample web, started at START, answers at `when`."""
    host = scenarios.BY_NAME[name_or_host].host if name_or_host in scenarios.BY_NAME else name_or_host
    web = SampleWeb(fixed_clock(when), snapshots={}, scenario_start=START)
    return asyncio.run(web.respond(host, path, "", method))


def newest_on_page(body: bytes) -> datetime:
    return datetime.fromisoformat(re.search(rb'<time datetime="([^"]+)"', body)[1].decode())


def sitemap_lastmods(body: bytes) -> list[datetime]:
    root = ElementTree.fromstring(body)
    assert root.tag == "{http://www.sitemaps.org/schemas/sitemap/0.9}urlset"
    return [datetime.fromisoformat(node.text) for node in root.findall("s:url/s:lastmod", SITEMAP_NS)]


@pytest.mark.parametrize("name, when, status", [
    ("flaky-alive", at(1), 200), ("flaky-alive", at(2), 503), ("flaky-alive", at(2, 0.4), 503),
    ("flaky-alive", at(2, 1), 200), ("flaky-alive", at(5), 503), ("flaky-alive", at(9), 503),
    ("flaky-alive", at(10), 200),
    ("flaky-twice", at(2), 200), ("flaky-twice", at(3), 503), ("flaky-twice", at(3, 1), 503),
    ("flaky-twice", at(3, 2), 200), ("flaky-twice", at(4, 1), 200),
    ("slow-death", at(3, 23), 200), ("slow-death", at(4), 500), ("slow-death", at(11), 500),
    ("revival", at(0), 200), ("revival", at(11), 200),
    ("bot-wall", at(1, 23), 200), ("bot-wall", at(2), 403), ("bot-wall", at(60), 403),
    ("moved", at(2, 23), 200), ("moved", at(3), 301), ("moved", at(11), 301),
    ("stale-counter", at(0), 200), ("stale-counter", at(11), 200),
    ("gone", at(2, 23), 200), ("gone", at(3), 410), ("gone", at(11), 410),
])
def test_each_scenario_host_answers_as_its_timeline_says(name, when, status):
    assert ask(name, "/", when)[0] == status


def test_a_flaky_day_fails_every_request_so_retries_within_a_check_fail_too():
    assert {ask("flaky-alive", "/", at(5, minutes / 60))[0] for minutes in range(0, 30, 5)} == {503}


def test_the_bot_wall_is_a_cloudflare_challenge():
    status, headers, body = ask("bot-wall", "/", at(4))
    assert status == 403 and headers["cf-mitigated"] == "challenge" and b"Just a moment" in body


def test_the_moved_host_redirects_to_a_live_successor_on_another_site():
    status, headers, _ = ask("moved", "/", at(3))
    successor = headers["location"]
    assert status == 301 and urlsplit(successor).hostname.endswith(SUCCESSOR_SUFFIX)
    assert ask(urlsplit(successor).hostname, "/", at(3))[0] == 200


def test_the_gone_host_says_it_closed():
    status, _, body = ask("gone", "/", at(3))
    assert status == 410 and b"closed" in body


@pytest.mark.parametrize("when, newest", [
    (at(0), at(-1, 1)), (at(1), at(0, 1)), (at(1, 2), at(1, 1)), (at(3), at(1, 1)),  # no post after day 1
])
def test_the_slow_death_stops_posting_after_day_1(when, newest):
    status, headers, body = ask("slow-death", "/", when)
    assert status == 200 and newest_on_page(body) == newest
    assert parsedate_to_datetime(headers["last-modified"]) == newest


@pytest.mark.parametrize("when, newest", [
    (at(0), START - timedelta(days=300)), (at(5), START - timedelta(days=300)),  # the day-5 post is an hour away
    (at(5, 1), at(5, 1)), (at(6), at(5, 1)), (at(11, 2), at(11, 1)),
])
def test_the_revival_posts_again_from_day_5(when, newest):
    _, headers, body = ask("revival", "/", when)
    assert newest_on_page(body) == newest
    assert parsedate_to_datetime(headers["last-modified"]) == newest


def test_after_its_revival_the_page_still_shows_the_old_posts_before_the_new_ones():
    _, _, body = ask("revival", "/", at(6))
    shown = [datetime.fromisoformat(value.decode()) for value in re.findall(rb'<time datetime="([^"]+)"', body)]
    assert shown[:2] == [at(5, 1), START - timedelta(days=300)]


@pytest.mark.parametrize("day", [0, 6, 11])
def test_the_stale_counter_claims_the_same_busy_month_every_day_while_its_newest_topic_is_old(day):
    _, _, about = ask("stale-counter", "/about.json", at(day))
    stats = json.loads(about)["about"]["stats"]
    assert (stats["posts_30_days"], stats["active_users_30_days"]) == (40, 12)
    _, _, latest = ask("stale-counter", "/latest.json", at(day))
    newest = max(datetime.fromisoformat(topic["last_posted_at"].replace("Z", "+00:00"))
                 for topic in json.loads(latest)["topic_list"]["topics"])
    assert newest == START - timedelta(days=400)
    _, _, page = ask("stale-counter", "/", at(day))
    assert newest_on_page(page) == newest and b'content="Discourse' in page


@pytest.mark.parametrize("name", ["flaky-alive", "revival", "stale-counter"])
def test_a_live_scenario_hosts_sitemap_dates_its_newest_post(name):
    newest = scenarios.post_times(scenarios.BY_NAME[name], START, at(3, 2))[0]
    status, headers, body = ask(name, "/sitemap.xml", at(3, 2))
    assert status == 200 and "xml" in headers["content-type"]
    lastmods = sitemap_lastmods(body)
    assert max(lastmods) == newest and len(set(lastmods)) > 1  # not every entry stamped alike


def test_a_live_scenario_hosts_feed_is_there_when_its_page_links_it_and_dates_its_newest_post():
    linked = 0
    for scenario in scenarios.SCENARIOS:
        newest = scenarios.post_times(scenario, START, at(1, 2))[0]
        feed_linked = b'href="/feed.xml"' in ask(scenario.name, "/", at(1, 2))[2]
        status, _, body = ask(scenario.name, "/feed.xml", at(1, 2))
        assert (status, newest.isoformat().encode() in body) == ((200, True) if feed_linked else (404, False))
        linked += feed_linked
    assert linked  # at least one scenario page has a feed


def test_a_failing_scenario_host_answers_its_sitemap_as_any_path():
    assert ask("slow-death", "/sitemap.xml", at(4))[0] == 500
    assert ask("bot-wall", "/sitemap.xml", at(4))[0] == 403


def test_a_live_scenario_host_has_real_404s_and_lets_robots_in_unless_it_moved():
    assert ask("revival", "/copdir-soft404-check-abc123", at(1))[0] == 404
    assert ask("slow-death", "/robots.txt", at(5))[:1] == (200,)
    assert b"Allow: /" in ask("bot-wall", "/robots.txt", at(5))[2]
    assert ask("moved", "/robots.txt", at(5))[0] == 301


@pytest.mark.parametrize("name", [s.name for s in scenarios.SCENARIOS])
def test_head_gets_the_same_answer_as_get(name):
    assert ask(name, "/", at(1), "HEAD")[0] == ask(name, "/", at(1))[0] == 200


def test_a_name_under_the_scenario_suffix_that_no_scenario_has_is_not_found():
    assert ask(f"nobody{scenarios.SCENARIO_SUFFIX}", "/", at(1))[0] == 404


@pytest.mark.parametrize("host", [s.host for s in scenarios.SCENARIOS])
def test_the_resolver_sends_every_scenario_host_to_the_app_without_tls(host):
    """No scenario host is drawn NXDOMAIN, refused or broken-TLS by its name."""
    resolver = SampleWebResolver("127.0.0.1", 9)
    try:
        assert asyncio.run(resolver.resolve(host, 443, True)) == [ConnectTarget("127.0.0.1", 9, False)]
    finally:
        resolver.close()


def test_the_scenario_start_is_the_clocks_first_reading_unless_given():
    readings = iter([at(0), at(3), at(4)])
    web = SampleWeb(lambda: next(readings), snapshots={})
    assert web.scenario_start == at(0)
    assert asyncio.run(web.respond(scenarios.BY_NAME["gone"].host, "/", ""))[0] == 410  # day 3 of that start
    assert SampleWeb(fixed_clock(at(9)), snapshots={}, scenario_start=at(0)).scenario_start == at(0)


# --- sitemaps of the other own sites -------------------------------------------------------------

def own_site(behaviour: Behaviour) -> str:
    return next(host for n in range(5000) if behaviour_of(f"https://{(host := f'club{n}.example')}/") is behaviour)


def test_a_live_own_site_serves_a_sitemap_dated_by_its_newest_post():
    host = own_site(Behaviour.LIVE_QUIET)
    status, _, body = ask(host, "/sitemap.xml", START)
    assert status == 200
    assert max(sitemap_lastmods(body)) == pages.newest_post(f"https://{host}/", Behaviour.LIVE_QUIET, START)


@pytest.mark.parametrize("behaviour, status", [(Behaviour.NOT_FOUND, 404), (Behaviour.SERVER_ERROR, 500),
                                               (Behaviour.BOT_WALL, 403)])
def test_a_failing_own_site_answers_its_sitemap_as_any_path(behaviour, status):
    assert ask(own_site(behaviour), "/sitemap.xml", START)[0] == status


def test_platform_hosts_serve_no_sitemap():
    status, headers, _ = ask("www.reddit.com", "/sitemap.xml", START)
    assert "xml" not in headers.get("content-type", "")


# --- the clock file ------------------------------------------------------------------------------

def write_clock(path, text: str, mtime_ns: int) -> None:
    path.write_text(text, encoding="utf-8")
    os.utime(path, ns=(mtime_ns, mtime_ns))  # distinct mtimes, however coarse the file system's clock


def test_a_file_clock_reads_the_file_and_follows_its_changes(tmp_path):
    path = tmp_path / "clock"
    clock = file_clock(path, at(0))
    assert clock() == at(0)  # no file yet: the fallback
    write_clock(path, "2026-11-03T06:00:00+00:00\n", 1_000_000_000)
    assert clock() == at(2)
    write_clock(path, "2026-11-04T06:00:00", 2_000_000_000)  # naive: UTC
    assert clock() == at(3)
    write_clock(path, "half-writ", 3_000_000_000)
    assert clock() == at(3)  # not a time: the last good one stays
    path.unlink()
    assert clock() == at(3)
