"""Links into communities: the merges the evidence makes and maintainers accept, minus the ones they reject.

A community is a connected group of links. Its id is its oldest link's id (first seen in a list; ties by id),
so a community keeps its id when a newer presence joins it, and a maintainer's decisions — keyed by the pair
of stable link ids — survive every rebuild.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping

from catalogue.dedupe import MERGE, Candidate

ACCEPTED, REJECTED = "accepted", "rejected"


def merged_pairs(candidates: Iterable[Candidate], decisions: Mapping[tuple[str, str], str]) -> list[tuple[str, str]]:
    """The pairs that join: evidence merges nobody rejected, near misses a maintainer accepted, and any other
    pair a maintainer accepted (a submission a moderator merged into a community the evidence never paired)."""
    joined, seen = [], set()
    for c in candidates:
        seen.add((c.left, c.right))
        decision = decisions.get((c.left, c.right))
        if decision == ACCEPTED or (c.verdict == MERGE and decision != REJECTED):
            joined.append((c.left, c.right))
    joined.extend(pair for pair, decision in decisions.items() if decision == ACCEPTED and pair not in seen)
    return joined


def groups(first_seen: Mapping[str, str], pairs: Iterable[tuple[str, str]]) -> dict[str, str]:
    """Every link id → its community's id (the oldest link of its group)."""
    parent = {link: link for link in first_seen}

    def root(link: str) -> str:
        while parent[link] != link:
            parent[link] = parent[parent[link]]  # path halving keeps the trees flat
            link = parent[link]
        return link

    def older(a: str, b: str) -> bool:
        return (first_seen[a], a) < (first_seen[b], b)

    for a, b in pairs:
        if a not in parent or b not in parent:
            continue  # a link that is gone from the working DB
        ra, rb = root(a), root(b)
        if ra != rb:
            if older(rb, ra):
                ra, rb = rb, ra
            parent[rb] = ra  # the older root stays the community's id
    return {link: root(link) for link in parent}
