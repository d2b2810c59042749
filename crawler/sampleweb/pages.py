"""The bodies the sample web serves: community pages, platform API answers, error pages.

Shapes follow the real ones (the Discord invite object of the API docs, Discord's 10006 error,
Slack's shared-invite error flag, Cloudflare's challenge page) so the pipeline's detectors are
exercised on realistic input.
"""
from __future__ import annotations

import hashlib
import html
import json
from datetime import datetime, timedelta
from urllib.parse import quote, urlsplit

from crawler.sampleweb import page_facts, page_qualities
from crawler.sampleweb.behaviour import (LIVE_UNDERNEATH, PLATFORM_HOSTS, Behaviour, behaviour_of,
                                         shows_dated_posts)
from crawler.status.thresholds import DEFAULT_THRESHOLDS
from crawler.urls import canonicalize, platform_of

# Days before the sample web's "now" of a community's newest post, by behaviour.
_NEWEST_POST_AGE_DAYS = {
    Behaviour.LIVE_ACTIVE: (1, 10),
    Behaviour.LIVE_QUIET: (45, 150),
    Behaviour.DORMANT: (400, 900),
}


def _number(url: str, salt: str, low: int, high: int) -> int:
    digest = hashlib.sha256(f"{salt}:{url}".encode()).digest()
    return low + int.from_bytes(digest[:4], "big") % (high - low + 1)


display_name = page_facts.display_name


def member_count(url: str) -> int:
    return _number(url, "members", 200, 20_000)


def newest_post(url: str, behaviour: Behaviour, now: datetime) -> datetime:
    """When the community at url (any spelling of it: its page, its feed) posted last."""
    low, high = _NEWEST_POST_AGE_DAYS[behaviour]
    if behaviour is Behaviour.LIVE_QUIET:  # quiet is what the platform's thresholds call quiet (Meetup: 90–365 days)
        limits = DEFAULT_THRESHOLDS.activity_for(platform_of(url).value)
        low, high = limits.active_within_days + 15, limits.quiet_within_days - 30
    key = _spelling_free(url)
    return now - timedelta(days=_number(key, "age", low, high), hours=_number(key, "hour", 0, 23))


def _spelling_free(url: str) -> str:
    """One key for every spelling of a community's URL (http or https, trailing slash or not)."""
    try:
        return canonicalize(url).split("://", 1)[-1]
    except ValueError:
        return url


def post_times(url: str, behaviour: Behaviour, now: datetime) -> list[datetime]:
    """The five posts a community's home page lists, newest first."""
    newest = newest_post(url, behaviour, now)
    return [newest - timedelta(days=3 * i) for i in range(5)]


def undated_page(url: str) -> str:
    """A live page with no dated evidence of life (a chat room's landing page, say): no dates, no
    numbers a date finder could take for a year, but a description, a language and a way in."""
    facts = page_facts.facts_of(url)
    words = page_facts.WORDS[facts.language]
    return f"""<!doctype html>
<html{_lang(facts)}><head><meta charset="utf-8"><title>{_e(facts.name)}</title>
{_head_meta(facts)}</head>
<body><header>{_join_button(facts)}</header><main><h1>{_e(facts.name)}</h1>
<p>{_e(words.welcome.format(name=facts.name))}</p>{_statement(facts)}{_about(facts)}{_presences(facts)}</main>
<footer>{_conduct(facts)}</footer></body></html>"""


def community_page(url: str, behaviour: Behaviour, now: datetime, times: list[datetime] | None = None) -> str:
    """A community's home page listing its recent posts, each with a machine-readable date, and what
    a newcomer looks for: description, language, software, feed, how to join, rules, events, presences.
    times: the posts to list, newest first, when a script decides them (`scenarios`) rather than behaviour."""
    times = times or post_times(url, behaviour, now)
    facts = page_facts.facts_of(url, now, times[0])
    words = page_facts.WORDS[facts.language]
    posts = "\n".join(
        f'<li><a href="/t/{i}">{words.post} {i}</a> <time datetime="{moment.isoformat()}">{moment:%d %b %Y}</time></li>'
        for i, moment in enumerate(times))
    feed = (f'<link rel="alternate" type="application/atom+xml" title="{_e(facts.name)}" href="{_e(facts.feed)}">'
            if facts.feed else "")
    return f"""<!doctype html>
<html{_lang(facts)}{' id="XF"' if _telltale(facts, "XenForo") else ""}><head><meta charset="utf-8">
<title>{_e(facts.name)} — {_e(words.tagline)}</title>
{_head_meta(facts)}{_generator(facts)}{feed}{_events_json_ld(facts)}</head>
<body{' id="phpbb"' if _telltale(facts, "phpBB") else ""}>
<header><nav><a href="/">{_e(_HOME[facts.language])}</a> {_join_button(facts)}</nav></header>
<main><h1>{_e(facts.name)}</h1><p>{_e(words.welcome.format(name=facts.name))}</p>{_statement(facts)}{_about(facts)}
<h2>{_e(words.latest)}</h2>{'<div id="bbpress-forums">' if _telltale(facts, "bbPress") else ""}<ul class="posts">
{posts}
</ul>{"</div>" if _telltale(facts, "bbPress") else ""}
{_events(facts)}{_presences(facts)}</main>
{_comments(facts)}
<footer>{_conduct(facts)} {_shares(url)} {_powered_by(facts)}</footer></body></html>"""


def feed_answer(url: str, behaviour: Behaviour, now: datetime) -> tuple[int, dict[str, str], bytes] | None:
    """The answer for a community's feed URL (see `page_facts.feed_of`): its Atom feed if it has one,
    a 404 if it has none; None when url is no feed URL or its community is not live (the app then
    fails the URL as it fails the community's pages). behaviour is the URL's, drawn and flipped."""
    community = page_facts.community_of_feed(url)
    if not community:
        return None
    own = behaviour_of(community)
    own = behaviour if own is Behaviour.FLAKY or own in LIVE_UNDERNEATH else own
    if own not in _NEWEST_POST_AGE_DAYS:
        return None
    newest = newest_post(community, own, now) if shows_dated_posts(community) else None
    if not page_facts.facts_of(community, now, newest).feed:
        return 404, {"content-type": "text/html; charset=utf-8"}, NOT_FOUND_PAGE.encode()
    return 200, {"content-type": "application/atom+xml; charset=utf-8"}, feed(community, own, now).encode()


def feed(url: str, behaviour: Behaviour, now: datetime, times: list[datetime] | None = None) -> str:
    """The community's Atom feed: the posts its home page lists (times, when a script decides them)."""
    facts = page_facts.facts_of(url)
    times = times or post_times(url, behaviour, now)
    entries = "\n".join(
        f"<entry><title>{_e(page_facts.WORDS[facts.language].post)} {i}</title><id>{_e(url)}/t/{i}</id>"
        f'<link href="{_e(url)}/t/{i}"/><updated>{moment.isoformat()}</updated></entry>'
        for i, moment in enumerate(times))
    return f"""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>{_e(facts.name)}</title><id>{_e(url)}</id>
<link href="{_e(url)}"/><updated>{times[0].isoformat()}</updated>
{entries}
</feed>"""


SITEMAP_PATH = "/sitemap.xml"


def sitemap_answer(url: str, behaviour: Behaviour, now: datetime) -> tuple[int, dict[str, str], bytes] | None:
    """A live own site's /sitemap.xml, dated by the posts of its home page; None for any other URL, and
    for a site that is not live (the app then answers it as it answers any path there). behaviour is the
    URL's, drawn and flipped (a flaky site that answers this time is live)."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if parts.path != SITEMAP_PATH or parts.query or behaviour not in _NEWEST_POST_AGE_DAYS or _on_a_platform(host):
        return None
    home = f"https://{host}/"
    times = post_times(home, behaviour, now) if shows_dated_posts(home) else []
    return 200, {"content-type": "application/xml; charset=utf-8"}, sitemap(home, times).encode()


def _on_a_platform(host: str) -> bool:
    """Shared platform hosts (reddit.com, team.slack.com …) are no community's own site."""
    return host in PLATFORM_HOSTS or host.endswith(".slack.com")


def sitemap(home: str, times: list[datetime]) -> str:
    """A sitemaps.org urlset: the home page and the posts it lists, each with its <lastmod>, so the newest
    lastmod is the newest post; without times (a page with no dated posts) the same pages, undated."""
    home = home.rstrip("/") + "/"
    entries = [(home, times[0] if times else None)]
    entries += [(f"{home}t/{i}", moment) for i, moment in enumerate(times)] or [(f"{home}privacy", None)]
    urls = "\n".join(f"<url><loc>{_e(loc)}</loc>{f'<lastmod>{moment.isoformat()}</lastmod>' if moment else ''}</url>"
                     for loc, moment in entries)
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
{urls}
</urlset>"""


# --- the parts of a community page ----------------------------------------------------------------


def _e(text: str) -> str:
    return html.escape(text, quote=True)


_HOME = {"en": "Home", "es": "Inicio", "de": "Startseite", "fr": "Accueil", "pt": "Início"}
_REGIONS = {"en": "en_US", "es": "es_ES", "de": "de_DE", "fr": "fr_FR", "pt": "pt_BR"}
_GENERATORS = {"Discourse": "Discourse 3.2.1 - https://github.com/discourse/discourse version 0f3a9c2",
               "phpBB": "phpBB 3.3.11", "vBulletin": "vBulletin 5.7.5", "NodeBB": "NodeBB",
               "Flarum": "Flarum 1.8", "MyBB": "MyBB 1.8.38"}
_POWERED_BY = {"Discourse": "https://www.discourse.org", "phpBB": "https://www.phpbb.com/",
               "XenForo": "https://xenforo.com", "vBulletin": "https://www.vbulletin.com",
               "NodeBB": "https://nodebb.org", "Flarum": "https://flarum.org", "MyBB": "https://mybb.com",
               "bbPress": "https://bbpress.org"}


def _lang(facts: page_facts.PageFacts) -> str:
    return f' lang="{facts.language}"' if facts.declares_language else ""


# Where some community pages say they are (geo.region, ISO 3166-2 or 3166-1): a quarter of them, the rest say nothing,
# as most online communities do. The demo's search shows these beside the places the lists' sections give.
PAGE_PLACES = ("US-CO", "DE-BE", "CA-ON", "AU-VIC", "JM", "GB-SCT", "IN-KA", "BR-SP")


def page_place(url: str) -> str:
    """The geo.region a community page declares, or "" for the three in four that declare none."""
    index = int.from_bytes(hashlib.sha256(f"place:{url}".encode()).digest()[:4], "big") % (4 * len(PAGE_PLACES))
    return PAGE_PLACES[index] if index < len(PAGE_PLACES) else ""


def _head_meta(facts: page_facts.PageFacts) -> str:
    locale = f'<meta property="og:locale" content="{_REGIONS[facts.language]}">' if facts.declares_language else ""
    place = page_place(facts.url)
    locale += f'<meta name="geo.region" content="{place}">' if place else ""
    organisation = {"@context": "https://schema.org", "@type": "Organization", "name": facts.name,
                    "description": facts.description, "url": facts.url, "keywords": ", ".join(facts.topics),
                    **({"inLanguage": facts.language} if facts.declares_language else {}),
                    **({"sameAs": [link for link in facts.presences if link.startswith("https://")]}
                       if facts.presences else {})}
    json_ld = (f'<script type="application/ld+json">{_json(organisation)}</script>' if facts.json_ld else "")
    return f"""<meta name="description" content="{_e(facts.description)}">
<meta property="og:site_name" content="{_e(facts.name)}"><meta property="og:title" content="{_e(facts.name)}">
<meta property="og:description" content="{_e(facts.description)}">{locale}
<meta name="keywords" content="{_e(", ".join(facts.topics))}">{json_ld}
"""


def _json(payload: object) -> str:
    return json.dumps(payload, ensure_ascii=False).replace("</", "<\\/")


def _telltale(facts: page_facts.PageFacts, software: str) -> bool:
    return facts.software == software and facts.shown_by == "markup"


def _generator(facts: page_facts.PageFacts) -> str:
    if facts.software and facts.shown_by == "generator":
        return f'<meta name="generator" content="{_e(_GENERATORS[facts.software])}">'
    return ""


def _powered_by(facts: page_facts.PageFacts) -> str:
    if not facts.software:
        return ""
    home = _POWERED_BY[facts.software]
    if (urlsplit(facts.url).hostname or "").endswith((urlsplit(home).hostname or "").removeprefix("www.")):
        return ""  # the software's own forum (meta.discourse.org) does not advertise it: that link is its own site
    return f'<a href="{home}">Powered by {_e(facts.software)}</a>'


def _join_button(facts: page_facts.PageFacts) -> str:
    if not facts.join_text:
        return ""
    return f'<a class="button" href="{_e(facts.join_url)}">{_e(facts.join_text)}</a>'


def _statement(facts: page_facts.PageFacts) -> str:
    return f"<p><strong>{_e(facts.statement)}</strong></p>" if facts.statement else ""


def _conduct(facts: page_facts.PageFacts) -> str:
    """The footer: its code of conduct, wiki, recordings and moderators where it has them, and its privacy page."""
    link = f'<a href="{_e(facts.code_of_conduct)}">{_e(facts.conduct_text)}</a> · ' if facts.code_of_conduct else ""
    return f'{link}{page_qualities.links(facts.qualities, facts.language)}<a href="/privacy">Privacy</a>'


def _about(facts: page_facts.PageFacts) -> str:
    return page_qualities.about(facts.qualities, facts.language)


_PRESENCE_NAMES = {"discord.gg": "Discord", "reddit.com": "Reddit", "meetup.com": "Meetup",
                   "join.slack.com": "Slack", "t.me": "Telegram", "matrix.to": "Matrix",
                   "mastodon.social": "Mastodon", "github.com": "GitHub", "mailto:": "Mailing list",
                   "linkedin.com": "LinkedIn", "facebook.com": "Facebook", "forum.": "Forum"}


def _presences(facts: page_facts.PageFacts) -> str:
    if not facts.presences:
        return ""
    names = [next((name for key, name in _PRESENCE_NAMES.items() if key in link), "Web") for link in facts.presences]
    items = "".join(f'<li><a href="{_e(link)}">{name}</a></li>' for link, name in zip(facts.presences, names))
    return f'<ul class="elsewhere">{items}</ul>'


def _shares(url: str) -> str:
    """Share buttons: links to platforms that are no presence of the community."""
    target = quote(url, safe="")
    return (f'<a href="https://twitter.com/intent/tweet?url={target}">Tweet</a> '
            f'<a href="https://www.facebook.com/sharer/sharer.php?u={target}">Share</a> '
            f'<a href="https://www.reddit.com/submit?url={target}">Reddit</a>')


def _comments(facts: page_facts.PageFacts) -> str:
    """What a visitor posted under the page: their links are no presence of the community."""
    if not facts.declares_language or page_facts.draw(facts.url, "comments", 2):
        return ""
    other = page_facts.slug(facts.url).replace("-", "")[:12] or "other"
    return (f'<section class="comments"><article class="comment"><p>Great, see you there! My own group: '
            f'<a href="https://discord.gg/{other}Xyz">our server</a>, and '
            f'<a href="https://forum.{other}-unrelated.example/">Forum</a>.</p></article></section>')


def _events(facts: page_facts.PageFacts) -> str:
    """Upcoming events (and one held before the newest post) as h-event microformats or a plain list."""
    listed = [*facts.events, *([facts.past_event] if facts.past_event else [])]
    if not listed or facts.event_markup == "json-ld":
        return ""
    words = page_facts.WORDS[facts.language]
    if facts.event_markup == "h-event":
        items = "".join(f'<li class="h-event"><a class="p-name u-url" href="{_e(event.url)}">{_e(event.name)}</a> '
                        f'<time class="dt-start" datetime="{event.starts_at.isoformat()}">'
                        f"{event.starts_at:%d %b %Y %H:%M}</time></li>" for event in listed)
    else:
        items = "".join(f'<li><a href="{_e(event.url)}">{_e(event.name)}</a> '
                        f'<time class="event-start" datetime="{event.starts_at.isoformat()}">'
                        f"{event.starts_at:%d %b %Y %H:%M}</time></li>" for event in listed)
    return f'<section class="events"><h2>{_e(words.events)}</h2><ul>{items}</ul></section>'


def _events_json_ld(facts: page_facts.PageFacts) -> str:
    listed = [*facts.events, *([facts.past_event] if facts.past_event else [])]
    if not listed or facts.event_markup != "json-ld":
        return ""
    events = [{"@context": "https://schema.org", "@type": "Event", "name": event.name,
               "startDate": event.starts_at.isoformat(), "url": event.url} for event in listed]
    return f'<script type="application/ld+json">{_json(events)}</script>'


def invite_page(url: str) -> str:
    """Discord serves one single-page app for every invite, live or not: only the API tells."""
    return """<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Discord</title>
<meta property="og:title" content="Join the server on Discord!"></head><body><div id="app-mount"></div></body></html>"""


def slack_invite_page(url: str, expired: bool) -> str:
    workspace = html.escape(urlsplit(url).path.split("/")[2] if "/t/" in url else urlsplit(url).hostname or "")
    boot = json.dumps({"isSharedInviteError": expired, "teamName": workspace})
    return f"""<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Join {workspace} on Slack</title>
<meta name="description" content="Join the {workspace} workspace on Slack."></head>
<body><script>var boot_data = {boot};</script><h1>{workspace}</h1></body></html>"""


def discord_invite_json(url: str, code: str, behaviour: Behaviour) -> dict:
    """Shaped like the invite object in Discord's API docs, with counts (with_counts=true)."""
    members = member_count(url)
    presence = {
        Behaviour.LIVE_ACTIVE: max(10, members // 7),
        Behaviour.LIVE_QUIET: max(1, members // 400),
        Behaviour.DORMANT: 0,
    }.get(behaviour, members // 10)
    return {
        "type": 0,
        "code": code,
        "guild": {"id": str(_number(url, "gid", 10**17, 10**18)), "name": f"Server {code}",
                  "description": f"The {code} community", "features": ["COMMUNITY"],
                  "verification_level": 1, "nsfw_level": 0},
        "channel": {"id": str(_number(url, "cid", 10**17, 10**18)), "name": "welcome", "type": 0},
        "approximate_member_count": members,
        "approximate_presence_count": presence,
    }


DISCORD_UNKNOWN_INVITE = {"message": "Unknown Invite", "code": 10006}

PARKED_PAGE = """<!doctype html><html><head><title>This domain may be for sale</title></head>
<body><h1>This domain may be for sale!</h1><p>Buy this domain.</p>
<script src="https://img.sedoparking.com/js/park.js"></script></body></html>"""

BOT_WALL_PAGE = """<!doctype html><html lang="en-US"><head><title>Just a moment...</title></head>
<body><div id="challenge-running">Checking if the site connection is secure</div></body></html>"""

def soft_not_found_page(host: str, path: str) -> str:
    """What a broken CMS answers with 200 for any path: a "Page not found" page in the site's chrome,
    the same for every path but the path it echoes, so only a comparison with a random path tells."""
    site = _e(host.removeprefix("www."))
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Page not found – {site}</title>
<meta name="robots" content="noindex"></head>
<body><header><a class="logo" href="/">{site}</a><nav><a href="/">Home</a> <a href="/about">About</a>
<a href="/contact">Contact</a></nav><form action="/search"><input name="q" placeholder="Search"></form></header>
<main><h1>Page not found</h1><p>Sorry, we could not find <code>{_e(path)}</code>. It may have been moved or
deleted.</p><p><a href="/">Back to the home page</a></p></main>
<footer>© {site} · <a href="/privacy">Privacy</a></footer></body></html>"""


NOT_FOUND_PAGE = "<!doctype html><html><head><title>404 Not Found</title></head><body><h1>Not Found</h1></body></html>"
GONE_PAGE = "<!doctype html><html><head><title>410 Gone</title></head><body><h1>This community has closed.</h1></body></html>"
ERROR_PAGE = "<!doctype html><html><head><title>Server error</title></head><body><h1>Something went wrong</h1></body></html>"
