"""The public `links` table: every address copdir knows, with its own status and the community it belongs to.

One INSERT … SELECT from the attached working database (schema `working`) and the catalogue's `uptime`
(catalogue/rollups.py, written first): the per-link counts (checks, sources, sections, presences) are grouped
once into keyed temp tables the insert seeks into, not a subquery per link, and the derived columns (the
activity rank, days since activity, the evidence that dates it) are SQL too, so no row passes through Python.
At 1M links this is a few seconds, where a dict per row took minutes.
"""
from __future__ import annotations

from datetime import datetime

import sqlite_utils

from catalogue.build_qualities import QUALITY_COLUMNS, quality_select

ACTIVITY_RANK = {"active": 0, "quiet": 1, "dormant": 2, "unknown": 3}
REACHABILITY_RANK = {"live": 0, "moved": 1, "blocked": 2, "unknown": 3, "failing": 4, "dead": 5}

# The columns a community shares with its links, in the order both tables show them.
LINK_COLUMNS: dict[str, type] = {
    "id": str, "community_id": str, "name": str, "description": str, "url": str, "platform": str,
    "reachability": str, "activity": str, "status_reason": str, "reachability_reason": str, "activity_reason": str,
    "lifecycle": str, "successor_url": str, "last_activity": str, "status_since": str, "owner_status": str,
    "status_evidence": str, "last_checked": str, "checks": int, "sources": str, "sections": str, "language": str,
    "first_seen": str, "last_seen": str, "page_name": str, "topics": str, "join_type": str, "join_url": str,
    "code_of_conduct": str, "feeds": str, "page_platform": str, "presences": int, "activity_rank": int,
    "days_since_activity": int, "last_activity_evidence": str, "stale_metrics": str,
    "uptime_30d": float, "uptime_90d": float,
    **QUALITY_COLUMNS,
    # what copdir classify decided (issue 10): community, organisation, event, resource or other, why, and the
    # practice domains best first (a JSON list of ids; their confidence and evidence are in community_domains)
    "kind": str, "kind_reason": str, "domains": str,
    # where it is (issue 7): the country or wider area, the state, province or city, and the evidence; NULL when
    # nothing places it — an online community has no region
    "region": str, "locality": str, "region_reason": str,
}

UNCLASSIFIED = "not classified yet; listed in a directory of communities"


def _rank_case(column: str, ranks: dict[str, int]) -> str:
    whens = " ".join(f"when '{value}' then {rank}" for value, rank in ranks.items())
    return f"(case {column} {whens} else {max(ranks.values())} end)"


# A link's community: the one dedupe put it in, or its own when dedupe has not seen it yet.
COMMUNITY_OF = "coalesce(g.community_id, {0})"
JOIN_COMMUNITY = "left join working.community_links g on g.link_id = {0}"

_LINKS_SQL = f"""
insert into links ({", ".join(LINK_COLUMNS)})
select c.id, {COMMUNITY_OF.format("c.id")}, c.name,
  coalesce(nullif(c.description, ''), c.page_description, ''), c.canonical_url, c.platform,
  coalesce(s.reachability, 'unknown'), coalesce(s.activity, 'unknown'), coalesce(s.reason, 'not checked yet'),
  coalesce(s.reachability_reason, s.reason, 'not checked yet'), coalesce(s.activity_reason, ''),
  coalesce(s.lifecycle, 'unknown'), s.successor_url, s.last_activity, s.since, s.override,
  coalesce(s.evidence, '[]'), k.last_checked, coalesce(k.checks, 0), o.sources, o.sections, c.language,
  c.first_seen, c.last_seen, nullif(c.page_title, ''), c.topics, c.join_type, nullif(c.join_url, ''),
  nullif(c.code_of_conduct, ''), c.feeds, c.profile_platform, coalesce(p.presences, 0),
  {_rank_case("coalesce(s.activity, 'unknown')", ACTIVITY_RANK)}
    + 10 * {_rank_case("coalesce(s.reachability, 'unknown')", REACHABILITY_RANK)},
  max(cast(julianday(:built_at) - julianday(s.last_activity) as integer), 0),
  -- the status lists the activity's own evidence first: that is what dates the last activity
  case when s.last_activity is not null then json_extract(coalesce(s.evidence, '[]'), '$[0]') end,
  (select json_group_array(json_extract(n.value, '$[1]')) from json_each(coalesce(s.stale, '[]')) n),
  u.uptime_30d, u.uptime_90d,
  {quality_select("c")},
  coalesce(lk.kind, 'community'), coalesce(lk.reason, :unclassified), coalesce(lk.domains, '[]'),
  lk.region, lk.locality, lk.region_reason
from working.communities c
  left join working.statuses s on s.community_id = c.id
  {JOIN_COMMUNITY.format("c.id")}
  left join temp.link_checks k on k.community_id = c.id
  left join temp.link_sources o on o.community_id = c.id
  left join temp.link_presences p on p.community_id = c.id
  left join uptime u on u.link_id = c.id
  left join working.link_kinds lk on lk.link_id = c.id
order by c.id  -- rows in key order: the primary key's index grows at its end instead of splitting pages
"""


# Each link's counts, grouped once in key order into a keyed temp table the links insert seeks into (left to
# the planner, each grouped subquery was materialised and then given an automatic index: a second copy).
_COUNTS_SQL = (
    """create temp table link_checks (community_id text primary key, last_checked text, checks int) without rowid""",
    """insert into temp.link_checks select community_id, max(checked_at), count(*) from working.checks
       group by community_id""",
    """create temp table link_sources (community_id text primary key, sources text, sections text) without rowid""",
    """insert into temp.link_sources select community_id, group_concat(distinct source),
         group_concat(distinct nullif(section, '')) from working.observations group by community_id""",
    """create temp table link_presences (community_id text primary key, presences int) without rowid""",
    """insert into temp.link_presences select community_id, count(*) from working.presences group by community_id""",
)


def write_links(out: sqlite_utils.Database, built_at: datetime) -> int:
    """Fill `links` from the attached working database and `uptime`; return how many links it holds."""
    out["links"].create(LINK_COLUMNS, pk="id")
    for statement in _COUNTS_SQL:
        out.execute(statement)
    out.execute(_LINKS_SQL, {"built_at": built_at.isoformat(), "unclassified": UNCLASSIFIED})
    for table in ("link_checks", "link_sources", "link_presences"):
        out.execute(f"drop table temp.{table}")
    return out["links"].count
