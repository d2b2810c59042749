"""Platform adapters on real answers (tests/fixtures/api_samples, copied from shared/corpus) and on
hostile ones: what a visitor of the catalogue would read — member counts, newest posts, expired
invites, private subreddits — and nothing at all from bodies that are broken or malicious."""
from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime

import pytest

from conftest import REPO
from crawler.adapters import ADAPTERS, AdapterResult, Endpoint, endpoints_for, page_adapter, parse
from crawler.models import JoinType, Platform, Profile

SAMPLES = REPO / "tests" / "fixtures" / "api_samples"
NOW = datetime(2026, 1, 15, tzinfo=timezone.utc)


def sample(name: str) -> bytes:
    return (SAMPLES / name).read_bytes()


def signals(profile: Profile) -> dict[str, str]:
    return {signal.kind: signal.value for signal in profile.signals}


def read(adapter: str, body: bytes, url: str = "https://example.org/", observed_at: datetime = NOW,
         status: int = 200) -> Profile:
    return parse(adapter, body, url, observed_at, status).profile


# --- every real sample through its adapter --------------------------------------------------------

# file → (adapter, URL it was fetched from, observed at, HTTP status, the signals a user would see)
REAL_SAMPLES = {
    "discord_invite-object_example.json": (
        "discord_invite", "https://discord.com/api/v10/invites/0vCdhLbwjZZTWZLD", NOW, 200,
        {"invite_valid": "true"}),  # the docs example has no with_counts fields
    "discord_error-response_example.json": ("discord_invite", "https://discord.com/api/v10/invites/x", NOW, 401, {}),
    "discord_invite-metadata_example.json": ("discord_invite", "https://discord.com/api/v10/invites/x", NOW, 200, {}),
    "discourse_latest.json": ("discourse_topics", "https://try.discourse.org/latest.json", NOW, 200,
                              {"newest_post": "2013-11-06T18:57:48.111000+00:00"}),
    "discourse_hot.json": ("discourse_topics", "https://try.discourse.org/hot.json", NOW, 200,
                           {"newest_post": "2013-09-13T20:46:59.783000+00:00"}),
    "discourse_new.json": ("discourse_topics", "https://try.discourse.org/new.json", NOW, 200,
                           {"newest_post": "2013-11-07T14:42:57.094000+00:00"}),
    "discourse_top.json": ("discourse_topics", "https://try.discourse.org/top.json", NOW, 200,
                           {"newest_post": "2013-11-06T18:57:48.111000+00:00"}),
    "discourse_c-CATEGORY-l-latest.json": ("discourse_topics", "https://try.discourse.org/c/x/2/l/latest.json", NOW,
                                           200, {"newest_post": "2014-04-16T18:31:37.371000+00:00"}),
    "discourse_t-ID.json": ("discourse_topic", "https://try.discourse.org/t/57.json", NOW, 200,
                            {"newest_post": "2013-02-05T17:14:17.364000+00:00"}),
    "discourse_categories.json": ("discourse_categories", "https://try.discourse.org/categories.json", NOW, 200,
                                  {"posts_30d": "0"}),
    # Answers of other Discourse endpoints say nothing to the adapters of the ones we fetch.
    "discourse_groups.json": ("discourse_about", "https://try.discourse.org/about.json", NOW, 200, {}),
    "discourse_groups_api-docs.json": ("discourse_about", "https://try.discourse.org/about.json", NOW, 200, {}),
    "discourse_search.json": ("discourse_topics", "https://try.discourse.org/latest.json", NOW, 200, {}),
    "discourse_u-USERNAME.json": ("discourse_about", "https://try.discourse.org/about.json", NOW, 200, {}),
    "mastodon_api-v2-instance.json": ("mastodon_instance", "https://mastodon.social/api/v2/instance", NOW, 200,
                                      {"active_users": "279347"}),
    "mastodon_api-v1-instance-activity.json": (
        "mastodon_activity", "https://mastodon.social/api/v1/instance/activity",
        datetime(2019, 11, 26, tzinfo=timezone.utc), 200,
        {"posts_30d": str(37125 + 244447 + 270615 + 309722 + 116227)}),  # the weeks from Oct 28
    "mastodon_api-v1-instance-activity_401-unauthorized.json": (
        "mastodon_activity", "https://mastodon.social/api/v1/instance/activity", NOW, 401, {}),
    "nodeinfo_2.1_example.json": ("nodeinfo", "https://pod.example/nodeinfo/2.1", NOW, 200,
                                  {"members": "123", "active_users": "23"}),
    "matrix_publicRooms_example.json": ("matrix_public_rooms", "https://matrix.org/_matrix/client/v3/publicRooms", NOW,
                                        200, {"members": "37", "access": "public"}),
    "reddit_r-announcements_about.json": (
        "reddit_about", "https://www.reddit.com/r/announcements/about.json", NOW, 200,
        {"members": "47456009", "online_members": "727", "access": "restricted",
         "created": "2009-06-17T16:28:21+00:00"}),
    "reddit_r-announcements_about-traffic_404.json": (
        "reddit_about", "https://www.reddit.com/r/announcements/about.json", NOW, 404, {}),
    "reddit_api-info_sr_name_listing.json": ("reddit_info", "https://www.reddit.com/api/info.json?sr_name=nl", NOW,
                                             200, {"members": "638", "access": "restricted",
                                                   "created": "2006-02-22T04:59:08+00:00"}),
    "reddit_subreddits-search_q-praw.json": ("reddit_info", "https://www.reddit.com/api/info.json?sr_name=praw_tester",
                                             NOW, 200, {"access": "private", "created": "2015-01-05T02:56:21+00:00"}),
    # Recorded on 2016-03-01: the page of 100 posts covers minutes, not 30 days, so no count.
    "reddit_r-askreddit_new.json": ("reddit_posts", "https://www.reddit.com/r/askreddit/new.json?limit=100",
                                    datetime(2016, 3, 2, tzinfo=timezone.utc), 200,
                                    {"newest_post": "2016-03-01T08:37:38+00:00"}),
    "activitypub_lemmy-community-group.json": ("activitypub_actor", "https://enterprise.lemmy.ml/c/tenforward", NOW,
                                               200, {}),
    "activitypub_lemmy-instance-application.json": ("activitypub_actor", "https://enterprise.lemmy.ml/", NOW, 200, {}),
    "activitypub_discourse-category-group.json": (
        "activitypub_actor", "https://socialhub.activitypub.rocks/ap/actor/797217cf18c0e819dfafc52425590146", NOW,
        200, {}),
    "activitypub_nodebb-category-group.json": ("activitypub_actor", "https://bb.devnull.land/category/2", NOW, 200, {}),
    "activitypub_peertube-channel-group.json": (
        "activitypub_actor", "https://tilvids.com/video-channels/thelinuxexperiment_channel", NOW, 200, {}),
}


def test_every_sample_in_the_fixtures_has_a_row():
    on_disk = {path.name for path in SAMPLES.glob("*.json")}
    assert on_disk == set(REAL_SAMPLES)
    sources = (SAMPLES / "SOURCES.md").read_text()
    assert all(f"`{name}`" in sources for name in on_disk)


@pytest.mark.parametrize("name", sorted(REAL_SAMPLES))
def test_each_real_answer_gives_the_signals_a_user_would_see(name):
    adapter, url, observed_at, status, expected = REAL_SAMPLES[name]
    profile = read(adapter, sample(name), url, observed_at, status)
    assert signals(profile) == expected
    assert all(signal.source_url == url and signal.observed_at == observed_at for signal in profile.signals)


def test_a_discord_invite_names_its_server_and_how_to_join():
    profile = read("discord_invite", sample("discord_invite-object_example.json"))
    assert (profile.name, profile.description) == ("CS:GO Fraggers Only", "Very good description")
    assert profile.platform is Platform.DISCORD and profile.join_type is JoinType.OPEN
    assert profile.join_url == "https://discord.com/invite/0vCdhLbwjZZTWZLD"


def test_an_unknown_invite_is_an_expired_one_but_other_discord_errors_say_nothing():
    expired = read("discord_invite", b'{"message": "Unknown Invite", "code": 10006}', status=404)
    assert signals(expired) == {"invite_valid": "false"}
    assert signals(read("discord_invite", sample("discord_error-response_example.json"), status=401)) == {}


def test_a_discord_invite_with_counts_and_an_expiry():
    invite = json.loads(sample("discord_invite-object_example.json"))
    invite |= {"approximate_member_count": 2048, "approximate_presence_count": 96,
               "expires_at": "2026-01-20T10:00:00+00:00"}
    assert signals(read("discord_invite", json.dumps(invite).encode())) == {
        "invite_valid": "true", "members": "2048", "online_members": "96",
        "invite_expires": "2026-01-20T10:00:00+00:00"}


def test_invite_metadata_gives_the_expiry_unless_the_invite_never_expires():
    metadata = json.loads(sample("discord_invite-metadata_example.json"))  # max_age 0: never
    invite = json.loads(sample("discord_invite-object_example.json"))
    assert "invite_expires" not in signals(read("discord_invite", json.dumps(invite | metadata).encode()))
    day_long = invite | metadata | {"max_age": 86400, "created_at": "2026-01-15T06:00:00+00:00"}
    expires = signals(read("discord_invite", json.dumps(day_long).encode()))["invite_expires"]
    assert expires == "2026-01-16T06:00:00+00:00"


def test_a_mastodon_server_describes_itself():
    profile = read("mastodon_instance", sample("mastodon_api-v2-instance.json"))
    assert profile.name == "Mastodon" and profile.language == "en" and profile.platform is Platform.MASTODON
    assert profile.description == "The original server operated by the Mastodon gGmbH non-profit"
    assert profile.join_type is JoinType.OPEN  # registrations enabled, no approval


def test_a_server_without_v2_is_asked_for_v1():
    result = parse("mastodon_instance", b'{"error": "Not Found"}', "https://old.example/api/v2/instance", NOW, 404)
    assert result.follow == (Endpoint("https://old.example/api/v1/instance", "mastodon_instance"),)
    v1 = {"uri": "old.example", "title": "Old", "short_description": "An old server", "registrations": False,
          "stats": {"user_count": 812, "status_count": 9000}, "languages": ["de"]}
    profile = read("mastodon_instance", json.dumps(v1).encode(), "https://old.example/api/v1/instance")
    assert (profile.name, profile.language, profile.join_type) == ("Old", "de", JoinType.INVITE_ONLY)
    assert signals(profile) == {"members": "812"}


def test_a_server_that_hides_its_activity_is_no_error():
    profile = read("mastodon_activity", sample("mastodon_api-v1-instance-activity_401-unauthorized.json"), status=401)
    assert profile.signals == () and profile.platform is Platform.MASTODON


def test_nodeinfo_is_found_through_its_well_known_document_on_the_same_site():
    links = {"links": [{"rel": "http://nodeinfo.diaspora.software/ns/schema/2.0", "href": "https://pod.example/n/2.0"},
                       {"rel": "http://nodeinfo.diaspora.software/ns/schema/2.1", "href": "https://pod.example/n/2.1"}]}
    result = parse("nodeinfo_discovery", json.dumps(links).encode(), "https://pod.example/.well-known/nodeinfo", NOW)
    assert result.follow == (Endpoint("https://pod.example/n/2.1", "nodeinfo"),)
    elsewhere = {"links": [{"rel": "http://nodeinfo.diaspora.software/ns/schema/2.1",
                            "href": "http://169.254.169.254/"}]}
    assert parse("nodeinfo_discovery", json.dumps(elsewhere).encode(), "https://pod.example/.well-known/nodeinfo",
                 NOW).follow == ()


@pytest.mark.parametrize(("software", "platform"), [("diaspora", None), ("lemmy", Platform.LEMMY),
                                                    ("mastodon", Platform.MASTODON), ("Discourse", Platform.DISCOURSE)])
def test_nodeinfo_software_tells_the_platform(software, platform):
    document = json.loads(sample("nodeinfo_2.1_example.json"))
    document["software"]["name"] = software
    profile = read("nodeinfo", json.dumps(document).encode())
    assert profile.platform is platform and profile.join_type is JoinType.OPEN


def test_a_lemmy_site_counts_users_and_monthly_actives():
    site = {"site_view": {"site": {"name": "Lemmy.world", "description": "A generic Lemmy server for everyone to use."},
                          "local_site": {"registration_mode": "RequireApplication", "private_instance": False},
                          "counts": {"users": 133664, "posts": 1, "users_active_month": 38189}},
            "all_languages": [{"id": 0, "code": "und"}, {"id": 37, "code": "en"}], "discussion_languages": [0, 37]}
    profile = read("lemmy_site", json.dumps(site).encode(), "https://lemmy.world/api/v3/site")
    assert (profile.name, profile.language, profile.join_type) == ("Lemmy.world", "en", JoinType.APPLICATION)
    assert signals(profile) == {"members": "133664", "active_users": "38189"}


def test_a_removed_lemmy_community_is_banned():
    body = {"community_view": {"community": {"name": "x", "title": "X", "removed": True}, "counts": {"subscribers": 3}}}
    assert signals(read("lemmy_community", json.dumps(body).encode())) == {"members": "3", "access": "banned"}


def test_activitypub_actors_name_their_community_but_their_update_time_is_no_post():
    community = read("activitypub_actor", sample("activitypub_lemmy-community-group.json"))
    assert community.name == "Ten Forward" and community.language == "fr"
    assert community.description.startswith("Lounge and recreation facility")
    instance = read("activitypub_actor", sample("activitypub_lemmy-instance-application.json"))
    assert (instance.name, instance.description) == ("Enterprise", "A test instance")


def test_a_public_matrix_room_from_the_directory():
    profile = read("matrix_public_rooms", sample("matrix_publicRooms_example.json"))
    assert (profile.name, profile.description, profile.join_type) == ("CHEESE", "Tasty tasty cheese", JoinType.OPEN)


def test_a_subreddit_names_itself():
    profile = read("reddit_about", sample("reddit_r-announcements_about.json"))
    assert (profile.name, profile.description, profile.language) == (
        "r/announcements", "Official Reddit announcements", "en")


def test_an_archived_subreddit_is_closed():
    profile = read("reddit_info", sample("reddit_api-info_sr_name_listing.json"),
                   "https://www.reddit.com/api/info.json?sr_name=reddit.com")
    assert signals(profile) == {"members": "865709", "access": "closed", "created": "2006-01-17T22:45:05+00:00"}


@pytest.mark.parametrize(("status", "body", "access"), [
    (403, {"reason": "private", "message": "Forbidden", "error": 403}, "private"),
    (404, {"reason": "banned", "message": "Not Found", "error": 404}, "banned"),
    (403, {"reason": "quarantined", "quarantine_message": "…", "message": "Forbidden", "error": 403}, "quarantined"),
])
def test_reddit_says_why_a_subreddit_cannot_be_seen(status, body, access):
    profile = read("reddit_about", json.dumps(body).encode(), status=status)
    assert signals(profile) == {"access": access} and profile.platform is Platform.REDDIT


def test_a_quarantined_subreddit_is_quarantined_whatever_its_type():
    about = json.loads(sample("reddit_r-announcements_about.json"))
    about["data"]["quarantine"] = True
    assert signals(read("reddit_about", json.dumps(about).encode()))["access"] == "quarantined"


def test_posts_of_the_last_30_days_are_counted_when_the_page_covers_them():
    listing = json.loads(sample("reddit_r-askreddit_new.json"))
    listing["data"]["after"] = None  # the last page: every post there is
    observed = datetime(2016, 3, 20, tzinfo=timezone.utc)
    got = signals(read("reddit_posts", json.dumps(listing).encode(), observed_at=observed))
    assert got == {"newest_post": "2016-03-01T08:37:38+00:00", "posts_30d": "100"}


# --- pages and feeds shaped like the real ones (the corpus holds none) -----------------------------

SLACK_JOIN = b"""<!DOCTYPE html><html lang="en-US"><head><title>Join Rust Lang Espanol on Slack | Slack</title></head>
<body><script>var boot_data = {"isSharedInviteError":%s,"teamName":"Rust Lang Espa\\u00f1ol"};</script></body></html>"""

TELEGRAM_GROUP = """<!DOCTYPE html><html><head><meta property="og:title" content="Python en Español">
<meta property="og:description" content="Grupo de Python"></head><body><div class="tgme_page">
<div class="tgme_page_title"><span dir="auto">Python en Español</span></div>
<div class="tgme_page_extra">12\u00a0345 members, 678 online</div></div></body></html>""".encode()

TELEGRAM_CHANNEL = b"""<html><head><meta property="og:title" content="Durov's Channel"></head><body>
<div class="tgme_channel_info_counter"><span class="counter_value">1.2M</span> <span class="counter_type">subscribers</span></div>
<div class="tgme_widget_message"><a class="tgme_widget_message_date" href="#"><time datetime="2026-01-10T08:00:00+00:00">08:00</time></a></div>
<div class="tgme_widget_message"><a class="tgme_widget_message_date" href="#"><time datetime="2030-01-01T00:00:00+00:00">00:00</time></a></div>
</body></html>"""

MEETUP = b"""<html lang="en"><head><title>Boulder Python | Meetup</title>
<script type="application/ld+json">[{"@context":"https://schema.org","@type":"Organization","name":"Boulder Python",
"url":"https://www.meetup.com/boulder-python/","description":"Pythonistas of Boulder"}]</script>
<script type="application/ld+json">[{"@type":"Event","name":"January hack night","startDate":"2026-01-20T18:30:00-07:00",
"url":"https://www.meetup.com/boulder-python/events/1/"},{"@type":"Event","name":"December talks",
"startDate":"2025-12-16T18:30:00-07:00","url":"https://www.meetup.com/boulder-python/events/0/"}]</script></head>
<body><a href="/boulder-python/members/">1,234 members</a> \xc2\xb7 Public group</body></html>"""


def test_a_slack_invite_that_works_and_one_that_does_not():
    live = read("slack_join", SLACK_JOIN % b"false", "https://join.slack.com/t/rust-es/shared_invite/zt-1")
    assert (live.name, signals(live), live.join_type) == ("Rust Lang Español", {"invite_valid": "true"}, JoinType.OPEN)
    assert signals(read("slack_join", SLACK_JOIN % b"true")) == {"invite_valid": "false"}


def test_a_telegram_group_counts_members_and_who_is_online():
    profile = read("telegram", TELEGRAM_GROUP, "https://t.me/pythonesp")
    assert (profile.name, profile.description) == ("Python en Español", "Grupo de Python")
    assert signals(profile) == {"members": "12345", "online_members": "678"}


def test_a_telegram_channel_preview_dates_its_newest_message_and_ignores_future_ones():
    assert signals(read("telegram", TELEGRAM_CHANNEL, "https://t.me/s/durov")) == {
        "members": "1200000", "newest_post": "2026-01-10T08:00:00+00:00"}


def test_a_meetup_group_lists_its_next_and_its_last_event():
    profile = read("meetup_group", MEETUP, "https://www.meetup.com/boulder-python/")
    assert (profile.name, profile.description) == ("Boulder Python", "Pythonistas of Boulder")
    assert [event.name for event in profile.events] == ["December talks", "January hack night"]
    assert signals(profile) == {"members": "1234", "access": "public", "newest_post": "2025-12-17T01:30:00+00:00",
                                "upcoming_event": "2026-01-21T01:30:00+00:00"}


def test_github_discussions_date_the_newest_discussion():
    page = b"""<ul><li><relative-time datetime="2025-12-02T10:00:00Z">Dec 2</relative-time></li>
<li><relative-time datetime="2026-01-03T09:00:00Z">Jan 3</relative-time></li></ul>"""
    assert signals(read("github_discussions", page)) == {"newest_post": "2026-01-03T09:00:00+00:00"}
    assert signals(read("github_discussions", page, status=404)) == {}


def test_a_hyperkitty_list_counts_its_month():
    page = b"""<section id="title"><h2>Python-ideas</h2><p id="description">Discussions of new ideas</p></section>
<ul class="list-stats list-unstyled"><li><i class="fa fa-user"></i>87 participants</li>
<li><i class="fa fa-comments"></i>41 discussions</li></ul>"""
    profile = read("hyperkitty_list", page, "https://mail.python.org/archives/list/python-ideas@python.org/")
    assert (profile.name, profile.description) == ("Python-ideas", "Discussions of new ideas")
    assert signals(profile) == {"active_users": "87", "posts_30d": "41"}


def test_a_pipermail_index_dates_the_newest_month():
    page = b"""<html><head><title>The Mailman-Users Archives</title></head><body><table>
<tr><td>November 2025:</td><td><A href="2025-November/thread.html">[ Thread ]</a></td></tr>
<tr><td>December 2025:</td><td><A href="2025-December/thread.html">[ Thread ]</a></td>
<td><A href="2025-December.txt.gz">[ Gzip'd Text 3 KB ]</a></td></tr>
<tr><td>March 2031:</td><td><A href="2031-March/thread.html">[ Thread ]</a></td></tr></table></body></html>"""
    profile = read("pipermail_index", page, "https://mail.python.org/pipermail/mailman-users/")
    assert profile.name == "Mailman-Users"
    assert signals(profile) == {"newest_post": "2025-12-01T00:00:00+00:00"}


def rss(times: list[datetime], extra: str = "") -> bytes:
    items = "".join(f"<item><title>t{i}</title><pubDate>{format_datetime(t, usegmt=True)}</pubDate>{extra}</item>"
                    for i, t in enumerate(times))
    return (f'<?xml version="1.0"?><rss version="2.0"><channel><title>Rust Users</title>'
            f"<description>Latest topics</description><language>en-us</language>{items}</channel></rss>").encode()


def test_a_feed_dates_its_newest_entry_and_counts_the_month_when_it_reaches_back_far_enough():
    times = [NOW - timedelta(days=days) for days in (2, 9, 20, 31, 50)]
    profile = read("feed", rss(times), "https://users.rust-lang.org/latest.rss")
    assert (profile.name, profile.description, profile.language) == ("Rust Users", "Latest topics", "en")
    assert signals(profile) == {"newest_feed_entry": (NOW - timedelta(days=2)).isoformat(), "posts_30d": "3"}
    assert "posts_30d" not in signals(read("feed", rss(times[:3])))  # maybe only the newest entries


def test_an_atom_feed_with_updated_entries_and_dates_out_of_range():
    atom = b"""<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom" xml:lang="fr">
<title>Club</title><subtitle>News</subtitle>
<entry><title>a</title><updated>2025-12-24T10:00:00Z</updated></entry>
<entry><title>b</title><published>2099-01-01T00:00:00Z</published></entry>
<entry><title>c</title><updated>1999-12-31T00:00:00Z</updated></entry></feed>"""
    profile = read("feed", atom)
    assert (profile.name, profile.description, profile.language) == ("Club", "News", "fr")
    assert signals(profile)["newest_feed_entry"] == "2025-12-24T10:00:00+00:00"


# --- hostile and wrong-shaped answers -------------------------------------------------------------

HOSTILE_BODIES = {
    "empty": b"", "not JSON": b"this is not json {", "HTML": b"<html><body><h1>Oops</h1></body></html>",
    "JSON null": b"null", "JSON list": b"[1, 2, 3]", "JSON string": b'"hello"',
    "wrong types": json.dumps({"about": [], "data": "x", "kind": "t5", "topic_list": {"topics": {"a": 1}},
                               "site_view": {"site": "x"}, "links": "x", "chunk": {}, "guild": "x", "code": []}).encode(),
    "numbers as nonsense": json.dumps({"kind": "t5", "data": {"subscribers": "many", "created_utc": 1e308,
                                                              "active_user_count": -5, "subreddit_type": []}}).encode(),
    "deep nesting": b"[" * 200_000 + b"]" * 200_000,
    "huge digits": b'{"usage": {"users": {"total": "' + b"9" * 5000 + b'"}}, "software": {"name": "x"}}',
    "truncated sample": sample("mastodon_api-v2-instance.json")[:5000],
    "invalid UTF-8": b"\xff\xfe\x00<\x00h\x00t\xc3\x28" * 1000,
    "3 MB of noise": bytes(range(256)) * 12_000,
    "a bare URL": b"https://example.org/",
    "a feed without dates": b'<?xml version="1.0"?><rss version="2.0"><channel><item/></channel></rss>',
}


@pytest.mark.parametrize("adapter", sorted(ADAPTERS))
@pytest.mark.parametrize("body_name", sorted(HOSTILE_BODIES))
def test_hostile_bodies_give_an_empty_profile(adapter, body_name):
    for status in (200, 403, 404, 500):
        result = parse(adapter, HOSTILE_BODIES[body_name], "https://example.org/x", NOW, status)
        assert isinstance(result, AdapterResult)
        assert result.profile.signals == () and result.follow == ()


def test_future_and_ancient_dates_are_no_evidence():
    topics = {"topic_list": {"topics": [{"last_posted_at": "2099-01-01T00:00:00Z"},
                                        {"last_posted_at": "1970-01-01T00:00:00Z"}, {"last_posted_at": "yesterday"}]}}
    assert signals(read("discourse_topics", json.dumps(topics).encode())) == {}
    listing = {"kind": "Listing", "data": {"after": None, "children": [{"kind": "t3", "data": {"created_utc": 0}}]}}
    assert signals(read("reddit_posts", json.dumps(listing).encode())) == {}


def test_a_3_mb_feed_is_read_up_to_the_bound_without_failing():
    times = [NOW - timedelta(hours=hours) for hours in range(1, 25)]
    padding = "<description>" + "x" * 4000 + "</description>"
    body = rss(times, padding) + b"<!--" + b"y" * 3_000_000 + b"-->"
    assert len(body) > 3_000_000
    assert signals(read("feed", body))["newest_feed_entry"] == times[0].isoformat()


@pytest.mark.parametrize("doctype", [
    # billion laughs: ten levels of ten references would be 10^9 copies of "lol"
    '<!DOCTYPE rss [<!ENTITY lol "lol">' + "".join(
        f'<!ENTITY lol{i} "{("&lol" + str(i - 1) + ";") * 10 if i > 1 else "&lol;" * 10}">' for i in range(1, 10))
    + "]>",
    '<!DOCTYPE rss [<!ENTITY secret SYSTEM "file:///etc/passwd">]>',
    '<!DOCTYPE rss [<!ENTITY % remote SYSTEM "http://169.254.169.254/dtd"> %remote;]>',
])
def test_feeds_that_declare_entities_are_refused_not_expanded(doctype):
    body = (f'<?xml version="1.0"?>{doctype}<rss version="2.0"><channel><title>&lol9;</title>'
            f"<item><pubDate>Mon, 12 Jan 2026 10:00:00 GMT</pubDate></item></channel></rss>").encode()
    profile = read("feed", body)
    assert profile.name == "" and profile.signals == ()


def test_a_truncated_feed_keeps_the_entries_before_the_cut():
    times = [NOW - timedelta(days=days) for days in (1, 2, 3)]
    whole = rss(times)
    cut = whole[:whole.index(b"<item>", whole.index(b"</item>")) + 20]  # in the middle of the second entry
    assert signals(read("feed", cut))["newest_feed_entry"] == times[0].isoformat()


def test_an_unknown_adapter_is_a_programming_error_that_names_the_known_ones():
    with pytest.raises(ValueError, match="reddit_about"):
        parse("myspace", b"{}", "https://example.org", NOW)


def test_naive_observation_times_are_taken_as_utc():
    profile = read("discourse_topics", sample("discourse_latest.json"),
                   observed_at=datetime(2014, 1, 1))
    assert signals(profile) == {"newest_post": "2013-11-06T18:57:48.111000+00:00"}


# --- which endpoints describe a community ---------------------------------------------------------

ENDPOINTS = [
    ("https://www.reddit.com/r/rust", Platform.REDDIT,
     [("https://www.reddit.com/r/rust/about.json", "reddit_about"),
      ("https://www.reddit.com/r/rust/new.json?limit=100", "reddit_posts")]),
    ("https://www.reddit.com/r/rust/comments/abc/x", Platform.REDDIT, []),
    ("https://discourse.jupyter.org", Platform.DISCOURSE,
     [("https://discourse.jupyter.org/about.json", "discourse_about"),
      ("https://discourse.jupyter.org/latest.json", "discourse_topics")]),
    ("https://forum.example.org/c/help/5", Platform.DISCOURSE,
     [("https://forum.example.org/about.json", "discourse_about"),
      ("https://forum.example.org/c/help/5/l/latest.json", "discourse_topics")]),
    ("https://lemmy.ml", Platform.LEMMY,
     [("https://lemmy.ml/api/v3/site", "lemmy_site"), ("https://lemmy.ml/.well-known/nodeinfo", "nodeinfo_discovery")]),
    ("https://lemmy.ml/c/linux", Platform.LEMMY, [("https://lemmy.ml/api/v3/community?name=linux", "lemmy_community")]),
    ("https://mastodon.social", Platform.MASTODON,
     [("https://mastodon.social/api/v2/instance", "mastodon_instance"),
      ("https://mastodon.social/api/v1/instance/activity", "mastodon_activity")]),
    ("https://social.lol/@techsav", Platform.MASTODON,
     [("https://social.lol/api/v1/accounts/lookup?acct=techsav", "mastodon_account"),
      ("https://social.lol/@techsav.rss", "feed")]),
    ("https://discord.com/invite/python", Platform.DISCORD,
     [("https://discord.com/api/v10/invites/python?with_counts=true", "discord_invite")]),
    ("https://join.slack.com/t/rust-es/shared_invite/zt-1", Platform.SLACK, []),  # the page is the answer
    ("http://rustlang-es.herokuapp.com", Platform.SLACK, []),
    ("https://t.me/pythonesp", Platform.TELEGRAM, [("https://t.me/s/pythonesp", "telegram")]),
    ("https://matrix.to/#/#rust:matrix.org", Platform.MATRIX,
     [("https://matrix.org/_matrix/client/v1/room_summary/%23rust%3Amatrix.org", "matrix_room")]),
    ("https://www.meetup.com/boulder-python", Platform.MEETUP, []),
    ("https://github.com/rust-lang", Platform.GITHUB,
     [("https://github.com/orgs/rust-lang/discussions", "github_discussions")]),
    ("https://github.com/rust-lang/rust", Platform.GITHUB,
     [("https://github.com/rust-lang/rust/discussions", "github_discussions")]),
    ("https://github.com/orgs/rust-lang/discussions", Platform.GITHUB, []),
    ("https://github.com/18f/devops/wiki/Home", Platform.GITHUB, []),
    ("https://groups.io/g/hamradio", Platform.MAILING_LIST, [("https://groups.io/g/hamradio/rss", "feed")]),
    ("https://groups.google.com/g/urug", Platform.MAILING_LIST, []),
    ("https://mail.python.org/archives/list/python-ideas@python.org", Platform.MAILING_LIST,
     [("https://mail.python.org/archives/list/python-ideas@python.org/feed/", "feed")]),
    ("https://mail.python.org/mailman/listinfo/mailman-users", Platform.MAILING_LIST,
     [("https://mail.python.org/pipermail/mailman-users/", "pipermail_index")]),
    ("mailto:list@example.org", Platform.MAILING_LIST, []),
    ("https://blog.example.org/feed.xml", Platform.WEBSITE, []),
    ("https://example.org", Platform.WEBSITE, [("https://example.org/sitemap.xml", "sitemap")]),
    ("https://forum.example.org/", Platform.FORUM, [("https://forum.example.org/sitemap.xml", "sitemap")]),
    ("https://example.org/community/", Platform.WEBSITE, []),  # a section of a site: its sitemap dates the host
]


@pytest.mark.parametrize(("url", "platform", "expected"), ENDPOINTS, ids=[row[0] for row in ENDPOINTS])
def test_endpoints_for_a_community(url, platform, expected):
    assert endpoints_for(url, platform) == [Endpoint(*pair) for pair in expected]
    assert all(endpoint.adapter in ADAPTERS for endpoint in endpoints_for(url, platform))


PAGE_ADAPTERS = [
    ("https://join.slack.com/t/rust-es/shared_invite/zt-1", Platform.SLACK, "slack_join"),
    ("https://rust-es.slack.com", Platform.SLACK, "slack_join"),
    ("https://t.me/pythonesp", Platform.TELEGRAM, "telegram"),
    ("https://t.me/pythonesp/", Platform.TELEGRAM, "telegram"),
    ("https://www.meetup.com/boulder-python", Platform.MEETUP, "meetup_group"),
    ("https://groups.google.com/g/urug", Platform.MAILING_LIST, "mailing_list_group"),
    ("https://blog.example.org/feed.xml", Platform.WEBSITE, "feed"),
    ("https://github.com/orgs/rust-lang/discussions", Platform.GITHUB, "github_discussions"),
    ("https://mail.python.org/archives/list/python-ideas@python.org", Platform.MAILING_LIST, "hyperkitty_list"),
    ("https://www.reddit.com/r/rust", Platform.REDDIT, None),
    ("https://example.org", Platform.WEBSITE, None),
    ("mailto:list@example.org", Platform.MAILING_LIST, None),
]


@pytest.mark.parametrize(("url", "platform", "adapter"), PAGE_ADAPTERS, ids=[row[0] for row in PAGE_ADAPTERS])
def test_a_page_that_is_a_platform_answer_is_read_by_its_adapter_not_fetched_twice(url, platform, adapter):
    assert page_adapter(url, platform) == adapter
    assert all(endpoint.url.rstrip("/") != url.rstrip("/") for endpoint in endpoints_for(url, platform))
