"""Ownership claims: a claim page with a token and instructions, verification through the guarded network layer,
a private owner page, and owners' requests written to the working database.

The site is Datasette in-process (as in test_submissions.py), the private store in tmp_path. One loopback server
plays the community's site; the resolver seam maps `owner.test` to it (admitted by `NetPolicy(allowed_hosts=…)`)
and `metadata.test` to 169.254.169.254, which stays refused. The server counts what it was asked.
"""
from __future__ import annotations

import asyncio
import json
import sqlite3
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
import sqlite_utils
from bs4 import BeautifulSoup
from click.testing import CliRunner

from catalogue import claims, submissions
from catalogue.schema import open_working_db
from catalogue_site import FormVisitor, community_row, site_app, write_catalogue
from crawler import claim_check
from crawler.cli import cli
from crawler.cli import claims_command
from crawler.cli.claims_command import verify_claims
from crawler.net import NetPolicy
from loopback_web import LoopbackSite, NamesResolver

NOW = datetime(2026, 11, 21, 12, 0, tzinfo=timezone.utc)
SCRIPT = "<script>alert('copdir')</script>"
OWNED, HOSTILE = "a" * 16, "b" * 16
PLATFORM_HOSTS = ("www.reddit.com", "growers.social", "forum.owner.test")  # platforms played by the loopback site
POLICY = NetPolicy(allowed_hosts=frozenset({"owner.test", *PLATFORM_HOSTS}), deadline_s=5.0)
API_SAMPLES = Path(__file__).parent / "fixtures" / "api_samples"

def resolver(port: int) -> NamesResolver:
    return NamesResolver({"owner.test": ("127.0.0.1", port), "metadata.test": ("169.254.169.254", port),
                          **{host: ("127.0.0.1", port) for host in PLATFORM_HOSTS}})


# --- the catalogue site ---------------------------------------------------------------------------------------


def build_catalogue(path: Path, owned_url: str, platform: str = "website") -> None:
    write_catalogue(path, [community_row(OWNED, "Permaculture Growers", owned_url, platform=platform),
                           community_row(HOSTILE, f"{SCRIPT} Club", f"https://club.example.org/?q={SCRIPT}")])


@pytest.fixture
def site_for(tmp_path, submissions_store, visitors):
    """A visitor of a site whose catalogue lists OWNED at the given URL."""
    def make(owned_url: str, platform: str = "website") -> Visitor:
        path = tmp_path / "catalogue.db"
        build_catalogue(path, owned_url, platform)
        return visitors(site_app(path), Visitor)()

    return make


class Visitor(FormVisitor):
    def claim(self, community: str = OWNED, contact: str = "owner@example.org") -> BeautifulSoup:
        form = self.page(f"/claim?community={community}")
        response = self.post("/claim", form, community=community, contact=contact)
        assert response.status_code == 200, response.text
        return BeautifulSoup(response.text, "html.parser")


def rows(path: Path, sql: str) -> list[tuple]:
    conn = sqlite3.connect(path)
    try:
        return conn.execute(sql).fetchall()
    finally:
        conn.close()


def owner_path(claimed: BeautifulSoup) -> str:
    link = urlsplit(claimed.find(id="owner-link").get_text())
    return f"{link.path}?{link.query}"


def token_of(claimed: BeautifulSoup) -> str:
    return claimed.find(id="claim-token").get_text()


def verify(site: LoopbackSite, platforms: dict[str, str] | None = None) -> list[str]:
    conn = claims.open_store(submissions.store_path())
    lines: list[str] = []
    try:
        asyncio.run(verify_claims(conn, resolver(site.port), POLICY, NOW, lines.append, platforms))
    finally:
        conn.close()
    return lines


# --- claiming -------------------------------------------------------------------------------------------------


def test_the_claim_page_shows_the_community_then_a_token_instructions_and_a_private_link(site_for, submissions_store):
    visitor = site_for("https://growers.example.org/")

    form = visitor.page(f"/claim?community={OWNED}")
    assert form.find(id="claim-community").get_text() == "Permaculture Growers"
    assert form.find("input", attrs={"name": "contact"})["type"] == "email"

    claimed = visitor.claim()
    token = token_of(claimed)
    assert token.startswith("copdir-") and len(token) > 20
    assert claimed.find(id="claim-meta").get_text() == f'<meta name="copdir-verification" content="{token}">'
    assert "/.well-known/copdir-verification.txt" in claimed.find(id="claim-made").get_text()
    key = parse_qs(urlsplit(claimed.find(id="owner-link").get_text()).query)["key"][0]
    stored = rows(submissions_store, "select community_id, url, contact, token, status, key_hash from claims")
    assert stored[0][:5] == (OWNED, "https://growers.example.org/", "owner@example.org", token, "unverified")
    assert key not in stored[0][5]  # only a hash of the owner's key is kept


def test_a_claim_without_the_csrf_token_or_with_a_bad_contact_is_refused_and_nothing_stored(site_for, submissions_store):
    visitor = site_for("https://growers.example.org/")
    forged = visitor.request("POST", "/claim", data={"community": OWNED, "contact": "owner@example.org"})
    bad = visitor.post("/claim", visitor.page(f"/claim?community={OWNED}"), community=OWNED, contact="nobody")

    assert forged.status_code == 403
    assert bad.status_code == 400
    assert "e-mail address" in BeautifulSoup(bad.text, "html.parser").find(id="claim-error").get_text()
    assert not submissions_store.exists()  # nothing was stored: not even the store was made


def test_claims_from_one_address_are_rate_limited(site_for):
    visitor = site_for("https://growers.example.org/")
    for _ in range(claims.CLAIM_RATE_LIMITS[0].count):
        visitor.claim()

    form = visitor.page(f"/claim?community={OWNED}")
    refused = visitor.post("/claim", form, community=OWNED, contact="owner@example.org")

    assert refused.status_code == 429
    assert "Please try again later" in refused.text


def test_a_script_in_the_name_url_or_contact_shows_inert(site_for):
    visitor = site_for("https://growers.example.org/")
    form = visitor.page(f"/claim?community={HOSTILE}")
    refused = visitor.post("/claim", form, community=HOSTILE, contact=f"{SCRIPT}@example.org")
    claimed = visitor.claim(HOSTILE, contact="owner+x@example.org")

    for page in (form, BeautifulSoup(refused.text, "html.parser"), claimed):
        assert page.find("script", string=lambda text: text and "alert" in text) is None
    assert SCRIPT in form.find(id="claim-community").get_text()
    assert SCRIPT in claimed.find(id="claim-url").get_text()
    assert SCRIPT in BeautifulSoup(refused.text, "html.parser").find(id="contact")["value"]


def test_the_community_page_links_to_its_claim(site_for):
    page = site_for("https://growers.example.org/").page(f"/catalogue/communities/{OWNED}")

    assert page.find(id="claim-listing").find("a")["href"] == f"/claim?community={OWNED}"


def test_a_claim_for_a_community_not_in_the_catalogue_is_not_found(site_for, submissions_store):
    visitor = site_for("https://growers.example.org/")

    missing = visitor.page("/claim?community=nope", status=404)

    assert "no such community" in missing.find(id="claim-error").get_text()
    assert not submissions_store.exists()


# --- verifying ------------------------------------------------------------------------------------------------


def test_the_site_tells_owners_what_the_checker_looks_for():
    assert (claims.META_NAME, claims.WELL_KNOWN_PATH) == (claim_check.META_NAME, claim_check.WELL_KNOWN_PATH)


def test_a_token_in_the_pages_meta_tag_verifies_the_claim(site_for, loopback_site):
    visitor = site_for(f"http://owner.test:{loopback_site.port}/")
    claimed = visitor.claim()
    loopback_site.pages["/"] = (f'<html><head><meta name="copdir-verification" content="{token_of(claimed)}">'
                                 f"</head><body>Growers</body></html>").encode()

    lines = verify(loopback_site)

    assert lines == [f"claim 1 (http://owner.test:{loopback_site.port}/): verified: token found in the meta tag"
                     f" of http://owner.test:{loopback_site.port}/"]
    assert visitor.page(owner_path(claimed)).find(id="owner-hiatus") is not None


def test_a_token_in_the_well_known_file_verifies_the_claim(site_for, loopback_site):
    visitor = site_for(f"http://owner.test:{loopback_site.port}/forum")
    claimed = visitor.claim()
    loopback_site.pages["/.well-known/copdir-verification.txt"] = f"  {token_of(claimed)}\n".encode()

    lines = verify(loopback_site)

    assert lines[0].endswith(f"verified: token found in http://owner.test:{loopback_site.port}"
                             "/.well-known/copdir-verification.txt")


@pytest.mark.parametrize("page, file", [
    ('<meta name="copdir-verification" content="copdir-wrong">', "copdir-wrong"),
    ("<p>no token here</p>", None),
    ('<meta name="copdir-verification" content="{token}-and-more">', "{token} and more"),
])
def test_a_wrong_or_missing_token_leaves_the_claim_unverified(site_for, loopback_site, page, file):
    visitor = site_for(f"http://owner.test:{loopback_site.port}/")
    claimed = visitor.claim()
    token = token_of(claimed)
    loopback_site.pages["/"] = page.format(token=token).encode()
    if file is not None:
        loopback_site.pages["/.well-known/copdir-verification.txt"] = file.format(token=token).encode()

    lines = verify(loopback_site)

    assert ": not verified: token not found" in lines[0]
    unverified = visitor.page(owner_path(claimed))
    assert token in unverified.find(id="owner-unverified").get_text()
    assert unverified.find(id="owner-hiatus") is None


def test_a_claim_for_a_url_resolving_to_the_metadata_address_is_refused_and_nothing_fetched(site_for,
                                                                                             loopback_site):
    visitor = site_for(f"http://metadata.test:{loopback_site.port}/")
    visitor.claim()

    lines = verify(loopback_site)

    assert ": not verified: refused: metadata.test — 169.254.169.254" in lines[0]
    assert loopback_site.asked == []


# --- the owner page and applying requests ---------------------------------------------------------------------


def test_the_owner_page_with_a_wrong_key_is_forbidden(site_for):
    visitor = site_for("https://growers.example.org/")
    claimed = visitor.claim()
    claim_id = parse_qs(urlsplit(claimed.find(id="owner-link").get_text()).query)["claim"][0]

    assert visitor.request("GET", f"/owner?claim={claim_id}&key=guessed").status_code == 403
    assert visitor.request("GET", "/owner?claim=999&key=guessed").status_code == 403


def test_a_verified_owners_hiatus_reaches_the_working_database_after_apply(site_for, loopback_site, submissions_store,
                                                                           tmp_path):
    visitor = site_for(f"http://owner.test:{loopback_site.port}/")
    claimed = visitor.claim()
    loopback_site.pages["/"] = f'<meta name="copdir-verification" content="{token_of(claimed)}">'.encode()
    verify(loopback_site)
    until = date.today() + timedelta(days=60)
    owner_page = visitor.page(owner_path(claimed))
    key = owner_page.find(id="owner-hiatus").find("input", attrs={"name": "key"})["value"]

    received = visitor.post("/owner", owner_page, claim="1", key=key, action="hiatus", until=until.isoformat())
    assert received.status_code == 200
    assert BeautifulSoup(received.text, "html.parser").find(id="owner-received").get_text().startswith(
        "Received: hiatus")

    working = tmp_path / "copdir.db"
    db = open_working_db(working)
    db["communities"].insert({"id": OWNED, "name": "Permaculture Growers",
                              "canonical_url": "http://owner.test/"})
    db.close()
    result = CliRunner().invoke(cli, ["--now", NOW.isoformat(), "claims", "apply", "--db", str(working)])
    again = CliRunner().invoke(cli, ["--now", NOW.isoformat(), "claims", "apply", "--db", str(working)])

    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[-1] == "claims: 1 requests applied, 0 kept"
    assert again.output.splitlines()[-1] == "claims: 0 requests applied, 0 kept"
    rows = list(sqlite_utils.Database(working).query(
        "select community_id, kind, until, verified_by, verified_at from owner_overrides"))
    assert rows == [{"community_id": OWNED, "kind": "hiatus", "until": f"{until.isoformat()}T00:00:00+00:00",
                     "verified_by": "owner claim 1", "verified_at": "2026-11-21T12:00:00+00:00"}]


def reddit_about(description: str) -> bytes:
    """r/announcements' real about.json (tests/fixtures/api_samples), its description the owner's."""
    about = json.loads((API_SAMPLES / "reddit_r-announcements_about.json").read_text())
    about["data"]["public_description"] = description
    return json.dumps(about).encode()


def mastodon_instance(description: str) -> bytes:
    """mastodon.social's real /api/v2/instance answer (tests/fixtures/api_samples), its description the owner's."""
    instance = json.loads((API_SAMPLES / "mastodon_api-v2-instance.json").read_text())
    instance["description"] = description
    return json.dumps(instance).encode()


@pytest.mark.parametrize("url, platform, path, answer", [
    ("https://www.reddit.com/r/permaculture/", "reddit", "/r/permaculture/about.json", reddit_about),
    ("https://growers.social/", "mastodon", "/api/v2/instance", mastodon_instance),
])
def test_a_token_in_the_platforms_public_description_verifies_the_claim(site_for, loopback_site, url, platform, path,
                                                                        answer):
    visitor = site_for(url, platform)
    token = token_of(visitor.claim())
    loopback_site.pages[path] = answer(f"Growers sharing what works. Verification: {token}.")

    lines = verify(loopback_site, {OWNED: platform})

    host = url.split("/")[2]
    assert lines[0].endswith(f"verified: token found in the platform's description at https://{host}{path}")
    assert f"{host}{path}" in loopback_site.asked  # asked through the resolver seam, never the real host


def test_a_token_inside_a_longer_word_of_the_description_is_not_enough(site_for, loopback_site):
    visitor = site_for("https://www.reddit.com/r/permaculture/")
    token = token_of(visitor.claim())
    loopback_site.pages["/r/permaculture/about.json"] = reddit_about(f"see x{token}x and {token[:-1]}")

    lines = verify(loopback_site)

    assert ": not verified: token not found in a meta tag" in lines[0]
    assert lines[0].endswith("nor in its platform's description")


def test_verify_takes_the_platform_from_the_catalogue_for_a_forum_on_its_own_domain(site_for, loopback_site,
                                                                                    tmp_path, monkeypatch):
    url = f"http://forum.owner.test:{loopback_site.port}/"
    visitor = site_for(url, platform="discourse")  # the address alone says "website"
    token = token_of(visitor.claim())
    loopback_site.pages["/about.json"] = json.dumps(
        {"about": {"title": "Growers", "description": f"{token} — the growers' forum"}}).encode()
    monkeypatch.setattr(claims_command, "network_from_env", lambda: (resolver(loopback_site.port), POLICY))

    result = CliRunner().invoke(cli, ["--now", NOW.isoformat(), "claims", "verify",
                                      "--catalogue", str(tmp_path / "catalogue.db")])

    assert result.exit_code == 0, result.output
    assert f"token found in the platform's description at {url}about.json" in result.output
    assert result.output.splitlines()[-1] == "claims: 1 checked, 1 verified, 0 not verified"


@pytest.mark.parametrize("fields, message", [
    ({"action": "moved", "moved_url": "http://10.0.0.5/admin"}, "new public address"),
    ({"action": "moved", "moved_url": "javascript:alert(1)"}, "new public address"),
    ({"action": "hiatus", "until": "2020-01-01"}, "after today"),
    ({"action": "hiatus", "until": "soon"}, "date the hiatus ends"),
    ({"action": "delete"}, "Choose what to tell copdir"),
])
def test_an_owners_request_that_cannot_be_taken_says_what_to_do(fields, message):
    parsed, said = claims.parse_request(fields, NOW.date())

    assert parsed is None
    assert message in said


def test_an_unverified_owner_cannot_make_requests(site_for):
    visitor = site_for("https://growers.example.org/")
    claimed = visitor.claim()
    assert visitor.page(owner_path(claimed)).find(id="owner-closed") is None  # no forms to fill in
    key = parse_qs(urlsplit(claimed.find(id="owner-link").get_text()).query)["key"][0]

    refused = visitor.post("/owner", visitor.page(f"/claim?community={OWNED}"), claim="1", key=key, action="closed")

    assert refused.status_code == 409
    assert rows(submissions.store_path(), "select * from owner_requests") == []


def test_verify_before_any_claim_says_so(submissions_store):
    result = CliRunner().invoke(cli, ["claims", "verify"])

    assert result.exit_code == 1
    assert "no claim has been made yet" in result.output
