"""Parked and for-sale domains: by address, by what the page loads, by what it says — and nothing else."""
from __future__ import annotations

import ipaddress
import json
from pathlib import Path

import pytest

from crawler import parking

PAGES = Path(__file__).parent / "fixtures" / "pages"
REAL_PAGES = sorted(PAGES.rglob("*.html"))
REFERENCE = json.loads(parking.REFERENCE.read_text())

ALL_NETWORKS = [ipaddress.ip_network(cidr, strict=False) for entry in REFERENCE.values()
                for kind in ("a", "aaaa") for cidr in entry.get("record_types", {}).get(kind, [])]


def _ranges() -> list[tuple[str, str, str]]:
    """(service friendly name, range, an address in the middle of it) for every A/AAAA range in the file."""
    rows = []
    for entry in REFERENCE.values():
        for kind in ("a", "aaaa"):
            for cidr in entry.get("record_types", {}).get(kind, []):
                network = ipaddress.ip_network(cidr, strict=False)
                rows.append((entry["friendly_name"], cidr, str(network[network.num_addresses // 2])))
    return rows


RANGES = _ranges()


def test_the_reference_has_the_studys_services_and_ranges():
    assert len(parking.services()) == len(REFERENCE) >= 80
    assert len(RANGES) >= 60
    assert any(":" in cidr for _, cidr, _ in RANGES), "an IPv6 range is among them"


@pytest.mark.parametrize(("name", "cidr", "address"), RANGES, ids=[cidr for _, cidr, _ in RANGES])
def test_an_address_in_every_parking_range_is_parked_and_names_its_service(name, cidr, address):
    service = parking.service_at_address(address)
    assert service is not None and service.name == name
    reason = parking.parked_reason("<html><body>Welcome to our community</body></html>", address)
    assert reason is not None and name in reason and address in reason


def test_the_first_and_last_address_of_a_range_count_too():
    network = ipaddress.ip_network("185.53.176.0/22")  # ParkingCrew
    assert parking.service_at_address(str(network.network_address)).name == "ParkingCrew"
    assert parking.service_at_address(str(network.broadcast_address)).name == "ParkingCrew"


def test_the_address_just_past_each_range_is_not_parked():
    for network in ALL_NETWORKS:
        after = network.broadcast_address + 1
        if not any(after in other for other in ALL_NETWORKS):
            assert parking.service_at_address(str(after)) is None, f"{after} is past {network}"


@pytest.mark.parametrize("address", [
    "8.8.8.8", "1.1.1.1", "151.101.1.69", "140.82.112.3", "2606:4700::6810:84e5", "2a00:1450:4001:82b::200e",
    "127.0.0.1", "::1", "10.0.0.1",
])
def test_ordinary_addresses_are_not_parked(address):
    assert parking.service_at_address(address) is None
    assert parking.parked_reason("<html><body>Welcome to our community</body></html>", address) is None


@pytest.mark.parametrize("address", ["", None, "not-an-address", "999.1.1.1", "fe80::1%eth0"])
def test_missing_or_odd_addresses_give_no_answer_rather_than_an_error(address):
    assert parking.service_at_address(address) is None


def test_an_ipv4_mapped_ipv6_address_is_judged_by_its_ipv4_address():
    assert parking.service_at_address("::ffff:185.53.176.10").name == "ParkingCrew"


@pytest.mark.parametrize(("page", "domain"), [
    ('<html><body><script src="https://img.sedoparking.com/js/park.js"></script></body></html>', "sedoparking.com"),
    ("<html><body><script src='//www.parkingcrew.net/js/Ql4qUyG4R.js'></script></body></html>", "parkingcrew.net"),
    ('<html><body><script src="https://parking.bodis.com/js/parking.2.121.3.js" async></script></body></html>',
     "bodis.com"),
    ('<html><body><iframe src="https://ww1.above.com/frame?d=example.org"></iframe></body></html>', "above.com"),
    ('<html><body><IFRAME SRC=http://searchmagnified.com/lander></IFRAME></body></html>', "searchmagnified.com"),
    ('<html><head><link rel="stylesheet" href="//www.parkingcrew.net/assets/css/parking.css"></head></html>',
     "parkingcrew.net"),
    ('<a class="button" href="https://dan.com/buy-domain/example.org">Buy now</a>', "dan.com"),
    ('<form action="https://www.afternic.com/forsale/example.org?offer=1"></form>', "afternic.com"),
])
def test_a_page_that_loads_from_a_parking_service_is_parked(page, domain):
    reason = parking.parked_reason(page)
    assert reason is not None and domain in reason


def test_the_reason_names_the_service_behind_the_domain():
    reason = parking.parked_reason('<script src="https://img.sedoparking.com/js/park.js"></script>')
    assert "Sedo" in reason


@pytest.mark.parametrize("phrase", [
    "This domain may be for sale!", "THIS DOMAIN IS FOR SALE", "Buy this domain",
    "The domain name example.org is for sale",
    "This domain has expired. Renew it now.", "Make an offer on this domain", "This domain is parked free of charge",
    "This Web page is parked for FREE, courtesy of GoDaddy.com.", "example.org may be for sale",
    # letters that case-insensitive matching reads in unusual forms (dotted and dotless i, the Kelvin sign, long s)
    "THIS DOMA\u0130N IS FOR SALE", "This doma\u0131n is parked", "PAR\u212aED FOR FREE", "example.org is for \u017fale",
])
def test_for_sale_phrases_mark_a_page_parked(phrase):
    page = f"<html><head><title>example.org</title></head><body><h1>{phrase}</h1></body></html>"
    assert parking.parked_reason(page) is not None


@pytest.mark.parametrize("page", [
    # a community page that talks about domain shops is not a domain shop
    "<html><body><h1>Domain Investors Meetup</h1><p>We discuss dan.com, above.com and Sedo listings.</p></body></html>",
    "<p>Tip: sedoparking.com and parkingcrew.net pay per click.</p>",
    "<p>Our club's old tandem bike is for sale: ask at the next ride.</p>",
    # plain links to a marketplace's front page or articles, not an offer for this domain
    '<p>Our sponsor: <a href="https://dan.com/">Dan</a></p>',
    '<p><a href="https://flippa.com/">Flippa</a> and <a href="https://flippa.com/how-it-works">how it works</a></p>',
    '<a href="https://www.above.com">Above</a>',
    # a domain that merely ends with a parking domain's letters, or starts with it
    '<script src="https://notsedoparking.com/js/app.js"></script>',
    '<script src="https://cdn.mybodis.com/app.js"></script>',
    '<script src="https://sedoparking.com.example.org/app.js"></script>',
    '<iframe src="https://parkingcrew.network/embed"></iframe>',
])
def test_pages_that_only_mention_parking_services_are_not_parked(page):
    assert parking.parked_reason(page) is None


@pytest.mark.parametrize("path", REAL_PAGES, ids=[path.name for path in REAL_PAGES])
def test_real_community_pages_are_not_parked(path):
    page = path.read_text(encoding="utf-8", errors="replace")
    assert parking.parked_reason(page, "93.184.215.14") is None


def test_the_real_pages_are_there():
    assert len(REAL_PAGES) >= 10
