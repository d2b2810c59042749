"""data/practice_domains.yml: the shipped taxonomy is valid and broad, and mistakes in it are named clearly."""
from __future__ import annotations

from pathlib import Path

import pytest

from crawler.practice.domains import map_domains
from crawler.practice.kind import classify_kind
from crawler.practice.listing import ListingText
from crawler.practice.taxonomy import TaxonomyError, load_taxonomy, parse_taxonomy

SHIPPED = Path(__file__).parent.parent / "data" / "practice_domains.yml"
GROUPS = "groups:\n  - {id: environment, name: Environment}\n  - {id: health, name: Health}\n"


def test_the_shipped_taxonomy_reaches_well_beyond_software():
    taxonomy = load_taxonomy(SHIPPED)
    groups = {group.id for group in taxonomy.groups}
    assert {"health", "environment", "government", "education", "design", "science", "engineering", "arts",
            "business", "nonprofit", "trades", "software-data"} <= groups
    assert all(any(domain.group == group for domain in taxonomy.domains) for group in groups)
    assert next(group for group in taxonomy.groups if group.id == "arts").name == "Arts, culture and media"
    conservation = taxonomy.domain("conservation")
    assert {"wildlife", "biodiversity", "ecology", "habitat", "rewilding"} <= set(conservation.synonyms)
    assert {"civil-engineering", "mechanical-engineering", "electrical-engineering", "public-health"} <= {
        domain.id for domain in taxonomy.domains}


@pytest.mark.parametrize(("text", "message"), [
    (GROUPS + "domains:\n  - {id: conservation, name: C, group: environment, synonyms: [wildlife]}\n"
              "  - {id: conservation, name: D, group: environment, synonyms: [ecology]}\n",
     "domain 2: the id 'conservation' is used twice"),
    (GROUPS + "domains:\n  - {id: conservation, name: C, group: enviroment, synonyms: [wildlife]}\n",
     "unknown group 'enviroment'; did you mean 'environment'?"),
    (GROUPS + "domains:\n  - {id: conservation, name: C, group: environment, synonyms: []}\n",
     "domain 1 (conservation) has no synonyms"),
    (GROUPS + "domains:\n  - {id: conservation, name: C, group: environment}\n",
     "domain 1 (conservation) has no synonyms"),
    (GROUPS + "domains:\n  - {id: Conservation, name: C, group: environment, synonyms: [x]}\n",
     "must be lower-case letters, digits and single hyphens"),
    (GROUPS + "domains:\n  - {id: conservation, name: C, group: environment, synonym: [x]}\n",
     "unknown key 'synonym' (did you mean 'synonyms'?)"),
    (GROUPS + "domains:\n  - {id: conservation, group: environment, synonyms: [x]}\n", "lacks name"),
    ("domains: []\n", "expected a top-level 'groups:' list"),
    (GROUPS + "domains:\n  - {id: x, name: X, group: health, synonyms: [a], hints: {host: [.gov]}}\n",
     "unknown key 'host' (did you mean 'hosts'?)"),
    ("groups: [", "is not valid YAML"),
    ("groups:\n  - {id: arts, name: Arts, culture and media}\ndomains: []\n",
     "group 1 (arts); a name with a comma needs quotes: unknown key 'culture and media'"),
])
def test_a_malformed_taxonomy_is_refused_with_what_to_fix(text, message):
    with pytest.raises(TaxonomyError, match=None) as refused:
        parse_taxonomy(text, Path("practice_domains.yml"))
    assert message in str(refused.value)
    assert str(refused.value).startswith("practice_domains.yml")


def test_a_missing_file_says_what_to_do(tmp_path):
    with pytest.raises(TaxonomyError, match="not found"):
        load_taxonomy(tmp_path / "nope.yml")


def test_a_new_domain_in_the_file_is_mapped_without_code():
    taxonomy = parse_taxonomy(GROUPS + "domains:\n  - {id: beekeeping, name: Beekeeping, group: environment,"
                                       " synonyms: [apiary, beekeeper]}\n")
    found = map_domains(ListingText(name="Northern Beekeepers", description="Apiary tips"), taxonomy)
    assert [match.domain for match in found] == ["beekeeping"]
    assert found[0].evidence[0] == "name mentions 'beekeeper'"


def test_a_section_and_a_description_are_cited_as_evidence():
    taxonomy = load_taxonomy(SHIPPED)
    listing = ListingText(name="Wild Places", description="A forum for people who love wildlife",
                          sections=(("Public health > Nature", "green-lists"),))
    found = {match.domain: match for match in map_domains(listing, taxonomy)}
    assert "description mentions 'wildlife'" in found["conservation"].evidence
    assert "section 'Public health > Nature' of list green-lists" in found["public-health"].evidence
    assert found["conservation"].confidence > 0.5


def test_the_longest_phrase_wins():
    taxonomy = load_taxonomy(SHIPPED)
    found = [match.domain for match in map_domains(ListingText(name="Computer Science Club"), taxonomy)]
    assert found == ["software-development"]


@pytest.mark.parametrize(("listing", "kind", "reason"), [
    (ListingText(name="Falcon", platform="discord"), "community", "a Discord server"),
    (ListingText(name="PyCon US 2024", url="https://us.pycon.org/2024/"), "event", "an event's"),
    (ListingText(name="Acme Widgets Ltd", description="Acme Widgets Ltd is a company making tools"), "organisation",
     "'ltd'"),
    (ListingText(name="Startup Incubator Kingston", description="an incubator and accelerator for startups"),
     "organisation", "'incubator'"),
    (ListingText(name="awesome-python", description="An awesome list of Python frameworks and libraries"),
     "resource", "'awesome list'"),
    (ListingText(name="Tampa Devs", description="Tampa Devs is a nonprofit community for software developers"),
     "community", "'community'"),
])
def test_kinds_come_with_their_reason(listing, kind, reason):
    verdict = classify_kind(listing)
    assert verdict.kind == kind
    assert reason in verdict.reason


def test_phrases_are_whole_words_with_their_punctuation_longest_first():
    from crawler.practice.phrases import PhraseIndex

    index = PhraseIndex([("computer science", "cs"), ("science", "sci"), ("a/b testing", "ab"), ("ai", "ai"),
                         ("developer", "dev"), (".net", "net"), ("c++", "cpp"), ("java", "java")])
    assert index.find("Computer Science, then science; AI-powered developers: A/B Testing in .NET and C++") == [
        "computer science", "science", "ai", "developer", "a/b testing", ".net", "c++"]
    assert index.find("JavaScript and sustainable") == []  # a word inside a longer word is not that word


def test_copdir_classify_check_names_the_mistake_and_changes_nothing(tmp_path):
    from click.testing import CliRunner

    from crawler.cli import cli

    broken = tmp_path / "practice_domains.yml"
    broken.write_text(GROUPS + "domains:\n  - {id: conservation, name: C, group: environment, synonyms: []}\n")
    working = tmp_path / "w.db"
    result = CliRunner().invoke(cli, ["--db", str(working), "classify", "--taxonomy", str(broken)])
    assert result.exit_code == 1 and "domain 1 (conservation) has no synonyms" in result.output
    import sqlite3

    assert sqlite3.connect(working).execute("select count(*) from link_kinds").fetchone()[0] == 0
    checked = CliRunner().invoke(cli, ["classify", "--check", "--taxonomy", str(SHIPPED)])
    assert checked.exit_code == 0 and "is valid — 57 domains in 12 groups" in checked.output
