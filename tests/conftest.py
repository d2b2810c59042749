"""Shared fixtures. Everything runs on loopback; no name goes to the system resolver."""
from __future__ import annotations

import socket
from datetime import datetime, timezone
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
SAMPLE_WEB_NOW = datetime(2026, 11, 14, tzinfo=timezone.utc)  # the clock of the `sample_web_resolver` fixture


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def repo() -> Path:
    return REPO


@pytest.fixture(scope="module")
def manifest() -> list[dict]:
    """The sample web's ground truth for every community data/sources.yml lists."""
    from crawler.sampleweb.manifest import build_manifest

    return build_manifest(REPO / "data" / "sources.yml")


@pytest.fixture(scope="module")
def sample_web_resolver():
    """The sample web on a free loopback port, its clock at SAMPLE_WEB_NOW, reached through its resolver seam."""
    from crawler.sampleweb.app import fixed_clock
    from crawler.sampleweb.resolver import SampleWebResolver
    from crawler.sampleweb.server import running

    with running(fixed_clock(SAMPLE_WEB_NOW)) as (_, port):
        resolver = SampleWebResolver("127.0.0.1", port)
        try:
            yield resolver
        finally:
            resolver.close()
