"""Run the sample web: in the foreground for the demo, or in a background thread for tests."""
from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections.abc import Iterator

import uvicorn

from crawler.sampleweb.app import Clock, SampleWeb


def _config(app: SampleWeb) -> uvicorn.Config:
    return uvicorn.Config(app, log_level="warning", lifespan="off", timeout_graceful_shutdown=1,
                          access_log=False, limit_concurrency=2000, backlog=2048)


def serve_forever(app: SampleWeb, host: str, port: int) -> None:
    config = _config(app)
    config.host, config.port = host, port
    uvicorn.Server(config).run()


@contextlib.contextmanager
def running(clock: Clock) -> Iterator[tuple[SampleWeb, int]]:
    """Start the sample web on a free loopback port in a thread; yield (app, port)."""
    app = SampleWeb(clock)
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    server = uvicorn.Server(_config(app))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the sample web did not start")
        time.sleep(0.02)
    try:
        yield app, sock.getsockname()[1]
    finally:
        server.should_exit = True
        thread.join(timeout=5)
        sock.close()
