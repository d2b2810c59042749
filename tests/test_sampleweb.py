"""The sample web, end to end over loopback: what a checker or a spider sees when it asks for real URLs.

The real sample web runs in a thread; every name goes through `SampleWebResolver`, never the
system resolver. Communities are picked from the ground-truth manifest, so these tests follow
the data rather than hard-coding hashes.
"""
from __future__ import annotations

import asyncio
import gc
import json
import re
import socket
import ssl
import time
import warnings
from collections.abc import Awaitable, Callable, Iterator
from datetime import datetime, timedelta, timezone
from typing import Any, TypeVar
from urllib.parse import urlsplit, urlunsplit

import httpx
import pytest

from conftest import REPO
from crawler.net import Fetched, NameNotResolved, NetPolicy, fetch, fetch_once, make_client
from crawler.sampleweb.app import fixed_clock
from crawler.sampleweb.behaviour import (PLATFORM_HOSTS, SUCCESSOR_SUFFIX, Behaviour, behaviour_of, rejects_head,
                                         shows_dated_posts)
from crawler.sampleweb.resolver import SampleWebResolver
from crawler.sampleweb.server import running
from crawler.urls import canonicalize

NOW = datetime(2026, 11, 14, tzinfo=timezone.utc)
LATER = NOW + timedelta(days=137)
POLICY = NetPolicy(allow_loopback=True, deadline_s=2)
SNAPSHOTS = REPO / "crawler" / "sampleweb" / "snapshots"
DISCORD_SAMPLE = REPO / "tests" / "fixtures" / "api_samples" / "discord_invite-object_example.json"
T = TypeVar("T")


RESOLVERS: dict[int, SampleWebResolver] = {}  # one per sample web, so its refusing socket can be closed


@pytest.fixture(scope="module")
def web() -> Iterator[tuple[Any, int]]:
    with running(fixed_clock(NOW)) as (app, port):
        try:
            yield app, port
        finally:
            release(RESOLVERS.pop(port, None))


def release(resolver: SampleWebResolver | None) -> None:
    if resolver is not None:
        resolver.close()


def resolver_for(port: int) -> SampleWebResolver:
    return RESOLVERS.setdefault(port, SampleWebResolver("127.0.0.1", port))


def on_web(port: int, work: Callable[[httpx.AsyncClient], Awaitable[T]]) -> T:
    """Run work(client) with a guarded client whose every name the sample web on port answers."""
    async def go() -> T:
        async with make_client(resolver_for(port), POLICY) as client:
            return await work(client)

    return asyncio.run(go())


def get(port: int, url: str, method: str = "GET") -> Fetched:
    return on_web(port, lambda client: fetch(client, POLICY, url, method))


def first(manifest: list[dict], behaviour: Behaviour, where: Callable[[str], bool] = lambda url: True) -> str:
    urls = [row["url"] for row in manifest if row["behaviour"] == behaviour.value
            and row["url"].startswith(("http://", "https://")) and where(row["url"])]
    assert urls, f"the manifest has no {behaviour.value} community matching the filter"
    return urls[0]


def host_of(url: str) -> str:
    return urlsplit(url).hostname or ""


def is_own_site(url: str) -> bool:
    """A community's own site, not a page on a shared platform host."""
    return "." in host_of(url) and not any(
        marker in host_of(url) for marker in ("discord", "slack", "reddit", "meetup", "matrix", "github", "t.me"))


def is_https_own_site(url: str) -> bool:
    return url.startswith("https://") and is_own_site(url)


# --- behaviour_of ------------------------------------------------------------------------------


def _respellings(url: str) -> list[str]:
    parts = urlsplit(url)
    spellings = [url + "/" if not parts.path.endswith("/") and not parts.query and not parts.fragment else url]
    if parts.hostname not in PLATFORM_HOSTS or parts.scheme == "https" and canonicalize(
            urlunsplit(("http", *parts[1:]))).startswith("https://"):
        # http ↔ https, including platform hosts whose canonical form keeps http
        spellings.append(urlunsplit(("http" if parts.scheme == "https" else "https", *parts[1:])))
    if match := re.fullmatch(r"https://discord\.com/invite/([A-Za-z0-9-]+)", url):
        spellings += [f"https://discord.gg/{match[1]}", f"discord.gg/{match[1]}", f"http://discord.gg/{match[1]}/"]
    return spellings


def test_behaviour_of_is_the_same_for_every_spelling_of_a_community(manifest):
    checked = discord = 0
    for row in manifest:
        if not row["url"].startswith(("http://", "https://")):
            continue
        assert behaviour_of(row["url"]).value == row["behaviour"]  # deterministic: the manifest agrees
        for spelling in _respellings(row["url"]):
            assert behaviour_of(spelling).value == row["behaviour"], (row["url"], spelling)
        checked += 1
        discord += "discord.com/invite/" in row["url"]
    assert checked >= 1000 and discord >= 50


HTTP_KEPT_PLATFORM_HOSTS = ["launchpass.com", "publicslack.com", "matrix.org", "raw.githubusercontent.com"]


@pytest.mark.parametrize("host", HTTP_KEPT_PLATFORM_HOSTS)
def test_http_and_https_spellings_of_a_platform_page_behave_alike(host):
    paths = ["/cloud-espanol", "/slacks/canariasdev/invites/new", "/community-one", "/team-two", "/abc", "/def"]
    differing = [path for path in paths if behaviour_of(f"http://{host}{path}") != behaviour_of(f"https://{host}{path}")]
    assert differing == []


def test_every_behaviour_occurs_among_the_communities_of_the_real_lists(manifest):
    assert {row["behaviour"] for row in manifest} == {behaviour.value for behaviour in Behaviour}


def test_the_manifest_leaves_only_flaky_and_mailto_communities_ambiguous(manifest):
    ambiguous = [row for row in manifest
                 if row["behaviour"] == Behaviour.FLAKY.value or not row["url"].startswith(("http://", "https://"))]
    assert any(row["url"].startswith("mailto:") for row in ambiguous)
    assert any(row["behaviour"] == Behaviour.FLAKY.value for row in ambiguous)
    assert all(row["expected_reachability"] is None and row["expected_activity"] is None for row in ambiguous)
    decided = [row for row in manifest if row not in ambiguous]
    assert len(decided) >= 1000
    assert all(row["expected_reachability"] and row["expected_activity"] for row in decided)


# --- snapshots -----------------------------------------------------------------------------------


def test_the_real_directory_snapshots_are_served_byte_for_byte_at_their_original_urls(web):
    _, port = web
    index = json.loads((SNAPSHOTS / "index.json").read_text())
    assert len(index) >= 5

    async def work(client: httpx.AsyncClient) -> list[tuple[str, int, bytes]]:
        return [(row["file"], *(lambda f: (f.status, f.body))(await fetch(client, POLICY, row["url"])))
                for row in index]

    for row, (file, status, body) in zip(index, on_web(port, work)):
        assert host_of(row["url"]) == "raw.githubusercontent.com"
        assert status == 200, row["url"]
        assert body == (SNAPSHOTS / file).read_bytes(), row["url"]


# --- what a client sees, one community per behaviour ----------------------------------------------


def causes(exc: BaseException) -> Iterator[BaseException]:
    seen: BaseException | None = exc
    while seen is not None:
        yield seen
        seen = seen.__cause__ or seen.__context__


def seen_as(port: int, url: str, method: str = "GET") -> str:
    """What a client is told for url, in a few words: the status, or how the request failed."""
    async def work(client: httpx.AsyncClient) -> Fetched | BaseException:
        try:
            return await fetch(client, POLICY, url, method)
        except (httpx.HTTPError, TimeoutError) as exc:
            return exc

    return describe(on_web(port, work))


def describe(result: Fetched | BaseException) -> str:
    if isinstance(result, Fetched):
        return str(result.status)
    if isinstance(result, NameNotResolved):
        return "no such name"
    if isinstance(result, httpx.TooManyRedirects):
        return "too many redirects"
    if isinstance(result, TimeoutError):
        return "deadline"
    if certificate := next((c for c in causes(result) if isinstance(c, ssl.SSLCertVerificationError)), None):
        return f"certificate error {certificate.verify_code}"
    if any(isinstance(cause, ConnectionRefusedError) for cause in causes(result)):
        return "refused"
    return repr(result)


WHAT_EACH_BEHAVIOUR_ANSWERS = [
    (Behaviour.LIVE_ACTIVE, "200"), (Behaviour.LIVE_QUIET, "200"), (Behaviour.DORMANT, "200"),
    (Behaviour.NOT_FOUND, "404"), (Behaviour.GONE, "410"), (Behaviour.SERVER_ERROR, "500"),
    (Behaviour.NXDOMAIN, "no such name"), (Behaviour.REFUSED, "refused"), (Behaviour.TIMEOUT, "deadline"),
    (Behaviour.PARKED, "200"), (Behaviour.BOT_WALL, "403"), (Behaviour.RATE_LIMITED, "429"),
    (Behaviour.MOVED, "200"),  # at its successor
    (Behaviour.SOFT_404, "200"), (Behaviour.SLOW_DRIP, "deadline"), (Behaviour.REDIRECT_LOOP, "too many redirects"),
]


@pytest.mark.parametrize(("behaviour", "answer"), WHAT_EACH_BEHAVIOUR_ANSWERS,
                         ids=[b.value for b, _ in WHAT_EACH_BEHAVIOUR_ANSWERS])
def test_a_community_of_each_behaviour_answers_as_such_a_host_would(web, manifest, behaviour, answer):
    _, port = web
    url = first(manifest, behaviour, is_https_own_site)
    assert seen_as(port, url) == answer, url


def test_the_pages_say_what_they_are(web, manifest):
    _, port = web
    parked = get(port, first(manifest, Behaviour.PARKED, is_own_site))
    assert "for sale" in parked.text()
    wall = get(port, first(manifest, Behaviour.BOT_WALL, is_own_site))
    assert wall.headers["cf-mitigated"] == "challenge" and "Just a moment" in wall.text()
    gone = get(port, first(manifest, Behaviour.GONE, is_own_site))
    assert "closed" in gone.text()


@pytest.mark.parametrize("platform", ["discord.com/invite/", "join.slack.com/"])
def test_live_invites_say_they_are_valid(web, manifest, platform):
    _, port = web
    url = first(manifest, Behaviour.LIVE_ACTIVE, lambda url: platform in url)
    if platform.startswith("discord"):
        answer = get(port, f"https://discord.com/api/v10/invites/{url.rsplit('/', 1)[1]}?with_counts=true")
        assert answer.status == 200 and json.loads(answer.body)["code"] == url.rsplit("/", 1)[1]
    else:
        answer = get(port, url)
        assert answer.status == 200 and '"isSharedInviteError": false' in answer.text()


@pytest.mark.parametrize("platform", ["discord.com/invite/", "join.slack.com/"])
def test_expired_invites_say_so_as_the_platforms_do(web, manifest, platform):
    _, port = web
    url = first(manifest, Behaviour.INVITE_EXPIRED, lambda url: platform in url)
    if platform.startswith("discord"):
        answer = get(port, f"https://discord.com/api/v10/invites/{url.rsplit('/', 1)[1]}?with_counts=true")
        assert answer.status == 404 and json.loads(answer.body)["code"] == 10006
    else:
        answer = get(port, url)
        assert answer.status == 200 and '"isSharedInviteError": true' in answer.text()


def test_a_moved_site_points_at_its_successor(web, manifest):
    _, port = web
    url = first(manifest, Behaviour.MOVED)
    answer = get(port, url)
    assert answer.status == 200
    assert host_of(answer.url).endswith(SUCCESSOR_SUFFIX) and host_of(answer.url) != host_of(url)
    assert answer.redirects == [(url, 301)]


@pytest.mark.parametrize("kind", ["site", "discord invite"])
def test_rate_limited_communities_say_when_to_come_back(web, manifest, kind):
    _, port = web
    url = first(manifest, Behaviour.RATE_LIMITED,
                is_own_site if kind == "site" else lambda url: "discord.com/invite/" in url)
    if kind == "discord invite":
        url = f"https://discord.com/api/v10/invites/{url.rsplit('/', 1)[1]}?with_counts=true"
    answer = get(port, url)
    assert answer.status == 429 and answer.headers["retry-after"] == "3600"


@pytest.mark.parametrize("kind", ["site", "discord invite"])
def test_a_flaky_community_alternates_between_failing_and_answering(web, manifest, kind):
    _, port = web
    url = first(manifest, Behaviour.FLAKY, is_own_site if kind == "site" else lambda url: "discord.com/invite/" in url)
    statuses = [get(port, url).status for _ in range(4)]
    assert set(statuses[:2]) == {503, 200}, statuses
    assert statuses[2:] == statuses[:2], statuses


def test_a_refusing_host_is_refused_by_the_kernel(web, manifest):
    _, port = web
    host = host_of(first(manifest, Behaviour.REFUSED, is_own_site))
    [target] = asyncio.run(resolver_for(port).resolve(host, 443, True))
    assert target.address == "127.0.0.1" and target.port != port
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection((target.address, target.port), timeout=2).close()


def test_invite_urls_on_workspace_hosts_behave_as_the_manifest_says(web, manifest):
    # A Slack invite on a workspace host (team.slack.com/join/shared_invite/…) is drawn per URL
    # as an invite, but the resolver applies the per-host site draw to the same host.
    _, port = web
    says_expired = {Behaviour.LIVE_ACTIVE.value: False, Behaviour.LIVE_QUIET.value: False,
                    Behaviour.DORMANT.value: False, Behaviour.INVITE_EXPIRED.value: True}
    rows = [row for row in manifest if host_of(row["url"]).endswith(".slack.com")
            and host_of(row["url"]) != "join.slack.com" and "/shared_invite/" in row["url"]
            and row["behaviour"] in says_expired]
    assert len(rows) >= 5
    wrong = []
    for row in rows:
        answer = get(port, row["url"])
        said = f'"isSharedInviteError": {"true" if says_expired[row["behaviour"]] else "false"}'
        if answer.status != 200 or said not in answer.text():
            wrong.append((row["url"], row["behaviour"], answer.status))
    assert wrong == []


def test_a_resolver_can_be_closed_without_leaking_a_socket(manifest):
    host = host_of(first(manifest, Behaviour.REFUSED, is_own_site))
    resolver = SampleWebResolver("127.0.0.1", 9)
    asyncio.run(resolver.resolve(host, 443, True))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        resolver.close()
        del resolver
        gc.collect()
    assert [str(w.message) for w in caught if issubclass(w.category, ResourceWarning)] == []


# --- soft 404s: every path a "Page not found" page with 200 ---------------------------------------


def visible_text(page: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page)).strip()


def test_a_soft_404_host_answers_every_path_with_the_same_not_found_page_and_200(web, manifest):
    _, port = web
    url = first(manifest, Behaviour.SOFT_404, is_own_site)
    host = host_of(url)
    paths = [urlsplit(url).path or "/", "/copdir-check-8f3a2c", "/forum/t/welcome"]
    answers = [get(port, f"https://{host}{path}") for path in paths]
    assert [answer.status for answer in answers] == [200, 200, 200]
    for path, answer in zip(paths, answers):
        assert f"<title>Page not found – {host.removeprefix('www.')}</title>" in answer.text()
        assert f"<code>{path}</code>" in answer.text()  # the path is echoed …
        assert 'href="/about"' in answer.text()  # … inside the site's own chrome
    # … and apart from the echoed path it is one and the same page, as a comparison with a random path finds
    assert len({visible_text(answer.text().replace(path, "PATH")) for path, answer in zip(paths, answers)}) == 1


def test_a_soft_404_host_still_serves_its_robots_txt(web, manifest):
    _, port = web
    host = host_of(first(manifest, Behaviour.SOFT_404, is_own_site))
    robots = get(port, f"https://{host}/robots.txt")
    assert robots.status == 200 and robots.text() == "User-agent: *\nAllow: /\n"


# --- slow drips: 200 at once, then a trickle no read time-out catches -----------------------------


def test_a_slow_drip_answers_at_once_then_trickles_on_until_a_wall_clock_deadline(web, manifest):
    app, port = web
    url = first(manifest, Behaviour.SLOW_DRIP, is_own_site)
    policy = NetPolicy(allow_loopback=True, deadline_s=1.5)  # httpx's read time-out: 1.5 s per chunk
    received: list[bytes] = []

    async def go() -> tuple[int, BaseException | None]:
        async with make_client(resolver_for(port), policy) as client:
            async with client.stream("GET", url) as response:
                try:
                    async with asyncio.timeout(4):  # our wall clock, well past the read time-out
                        async for chunk in response.aiter_raw():
                            received.append(chunk)
                except TimeoutError as exc:
                    return response.status_code, exc
        return response.status_code, None

    status, stopped_by = asyncio.run(go())
    assert status == 200
    assert isinstance(stopped_by, TimeoutError)  # the body never ended and httpx never timed out
    assert len(received) >= 3 and b"".join(received).startswith(b"<!doctype html>")
    assert stops_holding_open(app)


def stops_holding_open(app) -> bool:
    """Whether the sample web lets go of every stalled request once its clients have gone (bounded wait)."""
    for _ in range(100):
        if app.held_open == 0:
            return True
        time.sleep(0.05)
    return False


@pytest.mark.parametrize("behaviour", [Behaviour.SLOW_DRIP, Behaviour.TIMEOUT])
def test_a_stalling_host_lets_go_as_soon_as_the_client_hangs_up(web, manifest, behaviour):
    app, port = web
    assert seen_as(port, first(manifest, behaviour, is_own_site)) == "deadline"
    assert stops_holding_open(app)


def test_head_to_a_slow_drip_host_gets_no_answer_in_time_either(web, manifest):
    _, port = web
    assert seen_as(port, first(manifest, Behaviour.SLOW_DRIP, is_own_site), "HEAD") == "deadline"


# --- redirect loops -------------------------------------------------------------------------------


def test_a_redirect_loop_never_ends_and_never_repeats_a_url(web, manifest):
    _, port = web
    url = first(manifest, Behaviour.REDIRECT_LOOP, is_own_site)
    host = host_of(url)

    async def hops(client: httpx.AsyncClient) -> list[tuple[int, str]]:
        current, seen = f"https://{host}/x", []
        for _ in range(20):
            answer = await fetch_once(client, POLICY, current)
            seen.append((answer.status, answer.headers["location"]))
            current = f"https://{host}{answer.headers['location']}"
        return seen

    chain = on_web(port, hops)
    assert chain[:2] == [(302, "/x?loop=1"), (302, "/x?loop=2")]
    assert {status for status, _ in chain} == {302} and len({location for _, location in chain}) == 20


@pytest.mark.parametrize(("behaviour", "answer"), [
    (Behaviour.REDIRECT_LOOP, "too many redirects"), (Behaviour.SLOW_DRIP, "deadline"),
    (Behaviour.TIMEOUT, "deadline"), (Behaviour.LIVE_ACTIVE, "200"), (Behaviour.NXDOMAIN, "no such name")])
def test_robots_txt_fails_as_its_host_does(web, manifest, behaviour, answer):
    _, port = web
    host = host_of(first(manifest, behaviour, is_https_own_site))
    assert seen_as(port, f"https://{host}/robots.txt") == answer


# --- hosts that reject HEAD -----------------------------------------------------------------------


LIVE_BEHAVIOURS = {Behaviour.LIVE_ACTIVE.value, Behaviour.LIVE_QUIET.value, Behaviour.DORMANT.value}


def live_own_hosts(manifest: list[dict]) -> set[str]:
    return {host_of(row["url"]) for row in manifest if row["behaviour"] in LIVE_BEHAVIOURS
            and is_own_site(row["url"]) and host_of(row["url"]) not in PLATFORM_HOSTS}


def test_about_one_live_own_site_in_five_rejects_head(manifest):
    hosts = live_own_hosts(manifest)
    rejecting = {host for host in hosts if rejects_head(host)}
    assert len(hosts) >= 300 and 0.1 <= len(rejecting) / len(hosts) <= 0.3
    marked = [row for row in manifest if row["rejects_head"]]  # the manifest tells which, for checkers' tests
    assert rejecting <= {host_of(row["url"]) for row in marked}
    assert all(row["behaviour"] in LIVE_BEHAVIOURS and host_of(row["url"]) not in PLATFORM_HOSTS for row in marked)
    assert not any(rejects_head(host) for host in PLATFORM_HOSTS)


def test_a_host_that_rejects_head_answers_405_and_get_as_usual(web, manifest):
    _, port = web
    host = sorted(host for host in live_own_hosts(manifest) if rejects_head(host))[0]
    head = get(port, f"https://{host}/", "HEAD")
    assert head.status == 405 and head.headers["allow"] == "GET"
    assert get(port, f"https://{host}/robots.txt", "HEAD").status == 405  # any path
    assert get(port, f"https://{host}/").status == 200


def test_other_hosts_answer_head_like_get_without_a_body(web, manifest):
    _, port = web
    host = sorted(host for host in live_own_hosts(manifest) if not rejects_head(host))[0]
    head, page = get(port, f"https://{host}/", "HEAD"), get(port, f"https://{host}/")
    assert head.status == page.status == 200 and head.body == b"" and page.body
    assert head.headers["content-type"] == page.headers["content-type"]
    assert int(head.headers["content-length"]) == len(page.body)


# --- the clock --------------------------------------------------------------------------------


def newest_post(port: int, url: str) -> datetime:
    page = get(port, url)
    assert page.status == 200
    dates = [datetime.fromisoformat(value) for value in re.findall(r'<time datetime="([^"]+)"', page.text())]
    assert dates, page.text()[:500]
    return max(dates)


def test_a_live_community_posts_relative_to_the_sample_webs_clock(web, manifest):
    _, port = web
    url = first(manifest, Behaviour.LIVE_ACTIVE, lambda url: is_own_site(url) and shows_dated_posts(url))
    now_newest = newest_post(port, url)
    with running(fixed_clock(LATER)) as (_, later_port):
        try:
            later_newest = newest_post(later_port, url)
        finally:
            release(RESOLVERS.pop(later_port, None))
    assert now_newest != later_newest
    assert 1 <= (NOW - now_newest).days <= 10
    assert 1 <= (LATER - later_newest).days <= 10


def test_a_dormant_community_has_not_posted_for_over_a_year(web, manifest):
    _, port = web
    url = first(manifest, Behaviour.DORMANT, lambda url: is_own_site(url) and shows_dated_posts(url))
    assert (NOW - newest_post(port, url)).days >= 400


# --- platform APIs ------------------------------------------------------------------------------


def test_discords_invite_api_answers_like_discord_with_counts(web, manifest):
    _, port = web
    url = first(manifest, Behaviour.LIVE_ACTIVE, lambda url: "discord.com/invite/" in url)
    code = url.rsplit("/", 1)[1]
    answer = get(port, f"https://discord.com/api/v10/invites/{code}?with_counts=true")
    assert answer.status == 200
    assert answer.headers["content-type"].startswith("application/json")
    invite = json.loads(answer.body)
    sample = json.loads(DISCORD_SAMPLE.read_text())
    assert {"type", "code", "guild", "channel"} <= set(sample) & set(invite)
    assert invite["code"] == code
    assert isinstance(invite["guild"], dict) and {"id", "name"} <= set(invite["guild"]) & set(sample["guild"])
    assert isinstance(invite["channel"], dict) and set(sample["channel"]) <= set(invite["channel"])
    members, online = invite["approximate_member_count"], invite["approximate_presence_count"]
    assert isinstance(members, int) and isinstance(online, int)
    assert 0 < online <= members
