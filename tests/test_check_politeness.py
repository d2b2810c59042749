"""The checker's manners and judgement: per-host limits and intervals, retries only where they help,
Retry-After, HEAD→GET, robots.txt, soft 404s, parked addresses, and the self-failure guard.

Time is a fake clock the checker sleeps on, so waits are asserted as what was asked, never timed.
"""
from __future__ import annotations

import asyncio
from collections import Counter
from datetime import datetime, timezone

import httpx
import pytest

from crawler.check import Checker, OurNetworkIsDown, interleave_by_host, retry_after_seconds
from crawler.models import CheckOutcome, CheckResult
from crawler.net import NetPolicy
from crawler.politeness import CheckSettings
from tests.mockweb import FakeResolver, MockWeb, respond

NOW = datetime(2026, 11, 20, 6, 0, tzinfo=timezone.utc)
ALLOW_ALL = respond(200, "User-agent: *\nAllow: /\n", {"content-type": "text/plain"})
PAGE = "<html><head><title>Rust Tooling Circle</title></head><body><h1>Rust Tooling Circle</h1>" \
       "<p>We meet monthly to talk about build tools.</p></body></html>"


class FakeTime:
    """A clock that moves only when the checker sleeps on it; every sleep is recorded."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.slept: list[float] = []

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds
        await asyncio.sleep(0)


def run(urls: list[str], web: MockWeb, settings: CheckSettings, *, resolver: FakeResolver | None = None,
        time: FakeTime | None = None, many: bool = False) -> tuple[list[CheckResult], Checker]:
    time = time or FakeTime()

    async def go() -> tuple[list[CheckResult], Checker]:
        checker = Checker(resolver or FakeResolver(), NetPolicy(), settings, inner_transport=web.transport,
                          clock=time.clock, sleep=time.sleep, track_peaks=True)
        async with checker:
            if many:
                return [result async for result in checker.check_many(urls, NOW)], checker
            return [await checker.check(url, NOW) for url in urls], checker

    return asyncio.run(go())


def sequence(*answers: httpx.Response):
    """A route that gives each answer in turn, then keeps giving the last one."""
    queue = list(answers)

    def route(request: httpx.Request) -> httpx.Response:
        return queue.pop(0) if len(queue) > 1 else queue[0]

    return route


def _raises(exc_type: type[httpx.HTTPError], message: str):
    def route(request: httpx.Request) -> httpx.Response:
        raise exc_type(message, request=request)

    return route


NO_ROBOTS = CheckSettings(robots=False, soft_404=False, min_interval_s=0)


# --- retries: only what is worth retrying --------------------------------------------------------


@pytest.mark.parametrize("route, outcome, attempts", [
    pytest.param(sequence(respond(503), respond(503), respond(200, PAGE)), CheckOutcome.OK, 3, id="503 twice, then up"),
    pytest.param(sequence(respond(500)), CheckOutcome.SERVER_ERROR, 3, id="500 every time"),
    pytest.param(sequence(respond(408), respond(200, PAGE)), CheckOutcome.OK, 2, id="408 then up"),
    pytest.param(sequence(respond(404)), CheckOutcome.NOT_FOUND, 1, id="404 is an answer, never retried"),
    pytest.param(sequence(respond(410)), CheckOutcome.GONE, 1, id="410 never retried"),
    pytest.param(sequence(respond(403)), CheckOutcome.BLOCKED, 1, id="403 never retried"),
    pytest.param(_raises(httpx.ConnectError, "[Errno 111] Connection refused"), CheckOutcome.CONNECTION_REFUSED, 1,
                 id="refused is not retried"),
    pytest.param(_raises(httpx.ReadTimeout, "timed out"), CheckOutcome.TIMEOUT, 2, id="a time-out gets one more try"),
    pytest.param(_raises(httpx.ReadError, "[Errno 104] Connection reset by peer"), CheckOutcome.ERROR, 3,
                 id="resets are retried"),
    pytest.param(_raises(httpx.RemoteProtocolError, "Server disconnected without sending a response."),
                 CheckOutcome.ERROR, 3, id="a dropped answer is retried"),
])
def test_only_answers_worth_retrying_are_retried(route, outcome, attempts):
    web = MockWeb({"example.org/club": route})
    (result,), _ = run(["https://example.org/club"], web, NO_ROBOTS)
    assert result.outcome is outcome, result.detail
    assert result.attempts == attempts
    assert web.requested == ["example.org/club"] * attempts


def test_retries_back_off_exponentially():
    time = FakeTime()
    web = MockWeb({"example.org/": sequence(respond(503))})
    run(["https://example.org/"], web, CheckSettings(robots=False, min_interval_s=0, backoff_s=4, max_attempts=4),
        time=time)
    first, second, third = time.slept
    assert 2 <= first <= 4 and 4 <= second <= 8 and 8 <= third <= 16  # base × 2^n, with jitter in the upper half


def test_retry_after_is_honoured_before_trying_again():
    time = FakeTime()
    web = MockWeb({"example.org/": sequence(respond(429, "slow down", {"Retry-After": "7"}), respond(200, PAGE))})
    (result,), _ = run(["https://example.org/"], web, NO_ROBOTS, time=time)
    assert result.outcome is CheckOutcome.OK and result.attempts == 2
    assert sum(time.slept) >= 7


def test_a_retry_after_beyond_the_cap_ends_the_check_as_blocked_and_is_recorded():
    web = MockWeb({"example.org/": sequence(respond(429, "slow down", {"Retry-After": "3600"}))})
    (result,), _ = run(["https://example.org/"], web, NO_ROBOTS)
    assert result.outcome is CheckOutcome.BLOCKED
    assert result.retry_after == 3600 and result.attempts == 1
    assert "429" in result.detail and "3600" in result.detail


def test_a_retry_after_date_is_read_as_seconds_from_now():
    later = httpx.Headers({"Retry-After": "Wed, 21 Oct 2099 07:28:00 GMT"})
    assert retry_after_seconds(later) > 3600
    assert retry_after_seconds(httpx.Headers({"Retry-After": "soon"})) is None


def test_a_pause_for_one_url_holds_back_the_other_urls_of_that_host():
    time = FakeTime()
    started: list[tuple[str, float]] = []

    def route(request: httpx.Request) -> httpx.Response:
        started.append((request.url.path, time.now))
        if request.url.path == "/busy" and sum(path == "/busy" for path, _ in started) == 1:
            return respond(429, "", {"Retry-After": "20"})
        return respond(200, PAGE)

    web = MockWeb({"example.org/busy": route, "example.org/calm": route})
    run(["https://example.org/busy", "https://example.org/calm"], web,
        CheckSettings(robots=False, soft_404=False, min_interval_s=0, per_host=1, concurrency=2), time=time, many=True)
    first_busy = next(moment for path, moment in started if path == "/busy")
    later = [moment for path, moment in started[1:]]
    assert all(moment >= first_busy + 20 for moment in later)  # nobody knocked on the host while it asked to wait


# --- per-host limits ---------------------------------------------------------------------------


def test_requests_to_one_host_start_at_least_the_minimum_interval_apart():
    time = FakeTime()
    starts: dict[str, list[float]] = {}

    def route(request: httpx.Request) -> httpx.Response:
        starts.setdefault(request.headers["host"], []).append(time.now)
        return respond(200, PAGE)

    hosts = ["a.example", "b.example", "c.example"]
    routes = {f"{host}/g/{n}": route for host in hosts for n in range(8)}
    urls = [f"https://{key}" for key in routes]
    results, checker = run(urls, MockWeb(routes), CheckSettings(robots=False, soft_404=False, min_interval_s=0.5,
                                                                 per_host=2, concurrency=16), time=time, many=True)
    assert len(results) == 24
    for host in hosts:
        gaps = [later - earlier for earlier, later in zip(starts[host], starts[host][1:])]
        assert len(starts[host]) == 8 and min(gaps) >= 0.5
    assert max(checker.gate.peaks.values()) <= 2


def test_urls_are_interleaved_by_host_and_deduplicated():
    urls = ["https://a.example/1", "https://a.example/2", "https://a.example/3", "https://b.example/1",
            "https://a.example/1", "https://discord.com/invite/x", "https://discord.com/invite/y"]
    assert interleave_by_host(urls) == ["https://a.example/1", "https://b.example/1", "https://discord.com/invite/x",
                                        "https://a.example/2", "https://discord.com/invite/y", "https://a.example/3"]


# --- HEAD, when asked for ----------------------------------------------------------------------


def test_head_falls_back_to_get_where_a_host_rejects_head():
    methods: list[str] = []

    def route(request: httpx.Request) -> httpx.Response:
        methods.append(request.method)
        return respond(405, "", {"Allow": "GET"}) if request.method == "HEAD" else respond(200, PAGE)

    (result,), _ = run(["https://example.org/forum"], MockWeb({"example.org/forum": route}),
                       CheckSettings(robots=False, soft_404=False, method="HEAD"))
    assert result.outcome is CheckOutcome.OK
    assert methods == ["HEAD", "GET"]


def test_head_is_enough_where_the_host_answers_it():
    methods: list[str] = []

    def route(request: httpx.Request) -> httpx.Response:
        methods.append(request.method)
        return respond(200, "")

    (result,), _ = run(["https://example.org/forum"], MockWeb({"example.org/forum": route}),
                       CheckSettings(robots=False, soft_404=False, method="HEAD"))
    assert result.outcome is CheckOutcome.OK and methods == ["HEAD"]


def test_an_invite_is_always_read_with_get_because_its_body_decides():
    methods: list[str] = []

    def route(request: httpx.Request) -> httpx.Response:
        methods.append(request.method)
        return respond(404, '{"message": "Unknown Invite", "code": 10006}')

    (result,), _ = run(["https://discord.com/invite/abc"], MockWeb({"discord.com/api/v10/invites/abc": route}),
                       CheckSettings(robots=False, method="HEAD"))
    assert result.outcome is CheckOutcome.INVITE_EXPIRED and methods == ["GET"]


# --- robots.txt ----------------------------------------------------------------------------------


@pytest.mark.parametrize("robots, outcome, page_fetched", [
    (respond(200, "User-agent: *\nDisallow: /members/\n"), CheckOutcome.BLOCKED, False),
    (respond(200, "User-agent: copdir\nDisallow: /\n"), CheckOutcome.BLOCKED, False),
    (respond(200, "User-agent: *\nDisallow: /private/\n"), CheckOutcome.OK, True),
    (respond(404, "no robots here"), CheckOutcome.OK, True),
    (respond(503, "down"), CheckOutcome.SERVER_ERROR, False),
    (respond(429, "slow down"), CheckOutcome.BLOCKED, False),
])
def test_robots_txt_is_asked_first_and_honoured(robots, outcome, page_fetched):
    web = MockWeb({"example.org/robots.txt": robots, "example.org/members/club": respond(200, PAGE)})
    (result,), _ = run(["https://example.org/members/club"], web,
                       CheckSettings(soft_404=False, min_interval_s=0, max_attempts=1))
    assert result.outcome is outcome, result.detail
    assert ("example.org/members/club" in web.requested) is page_fetched
    assert "robots.txt" in result.detail or page_fetched


def test_a_host_whose_name_does_not_resolve_is_a_dns_failure_not_a_robots_block():
    (result,), _ = run(["https://gone.example/club"], MockWeb({}),
                       CheckSettings(min_interval_s=0), resolver=FakeResolver({"gone.example": None}))
    assert result.outcome is CheckOutcome.DNS_FAILURE


def test_robots_txt_is_fetched_once_per_origin():
    routes = {"example.org/robots.txt": ALLOW_ALL, **{f"example.org/g/{n}": respond(200, PAGE) for n in range(6)}}
    web = MockWeb(routes)
    run([f"https://example.org/g/{n}" for n in range(6)], web,
        CheckSettings(soft_404=False, min_interval_s=0), many=True)
    assert Counter(web.requested)["example.org/robots.txt"] == 1


# --- what a 200 really is --------------------------------------------------------------------------


ERROR_TEMPLATE = "<html><head><title>Community Hub</title></head><body><nav>Home · Events</nav>" \
                 "<p>Sorry, the page {path} does not exist. Request {number}.</p></body></html>"


def _template(request: httpx.Request) -> httpx.Response:
    path = request.url.path
    return respond(200, ERROR_TEMPLATE.format(path=path, number=len(path) * 7919))


def test_a_200_that_shows_the_same_error_page_as_a_made_up_path_is_a_soft_404():
    web = MockWeb({"example.org/robots.txt": ALLOW_ALL}, default=_template)  # every path: the same template
    (result,), _ = run(["https://example.org/groups/rust"], web, CheckSettings(min_interval_s=0))
    assert result.outcome is CheckOutcome.SOFT_404, result.detail
    assert "/copdir-soft404-check-" in result.detail


def test_a_real_page_on_a_host_with_real_404s_is_ok():
    web = MockWeb({"example.org/robots.txt": ALLOW_ALL, "example.org/groups/rust": respond(200, PAGE)},
                  default=lambda request: respond(404, "nope"))
    (result,), _ = run(["https://example.org/groups/rust"], web, CheckSettings(min_interval_s=0))
    assert result.outcome is CheckOutcome.OK


def test_a_single_page_app_that_answers_every_path_alike_is_not_a_soft_404():
    shell = "<html><head><title>Makers Guild</title></head><body><div id=app></div><script src=/app.js></script></body></html>"
    web = MockWeb({"example.org/robots.txt": ALLOW_ALL}, default=lambda request: respond(200, shell))
    (result,), _ = run(["https://example.org/forum/rust"], web, CheckSettings(min_interval_s=0))
    assert result.outcome is CheckOutcome.OK


def test_a_front_page_titled_page_not_found_is_a_soft_404():
    page = "<html><head><title>Page not found | Old Forum</title></head><body>Nothing here.</body></html>"
    web = MockWeb({"example.org/robots.txt": ALLOW_ALL, "example.org/": respond(200, page)})
    (result,), _ = run(["https://example.org/"], web, CheckSettings(min_interval_s=0))
    assert result.outcome is CheckOutcome.SOFT_404 and "Page not found" in result.detail


def test_an_address_in_a_parking_service_network_is_parked_whatever_the_page_says():
    web = MockWeb({"old-club.example/robots.txt": ALLOW_ALL, "old-club.example/": respond(200, PAGE)})
    (result,), _ = run(["https://old-club.example/"], web, CheckSettings(min_interval_s=0),
                       resolver=FakeResolver({"old-club.example": "91.195.240.17"}))
    assert result.outcome is CheckOutcome.PARKED and "Sedo" in result.detail


# --- the self-failure guard --------------------------------------------------------------------------


def test_when_every_canary_fails_nothing_else_is_checked():
    canaries = ("https://canary-one.example/", "https://canary-two.example/")
    web = MockWeb({"example.org/club": respond(200, PAGE)})
    resolver = FakeResolver({"canary-one.example": None, "canary-two.example": None})
    with pytest.raises(OurNetworkIsDown, match="every canary failed"):
        run(["https://example.org/club"], web, CheckSettings(robots=False, canaries=canaries), resolver=resolver,
            many=True)
    assert web.requested == []


def test_a_wave_of_network_failures_across_hosts_stops_the_run():
    hosts = [f"site{n}.example" for n in range(80)]
    resolver = FakeResolver({host: None for host in hosts})  # nothing resolves: our resolver is down
    seen: list[CheckResult] = []

    async def go() -> None:
        settings = CheckSettings(robots=False, min_interval_s=0, outage_min_hosts=40)
        async with Checker(resolver, NetPolicy(), settings, inner_transport=MockWeb({}).transport) as checker:
            async for result in checker.check_many([f"https://{host}/" for host in hosts], NOW):
                seen.append(result)

    with pytest.raises(OurNetworkIsDown, match="distinct hosts failed at network level"):
        asyncio.run(go())
    assert len(seen) < 40  # it stopped as soon as it could tell, not after blaming all 80


def test_ordinary_failures_among_many_hosts_do_not_stop_the_run():
    hosts = [f"site{n}.example" for n in range(80)]
    resolver = FakeResolver({host: None for host in hosts[:16]})  # 20 % gone: a normal directory
    web = MockWeb({f"{host}/": respond(200, PAGE) for host in hosts[16:]})
    results, _ = run([f"https://{host}/" for host in hosts], web,
                     CheckSettings(robots=False, soft_404=False, min_interval_s=0, outage_min_hosts=40),
                     resolver=resolver, many=True)
    assert Counter(result.outcome for result in results) == {CheckOutcome.OK: 64, CheckOutcome.DNS_FAILURE: 16}


def test_links_already_failing_do_not_count_towards_an_outage():
    hosts = [f"site{n}.example" for n in range(80)]
    urls = [f"https://{host}/" for host in hosts]
    resolver = FakeResolver({host: None for host in hosts})  # a day of fast rechecks: all still failing

    async def go() -> list[CheckResult]:
        settings = CheckSettings(robots=False, min_interval_s=0, outage_min_hosts=40)
        async with Checker(resolver, NetPolicy(), settings, inner_transport=MockWeb({}).transport) as checker:
            return [result async for result in checker.check_many(urls, NOW, known_failing=frozenset(urls))]

    assert len(asyncio.run(go())) == 80  # no news, no outage


def test_a_hosts_robots_rules_and_error_page_are_let_go_once_its_urls_are_done():
    routes = {f"site{n}.example/robots.txt": ALLOW_ALL for n in range(30)}
    routes.update({f"site{n}.example/g/{k}": respond(200, PAGE) for n in range(30) for k in range(3)})
    web = MockWeb(routes, default=lambda request: respond(404, "nope"))
    urls = [f"https://site{n}.example/g/{k}" for n in range(30) for k in range(3)]

    async def go() -> tuple[int, int]:
        async with Checker(FakeResolver(), NetPolicy(), CheckSettings(min_interval_s=0),
                           inner_transport=web.transport) as checker:
            results = [result async for result in checker.check_many(urls, NOW)]
            return len(results), checker.cached_origins()

    assert asyncio.run(go()) == (90, 0)
    assert Counter(web.requested)["site7.example/robots.txt"] == 1  # still once per host while it was needed
