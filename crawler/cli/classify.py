"""`copdir classify`: map every link to practice domains and decide what it is (community, organisation …).

Reads the working database through catalogue/practice_store.py, runs the pure classifiers of crawler/practice on
each link due (new, re-profiled, newly listed, or classified with another taxonomy), and stores the answers for the
build. `copdir build` runs it first, so the catalogue always has them.
"""
from __future__ import annotations

import json
from collections import Counter
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

import click

from crawler.place.locate import locate
from crawler.place.vocabulary import DEFAULT_PATH as REGIONS_PATH
from crawler.place.vocabulary import VocabularyError, load_vocabulary
from crawler.practice.domains import map_domains
from crawler.practice.kind import classify_kind
from crawler.practice.listing import ListingText
from crawler.practice.taxonomy import DEFAULT_PATH, Taxonomy, TaxonomyError, load_taxonomy

if TYPE_CHECKING:
    import sqlite_utils


def _listing(row: dict) -> ListingText:
    return ListingText(name=row["name"] or "", description=row["description"] or "", platform=row["platform"] or "",
                       url=row["url"] or "", sections=tuple(map(tuple, row["sections"])),
                       source_tags=tuple(map(tuple, row["source_tags"])), topics=tuple(row["topics"]),
                       page_title=row["page_title"] or "", page_description=row["page_description"] or "",
                       page_place=row["place"] or "")


def _taxonomy_rows(taxonomy: Taxonomy) -> list[dict]:
    group_names = {group.id: group.name for group in taxonomy.groups}
    return [{"id": domain.id, "name": domain.name, "group_id": domain.group, "group_name": group_names[domain.group],
             "synonyms": json.dumps(list(domain.synonyms)), "position": position}
            for position, domain in enumerate(taxonomy.domains)]


def classify(db: sqlite_utils.Database, now: datetime, taxonomy_path: Path = DEFAULT_PATH,
             everything: bool = False, regions_path: Path = REGIONS_PATH) -> dict[str, int]:
    """Classify every link that is due; return counts: links classified, by kind, domain rows written and links
    placed in a region."""
    from catalogue import practice_store, store

    taxonomy = load_taxonomy(taxonomy_path)
    vocabulary = load_vocabulary(regions_path)
    # Either file changed: every link is classified again (the stored "taxonomy" names both).
    fingerprint = f"{taxonomy.fingerprint}+{vocabulary.fingerprint}"
    run_id = store.start_run(db, "classify", now)
    practice_store.record_taxonomy(db, _taxonomy_rows(taxonomy))
    counts: Counter[str] = Counter()
    for chunk in practice_store.links_to_classify(db, fingerprint, everything):
        results = []
        for row in chunk:
            listing = _listing(row)
            verdict = classify_kind(listing)
            domains = map_domains(listing, taxonomy)
            location = locate(listing, vocabulary)
            results.append({"id": row["id"], "kind": verdict.kind, "reason": verdict.reason,
                            "domains": [{"domain": m.domain, "confidence": m.confidence, "evidence": list(m.evidence)}
                                        for m in domains],
                            **({"region": location.region, "locality": location.locality,
                                "region_reason": location.reason} if location else {})})
            counts[verdict.kind] += 1
            counts["domains"] += len(domains)
            counts["placed"] += location is not None
        practice_store.record_classes(db, results, fingerprint, now)
        counts["classified"] += len(results)
    summary = {"classified": counts.pop("classified", 0), "domains": counts.pop("domains", 0),
               "placed": counts.pop("placed", 0), **counts}
    store.finish_run(db, run_id, now, "ok", summary)
    return summary


def register(cli: click.Group, stage, open_db) -> None:
    @cli.command("classify")
    @click.option("--taxonomy", type=click.Path(path_type=Path), default=DEFAULT_PATH, show_default=True,
                  help="The practice-domain taxonomy.")
    @click.option("--regions", type=click.Path(path_type=Path), default=REGIONS_PATH, show_default=True,
                  help="The vocabulary of places (countries, areas, states, cities).")
    @click.option("--all", "everything", is_flag=True, help="Classify every link again, not only those due.")
    @click.option("--check", is_flag=True, help="Only validate the taxonomy file and say what it holds.")
    @click.pass_context
    def classify_command(ctx: click.Context, taxonomy: Path, regions: Path, everything: bool, check: bool) -> None:
        """Map each link to practice domains, a kind (community, organisation, event, resource or other) and a region,
        each with its evidence. A region is set only when a list section, a list's tag or the page says where.
        Only links that are new, re-profiled, newly listed or classified with an older taxonomy are done again
        (--all: every link). `copdir build` runs it first.

        \b
        Example:
          copdir classify
          copdir classify --check --taxonomy data/practice_domains.yml --regions data/regions.yml
        """
        try:
            if check:
                loaded = load_taxonomy(taxonomy)
                places = load_vocabulary(regions)
                click.echo(f"classify: {taxonomy} is valid — {len(loaded.domains)} domains in "
                           f"{len(loaded.groups)} groups; {regions} is valid — {len(places.countries)} countries, "
                           f"{len(places.subdivisions)} subdivisions")
                return
            counts = stage(classify, open_db(ctx), ctx.obj["now"], taxonomy, everything, regions)
        except (TaxonomyError, VocabularyError) as exc:
            raise click.ClickException(str(exc)) from exc
        click.echo("classify: " + ", ".join(f"{value} {key}" for key, value in counts.items()))
