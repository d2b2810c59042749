"""Quality gate: parse_directory against hand-labelled gold sets, per directory list.

Each list in tests/fixtures/directories (copies of ../shared/corpus, see SOURCES.md there) has a gold set in
tests/gold/directories, labelled by reading the list, independently of the parser (see README.md there).
Both sides are compared as canonical URLs: recall = |gold ∩ found| / |gold|, precision = |gold ∩ found| / |found|.
Floors may rise, never fall.
"""
from __future__ import annotations

import csv
from functools import cache
from pathlib import Path
from typing import NamedTuple

import pytest

from crawler.extract.directory import parse_directory
from crawler.urls import canonicalize

FIXTURES = Path(__file__).parent / "fixtures" / "directories"
GOLD = Path(__file__).parent / "gold" / "directories"
GOLD_COLUMNS = ["url", "name", "section", "note"]
GITHUB = "https://github.com"
DIGITALGOV = "https://digital.gov/communities"
KINDS = {".md": "markdown", ".csv": "csv", ".json": "json"}

RECALL_FLOOR = 0.97
PRECISION_FLOOR = 0.95
# A list that has proven better than the defaults keeps its higher floor here; never lower than the defaults.
RECALL_FLOORS: dict[str, float] = {}
PRECISION_FLOORS: dict[str, float] = {}
SHOWN = 15  # missed and spurious URLs named in a failure message


class Listing(NamedTuple):
    base_url: str  # where the list is published: its relative links resolve against it
    options: dict[str, str] | None = None


LISTS = {
    "discord_awesome-discord-communities.md": Listing(
        f"{GITHUB}/mhxion/awesome-discord-communities/blob/main/README.md"),
    "discourse_discourse-subdomains.md": Listing(f"{GITHUB}/BetterMeetHQ/Discourse-Subdomains/blob/main/README.md"),
    "lemmy_awesome-lemmy-instances.md": Listing(
        f"{GITHUB}/maltfield/awesome-lemmy-instances/blob/main/README.md", {"platform": "lemmy"}),
    "lemmy_awesome-lemmy-instances.csv": Listing(
        f"{GITHUB}/maltfield/awesome-lemmy-instances/blob/main/awesome-lemmy-instances.csv", {"platform": "lemmy"}),
    "matrix_joinmatrix-popular-rooms.md": Listing("https://joinmatrix.org/guide/popular-rooms/"),
    "matrix_joinmatrix-servers.json": Listing("https://joinmatrix.org/servers.json", {"platform": "matrix"}),
    "multi_awesome-tech-communities.md": Listing(
        f"{GITHUB}/MartinRosenberg/Awesome-Tech-Communities/blob/main/README.md"),
    "multi_caribbean-tech-communities.json": Listing(
        f"{GITHUB}/natvrey/caribbean-tech-communities/blob/main/data/communities.json"),
    "reddit_awesome-subreddits.md": Listing(f"{GITHUB}/iCHAIT/awesome-subreddits/blob/master/README.md"),
    "slack_awesome-slack-communities.md": Listing(f"{GITHUB}/filipelinhares/awesome-slack/blob/master/README.md"),
    "slack_awesome-spanish-slack-dev-groups.md": Listing(
        f"{GITHUB}/comunidad-tecnologica/awesome-spanish-slack-dev-groups/blob/master/README.md"),
    # digital.gov: the index, and community pages published at /communities/<slug>/ (slug from front matter)
    "cop_digitalgov/_index.md": Listing(f"{DIGITALGOV}/"),
    "cop_digitalgov/artificial-intelligence.md": Listing(f"{DIGITALGOV}/artificial-intelligence/"),
    "cop_digitalgov/devops.md": Listing(f"{DIGITALGOV}/devops/"),
    "cop_digitalgov/it-acquisition.md": Listing(f"{DIGITALGOV}/it-acquisition/"),
    "cop_digitalgov/open-source.md": Listing(f"{DIGITALGOV}/open-source/"),
    "cop_digitalgov/other-government-communities.md": Listing(f"{DIGITALGOV}/other-government-communities/"),
    "cop_digitalgov/plain-language-community-of-practice.md": Listing(f"{DIGITALGOV}/plain-language/"),
    "cop_digitalgov/user-experience.md": Listing(f"{DIGITALGOV}/user-experience/"),
    "cop_digitalgov/web-managers-forum.md": Listing(f"{DIGITALGOV}/web-content-managers/"),
}


def gold_path(name: str) -> Path:
    return GOLD / (name.replace("/", "__") + ".gold.csv")


def read_gold(name: str) -> list[dict[str, str]]:
    with gold_path(name).open(encoding="utf-8", newline="") as file:
        return list(csv.DictReader(file))


class Urls(NamedTuple):
    canonical: frozenset[str]
    unusable: frozenset[str]  # rejected by canonicalize: counted, never matched

    @property
    def size(self) -> int:
        return len(self.canonical) + len(self.unusable)


def canonical_set(urls: list[str]) -> Urls:
    canonical, unusable = set(), set()
    for url in urls:
        try:
            canonical.add(canonicalize(url))
        except ValueError:
            unusable.add(url)
    return Urls(frozenset(canonical), frozenset(unusable))


@cache
def found_urls(name: str) -> Urls:
    listing = LISTS[name]
    text = (FIXTURES / name).read_text(encoding="utf-8")
    observations = parse_directory(text, kind=KINDS[Path(name).suffix], source=name, base_url=listing.base_url,
                                   options=listing.options)
    return canonical_set([observation.url for observation in observations])


def is_optional(row: dict[str, str]) -> bool:
    """A debatable secondary link (a server's project homepage, a community's GitHub org): see README.md."""
    return row["note"].startswith("optional")


def gold_urls(name: str) -> Urls:
    return canonical_set([row["url"] for row in read_gold(name) if not is_optional(row)])


def optional_urls(name: str) -> frozenset[str]:
    """Neither missed when absent nor spurious when found."""
    return canonical_set([row["url"] for row in read_gold(name) if is_optional(row)]).canonical - gold_urls(name).canonical


def listing_names() -> list[str]:
    return sorted(str(path.relative_to(FIXTURES)) for path in FIXTURES.rglob("*") if path.suffix in KINDS
                  and path.name != "SOURCES.md")


def named(urls: set[str]) -> str:
    shown = sorted(urls)[:SHOWN]
    more = f" … and {len(urls) - SHOWN} more" if len(urls) > SHOWN else ""
    return "\n    ".join(shown) + more


@pytest.mark.parametrize("name", sorted(LISTS))
def test_recall_and_precision_against_gold(name):
    gold, optional = gold_urls(name), optional_urls(name)
    found = found_urls(name)
    found = Urls(found.canonical - optional, found.unusable)
    matched = gold.canonical & found.canonical
    recall = len(matched) / gold.size
    precision = len(matched) / found.size if found.size else 0.0
    missed = set(gold.canonical - matched) | set(gold.unusable)
    spurious = set(found.canonical - matched) | set(found.unusable)
    report = (f"{name}: recall {recall:.3f} ({len(matched)}/{gold.size}), "
              f"precision {precision:.3f} ({len(matched)}/{found.size})\n"
              f"  missed:\n    {named(missed)}\n  spurious:\n    {named(spurious)}")
    assert recall >= RECALL_FLOORS.get(name, RECALL_FLOOR), report
    assert precision >= PRECISION_FLOORS.get(name, PRECISION_FLOOR), report


def test_every_directory_list_is_gated_by_a_gold_set():
    lists = listing_names()
    assert lists, f"no directory lists found in {FIXTURES}"
    assert [name for name in lists if name not in LISTS] == [], "add the list to LISTS with its published address"
    assert [name for name in lists if not gold_path(name).is_file()] == [], "label a gold set (see gold README.md)"
    assert sorted(set(LISTS) - set(lists)) == [], "LISTS names a list that has no fixture copy"


def test_no_gold_set_without_its_list():
    labelled = {path.name for path in GOLD.glob("*.gold.csv")}
    assert labelled == {gold_path(name).name for name in listing_names()}


@pytest.mark.parametrize("name", sorted(LISTS))
def test_gold_set_is_well_formed(name):
    with gold_path(name).open(encoding="utf-8", newline="") as file:
        header = next(csv.reader(file))
    rows = read_gold(name)
    assert header == GOLD_COLUMNS
    assert rows, f"{gold_path(name).name} has no rows"
    assert [row["url"] for row in rows if not row["url"].startswith(("https://", "http://", "mailto:"))] == []


def test_per_list_floors_only_raise_the_defaults():
    assert all(floor >= RECALL_FLOOR for floor in RECALL_FLOORS.values())
    assert all(floor >= PRECISION_FLOOR for floor in PRECISION_FLOORS.values())
    assert set(RECALL_FLOORS) | set(PRECISION_FLOORS) <= set(LISTS)
