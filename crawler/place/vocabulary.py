"""data/regions.yml: the places copdir recognises — areas, countries, subdivisions and cities. Loaded and validated here.

Every mistake is a VocabularyError naming the file, the entry and what to do: an unknown key (with the key it
probably meant), an unknown area or country, a malformed code, a name two places share that is not marked
ambiguous. A name is looked up folded (lower case, accents and punctuation dropped), so "Côte d'Ivoire" and
"Cote dIvoire", "U.S." and "US" are one name.
"""
from __future__ import annotations

import difflib
import hashlib
import re
import unicodedata
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

import yaml

from crawler.config_file import check_keys

DEFAULT_PATH = Path("data/regions.yml")
AREA_KEYS = ("id", "name", "aliases", "parent")
COUNTRY_KEYS = ("code", "name", "area", "aliases", "ambiguous")
SUBDIVISION_KEYS = ("code", "name", "aliases", "ambiguous")
CITY_KEYS = ("name", "country", "aliases", "ambiguous")
_COUNTRY_CODE = re.compile(r"^[A-Z]{2}$")
_SUBDIVISION_CODE = re.compile(r"^[A-Z]{2}-[A-Z0-9]{1,3}$")
_AREA_ID = re.compile(r"^[a-z]+(?:-[a-z]+)*$")
_REGIONAL_INDICATOR_A = 0x1F1E6


class VocabularyError(ValueError):
    """regions.yml is malformed; the message says where and how to fix it."""


@dataclass(frozen=True)
class Place:
    """One recognised place: an area, a country, a subdivision (its country's code first: US-AL) or a city."""

    level: str  # area, country, subdivision or city
    name: str
    country: str = ""  # ISO 3166-1 alpha-2 of the country it is in (or is); empty for an area
    area: str = ""  # the area's name (an area: its own)
    ambiguous: bool = False


@dataclass(frozen=True)
class Vocabulary:
    places: dict[str, tuple[Place, ...]]  # folded name -> the places it may name
    countries: dict[str, Place]  # code -> country
    subdivisions: dict[str, Place]  # ISO 3166-2 code -> subdivision
    fingerprint: str  # sha256 of the file: a changed vocabulary means every link is located again

    def lookup(self, name: str) -> tuple[Place, ...]:
        return self.places.get(name if _is_flag(name) else fold(name), ())

    def by_code(self, code: str) -> Place | None:
        """The country or subdivision an ISO code names, as pages write them: "DE", "US-AL"."""
        code = code.strip()
        return self.countries.get(code) or self.subdivisions.get(code.upper() if "-" in code else "")

    def country_name(self, place: Place) -> str:
        """What the catalogue's `region` says of a place: its country's name, or its area's when it is one."""
        if place.level == "area":
            return place.name
        return self.countries[place.country].name


def fold(name: str) -> str:
    """A name as it is looked up: lower case, without accents, punctuation or repeated spaces."""
    plain = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().lower()
    return " ".join(re.sub(r"[^a-z0-9&]+", " ", plain.replace("'", "").replace(".", "")).split())


def flag_of(code: str) -> str:
    """The flag emoji of a country code: two regional indicator symbols."""
    return "".join(chr(_REGIONAL_INDICATOR_A + ord(letter) - ord("A")) for letter in code)


def _names(entry: dict, where: str) -> list[str]:
    aliases = entry.get("aliases") or []
    if not isinstance(aliases, list) or not all(isinstance(alias, str) and alias.strip() for alias in aliases):
        raise VocabularyError(f"{where}: aliases must be a list of names, e.g. aliases: [USA, U.S.]")
    return [str(entry["name"]), *aliases]


def _entries(document: dict, key: str, keys: tuple[str, ...], required: tuple[str, ...], path: Path) -> list[tuple]:
    entries = document.get(key) or []
    if not isinstance(entries, list):
        raise VocabularyError(f"{path}: '{key}:' must be a list")
    found = []
    for number, entry in enumerate(entries, start=1):
        if not isinstance(entry, dict):
            raise VocabularyError(f"{path}: {key} entry {number} is not a mapping of {', '.join(keys)}")
        where = f"{path}: {key} entry {number} ({entry.get('name') or entry.get('code') or entry.get('id')})"
        check_keys(where, entry, keys, VocabularyError)
        missing = [name for name in required if not entry.get(name)]
        if missing:
            raise VocabularyError(f"{where} lacks {', '.join(missing)}")
        found.append((entry, where))
    return found


def _known(value: str, known: dict, what: str, where: str) -> None:
    if value not in known:
        close = difflib.get_close_matches(value, sorted(known), n=1)
        hint = f"did you mean {close[0]!r}?" if close else f"add it under {what}s: first"
        raise VocabularyError(f"{where}: unknown {what} {value!r}; {hint}")


def parse_vocabulary(text: str, path: Path = DEFAULT_PATH) -> Vocabulary:
    try:
        document = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise VocabularyError(f"{path} is not valid YAML: {exc}") from exc
    if not isinstance(document, dict) or not document.get("countries"):
        raise VocabularyError(f"{path}: expected 'areas:', 'countries:', 'subdivisions:' and 'cities:' lists")
    check_keys(str(path), document, ("areas", "countries", "subdivisions", "cities"), VocabularyError)
    named: list[tuple[str, Place, str]] = []  # (name, place, where)
    areas: dict[str, Place] = {}
    for entry, where in _entries(document, "areas", AREA_KEYS, ("id", "name"), path):
        if not _AREA_ID.match(str(entry["id"])) or entry["id"] in areas:
            raise VocabularyError(f"{where}: the id {entry['id']!r} must be unique, lower case words and hyphens")
        areas[entry["id"]] = Place("area", str(entry["name"]), area=str(entry["name"]))
        named += [(name, areas[entry["id"]], where) for name in _names(entry, where)]
    for entry, where in _entries(document, "areas", AREA_KEYS, ("id", "name"), path):
        if entry.get("parent"):
            _known(str(entry["parent"]), areas, "area", where)
    countries: dict[str, Place] = {}
    for entry, where in _entries(document, "countries", COUNTRY_KEYS, ("code", "name"), path):
        code = str(entry["code"])
        if not _COUNTRY_CODE.match(code) or code in countries:
            raise VocabularyError(f"{where}: the code {code!r} must be a unique ISO 3166-1 alpha-2 code, e.g. DE")
        if entry.get("area"):
            _known(str(entry["area"]), areas, "area", where)
        area = areas[entry["area"]].name if entry.get("area") else ""
        countries[code] = Place("country", str(entry["name"]), code, area, bool(entry.get("ambiguous")))
        named += [(name, countries[code], where) for name in (*_names(entry, where), flag_of(code))]
    subdivisions: dict[str, Place] = {}
    for entry, where in _entries(document, "subdivisions", SUBDIVISION_KEYS, ("code", "name"), path):
        code = str(entry["code"])
        if not _SUBDIVISION_CODE.match(code) or code in subdivisions:
            raise VocabularyError(f"{where}: the code {code!r} must be a unique ISO 3166-2 code, e.g. US-AL")
        _known(code[:2], countries, "country", where)
        subdivisions[code] = Place("subdivision", str(entry["name"]), code[:2], countries[code[:2]].area,
                                   bool(entry.get("ambiguous")))
        named += [(name, subdivisions[code], where) for name in _names(entry, where)]
    for entry, where in _entries(document, "cities", CITY_KEYS, ("name", "country"), path):
        _known(str(entry["country"]), countries, "country", where)
        country = countries[str(entry["country"])]
        city = Place("city", str(entry["name"]), country.country, country.area, bool(entry.get("ambiguous")))
        named += [(name, city, where) for name in _names(entry, where)]
    return Vocabulary(_index(named, path), countries, subdivisions, hashlib.sha256(text.encode()).hexdigest()[:16])


def _index(named: list[tuple[str, Place, str]], path: Path) -> dict[str, tuple[Place, ...]]:
    """Folded name -> places; a name two places share must be marked ambiguous on both (Georgia, Washington)."""
    places: dict[str, list[Place]] = defaultdict(list)
    where_of: dict[tuple[str, Place], str] = {}
    for name, place, where in named:
        key = fold(name) if not _is_flag(name) else name
        if not key:
            raise VocabularyError(f"{where}: the name {name!r} has no letters to look up")
        if place in places[key]:
            continue  # an alias equal to the name once folded ("Mexico", "México")
        for other in places[key]:
            if not (place.ambiguous and other.ambiguous):
                raise VocabularyError(f"{path}: the name {name!r} of {where.split(': ', 1)[1]} also names "
                                      f"{other.name} ({where_of[(key, other)].split(': ', 1)[1]}); remove one, or mark "
                                      "both 'ambiguous: true' so it is read only in a place's context")
        places[key].append(place)
        where_of[(key, place)] = where
    return {key: tuple(found) for key, found in places.items()}


def _is_flag(name: str) -> bool:
    return len(name) == 2 and all(_REGIONAL_INDICATOR_A <= ord(char) < _REGIONAL_INDICATOR_A + 26 for char in name)


def load_vocabulary(path: Path = DEFAULT_PATH) -> Vocabulary:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise VocabularyError(f"{path} not found: restore data/regions.yml or pass --regions") from exc
    return parse_vocabulary(text, path)
