"""A visitor of the site in-process, for tests: its own cookies and client address, on its own event loop."""
from __future__ import annotations

import asyncio

import httpx


class SiteVisitor:
    """One browser: its own cookies and address, a persistent event loop for the in-process app."""

    def __init__(self, app, address: str) -> None:
        self.loop = asyncio.new_event_loop()
        transport = httpx.ASGITransport(app=app, client=(address, 50123))
        self.client = httpx.AsyncClient(transport=transport, base_url="http://copdir.test")

    def request(self, method: str, path: str, **options) -> httpx.Response:
        return self.loop.run_until_complete(self.client.request(method, path, **options))

    def close(self) -> None:
        self.loop.run_until_complete(self.client.aclose())
        self.loop.close()
