"""A paginated HTML directory is one source: discovery follows its next pages, on its own host, as robots.txt allows.

The pure part (`crawler.extract.pagination.next_page_url`) on small pages; the spider as a user runs it
(`python -m spiders.run directory`) on a loopback list of three pages, every name answered by the resolver seam.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
from collections import Counter

import pytest
import yaml

from conftest import REPO
from crawler.extract.pagination import next_page_url
from crawler.netconfig import SAMPLE_WEB_ENV
from crawler.sampleweb.behaviour import host_behaviour

PAGE = "https://list.example.org/communities/"


@pytest.mark.parametrize("html, expected", [
    ('<head><link rel="next" href="/communities/page/2/"></head><body><ul><li>x</li></ul></body>',
     "https://list.example.org/communities/page/2/"),
    ('<nav class="pagination"><a rel="prev" href="?page=1">Previous</a> <a rel="next" href="?page=3">3</a></nav>',
     "https://list.example.org/communities/?page=3"),
    ('<nav><a href="page/2/">1</a> <a href="page/2/">Next ›</a></nav>', "https://list.example.org/communities/page/2/"),
    ('<div class="pager"><a href="/communities/page/2/#top"> › </a></div>', "https://list.example.org/communities/page/2/"),
    ('<a href="/communities/page/2/" rel="nofollow next">more</a>', "https://list.example.org/communities/page/2/"),
])
def test_the_next_page_is_found_by_its_rel_or_its_words(html, expected):
    assert next_page_url(f"<html>{html}</html>", PAGE) == expected


@pytest.mark.parametrize("html", [
    '<ul><li><a href="https://discord.gg/abc">Our Discord</a></li></ul>',  # no pagination at all
    '<a rel="next" href="https://elsewhere.example.net/page/2/">Next</a>',  # another host: not this list
    '<a rel="next" href="/communities/">Next</a> <a href="#more">Next</a>',  # the page itself
    '<a rel="next" href="javascript:load(2)">Next</a> <a rel="next" href="mailto:list@example.org">Next</a>',
    '<a href="/communities/page/2/">Next steps for newcomers in our communities</a>',  # words, not a pager
    "",
])
def test_no_next_page_unless_the_list_continues_on_its_own_host(html):
    assert next_page_url(f"<html><body>{html}</body></html>", PAGE) is None


def _plain_host(prefix: str) -> str:
    """A name the sample web's resolver answers plainly (it fails some names on purpose, by their hash)."""
    return next(name for name in (f"{prefix}{i}.pages.example" for i in range(100)) if host_behaviour(name) is None)


def _listing(number: int, entries: list[str], next_href: str | None, other_host: str) -> bytes:
    items = "".join(f'<li><a href="https://{entry}.example.org/">{entry.title()} club</a> — a club</li>'
                    for entry in entries)
    pager = f'<a rel="next" href="{next_href}">Next</a>' if next_href else ""
    decoy = f'<nav><a href="http://{other_host}/page/{number + 1}/">Next</a></nav>'  # another list's pager
    return (f"<!doctype html><html><head><title>Clubs, page {number}</title></head><body><main><h1>Clubs</h1>"
            f"<ul>{items}</ul><nav class='pagination'>{pager}</nav>{decoy}</main></body></html>").encode()


def test_discovery_reads_every_page_of_a_paginated_list_as_one_source(loopback_site, tmp_path):
    host, other = _plain_host("clubs"), _plain_host("others")
    pages = {"/": ["alpha", "beta"], "/page/2/": ["gamma", "delta"], "/page/3/": ["epsilon", "beta"]}
    nexts = {"/": "/page/2/", "/page/2/": f"http://{host}/page/3/", "/page/3/": "/page/4/"}
    for number, (path, entries) in enumerate(pages.items(), start=1):
        loopback_site.pages[path] = _listing(number, entries, nexts[path], other)
    loopback_site.pages["/page/4/"] = _listing(4, ["zeta"], None, other)
    loopback_site.pages["/robots.txt"] = b"User-agent: *\nDisallow: /page/4/\n"
    sources = tmp_path / "sources.yml"
    sources.write_text(yaml.safe_dump({"sources": [{"name": "clubs", "url": f"http://{host}/", "kind": "html"}]}))
    out = tmp_path / "out.jsonl"
    env = {**{k: v for k, v in os.environ.items() if k != SAMPLE_WEB_ENV},
           SAMPLE_WEB_ENV: f"127.0.0.1:{loopback_site.port}", "COPDIR_DEADLINE_S": "5"}
    run = subprocess.run([sys.executable, "-m", "spiders.run", "directory", str(out), f"sources={sources}"],
                         cwd=REPO, env=env, capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr[-3000:]
    items = [json.loads(line) for line in out.read_text().splitlines()]
    assert {item["source"] for item in items} == {"clubs"}
    assert sorted(item["url"] for item in items) == sorted(
        f"https://{name}.example.org/" for name in ("alpha", "beta", "gamma", "delta", "epsilon"))  # beta once
    asked = Counter(loopback_site.asked)
    assert [asked[f"{host}{path}"] for path in pages] == [1, 1, 1]
    assert asked[f"{host}/robots.txt"] == 1
    assert f"{host}/page/4/" not in asked  # robots.txt disallows it
    assert not [hit for hit in asked if hit.startswith(other)]  # another host's "Next" is not this list
