"""A mock web behind the real guarded transport, shared by the checker's tests.

Every name resolves through a fake resolver (public address unless the table says otherwise);
an `httpx.MockTransport` plays the sites, keyed by the Host header and path it receives, and
records what reached the wire so "no request was made" is a checked fact.
"""
from __future__ import annotations

import inspect
from collections.abc import Callable, Iterable

import httpx

from crawler.net import ConnectTarget, NameNotResolved

PUBLIC = "93.184.216.34"


class FakeResolver:
    """Every name is public unless listed; names listed as None do not resolve."""

    def __init__(self, table: dict[str, str | None] | None = None):
        self.table = table or {}
        self.asked: list[str] = []

    def close(self) -> None:
        pass

    async def resolve(self, host: str, port: int, tls: bool) -> list[ConnectTarget]:
        self.asked.append(host)
        address = self.table.get(host, PUBLIC)
        if address is None:
            raise NameNotResolved(f"{host}: Name or service not known")
        return [ConnectTarget(address, port, tls)]


class Body(httpx.AsyncByteStream):
    def __init__(self, chunks: Iterable[bytes]):
        self.chunks = list(chunks)

    async def __aiter__(self):
        for chunk in self.chunks:
            yield chunk


def respond(status: int = 200, body: bytes | str = b"", headers: dict[str, str] | None = None) -> httpx.Response:
    # Streamed like a real connection's body (httpx reads a bytes body eagerly, which the fetcher cannot stream).
    data = body.encode() if isinstance(body, str) else body
    return httpx.Response(status, headers=headers, stream=Body([data]))


Route = httpx.Response | Callable[[httpx.Request], httpx.Response]


class MockWeb:
    """Sites keyed by "host/path"; records "host/path" of every request that reached the wire."""

    def __init__(self, routes: dict[str, Route], default: Route | None = None):
        self.routes = routes
        self.default = default  # what every other path answers, when set
        self.requested: list[str] = []
        self.transport = httpx.MockTransport(self._handle)

    async def _handle(self, request: httpx.Request) -> httpx.Response:
        key = request.headers["host"] + request.url.path
        self.requested.append(key)
        route = self.routes[key] if key in self.routes or self.default is None else self.default
        answer = route(request) if callable(route) else route
        if inspect.isawaitable(answer):
            answer = await answer
        # A fresh response each time: one route may be asked twice (retries, robots.txt, many tests).
        return httpx.Response(answer.status_code, headers=answer.headers, stream=answer.stream)


