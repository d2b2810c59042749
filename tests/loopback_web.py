"""One loopback server that plays every outside site of a test, and the resolver seam that sends names to it.

`LoopbackSite` answers GET from `pages` (path → body), then `redirects` (path → Location), then `fallback`
(else 404); `/silent` never answers until the test ends. It records what it was asked ("host:port/path"), so
"nothing was fetched" is checked, not assumed. `NamesResolver` maps names to (address, port); every other name
is NXDOMAIN — nothing reaches the machine's resolver.
"""
from __future__ import annotations

import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from crawler.net import ConnectTarget, NameNotResolved

CONTENT_TYPES = {".json": "application/json", ".txt": "text/plain; charset=utf-8"}


class LoopbackSite(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, fallback: bytes | None = None) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.pages: dict[str, bytes] = {}
        self.redirects: dict[str, str] = {}
        self.fallback = fallback
        self.asked: list[str] = []
        self.released = threading.Event()  # lets a handler that never answers go at the end of the test

    @property
    def port(self) -> int:
        return self.server_address[1]


class _Handler(BaseHTTPRequestHandler):
    server: LoopbackSite

    def do_GET(self) -> None:  # noqa: N802 — http.server's name
        self.server.asked.append(f"{self.headers['Host']}{self.path}")
        path = self.path.split("?", 1)[0]
        if path in self.server.redirects:
            self.send_response(302)
            self.send_header("Location", self.server.redirects[path])
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        if path == "/silent":
            self.server.released.wait(30)
            return
        body = self.server.pages.get(path, self.server.fallback)
        suffix = "." + path.rsplit(".", 1)[-1] if "." in path.rsplit("/", 1)[-1] else ""
        self.send_response(200 if body is not None else 404)
        self.send_header("Content-Type", CONTENT_TYPES.get(suffix, "text/html; charset=utf-8"))
        self.send_header("Content-Length", str(len(body or b"")))
        self.end_headers()
        self.wfile.write(body or b"")

    def log_message(self, *args) -> None:
        pass


@contextmanager
def serving(site: LoopbackSite) -> Iterator[LoopbackSite]:
    thread = threading.Thread(target=site.serve_forever, daemon=True)
    thread.start()
    try:
        yield site
    finally:
        site.released.set()
        site.shutdown()
        site.server_close()
        thread.join()


class NamesResolver:
    """The names of one test, each to an (address, port)."""

    def __init__(self, addresses: Mapping[str, tuple[str, int]]) -> None:
        self.addresses = dict(addresses)

    async def resolve(self, host: str, port: int, tls: bool) -> list[ConnectTarget]:
        if host not in self.addresses:
            raise NameNotResolved(f"{host}: Name or service not known")
        address, real_port = self.addresses[host]
        return [ConnectTarget(address, real_port, False)]

    def close(self) -> None:
        pass
