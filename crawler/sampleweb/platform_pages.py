"""The platforms' public pages and feeds on the sample web (Telegram previews, Meetup group pages,
GitHub Discussions, HyperKitty and pipermail archives, RSS), and the simulated history they share
with `platform_api`: a community's newest post is `pages.newest_post`, older ones follow at a
spacing that makes an active community's listing reach back past 30 days.

Every function here serves a live community (active, quiet or dormant); `platform_api.answer`
sends the other behaviours to the app's usual pages.
"""
from __future__ import annotations

import hashlib
import html
import json
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime

from crawler.sampleweb import pages
from crawler.sampleweb.behaviour import Behaviour

Answer = tuple[int, dict[str, str], bytes]
LISTED_POSTS = 25
# Days between consecutive posts, by behaviour.
_POST_SPACING_DAYS = {Behaviour.LIVE_ACTIVE: 2, Behaviour.LIVE_QUIET: 9, Behaviour.DORMANT: 30}


# --- the simulated history -----------------------------------------------------------------------


def pick(url: str, salt: str, low: int, high: int) -> int:
    digest = hashlib.sha256(f"{salt}:{url}".encode()).digest()
    return low + int.from_bytes(digest[:4], "big") % (high - low + 1)


def post_times(community: str, behaviour: Behaviour, now: datetime, count: int = LISTED_POSTS) -> list[datetime]:
    """The community's newest posts, newest first; the first is `pages.newest_post`."""
    newest = pages.newest_post(community, behaviour, now)
    spacing = timedelta(days=_POST_SPACING_DAYS[behaviour], hours=pick(community, "spacing", 0, 11))
    return [newest - spacing * i for i in range(count)]


def posts_in_30_days(community: str, behaviour: Behaviour, now: datetime) -> int:
    return sum(1 for moment in post_times(community, behaviour, now) if moment >= now - timedelta(days=30))


def online(community: str, behaviour: Behaviour) -> int:
    """Present right now, as in the Discord invite API's presence count: nobody in a dormant community."""
    members = pages.member_count(community)
    return {Behaviour.LIVE_ACTIVE: max(10, members // 7), Behaviour.LIVE_QUIET: max(1, members // 400)}.get(
        behaviour, 0)


def monthly_actives(community: str, behaviour: Behaviour) -> int:
    """Active in the last month: only an active community has any (quiet ones have not posted for 45+ days)."""
    return max(5, pages.member_count(community) // 20) if behaviour is Behaviour.LIVE_ACTIVE else 0


def iso(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).isoformat().replace("+00:00", "Z")


def json_answer(status: int, payload: object, **headers: str) -> Answer:
    return status, {"content-type": "application/json; charset=utf-8", **headers}, json.dumps(payload).encode()


def html_answer(body: str) -> Answer:
    return 200, {"content-type": "text/html; charset=utf-8"}, body.encode()


def rss(link: str, title: str, times: list[datetime]) -> Answer:
    items = "\n".join(f"<item><title>Post {i}</title><link>{html.escape(link)}/{i}</link>"
                      f"<pubDate>{format_datetime(moment, usegmt=True)}</pubDate></item>"
                      for i, moment in enumerate(times))
    body = f"""<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel><title>{html.escape(title)}</title><link>{html.escape(link)}</link>
<description>Posts of {html.escape(title)}</description><language>en</language>
{items}
</channel></rss>"""
    return 200, {"content-type": "application/rss+xml; charset=utf-8"}, body.encode()


def _last_segment(url: str) -> str:
    return url.rstrip("/").rsplit("/", 1)[-1]


# --- Telegram ------------------------------------------------------------------------------------


def telegram_preview(chat: str, behaviour: Behaviour, now: datetime) -> Answer:
    """t.me/NAME: every simulated chat is a public channel, so its preview counts subscribers."""
    name = _last_segment(chat)
    subscribers = f"{pages.member_count(chat):,}".replace(",", " ")
    return html_answer(f"""<!DOCTYPE html><html><head><meta charset="utf-8"><title>Telegram: Contact @{name}</title>
<meta property="og:title" content="{name.title()}"><meta property="og:site_name" content="Telegram">
<meta property="og:description" content="News and talk of the {name} community."></head><body>
<div class="tgme_page"><div class="tgme_page_title" dir="auto"><span dir="auto">{name.title()}</span></div>
<div class="tgme_page_extra">{subscribers} subscribers</div>
<div class="tgme_page_description" dir="auto">News and talk of the {name} community.</div>
<a class="tgme_page_context_link" href="/s/{name}">Preview channel</a></div></body></html>""")


def channel_messages(chat: str, behaviour: Behaviour, now: datetime) -> Answer:
    """t.me/s/NAME: the channel's newest messages, oldest first as Telegram shows them."""
    name = _last_segment(chat)
    messages = "\n".join(
        f'<div class="tgme_widget_message" data-post="{name}/{100 - i}"><div class="tgme_widget_message_text">'
        f'Message {100 - i}</div><a class="tgme_widget_message_date" href="https://t.me/{name}/{100 - i}">'
        f'<time datetime="{moment.isoformat()}" class="time">{moment:%H:%M}</time></a></div>'
        for i, moment in reversed(list(enumerate(post_times(chat, behaviour, now, 20)))))
    return html_answer(f"""<!DOCTYPE html><html><head><meta charset="utf-8"><title>{name.title()} – Telegram</title>
<meta property="og:title" content="{name.title()}"><meta property="og:description" content="News and talk of the {name} community.">
</head><body><div class="tgme_channel_info"><div class="tgme_channel_info_counters"><div class="tgme_channel_info_counter">
<span class="counter_value">{pages.member_count(chat)}</span> <span class="counter_type">subscribers</span></div></div></div>
<section class="tgme_channel_history">{messages}</section></body></html>""")


# --- Meetup, GitHub ------------------------------------------------------------------------------


# Where Meetup groups meet (schema.org PostalAddress parts); a group past the end of the list says nothing.
MEETUP_PLACES = (("Denver", "CO", "US"), ("Birmingham", "AL", "US"), ("Berlin", "", "DE"), ("Kingston", "", "JM"),
                 ("Toronto", "ON", "CA"), ("Lagos", "", "NG"))


def meetup_place(group: str) -> dict | None:
    """The JSON-LD location of a Meetup group: one of MEETUP_PLACES for two groups in three."""
    index = pick(group, "place", 0, len(MEETUP_PLACES) * 4 // 3)
    if index >= len(MEETUP_PLACES):
        return None
    locality, region, country = MEETUP_PLACES[index]
    address = {"@type": "PostalAddress", "addressLocality": locality, "addressCountry": country,
               **({"addressRegion": region} if region else {})}
    return {"@type": "Place", "name": locality, "address": address}


def meetup_page(group: str, behaviour: Behaviour, now: datetime) -> Answer:
    """A group page with JSON-LD: the group (and, for most, where it meets), its past events (the newest at the
    newest post's time) and, for an active group, the next one."""
    name = _last_segment(group).replace("-", " ").replace("_", " ").strip().title()
    held = post_times(group, behaviour, now, 6)
    upcoming = [now + timedelta(days=pick(group, "next", 3, 20))] if behaviour is Behaviour.LIVE_ACTIVE else []
    dated = upcoming + held
    events = [{"@context": "https://schema.org", "@type": "Event", "name": f"{name} meetup #{len(dated) - i}",
               "url": f"{group}/events/{pick(group, f'event{i}', 10**8, 10**9)}/", "startDate": iso(moment),
               "eventAttendanceMode": "https://schema.org/OfflineEventAttendanceMode",
               "organizer": {"@type": "Organization", "name": name, "url": f"{group}/"}}
              for i, moment in enumerate(dated)]
    place = meetup_place(group)
    organization = {"@context": "https://schema.org", "@type": "Organization", "name": name, "url": f"{group}/",
                    "description": f"{name}: talks, workshops and a friendly crowd.",
                    **({"location": place} if place else {})}
    rows = "\n".join(f'<li><time datetime="{iso(moment)}">{moment:%a, %b %d, %Y}</time> {html.escape(event["name"])}</li>'
                     for moment, event in zip(dated, events))
    return html_answer(f"""<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{name} | Meetup</title>
<meta property="og:title" content="{name} | Meetup"><meta property="og:description" content="{organization['description']}">
<script type="application/ld+json">{json.dumps([organization])}</script>
<script type="application/ld+json">{json.dumps(events)}</script></head><body><h1>{name}</h1>
<p><a href="{group}/members/">{pages.member_count(group):,} members</a> · Public group</p>
<h2>Events</h2><ul>{rows}</ul></body></html>""")


def discussions(repo: str, behaviour: Behaviour, now: datetime) -> Answer:
    owner = repo.split("github.com/", 1)[1]
    rows = "\n".join(f'<li class="Box-row"><a href="/{owner}/discussions/{40 - i}">Discussion {40 - i}</a> '
                     f'<relative-time datetime="{iso(moment)}" class="no-wrap">{moment:%b %d, %Y}</relative-time></li>'
                     for i, moment in enumerate(post_times(repo, behaviour, now, 10)))
    return html_answer(f"""<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Discussions · {owner} · GitHub</title>
</head><body><ul class="Box">{rows}</ul></body></html>""")


# --- mailing lists -------------------------------------------------------------------------------


def list_feed(group: str, behaviour: Behaviour, now: datetime) -> Answer:
    """groups.io's /g/NAME/rss and HyperKitty's feed/: the list's newest messages."""
    return rss(group, _last_segment(group), post_times(group, behaviour, now, 20))


def hyperkitty_page(listing: str, behaviour: Behaviour, now: datetime) -> Answer:
    """A HyperKitty list overview, with its stats of the past 30 days."""
    name = _last_segment(listing).split("@")[0]
    participants = pick(listing, "participants", 3, 60) if behaviour is Behaviour.LIVE_ACTIVE else 0
    return html_answer(f"""<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{name} - HyperKitty</title></head><body>
<div class="overview"><section id="title"><h2>{name}</h2><p id="description">The {name} mailing list.</p></section>
<p class="duration-text">The following statistics are from the past <strong>30</strong> days:</p>
<ul class="list-stats list-unstyled"><li><i class="fa fa-user"></i>{participants} participants</li>
<li><i class="fa fa-comments"></i>{posts_in_30_days(listing, behaviour, now)} discussions</li></ul></div></body></html>""")


def pipermail_index(index: str, behaviour: Behaviour, now: datetime) -> Answer:
    """A Mailman 2 archive index: one row per month with messages, newest first."""
    name = _last_segment(index)
    months = sorted({datetime(moment.year, moment.month, 1) for moment in post_times(index, behaviour, now, 12)},
                    reverse=True)
    rows = "\n".join(f'<tr><td>{month:%B %Y}:</td><td><A href="{month:%Y-%B}/thread.html">[ Thread ]</a></td>'
                     f"<td><A href=\"{month:%Y-%B}.txt.gz\">[ Gzip'd Text 3 KB ]</a></td></tr>" for month in months)
    return html_answer(f"""<!DOCTYPE HTML PUBLIC "-//W3C//DTD HTML 3.2//EN"><HTML><HEAD><title>The {name} Archives</title></HEAD>
<BODY><h1>The {name} Archives </h1><table border=3><tr><td>Archive</td><td>View by:</td><td>Downloadable version</td></tr>
{rows}</table></BODY></HTML>""")
