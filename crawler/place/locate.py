"""Where a listing is, with the evidence that says so — or nowhere: an online community has no region.

Evidence, strongest first; the first that places the listing wins:

1. **Its page** (`ListingText.page_place`): what its own page or platform states — a Meetup group's JSON-LD address,
   schema.org `address`/`location`, `<meta name="geo.region" content="US-AL">`, `geo.placename`, `og:locality` /
   `og:country-name` (crawler/extract/page_place.py reads them; the profile stores them).
2. **A list's section path**, read part by part: "Regional > USA 🇺🇸 > Alabama" is Alabama, United States. A part is a
   place only when the whole part (without a flag, a parenthesis or a "?") names one — "Programming Languages > Java"
   is not Indonesia. A name the vocabulary marks ambiguous (Georgia, Jersey, Victoria, Washington) counts only in a
   place's context — a parent part that is a place, a "Regional"/"Other countries" part, or a list tagged regional —
   and the context decides which: Georgia under USA is the state, elsewhere the country.
3. **A list's tag** that names a place (the Caribbean list is tagged "caribbean"): the wider area of all its entries.
4. **An explicit phrase** in its description: "based in Berlin", "Berlin-based". Never a place name alone in free
   text ("a community for Python in Java" says nothing about where it is).

Not used: a country-code or .gov address. A .de or .io community is not necessarily in Germany or the Indian Ocean
— too weak to publish as a region.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from crawler.place.vocabulary import Place, Vocabulary, fold
from crawler.practice.listing import ListingText

# Section parts that say "what follows is a place".
REGIONAL_MARKERS = frozenset({"regional", "region", "regions", "by region", "local", "locations", "location",
                              "other countries", "countries", "by country", "country", "cities", "by city",
                              "local groups", "local communities", "meetups by city", "regional communities"})
REGIONAL_TAGS = frozenset({"regional", "local"})
SPECIFICITY = {"area": 0, "country": 1, "subdivision": 2, "city": 3}
_FLAG = re.compile("[\U0001F1E6-\U0001F1FF]{2}")
_PARENTHESIS = re.compile(r"\([^)]*\)")
_SYMBOLS = re.compile(r"[^\w\s.,'&/-]+")
_BASED = re.compile(r"\bbased (?:in|out of) ((?:[A-Z][\w.'-]*,? ?){1,4})|((?:[A-Z][\w.'-]*[ -]){0,2}[A-Z][\w.'-]*)-based\b")


@dataclass(frozen=True)
class Location:
    region: str  # a country's name, or a wider area's ("Caribbean") when no country is known
    locality: str | None  # a state, province or city, when known
    reason: str  # the evidence: "list section 'Regional > USA > Alabama' (awesome-tech-communities)"
    place: Place


def _part_places(part: str, vocabulary: Vocabulary) -> tuple[Place, ...]:
    """The places a section part may name: its flag's country, or the whole part's name (parts split on '/')."""
    flags = [place for flag in _FLAG.findall(part) for place in vocabulary.lookup(flag)]
    words = _SYMBOLS.sub(" ", _PARENTHESIS.sub(" ", _FLAG.sub(" ", part))).strip(" ?")
    found = vocabulary.lookup(words)
    if not found and "/" in words:  # "Germany/Spain": both, and the caller keeps what they share
        found = tuple(place for piece in words.split("/") for place in vocabulary.lookup(piece))
    return (*flags, *found)


def _within(place: Place, context: Place | None) -> bool:
    if context is None:
        return False
    if context.level == "area":
        return place.area == context.name or place.level == "area"
    return place.country == context.country


def _choose(candidates: tuple[Place, ...], context: Place | None, regional: bool) -> Place | None:
    if not candidates:
        return None
    inside = [place for place in candidates if _within(place, context)]
    if inside:
        return max(inside, key=lambda place: SPECIFICITY[place.level])
    if any(place.ambiguous for place in candidates) and (context is not None or not regional):
        return None  # "Georgia", "Jersey" with nothing around them that says place, or another country's reading
    countries = {place.country for place in candidates if place.country}
    if len(countries) > 1 and not any(place.ambiguous for place in candidates):  # "Germany/Spain": what they share
        areas = {place.area for place in candidates}
        area = areas.pop() if len(areas) == 1 else ""
        return Place("area", area, area=area) if area else None
    # no context to decide between the readings of an ambiguous name: the widest (the country Georgia)
    return min(candidates, key=lambda place: SPECIFICITY[place.level])


def place_of_section(section: str, vocabulary: Vocabulary, regional_list: bool = False) -> Place | None:
    """The most specific place a section path names, reading each part in its parents' context."""
    parts = [part.strip() for part in section.split(">")]
    regional = regional_list or any(fold(part) in REGIONAL_MARKERS for part in parts)
    context: Place | None = None
    for part in parts:
        place = _choose(_part_places(part, vocabulary), context, regional)
        if place is None:
            continue
        if context is None or _within(place, context) and SPECIFICITY[place.level] >= SPECIFICITY[context.level]:
            context = place
        elif not _within(place, context):
            return None  # two places that disagree ("Europe > Mexico"?): say nothing rather than guess
    return context


def _written_place(written: str, vocabulary: Vocabulary) -> Place | None:
    """A written place, "Birmingham, Alabama, US", read as the path "United States > Alabama > Birmingham"; ISO codes
    as what they name ("US-AL", "DE", and "AL" after the country US)."""
    path: list[str] = []
    country = ""
    for part in reversed([part.strip() for part in written.split(",") if part.strip()]):
        # a country's code only where the country is written, last ("Atlanta, GA, US": GA is not Gabon)
        coded = vocabulary.by_code(part.upper()) if "-" in part or not path else None
        if coded is None and country and part.isalpha() and part.isupper():
            coded = vocabulary.by_code(f"{country}-{part}")  # addressRegion "AL" after addressCountry "US"
        if coded is not None and coded.level == "subdivision":
            path += [vocabulary.countries[coded.country].name, coded.name]
        else:
            path.append(coded.name if coded is not None else part)
        if not country:
            country = coded.country if coded is not None else next(
                (place.country for place in vocabulary.lookup(part) if place.level == "country"), "")
    return place_of_section(" > ".join(path), vocabulary, regional_list=True) if path else None


def _location(place: Place, vocabulary: Vocabulary, reason: str) -> Location:
    locality = place.name if place.level in ("subdivision", "city") else None
    return Location(vocabulary.country_name(place), locality, reason, place)


def _tagged_place(listing: ListingText, vocabulary: Vocabulary) -> Location | None:
    for tag, source in listing.source_tags:
        found = [place for place in vocabulary.lookup(tag) if not place.ambiguous]
        if len(found) == 1:
            return _location(found[0], vocabulary, f"list {source} is tagged '{tag}'")
    return None


def _phrase_place(text: str, vocabulary: Vocabulary) -> tuple[Place, str] | None:
    """A place the text states explicitly: "based in Austin, Texas", "Berlin-based" — the longest run of its
    capitalised words that names one (read like a page's place: "Austin, Texas" is Texas > Austin)."""
    for found in _BASED.finditer(text):
        words = (found[1] or found[2]).split()
        runs = [words[:end] for end in range(len(words), 0, -1)] if found[1] else \
            [words[start:] for start in range(len(words))]
        for run in runs:
            place = _written_place(" ".join(run).strip(" ,"), vocabulary)
            if place is not None and not (place.ambiguous and place.level != "city"):
                said = " ".join(run).strip(" ,")
                return place, f"based in {said}" if found[1] else f"{said}-based"
    return None


def locate(listing: ListingText, vocabulary: Vocabulary) -> Location | None:
    """Where the listing is, with why; None when nothing places it (an online community has no region)."""
    if listing.page_place:
        place = _written_place(listing.page_place, vocabulary)
        if place is not None:
            return _location(place, vocabulary, f"its page says '{listing.page_place}'")
    regional_lists = {source for tag, source in listing.source_tags if fold(tag) in REGIONAL_TAGS}
    placed = [(place, section, source) for section, source in listing.sections
              if (place := place_of_section(section, vocabulary, source in regional_lists)) is not None]
    if placed:
        place, section, source = max(placed, key=lambda item: SPECIFICITY[item[0].level])
        if len({item[0].country for item in placed if item[0].country} | {place.country} - {""}) <= 1:
            return _location(place, vocabulary, f"list section '{section}' ({source})")
        return None  # lists disagree on the country: say nothing rather than pick one
    tagged = _tagged_place(listing, vocabulary)
    if tagged is not None:
        return tagged
    stated = _phrase_place(listing.description, vocabulary)
    if stated is not None:
        return _location(stated[0], vocabulary, f"its description says '{stated[1]}'")
    return None
