"""Map a listing to practice domains, each with a confidence and the evidence that says so.

Each synonym of the taxonomy is looked for, as a whole word or phrase, in each field of the listing: its
name, the list sections that name it, its description, its topics, its page's title and description. A
field counts once per domain (a second, different word in it adds half again), with the weight of how
telling that field is: a list's section and the listing's own name say most. Hints (a host suffix such as
".gov", a tag of the list, a platform) add weaker evidence. Confidences combine as independent evidence,
1 − Π(1 − w), so two weak signs beat one. Domains below MIN_CONFIDENCE are dropped; at most MAX_DOMAINS are
kept, best first, and only those within RELATIVE_FLOOR of the best one.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import urlsplit

from crawler.practice.listing import ListingText
from crawler.practice.phrases import PhraseIndex
from crawler.practice.taxonomy import Taxonomy

MIN_CONFIDENCE = 0.35
RELATIVE_FLOOR = 0.7  # a domain far weaker than the listing's best is a passing mention (a Discord's #careers channel)
MAX_DOMAINS = 4
MAX_EVIDENCE = 3  # evidence phrases kept per domain, strongest first
# How much a mention in each field says about what the community practises.
FIELD_WEIGHTS = {"section": 0.6, "name": 0.6, "topics": 0.5, "description": 0.45, "page title": 0.45,
                 "page description": 0.35}
HOST_WEIGHT = 0.4  # an address under .gov says "government" about as clearly as a description does
TAG_WEIGHT = 0.3  # a list's tags describe the list, not each entry: alone, below the floor
PLATFORM_WEIGHT = 0.15


@dataclass(frozen=True)
class DomainMatch:
    domain: str
    confidence: float
    evidence: tuple[str, ...]


class DomainMatcher:
    """The taxonomy's synonyms as a phrase index: whole words, the longest phrase first, a plural allowed."""

    def __init__(self, taxonomy: Taxonomy):
        self.taxonomy = taxonomy
        self.index = PhraseIndex((synonym, domain.id) for domain in taxonomy.domains for synonym in domain.synonyms)
        self.domains_of = self.index.values

    def terms_in(self, text: str) -> list[str]:
        return self.index.find(text)

    def match(self, listing: ListingText) -> list[DomainMatch]:
        # domain -> [(weight, evidence)], one entry per field (and per hint)
        found: dict[str, list[tuple[float, str]]] = defaultdict(list)

        def look(field: str, text: str, describe) -> None:
            per_domain: dict[str, list[str]] = defaultdict(list)
            for term in self.terms_in(text):
                for domain in self.domains_of[term]:
                    per_domain[domain].append(term)
            for domain, terms in per_domain.items():
                weight = FIELD_WEIGHTS[field] * (1.5 if len(terms) > 1 else 1.0)
                found[domain].append((min(weight, 0.9), describe(terms)))

        def mentions(field: str):
            return lambda terms: f"{field} mentions " + ", ".join(f"'{term}'" for term in terms[:2])

        look("name", listing.name, mentions("name"))
        for section, source in listing.sections:
            look("section", section, lambda terms, s=section, l=source: f"section '{s}' of list {l}")
        look("description", listing.description, mentions("description"))
        look("topics", " · ".join(listing.topics), lambda terms: "topics: " + ", ".join(f"'{t}'" for t in terms[:2]))
        look("page title", listing.page_title, mentions("page title"))
        look("page description", listing.page_description, mentions("page description"))
        self._hints(listing, found)
        return _ranked(found)

    def _hints(self, listing: ListingText, found: dict[str, list[tuple[float, str]]]) -> None:
        host = (urlsplit(listing.url).hostname or "").lower() if "://" in listing.url else ""
        if listing.url.lower().startswith("mailto:"):
            host = listing.url.rpartition("@")[2].lower()
        tags = {tag.lower(): source for tag, source in listing.source_tags}
        for domain in self.taxonomy.domains:
            suffix = next((s for s in domain.hosts if host.endswith(s)), None)
            if suffix:
                found[domain.id].append((HOST_WEIGHT, f"address ends in '{suffix}'"))
            tag = next((t for t in domain.tags if t in tags), None)
            if tag:
                found[domain.id].append((TAG_WEIGHT, f"list {tags[tag]} is tagged '{tag}'"))
            if listing.platform in domain.platforms:
                found[domain.id].append((PLATFORM_WEIGHT, f"lives on {listing.platform}"))


def _ranked(found: dict[str, list[tuple[float, str]]]) -> list[DomainMatch]:
    matches = []
    for domain, items in found.items():
        doubt = 1.0
        for weight, _ in items:
            doubt *= 1.0 - weight
        confidence = round(min(1.0 - doubt, 0.99), 2)
        if confidence >= MIN_CONFIDENCE:
            evidence = tuple(dict.fromkeys(text for _, text in sorted(items, key=lambda item: -item[0])))
            matches.append(DomainMatch(domain, confidence, evidence[:MAX_EVIDENCE]))
    matches.sort(key=lambda match: (-match.confidence, match.domain))
    return [match for match in matches if match.confidence >= RELATIVE_FLOOR * matches[0].confidence][:MAX_DOMAINS]


@lru_cache(maxsize=4)
def matcher_for(taxonomy: Taxonomy) -> DomainMatcher:
    return DomainMatcher(taxonomy)


def map_domains(listing: ListingText, taxonomy: Taxonomy) -> list[DomainMatch]:
    """The listing's practice domains, best first, each with its confidence (0–1) and evidence."""
    return matcher_for(taxonomy).match(listing)
