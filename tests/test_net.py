"""The guarded network layer: SSRF refusals, redirect hops, schemes, and the bounds on every fetch.

No name ever reaches the machine's resolver: a fake resolver answers from a table, and the
socket-level transport inside `make_client` is replaced by an `httpx.MockTransport` that records
every request that would have gone on the wire. "Nothing was sent" is asserted on that record.
"""
from __future__ import annotations

import asyncio
import re
import socket
import zlib
from collections.abc import Callable, Iterable

import httpx
import pytest

from crawler import net
from crawler.net import ConnectTarget, NameNotResolved, NetPolicy, UnsafeURL

PUBLIC = "93.184.216.34"
PUBLIC_V6 = "2606:2800:220:1:248:1893:25c8:1946"

REFUSED_ADDRESSES = [
    "127.0.0.1", "10.0.0.5", "10.255.255.255", "169.254.169.254", "::1", "::ffff:127.0.0.1",
    "192.168.1.1", "172.16.0.1", "0.0.0.0", "fc00::1",
]


class FakeResolver:
    """Answers from a table; a name not in it does not resolve. Records every name it is asked."""

    def __init__(self, table: dict[str, str | list[str]]):
        self.table = table
        self.asked: list[str] = []

    def close(self) -> None:
        pass

    async def resolve(self, host: str, port: int, tls: bool) -> list[ConnectTarget]:
        self.asked.append(host)
        if host not in self.table:
            raise NameNotResolved(f"{host}: Name or service not known")
        addresses = self.table[host]
        addresses = [addresses] if isinstance(addresses, str) else addresses
        return [ConnectTarget(address, port, tls) for address in addresses]


class Body(httpx.AsyncByteStream):
    """A streamed response body that counts how many chunks the reader pulled."""

    def __init__(self, chunks: Iterable[bytes]):
        self.chunks = list(chunks)
        self.pulled = 0

    async def __aiter__(self):
        for chunk in self.chunks:
            self.pulled += 1
            yield chunk


def chunked(data: bytes, size: int) -> list[bytes]:
    return [data[i:i + size] for i in range(0, len(data), size)]


def respond(status: int = 200, body: bytes = b"", headers: dict[str, str] | None = None) -> httpx.Response:
    # A streamed body, as a real connection gives: a Response built from bytes is read eagerly by httpx.
    return httpx.Response(status, headers=headers, stream=Body(chunked(body, 65536) or [b""]))


class Wire:
    """What reached the wire: every request the inner transport was asked to send."""

    def __init__(self, handler: Callable[[httpx.Request], httpx.Response] | None = None):
        self.requests: list[httpx.Request] = []
        self.handler = handler or (lambda request: respond(200, b"hello"))
        self.transport = httpx.MockTransport(self._handle)

    def _handle(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        return self.handler(request)


@pytest.fixture
def client_for(monkeypatch: pytest.MonkeyPatch) -> Callable[..., httpx.AsyncClient]:
    """make_client exactly as production builds it, with the socket transport replaced by `wire`."""

    def build(resolver: FakeResolver, policy: NetPolicy, wire: Wire) -> httpx.AsyncClient:
        monkeypatch.setattr(net.httpx, "AsyncHTTPTransport", lambda **options: wire.transport)
        client = net.make_client(resolver, policy)
        monkeypatch.undo()
        return client

    return build


async def _fetch(client: httpx.AsyncClient, policy: NetPolicy, url: str) -> net.Fetched:
    async with client:
        return await net.fetch(client, policy, url)


# --- the SSRF guard --------------------------------------------------------------------------


@pytest.mark.parametrize("address", REFUSED_ADDRESSES)
def test_a_name_resolving_to_a_non_public_address_is_refused_before_any_connection(client_for, address):
    resolver = FakeResolver({"evil.example": address})
    wire = Wire()
    client = client_for(resolver, NetPolicy(), wire)

    async def run() -> None:
        async with client:
            with pytest.raises(UnsafeURL, match=re.escape(address)):
                await client.get("http://evil.example/")
            with pytest.raises(UnsafeURL):
                await net.fetch(client, NetPolicy(), "https://evil.example/admin")

    asyncio.run(run())
    assert wire.requests == []
    assert resolver.asked == ["evil.example", "evil.example"]


@pytest.mark.parametrize("url", [
    "http://127.0.0.1/", "http://[::1]/", "http://169.254.169.254/latest/meta-data/",
    "http://10.0.0.1:8080/", "https://[fc00::1]/",
])
def test_an_ip_literal_url_to_a_non_public_address_is_refused_without_resolving(client_for, url):
    resolver = FakeResolver({})
    wire = Wire()
    with pytest.raises(UnsafeURL):
        asyncio.run(_fetch(client_for(resolver, NetPolicy(), wire), NetPolicy(), url))
    assert wire.requests == []
    assert resolver.asked == []


def test_when_a_name_has_private_and_public_addresses_only_the_public_one_is_contacted(client_for):
    resolver = FakeResolver({"mixed.example": ["10.0.0.5", "169.254.169.254", PUBLIC]})
    wire = Wire()
    fetched = asyncio.run(_fetch(client_for(resolver, NetPolicy(), wire), NetPolicy(), "http://mixed.example/"))
    assert fetched.status == 200
    assert [request.url.host for request in wire.requests] == [PUBLIC]


@pytest.mark.parametrize("address", ["127.0.0.1", "::1", "::ffff:127.0.0.1"])
def test_allow_loopback_lets_the_sample_web_through(client_for, address):
    policy = NetPolicy(allow_loopback=True)
    resolver = FakeResolver({"sample.example": address})
    wire = Wire()
    fetched = asyncio.run(_fetch(client_for(resolver, policy, wire), policy, "http://sample.example/page"))
    assert (fetched.status, fetched.body) == (200, b"hello")
    assert len(wire.requests) == 1
    assert wire.requests[0].url.host == address


@pytest.mark.parametrize("url", ["http://127.0.0.1:8080/", "http://[::1]:8080/"])
def test_allow_loopback_allows_loopback_ip_literals(client_for, url):
    policy = NetPolicy(allow_loopback=True)
    wire = Wire()
    fetched = asyncio.run(_fetch(client_for(FakeResolver({}), policy, wire), policy, url))
    assert fetched.status == 200
    assert len(wire.requests) == 1


@pytest.mark.parametrize("address", ["10.0.0.5", "169.254.169.254", "192.168.1.1", "fc00::1", "0.0.0.0"])
def test_allow_loopback_still_refuses_private_and_metadata_addresses(client_for, address):
    policy = NetPolicy(allow_loopback=True)
    resolver = FakeResolver({"evil.example": address})
    wire = Wire()
    with pytest.raises(UnsafeURL):
        asyncio.run(_fetch(client_for(resolver, policy, wire), policy, "http://evil.example/"))
    assert wire.requests == []


# --- redirects: every hop is guarded ------------------------------------------------------------


@pytest.mark.parametrize("location", [
    "http://internal.example/", "http://169.254.169.254/", "http://[::1]:8080/admin",
    "http://127.0.0.1/", "ftp://public.example/file", "file:///etc/passwd",
])
def test_a_redirect_to_a_non_public_target_is_refused_after_the_first_hop(client_for, location):
    resolver = FakeResolver({"public.example": PUBLIC, "internal.example": "10.0.0.1"})
    wire = Wire(lambda request: respond(302, headers={"Location": location}))
    with pytest.raises(UnsafeURL):
        asyncio.run(_fetch(client_for(resolver, NetPolicy(), wire), NetPolicy(), "http://public.example/start"))
    assert len(wire.requests) == 1
    assert wire.requests[0].headers["host"] == "public.example"


def test_a_relative_redirect_is_followed_and_recorded(client_for):
    resolver = FakeResolver({"public.example": PUBLIC})

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/old":
            return respond(301, headers={"Location": "/new"})
        return respond(200, b"new home")

    wire = Wire(handler)
    fetched = asyncio.run(_fetch(client_for(resolver, NetPolicy(), wire), NetPolicy(), "http://public.example/old"))
    assert fetched.url == "http://public.example/new"
    assert fetched.redirects == [("http://public.example/old", 301)]
    assert fetched.body == b"new home"
    assert [request.url.path for request in wire.requests] == ["/old", "/new"]


# --- schemes ---------------------------------------------------------------------------------


@pytest.mark.parametrize("url", ["ftp://example.org/pub/file.txt", "file:///etc/passwd", "gopher://example.org/"])
def test_schemes_other_than_http_and_https_are_refused(client_for, url):
    resolver = FakeResolver({"example.org": PUBLIC})
    wire = Wire()
    with pytest.raises(UnsafeURL, match="scheme"):
        asyncio.run(_fetch(client_for(resolver, NetPolicy(), wire), NetPolicy(), url))
    assert wire.requests == []
    assert resolver.asked == []


# --- bounded redirects -----------------------------------------------------------------------


@pytest.mark.parametrize("max_redirects", [0, 3, 5])
def test_a_redirect_loop_stops_after_max_redirects(client_for, max_redirects):
    policy = NetPolicy(max_redirects=max_redirects)
    resolver = FakeResolver({"loop.example": PUBLIC})
    wire = Wire(lambda request: respond(302, headers={"Location": f"{request.url.path}x"}))
    with pytest.raises(httpx.TooManyRedirects):
        asyncio.run(_fetch(client_for(resolver, policy, wire), policy, "http://loop.example/a"))
    assert len(wire.requests) == max_redirects + 1


def test_exactly_max_redirects_hops_are_followed(client_for):
    policy = NetPolicy(max_redirects=3)
    resolver = FakeResolver({"hops.example": PUBLIC})

    def handler(request: httpx.Request) -> httpx.Response:
        hop = int(request.url.path.strip("/"))
        return respond(307, headers={"Location": f"/{hop + 1}"}) if hop < 3 else respond(200, b"arrived")

    wire = Wire(handler)
    fetched = asyncio.run(_fetch(client_for(resolver, policy, wire), policy, "http://hops.example/0"))
    assert fetched.body == b"arrived"
    assert [status for _, status in fetched.redirects] == [307, 307, 307]
    assert len(wire.requests) == 4


# --- bounded bytes ---------------------------------------------------------------------------


def test_a_large_body_is_cut_at_max_bytes_and_not_read_to_the_end(client_for):
    policy = NetPolicy(max_bytes=1000)
    body = Body(chunked(b"x" * 10_000_000, 65536))
    wire = Wire(lambda request: httpx.Response(200, stream=body))
    fetched = asyncio.run(_fetch(client_for(FakeResolver({"big.example": PUBLIC}), policy, wire), policy,
                                 "http://big.example/"))
    assert fetched.body == b"x" * 1000
    assert fetched.truncated is True
    assert body.pulled < len(body.chunks)


@pytest.mark.parametrize("size", [0, 999, 1000])
def test_a_body_within_max_bytes_is_kept_whole(client_for, size):
    policy = NetPolicy(max_bytes=1000)
    wire = Wire(lambda request: respond(200, b"y" * size))
    fetched = asyncio.run(_fetch(client_for(FakeResolver({"small.example": PUBLIC}), policy, wire), policy,
                                 "http://small.example/"))
    assert fetched.body == b"y" * size
    assert fetched.truncated is False


def _gzip_of_zeros(megabytes: int) -> bytes:
    compressor = zlib.compressobj(9, zlib.DEFLATED, 31)  # wbits 31: gzip container
    block = bytes(1_000_000)
    return b"".join(compressor.compress(block) for _ in range(megabytes)) + compressor.flush()


def test_a_gzip_bomb_is_cut_at_max_bytes_without_inflating_it(client_for):
    policy = NetPolicy(max_bytes=1000)
    bomb = _gzip_of_zeros(50)
    assert len(bomb) < 100_000  # 50 MB of zeros squeezed small: that is the attack
    body = Body(chunked(bomb, 1024))
    wire = Wire(lambda request: httpx.Response(200, headers={"Content-Encoding": "gzip"}, stream=body))
    fetched = asyncio.run(_fetch(client_for(FakeResolver({"bomb.example": PUBLIC}), policy, wire), policy,
                                 "http://bomb.example/"))
    assert len(fetched.body) == policy.max_bytes
    assert fetched.body == bytes(1000)
    assert fetched.truncated is True
    assert body.pulled < len(body.chunks) // 10  # stopped within the first few KB of the bomb


@pytest.mark.parametrize("encoding, wbits", [("gzip", 31), ("deflate", 15)])
def test_a_small_compressed_body_is_inflated_whole(client_for, encoding, wbits):
    text = b"<html><body>" + b"community news " * 50 + b"</body></html>"
    compressor = zlib.compressobj(6, zlib.DEFLATED, wbits)
    packed = compressor.compress(text) + compressor.flush()
    wire = Wire(lambda request: httpx.Response(200, headers={"Content-Encoding": encoding},
                                               stream=Body(chunked(packed, 16))))
    fetched = asyncio.run(_fetch(client_for(FakeResolver({"zip.example": PUBLIC}), NetPolicy(), wire), NetPolicy(),
                                 "http://zip.example/"))
    assert fetched.body == text
    assert fetched.truncated is False


# --- the request on the wire -----------------------------------------------------------------


def test_the_wire_request_goes_to_the_resolved_address_with_the_original_host(client_for):
    resolver = FakeResolver({"forum.example.org": PUBLIC})
    wire = Wire()
    fetched = asyncio.run(_fetch(client_for(resolver, NetPolicy(), wire), NetPolicy(),
                                 "http://forum.example.org/latest?page=2"))
    (sent,) = wire.requests
    assert sent.url.host == PUBLIC
    assert sent.url.port in (None, 80)
    assert sent.url.raw_path == b"/latest?page=2"
    assert sent.headers["host"] == "forum.example.org"
    user_agent = sent.headers["user-agent"]
    assert "copdir" in user_agent and "+http" in user_agent
    # The caller sees the URL it asked for, not the address.
    assert fetched.url == "http://forum.example.org/latest?page=2"


def test_an_https_wire_request_keeps_the_real_name_for_tls(client_for):
    resolver = FakeResolver({"secure.example.org": PUBLIC_V6})
    wire = Wire()
    asyncio.run(_fetch(client_for(resolver, NetPolicy(), wire), NetPolicy(), "https://secure.example.org:8443/x"))
    (sent,) = wire.requests
    assert sent.url.scheme == "https"
    assert sent.url.host == PUBLIC_V6
    assert sent.url.port == 8443
    assert sent.headers["host"] == "secure.example.org:8443"
    assert sent.extensions["sni_hostname"] == "secure.example.org"  # the certificate checked is the name's


def test_a_name_that_does_not_resolve_raises_name_not_resolved(client_for):
    resolver = FakeResolver({})
    wire = Wire()
    with pytest.raises(NameNotResolved, match="nowhere.example"):
        asyncio.run(_fetch(client_for(resolver, NetPolicy(), wire), NetPolicy(), "https://nowhere.example/"))
    assert resolver.asked == ["nowhere.example"]
    assert wire.requests == []


# --- address_refusal -------------------------------------------------------------------------


@pytest.mark.parametrize("address", [PUBLIC, "8.8.8.8", "1.1.1.1", PUBLIC_V6])
def test_public_addresses_are_not_refused(address):
    assert net.address_refusal(address, NetPolicy()) is None


@pytest.mark.parametrize("address", REFUSED_ADDRESSES + [
    "100.64.0.1", "224.0.0.1", "255.255.255.255", "fe80::1", "::ffff:10.0.0.1", "::ffff:169.254.169.254",
])
def test_non_public_addresses_are_refused_with_a_message_naming_them(address):
    refusal = net.address_refusal(address, NetPolicy())
    assert refusal is not None
    assert address in refusal


def test_the_metadata_address_is_named_as_link_local():
    assert "link-local" in net.address_refusal("169.254.169.254", NetPolicy())


@pytest.mark.parametrize("address, allowed", [
    ("127.0.0.1", True), ("127.8.9.10", True), ("::1", True), ("::ffff:127.0.0.1", True),
    ("10.0.0.5", False), ("169.254.169.254", False), ("192.168.1.1", False), ("fc00::1", False),
])
def test_allow_loopback_allows_loopback_only(address, allowed):
    refusal = net.address_refusal(address, NetPolicy(allow_loopback=True))
    assert (refusal is None) is allowed


def test_the_system_resolver_asks_once_per_name_while_its_answer_is_fresh(monkeypatch):
    from crawler.net import SystemResolver

    asked: list[str] = []

    async def fake_getaddrinfo(self, host, port, **kwargs):
        asked.append(host)
        if host == "gone.example":
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("93.184.216.34", port))] * 2

    monkeypatch.setattr(asyncio.base_events.BaseEventLoop, "getaddrinfo", fake_getaddrinfo)  # never the real one
    now = [0.0]
    resolver = SystemResolver(clock=lambda: now[0])

    async def go():
        first = await resolver.resolve("example.org", 443, True)
        again = await resolver.resolve("EXAMPLE.org", 443, True)
        for _ in range(2):
            with pytest.raises(NameNotResolved):
                await resolver.resolve("gone.example", 443, True)
        now[0] += SystemResolver.ANSWER_TTL_S + 1
        await resolver.resolve("example.org", 443, True)
        return first, again

    first, again = asyncio.run(go())
    assert first == again == [ConnectTarget("93.184.216.34", 443, True)]  # duplicates dropped
    assert asked == ["example.org", "gone.example", "example.org"]  # cached, failures too, until stale


# --- aiohttp's pool under the guard (the checker's transport) ----------------------------------------------


def _aiohttp_fetch(policy: NetPolicy, url: str, resolver: FakeResolver) -> net.Fetched:
    from crawler.aiohttp_transport import AiohttpTransport

    async def run() -> net.Fetched:
        inner = AiohttpTransport(net.tls_context(policy), 4, policy.connect_timeout_s)
        async with net.make_client(resolver, policy, inner=inner) as client:
            return await net.fetch_once(client, policy, url, lean=True)

    return asyncio.run(run())


def test_the_aiohttp_transport_connects_to_the_address_the_guard_approved_and_keeps_the_name(loopback_site):
    loopback_site.pages["/club"] = b"<h1>Our club</h1>"
    policy = NetPolicy(allow_loopback=True)
    fetched = _aiohttp_fetch(policy, f"http://club.example:{loopback_site.port}/club?page=2",
                             FakeResolver({"club.example": "127.0.0.1"}))
    assert (fetched.status, fetched.body, fetched.address) == (200, b"<h1>Our club</h1>", "127.0.0.1")
    assert loopback_site.asked == [f"club.example:{loopback_site.port}/club?page=2"]


def test_the_aiohttp_transport_behind_the_guard_still_refuses_loopback_unless_allowed(loopback_site):
    with pytest.raises(UnsafeURL, match="loopback"):
        _aiohttp_fetch(NetPolicy(), f"http://club.example:{loopback_site.port}/club",
                       FakeResolver({"club.example": "127.0.0.1"}))
    assert loopback_site.asked == []


def test_the_aiohttp_transport_alone_refuses_a_request_the_guard_did_not_approve(loopback_site):
    from crawler.aiohttp_transport import AiohttpTransport

    async def run() -> None:
        transport = AiohttpTransport(net.tls_context(NetPolicy()), 4, 5.0)
        try:
            await transport.handle_async_request(httpx.Request("GET", f"http://127.0.0.1:{loopback_site.port}/"))
        finally:
            await transport.aclose()

    with pytest.raises(UnsafeURL, match="no address approved"):
        asyncio.run(run())
    assert loopback_site.asked == []
