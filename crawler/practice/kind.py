"""Is it a community? Classify a listing as community, organisation, event, resource or other, with the reason.

Directory lists of communities also name companies, incubators, universities, conferences, tools and
libraries. Each kind gathers points from cues: the platform (a chat server, forum, subreddit, mailing list or
Meetup group is a place where members talk), words in the listing's name (worth more) and in its description
and page, and the list's section. The kind with the most points wins; a tie goes to "community", since the
listing comes from a directory of communities. The reason names the cues that decided it.
"""
from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass

from crawler.practice.listing import ListingText
from crawler.practice.phrases import PhraseIndex

KINDS = ("community", "organisation", "event", "resource", "other")
# Places where members talk to each other: a listing there is a community whatever its name says.
COMMUNITY_PLATFORMS = {
    "discord": "a Discord server", "slack": "a Slack workspace", "discourse": "a Discourse forum",
    "forum": "a web forum", "mastodon": "a Mastodon server", "lemmy": "a Lemmy instance",
    "reddit": "a subreddit", "meetup": "a Meetup group", "telegram": "a Telegram group", "matrix": "a Matrix room",
    "mailing_list": "a mailing list", "facebook": "a Facebook group", "linkedin": "a LinkedIn group",
}
PLATFORM_POINTS = 3.0
GITHUB_POINTS = 1.0  # a group's GitHub organisation: its projects, usually its events and chat too
DIRECTORY_PRIOR = 0.5  # an address on its own site, listed in a directory of communities
NAME_POINTS = 2.0
TEXT_POINTS = 1.0  # description, page title or page description
SECTION_POINTS = 1.0
MAX_CUES = 2  # cues counted per kind and field: a description full of one kind's words still counts twice

_CUES: dict[str, tuple[str, ...]] = {
    "community": (
        "community", "communities", "community of practice", "cop", "group", "user group", "usergroup", "meetup",
        "meet-up", "chapter", "club", "society", "association", "collective", "guild", "forum", "chat", "slack",
        "discord", "listserv", "mailing list", "hangout", "lounge", "network of", "working group", "brigade",
        "hack night", "members", "developers", "devs", "hackers", "coders", "engineers", "designers",
        "enthusiasts", "professionals", "practitioners", "peers", "discussions", "discussion", "connect",
        "share", "sharing", "meet", "talk", "learn together", "gophers", "pythonistas", "rustaceans", "clojurians",
        "instance", "space", "council", "coalition", "circle", "tribe", "crew", "folks", "hub"),
    "organisation": (
        "inc", "inc.", "ltd", "ltd.", "llc", "gmbh", "corp", "corporation", "company", "university", "college",
        "institute", "incubator", "accelerator", "foundation", "agency", "consultancy", "consulting",
        "startup studio", "venture capital", "organization providing", "organisation providing",
        "industry association", "industry alliance", "government-supported", "steering committee",
        "official website", "our services", "our clients", "industry development"),
    "event": (
        "conference", "conf", "summit", "symposium", "hackathon", "expo", "festival", "convention", "con",
        "annual", "devfest", "world tour"),
    "resource": (
        "library", "framework", "toolkit", "sdk", "plugin", "newsletter", "podcast", "blog", "tutorial",
        "course", "awesome list", "awesome-list", "job board", "jobs board", "magazine", "platform focused",
        "open-source tool", "application", "app", "cheat sheet", "documentation site", "product"),
}
# Cues as written, no plurals: a list's "Frameworks" or "Conferences" heading names a topic, not a kind.
_CUE_INDEX = PhraseIndex(((cue, kind) for kind, cues in _CUES.items() for cue in cues), plurals=False)
# A year in a name ("PyCon 2024") and a CamelCase "-Con" ("KubeCon") name an event.
_EVENT_NAME = re.compile(r"(?<![\d])(19|20)\d\d(?![\d])|[a-z]Con\b")


@dataclass(frozen=True)
class KindVerdict:
    kind: str
    reason: str
    scores: dict[str, float]


def _cues(text: str) -> dict[str, list[str]]:
    """The cues in `text`, by the kind they speak for (at most MAX_CUES each)."""
    found: dict[str, list[str]] = defaultdict(list)
    for cue in _CUE_INDEX.find(text):
        for kind in _CUE_INDEX.values[cue]:
            if len(found[kind]) < MAX_CUES:
                found[kind].append(cue)
    return found


def classify_kind(listing: ListingText) -> KindVerdict:
    """The listing's kind and why."""
    points: dict[str, float] = defaultdict(float)
    why: dict[str, list[str]] = defaultdict(list)

    def add(kind: str, value: float, reason: str) -> None:
        points[kind] += value
        why[kind].append(reason)

    if listing.platform in COMMUNITY_PLATFORMS:
        add("community", PLATFORM_POINTS, f"{COMMUNITY_PLATFORMS[listing.platform]}, where members talk")
    elif listing.platform == "github":
        add("community", GITHUB_POINTS, "a group's GitHub organisation")
    else:
        add("community", DIRECTORY_PRIOR, "listed in a directory of communities")
    fields = [("name", listing.name, NAME_POINTS), ("description", listing.description, TEXT_POINTS),
              ("page title", listing.page_title, TEXT_POINTS), ("page description", listing.page_description,
                                                                  TEXT_POINTS)]
    fields += [(f"section '{section}' of list {source}", section, SECTION_POINTS)
               for section, source in listing.sections[:3]]
    for field, text, weight in fields:
        for kind, cues in _cues(text).items():
            said = ", ".join(f"'{cue}'" for cue in cues)
            add(kind, weight * len(cues) / MAX_CUES + weight / 2, f"{field} says {said}")
    if _EVENT_NAME.search(listing.name or ""):
        add("event", NAME_POINTS, "its name is an event's (a year or '…Con')")
    best = max(KINDS[:4], key=lambda kind: (points[kind], kind == "community"))
    if points[best] <= 0:
        return KindVerdict("other", "nothing says what it is", dict(points))
    return KindVerdict(best, "; ".join(why[best][:3]), {kind: round(value, 2) for kind, value in points.items()})
