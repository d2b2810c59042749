"""The checker against servers that misbehave at the byte level, on real loopback sockets.

Each case is one path of `tests/hostile_server.py`. Only the name hostile.test may be on
loopback (`allowed_hosts`), so a redirect to the literal 127.0.0.1, to the cloud metadata
address or to a private range must be refused. Deadlines are short so every test ends quickly;
memory is measured with tracemalloc (bytes allocated, not time), and nothing asserts a duration.
"""
from __future__ import annotations

import asyncio
import socket
import tracemalloc
import zlib
from collections.abc import Iterator
from datetime import datetime, timezone

import pytest

from crawler.check import Checker, CheckSettings
from crawler.models import CheckOutcome, CheckResult
from crawler.net import ConnectTarget, NameNotResolved, NetPolicy
from hostile_server import HostileServer, hostile_server

NOW = datetime(2024, 5, 31, 12, 0, tzinfo=timezone.utc)
HOST = "hostile.test"
DEADLINE_S = 2.0  # what the slow drip and the silent server run into
MEMORY_BOUND = 20_000_000  # bytes a check may allocate; an uncapped read of a bomb takes a gigabyte
# One attempt, no robots.txt, no pause between hops: the hostile case alone decides the outcome.
SETTINGS = CheckSettings(robots=False, max_attempts=1, timeout_attempts=1, min_interval_s=0)
POLICY = NetPolicy(allowed_hosts=frozenset({HOST}), deadline_s=DEADLINE_S)


class HostileResolver:
    """hostile.test is the hostile server on loopback; no other name resolves."""

    def __init__(self, port: int):
        self.port = port

    async def resolve(self, host: str, port: int, tls: bool) -> list[ConnectTarget]:
        if host != HOST:
            raise NameNotResolved(f"{host}: Name or service not known")
        return [ConnectTarget("127.0.0.1", self.port, False)]

    def close(self) -> None:
        pass


@pytest.fixture
def server() -> Iterator[HostileServer]:
    with hostile_server() as running:
        yield running


def url(server: HostileServer, path: str) -> str:
    return f"http://{HOST}:{server.port}{path}"


def check_measured(server: HostileServer, path: str, policy: NetPolicy = POLICY,
                   settings: CheckSettings = SETTINGS) -> tuple[CheckResult, int]:
    """Check path through the real checker; the result, and the most memory the check held at once."""
    async def go() -> tuple[CheckResult, int]:
        async with Checker(HostileResolver(server.port), policy, settings) as checker:
            tracemalloc.start()
            try:
                result = await checker.check(url(server, path), NOW)
                return result, tracemalloc.get_traced_memory()[1]
            finally:
                tracemalloc.stop()
    return asyncio.run(go())


def check(server: HostileServer, path: str, policy: NetPolicy = POLICY,
          settings: CheckSettings = SETTINGS) -> CheckResult:
    return check_measured(server, path, policy, settings)[0]


@pytest.mark.parametrize("path", ["/slow-drip", "/no-response"])
def test_a_server_that_never_finishes_answering_times_out_at_the_deadline(server, path):
    result = check(server, path)

    assert result.outcome is CheckOutcome.TIMEOUT
    assert "deadline" in result.detail
    assert server.hits(path) == 1  # one attempt was asked for: no retry


@pytest.mark.parametrize("path", ["/endless", "/gzip-bomb", "/deflate-bomb"])
def test_a_body_without_end_is_cut_at_the_byte_cap_and_the_page_still_counts(server, path):
    # /endless streams zeros forever; the bombs inflate to 1 GiB from about 1 MB on the wire.
    # The deadline is only a safety net here: the byte cap must end these reads, not the clock.
    result, peak = check_measured(server, path, policy=NetPolicy(allowed_hosts=frozenset({HOST}), deadline_s=10))

    assert (result.outcome, result.http_status) == (CheckOutcome.OK, 200)
    assert peak < MEMORY_BOUND
    assert server.hits(path) == 1


@pytest.mark.parametrize("encoding, path", [("gzip", "/gzip-bomb"), ("deflate", "/deflate-bomb")])
def test_the_bombs_really_inflate_a_thousandfold(server, encoding, path):
    # Without this, a broken bomb would make the byte-cap test above pass for the wrong reason.
    with socket.create_connection(("127.0.0.1", server.port)) as sock:
        sock.sendall(f"GET {path} HTTP/1.1\r\nHost: {HOST}\r\n\r\n".encode())
        received = b""
        while len(received) < 128 * 1024:
            received += sock.recv(65536)
    head, _, body = received.partition(b"\r\n\r\n")
    inflater = zlib.decompressobj(47 if encoding == "gzip" else 15)
    inflated = 0
    while body and inflated < 100_000_000:  # count the output in bounded pieces, never hold it
        inflated += len(inflater.decompress(body, 1 << 20))
        body = inflater.unconsumed_tail

    assert f"Content-Encoding: {encoding}".encode() in head
    assert inflated >= 100_000_000  # from at most 128 KiB on the wire


@pytest.mark.parametrize("path", ["/loop", "/loop-a"])
def test_a_redirect_loop_ends_as_a_redirect_loop_after_the_allowed_hops(server, path):
    result = check(server, path)

    assert result.outcome is CheckOutcome.REDIRECT_LOOP
    assert "redirect" in result.detail
    hops = server.hits("/loop") + server.hits("/loop-a") + server.hits("/loop-b")
    assert hops == POLICY.max_redirects + 1  # the first request and each allowed redirect, then stop


@pytest.mark.parametrize("path, address", [
    ("/to-loopback", "127.0.0.1"),
    ("/to-metadata", "169.254.169.254"),
    ("/to-private", "10.0.0.1"),
    ("/to-ipv6-mapped", "::ffff:127.0.0.1"),
])
def test_a_redirect_to_a_non_public_address_is_refused_before_connecting(server, path, address):
    # hostile.test itself is allowed on loopback; the addresses it redirects to are not.
    result = check(server, path)

    assert result.outcome is CheckOutcome.EXCLUDED
    assert "refused" in result.detail and address in result.detail
    assert server.hits(path) == 1
    assert server.hits("/ok") == 0  # the loopback targets point at /ok: nothing got there


def test_the_loopback_redirect_is_followed_when_the_policy_allows_loopback(server):
    # The control for the test above: the refusal comes from the policy, not from a broken redirect.
    result = check(server, "/to-loopback", policy=NetPolicy(allow_loopback=True, deadline_s=DEADLINE_S))

    assert result.outcome is CheckOutcome.REDIRECTED
    assert result.final_url == f"http://127.0.0.1:{server.port}/ok"
    assert server.hits("/ok", "GET") == 1


def test_invalid_header_bytes_and_a_bogus_charset_still_give_a_result(server):
    result = check(server, "/bad-header-bytes")

    assert (result.outcome, result.http_status) == (CheckOutcome.OK, 200)


@pytest.mark.parametrize("path, words", [
    ("/huge-headers", ("header", "too long", "too large")),
    ("/close", ("disconnected", "closed")),
    ("/not-http", ("status line", "not http")),
])
def test_a_broken_answer_is_an_error_that_says_what_broke(server, path, words):
    result = check(server, path)

    assert result.outcome is CheckOutcome.ERROR
    assert any(word in result.detail.lower() for word in words), result.detail


def test_a_connection_reset_is_not_ok_and_says_reset(server):
    result = check(server, "/reset")

    assert result.outcome not in (CheckOutcome.OK, CheckOutcome.REDIRECTED, CheckOutcome.TIMEOUT)
    assert "reset" in result.detail.lower(), result.detail


def test_a_well_behaved_page_is_ok_and_fetched_once(server):
    result = check(server, "/ok")

    assert (result.outcome, result.http_status) == (CheckOutcome.OK, 200)
    assert server.hits("/ok") == 1


def test_a_server_that_rejects_head_is_asked_again_with_get(server):
    result = check(server, "/head-405", settings=CheckSettings(
        robots=False, max_attempts=1, timeout_attempts=1, min_interval_s=0, method="HEAD"))

    assert (result.outcome, result.http_status) == (CheckOutcome.OK, 200)
    assert (server.hits("/head-405", "HEAD"), server.hits("/head-405", "GET")) == (1, 1)
