"""The public evidence table: every row a status can point at, with what it says and whether a status cites it.

Signals are the metric history (one row per run of equal readings); list annotations, owner overrides and
the checks that statuses and their history cite join them, each under the ref the status names
("signals:17", "listings:ab12…", "checks:42", "owner_overrides:3").

All in SQL from the attached working database: the refs the statuses cite and the stale notes they carry are
unpacked once with json_each into temporary tables, then each kind of evidence is one INSERT … SELECT.
"""
from __future__ import annotations

import sqlite_utils

from catalogue.build_links import COMMUNITY_OF, JOIN_COMMUNITY

EVIDENCE_COLUMNS = {"ref": str, "community_id": str, "link_id": str, "kind": str, "value": str, "observed_at": str,
                    "last_observed_at": str, "times_seen": int, "source_url": str, "note": str, "cited": int}
_INSERT = f"insert into evidence ({', '.join(EVIDENCE_COLUMNS)})"

_CITATIONS = (
    # What the current statuses cite, and the notes on the counters they do not trust.
    "create temp table cited (ref text primary key) without rowid",
    "insert or ignore into temp.cited select e.value from working.statuses s, json_each(s.evidence) e"
    " where json_valid(s.evidence)",
    "create temp table stale_notes (ref text primary key, note text) without rowid",
    "insert or ignore into temp.stale_notes select json_extract(e.value, '$[0]'), json_extract(e.value, '$[1]')"
    " from working.statuses s, json_each(s.stale) e where json_valid(s.stale)"
    " and json_extract(e.value, '$[0]') is not null",
    # The checks a status or a history row cites: the only checks the table carries.
    "create temp table cited_checks (id integer primary key)",
    "insert or ignore into temp.cited_checks select cast(substr(ref, 8) as integer) from temp.cited"
    " where ref like 'checks:%'",
    "insert or ignore into temp.cited_checks select cast(substr(e.value, 8) as integer)"
    " from working.status_history h, json_each(h.evidence) e"
    " where json_valid(h.evidence) and e.value like 'checks:%'",
)

_SIGNALS = f"""{_INSERT}
select 'signals:' || x.id, {COMMUNITY_OF.format("x.community_id")}, x.community_id, x.kind, x.value, x.observed_at,
  coalesce(x.last_observed_at, x.observed_at), coalesce(x.times_seen, 1), x.source_url,
  coalesce('not trusted: ' || n.note, ''), ('signals:' || x.id) in temp.cited
from working.signals x {JOIN_COMMUNITY.format("x.community_id")}
  left join temp.stale_notes n on n.ref = 'signals:' || x.id
"""

_ANNOTATIONS = f"""{_INSERT}
select 'listings:' || x.id, {COMMUNITY_OF.format("x.community_id")}, x.community_id, 'list_annotation',
  (select group_concat(a.value, ', ') from json_each(x.annotations) a), x.first_seen, x.last_seen, null, src.url,
  case when x.section != '' then 'listed under ' || x.section else '' end, ('listings:' || x.id) in temp.cited
from working.observations x join working.sources src on src.name = x.source
  {JOIN_COMMUNITY.format("x.community_id")}
where x.annotations != '[]' and json_valid(x.annotations)
"""

_OWNER_OVERRIDES = f"""{_INSERT}
select 'owner_overrides:' || x.id, {COMMUNITY_OF.format("x.community_id")}, x.community_id, 'owner_' || x.kind,
  case x.kind when 'hiatus' then x.until when 'moved' then x.url else '' end, x.set_at, x.revoked_at, null, null,
  coalesce(nullif(x.note, '') || case when x.revoked_at is not null then '; ' else '' end, '')
    || coalesce('withdrawn ' || substr(x.revoked_at, 1, 10), ''),
  ('owner_overrides:' || x.id) in temp.cited
from working.owner_overrides x {JOIN_COMMUNITY.format("x.community_id")}
where x.verified_at is not null
"""

_CHECKS = f"""{_INSERT}
select 'checks:' || x.id, {COMMUNITY_OF.format("x.community_id")}, x.community_id, 'check', x.outcome, x.checked_at,
  x.checked_at, 1, x.url, x.detail, ('checks:' || x.id) in temp.cited
from temp.cited_checks c join working.checks x on x.id = c.id {JOIN_COMMUNITY.format("x.community_id")}
"""


def write_evidence(out: sqlite_utils.Database) -> int:
    """Fill `evidence` from the attached working database; return its rows."""
    out["evidence"].create(EVIDENCE_COLUMNS, pk="ref", foreign_keys=[("community_id", "communities", "id")])
    for sql in _CITATIONS:
        out.execute(sql)
    for sql in (_SIGNALS, _ANNOTATIONS, _OWNER_OVERRIDES, _CHECKS):
        out.execute(sql)
    for table in ("cited", "stale_notes", "cited_checks"):
        out.execute(f"drop table temp.{table}")
    out["evidence"].create_index(["community_id", "cited"])
    out["evidence"].create_index(["kind"])
    return out["evidence"].count
