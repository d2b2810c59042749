"""What makes the site's search understand practice (issue 10), kept apart from the search's paging machinery.

- **What the catalogue holds.** A catalogue built before issue 10 (or a test's small one) has no `kind` or `domains`
  column and no practice tables; the search then works as before. `catalogue_facts` reads that, where the
  communities end, the domains' names and every term that names a domain once per published file and keeps them
  until a new file is published (catalogue_swap.CatalogueDatabase.per_file): four queries a search fewer, each of
  which cost a hop to one of Datasette's SQL threads.
- **Query expansion.** Each run of one to three words the visitor typed that names a domain or one of its synonyms
  (`domain_terms`, looked up in the facts) becomes "these words, or a community mapped to that domain": an FTS5 OR with a
  column filter on the indexed `domains` column, `("wildlife" OR domains : "conservation")`. So "conservation" finds
  a community whose text says only "wildlife", straight off the full-text index in rowid (activity) order, with the
  same keyset pages, exact totals and bounded facets as any other search.
- **Ranking reasons, re-ranked within a page.** Pages stay in activity order (what keeps them fast and stable at
  1M rows); within each page of PAGE_SIZE, communities of the searched practice that are active, free, open and have
  a code of conduct come first, and each result says why: "active · matches domain Conservation (description
  mentions 'wildlife') · free · code of conduct". The page says it ranks within the page. A row's domains come with
  the page's own query (DOMAIN_ROWS), not a query of their own.
"""
from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

MAX_TERM_WORDS = 3
KINDS = ("community", "organisation", "event", "resource", "other")
KIND_LABELS = {"community": "Community", "organisation": "Organisation", "event": "Event or conference",
               "resource": "Resource or tool", "other": "Other"}
# Optional columns another part of the catalogue may add (the CoP qualities); used when present.
QUALITY_COLUMNS = ("cost", "code_of_conduct", "membership")
PRACTICE_TABLES = ("community_domains", "domain_terms", "practice_domains")


@dataclass(frozen=True)
class Capabilities:
    columns: frozenset[str] = frozenset()
    tables: frozenset[str] = frozenset()

    @property
    def kinds(self) -> bool:
        return "kind" in self.columns

    @property
    def domains(self) -> bool:
        return "domains" in self.columns and set(PRACTICE_TABLES) <= self.tables


@dataclass(frozen=True)
class CatalogueFacts:
    """What every search needs to know about the catalogue file itself, read once per published file."""
    caps: Capabilities = Capabilities()
    community_end: int | None = None  # the last community's rowid, when the catalogue tells communities from the rest
    domain_names: dict[str, str] = field(default_factory=dict)  # domain id → its name
    domain_terms: dict[str, tuple[str, ...]] = field(default_factory=dict)  # a word or words → the domains they name


async def _read_facts(db) -> CatalogueFacts:
    row = (await db.execute(
        "select (select json_group_array(name) from pragma_table_info('communities')),"
        " (select json_group_array(name) from sqlite_master where type = 'table'"
        "  and name in ('community_domains', 'domain_terms', 'practice_domains'))")).rows[0]
    caps = Capabilities(frozenset(json.loads(row[0] or "[]")), frozenset(json.loads(row[1] or "[]")))
    community_end = (await db.execute("select coalesce(max(rowid), 0) from communities where kind = 'community'")
                     ).rows[0][0] if caps.kinds else None
    if not caps.domains:
        return CatalogueFacts(caps, community_end)
    names = {row[0]: row[1] for row in (await db.execute("select id, name from practice_domains")).rows}
    terms: dict[str, list[str]] = {}
    for term, domain in (await db.execute("select term, domain from domain_terms order by term, domain")).rows:
        terms.setdefault(term, []).append(domain)
    return CatalogueFacts(caps, community_end, names, {term: tuple(found) for term, found in terms.items()})


async def catalogue_facts(db) -> CatalogueFacts:
    """The catalogue's columns, practice tables, where its communities end and its domain vocabulary: read from the
    file once while the site serves it (catalogue_swap.CatalogueDatabase.per_file; a newly published file is read
    afresh), or on every call from a database without `per_file`."""
    per_file = getattr(db, "per_file", None)
    return await per_file("search facts", _read_facts) if per_file is not None else await _read_facts(db)


@dataclass(frozen=True)
class Expansion:
    match: str | None
    domains: tuple[tuple[str, str], ...] = ()  # (words typed, domain id) for each domain the words named


def _quoted(word: str) -> str:
    return '"' + word.replace('"', '""') + '"'


def _singular(word: str) -> list[str]:
    forms = [word]
    if len(word) > 3 and word.endswith("es"):
        forms.append(word[:-2])
    if len(word) > 2 and word.endswith("s"):
        forms.append(word[:-1])
    return forms


def expand(domain_terms: Mapping[str, Sequence[str]], words: list[str]) -> Expansion:
    """The FTS5 query for `words` (each must match), where a run of words that names a domain (in `domain_terms`,
    CatalogueFacts') may also match through the `domains` column instead."""
    if not words:
        return Expansion(None)
    lowered = [word.lower() for word in words]
    found = domain_terms
    parts, named, i = [], [], 0
    while i < len(words):
        for n in range(min(MAX_TERM_WORDS, len(words) - i), 0, -1):  # the longest run that names a domain
            run = " ".join(lowered[i:i + n])
            forms = _singular(run) if n == 1 else [run]
            domains = next((found[form] for form in forms if form in found), None)
            if domains:
                text = " AND ".join(_quoted(word) for word in words[i:i + n])
                alternatives = " OR ".join(f'domains : "{domain.replace("-", " ")}"' for domain in domains)
                parts.append(f"(({text}) OR {alternatives})")
                named += [(" ".join(words[i:i + n]), domain) for domain in domains]
                i += n
                break
        else:
            parts.append(_quoted(words[i]))
            i += 1
    return Expansion(" AND ".join(parts) if named else " ".join(_quoted(word) for word in words), tuple(named))


@dataclass
class Ranked:
    score: int
    reasons: list[str] = field(default_factory=list)


def reasons_for(row: dict, domain_rows: list[dict], domain_names: dict[str, str], searched: set[str],
                columns: frozenset[str]) -> Ranked:
    """Why a result ranks where it does, and its score within the page (higher first)."""
    ranked = Ranked(0)
    if row.get("activity") == "active":
        ranked.score += 2
    ranked.reasons.append(row.get("activity") or "activity unknown")
    if row.get("kind") and row["kind"] != "community":
        ranked.reasons.append(KIND_LABELS.get(row["kind"], row["kind"]).lower() + ", not a community: "
                              + (row.get("kind_reason") or ""))
        ranked.score -= 4
    for domain in domain_rows:
        if domain["domain"] in searched:
            evidence = (domain.get("evidence") or "").split("; ")[0]
            name = domain_names.get(domain["domain"], domain["domain"])
            ranked.reasons.append(f"matches domain {name}" + (f" ({evidence})" if evidence else ""))
            ranked.score += 3
    if "cost" in columns and (row.get("cost") or "") == "free":
        ranked.reasons.append("free")
        ranked.score += 1
    if "code_of_conduct" in columns and row.get("code_of_conduct"):
        ranked.reasons.append("code of conduct")
        ranked.score += 1
    if "membership" in columns and (row.get("membership") or "") == "open":
        ranked.reasons.append("open to join")
        ranked.score += 1
    return ranked


# The page's rows carry their practice domains (index seeks for 20 rows, in the page's own query): [[domain,
# confidence, evidence], …] as JSON, ranked by rank_page.
DOMAIN_ROWS = ("(select json_group_array(json_array(d.domain, d.confidence, d.evidence)) from community_domains d"
               " where d.community_id = c.id) as domain_rows")


def _domain_rows(text: str | None, names: Mapping[str, str]) -> list[dict]:
    found = [{"domain": domain, "confidence": confidence, "evidence": evidence, "name": names.get(domain, domain)}
             for domain, confidence, evidence in json.loads(text or "[]")]
    return sorted(found, key=lambda d: (d["confidence"] is None, -(d["confidence"] or 0), d["domain"]))


def rank_page(rows: list[dict], searched: set[str], caps: Capabilities, names: Mapping[str, str]) -> list[dict]:
    """The page's rows re-ranked within the page, each with `reasons` (a list) and `domains` ([{id, name}]); a row's
    domains are read from its `domain_rows` (DOMAIN_ROWS), `names` naming them."""
    ranked = []
    for place, row in enumerate(rows):
        domains = _domain_rows(row.pop("domain_rows", None), names) if caps.domains else []
        why = reasons_for(row, domains, names, searched, caps.columns)
        row["reasons"] = why.reasons
        row["domains"] = [{"id": d["domain"], "name": d["name"]} for d in domains]
        ranked.append((-why.score, place, row))
    return [row for _, _, row in sorted(ranked, key=lambda item: item[:2])]
