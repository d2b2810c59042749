"""Rows of a CSV list and records of a JSON list → `Observation`s; shared by csv_list and json_list.

A `Record` is one entry already split into roles (name, links, description, section path,
annotations). `role_of` guesses the role of a column or key from its name, so a list needs no
mapping in data/sources.yml unless its names are unusual; `record_observations` turns a record
into one Observation per community link. Pure: no I/O.
"""
from __future__ import annotations

import logging
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

from crawler.extract.markdown_inline import (
    find_bare_urls, find_links, host_of, html_to_markdown, is_not_community, resolve_url, status_words,
    strip_markdown,
)
from crawler.models import Observation, Platform
from crawler.urls import canonicalize, platform_of

log = logging.getLogger(__name__)

MAX_DESCRIPTION = 500
# The roles a column or key can play; `fields:` in data/sources.yml names columns for them.
FIELD_ROLES = ("name", "url", "links", "description", "section", "topics", "annotations")

# Key words by role, compared after `key_word` (lower case, letters and digits, no "_url"/"_link").
# URL keys in order of preference: an entry's one main link is the first of these that has one.
URL_WORDS = ("url", "link", "href", "website", "homepage", "home", "site", "web", "webpage", "uri", "invite",
             "join", "info", "address", "domain", "host", "hostname", "instance", "server")
# Extra links, one Observation each: a presence on a platform, or a list of labelled links.
PLATFORM_WORDS = frozenset(
    "discord slack telegram matrix meetup reddit subreddit forum discourse mastodon lemmy fediverse facebook "
    "facebookgroup linkedin linkedingroup github githubdiscussions mailinglist listserv googlegroup googlegroups "
    "groupsio zulip gitter chat community signal whatsapp irc".split()
)
LINK_LIST_WORDS = frozenset("links urls social socials channels platforms presences contacts".split())
NAME_WORDS = frozenset(
    "name title community communityname group groupname organisation organization org servername "
    "displayname label handle".split()
)
DESCRIPTION_WORDS = frozenset(
    "description desc summary about bio details remarks remark notes note comment comments tagline blurb "
    "purpose".split()
)
# Broader before narrower: "Barbados > Bridgetown".
SECTION_WORDS = ("category", "categories", "section", "jurisdiction", "country", "region", "state", "province",
                 "county", "city", "location", "area")
TOPIC_WORDS = frozenset("focus topics topic tags keywords interests subjects".split())
STATUS_WORDS = frozenset("status health".split())
# Booleans: the annotation when the list says the key is false, or true.
FALSE_MEANS = {"active": "inactive", "alive": "dead", "online": "offline", "enabled": "disabled",
               "open": "registration closed", "registration": "registration closed",
               "registrations": "registration closed", "openregistration": "registration closed",
               "openregistrations": "registration closed"}
TRUE_MEANS = {word: word for word in ("inactive", "defunct", "archived", "dead", "closed", "deprecated",
                                      "discontinued", "abandoned", "dysfunctional")}
WARNING_WORDS = frozenset("warning warnings antifeature antifeatures caveat caveats flags".split())
# Links that are about an entry but are not where its community lives.
SKIP_WORDS = frozenset(
    "logo image img icon avatar banner thumbnail picture photo tos terms privacy policy license licence reg "
    "registration register signup donate donation sourcecode source repo repository api feed rss atom "
    "twitter x instagram youtube tiktok twitch patreon email contact".split()
)
PLATFORM_KEY_WORDS = frozenset("platform software type kind service".split())
# Platform names as lists write them, for links whose URL does not reveal the platform.
PLATFORM_NAMES = {
    **{p.value: p for p in Platform if p is not Platform.WEBSITE},
    "mailinglist": Platform.MAILING_LIST, "listserv": Platform.MAILING_LIST, "mailman": Platform.MAILING_LIST,
    "googlegroup": Platform.MAILING_LIST, "googlegroups": Platform.MAILING_LIST, "sympa": Platform.MAILING_LIST,
    "subreddit": Platform.REDDIT, "synapse": Platform.MATRIX, "dendrite": Platform.MATRIX,
    "conduit": Platform.MATRIX, "conduwuit": Platform.MATRIX, "pleroma": Platform.MASTODON,
    "akkoma": Platform.MASTODON, "gotosocial": Platform.MASTODON, "phpbb": Platform.FORUM,
    "vbulletin": Platform.FORUM, "xenforo": Platform.FORUM, "nodebb": Platform.FORUM, "flarum": Platform.FORUM,
    "mybb": Platform.FORUM,
}
_SUFFIXES = ("url", "urls", "link", "links", "uri", "href", "invite", "address", "page")
_EMAIL = re.compile(r"(?:mailto:)?([^\s@<>()\[\]\"',;]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,})")
_HOST_ONLY = re.compile(r"^[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}(?::\d+)?(?:/\S*)?$")
_TRUE = frozenset({"true", "yes", "y", "1", "x", "✓", "✔"})
_FALSE = frozenset({"false", "no", "n", "0", "-", "✗", "✘"})


@dataclass
class Record:
    """One entry of a CSV or JSON list, by role."""

    name: str = ""
    links: list[tuple[str, str]] = field(default_factory=list)  # (label or link text, URL as written)
    alternates: list[str] = field(default_factory=list)  # the entry's other URL keys, should its main link be shared
    description: str = ""
    section: tuple[str, ...] = ()
    annotations: list[str] = field(default_factory=list)
    platform: Platform | None = None  # what the entry says it runs on ("software": "Synapse")


def key_word(key: str) -> str:
    """`Website URL` → website, `reg_link` → reg, `Discord invite` → discord: the word that names a role."""
    word = re.sub(r"[^0-9a-z]+", "", str(key).lower())
    for suffix in _SUFFIXES:
        if word.endswith(suffix) and len(word) > len(suffix) and word[: -len(suffix)] not in ("", "web"):
            return word[: -len(suffix)]
    return word


def role_of(key: str) -> str | None:
    """The role a column or key plays, judged by its name alone; None when its name says nothing."""
    word = key_word(key)
    if word in URL_WORDS:
        return "url"
    if word in NAME_WORDS:
        return "name"
    if word in DESCRIPTION_WORDS:
        return "description"
    if word in SECTION_WORDS:
        return "section"
    if word in TOPIC_WORDS:
        return "topics"
    if word in STATUS_WORDS or word in FALSE_MEANS or word in TRUE_MEANS or word in WARNING_WORDS:
        return "annotations"
    if word in LINK_LIST_WORDS or word in PLATFORM_WORDS:
        return "links"
    if word in SKIP_WORDS:
        return "skip"
    if word in PLATFORM_KEY_WORDS:
        return "platform"
    return None


def url_rank(key: str) -> int:
    """Where a URL key stands in URL_WORDS: the entry's main link is the best-ranked one that has a link."""
    word = key_word(key)
    return URL_WORDS.index(word) if word in URL_WORDS else len(URL_WORDS)


def links_in(value: str) -> list[tuple[str, str]]:
    """(text, URL) of every link in a cell: Markdown or HTML links, bare URLs, host names, e-mail addresses."""
    value = str(value).strip()
    if not value:
        return []
    if "<a" in value.lower():
        value = html_to_markdown(value)
    found = [(link.text, link.dest) for link in find_links(value) if not link.is_badge and not link.is_image]
    if found or find_links(value):
        return found
    if bare := find_bare_urls(value):
        return [("", link.dest) for link in bare]
    pieces = [piece.strip(" .") for piece in re.split(r"[\s,;|]+", value) if piece.strip(" .")]
    if pieces and all(_HOST_ONLY.match(piece) or _EMAIL.fullmatch(piece) for piece in pieces):
        return [("", _as_address(piece)) for piece in pieces]
    return []


def _as_address(piece: str) -> str:
    if email := _EMAIL.fullmatch(piece):
        return "mailto:" + email.group(1)
    return piece


def status_notes(key: str, value: object) -> list[str]:
    """What a status-like key says of the entry: `active: false` → inactive, `status: closed` → closed."""
    word = key_word(key)
    values = value if isinstance(value, list) else [value]
    notes = []
    for item in values:
        if item is None or isinstance(item, (dict, list)):
            continue
        text = " ".join(str(item).split())
        truth = item if isinstance(item, bool) else (True if text.lower() in _TRUE else
                                                     False if text.lower() in _FALSE else None)
        if word in FALSE_MEANS or word in TRUE_MEANS:
            if truth is False and word in FALSE_MEANS:
                notes.append(FALSE_MEANS[word])
            elif truth is True and word in TRUE_MEANS:
                notes.append(TRUE_MEANS[word])
            elif truth is None and text:
                notes.append(text.lower()[:80])  # `open: "invite only"`
        elif text and truth is None:
            notes.append(text[:80] if word in WARNING_WORDS else text.lower()[:80])
    return notes


def platform_named(text: str) -> Platform | None:
    """`Slack`, `mailing list`, `Synapse` → the platform they name, if any."""
    return PLATFORM_NAMES.get(re.sub(r"[^0-9a-z]+", "", str(text).lower()))


def plain(value: object) -> str:
    """A cell or JSON value as one line of plain text (lists joined by commas)."""
    if isinstance(value, list):
        return ", ".join(plain(item) for item in value if isinstance(item, (str, int, float)) and plain(item))
    if value is None or isinstance(value, (dict, bool)):
        return ""
    return strip_markdown(str(value))


def truncate(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= MAX_DESCRIPTION else text[: MAX_DESCRIPTION - 1].rstrip() + "…"


def prefer_own_links(records: list[Record]) -> list[Record]:
    """An entry whose main link several entries share (their operator's site) and that is not on the entry's
    own host gets its next URL instead (`domain` for `info`): the shared page is not where it lives."""
    counts = Counter(_canonical_or_none(record.links[0][1]) for record in records if record.links)
    for record in records:
        if record.links and record.alternates and counts[_canonical_or_none(record.links[0][1])] > 1:
            host = _host(record.links[0][1])
            own = [_host(url) for url in record.alternates] + [record.name.lower()]
            if not any(host == other or host.endswith("." + other) or other.endswith("." + host) for other in own if other):
                record.links[0] = ("", record.alternates[0])
    return records


def _canonical_or_none(written: str) -> str | None:
    try:
        return canonicalize(resolve_url(written, "") or written)
    except ValueError:
        return None


def _host(written: str) -> str:
    url = resolve_url(written, "") or ""
    return host_of(url).lower().removeprefix("www.") if url else ""


def record_observations(
    record: Record, *, source: str, base_url: str, seen: set[tuple[str, str]]
) -> list[Observation]:
    """One Observation per community link of the record not yet seen in its section."""
    section = " > ".join(part for part in record.section if part)
    notes = tuple(dict.fromkeys([*record.annotations, *status_words(record.description)]))
    observations = []
    for label, written in record.links:
        url = resolve_url(written, base_url)
        if url is None or is_not_community(url):
            continue
        try:
            key = (canonicalize(url), section)
            platform = platform_of(url)
        except ValueError:
            log.debug("not a URL in %s: %r", source, written)
            continue
        if key in seen:
            continue
        seen.add(key)
        if platform is Platform.WEBSITE:
            platform = platform_named(label) or record.platform or Platform.WEBSITE
        observations.append(Observation(
            source=source, url=url, name=_name(record, label, url), description=truncate(record.description),
            section=section, annotations=notes, platform=platform))
    return observations


def _name(record: Record, label: str, url: str) -> str:
    for candidate in (record.name, *(text for text, _ in record.links[:1]), label):
        name = strip_markdown(candidate or "").strip(" :–-|")
        if name and platform_named(name) is None and name.lower() not in ("website", "link", "home", "homepage") \
                and not name.lower().startswith(("http://", "https://")):
            return name[:200]
    return host_of(url)


def join_notes(*groups: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(note for group in groups for note in group if note))
