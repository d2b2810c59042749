"""The sample web's platform answers, fetched over loopback and read by the same adapters the profile
spider uses, agree with each community's simulated behaviour: an active community posted days ago
and counts its month, a dormant one 400–900 days ago with nobody active, a private subreddit says
so, an expired invite is invalid."""
from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import datetime, timedelta

import pytest

from conftest import SAMPLE_WEB_NOW
from crawler.adapters import Endpoint, endpoints_for, page_adapter, parse
from crawler.models import Platform, Profile, merge_profiles, parse_utc
from crawler.net import NetPolicy, fetch, make_client
from crawler.sampleweb import pages
from crawler.sampleweb.behaviour import Behaviour, behaviour_of
from crawler.sampleweb.resolver import SampleWebResolver
from crawler.status.thresholds import DEFAULT_THRESHOLDS
from crawler.urls import platform_of

NOW = SAMPLE_WEB_NOW  # the sample web's clock
POLICY = NetPolicy(allow_loopback=True, deadline_s=2)
LIVE = (Behaviour.LIVE_ACTIVE, Behaviour.LIVE_QUIET, Behaviour.DORMANT)
AGE_DAYS = {Behaviour.LIVE_ACTIVE: (1, 11), Behaviour.LIVE_QUIET: (45, 151), Behaviour.DORMANT: (400, 901)}


def age_days(url: str, behaviour: Behaviour) -> tuple[int, int]:
    """The range of the newest post's age: quiet is what the platform's thresholds call quiet (Meetup: 90–365)."""
    if behaviour is not Behaviour.LIVE_QUIET:
        return AGE_DAYS[behaviour]
    limits = DEFAULT_THRESHOLDS.activity_for(platform_of(url).value)
    return limits.active_within_days + 15, limits.quiet_within_days - 30 + 1


def profile_of(resolver: SampleWebResolver, url: str,
               platform: Platform | None = None) -> tuple[Profile, dict[str, int]]:
    """Fetch the community's page where it is a platform answer, its endpoints and what the answers point
    to, as the profile spider does; merge what they say."""
    async def go() -> tuple[Profile, dict[str, int]]:
        profiles, statuses = [], {}
        platform_here = platform or platform_of(url)
        async with make_client(resolver, POLICY) as client:
            pending = endpoints_for(url, platform_here)
            if own := page_adapter(url, platform_here):  # the page is itself the platform's answer
                pending.insert(0, Endpoint(url, own))
            while pending and len(statuses) < 10:
                endpoint = pending.pop(0)
                answer = await fetch(client, POLICY, endpoint.url)
                result = parse(endpoint.adapter, answer.body, endpoint.url, NOW, answer.status)
                profiles.append(result.profile)
                statuses[endpoint.adapter] = answer.status
                pending.extend(result.follow)
        return merge_profiles(profiles) or Profile(url=url, observed_at=NOW), statuses

    return asyncio.run(go())


def said(profile: Profile) -> dict[str, str]:
    return {signal.kind: signal.value for signal in profile.signals}


def newest(profile: Profile) -> datetime:
    moments = [parse_utc(s.value) for s in profile.signals if s.kind in ("newest_post", "newest_feed_entry")]
    assert moments, f"no dated evidence in {profile}"
    return max(moments)


def first(manifest: list[dict], behaviour: Behaviour, where: Callable[[str], bool]) -> str:
    urls = [row["url"] for row in manifest if row["behaviour"] == behaviour.value and where(row["url"])]
    assert urls, f"no {behaviour.value} community matches"
    return urls[0]


def invented(pattern: str, behaviour: Behaviour) -> str:
    """A URL of the pattern ("https://mastodon.c{0}.example") that the sample web simulates with behaviour."""
    return next(url for url in (pattern.format(i) for i in range(5000)) if behaviour_of(url) is behaviour)


def check_activity(profile: Profile, url: str, behaviour: Behaviour) -> None:
    signals = said(profile)
    if "posts_30d" in signals:
        assert (int(signals["posts_30d"]) > 0) == (behaviour is Behaviour.LIVE_ACTIVE), signals
    if "active_users" in signals:
        assert (int(signals["active_users"]) > 0) == (behaviour is Behaviour.LIVE_ACTIVE), signals


# --- communities of the real lists --------------------------------------------------------------

def on(platform: Platform) -> Callable[[str], bool]:
    return lambda url: url.startswith("http") and platform_of(url) is platform


def community_home(url: str) -> bool:
    """A community's own page (a group, an organisation, a subreddit), not a page deeper in the platform."""
    path = url.split("//", 1)[1].split("/")[1:]
    return len(path) <= (2 if "reddit.com" in url else 1)


DATED = {platform.value: (lambda url, platform=platform: on(platform)(url) and community_home(url))
         for platform in (Platform.REDDIT, Platform.DISCOURSE, Platform.MEETUP, Platform.GITHUB)}


@pytest.mark.parametrize("behaviour", LIVE, ids=[b.value for b in LIVE])
@pytest.mark.parametrize("platform", sorted(DATED))
def test_the_newest_post_the_api_shows_is_the_one_the_behaviour_draws(sample_web_resolver, manifest, platform,
                                                                      behaviour):
    url = first(manifest, behaviour, DATED[platform])
    profile, _ = profile_of(sample_web_resolver, url)
    assert newest(profile) == pages.newest_post(url, behaviour, NOW), url
    low, high = age_days(url, behaviour)
    assert low <= (NOW - newest(profile)).days < high
    check_activity(profile, url, behaviour)


@pytest.mark.parametrize("behaviour", LIVE, ids=[b.value for b in LIVE])
def test_subreddits_count_members_and_who_is_online(sample_web_resolver, manifest, behaviour):
    url = first(manifest, behaviour, DATED["reddit"])
    profile, _ = profile_of(sample_web_resolver, url)
    signals = said(profile)
    assert profile.name == "r/" + url.rsplit("/", 1)[1] and signals["access"] == "public"
    assert int(signals["members"]) == pages.member_count(url)
    assert (int(signals["online_members"]) == 0) == (behaviour is Behaviour.DORMANT)


@pytest.mark.parametrize(("behaviour", "expected"), [
    (Behaviour.BOT_WALL, {"access": "private"}), (Behaviour.GONE, {"access": "banned"}),
    (Behaviour.NOT_FOUND, {}), (Behaviour.RATE_LIMITED, {})])
def test_subreddits_that_cannot_be_seen_answer_like_reddit(sample_web_resolver, manifest, behaviour, expected):
    profile, statuses = profile_of(sample_web_resolver, first(manifest, behaviour, DATED["reddit"]))
    assert said(profile) == expected
    assert statuses["reddit_about"] == {Behaviour.BOT_WALL: 403, Behaviour.GONE: 404, Behaviour.NOT_FOUND: 404,
                                        Behaviour.RATE_LIMITED: 429}[behaviour]


@pytest.mark.parametrize("behaviour", LIVE, ids=[b.value for b in LIVE])
def test_lemmy_instances_count_users_and_monthly_actives_through_nodeinfo_too(sample_web_resolver, manifest, behaviour):
    url = first(manifest, behaviour, on(Platform.LEMMY))
    profile, statuses = profile_of(sample_web_resolver, url)
    assert statuses == {"lemmy_site": 200, "nodeinfo_discovery": 200, "nodeinfo": 200}  # discovery was followed
    assert int(said(profile)["members"]) == pages.member_count(url) and profile.platform.value == "lemmy"
    check_activity(profile, url, behaviour)


@pytest.mark.parametrize("behaviour", LIVE, ids=[b.value for b in LIVE])
def test_discord_invites_count_members_and_presence(sample_web_resolver, manifest, behaviour):
    url = first(manifest, behaviour, lambda url: "discord.com/invite/" in url)
    signals = said(profile_of(sample_web_resolver, url)[0])
    assert signals["invite_valid"] == "true" and int(signals["members"]) == pages.member_count(url)
    assert (int(signals["online_members"]) == 0) == (behaviour is Behaviour.DORMANT)


@pytest.mark.parametrize("platform", ["discord.com/invite/", "join.slack.com/"])
def test_expired_invites_are_invalid(sample_web_resolver, manifest, platform):
    profile, _ = profile_of(sample_web_resolver, first(manifest, Behaviour.INVITE_EXPIRED, lambda url: platform in url))
    assert said(profile)["invite_valid"] == "false"


def test_matrix_rooms_count_members_but_show_no_dates(sample_web_resolver, manifest):
    url = first(manifest, Behaviour.LIVE_ACTIVE, lambda url: url.startswith("https://matrix.to/#/"))
    signals = said(profile_of(sample_web_resolver, url)[0])
    assert signals == {"members": str(pages.member_count(url)), "access": "public"}


def test_a_failing_site_fails_its_api_too(sample_web_resolver, manifest):
    profile, statuses = profile_of(sample_web_resolver, first(manifest, Behaviour.SERVER_ERROR,
                                              on(Platform.DISCOURSE)))
    assert profile.signals == () and set(statuses.values()) == {500}


# --- platforms the real lists barely use: invented communities -------------------------------------


@pytest.mark.parametrize("behaviour", LIVE, ids=[b.value for b in LIVE])
@pytest.mark.parametrize("pattern", [
    "https://t.me/channel{0}", "https://social.c{0}.example/@makers", "https://groups.io/g/list{0}",
    "https://lists.c{0}.example/archives/list/users@lists.c{0}.example/",
])
def test_feeds_and_previews_date_the_newest_post(sample_web_resolver, pattern, behaviour):
    url = invented(pattern, behaviour)
    profile, _ = profile_of(sample_web_resolver, url)
    low, high = age_days(url, behaviour)
    assert low - 1 <= (NOW - newest(profile)).days < high, url  # a date-only "last status" loses hours
    check_activity(profile, url, behaviour)


@pytest.mark.parametrize("behaviour", LIVE, ids=[b.value for b in LIVE])
def test_a_pipermail_archive_shows_the_month_of_the_newest_post(sample_web_resolver, behaviour):
    url = invented("https://mail.c{0}.example/mailman/listinfo/users", behaviour)
    archived = newest(profile_of(sample_web_resolver, url)[0])
    expected = pages.newest_post(url.replace("/mailman/listinfo/users", "/pipermail/users/"), behaviour, NOW)
    assert (archived.year, archived.month, archived.day) == (expected.year, expected.month, 1)


@pytest.mark.parametrize("behaviour", LIVE, ids=[b.value for b in LIVE])
def test_mastodon_servers_and_lemmy_communities_count_their_monthly_actives(sample_web_resolver, behaviour):
    for url in (invented("https://mastodon.c{0}.example", behaviour),
                invented("https://lemmy.c{0}.example/c/rust", behaviour)):
        profile, statuses = profile_of(sample_web_resolver, url)
        assert profile.name and "active_users" in said(profile), (url, statuses)
        check_activity(profile, url, behaviour)


def test_some_mastodon_servers_keep_their_activity_for_members(sample_web_resolver):
    servers = [invented(f"https://mastodon.s{i}x{{0}}.example", Behaviour.LIVE_ACTIVE) for i in range(8)]
    statuses = {profile_of(sample_web_resolver, url)[1]["mastodon_activity"] for url in servers}
    assert statuses == {200, 401}


def test_a_meetup_group_announces_its_next_event_only_while_active(sample_web_resolver, manifest):
    active = said(profile_of(sample_web_resolver, first(manifest, Behaviour.LIVE_ACTIVE, DATED["meetup"]))[0])
    assert parse_utc(active["upcoming_event"]) > NOW and active["access"] == "public"
    dormant = said(profile_of(sample_web_resolver, first(manifest, Behaviour.DORMANT, DATED["meetup"]))[0])
    assert "upcoming_event" not in dormant
    assert NOW - parse_utc(dormant["newest_post"]) > timedelta(days=399)


def test_a_forum_whose_page_says_it_runs_discourse_answers_discourses_api(sample_web_resolver):
    url = invented("https://forum.c{0}.example", Behaviour.LIVE_QUIET)
    # A forum of unknown software: nothing to ask but its sitemap.
    assert [e.adapter for e in endpoints_for(url, platform_of(url))] == ["sitemap"]
    profile, statuses = profile_of(sample_web_resolver, url, Platform.DISCOURSE)
    assert statuses == {"discourse_about": 200, "discourse_topics": 200}
    assert newest(profile) == pages.newest_post(url, Behaviour.LIVE_QUIET, NOW)
    check_activity(profile, url, Behaviour.LIVE_QUIET)
