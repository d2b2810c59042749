"""The guarded network layer: every fetch of a URL that came from outside goes through here.

Both the httpx checker and the Scrapy spiders (via `crawler.scrapy_handler`) use it, so the rules
are the same everywhere:

- http and https only;
- the name is resolved by one injectable seam (`Resolver`), in the spirit of curl's
  `--resolve`/`--connect-to`; production uses the system resolver, tests and the demo use the
  sample web's resolver, so no name ever reaches the machine's (off-box) resolver;
- the address must be public unless the policy explicitly allows loopback, and it is checked on
  every hop because each redirect is a new request through `GuardedTransport`;
- redirects, body bytes (after decompression) and wall-clock time per request are bounded.
"""
from __future__ import annotations

import asyncio
import functools
import ipaddress
import socket
import ssl
import time
import zlib
from dataclasses import dataclass, field, replace
from collections.abc import Awaitable, Callable
from typing import Protocol
from urllib.parse import urljoin

import httpx

CONTACT_URL = "https://github.com/copdir/copdir#crawler"
USER_AGENT = f"copdir/0.1 (+{CONTACT_URL})"
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
ADDRESS_EXTENSION = "copdir.address"  # the address a response came from, for parked-range checks
CONNECT_EXTENSION = "copdir.connect_to"  # the ConnectTarget the guard approved, for transports that connect by it


class UnsafeURL(httpx.RequestError):
    """Refused by our own rules: a scheme we do not fetch, or a non-public address."""


class NameNotResolved(httpx.ConnectError):
    """The name does not resolve (NXDOMAIN or no address)."""


@dataclass(frozen=True)
class ConnectTarget:
    """Where to open the connection for a name: an address, a port, and whether to speak TLS."""

    address: str
    port: int
    tls: bool


class Resolver(Protocol):
    async def resolve(self, host: str, port: int, tls: bool) -> list[ConnectTarget]:
        """Return connect targets for host, or raise NameNotResolved."""
        ...

    def close(self) -> None:
        """Release whatever the resolver holds."""
        ...


class SystemResolver:
    """Production resolver: the operating system's getaddrinfo, off the event loop, with a small cache.

    A check asks for one host up to three times (robots.txt, the page, a soft-404 probe), and a
    directory has hundreds of links on one platform host: answers are kept for a few minutes
    (failures for one), so the resolver and the thread pool are not asked again for each request.
    """

    ANSWER_TTL_S = 300.0
    FAILURE_TTL_S = 60.0
    MAX_NAMES = 20_000  # oldest entries go first beyond this

    def __init__(self, clock=time.monotonic) -> None:
        self._clock = clock
        self._answers: dict[tuple[str, int], tuple[float, list[str] | str]] = {}  # addresses, or why not

    async def resolve(self, host: str, port: int, tls: bool) -> list[ConnectTarget]:
        key = (host.lower(), port)
        cached = self._answers.get(key)
        if cached is None or cached[0] < self._clock():
            cached = await self._lookup(host, port)
            self._answers.pop(key, None)
            self._answers[key] = cached
            if len(self._answers) > self.MAX_NAMES:
                del self._answers[next(iter(self._answers))]
        found = cached[1]
        if isinstance(found, str):
            raise NameNotResolved(found)
        return [ConnectTarget(address, port, tls) for address in found]

    async def _lookup(self, host: str, port: int) -> tuple[float, list[str] | str]:
        loop = asyncio.get_running_loop()
        try:
            infos = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        except socket.gaierror as exc:
            return self._clock() + self.FAILURE_TTL_S, f"{host}: {exc.strerror}"
        return self._clock() + self.ANSWER_TTL_S, list(dict.fromkeys(info[4][0] for info in infos))

    def close(self) -> None:
        pass


@dataclass(frozen=True)
class NetPolicy:
    """Bounds and permissions for one client. The defaults are production's."""

    allow_loopback: bool = False  # the sample web and tests only
    allow_private: bool = False  # `copdir probe --allow-private`: a maintainer's own machine or LAN
    # `--allow-host`: names (or "*.suffix" patterns) whose loopback or private addresses are admitted,
    # so a maintainer can check their own server without opening every private range.
    allowed_hosts: frozenset[str] = frozenset()
    extra_ca_pem: str = ""  # certificates trusted besides the system's: the sample web's test CA only
    max_redirects: int = 5
    max_bytes: int = 2_000_000  # decompressed body bytes kept per response
    deadline_s: float = 20.0  # wall clock per request, hop included; catches slow drips
    connect_timeout_s: float = 5.0
    user_agent: str = USER_AGENT


@functools.lru_cache(maxsize=16_384)  # a run meets the same few thousand addresses again and again
def address_refusal(address: str, policy: NetPolicy) -> str | None:
    """Why this address may not be contacted, or None when it may."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.is_site_local:
            return f"{address} is a site-local address"
        # ::ffff:127.0.0.1, 6to4 and Teredo forms carry an IPv4 address that is what really gets reached
        embedded = ip.ipv4_mapped or ip.sixtofour or (ip.teredo[1] if ip.teredo else None)
        if embedded:
            ip = embedded
    if ip.is_loopback:
        return None if policy.allow_loopback or policy.allow_private else f"{address} is a loopback address"
    if ip.is_link_local:  # refused even with allow_private: never hand out cloud credentials
        return f"{address} is a link-local address (cloud metadata lives there)"
    if policy.allow_private and ip.is_private and not (ip.is_unspecified or ip.is_multicast or ip.is_reserved):
        return None
    if ip.is_private or ip.is_reserved or ip.is_multicast or ip.is_unspecified or not ip.is_global:
        return f"{address} is not a public address"
    return None


def host_is_allowed(host: str, policy: NetPolicy) -> bool:
    """Whether host was named by `--allow-host`, exactly or under a "*.suffix" pattern."""
    host = host.lower().rstrip(".")
    return any(host == pattern or (pattern.startswith("*.") and host.endswith(pattern[1:]))
               for pattern in policy.allowed_hosts)


def _is_ip_literal(host: str) -> bool:
    try:
        ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return False
    return True


class GuardedTransport(httpx.AsyncBaseTransport):
    """Resolves through the seam, refuses non-public addresses, then connects to the address.

    The Host header and TLS server name stay those of the original URL.
    """

    def __init__(self, resolver: Resolver, policy: NetPolicy, inner: httpx.AsyncBaseTransport | None = None):
        self.resolver = resolver
        self.policy = policy
        self._named_host_policy = replace(policy, allow_private=True)  # for hosts named by --allow-host
        self.inner = inner or httpx.AsyncHTTPTransport(retries=0, trust_env=False)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        url = request.url
        if url.scheme not in ("http", "https"):
            raise UnsafeURL(f"refused: scheme {url.scheme!r} is not fetched", request=request)
        tls = url.scheme == "https"
        port = url.port or (443 if tls else 80)
        host = url.host
        if _is_ip_literal(host):
            targets = [ConnectTarget(host.strip("[]"), port, tls)]
        else:
            try:
                targets = await self.resolver.resolve(host, port, tls)
            except NameNotResolved as exc:
                raise NameNotResolved(str(exc), request=request) from exc
        policy = self._named_host_policy if host_is_allowed(host, self.policy) else self.policy
        refusals = []
        for target in targets:
            refusal = address_refusal(target.address, policy)
            if refusal is None:
                return await self._send_to(target, request)
            refusals.append(refusal)
        raise UnsafeURL(f"refused: {host} — {'; '.join(refusals) or 'no address'}", request=request)

    async def _send_to(self, target: ConnectTarget, request: httpx.Request) -> httpx.Response:
        extensions = {**request.extensions, CONNECT_EXTENSION: target}
        if target.tls:
            extensions["sni_hostname"] = request.url.host  # verify the certificate of the real name
        if getattr(self.inner, "connects_to_target", False):
            # It connects to the approved target itself; rewriting the URL (httpx parses it again) is a tenth
            # of a link check's cost.
            wire_url = request.url
        else:
            wire_url = request.url.copy_with(scheme="https" if target.tls else "http", host=target.address,
                                             port=target.port)
        wire = httpx.Request(
            request.method, wire_url, headers=request.headers, stream=request.stream, extensions=extensions
        )
        response = await self.inner.handle_async_request(wire)
        response.extensions = {**response.extensions, ADDRESS_EXTENSION: target.address}
        return response

    async def aclose(self) -> None:
        await self.inner.aclose()
        self.resolver.close()


def tls_context(policy: NetPolicy) -> ssl.SSLContext:
    context = httpx.create_ssl_context()  # the system's trust store (certifi), hostname checks on
    if policy.extra_ca_pem:
        context.load_verify_locations(cadata=policy.extra_ca_pem)
    return context


def make_client(resolver: Resolver, policy: NetPolicy, *, inner: httpx.AsyncBaseTransport | None = None,
                **limits: int) -> httpx.AsyncClient:
    """An httpx client whose every request goes through the guarded transport.

    `inner` replaces the real connection pool (tests put an `httpx.MockTransport` behind the guard).
    """
    pool = httpx.Limits(
        max_connections=limits.get("max_connections", 100),
        max_keepalive_connections=limits.get("max_keepalive", 20),
    )
    inner = inner or httpx.AsyncHTTPTransport(retries=0, trust_env=False, limits=pool, verify=tls_context(policy))
    return httpx.AsyncClient(
        transport=GuardedTransport(resolver, policy, inner),
        follow_redirects=False,  # we follow them ourselves, bounded and recorded
        trust_env=False,
        timeout=httpx.Timeout(policy.deadline_s, connect=policy.connect_timeout_s),
        headers={"User-Agent": policy.user_agent, "Accept-Encoding": "identity"},
    )


@dataclass
class Fetched:
    """One response, its body bounded, and the redirect chain that led to it."""

    url: str
    status: int
    headers: httpx.Headers
    body: bytes
    redirects: list[tuple[str, int]] = field(default_factory=list)  # (url, status) of each hop
    elapsed_ms: int = 0
    truncated: bool = False  # the body went past the policy's byte limit and was cut there
    address: str | None = None  # the peer address the answer came from (after the guard's checks)

    def text(self, limit: int = 200_000) -> str:
        return self.body[:limit].decode("utf-8", errors="replace")


async def _read_bounded(response: httpx.Response, max_bytes: int) -> tuple[bytes, bool]:
    """Read at most max_bytes of decoded body, inflating gzip/deflate ourselves with a cap.

    We ask for identity, but a hostile server may compress anyway; a bounded decompressor
    means a compression bomb costs us max_bytes, not gigabytes.
    """
    if response.is_stream_consumed:  # already read (e.g. a MockTransport answer): just bound it
        return response.content[:max_bytes], len(response.content) > max_bytes
    encoding = response.headers.get("content-encoding", "").lower().strip()
    inflater = zlib.decompressobj(47 if encoding == "gzip" else 15) if encoding in ("gzip", "deflate") else None
    chunks: list[bytes] = []
    kept = 0
    async for raw in response.aiter_raw():
        try:
            data = inflater.decompress(raw, max_bytes - kept + 1) if inflater else raw
        except zlib.error as exc:
            raise httpx.DecodingError(f"body labelled {encoding} does not inflate: {exc}",
                                      request=response.request) from exc
        chunks.append(data)
        kept += len(data)
        if kept > max_bytes:
            return b"".join(chunks)[:max_bytes], True
    return b"".join(chunks), False


def lean_request(client: httpx.AsyncClient, method: str, url: str, headers: dict[str, str] | None) -> httpx.Request:
    """client.build_request without what a link check never uses (a base URL to join, cookies to merge):
    joining an empty base URL parses the URL a second time."""
    merged = client.headers
    if headers:
        merged = httpx.Headers(client.headers)
        merged.update(headers)  # as build_request does: the caller's value wins, whatever the name's case
    return httpx.Request(method, url, headers=merged, extensions={"timeout": client.timeout.as_dict()})


async def send_lean(client: httpx.AsyncClient, request: httpx.Request) -> httpx.Response:
    """client.send without what a link check never uses (cookie jar, auth, event hooks), straight to
    the client's own transport — the guarded one, as make_client built it. A third of httpx's cost
    per request is the cookie jar parsing every answer's headers."""
    response = await client._transport.handle_async_request(request)  # noqa: SLF001 — see above
    response.request = request  # the URL asked, not the address the guard connected to
    return response


async def fetch_once(client: httpx.AsyncClient, policy: NetPolicy, url: str, method: str = "GET",
                     headers: dict[str, str] | None = None, *, lean: bool = False) -> Fetched:
    """One request, no redirect following, within the policy's deadline and byte limit."""
    started = time.monotonic()
    async with asyncio.timeout(policy.deadline_s):
        request = lean_request(client, method, url, headers) if lean else client.build_request(method, url,
                                                                                               headers=headers)
        response = await (send_lean(client, request) if lean else client.send(request, stream=True))
        try:
            body, truncated = (b"", False) if method == "HEAD" else await _read_bounded(response, policy.max_bytes)
        finally:
            await response.aclose()
    elapsed = int((time.monotonic() - started) * 1000)
    return Fetched(str(response.url), response.status_code, response.headers, body,
                   elapsed_ms=elapsed, truncated=truncated, address=response.extensions.get(ADDRESS_EXTENSION))


async def follow_redirects(hop: Callable[[str], Awaitable[Fetched]], url: str, max_redirects: int,
                           method: str = "GET") -> Fetched:
    """Call hop for url and for each redirect it answers, at most max_redirects times; the answer
    that is not a redirect comes back with the chain that led to it. Each hop is a new guarded request."""
    chain: list[tuple[str, int]] = []
    started = time.monotonic()
    current = url
    while True:
        result = await hop(current)
        location = result.headers.get("location")
        if result.status not in REDIRECT_STATUSES or not location:
            break
        if len(chain) >= max_redirects:
            raise httpx.TooManyRedirects(f"more than {max_redirects} redirects from {url}",
                                         request=httpx.Request(method, current))
        chain.append((current, result.status))
        current = urljoin(current, location)
    result.redirects = chain
    result.elapsed_ms = int((time.monotonic() - started) * 1000)
    return result


async def fetch(client: httpx.AsyncClient, policy: NetPolicy, url: str, method: str = "GET") -> Fetched:
    """Fetch url following at most policy.max_redirects redirects, each hop guarded anew.

    The deadline covers the whole chain, so a redirect loop of slow hops still ends in time.
    """
    async with asyncio.timeout(policy.deadline_s):
        return await follow_redirects(lambda hop_url: fetch_once(client, policy, hop_url, method), url,
                                      policy.max_redirects, method)
