"""Run the sample web: in the foreground for the demo, or in a background thread for tests.

Port convention: the app serves plain HTTP on a port p and the TLS listener of the hosts with broken
certificates (`crawler.sampleweb.tls`) is on p + 1; both ways of running start both.
"""
from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections.abc import Iterator
from datetime import datetime

import uvicorn

from crawler.sampleweb.app import Clock, SampleWeb
from crawler.sampleweb.tls import TLS_PORT_OFFSET, TlsListener

_PORT_ATTEMPTS = 50


def _config(app: SampleWeb) -> uvicorn.Config:
    return uvicorn.Config(app, log_level="warning", lifespan="off", timeout_graceful_shutdown=1,
                          access_log=False, limit_concurrency=2000, backlog=2048)


def serve_forever(app: SampleWeb, host: str, port: int) -> None:
    """Serve on host:port (HTTP) and host:port+1 (TLS) until interrupted."""
    try:
        listener = TlsListener(host, port + TLS_PORT_OFFSET)
    except OSError as exc:
        raise OSError(f"the sample web's TLS listener needs port {port + TLS_PORT_OFFSET} too: {exc}") from exc
    listener.start()
    config = _config(app)
    config.host, config.port = host, port
    try:
        uvicorn.Server(config).run()
    finally:
        listener.stop()


def _bind_pair(host: str) -> tuple[socket.socket, TlsListener]:
    """A bound socket on a free port p and a TLS listener bound on p + 1."""
    for _ in range(_PORT_ATTEMPTS):
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, 0))
        port = sock.getsockname()[1]
        try:
            return sock, TlsListener(host, port + TLS_PORT_OFFSET)
        except (OSError, OverflowError):  # p + 1 taken, or past 65535: try another p
            sock.close()
    raise RuntimeError(f"no two free neighbouring ports on {host} after {_PORT_ATTEMPTS} tries")


@contextlib.contextmanager
def running(clock: Clock, scenario_start: datetime | None = None) -> Iterator[tuple[SampleWeb, int]]:
    """Start the sample web on a free loopback port p (and its TLS listener on p + 1) in threads;
    yield (app, p). scenario_start: day 0 of the scripted hosts (default: the clock's first reading)."""
    app = SampleWeb(clock, scenario_start=scenario_start)
    sock, listener = _bind_pair("127.0.0.1")
    listener.start()
    server = uvicorn.Server(_config(app))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + 10
        while not server.started:
            if time.monotonic() > deadline or not thread.is_alive():
                raise RuntimeError("the sample web did not start")
            time.sleep(0.02)
        yield app, sock.getsockname()[1]
    finally:
        server.should_exit = True
        thread.join(timeout=5)
        sock.close()
        listener.stop()
