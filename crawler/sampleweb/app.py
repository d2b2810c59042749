"""The sample web: one ASGI app on loopback that answers for every real URL the pipeline meets.

Requests arrive through the resolver seam (`crawler.sampleweb.resolver`) with their original
Host header. The app serves the real directory snapshots at their original URLs, the scripted
hosts of `scenarios` as their timelines say for the day, and for every other URL simulates the
community there, as `behaviour_of(url)` decides.

`respond` says what a request gets; `__call__` says how fast: at once, never (a time-out host, and
HEAD on a slow-drip host), or a few bytes every half second (a slow-drip host). Waiting stops as
soon as the client hangs up, so abandoned requests do not pile up in the server.
"""
from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import re
from collections import Counter
from collections.abc import Callable
from datetime import datetime, timezone
from email.utils import format_datetime
from pathlib import Path
from urllib.parse import unquote, urlsplit

from crawler.models import Platform
from crawler.sampleweb import pages, platform_api, scenarios
from crawler.sampleweb.behaviour import (LIVE_UNDERNEATH, Behaviour, behaviour_of, host_behaviour, rejects_head,
                                         shows_dated_posts, successor_of)
from crawler.urls import platform_of

log = logging.getLogger(__name__)

Clock = Callable[[], datetime]
_DISCORD_API = re.compile(r"^/api/v\d+/invites/([^/?]+)")
_MATRIX_ROOM_SUMMARY = re.compile(r"^/_matrix/client/v1/room_summary/([^/?]+)")
HANG_SECONDS = 600  # a "time-out" host never answers; the client's deadline must fire first
DRIP_INTERVAL_S = 0.5  # a slow-drip host sends one small chunk this often …
DRIP_CHUNK_BYTES = 16
DRIP_CHUNKS = 1200  # … for ten minutes: only a wall-clock deadline ends it, never a read time-out


def snapshot_index() -> dict[str, Path]:
    """Original URL (scheme-less) → snapshot file, from snapshots/index.json."""
    folder = Path(__file__).parent / "snapshots"
    rows = json.loads((folder / "index.json").read_text())
    return {row["url"].split("://", 1)[1]: folder / row["file"] for row in rows}


class SampleWeb:
    def __init__(self, clock: Clock, snapshots: dict[str, Path] | None = None, scenario_start: datetime | None = None):
        self.clock = clock
        self.snapshots = snapshot_index() if snapshots is None else snapshots
        # Day 0 of the scripted hosts (`scenarios`): the clock's first reading unless told.
        self.scenario_start = _utc(scenario_start) if scenario_start else clock()
        self.hits: Counter[str] = Counter()  # per URL: drives "flaky" and lets tests count requests
        self.held_open = 0  # requests a time-out or slow-drip host is stalling right now

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] == "lifespan":
            while (await receive())["type"] != "lifespan.shutdown":
                pass
            await send({"type": "lifespan.shutdown.complete"})
            return
        if scope["type"] != "http":
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        host = headers.get("host", "").lower()
        if host.count(":") == 1:  # drop a port, but leave IPv6 literals alone
            host = host.split(":")[0]
        path = scope["path"] or "/"
        method = scope.get("method", "GET")
        status, extra, body = await self.respond(host, path, scope.get("query_string", b"").decode(), method)
        start = {"type": "http.response.start", "status": status,
                 "headers": [(k.encode(), v.encode()) for k, v in extra.items()]}
        whole_host = self._pacing_behaviour(host, path)
        if whole_host in (Behaviour.TIMEOUT, Behaviour.SLOW_DRIP):
            self.held_open += 1
            try:
                if whole_host is Behaviour.SLOW_DRIP and method != "HEAD":
                    await _drip(start, body, receive, send)
                    return
                if await _client_left(receive, HANG_SECONDS):  # a time-out host; HEAD to a slow drip too
                    return
            finally:
                self.held_open -= 1
        start["headers"].append((b"content-length", str(len(body)).encode()))
        await send(start)
        await send({"type": "http.response.body", "body": body})  # the server drops it for HEAD

    def _pacing_behaviour(self, host: str, path: str) -> Behaviour | None:
        """The host-level behaviour that paces this answer; None for the fixed answers that come first."""
        if f"{host}{path}" in self.snapshots or path == "/robots.txt" and host in ROBOTS_CASES:
            return None
        if scenarios.is_scenario_host(host):
            return None  # scripted hosts answer at once, whatever their name would draw
        return host_behaviour(host)

    async def respond(self, host: str, path: str, query: str,
                      method: str = "GET") -> tuple[int, dict[str, str], bytes]:
        """What a request gets (for HEAD too: the server drops the body); no waiting here."""
        url = f"https://{host}{path}"
        self.hits[url] += 1
        if f"{host}{path}" in self.snapshots:
            return _ok(self.snapshots[f"{host}{path}"].read_bytes(), "text/plain; charset=utf-8")
        if (scripted := scenarios.answer(host, path, self.scenario_start, self.clock())) is not None:
            return scripted  # today's state of a scripted host replaces its drawn behaviour
        if method == "HEAD" and rejects_head(host):
            return 405, {"allow": "GET", "content-type": "text/html"}, b"<h1>405 Method Not Allowed</h1>"
        whole_host = host_behaviour(host)
        if path == "/robots.txt" and host in ROBOTS_CASES:
            status, body = ROBOTS_CASES[host]
            return status, {"content-type": "text/plain"}, body
        if whole_host is Behaviour.REDIRECT_LOOP:  # robots.txt too: a broken host is broken everywhere
            return _redirect_loop(path, query)
        if path == "/robots.txt" and (whole_host is None or whole_host in LIVE_UNDERNEATH):
            return _ok(b"User-agent: *\nAllow: /\n", "text/plain")
        if match := _DISCORD_API.match(path):
            return self._discord_api(match.group(1))
        if host == "matrix.org" and (match := _MATRIX_ROOM_SUMMARY.match(path)):
            return self._matrix_room_summary(unquote(match.group(1)))
        if (api := platform_api.answer(url, query, self.clock(), self.hits[url])) is not None:
            return api
        behaviour = behaviour_of(url)
        if behaviour in LIVE_UNDERNEATH:  # reached over plain http, or about to be dripped
            behaviour = Behaviour.LIVE_ACTIVE
        if behaviour is Behaviour.FLAKY:
            if self.hits[url] % 2:
                return 503, {"content-type": "text/html"}, pages.ERROR_PAGE.encode()
            behaviour = Behaviour.LIVE_ACTIVE
        if (feed := pages.feed_answer(url, behaviour, self.clock())) is not None:  # a community's /feed.xml
            return feed
        if (sitemap := pages.sitemap_answer(url, behaviour, self.clock())) is not None:  # a live own site's
            return sitemap
        return self._community(url, behaviour)

    def _discord_api(self, code: str) -> tuple[int, dict[str, str], bytes]:
        invite_url = f"https://discord.com/invite/{code}"
        behaviour = behaviour_of(invite_url)
        if behaviour is Behaviour.INVITE_EXPIRED:
            return _json(404, pages.DISCORD_UNKNOWN_INVITE)
        if behaviour is Behaviour.RATE_LIMITED:
            return 429, {"retry-after": "3600", "content-type": "application/json"}, b'{"message": "You are being rate limited.", "retry_after": 3600}'
        key = f"api:{invite_url}"
        self.hits[key] += 1
        if behaviour is Behaviour.FLAKY and self.hits[key] % 2:
            return 503, {}, b""
        return _json(200, pages.discord_invite_json(invite_url, code, behaviour))

    def _matrix_room_summary(self, room: str) -> tuple[int, dict[str, str], bytes]:
        """GET /_matrix/client/v1/room_summary/{roomIdOrAlias}, shaped as the Matrix spec says."""
        room_url = f"https://matrix.to/#/{room}"
        behaviour = behaviour_of(room_url)
        if behaviour in (Behaviour.LIVE_ACTIVE, Behaviour.LIVE_QUIET, Behaviour.DORMANT):
            server = room.split(":", 1)[-1]
            room_id = room if room.startswith("!") else f"!{hashlib.sha256(room.encode()).hexdigest()[:18]}:{server}"
            return _json(200, {"room_id": room_id, "num_joined_members": pages.member_count(room_url),
                               "guest_can_join": False, "world_readable": False, "join_rule": "public",
                               "membership": "leave"})
        if behaviour in (Behaviour.NOT_FOUND, Behaviour.GONE):
            return _json(404, {"errcode": "M_NOT_FOUND", "error": "Room not found"})
        return self._community(room_url, behaviour)

    def _community(self, url: str, behaviour: Behaviour) -> tuple[int, dict[str, str], bytes]:
        now = self.clock()
        html_type = "text/html; charset=utf-8"
        if behaviour in (Behaviour.LIVE_ACTIVE, Behaviour.LIVE_QUIET, Behaviour.DORMANT, Behaviour.INVITE_EXPIRED):
            platform = platform_of(url)
            if platform is Platform.DISCORD:
                return _ok(pages.invite_page(url).encode(), html_type)
            if platform is Platform.SLACK:
                return _ok(pages.slack_invite_page(url, behaviour is Behaviour.INVITE_EXPIRED).encode(), html_type)
            if not shows_dated_posts(url):
                return _ok(pages.undated_page(url).encode(), html_type)
            newest = pages.newest_post(url, behaviour, now)
            return 200, {"content-type": html_type, "last-modified": format_datetime(newest, usegmt=True)}, \
                pages.community_page(url, behaviour, now).encode()
        parts = urlsplit(url)
        simple = {
            Behaviour.NOT_FOUND: (404, {}, pages.NOT_FOUND_PAGE),
            Behaviour.GONE: (410, {}, pages.GONE_PAGE),
            Behaviour.SERVER_ERROR: (500, {}, pages.ERROR_PAGE),
            Behaviour.PARKED: (200, {}, pages.PARKED_PAGE),
            Behaviour.BOT_WALL: (403, {"cf-mitigated": "challenge", "server": "cloudflare"}, pages.BOT_WALL_PAGE),
            Behaviour.RATE_LIMITED: (429, {"retry-after": "3600"}, "Too Many Requests"),
            Behaviour.MOVED: (301, {"location": successor_of(url)}, ""),
            Behaviour.SOFT_404: (200, {}, pages.soft_not_found_page(parts.hostname or "", parts.path or "/")),
        }
        # NXDOMAIN and refused never get here through the resolver, and a time-out host answers this
        # only after HANG_SECONDS: like a broken proxy.
        status, headers, body = simple.get(behaviour, (502, {}, "Bad Gateway"))
        return status, {"content-type": html_type, **headers}, body.encode()


async def _client_left(receive, seconds: float) -> bool:
    """Wait up to seconds for the client to hang up; whether it did."""
    try:
        async with asyncio.timeout(seconds):
            while (await receive())["type"] != "http.disconnect":
                pass  # the request's body, already read
    except TimeoutError:
        return False
    return True


async def _drip(start: dict, body: bytes, receive, send) -> None:
    """Headers at once, then the body a few bytes at a time, padded with spaces to DRIP_CHUNKS chunks."""
    await send(start)
    chunks = [body[i:i + DRIP_CHUNK_BYTES] for i in range(0, len(body), DRIP_CHUNK_BYTES)]
    chunks += [b" " * DRIP_CHUNK_BYTES] * (DRIP_CHUNKS - len(chunks))
    for chunk in chunks:
        if await _client_left(receive, DRIP_INTERVAL_S):
            return
        await send({"type": "http.response.body", "body": chunk, "more_body": True})
    await send({"type": "http.response.body", "body": b""})


def _redirect_loop(path: str, query: str) -> tuple[int, dict[str, str], bytes]:
    """/x → /x?loop=1 → /x?loop=2 → …: never the same URL twice, never an end."""
    hop = next((int(value) for key, _, value in (pair.partition("=") for pair in query.split("&"))
                if key == "loop" and value.isdigit()), 0)
    return 302, {"location": f"{path}?loop={hop + 1}", "content-type": "text/html"}, b""


def _ok(body: bytes, content_type: str) -> tuple[int, dict[str, str], bytes]:
    return 200, {"content-type": content_type}, body


def _json(status: int, payload: dict) -> tuple[int, dict[str, str], bytes]:
    return status, {"content-type": "application/json"}, json.dumps(payload).encode()


# Hosts whose robots.txt answers are fixed, for the RFC 9309 cases; no directory list names them.
ROBOTS_CASES: dict[str, tuple[int, bytes]] = {
    "robots-unavailable.example": (503, b"<h1>Service Unavailable</h1>"),
    "robots-ratelimited.example": (429, b"slow down"),
    "robots-missing.example": (404, b"<h1>Not Found</h1>"),
    "robots-disallow.example": (200, b"User-agent: *\nDisallow: /private/\n"),
}


def _utc(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def fixed_clock(moment: datetime) -> Clock:
    moment = _utc(moment)
    return lambda: moment


class _FileClock:
    """See `file_clock`."""

    def __init__(self, path: Path, fallback: datetime):
        self.path = path
        self.moment = _utc(fallback)
        self.version: tuple[int, int, int] | None = None  # the file's mtime, size and inode when last read

    def __call__(self) -> datetime:
        try:
            stat = self.path.stat()
        except OSError:
            return self.moment  # not written yet (or gone): the time stays where it was
        version = (stat.st_mtime_ns, stat.st_size, stat.st_ino)
        if version != self.version:
            self.version = version
            try:
                self.moment = _utc(datetime.fromisoformat(self.path.read_text(encoding="utf-8").strip()))
            except (OSError, ValueError) as exc:  # half-written, or not a time: keep the last good one
                log.warning("sample web clock file %s: %s; the clock stays at %s", self.path, exc,
                            self.moment.isoformat())
        return self.moment


def file_clock(path: Path, fallback: datetime) -> Clock:
    """A clock whose time is the ISO 8601 moment written in the file at path, read again only when the
    file changes (mtime, size or inode), so a run of simulated days can move a sample web in another
    process on without restarting it. It reads fallback until the file holds a time, and keeps the last
    good time when the file is missing or does not parse. Naive times are UTC. Writers should replace
    the file (write a new one, rename it over): a new inode is noticed even within one mtime tick.

    Example: `copdir --now 2026-11-01T06:00 sample-web serve --clock-file /tmp/clock`, then
    `echo 2026-11-02T06:00 > /tmp/clock.new && mv /tmp/clock.new /tmp/clock`.
    """
    return _FileClock(Path(path), fallback)
