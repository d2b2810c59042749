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
from urllib.parse import urlsplit

from crawler.sampleweb.behaviour import Behaviour

# Days before the sample web's "now" of a community's newest post, by behaviour.
_NEWEST_POST_AGE_DAYS = {
    Behaviour.LIVE_ACTIVE: (1, 10),
    Behaviour.LIVE_QUIET: (45, 150),
    Behaviour.DORMANT: (400, 900),
}


def _number(url: str, salt: str, low: int, high: int) -> int:
    digest = hashlib.sha256(f"{salt}:{url}".encode()).digest()
    return low + int.from_bytes(digest[:4], "big") % (high - low + 1)


def display_name(url: str) -> str:
    parts = urlsplit(url)
    path = parts.path.strip("/")
    if path.startswith("r/"):
        return path
    if path:
        return f"{parts.hostname}/{path.split('/')[-1]}"
    return parts.hostname or url


def member_count(url: str) -> int:
    return _number(url, "members", 200, 20_000)


def undated_page(url: str) -> str:
    """A live page with no dated evidence of life (a chat room's landing page, say)."""
    name = html.escape(display_name(url))
    return f"""<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{name}</title>
<meta name="description" content="Join {name}."></head><body><h1>{name}</h1><p>Come and chat.</p></body></html>"""


def newest_post(url: str, behaviour: Behaviour, now: datetime) -> datetime:
    low, high = _NEWEST_POST_AGE_DAYS[behaviour]
    return now - timedelta(days=_number(url, "age", low, high), hours=_number(url, "hour", 0, 23))


def community_page(url: str, behaviour: Behaviour, now: datetime) -> str:
    """A community's home page listing its recent posts, each with a machine-readable date."""
    name = html.escape(display_name(url))
    newest = newest_post(url, behaviour, now)
    posts = "\n".join(
        f'<li><a href="/t/{i}">Topic {i}</a> <time datetime="{(newest - timedelta(days=3 * i)).isoformat()}">'
        f"{(newest - timedelta(days=3 * i)):%d %b %Y}</time></li>"
        for i in range(5)
    )
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{name} — a community of practice</title>
<meta name="description" content="Practitioners of {name} sharing questions, events and know-how.">
</head><body><h1>{name}</h1><p>Welcome to {name}.</p>
<h2>Latest posts</h2><ul class="posts">
{posts}
</ul></body></html>"""


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

NOT_FOUND_PAGE = "<!doctype html><html><head><title>404 Not Found</title></head><body><h1>Not Found</h1></body></html>"
GONE_PAGE = "<!doctype html><html><head><title>410 Gone</title></head><body><h1>This community has closed.</h1></body></html>"
ERROR_PAGE = "<!doctype html><html><head><title>Server error</title></head><body><h1>Something went wrong</h1></body></html>"
