"""Which links are one community: candidate pairs, blocked so that 100k entries never meet as N×N.

Evidence merges; names alone never do (the r/trees lesson in ANCHORS.md: one name, two communities).
A pair is a **merge** when
  - one's own pages link the other (a site that links its Discord) — unless the page links so many listed
    communities of that platform that it is a directory, not a home;
  - they are the same address but for the scheme or a `www.` (http://x.org and https://www.x.org);
  - they live on the same own host (not a platform's) under similar names;
  - their names are similar *and* their pages share a link (the same GitHub org, the same Mastodon account)
    that few pages carry.
A pair whose names are merely similar (or share a link, but are not similar enough to merge) is a **near
miss**: recorded with its score, for a maintainer to accept or reject (`copdir merges`), never merged on its own.

Blocks, so that a pair is compared only where a rule could fire:
  - the link graph (a dict lookup per link);
  - the host, own sites only (a platform host holds thousands of unrelated communities);
  - each shared link: the few pages that carry one (at most `max_shared_link_users`) are compared with each
    other. A name-and-link merge needs such a link, so this block finds every pair that rule can merge,
    however common the words of their names ("Freelancers Collective" ~ "The Freelancers Collective");
  - rare name tokens, for near misses (a token shared by more than `max_block` names says nothing).
Names are not blocked on pairs of common tokens nor on their whole token set, though that would find more
name-only pairs: at 100k entries it turns 10k near misses into 40k–175k ("GIS Night Chicago" ~ "iOS Night
Chicago"), more than a maintainer can judge, for no merge the link block does not already make.
"""
from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from rapidfuzz import fuzz, process

from crawler.models import Platform

MERGE, NEAR_MISS = "merge", "near_miss"
# Where the host says nothing about the community: many communities share it.
PLATFORM_HOSTED = frozenset(p.value for p in Platform) - {Platform.WEBSITE.value, Platform.FORUM.value,
                                                          Platform.DISCOURSE.value}
# Words that name the platform or the kind of group, not the community: "Python Discord" ~ "Python".
FILLER = frozenset({"the", "a", "an", "of", "and", "for", "de", "la", "el", "en", "y", "discord", "server", "slack",
                    "community", "communities", "group", "groups", "forum", "forums", "subreddit", "reddit", "r",
                    "lemmy", "mastodon", "matrix", "telegram", "meetup", "chat", "official", "team", "workspace",
                    "channel", "room", "list", "mailing", "users", "user", "club", "org", "www", "com", "io", "net",
                    "site", "website", "home", "page", "new"})
MIN_NAME_CHARS = 4
_WORD = re.compile(r"[^\W_]+")


@dataclass(frozen=True)
class DedupeThresholds:
    name_similar: float = 90.0  # rapidfuzz token_sort_ratio of normalised names: "the same name"
    near_miss: float = 85.0  # similar enough to show a maintainer, never enough to merge on its own
    same_host_name: float = 70.0  # two links on one own host with names this close are one community
    max_block: int = 200  # a name token shared by more names than this is too common to block on
    max_links_per_platform: int = 3  # a page linking more listed communities of one platform is a directory
    max_shared_link_users: int = 5  # a link more pages than this carry (an umbrella org's site) proves nothing


DEFAULT_DEDUPE = DedupeThresholds()


@dataclass(frozen=True)
class Entry:
    """One link as dedupe sees it."""

    id: str
    name: str
    url: str  # canonical
    platform: str
    links: frozenset[str] = field(default_factory=frozenset)  # canonical URLs its own pages link to


@dataclass(frozen=True)
class Candidate:
    left: str  # the smaller id, so a pair has one spelling
    right: str
    score: float
    verdict: str  # MERGE or NEAR_MISS
    rule: str  # links-to, same-address, same-host, name-and-link, name-only, links-many
    evidence: tuple[str, ...]


def normalised_name(name: str) -> str:
    """Lower case, accents and punctuation gone, platform words dropped: what two lists' names share.

    Empty when nothing distinctive is left ("Lemmy", "Discord server", "New Site"): such a name says
    nothing about which community it is, so it is never compared.
    """
    text = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().lower()
    kept = " ".join(w for w in _WORD.findall(text) if w not in FILLER)
    return kept if len(kept) >= MIN_NAME_CHARS else ""


def _address(url: str) -> str:
    """host + path + query without scheme or `www.`: http://www.x.org/a and https://x.org/a are one address."""
    parts = urlsplit(url)
    host = (parts.hostname or "").removeprefix("www.")
    return f"{host}{parts.path.rstrip('/')}" + (f"?{parts.query}" if parts.query else "")


def _pair(a: Entry, b: Entry, score: float, verdict: str, rule: str, *evidence: str) -> Candidate:
    left, right = sorted((a.id, b.id))
    return Candidate(left, right, round(score, 1), verdict, rule, evidence)


class _Finder:
    def __init__(self, entries: list[Entry], thresholds: DedupeThresholds):
        self.entries = entries
        self.t = thresholds
        self.names = [normalised_name(e.name) for e in entries]
        self.found: dict[tuple[str, str], Candidate] = {}
        self.carriers: defaultdict[str, list[int]] = defaultdict(list)
        for i, entry in enumerate(entries):
            for url in entry.links:
                self.carriers[url].append(i)
        # Chapters of one organisation all link its site: such a link tells them apart from nobody.
        self.common_links = frozenset(url for url, ids in self.carriers.items()
                                      if len(ids) > thresholds.max_shared_link_users)

    def keep(self, candidate: Candidate) -> None:
        """The strongest finding per pair: a merge outranks a near miss, then the higher score."""
        key = (candidate.left, candidate.right)
        old = self.found.get(key)
        if old is None or (candidate.verdict == MERGE, candidate.score) > (old.verdict == MERGE, old.score):
            self.found[key] = candidate

    def similarity(self, i: int, j: int) -> float:
        return fuzz.token_sort_ratio(self.names[i], self.names[j]) if self.names[i] and self.names[j] else 0.0

    def by_links(self) -> None:
        at = {entry.url: i for i, entry in enumerate(self.entries)}
        for i, entry in enumerate(self.entries):
            targets = [at[url] for url in entry.links if url in at and at[url] != i]
            per_platform: defaultdict[str, int] = defaultdict(int)
            for j in targets:
                per_platform[self.entries[j].platform] += 1
            for j in targets:
                other = self.entries[j]
                if per_platform[other.platform] > self.t.max_links_per_platform:
                    self.keep(_pair(entry, other, self.similarity(i, j), NEAR_MISS, "links-many",
                                    f"{entry.url} links {other.url}, but also {per_platform[other.platform] - 1} "
                                    f"other listed {other.platform} communities: a directory, not a home"))
                else:
                    self.keep(_pair(entry, other, 100.0, MERGE, "links-to", f"{entry.url} links {other.url}"))

    def by_host(self) -> None:
        blocks: defaultdict[str, list[int]] = defaultdict(list)
        for i, entry in enumerate(self.entries):
            if entry.platform not in PLATFORM_HOSTED:
                blocks[(urlsplit(entry.url).hostname or "").removeprefix("www.")].append(i)
        for members in blocks.values():
            if len(members) > self.t.max_block:
                continue
            for n, i in enumerate(members):
                for j in members[n + 1:]:
                    a, b = self.entries[i], self.entries[j]
                    if _address(a.url) == _address(b.url):
                        self.keep(_pair(a, b, 100.0, MERGE, "same-address", f"{a.url} and {b.url} are one address"))
                    elif (score := self.similarity(i, j)) >= self.t.same_host_name:
                        self.keep(_pair(a, b, score, MERGE, "same-host",
                                        f"both on {urlsplit(a.url).hostname}, names {a.name!r} ~ {b.name!r}"))

    def by_shared_links(self) -> None:
        # At most max_shared_link_users carriers per link, so at most a handful of pairs each.
        for url, ids in self.carriers.items():
            if url in self.common_links:
                continue
            for n, i in enumerate(ids):
                for j in ids[n + 1:]:
                    if (score := self.similarity(i, j)) >= self.t.near_miss:
                        self._named(i, j, score)

    def by_names(self) -> None:
        index: defaultdict[str, list[int]] = defaultdict(list)
        for i, name in enumerate(self.names):
            for token in set(name.split()):
                index[token].append(i)
        blocks = [ids for ids in index.values() if 1 < len(ids) <= self.t.max_block]
        for ids in blocks:
            names = [self.names[i] for i in ids]
            # One C call per block: only the pairs at or above the near-miss score come back.
            scores = process.cdist(names, names, scorer=fuzz.token_sort_ratio, score_cutoff=self.t.near_miss,
                                   workers=1)
            for x, y in zip(*scores.nonzero()):
                if x < y:
                    self._named(ids[x], ids[y], float(scores[x, y]))

    def _named(self, i: int, j: int, score: float) -> None:
        a, b = self.entries[i], self.entries[j]
        shared = (a.links & b.links) - self.common_links
        if shared:  # a shared link with names short of name_similar is shown to a maintainer, not merged
            verdict = MERGE if score >= self.t.name_similar else NEAR_MISS
            self.keep(_pair(a, b, score, verdict, "name-and-link",
                            f"names {a.name!r} ~ {b.name!r}", f"both link {sorted(shared)[0]}"))
        else:
            self.keep(_pair(a, b, score, NEAR_MISS, "name-only",
                            f"names {a.name!r} ~ {b.name!r} ({a.platform}, {b.platform}); no shared evidence"))


def find_candidates(entries: Iterable[Entry], thresholds: DedupeThresholds = DEFAULT_DEDUPE) -> list[Candidate]:
    """Every merge and near miss among entries, each pair once, strongest finding first by pair order."""
    finder = _Finder(list(entries), thresholds)
    finder.by_links()
    finder.by_host()
    finder.by_shared_links()
    finder.by_names()
    return sorted(finder.found.values(), key=lambda c: (c.left, c.right))
