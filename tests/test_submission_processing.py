"""Processing submissions: each pending URL is probed through the guarded network layer, profiled, matched
against the catalogue, and the result kept for the moderator.

One loopback server plays every site. The resolver seam decides who it is: `good.test` resolves to it, and so
does `loopback.test`; `metadata.test` resolves to 169.254.169.254 and `internal.test` to 10.0.0.5. The policy
admits loopback for one name only — `NetPolicy(allowed_hosts={"good.test"})` — so the good site is reached while
`loopback.test`, the literal 127.0.0.1 and every other private address stay refused, at the first hop or at a
redirect. The server counts what it was asked, so "nothing was fetched" is checked, not assumed.
"""
from __future__ import annotations

import asyncio
import sqlite3
from datetime import datetime, timezone

import pytest
from click.testing import CliRunner

from catalogue import submission_results, submissions, validation
from crawler.cli import cli, submissions_command
from catalogue_site import community_row, write_catalogue
from crawler.net import NetPolicy, make_client
from crawler.submission_probe import ProbeOutcome, probe_submission
from crawler.urls import canonicalize
from loopback_web import LoopbackSite, NamesResolver

NOW = datetime(2026, 11, 21, 12, 0, tzinfo=timezone.utc)
GOOD = "good.test"
POLICY = NetPolicy(allowed_hosts=frozenset({GOOD}), deadline_s=5.0)
GOOD_PAGE = b"""<!doctype html><html lang="en"><head><title>Permaculture Growers</title>
<meta name="description" content="Gardeners who share what works, season by season.">
<meta name="keywords" content="permaculture, gardening">
</head><body><h1>Permaculture Growers</h1><p>Gardeners who share what works, season by season.</p></body></html>"""


@pytest.fixture
def site(loopback_site) -> LoopbackSite:
    """Every site of these tests: GOOD_PAGE at any path but these redirects (and /silent, which never answers)."""
    port = loopback_site.port
    loopback_site.fallback = GOOD_PAGE
    loopback_site.redirects.update({
        "/to-loopback-name": f"http://loopback.test:{port}/secret", "/to-loopback": f"http://127.0.0.1:{port}/secret",
        "/to-metadata": "http://169.254.169.254/latest/meta-data/", "/to-internal": "http://internal.test/admin",
        "/to-broken": "http://[::1", "/moved": "/"})
    return loopback_site


def resolver(port: int) -> NamesResolver:
    return NamesResolver({GOOD: ("127.0.0.1", port), "loopback.test": ("127.0.0.1", port),
                          "metadata.test": ("169.254.169.254", port), "internal.test": ("10.0.0.5", port)})


def probe(site: LoopbackSite, url: str, policy: NetPolicy = POLICY):
    async def go():
        async with make_client(resolver(site.port), policy) as client:
            return await probe_submission(client, policy, url, NOW)
    return asyncio.run(go())


# --- the probe ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("host, sentence", [
    ("loopback.test", "refused: loopback.test resolves to 127.0.0.1, a loopback address"),
    ("metadata.test",
     "refused: metadata.test resolves to 169.254.169.254, a link-local address (cloud metadata lives there)"),
    ("internal.test", "refused: internal.test resolves to 10.0.0.5, not a public address"),
])
def test_a_host_that_resolves_to_a_private_address_is_refused_and_nothing_is_fetched(site, host, sentence):
    result = probe(site, f"http://{host}:{site.port}/")

    assert result.outcome is ProbeOutcome.REFUSED
    assert result.detail == sentence
    assert result.profile is None
    assert site.asked == []


def test_the_cloud_metadata_address_is_refused_even_for_a_name_the_policy_trusts(site):
    trusting = NetPolicy(allowed_hosts=frozenset({GOOD, "metadata.test"}))

    result = probe(site, f"http://metadata.test:{site.port}/", trusting)

    assert result.outcome is ProbeOutcome.REFUSED
    assert "169.254.169.254" in result.detail
    assert site.asked == []


@pytest.mark.parametrize("path, refused_at, why", [
    ("/to-loopback-name", "http://loopback.test:{port}/secret",
     "loopback.test resolves to 127.0.0.1, a loopback address"),
    ("/to-loopback", "http://127.0.0.1:{port}/secret", "127.0.0.1 is a loopback address"),
    ("/to-metadata", "http://169.254.169.254/latest/meta-data/",
     "169.254.169.254 is a link-local address (cloud metadata lives there)"),
    ("/to-internal", "http://internal.test/admin", "internal.test resolves to 10.0.0.5, not a public address"),
])
def test_a_redirect_to_a_private_address_is_refused_at_that_hop(site, path, refused_at, why):
    refused_at = refused_at.format(port=site.port)

    result = probe(site, f"http://{GOOD}:{site.port}{path}")

    assert result.outcome is ProbeOutcome.REFUSED
    assert result.detail == f"refused at redirect 1 ({refused_at}): {why}"
    assert result.final_url == refused_at
    assert site.asked == [f"{GOOD}:{site.port}{path}"]  # the first hop only: /secret was never asked


def test_a_redirect_to_something_that_is_no_address_is_an_outcome_not_a_crash(site):
    result = probe(site, f"http://{GOOD}:{site.port}/to-broken")

    assert result.outcome is ProbeOutcome.NO_ANSWER
    assert "Invalid URL in location header" in result.detail


def test_a_good_page_answers_and_is_profiled(site):
    result = probe(site, f"http://{GOOD}:{site.port}/moved")

    assert result.outcome is ProbeOutcome.ANSWERED
    assert result.detail == f"answered 200 at http://{GOOD}:{site.port}/ after 1 redirect"
    assert result.profile.name == "Permaculture Growers"
    assert result.profile.description == "Gardeners who share what works, season by season."
    assert result.profile.language == "en"


def test_a_name_that_does_not_resolve_and_a_server_that_never_answers_are_no_answer(site):
    unknown = probe(site, "http://nowhere.test/")
    silent = probe(site, f"http://{GOOD}:{site.port}/silent", NetPolicy(allowed_hosts=frozenset({GOOD}),
                                                                        deadline_s=0.5))

    assert unknown.outcome is silent.outcome is ProbeOutcome.NO_ANSWER
    assert unknown.detail.startswith("no answer: the name does not resolve (nowhere.test")
    assert silent.detail == "no answer: time-out"


# --- the command ----------------------------------------------------------------------------------------------


def build_catalogue(path, good_url: str) -> None:
    write_catalogue(path, [community_row("a" * 16, "Permaculture Growers", good_url),
                           community_row("b" * 16, "Rust Lisboa", "https://rust-lisboa.example.org/")])


def submit(store: sqlite3.Connection, url: str, name: str) -> int:
    form = {"url": url, "name": name, "description": "", "topics": "", "platform": "website", "language": "en",
            "contact": "owner@example.org"}
    submission, errors = validation.validate(form)
    assert not errors
    return submissions.store(store, submission, submissions.client_key(store, "192.0.2.1"), NOW)


def test_the_command_stores_what_it_found_for_the_moderator_and_processes_each_submission_once(
        site, tmp_path, monkeypatch):
    good_url = f"http://{GOOD}:{site.port}/"
    build_catalogue(tmp_path / "catalogue.db", canonicalize(good_url))
    store_path = tmp_path / "submissions.db"
    store = submissions.open_store(store_path)
    good = submit(store, good_url, "Permaculture growers")
    metadata = submit(store, f"http://metadata.test:{site.port}/", "Metadata")
    hop = submit(store, f"http://{GOOD}:{site.port}/to-loopback", "Sneaky")
    store.close()
    monkeypatch.setattr(submissions_command, "network_from_env", lambda: (resolver(site.port), POLICY))
    arguments = ["submissions", "process", "--store", str(store_path), "--catalogue", str(tmp_path / "catalogue.db")]

    first = CliRunner().invoke(cli, arguments)
    again = CliRunner().invoke(cli, arguments)

    assert first.exit_code == 0, first.output
    lines = first.output.splitlines()
    assert lines[0] == (f"submission {good}: answered 200 at {good_url}; may already be Permaculture Growers "
                        "(listed at the same address)")
    assert lines[1].startswith(f"submission {metadata}: refused: metadata.test resolves to 169.254.169.254")
    assert lines[2].startswith(f"submission {hop}: refused at redirect 1 (http://127.0.0.1:{site.port}/secret)")
    assert lines[3] == ("submissions: 3 processed, 1 answered, 2 refused, 0 with no answer; rechecks: 0 made due, 0 not; "
                        "0 sender keys past 30 days forgotten")
    assert again.output.startswith("submissions: 0 processed, 0 answered, 0 refused, 0 with no answer;")
    assert f"{GOOD}:{site.port}/secret" not in site.asked and not any("metadata" in asked for asked in site.asked)
    store = submissions.open_store(store_path)
    checked = submission_results.latest_check(store, good)
    assert checked["outcome"] == "answered"
    assert checked["profile"]["name"] == "Permaculture Growers"
    assert checked["profile"]["description"] == "Gardeners who share what works, season by season."
    assert [match["id"] for match in checked["matches"]] == ["a" * 16]
    assert submission_results.latest_check(store, metadata)["outcome"] == "refused"
    assert store.execute("select count(*) from submission_checks").fetchone()[0] == 3
    assert store.execute("select distinct status from submissions").fetchall() == [("pending",)]
    store.close()


def test_a_page_whose_name_is_like_a_listed_community_is_matched_by_name(site, tmp_path):
    build_catalogue(tmp_path / "catalogue.db", "https://permaculture-growers.example.org/")
    catalogue = submission_results.open_catalogue(tmp_path / "catalogue.db")

    matches = submission_results.catalogue_matches(catalogue, [f"http://{GOOD}:{site.port}/"],
                                                   ["Permaculture Grower", "Permaculture Growers"])
    catalogue.close()

    assert [match.name for match in matches] == ["Permaculture Growers"]
    assert matches[0].reason.startswith("a similar name")


def test_a_missing_catalogue_is_a_clear_error(tmp_path):
    submissions.open_store(tmp_path / "submissions.db").close()

    result = CliRunner().invoke(cli, ["submissions", "process", "--store", str(tmp_path / "submissions.db"),
                                      "--catalogue", str(tmp_path / "missing.db")])

    assert result.exit_code == 1
    assert "run `copdir build` first" in result.output
