"""A running site shows a newly published catalogue at once, with no restart and no failed request."""
from __future__ import annotations

import os
import subprocess
import itertools
import sys
import threading
import time

import httpx
import pytest
import sqlite_utils
from datasette.app import Datasette

from catalogue import catalogue_swap
from catalogue.publish import SETTINGS, TEMPLATES
from conftest import REPO, free_port
from site_visitor import SiteVisitor


def publish(path, name: str) -> None:
    """What `copdir build` does: write beside the published file, then rename over it."""
    staged = path.with_name(path.name + ".building")
    db = sqlite_utils.Database(staged)
    db["communities"].insert({"id": "a1", "name": name, "url": "https://example.org/", "activity_rank": 0}, pk="id")
    db.close()
    os.replace(staged, path)


def names(response: httpx.Response) -> list[str]:
    assert response.status_code == 200, response.text
    return [row["name"] for row in response.json()]


class Ticks:
    def __init__(self):
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def ticks(monkeypatch) -> Ticks:
    fake = Ticks()
    monkeypatch.setattr(catalogue_swap.CatalogueDatabase, "clock", staticmethod(fake))
    monkeypatch.delenv(catalogue_swap.RECHECK_ENV, raising=False)
    return fake


def test_the_site_reads_a_newly_published_catalogue_within_a_second_and_closes_the_old_handles(tmp_path, ticks):
    path = tmp_path / "catalogue.db"
    publish(path, "Old Python Lisboa")
    site = Datasette([str(path)], template_dir=str(TEMPLATES), settings=SETTINGS)
    visitor = SiteVisitor(site.app(), "203.0.113.9")
    url = "/catalogue/communities.json?_shape=array"
    try:
        assert names(visitor.request("GET", url)) == ["Old Python Lisboa"]
        publish(path, "New Python Lisboa")
        assert names(visitor.request("GET", url)) == ["Old Python Lisboa"]  # within the second: a stat saved
        ticks.now += catalogue_swap.RECHECK_S
        for _ in range(6):  # every SQL thread moves to the new file
            assert names(visitor.request("GET", url)) == ["New Python Lisboa"]
        for round_ in range(5):
            publish(path, f"Python Lisboa {round_}")
            ticks.now += catalogue_swap.RECHECK_S
            assert names(visitor.request("GET", url)) == [f"Python Lisboa {round_}"]
        database = site.get_database("catalogue")
        assert isinstance(database, catalogue_swap.CatalogueDatabase)
        open_handles = [conn for conn in database._all_file_connections if conn.total_changes >= 0]
        assert len(open_handles) <= SETTINGS.get("num_sql_threads", 3) + 1  # not one per publish
    finally:
        visitor.close()


def test_no_request_fails_while_catalogues_are_published_under_it(tmp_path, monkeypatch):
    monkeypatch.setenv(catalogue_swap.RECHECK_ENV, "0")  # look at every query: as many swaps as possible
    path = tmp_path / "catalogue.db"
    publish(path, "Python Lisboa 0")
    site = Datasette([str(path)], template_dir=str(TEMPLATES), settings=SETTINGS)
    visitor = SiteVisitor(site.app(), "203.0.113.9")
    url = "/catalogue/communities.json?_shape=array"
    stop = threading.Event()

    def keep_publishing() -> None:
        for round_ in itertools.count(1):
            if stop.is_set():
                return
            publish(path, f"Python Lisboa {round_}")

    publisher = threading.Thread(target=keep_publishing)
    publisher.start()
    try:
        seen = [names(visitor.request("GET", url))[0] for _ in range(40)]  # each a 200 with one whole catalogue
    finally:
        stop.set()
        publisher.join()
        visitor.close()
    assert len(set(seen)) > 1  # the site moved on while being read


def test_copdir_serve_shows_the_new_catalogue_on_the_next_request(tmp_path):
    path = tmp_path / "catalogue.db"
    publish(path, "Old Python Lisboa")
    port = free_port()
    server = subprocess.Popen([sys.executable, "-m", "crawler", "serve", "--catalogue", str(path), "--port", str(port)],
                              cwd=REPO, env={**os.environ, catalogue_swap.RECHECK_ENV: "0"},
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    url = f"http://127.0.0.1:{port}/catalogue/communities.json?_shape=array"
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                first = httpx.get(url)
                break
            except httpx.ConnectError:
                assert server.poll() is None and time.monotonic() < deadline, "copdir serve did not start"
                time.sleep(0.1)
        assert names(first) == ["Old Python Lisboa"]
        publish(path, "New Python Lisboa")
        assert names(httpx.get(url)) == ["New Python Lisboa"]
    finally:
        server.terminate()
        server.communicate(timeout=60)
