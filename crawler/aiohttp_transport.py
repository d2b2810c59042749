"""httpx's API on aiohttp's connection pool: the checker's way past httpx's concurrency trap.

Stock httpx (httpcore) scans its whole pool on every request and slows as concurrency rises
(PERFORMANCE.md: 345 req/s at 100 concurrent against aiohttp's ~5,000). This transport keeps
everything above it — `GuardedTransport`, the bounded reads, the outcome tables — and hands only
the wire to aiohttp. It sits *under* the guard, so it only ever sees an address the guard
approved (the URL's host is already that address) and the real name to verify TLS against
(`sni_hostname`); it never resolves a name and never follows a redirect itself.

aiohttp's errors are turned into httpx's so that `crawler.outcomes` keeps one table.
"""
from __future__ import annotations

import asyncio
import ssl
from collections.abc import AsyncIterator

import aiohttp
import httpx
from yarl import URL

from crawler.net import CONNECT_EXTENSION, ConnectTarget, UnsafeURL


class _Body(httpx.AsyncByteStream):
    def __init__(self, response: aiohttp.ClientResponse):
        self._response = response

    async def __aiter__(self) -> AsyncIterator[bytes]:
        try:
            async for chunk in self._response.content.iter_any():
                yield chunk
        except (aiohttp.ClientPayloadError, aiohttp.ClientConnectionError) as exc:
            raise httpx.ReadError(str(exc) or type(exc).__name__) from exc

    async def aclose(self) -> None:
        self._response.release()


class AiohttpTransport(httpx.AsyncBaseTransport):
    """One aiohttp session (one pool) behind an httpx client; created lazily inside the event loop.

    It connects only to the target the guard approved and names in the request (`CONNECT_EXTENSION`),
    so the guard need not rewrite each URL; a request without one is refused.
    """

    connects_to_target = True

    def __init__(self, tls: ssl.SSLContext, max_connections: int, connect_timeout_s: float):
        self._tls = tls
        self._max_connections = max_connections
        self._connect_timeout_s = connect_timeout_s
        self._session: aiohttp.ClientSession | None = None

    def _open(self) -> aiohttp.ClientSession:
        if self._session is None:
            connector = aiohttp.TCPConnector(limit=self._max_connections, limit_per_host=0, ssl=self._tls,
                                             use_dns_cache=False, enable_cleanup_closed=True)
            self._session = aiohttp.ClientSession(
                connector=connector, auto_decompress=False,  # our reader inflates, with a cap
                timeout=aiohttp.ClientTimeout(total=None, sock_connect=self._connect_timeout_s),
                cookie_jar=aiohttp.DummyCookieJar(), trust_env=False,
                skip_auto_headers=("User-Agent", "Accept-Encoding", "Accept"))  # httpx's headers go as they are
        return self._session

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        target: ConnectTarget | None = request.extensions.get(CONNECT_EXTENSION)
        if target is None:
            raise UnsafeURL("refused: no address approved by the guarded transport", request=request)
        session = self._open()
        tls_name = request.extensions.get("sni_hostname")
        body = await request.aread() if request.method not in ("GET", "HEAD") else None
        address = f"[{target.address}]" if ":" in target.address else target.address
        wire = URL(f"{'https' if target.tls else 'http'}://{address}:{target.port}{request.url.raw_path.decode('ascii')}",
                   encoded=True)
        try:
            response = await session.request(
                request.method, wire, headers=list(request.headers.multi_items()),
                data=body, allow_redirects=False, server_hostname=tls_name if request.url.scheme == "https" else None,
                max_line_size=16_384, max_field_size=16_384)
        except aiohttp.ClientConnectorCertificateError as exc:
            raise httpx.ConnectError(str(exc), request=request) from exc.certificate_error
        except aiohttp.ClientConnectorSSLError as exc:
            raise httpx.ConnectError(str(exc), request=request) from exc.os_error
        except aiohttp.ClientConnectorError as exc:
            raise httpx.ConnectError(str(exc.os_error) or str(exc), request=request) from exc.os_error
        except aiohttp.ServerTimeoutError as exc:
            raise httpx.ConnectTimeout(str(exc) or "connect time-out", request=request) from exc
        except aiohttp.ServerDisconnectedError as exc:
            raise httpx.RemoteProtocolError(str(exc) or "Server disconnected", request=request) from exc
        except aiohttp.ClientResponseError as exc:  # a malformed answer: bad status line, headers too long
            raise httpx.RemoteProtocolError(exc.message or str(exc), request=request) from exc
        except (aiohttp.ClientOSError, aiohttp.ClientPayloadError) as exc:
            raise httpx.ReadError(str(exc) or type(exc).__name__, request=request) from exc
        return httpx.Response(response.status, headers=list(response.raw_headers), stream=_Body(response),
                              request=request, extensions={"http_version": b"HTTP/1.1"})

    async def aclose(self) -> None:
        if self._session is not None:
            await self._session.close()
            await asyncio.sleep(0)  # let aiohttp's transports close before the loop does
            self._session = None
