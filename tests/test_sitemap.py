"""Sitemaps as evidence of life: a site's newest <lastmod> says when someone last changed it.

The corpus holds no sitemap, so the samples here are written by hand in the shapes of the
sitemaps.org protocol's own examples (https://www.sitemaps.org/protocol.html: a urlset, a sitemap
index, W3C Datetime lastmods). Hostile bodies — a gzip bomb, billion laughs, an HTML error page —
must give nothing, never an exception. The last test runs the real profile spider against a
loopback site to show that the sitemap's date reaches the items the store ingests.
"""
from __future__ import annotations

import contextlib
import gzip
import json
import os
import struct
import subprocess
import sys
import threading
import zlib
from collections import Counter
from collections.abc import Iterator
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from conftest import REPO
from crawler.adapters import ADAPTERS, Endpoint, endpoints_for, page_adapter, parse
from crawler.models import Platform, Profile
from crawler.netconfig import DEADLINE_ENV, SAMPLE_WEB_ENV
from crawler.sampleweb.behaviour import host_behaviour

NOW = datetime(2026, 1, 15, 12, 0, tzinfo=timezone.utc)
URL = "https://club.example.org/sitemap.xml"
MIB = 1 << 20
NS = 'xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"'


def urlset(*lastmods: str | None) -> bytes:
    entries = "".join(f"<url><loc>https://club.example.org/page{number}</loc>"
                      + (f"<lastmod>{lastmod}</lastmod>" if lastmod is not None else "")
                      + "<changefreq>monthly</changefreq><priority>0.8</priority></url>"
                      for number, lastmod in enumerate(lastmods))
    return f'<?xml version="1.0" encoding="UTF-8"?>\n<urlset {NS}>{entries}</urlset>'.encode()


def lastmod_signal(body: bytes, status: int = 200, observed_at: datetime = NOW) -> str | None:
    """The sitemap_lastmod a visitor would see as evidence, or None."""
    profile = parse("sitemap", body, URL, observed_at, status).profile
    found = {signal.kind: signal.value for signal in profile.signals}
    assert set(found) <= {"sitemap_lastmod"}
    return found.get("sitemap_lastmod")


# --- what a sitemap says --------------------------------------------------------------------------

# The protocol's example urlset: five pages, two without a date.
PROTOCOL_URLSET = f"""<?xml version="1.0" encoding="UTF-8"?>
<urlset {NS}>
   <url><loc>http://www.example.com/</loc><lastmod>2005-01-01</lastmod>
      <changefreq>monthly</changefreq><priority>0.8</priority></url>
   <url><loc>http://www.example.com/catalog?item=12&amp;desc=vacation_hawaii</loc><changefreq>weekly</changefreq></url>
   <url><loc>http://www.example.com/catalog?item=73&amp;desc=vacation_new_zealand</loc>
      <lastmod>2004-12-23</lastmod><changefreq>weekly</changefreq></url>
   <url><loc>http://www.example.com/catalog?item=74&amp;desc=vacation_newfoundland</loc>
      <lastmod>2004-12-23T18:00:15+00:00</lastmod><priority>0.3</priority></url>
   <url><loc>http://www.example.com/catalog?item=83&amp;desc=vacation_usa</loc>
      <lastmod>2004-11-23</lastmod></url>
</urlset>""".encode()

# The protocol's example sitemap index, dated like a club's site today.
SITEMAP_INDEX = f"""<?xml version="1.0" encoding="UTF-8"?>
<sitemapindex {NS}>
   <sitemap><loc>https://club.example.org/sitemap1.xml.gz</loc><lastmod>2025-10-01T18:23:17+00:00</lastmod></sitemap>
   <sitemap><loc>https://club.example.org/sitemap2.xml.gz</loc><lastmod>2026-01-02</lastmod></sitemap>
   <sitemap><loc>https://club.example.org/sitemap3.xml.gz</loc></sitemap>
</sitemapindex>""".encode()


def test_a_sitemap_dates_the_site_by_its_newest_lastmod():
    assert lastmod_signal(PROTOCOL_URLSET) == "2005-01-01T00:00:00+00:00"
    profile = parse("sitemap", PROTOCOL_URLSET, URL, NOW).profile
    assert profile == Profile(url=URL, observed_at=NOW, signals=profile.signals)  # it dates the site, nothing more


def test_a_sitemap_index_dates_the_site_by_its_newest_child_sitemap():
    assert lastmod_signal(SITEMAP_INDEX) == "2026-01-02T00:00:00+00:00"


@pytest.mark.parametrize(("lastmod", "expected"), [
    ("2025-12-24", "2025-12-24T00:00:00+00:00"),  # a date alone, as the protocol allows
    ("2025-12-24T18:00:15+00:00", "2025-12-24T18:00:15+00:00"),
    ("2025-12-24T18:00+01:00", "2025-12-24T17:00:00+00:00"),  # hours and minutes only
    ("2025-12-24T18:00:15.25Z", "2025-12-24T18:00:15.250000+00:00"),
    ("2025-12-24T18:00:15-0500", "2025-12-24T23:00:15+00:00"),
    ("2025-12-24 18:00:15", "2025-12-24T18:00:15+00:00"),  # no zone: generators mean UTC
    ("  2025-12-24\n", "2025-12-24T00:00:00+00:00"),
    ("2025-12", None), ("2025", None),  # too vague to date activity
    ("20251224", None), ("24/12/2025", None), ("Wed, 24 Dec 2025 18:00:00 GMT", None), ("yesterday", None),
    ("2025-13-45", None), ("", None), ("1735000000", None),
    ("9999-12-31T23:59:59-23:59", None), ("0001-01-01T00:00:00+23:59", None),  # at the ends of what Python can hold
])
def test_lastmod_formats(lastmod, expected):
    assert lastmod_signal(urlset(lastmod)) == expected


def test_dates_from_the_future_or_before_2000_are_no_evidence():
    assert lastmod_signal(urlset("2099-01-01", "1999-12-31", "1970-01-01T00:00:00Z", "2025-06-01")) == (
        "2025-06-01T00:00:00+00:00")
    assert lastmod_signal(urlset("2026-01-20", "1990-05-05")) is None
    # A site east of UTC may already date its page tomorrow: believed, but no later than when we looked.
    assert lastmod_signal(urlset("2026-01-16", "2025-06-01")) == NOW.isoformat()


def test_a_sitemap_that_stamps_every_page_with_the_time_it_was_generated_says_nothing():
    generated = "2026-01-15T11:59:58+00:00"
    assert lastmod_signal(urlset(generated, generated, generated)) is None
    # A post and the home page listing it, or the same date long ago (a static site built once), are real dates.
    assert lastmod_signal(urlset(generated)) == generated
    assert lastmod_signal(urlset(generated, generated)) == generated
    assert lastmod_signal(urlset("2025-03-01", "2025-03-01")) == "2025-03-01T00:00:00+00:00"
    assert lastmod_signal(urlset(generated, generated, "2025-03-01")) == generated


def test_only_an_entrys_own_lastmod_counts():
    body = f"""<urlset {NS} xmlns:x="urn:x"><lastmod>2026-01-14</lastmod>
        <url><loc>https://club.example.org/</loc><x:meta><lastmod>2026-01-13</lastmod></x:meta>
        <lastmod>2024-02-02</lastmod></url></urlset>""".encode()
    assert lastmod_signal(body) == "2024-02-02T00:00:00+00:00"


def test_a_prefixed_namespace_and_a_sitemap_without_dates():
    prefixed = b'<sm:urlset xmlns:sm="http://www.sitemaps.org/schemas/sitemap/0.9"><sm:url><sm:loc>x</sm:loc>' \
               b"<sm:lastmod>2025-11-30</sm:lastmod></sm:url></sm:urlset>"
    assert lastmod_signal(prefixed) == "2025-11-30T00:00:00+00:00"
    assert lastmod_signal(urlset(None, None)) is None


def test_a_gzipped_sitemap_is_read():
    assert lastmod_signal(gzip.compress(SITEMAP_INDEX)) == "2026-01-02T00:00:00+00:00"


def test_a_truncated_sitemap_keeps_the_dates_before_the_cut():
    whole = urlset("2025-01-01", "2025-09-09", "2026-01-10")
    cut = whole[:whole.index(b"2026-01-10") + 4]
    assert lastmod_signal(cut) == "2025-09-09T00:00:00+00:00"


# --- what must give nothing, never an exception ---------------------------------------------------


def gzip_bomb(prefix: bytes = b"") -> bytes:
    """A valid gzip body of about 1 MB that inflates to 1 GiB: prefix, then zeros."""
    blocks = []
    if prefix:
        head = zlib.compressobj(9, zlib.DEFLATED, -15)
        blocks.append(head.compress(prefix) + head.flush(zlib.Z_FULL_FLUSH))
    zeros = zlib.compressobj(9, zlib.DEFLATED, -15)
    zeros_block = zeros.compress(bytes(MIB)) + zeros.flush(zlib.Z_FULL_FLUSH)  # byte-aligned: copies concatenate
    crc = zlib.crc32(prefix)
    for _ in range(1024):
        crc = zlib.crc32(bytes(MIB), crc)
    size = len(prefix) + 1024 * MIB
    return (b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\xff" + b"".join(blocks) + zeros_block * 1024
            + b"\x03\x00" + struct.pack("<II", crc, size & 0xFFFFFFFF))


def test_a_1_gib_gzip_bomb_inflates_only_up_to_the_bound():
    bomb = gzip_bomb()
    assert len(bomb) < 2 * MIB
    assert lastmod_signal(bomb) is None
    # The bound cuts a bomb that starts like a sitemap: the dates before the zeros are kept.
    assert lastmod_signal(gzip_bomb(urlset("2025-12-01")[:-len(b"</urlset>")])) == "2025-12-01T00:00:00+00:00"


ENTITY_DOCTYPES = {
    # ten levels of ten references would be 10^9 copies of "lol"
    "billion laughs": '<!DOCTYPE urlset [<!ENTITY lol "lol">' + "".join(
        f'<!ENTITY lol{i} "{("&lol" + str(i - 1) + ";") * 10 if i > 1 else "&lol;" * 10}">' for i in range(1, 10))
    + "]>",
    "external entity": '<!DOCTYPE urlset [<!ENTITY secret SYSTEM "file:///etc/passwd">]>',
    "parameter entity": '<!DOCTYPE urlset [<!ENTITY % remote SYSTEM "http://169.254.169.254/dtd"> %remote;]>',
}


@pytest.mark.parametrize("doctype", sorted(ENTITY_DOCTYPES))
def test_sitemaps_that_declare_entities_are_refused_not_expanded(doctype):
    body = (f'<?xml version="1.0"?>{ENTITY_DOCTYPES[doctype]}<urlset {NS}><url><loc>&lol9;</loc>'
            f"<lastmod>2026-01-10</lastmod></url></urlset>").encode()
    assert lastmod_signal(body) is None


NOT_SITEMAPS = {
    "HTML error page": b"<!doctype html><html><head><title>Page not found</title></head>"
                       b"<body><p>Updated <time>2026-01-10</time></p></body></html>",
    "XHTML page": b'<html xmlns="http://www.w3.org/1999/xhtml"><body><url><lastmod>2026-01-10</lastmod></url>'
                  b"</body></html>",
    "RSS feed": b'<?xml version="1.0"?><rss version="2.0"><channel><item><pubDate>Sat, 10 Jan 2026 10:00:00 GMT'
                b"</pubDate><lastmod>2026-01-10</lastmod></item></channel></rss>",
    "JSON": json.dumps({"urlset": [{"lastmod": "2026-01-10"}]}).encode(),
    "empty": b"",
    "plain text": b"https://club.example.org/page1\nhttps://club.example.org/page2\n",
    "invalid UTF-8": b"\xff\xfe\x00<\x00u\x00r\xc3\x28" * 1000,
    "broken gzip": b"\x1f\x8b\x08\x00" + b"not deflate at all" * 10,
    "3 MB of noise": bytes(range(256)) * 12_000,
}


@pytest.mark.parametrize("name", sorted(NOT_SITEMAPS))
def test_bodies_that_are_no_sitemap_give_nothing(name):
    assert lastmod_signal(NOT_SITEMAPS[name]) is None


@pytest.mark.parametrize("status", [404, 410, 500, 503, 301])
def test_an_error_answer_says_nothing_even_with_a_sitemap_body(status):
    assert lastmod_signal(SITEMAP_INDEX, status=status) is None


def test_a_huge_sitemap_is_read_up_to_the_bound():
    entries = urlset(*["2025-05-05"] * 60_000, "2026-01-10")  # the newest entry lies beyond 2 MB
    assert len(entries) > 3_000_000
    assert lastmod_signal(entries) == "2025-05-05T00:00:00+00:00"


# --- which communities fetch a sitemap ------------------------------------------------------------

SITEMAP_ENDPOINTS = [
    ("https://club.example.org", Platform.WEBSITE, ["https://club.example.org/sitemap.xml"]),
    ("https://club.example.org/", Platform.WEBSITE, ["https://club.example.org/sitemap.xml"]),
    ("http://club.example.org:8080/", Platform.WEBSITE, ["http://club.example.org:8080/sitemap.xml"]),
    ("https://forum.example.org/", Platform.FORUM, ["https://forum.example.org/sitemap.xml"]),
    # a page deeper in: a site's sitemap would date its host (a social network, an employer), not the community
    ("https://club.example.org/meetups/", Platform.WEBSITE, []),
    ("https://www.youtube.com/@tampadevs", Platform.WEBSITE, []),
    ("https://club.example.org/?page_id=12", Platform.WEBSITE, []),
    ("https://forum.example.org/viewforum.php?f=3", Platform.FORUM, []),
    ("https://club.example.org/feed.xml", Platform.WEBSITE, []),  # a feed listed as the community
    ("https://club.example.org/sitemap.xml", Platform.WEBSITE, []),
    ("https://discourse.example.org/", Platform.DISCOURSE, []),  # latest.json dates a Discourse better
]


@pytest.mark.parametrize(("url", "platform", "sitemaps"), SITEMAP_ENDPOINTS, ids=[row[0] for row in SITEMAP_ENDPOINTS])
def test_own_sites_and_forums_fetch_their_sitemap_when_the_community_is_the_whole_site(url, platform, sitemaps):
    assert [endpoint.url for endpoint in endpoints_for(url, platform) if endpoint.adapter == "sitemap"] == sitemaps
    assert "sitemap" in ADAPTERS


def test_the_page_of_an_own_site_is_still_read_as_a_page():
    assert page_adapter("https://club.example.org/", Platform.WEBSITE) is None
    assert endpoints_for("https://club.example.org/", Platform.WEBSITE) == [
        Endpoint("https://club.example.org/sitemap.xml", "sitemap")]


# --- through the profile spider -------------------------------------------------------------------


class _Site(BaseHTTPRequestHandler):
    """Every host: a page, a sitemap and no robots.txt (404: no rules)."""

    hits: Counter = Counter()

    def do_GET(self):  # noqa: N802 (the name http.server calls)
        type(self).hits[f"{self.headers['Host']}{self.path}"] += 1
        if self.path == "/sitemap.xml":
            self._answer(200, "application/xml", urlset("2025-12-01", "2026-01-09T08:30:00Z"))
        elif self.path in ("/", "/club/"):
            self._answer(200, "text/html; charset=utf-8",
                         b"<!doctype html><html lang='en'><head><title>Rust Club</title></head><body>Hi</body></html>")
        else:
            self._answer(404, "text/plain", b"not found")

    def _answer(self, status: int, content_type: str, body: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args) -> None:
        pass


@contextlib.contextmanager
def loopback_site() -> Iterator[int]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Site)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.server_address[1]
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def up_host(prefix: str) -> str:
    """A host the sample web's resolver sends to its address (not simulated as NXDOMAIN, refused …)."""
    return next(host for host in (f"{prefix}{number}.example.org" for number in range(1_000))
                if host_behaviour(host) is None)


def test_the_profile_spider_fetches_a_sites_sitemap_once_and_every_community_there_gets_its_date(tmp_path):
    host = up_host("sitemapclub")
    targets = [{"id": "site", "url": f"https://{host}/", "platform": "website"},
               {"id": "same-site-as-forum", "url": f"https://{host}", "platform": "forum"},
               {"id": "section", "url": f"https://{host}/club/", "platform": "website"}]
    (tmp_path / "targets.json").write_text(json.dumps(targets))
    out = tmp_path / "profiles.jsonl"
    _Site.hits.clear()
    with loopback_site() as port:
        # The sample web's resolver seam: every up host connects to our loopback site, https as plain HTTP.
        env = {**os.environ, SAMPLE_WEB_ENV: f"127.0.0.1:{port}", DEADLINE_ENV: "5"}
        run = subprocess.run([sys.executable, "-m", "spiders.run", "profile", str(out),
                              f"targets={tmp_path / 'targets.json'}", f"now={NOW.isoformat()}"],
                             cwd=REPO, env=env, capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr[-3000:]
    assert _Site.hits[f"{host}/sitemap.xml"] == 1
    dated = {item["community_id"]: signal for item in map(json.loads, out.read_text().splitlines())
             for signal in item["signals"] if signal["kind"] == "sitemap_lastmod"}
    assert set(dated) == {"site", "same-site-as-forum"}  # the section of the site is not dated by it
    assert {signal["value"] for signal in dated.values()} == {"2026-01-09T08:30:00+00:00"}
    assert {signal["source_url"] for signal in dated.values()} == {f"https://{host}/sitemap.xml"}
