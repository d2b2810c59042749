"""The public evidence table: every row a status can point at, with what it says and whether a status cites it.

Signals are the metric history (one row per run of equal readings); list annotations, owner overrides and
the checks that statuses and their history cite join them, each under the ref the status names
("signals:17", "listings:ab12…", "checks:42", "owner_overrides:3").
"""
from __future__ import annotations

import json
from collections.abc import Iterator

import sqlite_utils

EVIDENCE_COLUMNS = {"ref": str, "community_id": str, "link_id": str, "kind": str, "value": str, "observed_at": str,
                    "last_observed_at": str, "times_seen": int, "source_url": str, "note": str, "cited": int}


def _citations(working: sqlite_utils.Database) -> tuple[set[str], set[str], dict[str, str]]:
    """(refs current statuses cite, refs any history row cites, stale notes by ref)."""
    cited, in_history, notes = set(), set(), {}
    for row in working.query("select evidence, stale from statuses"):
        cited.update(json.loads(row["evidence"] or "[]"))
        notes.update({ref: note for ref, note in json.loads(row["stale"] or "[]") if ref})
    for row in working.query("select evidence from status_history where evidence is not null"):
        in_history.update(json.loads(row["evidence"]))
    return cited, in_history, notes


def _rows(working: sqlite_utils.Database) -> Iterator[dict]:
    cited, in_history, notes = _citations(working)
    for row in working.query("select * from signals"):
        ref = f"signals:{row['id']}"
        yield {"ref": ref, "community_id": row["community_id"], "kind": row["kind"], "value": row["value"],
               "observed_at": row["observed_at"], "last_observed_at": row["last_observed_at"] or row["observed_at"],
               "times_seen": row["times_seen"] or 1, "source_url": row["source_url"],
               "note": f"not trusted: {notes[ref]}" if ref in notes else "", "cited": int(ref in cited)}
    for row in working.query("select o.id, o.community_id, o.annotations, o.section, o.first_seen, o.last_seen,"
                             " s.url from observations o join sources s on s.name = o.source"
                             " where o.annotations != '[]'"):
        ref = f"listings:{row['id']}"
        yield {"ref": ref, "community_id": row["community_id"], "kind": "list_annotation",
               "value": ", ".join(json.loads(row["annotations"])), "observed_at": row["first_seen"],
               "last_observed_at": row["last_seen"], "times_seen": None, "source_url": row["url"],
               "note": f"listed under {row['section']}" if row["section"] else "", "cited": int(ref in cited)}
    for row in working.query("select * from owner_overrides where verified_at is not null"):
        ref = f"owner_overrides:{row['id']}"
        value = row["until"] if row["kind"] == "hiatus" else row["url"] if row["kind"] == "moved" else ""
        revoked = f"withdrawn {row['revoked_at'][:10]}" if row["revoked_at"] else ""
        yield {"ref": ref, "community_id": row["community_id"], "kind": f"owner_{row['kind']}", "value": value,
               "observed_at": row["set_at"], "last_observed_at": row["revoked_at"], "times_seen": None,
               "source_url": None, "note": "; ".join(filter(None, [row["note"], revoked])), "cited": int(ref in cited)}
    check_ids = sorted(int(ref.split(":")[1]) for ref in cited | in_history if ref.startswith("checks:"))
    for start in range(0, len(check_ids), 500):  # SQLite caps bound parameters
        part = check_ids[start:start + 500]
        for row in working.query(f"select * from checks where id in ({','.join('?' * len(part))})", part):
            ref = f"checks:{row['id']}"
            yield {"ref": ref, "community_id": row["community_id"], "kind": "check", "value": row["outcome"],
                   "observed_at": row["checked_at"], "last_observed_at": row["checked_at"], "times_seen": 1,
                   "source_url": row["url"], "note": row["detail"], "cited": int(ref in cited)}


def write_evidence(working: sqlite_utils.Database, out: sqlite_utils.Database,
                   community_of: dict[str, str] | None = None) -> None:
    """community_of: each link id's community id (links not in it are their own community)."""
    community_of = community_of or {}
    out["evidence"].create(EVIDENCE_COLUMNS, pk="ref", foreign_keys=[("community_id", "communities", "id")])
    out["evidence"].insert_all(({**row, "link_id": row["community_id"],
                                 "community_id": community_of.get(row["community_id"], row["community_id"])}
                                for row in _rows(working)), batch_size=1000)
    out["evidence"].create_index(["community_id", "cited"])
    out["evidence"].create_index(["kind"])
