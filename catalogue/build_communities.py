"""The public communities: one row per community, folded from its links (a site, its Discord, its subreddit …).

Each link keeps its own row in `links`, with its own status. A community shows the status of its liveliest
link (live and active first): a forum that moved to Discord is alive if its Discord is. Its name, address and
platform are its oldest link's (the community's id is that link's id); sources, sections and platforms are
the union of its links'. It is a community when any of its links is one (a company's site beside its Discord).

Most communities have one link: their rows are copied in SQL. Only communities with several links pass
through Python, to be folded. The table is written in activity order (the liveliest first, then the most
recently active), communities first and then what is not one (organisations, events, resources): its rowids are
that order, so a search that walks the full-text index in rowid order finds the liveliest matches first without
sorting them all, and "communities only" is every rowid up to the last community's.
"""
from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from itertools import groupby

import sqlite_utils

from catalogue.build_links import LINK_COLUMNS
from catalogue.build_qualities import fold_qualities

COMMUNITY_COLUMNS: dict[str, type] = {**{name: kind for name, kind in LINK_COLUMNS.items() if name != "community_id"},
                                      "platforms": str, "links": int, "status_link": str}


# What a community takes from its liveliest link: its status, and the evidence behind it.
STATUS_FIELDS = ("reachability", "activity", "status_reason", "reachability_reason", "activity_reason", "lifecycle",
                 "successor_url", "last_activity", "status_since", "owner_status", "status_evidence",
                 "days_since_activity", "last_activity_evidence", "stale_metrics", "activity_rank", "last_checked",
                 "uptime_30d", "uptime_90d")


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
    row.update(fold_qualities([own, *(link for link in links if link is not own)]))
    # A community if any link is one: the kind and its reason come from the first link that is (its own first).
    kind_link = next((link for link in sorted(links, key=lambda link: link["id"] != community_id)
                      if link["kind"] == "community"), own)
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
        "kind": kind_link["kind"], "kind_reason": kind_link["kind_reason"],
        "domains": json.dumps(list(dict.fromkeys(domain for link in links for domain in _json_list(link["domains"])))),
    })
    return row


def fold_links(links: Iterable[dict]) -> Iterator[dict]:
    """Community rows from link rows ordered by community_id."""
    for community_id, members in groupby(links, key=lambda link: link["community_id"]):
        yield _fold(community_id, list(members))


_COLUMNS = ", ".join(COMMUNITY_COLUMNS)
# A community with one link is that link under its own id: its platforms, one link, itself as status link, its
# topics each once in their first place.
_SINGLE_COLUMNS = ", ".join(
    {"topics": "case when json_valid(topics) and json_type(topics) = 'array' then (select json_group_array(value) from"
               " (select value, min(key) as first from json_each(topics) group by value order by first)) else '[]' end",
     "platforms": "json_array(platform)", "links": "1", "status_link": "id"}.get(name, name) + f" as {name}"
    for name in COMMUNITY_COLUMNS)


def write_communities(out: sqlite_utils.Database) -> int:
    """Fill `communities` from `links` (written first), in activity order; return how many communities."""
    out["communities"].create(COMMUNITY_COLUMNS, pk="id")
    out.execute("create temp table shared_communities as"
                " select community_id as id from links group by community_id having count(*) > 1")
    out.execute("create temp table folded as select * from main.communities where 0")
    out.conn.executemany(f"insert into temp.folded ({_COLUMNS}) values ({', '.join('?' * len(COMMUNITY_COLUMNS))})",
                         ([row[name] for name in COMMUNITY_COLUMNS] for row in fold_links(out.query(
                             "select * from links where community_id in temp.shared_communities"
                             " order by community_id, id"))))
    # Activity order: communities before the rest, then activity_rank, then days since activity (unknown last), then
    # id. It is sorted on those keys alone, then the rows are copied in it (sorting the whole wide rows —
    # descriptions, reasons, evidence — costs a third more at 1M). An order row's rowid is its place, and becomes
    # the community's rowid.
    out.execute("""create temp table community_order as select * from (
        select kind != 'community' as other, activity_rank as rank, days_since_activity as days, id as key,
               rowid as source, 0 as folded
          from links where community_id not in temp.shared_communities
        union all select kind != 'community', activity_rank, days_since_activity, id, rowid, 1 from temp.folded
      ) order by other, rank, days is null, days, key""")
    out.execute(f"insert into communities (rowid, {_COLUMNS}) select o.rowid, {_SINGLE_COLUMNS}"
                " from temp.community_order o join links on links.rowid = o.source where not o.folded")
    out.execute(f"insert into communities (rowid, {_COLUMNS}) select o.rowid, {_COLUMNS}"
                " from temp.community_order o join temp.folded f on f.rowid = o.source where o.folded")
    for table in ("community_order", "folded", "shared_communities"):
        out.execute(f"drop table temp.{table}")
    return out["communities"].count
