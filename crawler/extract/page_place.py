"""Where a community's own page says it is, as written: "US-AL", "Birmingham, Alabama, US". Pure functions.

Read, first found wins: schema.org JSON-LD — an organisation's (or group's) `address`, else its `location`, else
the location of its events (a Meetup group meets where its events are) — then `<meta name="geo.region">`
(ISO 3166-2, "US-AL"), `geo.placename`, and Open Graph's `og:locality` / `og:region` / `og:country-name`. Which
country and state the text names is decided later, against data/regions.yml (crawler/place/locate.py), so this
keeps the page's own words.
"""
from __future__ import annotations

from lxml.html import HtmlElement

from crawler.extract.dom import meta

MAX_PLACE = 200
MAX_DEPTH = 4
ADDRESS_PARTS = ("addressLocality", "addressRegion", "addressCountry")
_ORGANISATIONS = ("Organization", "Organisation", "Corporation", "NGO", "LocalBusiness", "Place")


def _types(node: dict) -> set[str]:
    kinds = node.get("@type")
    return {kinds} if isinstance(kinds, str) else {kind for kind in kinds if isinstance(kind, str)} \
        if isinstance(kinds, list) else set()


def _text(value: object) -> str:
    if isinstance(value, dict):  # addressCountry: {"@type": "Country", "name": "US"}
        value = value.get("name")
    return " ".join(value.split()) if isinstance(value, str) else ""


def _address(value: object, depth: int = 0) -> str:
    """A PostalAddress as "locality, region, country"; a plain string as written. A page's JSON-LD nests a Place in a
    location at most a level or two deep: deeper is not read (a hostile page could nest thousands)."""
    if depth > MAX_DEPTH:
        return ""
    if isinstance(value, list):
        return next((found for item in value[:MAX_DEPTH] if (found := _address(item, depth + 1))), "")
    if isinstance(value, str):
        return " ".join(value.split())
    if not isinstance(value, dict):
        return ""
    if "address" in value:  # a Place: its address
        return _address(value["address"], depth + 1)
    return ", ".join(part for name in ADDRESS_PARTS if (part := _text(value.get(name))))


def place_from_json_ld(nodes: list[dict]) -> str:
    """The place the page's JSON-LD gives: its organisation's address or location, else its events' location."""
    organisations = [node for node in nodes if _types(node) & set(_ORGANISATIONS)]
    events = [node for node in nodes if any(kind.endswith("Event") for kind in _types(node))]
    for node in organisations:
        found = _address(node.get("address")) or _address(node.get("location"))
        if found:
            return found[:MAX_PLACE]
    for node in events:
        found = _address(node.get("location"))
        if found:
            return found[:MAX_PLACE]
    return ""


def page_place(root: HtmlElement, ld_nodes: list[dict]) -> str:
    """Where the page says its community is, in the page's words; "" when it does not say."""
    found = place_from_json_ld(ld_nodes) or meta(root, "geo.region") or meta(root, "geo.placename")
    if not found:
        found = ", ".join(part for name in ("og:locality", "og:region", "og:country-name") if (part := meta(root, name)))
    return found[:MAX_PLACE]
