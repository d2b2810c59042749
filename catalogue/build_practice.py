"""The catalogue's practice tables: the taxonomy, each community's domains, and the words that name each domain.

- `practice_domains`: the taxonomy as `copdir classify` last read it, with how many communities (and how many of
  them active) each domain holds — what the /domains page lists, counted once here instead of on every visit.
- `community_domains`: per community and domain, the best confidence among its links, with that link's evidence.
- `domain_terms`: every synonym (and name) of every domain, lower case — the search looks the words typed up here
  (an index seek) to also find the communities mapped to a domain the words name.

All INSERT … SELECT from the attached working database; no row passes through Python.
"""
from __future__ import annotations

import sqlite_utils

from catalogue.build_links import COMMUNITY_OF, JOIN_COMMUNITY

_COMMUNITY_DOMAINS = f"""
insert into community_domains (community_id, domain, confidence, evidence)
select community_id, domain, max(confidence),  -- SQLite takes the other columns from the row with the max
  (select group_concat(e.value, '; ') from json_each(case when json_valid(evidence) then evidence else '[]' end) e)
from (select {COMMUNITY_OF.format('d.link_id')} as community_id, d.domain, d.confidence, d.evidence
      from working.link_domains d {JOIN_COMMUNITY.format('d.link_id')})
where community_id in (select id from communities)
group by community_id, domain
order by community_id, domain
"""


def write_practice(out: sqlite_utils.Database) -> None:
    """Fill the practice tables; `communities` (with its `domains` and `kind` columns) is written first."""
    references = [("community_id", "communities", "id")]
    out["community_domains"].create({"community_id": str, "domain": str, "confidence": float, "evidence": str},
                                    pk=("community_id", "domain"), foreign_keys=references)
    out.execute(_COMMUNITY_DOMAINS)
    out["community_domains"].create_index(["domain", "confidence"])
    # A community of several links lists the domains of all of them, best first by the folded confidence.
    out.execute("""update communities set domains = (
        select json_group_array(domain) from (select domain from community_domains
          where community_id = communities.id order by confidence desc, domain))
      where links > 1""")
    out["practice_domains"].create({"id": str, "name": str, "group_id": str, "group_name": str, "synonyms": str,
                                    "communities": int, "active_communities": int}, pk="id")
    out.execute("""insert into practice_domains
        select p.id, p.name, p.group_id, p.group_name, p.synonyms, coalesce(n.communities, 0), coalesce(n.active, 0)
        from working.practice_domains p left join (
          select d.domain, count(*) as communities, sum(c.activity = 'active' and c.reachability = 'live') as active
          from community_domains d join communities c on c.id = d.community_id
          where c.kind = 'community' group by d.domain) n on n.domain = p.id
        order by p.position""")
    out["domain_terms"].create({"term": str, "domain": str}, pk=("term", "domain"),
                               foreign_keys=[("domain", "practice_domains", "id")])
    out.execute("""insert or ignore into domain_terms
        select lower(trim(t.value)), p.id from practice_domains p, json_each(p.synonyms) t where trim(t.value) != ''
        union select lower(p.name), p.id from practice_domains p""")
