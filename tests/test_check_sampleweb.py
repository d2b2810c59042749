"""Every outcome the checker knows, reached over real sockets on the sample web: one simulated
community per behaviour, checked with production rules (robots.txt, retries, soft-404 probes)."""
from __future__ import annotations

import asyncio
from datetime import datetime, timezone

import pytest

from crawler.check import Checker
from crawler.models import CheckOutcome, CheckResult
from crawler.net import NetPolicy
from crawler.politeness import CheckSettings
from crawler.sampleweb.app import fixed_clock
from crawler.sampleweb.behaviour import Behaviour, behaviour_of
from crawler.sampleweb.resolver import SampleWebResolver
from crawler.sampleweb.server import running
from crawler.sampleweb.tls import CA_PEM
from crawler.urls import canonicalize

NOW = datetime(2026, 11, 20, 6, 0, tzinfo=timezone.utc)
# Production rules, with short waits: a time-out costs one deadline, back-off a few milliseconds.
SETTINGS = CheckSettings(min_interval_s=0, backoff_s=0.01, timeout_attempts=1)


def first_url(behaviour: Behaviour, pattern: str) -> str:
    for n in range(50_000):
        url = canonicalize(pattern.format(n=n))
        if behaviour_of(url) is behaviour:
            return url
    raise AssertionError(f"no {behaviour} URL of the form {pattern}")


SITE = "https://club{n}.example/groups/makers"
CASES = [
    (Behaviour.LIVE_ACTIVE, SITE, CheckOutcome.OK),
    (Behaviour.DORMANT, SITE, CheckOutcome.OK),
    (Behaviour.NOT_FOUND, SITE, CheckOutcome.NOT_FOUND),
    (Behaviour.GONE, SITE, CheckOutcome.GONE),
    (Behaviour.SERVER_ERROR, SITE, CheckOutcome.SERVER_ERROR),
    (Behaviour.NXDOMAIN, SITE, CheckOutcome.DNS_FAILURE),
    (Behaviour.REFUSED, SITE, CheckOutcome.CONNECTION_REFUSED),
    (Behaviour.TIMEOUT, SITE, CheckOutcome.TIMEOUT),
    (Behaviour.SLOW_DRIP, SITE, CheckOutcome.TIMEOUT),
    (Behaviour.PARKED, SITE, CheckOutcome.PARKED),
    (Behaviour.MOVED, SITE, CheckOutcome.MOVED),
    (Behaviour.BOT_WALL, SITE, CheckOutcome.BLOCKED),
    (Behaviour.RATE_LIMITED, SITE, CheckOutcome.BLOCKED),
    (Behaviour.FLAKY, SITE, CheckOutcome.OK),  # a 503 in passing: the retry finds it up
    (Behaviour.SOFT_404, SITE, CheckOutcome.SOFT_404),
    (Behaviour.REDIRECT_LOOP, SITE, CheckOutcome.REDIRECT_LOOP),
    (Behaviour.TLS_EXPIRED, SITE, CheckOutcome.TLS_EXPIRED),
    (Behaviour.TLS_INVALID, SITE, CheckOutcome.TLS_FAILURE),
    (Behaviour.INVITE_EXPIRED, "https://discord.com/invite/club{n}", CheckOutcome.INVITE_EXPIRED),
    (Behaviour.LIVE_ACTIVE, "https://discord.com/invite/club{n}", CheckOutcome.OK),
    (Behaviour.INVITE_EXPIRED, "https://join.slack.com/t/club{n}/shared_invite/zt-{n}", CheckOutcome.INVITE_EXPIRED),
    (Behaviour.NOT_FOUND, "https://www.reddit.com/r/club{n}", CheckOutcome.NOT_FOUND),
]


@pytest.fixture(scope="module")
def results():
    urls = {(behaviour, pattern): first_url(behaviour, pattern) for behaviour, pattern, _ in CASES}
    urls[("robots", "")] = "https://robots-disallow.example/private/club"
    urls[("robots-down", "")] = "https://robots-unavailable.example/club"
    urls[("canary", "")] = "https://www.python.org/"
    with running(fixed_clock(NOW)) as (app, port):
        resolver = SampleWebResolver("127.0.0.1", port)
        policy = NetPolicy(allow_loopback=True, deadline_s=1, extra_ca_pem=CA_PEM)  # as network_from_env sets it

        async def go() -> dict[str, CheckResult]:
            async with Checker(resolver, policy, SETTINGS) as checker:
                return {result.url: result async for result in checker.check_many(urls.values(), NOW)}

        by_url = asyncio.run(go())
    return {key: by_url[url] for key, url in urls.items()}


@pytest.mark.parametrize("behaviour, pattern, outcome", CASES,
                         ids=[f"{b.value} {p.split('/')[2]}" for b, p, _ in CASES])
def test_each_simulated_behaviour_ends_in_its_outcome(results, behaviour, pattern, outcome):
    result = results[(behaviour, pattern)]
    assert result.outcome is outcome, result.detail
    assert result.detail


def test_robots_txt_on_the_sample_web_is_honoured(results):
    assert results[("robots", "")].outcome is CheckOutcome.BLOCKED
    assert results[("robots-down", "")].outcome is CheckOutcome.SERVER_ERROR
    assert "robots.txt answered 503" in results[("robots-down", "")].detail


def test_the_canaries_are_up_on_the_sample_web(results):
    assert results[("canary", "")].outcome is CheckOutcome.OK


def test_a_moved_site_names_where_it_went_and_a_soft_404_says_why(results):
    moved = results[(Behaviour.MOVED, SITE)]
    assert moved.final_url and ".moved.example" in moved.final_url and moved.redirects
    assert "Page not found" in results[(Behaviour.SOFT_404, SITE)].detail
    assert "expired" in results[(Behaviour.TLS_EXPIRED, SITE)].detail
