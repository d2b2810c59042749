"""The sample web's hosts with broken certificates, over loopback through the real resolver seam.

A client that trusts the sample web's CA (as COPDIR_SAMPLE_WEB makes copdir do) is told "expired"
for a tls-expired host and "self-signed" for a tls-invalid one, exactly as OpenSSL tells it for real
hosts; plain http to those hosts still answers, and every other https host works as before.
"""
from __future__ import annotations

import asyncio
import socket
import ssl

import httpx
import pytest
from cryptography import x509

from crawler.net import Fetched, NetPolicy, fetch, make_client
from crawler.sampleweb.behaviour import Behaviour, host_behaviour
from crawler.sampleweb.resolver import SampleWebResolver
from crawler.sampleweb.tls import CA_PEM, CERTS, TLS_PORT_OFFSET

TRUSTING = NetPolicy(allow_loopback=True, extra_ca_pem=CA_PEM, deadline_s=5)
EXPIRED = 10  # X509_V_ERR_CERT_HAS_EXPIRED
NOT_TRUSTED_OR_NOT_THIS_NAME = {18, 19, 62}  # self-signed, self-signed in chain, hostname mismatch


def hosts(manifest: list[dict], behaviour: Behaviour, scheme: str = "https", count: int = 3) -> list[str]:
    found = sorted({row["url"].split("/")[2] for row in manifest
                    if row["behaviour"] == behaviour.value and row["url"].startswith(f"{scheme}://")})
    assert found, f"no {scheme} {behaviour.value} community in the lists"
    return found[:count]


def attempt(resolver: SampleWebResolver, url: str, policy: NetPolicy = TRUSTING) -> Fetched | BaseException:
    async def go():
        async with make_client(resolver, policy) as client:
            try:
                return await fetch(client, policy, url)
            except httpx.HTTPError as exc:
                return exc

    return asyncio.run(go())


def verify_code(outcome: object) -> int | None:
    """The certificate verification error behind a failed request, or None when there is none."""
    seen = outcome if isinstance(outcome, BaseException) else None
    while seen is not None:
        if isinstance(seen, ssl.SSLCertVerificationError):
            return seen.verify_code
        seen = seen.__cause__ or seen.__context__
    return None


def test_a_tls_expired_host_fails_verification_as_expired(sample_web_resolver, manifest):
    for host in hosts(manifest, Behaviour.TLS_EXPIRED):
        outcome = attempt(sample_web_resolver, f"https://{host}/")
        assert isinstance(outcome, httpx.ConnectError), (host, outcome)
        assert verify_code(outcome) == EXPIRED, (host, outcome)


def test_a_tls_invalid_host_fails_verification_as_untrusted_or_for_another_name(sample_web_resolver, manifest):
    for host in hosts(manifest, Behaviour.TLS_INVALID):
        outcome = attempt(sample_web_resolver, f"https://{host}/")
        assert isinstance(outcome, httpx.ConnectError), (host, outcome)
        assert verify_code(outcome) in NOT_TRUSTED_OR_NOT_THIS_NAME, (host, outcome)


def test_without_the_sample_webs_ca_an_expired_host_is_merely_untrusted(sample_web_resolver, manifest):
    [host] = hosts(manifest, Behaviour.TLS_EXPIRED, count=1)
    outcome = attempt(sample_web_resolver, f"https://{host}/", NetPolicy(allow_loopback=True, deadline_s=5))
    assert verify_code(outcome) not in (None, EXPIRED)  # why netconfig trusts CA_PEM with the sample web


def test_robots_txt_of_a_broken_tls_host_fails_as_the_host_does(sample_web_resolver, manifest):
    [host] = hosts(manifest, Behaviour.TLS_EXPIRED, count=1)
    assert verify_code(attempt(sample_web_resolver, f"https://{host}/robots.txt")) == EXPIRED


def test_other_https_hosts_still_answer_with_the_ca_trusted(sample_web_resolver, manifest):
    for behaviour in (Behaviour.LIVE_ACTIVE, Behaviour.NOT_FOUND):
        [host] = hosts(manifest, behaviour, count=1)
        outcome = attempt(sample_web_resolver, f"https://{host}/")
        assert not isinstance(outcome, BaseException), (host, outcome)
        assert outcome.status == (200 if behaviour is Behaviour.LIVE_ACTIVE else 404)


@pytest.mark.parametrize("behaviour", [Behaviour.TLS_EXPIRED, Behaviour.TLS_INVALID])
def test_plain_http_to_a_broken_tls_host_answers_as_a_live_site(sample_web_resolver, manifest, behaviour):
    rows = [row for row in manifest if row["behaviour"] == behaviour.value]
    listed_http = [row for row in rows if row["url"].startswith("http://")]
    for row in listed_http:  # the ground truth agrees: only https meets the broken certificate
        assert row["expected_reachability"] == "live"
    assert all(row["expected_reachability"] == "dead" for row in rows if row["url"].startswith("https://"))
    host = (listed_http or rows)[0]["url"].split("/")[2]
    page = attempt(sample_web_resolver, f"http://{host}/")
    assert not isinstance(page, BaseException) and page.status == 200
    assert "<time datetime=" in page.text() or "<h1>" in page.text()
    robots = attempt(sample_web_resolver, f"http://{host}/robots.txt")
    assert robots.status == 200 and "Allow: /" in robots.text()


def test_the_resolver_sends_only_https_to_broken_tls_hosts_to_the_tls_listener(manifest):
    resolver = SampleWebResolver("127.0.0.1", 8100)
    try:
        for behaviour in (Behaviour.TLS_EXPIRED, Behaviour.TLS_INVALID):
            [host] = hosts(manifest, behaviour, count=1)
            [over_tls] = asyncio.run(resolver.resolve(host, 443, True))
            [plain] = asyncio.run(resolver.resolve(host, 80, False))
            assert (over_tls.port, over_tls.tls) == (8100 + TLS_PORT_OFFSET, True)
            assert (plain.port, plain.tls) == (8100, False)
        [live] = hosts(manifest, Behaviour.LIVE_ACTIVE, count=1)
        assert asyncio.run(resolver.resolve(live, 443, True))[0].port == 8100
    finally:
        resolver.close()


def presented_certificate(port: int, name: str) -> tuple[x509.Certificate, bytes]:
    """The certificate the listener shows for name, and what it answers a client that checks nothing."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.check_hostname, context.verify_mode = False, ssl.CERT_NONE
    with socket.create_connection(("127.0.0.1", port), timeout=5) as raw, \
            context.wrap_socket(raw, server_hostname=name) as tls:
        certificate = x509.load_der_x509_certificate(tls.getpeercert(binary_form=True))
        tls.sendall(f"GET / HTTP/1.1\r\nHost: {name}\r\n\r\n".encode())
        answer = b""
        while chunk := tls.recv(4096):
            answer += chunk
    return certificate, answer


def test_the_listener_shows_an_expired_ca_signed_certificate_for_the_very_name_asked(sample_web_resolver, manifest):
    [host] = hosts(manifest, Behaviour.TLS_EXPIRED, count=1)
    certificate, answer = presented_certificate(sample_web_resolver.port + TLS_PORT_OFFSET, host)
    names = certificate.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert names.get_values_for_type(x509.DNSName) == [host]
    assert certificate.not_valid_after_utc.year == 2001
    assert certificate.issuer == x509.load_pem_x509_certificate(CA_PEM.encode()).subject
    assert answer.startswith(b"HTTP/1.1 200")  # a client that checks nothing still gets a page


def test_the_listener_shows_a_self_signed_certificate_for_another_name(sample_web_resolver, manifest):
    [host] = hosts(manifest, Behaviour.TLS_INVALID, count=1)
    assert host_behaviour(host) is Behaviour.TLS_INVALID
    certificate, _ = presented_certificate(sample_web_resolver.port + TLS_PORT_OFFSET, host)
    assert certificate.issuer == certificate.subject
    names = certificate.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert host not in names.get_values_for_type(x509.DNSName)


def test_the_committed_ca_is_valid_for_about_a_century():
    ca = x509.load_pem_x509_certificate(CA_PEM.encode())
    assert (CERTS / "ca.pem").read_text() == CA_PEM
    assert ca.not_valid_before_utc.year <= 2000 and ca.not_valid_after_utc.year >= 2099
    assert ca.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
