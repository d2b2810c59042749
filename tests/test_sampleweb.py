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
import warnings
from collections.abc import Awaitable, Callable, Iterator
from datetime import datetime, timedelta, timezone
from typing import Any, TypeVar
from urllib.parse import urlsplit, urlunsplit

import httpx
import pytest

from conftest import REPO
from crawler.check import check_url
from crawler.models import CheckOutcome, CheckResult
from crawler.net import NetPolicy, fetch, make_client
from crawler.sampleweb.app import fixed_clock
from crawler.sampleweb.behaviour import (PLATFORM_HOSTS, SUCCESSOR_SUFFIX, Behaviour, behaviour_of,
                                         shows_dated_posts)
from crawler.sampleweb.manifest import build_manifest
from crawler.sampleweb.resolver import SampleWebResolver
from crawler.sampleweb.server import running
from crawler.urls import canonicalize

NOW = datetime(2026, 11, 14, tzinfo=timezone.utc)
LATER = NOW + timedelta(days=137)
POLICY = NetPolicy(allow_loopback=True, deadline_s=2)
SNAPSHOTS = REPO / "crawler" / "sampleweb" / "snapshots"
DISCORD_SAMPLE = REPO / "tests" / "fixtures" / "api_samples" / "discord_invite-object_example.json"
T = TypeVar("T")


@pytest.fixture(scope="module")
def manifest() -> list[dict]:
    return build_manifest(REPO / "data" / "sources.yml")


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


def check(port: int, url: str, times: int = 1) -> list[CheckResult]:
    async def work(client: httpx.AsyncClient) -> list[CheckResult]:
        return [await check_url(client, POLICY, url, NOW) for _ in range(times)]

    return on_web(port, work)


def get(port: int, url: str):
    return on_web(port, lambda client: fetch(client, POLICY, url))


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


# --- what the checker concludes, one community per behaviour -------------------------------------

LIVE = {CheckOutcome.OK, CheckOutcome.REDIRECTED}
SIMPLE_OUTCOMES = [
    (Behaviour.LIVE_ACTIVE, LIVE), (Behaviour.LIVE_QUIET, LIVE), (Behaviour.DORMANT, LIVE),
    (Behaviour.NOT_FOUND, {CheckOutcome.NOT_FOUND}), (Behaviour.GONE, {CheckOutcome.GONE}),
    (Behaviour.SERVER_ERROR, {CheckOutcome.SERVER_ERROR}), (Behaviour.NXDOMAIN, {CheckOutcome.DNS_FAILURE}),
    (Behaviour.REFUSED, {CheckOutcome.CONNECTION_REFUSED}), (Behaviour.TIMEOUT, {CheckOutcome.TIMEOUT}),
    (Behaviour.PARKED, {CheckOutcome.PARKED}), (Behaviour.BOT_WALL, {CheckOutcome.BLOCKED}),
]


@pytest.mark.parametrize(("behaviour", "outcomes"), SIMPLE_OUTCOMES, ids=[b.value for b, _ in SIMPLE_OUTCOMES])
def test_the_checker_sees_what_a_community_of_each_behaviour_does(web, manifest, behaviour, outcomes):
    _, port = web
    url = first(manifest, behaviour, is_own_site)
    [result] = check(port, url)
    assert result.outcome in outcomes, (url, result)


@pytest.mark.parametrize("platform", ["discord.com/invite/", "join.slack.com/"])
def test_live_invites_check_ok(web, manifest, platform):
    _, port = web
    url = first(manifest, Behaviour.LIVE_ACTIVE, lambda url: platform in url)
    [result] = check(port, url)
    assert result.outcome is CheckOutcome.OK, (url, result)


@pytest.mark.parametrize(("platform", "why"), [("discord.com/invite/", "10006"),
                                               ("join.slack.com/", "no longer valid")])
def test_expired_invites_check_as_expired(web, manifest, platform, why):
    _, port = web
    url = first(manifest, Behaviour.INVITE_EXPIRED, lambda url: platform in url)
    [result] = check(port, url)
    assert result.outcome is CheckOutcome.INVITE_EXPIRED, (url, result)
    assert why in result.detail


def test_a_moved_site_points_at_its_successor(web, manifest):
    _, port = web
    url = first(manifest, Behaviour.MOVED)
    [result] = check(port, url)
    assert result.outcome is CheckOutcome.MOVED, result
    assert host_of(result.final_url).endswith(SUCCESSOR_SUFFIX)
    assert host_of(result.final_url) != host_of(url)
    assert result.redirects and result.redirects[0] == url


@pytest.mark.parametrize("kind", ["site", "discord invite"])
def test_rate_limited_communities_are_blocked_with_their_retry_after(web, manifest, kind):
    _, port = web
    url = first(manifest, Behaviour.RATE_LIMITED,
                is_own_site if kind == "site" else lambda url: "discord.com/invite/" in url)
    [result] = check(port, url)
    assert result.outcome is CheckOutcome.BLOCKED, result
    assert result.http_status == 429 and result.retry_after == 3600


@pytest.mark.parametrize("kind", ["site", "discord invite"])
def test_a_flaky_community_alternates_between_failing_and_answering(web, manifest, kind):
    _, port = web
    url = first(manifest, Behaviour.FLAKY, is_own_site if kind == "site" else lambda url: "discord.com/invite/" in url)
    outcomes = [result.outcome for result in check(port, url, times=4)]
    assert set(outcomes[:2]) == {CheckOutcome.SERVER_ERROR, CheckOutcome.OK}, outcomes
    assert outcomes[2:] == outcomes[:2], outcomes


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
    expected = {Behaviour.LIVE_ACTIVE.value: LIVE, Behaviour.LIVE_QUIET.value: LIVE, Behaviour.DORMANT.value: LIVE,
                Behaviour.INVITE_EXPIRED.value: {CheckOutcome.INVITE_EXPIRED}}
    rows = [row for row in manifest if host_of(row["url"]).endswith(".slack.com")
            and host_of(row["url"]) != "join.slack.com" and "/shared_invite/" in row["url"]
            and row["behaviour"] in expected]
    assert len(rows) >= 5
    wrong = [(row["url"], row["behaviour"], result.outcome.value)
             for row in rows for result in check(port, row["url"])
             if result.outcome not in expected[row["behaviour"]]]
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
