"""The Checker against a mock web behind the real guarded transport.

Every name resolves through a fake resolver (public address unless the table says otherwise);
an `httpx.MockTransport` plays the sites, keyed by the Host header and path it receives, and
records what reached the wire so "no request was made" is a checked fact.
"""
from __future__ import annotations

import asyncio
import json
import ssl
from collections import Counter
from collections.abc import Callable
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.mockweb import FakeResolver, MockWeb, Route, respond
from crawler.check import Checker
from crawler.models import CheckOutcome, CheckResult
from crawler.net import NetPolicy
from crawler.politeness import CheckSettings

NOW = datetime(2024, 5, 31, 12, 0, tzinfo=timezone.utc)
CORPUS = Path(__file__).resolve().parent / "fixtures" / "api_samples"  # copies of shared/corpus files


PLAIN = CheckSettings(robots=False, soft_404=False, max_attempts=1)  # one request per URL, as the table lists


def run_check(url: str, web: MockWeb, resolver: FakeResolver | None = None,
              policy: NetPolicy = NetPolicy(), settings: CheckSettings = PLAIN) -> CheckResult:
    async def go() -> CheckResult:
        async with Checker(resolver or FakeResolver(), policy, settings, inner_transport=web.transport) as checker:
            return await checker.check(url, NOW)

    return asyncio.run(go())


def _raise(exc: Exception) -> Callable[[httpx.Request], httpx.Response]:
    def handler(request: httpx.Request) -> httpx.Response:
        exc.request = request
        raise exc

    return handler


def _tls_failure(request: httpx.Request) -> httpx.Response:
    try:
        raise ssl.SSLCertVerificationError(1, "certificate verify failed: hostname mismatch")
    except ssl.SSLError as cause:
        raise httpx.ConnectError("TLS handshake failed", request=request) from cause


def _discord_error(message: str, code: int) -> bytes:
    shape = json.loads((CORPUS / "discord_error-response_example.json").read_text())
    assert set(shape) == {"message", "code"}  # Discord's error object, as the corpus sample shows it
    return json.dumps({**shape, "message": message, "code": code}).encode()


DISCORD_INVITE = (CORPUS / "discord_invite-object_example.json").read_bytes()
PARKED_PAGE = "<html><head><title>old-meetup.org</title></head><body>This domain may be for sale!</body></html>"
SLACK_DEAD_INVITE = ('<html><script>window.boot_data = {"team_name":"","isSharedInviteError":true,'
                     '"errorCode":"shared_invite_code_expired"};</script></html>')
SLACK_LIVE_INVITE = '<html><script>window.boot_data = {"team_name":"Rust devs","isSharedInviteError":false};</script></html>'

# id, url, routes, resolver table, outcome, expected CheckResult fields, what reached the wire
CASES: list[tuple[str, str, dict[str, Route], dict[str, str | None], CheckOutcome, dict[str, Any], list[str]]] = [
    ("200 ok", "https://example.org/community",
     {"example.org/community": respond(200, "<html>welcome</html>")}, {},
     CheckOutcome.OK, {"http_status": 200, "redirects": ()}, ["example.org/community"]),
    ("301 to another site", "https://old.example/community",
     {"old.example/community": respond(301, headers={"Location": "https://new.example/home"}),
      "new.example/home": respond(200, "<html>we moved here</html>")}, {},
     CheckOutcome.MOVED, {"http_status": 200, "final_url": "https://new.example/home",
                          "redirects": ("https://old.example/community",)},
     ["old.example/community", "new.example/home"]),
    ("308 to another site", "https://old.example/forum",
     {"old.example/forum": respond(308, headers={"Location": "https://forum.new.example/"}),
      "forum.new.example/": respond(200, "<html>forum</html>")}, {},
     CheckOutcome.MOVED, {"final_url": "https://forum.new.example/"}, ["old.example/forum", "forum.new.example/"]),
    ("302 same site", "https://example.org/join",
     {"example.org/join": respond(302, headers={"Location": "/welcome"}),
      "example.org/welcome": respond(200, "<html>hi</html>")}, {},
     CheckOutcome.REDIRECTED, {"final_url": "https://example.org/welcome", "redirects": ("https://example.org/join",)},
     ["example.org/join", "example.org/welcome"]),
    ("301 to www of the same site", "https://example.org/club",
     {"example.org/club": respond(301, headers={"Location": "https://www.example.org/club"}),
      "www.example.org/club": respond(200, "<html>club</html>")}, {},
     CheckOutcome.REDIRECTED, {"final_url": "https://www.example.org/club"},
     ["example.org/club", "www.example.org/club"]),
    ("302 to another site is not a move", "https://example.org/chat",
     {"example.org/chat": respond(302, headers={"Location": "https://chat.other.example/room"}),
      "chat.other.example/room": respond(200, "<html>room</html>")}, {},
     CheckOutcome.REDIRECTED, {"final_url": "https://chat.other.example/room"},
     ["example.org/chat", "chat.other.example/room"]),
    ("404", "https://example.org/gone-group",
     {"example.org/gone-group": respond(404, "Not Found")}, {},
     CheckOutcome.NOT_FOUND, {"http_status": 404}, ["example.org/gone-group"]),
    ("410", "https://example.org/closed",
     {"example.org/closed": respond(410, "Gone")}, {},
     CheckOutcome.GONE, {"http_status": 410}, ["example.org/closed"]),
    ("500", "https://example.org/broken",
     {"example.org/broken": respond(500, "Internal Server Error")}, {},
     CheckOutcome.SERVER_ERROR, {"http_status": 500}, ["example.org/broken"]),
    ("503", "https://example.org/maintenance",
     {"example.org/maintenance": respond(503, "Service Unavailable")}, {},
     CheckOutcome.SERVER_ERROR, {"http_status": 503}, ["example.org/maintenance"]),
    ("403 bot challenge", "https://example.org/walled",
     {"example.org/walled": respond(403, "<html><title>Just a moment...</title></html>",
                                    {"cf-mitigated": "challenge"})}, {},
     CheckOutcome.BLOCKED, {"http_status": 403}, ["example.org/walled"]),
    ("429 with Retry-After", "https://example.org/busy",
     {"example.org/busy": respond(429, "Too Many Requests", {"Retry-After": "3600"})}, {},
     CheckOutcome.BLOCKED, {"http_status": 429, "retry_after": 3600.0}, ["example.org/busy"]),
    ("parked domain", "https://old-meetup.org",
     {"old-meetup.org/": respond(200, PARKED_PAGE)}, {},
     CheckOutcome.PARKED, {"http_status": 200}, ["old-meetup.org/"]),
    ("discord invite expired", "https://discord.com/invite/abc",
     {"discord.com/api/v10/invites/abc": respond(404, _discord_error("Unknown Invite", 10006),
                                                 {"Content-Type": "application/json"})}, {},
     CheckOutcome.INVITE_EXPIRED, {"http_status": 404}, ["discord.com/api/v10/invites/abc"]),
    ("discord invite live", "https://discord.com/invite/0vCdhLbwjZZTWZLD",
     {"discord.com/api/v10/invites/0vCdhLbwjZZTWZLD": respond(200, DISCORD_INVITE,
                                                              {"Content-Type": "application/json"})}, {},
     CheckOutcome.OK, {"http_status": 200}, ["discord.com/api/v10/invites/0vCdhLbwjZZTWZLD"]),
    ("slack invite expired", "https://join.slack.com/t/rustdevs/shared_invite/zt-abc",
     {"join.slack.com/t/rustdevs/shared_invite/zt-abc": respond(200, SLACK_DEAD_INVITE)}, {},
     CheckOutcome.INVITE_EXPIRED, {"http_status": 200}, ["join.slack.com/t/rustdevs/shared_invite/zt-abc"]),
    ("slack invite live", "https://join.slack.com/t/rustdevs/shared_invite/zt-def",
     {"join.slack.com/t/rustdevs/shared_invite/zt-def": respond(200, SLACK_LIVE_INVITE)}, {},
     CheckOutcome.OK, {"http_status": 200}, ["join.slack.com/t/rustdevs/shared_invite/zt-def"]),
    ("name does not resolve", "https://nxdomain.example/",
     {}, {"nxdomain.example": None},
     CheckOutcome.DNS_FAILURE, {"http_status": None, "final_url": None}, []),
    ("connection refused", "https://refused.example/",
     {"refused.example/": _raise(httpx.ConnectError("[Errno 111] Connection refused"))}, {},
     CheckOutcome.CONNECTION_REFUSED, {"http_status": None}, ["refused.example/"]),
    ("read timeout", "https://slow.example/",
     {"slow.example/": _raise(httpx.ReadTimeout("timed out"))}, {},
     CheckOutcome.TIMEOUT, {"http_status": None}, ["slow.example/"]),
    ("tls failure", "https://badcert.example/",
     {"badcert.example/": _tls_failure}, {},
     CheckOutcome.TLS_FAILURE, {"http_status": None}, ["badcert.example/"]),
    ("private address", "https://intranet.example/",
     {}, {"intranet.example": "10.0.0.7"},
     CheckOutcome.EXCLUDED, {"http_status": None}, []),
    ("metadata ip literal", "http://169.254.169.254/latest/meta-data/",
     {}, {}, CheckOutcome.EXCLUDED, {"http_status": None}, []),
    ("redirect to a private address", "https://example.org/sneaky",
     {"example.org/sneaky": respond(302, headers={"Location": "http://intranet.example/admin"})},
     {"intranet.example": "10.0.0.7"},
     CheckOutcome.EXCLUDED, {"http_status": None}, ["example.org/sneaky"]),
    ("redirect loop", "https://example.org/loop",
     {"example.org/loop": lambda request: respond(302, headers={"Location": "/loop"})}, {},
     CheckOutcome.REDIRECT_LOOP, {"http_status": None}, ["example.org/loop"] * (NetPolicy().max_redirects + 1)),
    ("mailto", "mailto:x@y.org", {}, {}, CheckOutcome.EXCLUDED, {"http_status": None}, []),
]


@pytest.mark.parametrize("url, routes, table, outcome, fields, requested",
                         [pytest.param(*case[1:], id=case[0]) for case in CASES])
def test_check_url(url, routes, table, outcome, fields, requested):
    web = MockWeb(routes)
    resolver = FakeResolver(table)
    result = run_check(url, web, resolver)
    assert result.outcome is outcome, result.detail
    assert result.url == url  # the community's URL, even when a platform API was probed
    assert result.checked_at == NOW
    assert result.detail  # every outcome says why
    for name, expected in fields.items():
        assert getattr(result, name) == expected, name
    assert web.requested == requested
    if url.startswith("mailto:"):
        assert resolver.asked == []


def test_a_discord_invite_is_probed_through_the_invite_api_with_counts():
    seen: list[httpx.URL] = []

    def api(request: httpx.Request) -> httpx.Response:
        seen.append(request.url)
        return respond(404, _discord_error("Unknown Invite", 10006))

    run_check("https://discord.com/invite/abc", MockWeb({"discord.com/api/v10/invites/abc": api}))
    (url,) = seen
    assert url.path == "/api/v10/invites/abc"
    assert url.params["with_counts"] == "true"


def test_a_404_from_discord_for_another_reason_is_not_an_expired_invite():
    web = MockWeb({"discord.com/api/v10/invites/abc": respond(404, _discord_error("404: Not Found", 0))})
    assert run_check("https://discord.com/invite/abc", web).outcome is CheckOutcome.NOT_FOUND


def test_last_modified_is_recorded():
    web = MockWeb({"example.org/": respond(200, "hi", {"Last-Modified": "Wed, 01 May 2024 10:00:00 GMT"})})
    result = run_check("https://example.org", web)
    assert result.last_modified == datetime(2024, 5, 1, 10, 0, tzinfo=timezone.utc)


def test_a_check_that_runs_past_the_deadline_times_out():
    async def stall(request: httpx.Request) -> httpx.Response:
        await asyncio.Event().wait()  # never answers; the policy's deadline must end it
        raise AssertionError("unreachable")

    web = MockWeb({"stalled.example/": stall})  # type: ignore[dict-item]
    result = run_check("https://stalled.example/", web, policy=NetPolicy(deadline_s=0.05))
    assert result.outcome is CheckOutcome.TIMEOUT


# --- check_many -------------------------------------------------------------------------------


def test_check_many_checks_every_url_once_and_respects_the_per_host_limit():
    hosts = [f"host{i}.example" for i in range(5)]
    urls = [f"https://{host}/group/{n}" for n in range(10) for host in hosts]  # interleaved hosts
    in_flight: Counter[str] = Counter()
    most_in_flight: Counter[str] = Counter()
    served: Counter[str] = Counter()

    async def handler(request: httpx.Request) -> httpx.Response:
        host = request.headers["host"]
        in_flight[host] += 1
        most_in_flight[host] = max(most_in_flight[host], in_flight[host])
        for _ in range(20):  # let every other task run, so requests overlap if they are allowed to
            await asyncio.sleep(0)
        in_flight[host] -= 1
        served[request.headers["host"] + request.url.path] += 1
        return respond(200, "<html>ok</html>")

    async def go() -> list[CheckResult]:
        settings = CheckSettings(concurrency=32, per_host=3, min_interval_s=0, robots=False, soft_404=False)
        async with Checker(FakeResolver(), NetPolicy(), settings, inner_transport=httpx.MockTransport(handler)) as checker:
            return [result async for result in checker.check_many(urls, NOW)]

    results = asyncio.run(go())
    assert len(results) == 50
    assert sorted(result.url for result in results) == sorted(urls)
    assert all(result.outcome is CheckOutcome.OK for result in results)
    assert sum(served.values()) == 50 and set(served.values()) == {1}
    assert most_in_flight == {host: 3 for host in hosts}  # the limit is reached, never passed


# --- hostile or odd answers, and bugs, become values or surface at once ---


def test_a_body_that_claims_gzip_but_is_not_gives_an_error_result_not_a_crash():
    web = MockWeb({"example.org/": respond(200, b"<html>plain</html>", {"Content-Encoding": "gzip"})})
    result = run_check("https://example.org", web)
    assert result.outcome is CheckOutcome.ERROR


def test_a_404_whose_body_is_deeply_nested_json_is_still_not_found():
    web = MockWeb({"example.org/x": respond(404, b"[" * 100_000)})
    result = run_check("https://example.org/x", web)
    assert result.outcome is CheckOutcome.NOT_FOUND


def test_a_mock_transport_returning_an_ordinary_response_is_checked():
    web = MockWeb({"example.org/": httpx.Response(200, text="<html>hello</html>")})
    assert run_check("https://example.org", web).outcome is CheckOutcome.OK


def test_check_many_surfaces_an_unexpected_error_instead_of_hanging():
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/bug":
            raise RuntimeError("a bug in the checker")
        return respond(200, "ok")

    async def go() -> list[CheckResult]:
        settings = CheckSettings(concurrency=2, min_interval_s=0, robots=False)
        async with Checker(FakeResolver(), NetPolicy(), settings, inner_transport=httpx.MockTransport(handler)) as checker:
            urls = ["https://example.org/a", "https://example.org/bug", "https://example.org/b"]
            return [result async for result in checker.check_many(urls, NOW)]

    with pytest.raises(RuntimeError, match="a bug in the checker"):
        # The guard only turns a hang into a failure; a correct check_all raises at once.
        asyncio.run(asyncio.wait_for(go(), timeout=2))
