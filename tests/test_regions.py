"""data/regions.yml and the locator: a mistake in the vocabulary is named, and a listing is placed only on evidence.

The shipped vocabulary is checked whole; small hand-written ones show each mistake's message. The locator's cases are
the ambiguities the lists hold: Georgia the state and the country, Washington the state and D.C., Java the language,
a flag in a heading, a page's address and ISO codes, "based in" phrases, and a country-code domain (never evidence).
"""
from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

import pytest

from crawler.extract.page import profile_page
from crawler.place.locate import locate, place_of_section
from crawler.place.vocabulary import VocabularyError, load_vocabulary, parse_vocabulary
from crawler.practice.listing import ListingText

NOW = datetime(2026, 11, 20, 6, tzinfo=timezone.utc)
REPO = Path(__file__).parent.parent
VOCABULARY = load_vocabulary(REPO / "data" / "regions.yml")
SMALL = """
areas:
  - {id: europe, name: Europe}
countries:
  - {code: "DE", name: Germany, area: europe, aliases: [Deutschland]}
  - {code: "AT", name: Austria, area: europe}
"""


def test_the_shipped_vocabulary_knows_every_country_and_the_subdivisions_lists_use():
    assert len(VOCABULARY.countries) >= 240
    assert {"US-AL", "US-DC", "CA-ON", "AU-VIC", "DE-BE", "GB-SCT"} <= set(VOCABULARY.subdivisions)
    names = {place.name for place in VOCABULARY.lookup("🇺🇸") + VOCABULARY.lookup("U.S.") + VOCABULARY.lookup("USA")}
    assert names == {"United States"}
    assert VOCABULARY.lookup("Cote d'Ivoire")[0].name == "Côte d'Ivoire"


@pytest.mark.parametrize("text, message", [
    (SMALL + "  - {code: \"FR\", name: France, area: eurpoe}\n", "unknown area 'eurpoe'; did you mean 'europe'?"),
    (SMALL + "  - {code: \"FR\", name: France, aliases: [Deutschland]}\n", "also names Germany"),
    (SMALL + "  - {code: \"FR\", name: France, alias: [Frankreich]}\n", "unknown key 'alias' (did you mean 'aliases'?)"),
    (SMALL + "  - {code: NO, name: Norway}\n", "lacks code"),  # YAML reads a bare NO as false: quote it
    (SMALL + "  - {code: \"DEU\", name: Germany again}\n", "must be a unique ISO 3166-1 alpha-2 code"),
    (SMALL + "subdivisions:\n  - {code: \"XX-AB\", name: Nowhere}\n", "unknown country 'XX'"),
    (SMALL + "citys:\n  - {name: Graz, country: AT}\n", "unknown key 'citys' (did you mean 'cities'?)"),
])
def test_a_malformed_vocabulary_is_refused_with_what_to_fix(text, message):
    with pytest.raises(VocabularyError, match="regions.yml") as raised:
        parse_vocabulary(text)
    assert message in str(raised.value)


def test_a_name_two_places_share_must_be_marked_ambiguous_on_both():
    shared = SMALL + "  - {code: \"GE\", name: Georgia, ambiguous: true}\nsubdivisions:\n  - {code: \"US-GA\", name: Georgia}\n"
    with pytest.raises(VocabularyError, match="mark both 'ambiguous: true'"):
        parse_vocabulary(shared.replace('countries:', 'countries:\n  - {code: "US", name: United States}'))
    parse_vocabulary(shared.replace("name: Georgia}", "name: Georgia, ambiguous: true}")
                     .replace('countries:', 'countries:\n  - {code: "US", name: United States}'))


def _where(section: str) -> tuple[str, str | None] | None:
    place = place_of_section(section, VOCABULARY)
    if place is None:
        return None
    location = locate(ListingText(sections=((section, "a-list"),)), VOCABULARY)
    return location.region, location.locality


@pytest.mark.parametrize("section, expected", [
    ("Regional > USA 🇺🇸 > Alabama", ("United States", "Alabama")),
    ("Regional > USA 🇺🇸 > Georgia", ("United States", "Georgia")),  # the state, under USA
    ("Regional > Other countries > Georgia", ("Georgia", None)),  # the country, among countries
    ("Georgia", None),  # alone: a person, a font, a state or a country — nothing says which
    ("Regional > USA > Washington", ("United States", "Washington")),
    ("Regional > USA > Washington, D.C.", ("United States", "District of Columbia")),
    ("Programming Languages > Java", None),
    ("Jersey", None),
    ("🇩🇪 Deutschland", ("Germany", None)),
    ("Jamaica > Kingston", ("Jamaica", "Kingston")),
    ("América Latina > México", ("Mexico", None)),
    ("Germany/Spain", ("Europe", None)),  # two countries: the area they share
    ("Languages > Python", None),
])
def test_a_section_path_is_read_part_by_part_in_its_parents_context(section, expected):
    assert _where(section) == expected


def test_a_list_tagged_with_an_area_places_its_entries_there_when_nothing_nearer_does():
    listing = ListingText(sections=(("Regional", "caribbean-tech"),),
                          source_tags=(("regional", "caribbean-tech"), ("caribbean", "caribbean-tech")))
    location = locate(listing, VOCABULARY)
    assert (location.region, location.locality) == ("Caribbean", None)
    assert location.reason == "list caribbean-tech is tagged 'caribbean'"
    nearer = locate(ListingText(sections=(("Jamaica", "caribbean-tech"),), source_tags=listing.source_tags), VOCABULARY)
    assert nearer.region == "Jamaica" and nearer.reason == "list section 'Jamaica' (caribbean-tech)"


@pytest.mark.parametrize("description, expected", [
    ("A Berlin-based group of Rust fans", ("Germany", "Berlin")),
    ("We are based in Austin, Texas and meet monthly", ("United States", "Austin")),
    ("Python in Java and Georgia", None),  # place names in free text are not where it is
    ("The Vienna Python user group", None),
])
def test_a_description_places_a_listing_only_when_it_says_so_explicitly(description, expected):
    location = locate(ListingText(description=description), VOCABULARY)
    assert (location and (location.region, location.locality)) == expected


def test_a_country_code_domain_is_not_evidence_of_a_place():
    assert locate(ListingText(url="https://python.de/", name="Python DE", platform="forum"), VOCABULARY) is None


@pytest.mark.parametrize("head, expected", [
    ('<meta name="geo.region" content="US-AL">', ("United States", "Alabama")),
    ('<meta name="geo.placename" content="Graz, Austria">', ("Austria", "Graz")),
    ('<meta property="og:locality" content="Atlanta"><meta property="og:region" content="GA">'
     '<meta property="og:country-name" content="USA">', ("United States", "Atlanta")),
    ('<script type="application/ld+json">{"@type": "Organization", "name": "Bham Devs", "address": {"@type":'
     ' "PostalAddress", "addressLocality": "Birmingham", "addressRegion": "AL", "addressCountry": "US"}}</script>',
     ("United States", "Alabama")),  # "AL" after the country US is Alabama; Birmingham is also England's
    ('<script type="application/ld+json">{"@type": "Event", "name": "Meetup", "startDate": "2026-12-01T18:00",'
     ' "location": {"@type": "Place", "address": {"addressLocality": "Bridgetown", "addressCountry": "BB"}}}</script>',
     ("Barbados", "Bridgetown")),
    ("", None),
])
def test_a_page_that_says_where_it_is_places_its_community(head, expected):
    html = f"<html><head><title>A group</title>{head}</head><body><p>We meet.</p></body></html>"
    profile = profile_page(html, "https://group.example/", NOW)
    location = locate(ListingText(page_place=profile.place), VOCABULARY)
    assert (location and (location.region, location.locality)) == expected
    if location:
        assert location.reason == f"its page says '{profile.place}'"


def test_a_meetup_group_is_placed_where_its_json_ld_says_it_meets():
    from crawler.adapters.meetup import group_page

    body = ('<html><body><script type="application/ld+json">{"@type": "Organization", "name": "Tampa Devs",'
            ' "location": {"@type": "Place", "address": {"@type": "PostalAddress", "addressLocality": "Tampa",'
            ' "addressRegion": "FL", "addressCountry": "us"}}}</script><p>1,234 members · Public group</p>'
            '</body></html>').encode()
    profile = group_page(body, "https://www.meetup.com/tampa-devs/", NOW).profile
    assert profile.place == "Tampa, FL, us"
    location = locate(ListingText(page_place=profile.place), VOCABULARY)
    assert (location.region, location.locality) == ("United States", "Florida")


def test_the_sample_webs_meetup_groups_and_pages_are_placed_where_they_say():
    from crawler.adapters.meetup import group_page
    from crawler.sampleweb.behaviour import Behaviour
    from crawler.sampleweb.pages import PAGE_PLACES, page_place
    from crawler.sampleweb.platform_pages import MEETUP_PLACES, meetup_page

    countries = set()
    for n in range(40):
        group = f"https://www.meetup.com/sample-group-{n}"
        _, _, body = meetup_page(group, Behaviour.LIVE_ACTIVE, NOW)
        location = locate(ListingText(page_place=group_page(body, group + "/", NOW).profile.place), VOCABULARY)
        if location is not None:
            countries.add(location.region)
    assert countries == {VOCABULARY.countries[code].name for _, _, code in MEETUP_PLACES}
    declared = {page_place(f"https://community-{n}.example/") for n in range(200)} - {""}
    assert declared == set(PAGE_PLACES)
    assert all(locate(ListingText(page_place=code), VOCABULARY) is not None for code in PAGE_PLACES)

