"""One canonical URL per community, the platform it lives on, and a stable id.

A leaf module (standard library and `crawler.models` only), so every stage keys communities alike.
Canonical: lower-case scheme and host; no default port, userinfo, fragment (except matrix.to's, where
the room lives) or tracking parameters; other parameters sorted; no trailing slash and no root path
(`https://example.org/` → `https://example.org`); unreserved escapes decoded, others upper-cased;
http kept for generic sites, https forced for known platforms, each with one form per community:
`https://discord.com/invite/CODE`, `https://www.reddit.com/r/name`, `https://t.me/name` …
"""
from __future__ import annotations

import hashlib
import re
import string
from collections.abc import Callable
from typing import NamedTuple
from urllib.parse import quote, unquote, unquote_plus, urlsplit, urlunsplit

from crawler.models import Platform

TRACKING_PARAMS = frozenset({"fbclid", "gclid", "mc_cid", "mc_eid", "ref", "ref_src", "igshid", "si"})

# Sites that serve https only; an http link to them is just an old link.
HTTPS_ONLY_DOMAINS = (
    "discord.gg", "discord.com", "discordapp.com", "reddit.com", "slack.com", "t.me", "telegram.me",
    "telegram.dog", "matrix.to", "meetup.com", "github.com", "facebook.com", "linkedin.com",
    "groups.google.com", "groups.io", "twitter.com", "x.com", "youtube.com", "instagram.com",
)

# Hosts whose `/@name` pages are not fediverse accounts.
NOT_FEDIVERSE_HOSTS = ("youtube.com", "medium.com", "tiktok.com", "threads.net", "twitter.com", "x.com")

KNOWN_LEMMY_HOSTS = (
    "lemmy.ml", "lemmy.world", "sh.itjust.works", "beehaw.org", "programming.dev", "lemm.ee",
    "discuss.online", "lemdro.id", "sopuli.xyz", "hexbear.net", "jlai.lu", "infosec.pub",
)

_SCHEME = re.compile(r"^([a-zA-Z][a-zA-Z0-9+.-]*):(?!\d)")  # `host:8080` is a port, not a scheme
_BARE_HOST = re.compile(r"^[\w-]+(\.[\w-]+)+\.?(:\d+)?$")
_VALID_HOST = re.compile(r"^[a-z0-9_-]+(\.[a-z0-9_-]+)*$")
# `README.md`, `badge.png`: relative links to files beside a list, not host names
_FILE_SUFFIXES = ("md", "html", "htm", "png", "jpg", "jpeg", "gif", "svg", "pdf", "txt", "yml", "json")
_EMAIL = re.compile(r"^[^@\s/:?#]+@[^@\s/:?#]+\.[^@\s/:?#]+$")
_FEDIVERSE_HANDLE = re.compile(r"^@([\w.-]+)@([\w-]+(?:\.[\w-]+)+)$")
_MATRIX_ALIAS = re.compile(r"^#[^\s:/#]+:[\w.-]+\.[\w-]+$")
_ESCAPE = re.compile(r"%([0-9A-Fa-f]{2})")
_UNRESERVED = frozenset(string.ascii_letters + string.digits + "-._~")
_PATH_SAFE = "/:@!$&'()*+,;=%"
_QUERY_SAFE = "/?:@!$'()*+,;=%"
_DEFAULT_PORTS = {"http": 80, "https": 443}
_MEETUP_LOCALE = re.compile(r"^[a-z]{2}(-[a-z]{2})?$")
_SLACK_SERVICE_HOSTS = frozenset({"slack.com", "www.slack.com", "app.slack.com", "api.slack.com"})


class _Url(NamedTuple):
    scheme: str
    host: str
    port: int | None
    path: str
    query: str
    fragment: str


def canonicalize(url: str) -> str:
    """Return the canonical form of a community link; raise ValueError if it is not one."""
    text = _strip_markup(url)
    if not text:
        raise ValueError(f"not a URL: {url!r} is empty")
    if handle := _FEDIVERSE_HANDLE.match(text):
        text = f"https://{handle[2]}/@{handle[1]}"
    elif _MATRIX_ALIAS.match(text):
        text = f"https://matrix.to/#/{text}"
    elif _EMAIL.match(text):
        text = f"mailto:{text}"
    if text[:7].lower() == "mailto:":  # mailing lists are listed as mailto links
        address = unquote(text[7:].split("?", 1)[0]).strip().lstrip("/").lower()
        if not _EMAIL.match(address):
            raise ValueError(f"not a mail address: {url!r}")
        return f"mailto:{address}"
    parts = _rewrite_for_platform(_parse(text, url))
    if _on_domain(parts.host, HTTPS_ONLY_DOMAINS):
        parts = parts._replace(scheme="https", port=None)
    netloc = parts.host if parts.port is None else f"{parts.host}:{parts.port}"
    canonical = urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))
    if _ends_in_punctuation(canonical):  # escape it, or a second pass would strip it as markup
        canonical = canonical[:-1] + f"%{ord(canonical[-1]):02X}"
    return canonical


def platform_of(url: str) -> Platform:
    """The platform a community link points at, by the first matching rule of PLATFORM_RULES."""
    split = urlsplit(canonicalize(url))
    parts = _Url(split.scheme, split.hostname or "", split.port, split.path, split.query, split.fragment)
    for matches, platform in PLATFORM_RULES:
        if matches(parts):
            return platform
    return Platform.WEBSITE


def community_id(url: str) -> str:
    """A stable 16-hex-digit id: the start of the sha256 of the canonical URL."""
    return hashlib.sha256(canonicalize(url).encode("utf-8")).hexdigest()[:16]


# --- parsing -------------------------------------------------------------------------------------


def _strip_markup(url: str) -> str:
    """Drop what Markdown and prose leave around a link: `<…>`, a trailing `.`, `,` or stray `)`."""
    text = url.strip()
    if text.startswith("<") and text.endswith(">"):
        text = text[1:-1].strip()
    while _ends_in_punctuation(text):
        text = text[:-1]
    return text


def _ends_in_punctuation(text: str) -> bool:
    return text[-1:] in (".", ",") or (text[-1:] == ")" and text.count(")") > text.count("("))


def _parse(text: str, original: str) -> _Url:
    """Split an http(s) URL (scheme optional) and apply the rules that hold for every site."""
    if scheme := _SCHEME.match(text):
        if scheme[1].lower() not in _DEFAULT_PORTS:
            raise ValueError(f"not an http(s) or mailto URL: {original!r} has scheme {scheme[1]!r}")
    elif text.startswith("//"):
        text = "https:" + text
    else:
        first = re.split(r"[/?#]", text, maxsplit=1)[0]
        if not _BARE_HOST.match(first) or first.rsplit(".", 1)[-1].lower() in _FILE_SUFFIXES:
            raise ValueError(f"not an absolute URL: {original!r} has no scheme and no host name")
        text = "https://" + text
    split = urlsplit(text)
    scheme_name = split.scheme.lower()
    try:
        port = split.port
    except ValueError as error:
        raise ValueError(f"bad port in {original!r}: {error}") from None
    host = _canonical_host(split.hostname or "", original)
    path = _join_segments(_segments(_clean_escapes(split.path, _PATH_SAFE)))
    port = None if port == _DEFAULT_PORTS[scheme_name] else port
    return _Url(scheme_name, host, port, path, _canonical_query(split.query), split.fragment)


def _canonical_host(host: str, original: str) -> str:
    host = host.rstrip(".").lower()
    if not host.isascii():
        try:
            host = host.encode("idna").decode("ascii")
        except UnicodeError:
            raise ValueError(f"bad host name in {original!r}") from None
    if not _VALID_HOST.match(host):  # IPv4 passes; IPv6 literals are no community's address
        raise ValueError(f"bad or missing host name in {original!r}")
    return host


def _clean_escapes(text: str, safe: str) -> str:
    """Decode escapes of unreserved characters, upper-case the rest, escape what must be."""
    def fix(match: re.Match[str]) -> str:
        char = chr(int(match[1], 16))
        return char if char in _UNRESERVED else match[0].upper()

    return quote(_ESCAPE.sub(fix, text), safe=safe)


def _canonical_query(query: str) -> str:
    kept = []
    for piece in query.split("&"):
        name = unquote_plus(piece.split("=", 1)[0]).lower()
        if piece and name not in TRACKING_PARAMS and not name.startswith("utm_"):
            kept.append(_clean_escapes(piece, _QUERY_SAFE))
    return "&".join(sorted(kept))


def _segments(path: str) -> list[str]:
    return [segment for segment in path.split("/") if segment]  # also collapses `//`


def _join_segments(segments: list[str]) -> str:
    return "".join("/" + segment for segment in segments)  # no segments: no path, not `/`


def _on_domain(host: str, domains: tuple[str, ...]) -> bool:
    return any(host == domain or host.endswith("." + domain) for domain in domains)


# --- platform rewrites: one community, one form -------------------------------------------------


def _discord(parts: _Url) -> _Url:
    segments = _segments(parts.path)
    is_short_link = parts.host.endswith("discord.gg")
    if segments and segments[0].lower() == "invite":
        segments, is_short_link = segments[1:], True  # discord.gg/invite/X is seen in lists too
    if is_short_link and segments:  # invite codes are case-sensitive: keep them as written
        return parts._replace(host="discord.com", path=f"/invite/{segments[0]}", query="")
    return parts._replace(host="discord.com", path=_join_segments(segments))


def _reddit(parts: _Url) -> _Url:
    segments = _segments(parts.path)
    kind = segments[0].lower() if segments else ""
    canonical = parts._replace(host="www.reddit.com", query="")
    if kind == "r" and len(segments) > 1:  # subreddit and user names are case-insensitive
        path = f"/r/{segments[1].lower()}"
        if len(segments) > 2 and segments[2].lower() == "comments":  # a thread, not a sort tab
            path += _join_segments(["comments", *segments[3:]])
        return canonical._replace(path=path)
    if kind in ("u", "user") and len(segments) > 1:
        return canonical._replace(path=f"/user/{segments[1].lower()}")
    return parts._replace(host="www.reddit.com")


def _slack(parts: _Url) -> _Url:
    segments = _segments(parts.path)
    if parts.host == "join.slack.com":  # /t/WORKSPACE/shared_invite/TOKEN: the token is case-sensitive
        if len(segments) > 1 and segments[0] == "t":
            segments[1] = segments[1].lower()
        return parts._replace(path=_join_segments(segments), query="")
    if parts.host in _SLACK_SERVICE_HOSTS:
        return parts
    if [segment.lower() for segment in segments[:2]] == ["join", "shared_invite"]:
        return parts._replace(query="")
    return parts._replace(path="", query="")  # the workspace is the community, not a channel page


def _telegram(parts: _Url) -> _Url:
    segments = _segments(parts.path)
    if segments and segments[0] == "s":  # t.me/s/NAME is the web preview of channel NAME
        segments = segments[1:]
    if segments and segments[0].upper().startswith("%2B"):
        segments[0] = "+" + segments[0][3:]
    if segments and not segments[0].startswith("+"):  # names are case-insensitive, invite hashes
        segments[0] = segments[0].lower()  # (t.me/+HASH, t.me/joinchat/HASH) are not
    return parts._replace(host="t.me", path=_join_segments(segments), query="")


def _matrix(parts: _Url) -> _Url:
    room = unquote(parts.fragment).lstrip("/").removeprefix("room/")
    room = re.split(r"[/?]", room, maxsplit=1)[0]  # drop ?via= routing hints and event ids
    if room[:1] in ("#", "@", "+"):  # aliases and user ids are case-insensitive; !room ids are not
        room = room.lower()
    fragment = "/" + quote(room, safe="#!@+:$=") if room else ""
    return parts._replace(host="matrix.to", path="/" if room else "", query="", fragment=fragment)


def _meetup(parts: _Url) -> _Url:
    segments = [segment.lower() for segment in _segments(parts.path)]
    if len(segments) > 1 and _MEETUP_LOCALE.match(segments[0]):  # /de-DE/Group-Name/
        segments = segments[1:]
    # a group is one segment (the rest is /events/…); network and topic pages are two
    keep = 2 if segments[:1] in (["pro"], ["topics"], ["cities"]) else 1
    return parts._replace(host="www.meetup.com", path=_join_segments(segments[:keep]), query="")


def _github(parts: _Url) -> _Url:
    segments = _segments(parts.path)
    segments[:2] = [segment.lower() for segment in segments[:2]]  # owner and repo
    if len(segments) > 1:
        segments[1] = segments[1].removesuffix(".git")
    return parts._replace(host="github.com", path=_join_segments(segments))


def _google_groups(parts: _Url) -> _Url:
    """Every form of a group link becomes /g/NAME; old links hold it in a `#!forum/NAME` fragment."""
    segments = _segments(parts.path)
    workspace = segments[:2] if segments[:1] == ["a"] else []  # /a/DOMAIN/…: a Workspace's groups
    rest = segments[len(workspace):]
    old_style = _segments(unquote(parts.fragment).removeprefix("!"))
    if len(old_style) > 1 and old_style[0] in ("forum", "topic", "msg"):
        name = old_style[1]
    elif len(rest) > 2 and rest[0] == "d":  # /d/forum/NAME, /d/topic/NAME/…
        name = rest[2]
    elif len(rest) > 1 and rest[0] in ("g", "group"):
        name = rest[1]
    else:
        return parts
    return parts._replace(path=_join_segments([*workspace, "g", name.lower()]), query="")


# --- predicates on a parsed URL, for the tables below -------------------------------------------


def _host_in(*hosts: str) -> Callable[[_Url], bool]:
    return lambda parts: parts.host in hosts


def _host_on(*domains: str) -> Callable[[_Url], bool]:
    return lambda parts: _on_domain(parts.host, domains)


def _host_starts(*prefixes: str) -> Callable[[_Url], bool]:
    return lambda parts: parts.host.removeprefix("www.").startswith(prefixes)


def _groups_on(domain: str) -> Callable[[_Url], bool]:
    return lambda parts: _on_domain(parts.host, (domain,)) and parts.path.startswith("/groups/")


def _is_mailing_list(parts: _Url) -> bool:
    return (
        _on_domain(parts.host, ("groups.google.com", "groups.io"))
        or parts.host.startswith(("lists.", "listserv."))
        or "/mailman/listinfo" in parts.path
    )


# The first rewrite whose predicate matches gives the platform's one form of a community URL.
_REWRITES: tuple[tuple[Callable[[_Url], bool], Callable[[_Url], _Url]], ...] = (
    (_host_in("discord.gg", "www.discord.gg", "discord.com", "www.discord.com", "discordapp.com",
              "www.discordapp.com"), _discord),
    (_host_on("reddit.com"), _reddit),  # old., new., np., m. …
    (_host_on("slack.com"), _slack),
    (_host_in("t.me", "www.t.me", "telegram.me", "www.telegram.me", "telegram.dog"), _telegram),
    (_host_on("matrix.to"), _matrix),
    (_host_on("meetup.com"), _meetup),
    (_host_in("github.com", "www.github.com"), _github),
    (_host_on("facebook.com", "fb.com"), lambda parts: parts._replace(host="www.facebook.com")),
    (_host_on("linkedin.com"), lambda parts: parts._replace(host="www.linkedin.com")),  # uk., m. …
    (_host_in("groups.google.com"), _google_groups),
)


def _rewrite_for_platform(parts: _Url) -> _Url:
    """Apply the platform's rewrite, if any; then drop the fragment unless it holds a Matrix room."""
    rewrite = next((rewrite for applies_to, rewrite in _REWRITES if applies_to(parts)), None)
    if rewrite is not None:
        parts = rewrite(parts)
    return parts if parts.host == "matrix.to" else parts._replace(fragment="")


# Evaluated top-down on a canonical URL; the first match wins, WEBSITE if none does.
PLATFORM_RULES: tuple[tuple[Callable[[_Url], bool], Platform], ...] = (
    (lambda parts: parts.scheme == "mailto", Platform.MAILING_LIST),
    (_host_on("discord.gg", "discord.com", "discordapp.com"), Platform.DISCORD),
    # *.slack.com, join.slack.com, slack.example.org, fooslack.herokuapp.com invite apps
    (lambda parts: "slack" in parts.host, Platform.SLACK),
    (_host_on("reddit.com"), Platform.REDDIT),
    (_host_on("meetup.com"), Platform.MEETUP),
    (_host_on("t.me", "telegram.me", "telegram.dog"), Platform.TELEGRAM),
    (_host_on("matrix.to"), Platform.MATRIX),
    (_host_starts("matrix.", "element.", "app.element."), Platform.MATRIX),  # homeservers, clients
    (_host_in("github.com"), Platform.GITHUB),
    (_groups_on("facebook.com"), Platform.FACEBOOK),
    (_groups_on("linkedin.com"), Platform.LINKEDIN),
    (_is_mailing_list, Platform.MAILING_LIST),
    # before the forum prefixes: discuss.online is a Lemmy
    (lambda parts: "lemmy" in parts.host or parts.host.startswith("feddit."), Platform.LEMMY),
    (_host_on(*KNOWN_LEMMY_HOSTS), Platform.LEMMY),
    (_host_starts("mastodon."), Platform.MASTODON),
    (lambda parts: parts.path.startswith("/@") and not _on_domain(parts.host, NOT_FEDIVERSE_HOSTS),
     Platform.MASTODON),  # any /@user page is a fediverse account, except on these hosts
    (lambda parts: "discourse" in parts.host.split("."), Platform.DISCOURSE),  # meta.discourse.org
    (_host_starts("discourse.", "discuss.", "discussion."), Platform.DISCOURSE),
    (_host_starts("forum.", "forums.", "community.", "talk.", "meta."), Platform.FORUM),
)
