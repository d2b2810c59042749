"""Scrapy downloads through the guarded network layer, as a user runs it: `python -m spiders.run`.

With COPDIR_SAMPLE_WEB the spider reaches the real list snapshots on the in-process sample web;
without it (production policy) a loopback URL is refused before anything reaches the wire. Only
IP-literal URLs are used in production mode, so no name ever goes to the system resolver.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest
import yaml

from conftest import REPO
from crawler.netconfig import SAMPLE_WEB_ENV
from crawler.sampleweb.app import fixed_clock
from crawler.sampleweb.server import running

NOW = datetime(2026, 11, 14, tzinfo=timezone.utc)
FIELDS = ("source", "url", "name", "section", "platform")


@pytest.fixture(scope="module")
def web() -> Iterator[tuple[Any, int]]:
    with running(fixed_clock(NOW)) as (app, port):
        yield app, port


def write_sources(path: Path, entries: list[dict]) -> Path:
    path.write_text(yaml.safe_dump({"sources": entries}), encoding="utf-8")
    return path


def real_sources(*names: str) -> list[dict]:
    entries = yaml.safe_load((REPO / "data" / "sources.yml").read_text(encoding="utf-8"))["sources"]
    chosen = [entry for entry in entries if entry["name"] in names]
    assert {entry["name"] for entry in chosen} == set(names)
    return chosen


def run_spider(sources: Path, out: Path, sample_web_port: int | None) -> subprocess.CompletedProcess[str]:
    env = {key: value for key, value in os.environ.items() if key != SAMPLE_WEB_ENV}
    env["COPDIR_DEADLINE_S"] = "5"
    if sample_web_port is not None:
        env[SAMPLE_WEB_ENV] = f"127.0.0.1:{sample_web_port}"
    return subprocess.run([sys.executable, "-m", "spiders.run", "directory", str(out), f"sources={sources}"],
                          cwd=REPO, env=env, capture_output=True, text=True, timeout=120)


def items(out: Path) -> list[dict]:
    if not out.exists():
        return []
    return [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines() if line.strip()]


def test_the_spider_reads_real_lists_from_the_sample_web_and_honours_robots_txt(web, tmp_path):
    app, port = web
    sources = write_sources(tmp_path / "sources.yml", real_sources("awesome-subreddits", "discourse-subdomains"))
    out = tmp_path / "out.jsonl"
    app.hits.clear()
    run = run_spider(sources, out, port)
    assert run.returncode == 0, run.stderr[-3000:]
    observations = items(out)
    per_source = Counter(item["source"] for item in observations)
    assert per_source["awesome-subreddits"] >= 150, per_source
    assert per_source["discourse-subdomains"] >= 100, per_source
    assert set(per_source) == {"awesome-subreddits", "discourse-subdomains"}
    incomplete = [item for item in observations if any(field not in item for field in FIELDS)
                  or not (item["url"] and item["name"] and item["platform"])]
    assert incomplete == []
    assert any(item["platform"] == "reddit" for item in observations)
    assert app.hits["https://raw.githubusercontent.com/robots.txt"] >= 1
    for entry in real_sources("awesome-subreddits", "discourse-subdomains"):
        assert app.hits["https://" + entry["url"].split("://", 1)[1]] == 1  # each list fetched once


def test_in_production_a_loopback_source_is_refused_before_it_reaches_the_wire(web, tmp_path):
    app, port = web
    sources = write_sources(tmp_path / "sources.yml", [
        {"name": "loopback-list", "url": f"http://127.0.0.1:{port}/list.md", "kind": "markdown"}])
    out = tmp_path / "out.jsonl"
    app.hits.clear()
    run = run_spider(sources, out, sample_web_port=None)
    assert items(out) == []
    assert "'copdir/net/refused'" in run.stderr, run.stderr[-3000:]  # the stats count the refusal
    assert "refused: 127.0.0.1" in run.stderr and "loopback" in run.stderr  # and the log says why
    assert sum(app.hits.values()) == 0, dict(app.hits)


def test_a_source_without_url_stops_the_spider_with_a_message_naming_the_entry(web, tmp_path):
    app, _ = web
    sources = write_sources(tmp_path / "sources.yml", [
        *real_sources("awesome-subreddits"), {"name": "no-address-given", "kind": "markdown"}])
    out = tmp_path / "out.jsonl"
    app.hits.clear()
    run = run_spider(sources, out, sample_web_port=web[1])
    assert run.returncode != 0
    assert "entry 2 lacks url" in run.stderr, run.stderr[-3000:]
    assert items(out) == []
    assert sum(app.hits.values()) == 0  # nothing was fetched on a malformed configuration
