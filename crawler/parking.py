"""Parked and for-sale domains, told by where they live and by what their page loads.

The reference is the TMA 2022 study's list of 82 parking services (`reference/parking_services.json`):
- an address inside a service's A/AAAA ranges is a parked domain whatever the page says;
- a page that loads scripts, frames or links from a service's own domains (taken from its NS and
  CNAME patterns, e.g. sedoparking.com, parkingcrew.net) is a parking page;
- the phrases marketplaces print ("this domain may be for sale") catch the rest.
A community page that merely mentions a domain shop in its text is not parked: only URLs in
src/href attributes count.
"""
from __future__ import annotations

import functools
import ipaddress
import json
import re
from dataclasses import dataclass
from pathlib import Path

REFERENCE = Path(__file__).parent / "reference" / "parking_services.json"

FOR_SALE_PHRASES = (
    "this domain may be for sale", "this domain is for sale", "buy this domain", "domain is parked",
    "this domain has expired", "the domain has expired", "parked free", "parked for free", "domain name is for sale",
    "make an offer on this domain", "inquire about this domain",
)
# Marketplace landers name the domain itself: "example.org is for sale", "The domain example.org may be for sale".
_FOR_SALE = re.compile("|".join(re.escape(phrase).replace(r"\ ", r"\s+") for phrase in FOR_SALE_PHRASES),
                       re.IGNORECASE)
# Python's re tries every alternative at every position of a page, which costs a check far more than its request.
# So a page is first searched in C for words the patterns cannot match without: every phrase has "doma" (domain)
# or "parked", every "for sale" has "ale". These have none of the letters that IGNORECASE matches in unusual
# forms (ı and İ for i, ſ for s; the Kelvin sign lowers to k), so lower() finds whatever IGNORECASE would.
_FOR_SALE_WORDS = ("doma", "parked")
_SALE_WORD = "ale"
# "example.org is for sale": looked for only just before a "for sale", so other pages never pay for it
_SALE_WORDS = re.compile(r"\bfor\s+sale\b", re.IGNORECASE)
_NAME_FOR_SALE = re.compile(r"\b[a-z0-9-]+(?:\.[a-z0-9-]+)*\.[a-z]{2,}\s+(?:is|may\s+be)\s+for\s+sale\b", re.IGNORECASE)
# Domains in the NS/CNAME patterns that are hosting or cloud names, not parking services.
_NOT_PARKING_DOMAINS = frozenset({"amazonaws.com", "namecheap.com", "aliyun.com"})


@dataclass(frozen=True)
class ParkingService:
    key: str
    name: str
    kind: str  # parking, marketplace, placeholder, mixed
    networks: tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]
    domains: tuple[str, ...]


def _registrable(pattern: str) -> str | None:
    """'ns%.parkingcrew.net.' → 'parkingcrew.net'; patterns without a usable domain give None."""
    labels = [label for label in pattern.lower().rstrip(".").split(".") if label]
    if len(labels) < 2 or "%" in labels[-2] or "%" in labels[-1]:
        return None
    return ".".join(labels[-2:])


def _service(key: str, entry: dict) -> ParkingService:
    records = entry.get("record_types", {})
    networks = tuple(ipaddress.ip_network(cidr, strict=False)
                     for kind in ("a", "aaaa") for cidr in records.get(kind, []) if isinstance(cidr, str))
    patterns = [item if isinstance(item, str) else item.get("ilike") or ""
                for kind in ("ns", "cname") for item in records.get(kind, [])]
    domains = {domain for domain in map(_registrable, patterns) if domain and domain not in _NOT_PARKING_DOMAINS}
    return ParkingService(key, entry.get("friendly_name", key), entry.get("type", "parking"), networks,
                          tuple(sorted(domains)))


@functools.cache
def services() -> tuple[ParkingService, ...]:
    return tuple(_service(key, entry) for key, entry in json.loads(REFERENCE.read_text()).items())


# src="//x.sedoparking.com/js/…", href="https://dan.com/buy-domain/…": the attribute, the host, the rest.
# One pass over the page for every absolute URL in an attribute; the host is then looked up by suffix,
# which is far cheaper than an alternation of a hundred domains tried at every URL.
_ATTRIBUTE_URL = re.compile(r"""\b(src|href|action)\s*=\s*["']?(?:https?:)?//([\w.-]+)([^"'\s>]*)""", re.IGNORECASE)
# Every host the attribute pattern can find follows a "//" (a literal, which re finds fast): only a page that names
# a parking service's host is searched for the attributes.
_ANY_HOST = re.compile(r"//([\w.-]+)")


@functools.cache
def _service_by_domain() -> dict[str, ParkingService]:
    return {domain: service for service in reversed(services()) for domain in service.domains}


@functools.lru_cache(maxsize=8192)
def _parking_domain(host: str) -> str | None:
    """The parking service domain host belongs to (itself or a subdomain of it), if any."""
    labels = host.lower().rstrip(".").split(".")
    known = _service_by_domain()
    return next((".".join(labels[i:]) for i in range(len(labels) - 1) if ".".join(labels[i:]) in known), None)


def _service_at(ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> ParkingService | None:
    return next((service for service in services() if any(ip in network for network in service.networks)), None)


# A plain link to a marketplace (a community of domain investors may well link dan.com) only counts
# when it is an offer for this domain; loading a script or frame from a parking service always counts.
_OFFER_LINK = re.compile(r"buy|domain|offer|sale|lander|park", re.IGNORECASE)


@functools.lru_cache(maxsize=8192)
def service_at_address(address: str | None) -> ParkingService | None:
    """The parking service whose network holds address, if any."""
    if not address:
        return None
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        return None
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:  # ::ffff:185.53.176.1 is 185.53.176.1
        ip = ip.ipv4_mapped
    return _service_at(ip)


def parked_reason(text: str, address: str | None = None) -> str | None:
    """Why this answer is a parked or for-sale domain, or None when it is not one."""
    if service := service_at_address(address):
        return f"the address {address} belongs to {service.name} ({service.kind})"
    if any(map(_parking_domain, set(_ANY_HOST.findall(text)))):
        if reason := _parking_attribute(text):
            return reason
    lowered = text.lower()
    if any(word in lowered for word in _FOR_SALE_WORDS) and (match := _FOR_SALE.search(text)):
        return f'the page says "{match.group(0).lower()}"'  # one pass over the page for every phrase
    if _SALE_WORD in lowered:
        for sale in _SALE_WORDS.finditer(text):
            if match := _NAME_FOR_SALE.search(text, max(0, sale.start() - 300), sale.end()):
                return f'the page says "{match.group(0).lower()}"'
    return None


def _parking_attribute(text: str) -> str | None:
    """The first src/href/action attribute loading a parking service, or offering this domain on one."""
    for match in _ATTRIBUTE_URL.finditer(text):
        attribute, host, rest = match.groups()
        if not (domain := _parking_domain(host)):
            continue
        if attribute.lower() == "href" and not _OFFER_LINK.search(rest):
            continue
        service = _service_by_domain()[domain]
        verb = "links to an offer on" if attribute.lower() == "href" else "loads"
        return f"the page {verb} {domain} ({service.name}, {service.kind})"
    return None
