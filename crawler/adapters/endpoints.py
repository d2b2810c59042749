"""Which public URLs to fetch for a community, by platform, and which adapter reads each answer."""
from __future__ import annotations

from collections.abc import Callable
from urllib.parse import SplitResult, quote, urlsplit

from crawler.adapters.base import Endpoint
from crawler.models import Platform, Profile
from crawler.platforms import DISCORD_INVITE, MATRIX_ROOM, probe_url
from crawler.urls import canonicalize

FEED = "feed"
SITEMAP = "sitemap"
MAX_FEEDS_PER_COMMUNITY = 2  # a site's main feed and its comments or events feed; more repeat them
FEED_SUFFIXES = (".rss", ".atom")
FEED_NAMES = frozenset({"feed", "rss", "atom", "feed.xml", "rss.xml", "atom.xml", "index.xml", "feed.atom"})
MEETUP_SECTIONS = frozenset({"pro", "topics", "cities", "find"})
SLACK_SERVICE_HOSTS = frozenset({"slack.com", "www.slack.com", "app.slack.com", "api.slack.com"})


def endpoints_for(canonical_url: str, platform: Platform) -> list[Endpoint]:
    """The public URLs beyond the community's own page that describe it; [] when there are none.

    The page itself (a Slack join page, a t.me preview, a Meetup group, a feed listed as the
    community) is never among them: the spider fetches it anyway, and `page_adapter` names the
    adapter that reads it.
    """
    page = _page_keys(canonical_url)
    return [endpoint for endpoint in _all_endpoints(canonical_url, platform) if _key(endpoint.url) not in page]


def after_page(page: Profile, listed_as: Platform) -> list[Endpoint]:
    """What a community's page leads to: its platform's endpoints, when the page reveals a platform
    other than the one it is listed as (a Discourse forum behind a plain address), and its feeds."""
    revealed = endpoints_for(page.url, page.platform) if page.platform and page.platform is not listed_as else []
    return revealed + [Endpoint(feed, FEED) for feed in page.feeds[:MAX_FEEDS_PER_COMMUNITY]]


def page_adapter(canonical_url: str, platform: Platform) -> str | None:
    """The adapter that reads the community's own page, where that page is a platform's answer."""
    page = _page_keys(canonical_url)
    if is_feed_url(canonical_url):
        return FEED
    return next((endpoint.adapter for endpoint in _all_endpoints(canonical_url, platform)
                 if _key(endpoint.url) in page), None)


def _all_endpoints(url: str, platform: Platform) -> list[Endpoint]:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname or is_feed_url(url):
        return []
    build = _BUILDERS.get(platform)
    return build(url, parts) if build else []


def _key(url: str) -> str:
    return url.rstrip("/")


def _page_keys(url: str) -> set[str]:
    """The spellings of the page the spider fetches for the community (as given, and canonical)."""
    try:
        return {_key(url), _key(canonicalize(url))}
    except ValueError:
        return {_key(url)}


def is_feed_url(url: str) -> bool:
    path = urlsplit(url).path.lower()
    return path.endswith(FEED_SUFFIXES) or path.rstrip("/").rsplit("/", 1)[-1] in FEED_NAMES


def _root(parts: SplitResult) -> str:
    return f"{parts.scheme}://{parts.netloc}"


def _segments(parts: SplitResult) -> list[str]:
    return [segment for segment in parts.path.split("/") if segment]


def _own_site(url: str, parts: SplitResult) -> list[Endpoint]:
    """The site's sitemap, when the community is the whole site: a sitemap dates every page of its
    origin, so for a page deeper in (a profile on a social network, a section of someone else's
    site) it would date the host, not the community."""
    if parts.path not in ("", "/") or parts.query:
        return []
    return [Endpoint(f"{_root(parts)}/sitemap.xml", SITEMAP)]


def _discord(url: str, parts: SplitResult) -> list[Endpoint]:
    return [Endpoint(probe_url(url), "discord_invite")] if DISCORD_INVITE.match(url) else []


def _slack(url: str, parts: SplitResult) -> list[Endpoint]:
    host = parts.hostname or ""
    on_slack = host == "join.slack.com" or (host.endswith(".slack.com") and host not in SLACK_SERVICE_HOSTS)
    return [Endpoint(url, "slack_join")] if on_slack else []


def _discourse(url: str, parts: SplitResult) -> list[Endpoint]:
    root, segments = _root(parts), _segments(parts)
    about = Endpoint(f"{root}/about.json", "discourse_about")
    if segments[:1] == ["c"] and len(segments) > 1:  # a category: /c/SLUG/ID
        return [about, Endpoint(f"{root}{parts.path}/l/latest.json", "discourse_topics")]
    return [about, Endpoint(f"{root}/latest.json", "discourse_topics")]


def _mastodon(url: str, parts: SplitResult) -> list[Endpoint]:
    root, segments = _root(parts), _segments(parts)
    if segments and segments[0].startswith("@") and len(segments[0]) > 1:  # an account: a group, a community
        account = segments[0][1:]
        return [Endpoint(f"{root}/api/v1/accounts/lookup?acct={quote(account, safe='@.')}", "mastodon_account"),
                Endpoint(f"{root}/@{quote(account, safe='@.')}.rss", FEED)]
    return [Endpoint(f"{root}/api/v2/instance", "mastodon_instance"),
            Endpoint(f"{root}/api/v1/instance/activity", "mastodon_activity")]


def _lemmy(url: str, parts: SplitResult) -> list[Endpoint]:
    root, segments = _root(parts), _segments(parts)
    if segments[:1] == ["c"] and len(segments) > 1:  # a community: /c/NAME
        return [Endpoint(f"{root}/api/v3/community?name={quote(segments[1], safe='@.')}", "lemmy_community")]
    return [Endpoint(f"{root}/api/v3/site", "lemmy_site"),
            Endpoint(f"{root}/.well-known/nodeinfo", "nodeinfo_discovery")]


def _reddit(url: str, parts: SplitResult) -> list[Endpoint]:
    segments = _segments(parts)
    if len(segments) != 2 or segments[0] != "r":
        return []  # a thread or a user: not a community
    base = f"https://www.reddit.com/r/{segments[1]}"
    return [Endpoint(f"{base}/about.json", "reddit_about"), Endpoint(f"{base}/new.json?limit=100", "reddit_posts")]


def _telegram(url: str, parts: SplitResult) -> list[Endpoint]:
    segments = _segments(parts)
    if not segments:
        return []
    if segments[0].startswith("+") or segments[0] == "joinchat":  # a private group's invite
        return [Endpoint(url, "telegram")]
    # t.me/NAME previews any public chat; t.me/s/NAME adds a channel's newest messages
    return [Endpoint(f"https://t.me/{segments[0]}", "telegram"), Endpoint(f"https://t.me/s/{segments[0]}", "telegram")]


def _matrix(url: str, parts: SplitResult) -> list[Endpoint]:
    return [Endpoint(probe_url(url), "matrix_room")] if MATRIX_ROOM.match(url) else []


def _meetup(url: str, parts: SplitResult) -> list[Endpoint]:
    segments = _segments(parts)
    if len(segments) != 1 or segments[0] in MEETUP_SECTIONS:
        return []
    return [Endpoint(f"https://www.meetup.com/{segments[0]}/", "meetup_group")]


def _github(url: str, parts: SplitResult) -> list[Endpoint]:
    """An organisation's or a repository's discussions; a deeper page (a wiki, a file) is not the community."""
    segments = _segments(parts)
    if segments[:1] == ["orgs"] and len(segments) in (2, 3) and segments[2:] in ([], ["discussions"]):
        segments = segments[1:2]
    elif segments[2:] == ["discussions"]:
        segments = segments[:2]
    if len(segments) == 1:
        return [Endpoint(f"https://github.com/orgs/{segments[0]}/discussions", "github_discussions")]
    if len(segments) == 2:
        return [Endpoint(f"https://github.com/{segments[0]}/{segments[1]}/discussions", "github_discussions")]
    return []


def _mailing_list(url: str, parts: SplitResult) -> list[Endpoint]:
    root, segments, host = _root(parts), _segments(parts), parts.hostname or ""
    if host in ("groups.google.com", "groups.io") and "g" in segments[:3] and segments[-1] != "g":
        group_path = "/".join(segments[:segments.index("g") + 2])
        page = Endpoint(f"{root}/{group_path}", "mailing_list_group")
        return [page, Endpoint(f"{root}/{group_path}/rss", FEED)] if host == "groups.io" else [page]
    if "list" in segments and segments.index("list") > 0 and segments[segments.index("list") - 1] in (
            "archives", "hyperkitty"):  # Mailman 3: /archives/list/NAME@HOST/
        at = segments.index("list")
        listing = f"{root}/{'/'.join(segments[:at + 2])}/"
        return [Endpoint(listing, "hyperkitty_list"), Endpoint(f"{listing}feed/", FEED)]
    if "listinfo" in segments and segments.index("listinfo") + 1 < len(segments):  # Mailman 2
        name = segments[segments.index("listinfo") + 1]
        return [Endpoint(f"{root}/pipermail/{name}/", "pipermail_index")]
    if segments[:1] == ["pipermail"] and len(segments) > 1:
        return [Endpoint(f"{root}/pipermail/{segments[1]}/", "pipermail_index")]
    return []


_BUILDERS: dict[Platform, Callable[[str, SplitResult], list[Endpoint]]] = {
    Platform.DISCORD: _discord, Platform.SLACK: _slack, Platform.DISCOURSE: _discourse,
    Platform.MASTODON: _mastodon, Platform.LEMMY: _lemmy, Platform.REDDIT: _reddit,
    Platform.TELEGRAM: _telegram, Platform.MATRIX: _matrix, Platform.MEETUP: _meetup,
    Platform.GITHUB: _github, Platform.MAILING_LIST: _mailing_list,
    Platform.WEBSITE: _own_site, Platform.FORUM: _own_site,
}
