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


# What the site's search reads once per file (its columns, where the communities end, the domain vocabulary) follows
# the swap: a catalogue with other columns and another vocabulary is searched with its own.
ROW = {"url": "https://example.org/", "platform": "forum", "reachability": "live", "activity": "active",
       "activity_reason": "", "reachability_reason": "", "days_since_activity": 1, "language": "en", "cost": "free",
       "price": None, "last_activity": None, "event_cadence": "monthly", "membership": "open", "code_of_conduct": None}


def publish_searchable(path, practice: bool) -> None:
    """A catalogue as the build makes it, without (as before issue 10) or with the practice columns and tables."""
    staged = path.with_name(path.name + ".building")
    db = sqlite_utils.Database(staged)
    if practice:  # a community mapped to conservation, then (after the communities) an organisation
        db["communities"].insert_all([
            {**ROW, "id": "b1", "name": "Wildlife Watchers", "description": "Birds and bats.", "kind": "community",
             "kind_reason": "", "domains": '["conservation"]'},
            {**ROW, "id": "b2", "name": "Conservation Trust", "description": "A charity.", "kind": "organisation",
             "kind_reason": "a charity's site", "domains": "[]"}], pk="id")
        db["practice_domains"].insert({"id": "conservation", "name": "Conservation", "synonyms": "[]"}, pk="id")
        db["domain_terms"].insert({"term": "conservation", "domain": "conservation"}, pk=("term", "domain"))
        db["community_domains"].insert({"community_id": "b1", "domain": "conservation", "confidence": 0.9,
                                        "evidence": "mentions bats"}, pk=("community_id", "domain"))
    else:
        db["communities"].insert({**ROW, "id": "a1", "name": "Python Lisboa", "description": "Python users."}, pk="id")
    db["topics"].create({"community_id": str, "topic": str}, pk=("community_id", "topic"))
    db["communities"].enable_fts(["name", "description", *(["domains"] * practice)], tokenize="porter")
    db.close()
    os.replace(staged, path)


def test_the_search_uses_the_columns_and_vocabulary_of_each_newly_published_catalogue(tmp_path, ticks):
    path = tmp_path / "catalogue.db"
    publish_searchable(path, practice=False)
    site = Datasette([str(path)], template_dir=str(TEMPLATES), settings=SETTINGS)
    visitor = SiteVisitor(site.app(), "203.0.113.9")

    def search(words: str) -> dict:
        response = visitor.request("GET", f"/search.json?q={words}")
        assert response.status_code == 200, response.text
        return response.json()

    try:
        before = search("python")
        assert [row["name"] for row in before["results"]] == ["Python Lisboa"] and before["include_others"] is None
        publish_searchable(path, practice=True)
        ticks.now += catalogue_swap.RECHECK_S
        after = search("conservation")  # the new vocabulary: the words name a domain; organisations left out
        assert [row["name"] for row in after["results"]] == ["Wildlife Watchers"]
        assert [item["name"] for item in after["practice"]] == ["Conservation"]
        assert after["include_others"]["count"] == 1
        publish_searchable(path, practice=False)  # and back: no column of the other file is asked for
        ticks.now += catalogue_swap.RECHECK_S
        again = search("python")
        assert [row["name"] for row in again["results"]] == ["Python Lisboa"] and again["include_others"] is None
        assert search("conservation")["results"] == []
    finally:
        visitor.close()
