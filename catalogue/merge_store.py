"""Dedupe's storage: the candidates of the last run, maintainers' decisions, and each link's community."""
from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from datetime import datetime

import sqlite_utils

from catalogue.dedupe import Candidate, Entry
from catalogue.identity import ACCEPTED, REJECTED, groups, merged_pairs
from crawler.urls import canonicalize, community_id


def entries(db: sqlite_utils.Database) -> Iterator[Entry]:
    """Every link with the links its own pages make to other presences."""
    links: dict[str, set[str]] = {}
    for row in db.query("select community_id, canonical_url from presences"):
        links.setdefault(row["community_id"], set()).add(row["canonical_url"])
    for row in db.query("select id, name, canonical_url, platform from communities order by id"):
        yield Entry(row["id"], row["name"] or "", row["canonical_url"], row["platform"] or "website",
                    frozenset(links.get(row["id"], ())))


def decisions(db: sqlite_utils.Database) -> dict[tuple[str, str], str]:
    return {(row["left_id"], row["right_id"]): row["decision"] for row in db.query(
        "select left_id, right_id, decision from merge_decisions")}


def record(db: sqlite_utils.Database, candidates: Iterable[Candidate], now: datetime) -> dict[str, int]:
    """Replace the candidates with this run's and regroup every link; one transaction."""
    found = list(candidates)
    first_seen = {row["id"]: row["first_seen"] or "" for row in db.query("select id, first_seen from communities")}
    membership = groups(first_seen, merged_pairs(found, decisions(db)))
    with db.atomic():
        db.execute("delete from merge_candidates")
        db["merge_candidates"].insert_all(({
            "left_id": c.left, "right_id": c.right, "score": c.score, "verdict": c.verdict, "rule": c.rule,
            "evidence": json.dumps(list(c.evidence)), "found_at": now.isoformat()} for c in found), batch_size=1000)
        db.execute("delete from community_links")
        db["community_links"].insert_all(({"link_id": link, "community_id": community}
                                          for link, community in membership.items()), batch_size=5000)
    merged = sum(1 for link, community in membership.items() if link != community)
    return {"candidates": len(found), "merges": sum(c.verdict == "merge" for c in found),
            "near_misses": sum(c.verdict == "near_miss" for c in found), "links_merged": merged,
            "communities": len(set(membership.values()))}


def decide(db: sqlite_utils.Database, left: str, right: str, decision: str, by: str, now: datetime,
           note: str = "") -> None:
    if decision not in (ACCEPTED, REJECTED):
        raise ValueError(f"a decision is {ACCEPTED!r} or {REJECTED!r}, not {decision!r}")
    left, right = sorted((left, right))
    with db.atomic():
        db["merge_decisions"].upsert({"left_id": left, "right_id": right, "decision": decision, "decided_by": by,
                                      "decided_at": now.isoformat(), "note": note}, pk=("left_id", "right_id"))


def split(db: sqlite_utils.Database, link: str, by: str, now: datetime, note: str = "") -> int:
    """Take a link out of its community: reject every pair that joins it to another link. Returns how many."""
    pairs = [(row["left_id"], row["right_id"]) for row in db.query(
        "select left_id, right_id from merge_candidates where left_id = ? or right_id = ?", [link, link])]
    pairs += [(row["left_id"], row["right_id"]) for row in db.query(
        "select left_id, right_id from merge_decisions where decision = ? and (left_id = ? or right_id = ?)",
        [ACCEPTED, link, link])]
    for left, right in set(pairs):
        decide(db, left, right, REJECTED, by, now, note or f"split {link} out")
    return len(set(pairs))


def listing(db: sqlite_utils.Database, verdict: str | None = None, undecided: bool = False) -> list[dict]:
    """Candidates with both links' names and URLs and any decision, for `copdir merges`."""
    sql = ["select m.*, d.decision, d.decided_by, d.decided_at, a.name as left_name, a.canonical_url as left_url,",
           "b.name as right_name, b.canonical_url as right_url from merge_candidates m",
           "left join merge_decisions d on d.left_id = m.left_id and d.right_id = m.right_id",
           "join communities a on a.id = m.left_id join communities b on b.id = m.right_id where 1"]
    params: list = []
    if verdict:
        sql.append("and m.verdict = ?")
        params.append(verdict)
    if undecided:
        sql.append("and d.decision is null")
    sql.append("order by m.verdict, m.score desc, m.left_id")
    return list(db.query(" ".join(sql), params))


def link_merged_submissions(db: sqlite_utils.Database, observations: Iterable[dict], now: datetime) -> int:
    """A moderator merged these submissions into a community: each URL's link joins it at the next dedupe, as a
    maintainer's accepted pair (kept across runs like every decision). Returns how many were recorded."""
    recorded = 0
    for row in observations:
        target = row.get("merge_into")
        try:
            link = community_id(canonicalize(row["url"]))
        except (KeyError, ValueError):
            continue
        if target and link != target:
            decide(db, link, target, ACCEPTED, "moderator", now,
                   f"submission {row.get('submission_id')} merged into {target} at /moderate")
            recorded += 1
    return recorded
