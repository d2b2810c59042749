"""A raw-socket HTTP server on 127.0.0.1 that misbehaves at the byte level, one path per hostile case.

The sample web plays well-formed sites; this server plays the ones a link checker must survive:
slow drips, endless bodies, compression bombs, redirect loops and hops to private addresses,
broken header bytes, huge headers, silence, resets and answers that are not HTTP. It writes raw
bytes on asyncio streams, in its own thread and event loop, so the checker
under test never shares a scheduler with it.

    with hostile_server() as server:
        url = server.url("/slow-drip")
        ...
        assert server.hits("/slow-drip") == 1
"""
from __future__ import annotations

import asyncio
import contextlib
import socket
import struct
import threading
import zlib
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from urllib.parse import urlsplit

MIB = 1 << 20
BOMB_MIB = 1024  # each bomb inflates to 1 GiB from about 1 MB on the wire
ZEROS = bytes(64 * 1024)
SMALL_PAGE = (b"<!doctype html><html><head><title>A well-behaved page</title></head>"
              b"<body><p>The one path on this server that answers like a normal site.</p></body></html>")


def _zeros_block() -> bytes:
    """Raw deflate of 1 MiB of zeros, byte-aligned by a full flush so that copies can be concatenated."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    return compressor.compress(bytes(MIB)) + compressor.flush(zlib.Z_FULL_FLUSH)


BOMB_BLOCK = _zeros_block()  # about 1 KB; built once at import so a test's tracemalloc never sees it
FINAL_EMPTY_BLOCK = b"\x03\x00"  # a last, empty, fixed-Huffman deflate block: the stream ends here
GZIP_HEADER = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\xff"  # no name, no mtime, unknown OS
ZLIB_HEADER = b"\x78\xda"  # HTTP's "deflate" is the zlib format (RFC 9110 §8.4.1.2)


def _bomb_trailer(encoding: str) -> bytes:
    """Checksum and size of BOMB_MIB MiB of zeros, so the whole stream is valid if anyone reads it all."""
    size = BOMB_MIB * MIB
    if encoding == "deflate":
        return struct.pack(">I", ((size % 65521) << 16) | 1)  # Adler-32 of zeros has a closed form
    crc = 0
    for _ in range(BOMB_MIB):  # only computed when a client reads the full gigabyte
        crc = zlib.crc32(bytes(MIB), crc)
    return struct.pack("<II", crc, size & 0xFFFFFFFF)


def _bomb_length(encoding: str) -> int:
    header = GZIP_HEADER if encoding == "gzip" else ZLIB_HEADER
    trailer_size = 8 if encoding == "gzip" else 4
    return len(header) + BOMB_MIB * len(BOMB_BLOCK) + len(FINAL_EMPTY_BLOCK) + trailer_size


def _status_and_headers(status: bytes, headers: list[bytes]) -> bytes:
    return b"\r\n".join([b"HTTP/1.1 " + status, *headers, b"Connection: close"]) + b"\r\n\r\n"


async def _answer(writer: asyncio.StreamWriter, status: bytes, headers: list[bytes] | None = None,
                  body: bytes = b"", length: int | None = None) -> None:
    """A whole answer; length stands in for len(body) where a HEAD answer announces the GET's size."""
    headers = [*(headers or []), b"Content-Length: %d" % (len(body) if length is None else length)]
    writer.write(_status_and_headers(status, headers) + body)
    await writer.drain()


Handler = Callable[["Exchange"], Awaitable[None]]


class HostileServer:
    """The server's state: its port, and every (method, path) it was asked, in order."""

    def __init__(self) -> None:
        self.port = 0
        self.requests: list[tuple[str, str]] = []
        self._lock = threading.Lock()
        self._ready = threading.Event()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop: asyncio.Event | None = None
        self._connections: set[asyncio.Task] = set()
        self._thread = threading.Thread(target=self._run, daemon=True, name="hostile-server")

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def hits(self, path: str, method: str | None = None) -> int:
        """How many requests reached path (with that method, if given)."""
        with self._lock:
            return sum(1 for m, p in self.requests if p == path and method in (None, m))

    def start(self) -> None:
        self._thread.start()
        if not self._ready.wait(timeout=10):
            raise RuntimeError("the hostile server did not start")

    def stop(self) -> None:
        if self._loop is not None and self._stop is not None:
            self._loop.call_soon_threadsafe(self._stop.set)
        self._thread.join(timeout=10)
        if self._thread.is_alive():
            raise RuntimeError("the hostile server did not stop")

    def _run(self) -> None:
        asyncio.run(self._main())

    async def _main(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._stop = asyncio.Event()
        server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        self.port = server.sockets[0].getsockname()[1]
        self._ready.set()
        await self._stop.wait()
        server.close()
        for task in list(self._connections):  # drips and silences never end by themselves
            task.cancel()
        await asyncio.gather(*self._connections, return_exceptions=True)
        await server.wait_closed()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        self._connections.add(task)
        try:
            request = await reader.readuntil(b"\r\n\r\n")
            method, path = _request_line(request)
            with self._lock:
                self.requests.append((method, path))
            await ROUTES.get(path, _not_found)(Exchange(method, reader, writer, self.port))
        except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, ValueError):
            pass  # not a request we can read: hang up
        except (ConnectionError, OSError):
            pass  # the client hung up mid-answer, as a bounded client should
        finally:
            writer.close()
            with contextlib.suppress(ConnectionError, OSError, asyncio.CancelledError):
                await writer.wait_closed()
            self._connections.discard(task)


def _request_line(request: bytes) -> tuple[str, str]:
    method, target, _version = request.split(b"\r\n", 1)[0].decode("latin-1").split(" ", 2)
    return method, urlsplit(target).path or "/"


@dataclass(frozen=True)
class Exchange:
    """One request as a route sees it: how it was asked, the streams to answer on, the server's port."""

    method: str
    reader: asyncio.StreamReader
    writer: asyncio.StreamWriter
    port: int


# One coroutine per hostile case.

async def _slow_drip(exchange: Exchange) -> None:
    exchange.writer.write(_status_and_headers(b"200 OK", [b"Content-Type: text/html", b"Content-Length: 100000000"]))
    while True:  # a byte every 0.2 s: an inactivity time-out never fires
        exchange.writer.write(b"<")
        await exchange.writer.drain()
        await asyncio.sleep(0.2)


async def _endless(exchange: Exchange) -> None:
    exchange.writer.write(_status_and_headers(b"200 OK", [b"Content-Type: text/html"]))  # no length: ends at close
    while True:
        exchange.writer.write(ZEROS)
        await exchange.writer.drain()


def _bomb(encoding: str) -> Handler:
    header = GZIP_HEADER if encoding == "gzip" else ZLIB_HEADER
    head = _status_and_headers(b"200 OK", [b"Content-Type: text/html", b"Content-Encoding: " + encoding.encode(),
                                           b"Content-Length: %d" % _bomb_length(encoding)])

    async def handler(exchange: Exchange) -> None:
        writer = exchange.writer
        writer.write(head + header)
        for _ in range(BOMB_MIB):
            writer.write(BOMB_BLOCK)
            await writer.drain()
        writer.write(FINAL_EMPTY_BLOCK + _bomb_trailer(encoding))
        await writer.drain()
    return handler


def _redirect(location: Callable[[int], str]) -> Handler:
    """A 302 to location(port)."""
    async def handler(exchange: Exchange) -> None:
        await _answer(exchange.writer, b"302 Found", [b"Location: " + location(exchange.port).encode()])
    return handler


async def _bad_header_bytes(exchange: Exchange) -> None:
    await _answer(exchange.writer, b"200 OK",
                  [b"Content-Type: text/html; charset=nope-8", b"X-Title: \xff\xfe\xfa"],
                  b"<html><head><title>caf\xe9 \xff\xfe</title></head><body><p>\xc3\x28 \xa0\xa1</p></body></html>")


async def _huge_headers(exchange: Exchange) -> None:
    writer = exchange.writer
    writer.write(b"HTTP/1.1 200 OK\r\n")
    for batch in range(100):  # 100,000 header lines, about 3 MB
        writer.write(b"".join(b"X-Filler-%06d: %s\r\n" % (batch * 1000 + n, b"a" * 16) for n in range(1000)))
        await writer.drain()
    writer.write(b"Content-Length: 0\r\nConnection: close\r\n\r\n")
    await writer.drain()


async def _no_response(exchange: Exchange) -> None:
    await exchange.reader.read()  # until the client gives up and closes, or the server stops


async def _close(exchange: Exchange) -> None:
    pass  # the server's `finally` closes the connection: no status line, nothing


async def _reset(exchange: Exchange) -> None:
    sock = exchange.writer.get_extra_info("socket")
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))  # close sends RST, not FIN
    exchange.writer.transport.abort()


async def _ok(exchange: Exchange) -> None:
    body = b"" if exchange.method == "HEAD" else SMALL_PAGE
    await _answer(exchange.writer, b"200 OK", [b"Content-Type: text/html; charset=utf-8"], body,
                  length=len(SMALL_PAGE))


async def _head_405(exchange: Exchange) -> None:
    if exchange.method == "HEAD":
        await _answer(exchange.writer, b"405 Method Not Allowed", [b"Allow: GET"])
    else:
        await _ok(exchange)


async def _not_http(exchange: Exchange) -> None:
    exchange.writer.write(b"\x00\xffSSH-2.0-hostile\r\n\x16\x03\x01\x02\x00 this is not HTTP\r\n\r\n")
    await exchange.writer.drain()


async def _not_found(exchange: Exchange) -> None:
    await _answer(exchange.writer, b"404 Not Found", [b"Content-Type: text/html"],
                  b"<html><body>no such page</body></html>")


ROUTES: dict[str, Handler] = {
    "/slow-drip": _slow_drip,
    "/endless": _endless,
    "/gzip-bomb": _bomb("gzip"),
    "/deflate-bomb": _bomb("deflate"),
    "/loop": _redirect(lambda port: "/loop"),
    "/loop-a": _redirect(lambda port: "/loop-b"),
    "/loop-b": _redirect(lambda port: "/loop-a"),
    "/to-loopback": _redirect(lambda port: f"http://127.0.0.1:{port}/ok"),
    "/to-metadata": _redirect(lambda port: "http://169.254.169.254/latest/meta-data/"),
    "/to-private": _redirect(lambda port: "http://10.0.0.1/"),
    "/to-ipv6-mapped": _redirect(lambda port: f"http://[::ffff:127.0.0.1]:{port}/ok"),
    "/bad-header-bytes": _bad_header_bytes,
    "/huge-headers": _huge_headers,
    "/no-response": _no_response,
    "/close": _close,
    "/reset": _reset,
    "/ok": _ok,
    "/head-405": _head_405,
    "/not-http": _not_http,
}


@contextlib.contextmanager
def hostile_server() -> Iterator[HostileServer]:
    """Run the server for the duration of the block; yields it (its `.port`, `.url(path)`, `.hits(path)`)."""
    server = HostileServer()
    server.start()
    try:
        yield server
    finally:
        server.stop()
