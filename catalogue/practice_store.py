"""The working database's side of `copdir classify`: what to classify, and where its answers go.

The classifiers themselves are pure functions in crawler/practice; the CLI (crawler/cli/classify.py) wires them to
these reads and writes. Work goes in chunks, one transaction each, so a run at 1M links streams instead of holding
everything, and a killed run keeps what it finished.
"""
from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable, Iterator
from datetime import datetime

import sqlite_utils

from catalogue.stored_json import stored_list

CHUNK = 2000

# A link needs classifying when it never was, when the taxonomy changed, when it was profiled since, or when a list
# named it since (a new section to read).
_DUE = """
select c.id, c.name, c.description, c.platform, c.canonical_url as url, c.page_title, c.page_description, c.topics,
  c.place
from communities c left join link_kinds k on k.link_id = c.id
where c.id > :after and (:everything or k.link_id is null or k.taxonomy != :taxonomy
  or coalesce(c.profiled_at, '') > k.classified_at
  or exists (select 1 from observations o where o.community_id = c.id and o.first_seen > k.classified_at))
order by c.id limit :limit
"""


def record_taxonomy(db: sqlite_utils.Database, domains: Iterable[dict]) -> None:
    """Replace the working copy of the taxonomy (the build publishes it as `practice_domains`)."""
    with db.atomic():
        db.execute("delete from practice_domains")
        db["practice_domains"].insert_all(domains)


def links_to_classify(db: sqlite_utils.Database, taxonomy: str, everything: bool = False) -> Iterator[list[dict]]:
    """Chunks of links due for classifying, each with its listings' sections and its lists' tags."""
    tags = {row["name"]: [str(tag) for tag in stored_list(row["tags"])] for row in db["sources"].rows}
    after = ""
    while True:
        rows = list(db.query(_DUE, {"after": after, "everything": int(everything), "taxonomy": taxonomy,
                                    "limit": CHUNK}))
        if not rows:
            return
        ids = [row["id"] for row in rows]
        listed: dict[str, list[tuple[str, str]]] = defaultdict(list)
        for row in db.query("select community_id, source, section from observations where community_id in"
                            " (select value from json_each(:ids)) order by source, section", {"ids": json.dumps(ids)}):
            listed[row["community_id"]].append((row["section"] or "", row["source"]))
        for row in rows:
            row["topics"] = [str(topic) for topic in stored_list(row["topics"])]
            row["sections"] = list(dict.fromkeys((section, source) for section, source in listed[row["id"]]
                                                 if section))
            row["source_tags"] = list(dict.fromkeys((tag, source) for _, source in listed[row["id"]]
                                                    for tag in tags.get(source, ())))
        yield rows
        after = ids[-1]


def record_classes(db: sqlite_utils.Database, results: list[dict], taxonomy: str, now: datetime) -> None:
    """Store one chunk's answers: per link {id, kind, reason, domains: [{domain, confidence, evidence}], region,
    locality, region_reason}."""
    ids = json.dumps([result["id"] for result in results])
    with db.atomic():
        db.execute("delete from link_domains where link_id in (select value from json_each(?))", [ids])
        db["link_domains"].insert_all(({"link_id": result["id"], "domain": match["domain"],
                                        "confidence": match["confidence"], "evidence": json.dumps(match["evidence"])}
                                       for result in results for match in result["domains"]), batch_size=1000)
        db["link_kinds"].upsert_all(({"link_id": result["id"], "kind": result["kind"], "reason": result["reason"],
                                      "domains": json.dumps([match["domain"] for match in result["domains"]]),
                                      "region": result.get("region"), "locality": result.get("locality"),
                                      "region_reason": result.get("region_reason"),
                                      "taxonomy": taxonomy, "classified_at": now.isoformat()}
                                     for result in results), pk="link_id", batch_size=1000)
