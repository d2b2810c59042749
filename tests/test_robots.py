"""robots.txt as RFC 9309 reads it, on both network paths: the httpx side and the Scrapy spiders.

The sample web fixes the robots.txt answers of a few test hosts (ROBOTS_CASES): a 503, a 429, a
404 and a Disallow rule. A 4xx means "no rules"; a 5xx, a 429 or no answer means "do not crawl".
"""
from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from datetime import datetime, timezone
from typing import Any

import pytest

from conftest import REPO
from crawler.net import NetPolicy, make_client
from crawler.netconfig import SAMPLE_WEB_ENV
from crawler.robots import RobotsCache
from crawler.sampleweb.app import fixed_clock
from crawler.sampleweb.behaviour import Behaviour, host_behaviour
from crawler.sampleweb.resolver import SampleWebResolver
from crawler.sampleweb.server import running

NOW = datetime(2026, 11, 14, tzinfo=timezone.utc)
AGENT = NetPolicy().user_agent


@pytest.fixture(scope="module")
def web() -> Iterator[tuple[Any, int]]:
    with running(fixed_clock(NOW)) as (app, port):
        yield app, port


def host_with(behaviour: Behaviour) -> str:
    """A host the sample web simulates with this whole-host behaviour."""
    return next(host for host in (f"club{number}.example.org" for number in range(10_000))
                if host_behaviour(host) is behaviour)


def rules(port: int, *urls: str):
    async def go():
        resolver = SampleWebResolver("127.0.0.1", port)
        policy = NetPolicy(allow_loopback=True, deadline_s=5)
        try:
            async with make_client(resolver, policy) as client:
                cache = RobotsCache(client, policy)
                return [await cache.rules_for(url) for url in urls]
        finally:
            resolver.close()

    return asyncio.run(go())


@pytest.mark.parametrize("url, allowed, says", [
    ("https://robots-unavailable.example/forum", False, "answered 503"),
    ("https://robots-ratelimited.example/forum", False, "answered 429"),
    ("https://robots-missing.example/forum", True, "allows"),
    ("https://robots-disallow.example/private/members", False, "disallows"),
    ("https://robots-disallow.example/about", True, "allows"),
])
def test_robots_answers_are_read_as_rfc_9309_says(web, url, allowed, says):
    _, port = web
    [found] = rules(port, url)
    assert found.allows(url, AGENT) is allowed
    assert says in found.explain(url, AGENT)


def test_an_unreachable_robots_txt_disallows_everything_and_says_why(web):
    _, port = web
    url = f"https://{host_with(Behaviour.NXDOMAIN)}/forum"
    [found] = rules(port, url)
    assert not found.allows(url, AGENT)
    assert "could not be fetched" in found.explain(url, AGENT)


def test_one_robots_fetch_per_origin(web):
    app, port = web
    app.hits.clear()
    rules(port, "https://robots-disallow.example/a", "https://robots-disallow.example/b")
    assert app.hits["https://robots-disallow.example/robots.txt"] == 1


def test_the_profile_spider_fetches_nothing_where_robots_txt_is_unavailable_or_disallows(web, tmp_path):
    app, port = web
    targets = [{"id": f"t{number}", "url": url, "platform": "website"} for number, url in enumerate([
        "https://robots-unavailable.example/", "https://robots-ratelimited.example/",
        "https://robots-missing.example/", "https://robots-disallow.example/private/club",
        "https://robots-disallow.example/club"])]
    (tmp_path / "targets.json").write_text(json.dumps(targets))
    out = tmp_path / "profiles.jsonl"
    env = {**os.environ, SAMPLE_WEB_ENV: f"127.0.0.1:{port}", "COPDIR_DEADLINE_S": "5"}
    app.hits.clear()
    run = subprocess.run([sys.executable, "-m", "spiders.run", "profile", str(out),
                          f"targets={tmp_path / 'targets.json'}", f"now={NOW.isoformat()}"],
                         cwd=REPO, env=env, capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr[-3000:]
    fetched = {url for url, hits in app.hits.items() if hits and not url.endswith("/robots.txt")}
    assert {"https://robots-missing.example/", "https://robots-disallow.example/club"} <= fetched
    assert [url for url in fetched if "unavailable" in url or "ratelimited" in url or "/private/" in url] == []
    profiled = {json.loads(line)["community_id"] for line in out.read_text().splitlines()}
    assert profiled == {"t2", "t4"}
    assert "'copdir/robots/unreachable': 2" in run.stderr
