"""A real redis-server for tests: Debian's (`make redis`), on a free loopback port, in a temp dir, no persistence.

Without redis-server the tests that need it skip, saying why — except under CI (CI=1), where they fail.
"""
from __future__ import annotations

import contextlib
import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from browser_support import in_ci
from conftest import free_port

START_LIMIT_S = 30


def redis_server_binary() -> str:
    binary = shutil.which("redis-server")
    if not binary:
        reason = "no redis-server: `make redis` installs Debian's redis-server (as root)"
        if in_ci():
            pytest.fail(f"CI must run the distributed crawl tests: {reason}", pytrace=False)
        pytest.skip(reason)
    return binary


@contextlib.contextmanager
def running_redis(workdir: Path) -> Iterator[str]:
    """Start redis-server on 127.0.0.1 and yield its URL; stop it after. Nothing is written to disk."""
    from redis import Redis
    from redis.exceptions import ConnectionError as RedisConnectionError

    port = free_port()
    workdir.mkdir(parents=True, exist_ok=True)
    process = subprocess.Popen([redis_server_binary(), "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                                "--appendonly", "no", "--dir", str(workdir), "--protected-mode", "yes"],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"redis://127.0.0.1:{port}/0"
    try:
        client = Redis.from_url(url)
        deadline = time.monotonic() + START_LIMIT_S
        while True:
            try:
                client.ping()
                break
            except RedisConnectionError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"redis-server did not start on port {port}") from None
                time.sleep(0.05)
        client.close()
        yield url
    finally:
        process.terminate()
        process.wait(timeout=30)
