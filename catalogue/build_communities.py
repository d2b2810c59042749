"""The public communities: one row per community, folded from its links (a site, its Discord, its subreddit …).

Each link keeps its own row in `links`, with its own status. A community shows the status of its liveliest
link (live and active first): a forum that moved to Discord is alive if its Discord is. Its name, address and
platform are its oldest link's (the community's id is that link's id); sources, sections and platforms are
the union of its links'.
"""
from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from itertools import groupby

# What a community takes from its liveliest link: its status, and the evidence behind it.
STATUS_FIELDS = ("reachability", "activity", "status_reason", "reachability_reason", "activity_reason", "lifecycle",
                 "successor_url", "last_activity", "status_since", "owner_status", "status_evidence",
                 "days_since_activity", "last_activity_evidence", "stale_metrics", "activity_rank", "last_checked")


def _union(values: Iterable[str | None]) -> str | None:
    found = dict.fromkeys(part for value in values if value for part in value.split(","))
    return ",".join(found) or None


def _json_list(text: str | None) -> list:
    try:
        value = json.loads(text or "[]")
    except ValueError:
        return []
    return value if isinstance(value, list) else []


def _fold(community_id: str, links: list[dict]) -> dict:
    own = next((link for link in links if link["id"] == community_id), links[0])
    liveliest = min(links, key=lambda link: (link["activity_rank"], link["id"] != community_id, link["id"]))
    row = {key: value for key, value in own.items() if key != "community_id"}
    row.update({key: liveliest[key] for key in STATUS_FIELDS})
    row.update({
        "id": community_id,
        "description": own["description"] or next((link["description"] for link in links if link["description"]), ""),
        "language": own["language"] or next((link["language"] for link in links if link["language"]), None),
        "sources": _union(link["sources"] for link in links),
        "sections": _union(link["sections"] for link in links),
        "platforms": json.dumps(sorted({link["platform"] for link in links})),
        "topics": json.dumps(list(dict.fromkeys(topic for link in links for topic in _json_list(link["topics"])))),
        "links": len(links),
        "checks": sum(link["checks"] or 0 for link in links),
        "presences": sum(link["presences"] or 0 for link in links),
        "first_seen": min(link["first_seen"] or "" for link in links) or None,
        "last_seen": max(link["last_seen"] or "" for link in links) or None,
        "status_link": liveliest["id"],
    })
    return row


def fold_links(links: Iterable[dict]) -> Iterator[dict]:
    """Community rows from link rows ordered by community_id."""
    for community_id, members in groupby(links, key=lambda link: link["community_id"]):
        yield _fold(community_id, list(members))
