"""Moderation: a maintainer logs in, approves, rejects or merges submissions; every step is logged; an approved
submission is read by the next discovery and reaches the catalogue.

Datasette runs in-process on a small catalogue with the project's settings, templates and plugin; the private
store is pointed into tmp_path with COPDIR_SUBMISSIONS_DB; each visitor is a browser of its own (cookies and
network address).
"""
from __future__ import annotations

import json
import sqlite3
from datetime import datetime, timedelta, timezone
from pathlib import Path

import httpx
import pytest
import sqlite_utils
from bs4 import BeautifulSoup
from datasette.app import Datasette

from catalogue import moderation, store, submissions, validation
from catalogue.build import build_catalogue
from catalogue.schema import open_working_db
from catalogue_site import community_row, datasette_for, write_catalogue
from site_visitor import SiteVisitor
from crawler.cli import stages
from crawler.urls import community_id

REPO = Path(__file__).resolve().parent.parent
PASSWORD = "correct horse battery staple"
SCRIPT = "<script>alert('copdir')</script>"
NOW = datetime(2026, 11, 20, 6, tzinfo=timezone.utc)
COMMUNITY_ID = "00000000000000a1"


def build_small_catalogue(path: Path) -> Path:
    return write_catalogue(path, [community_row(COMMUNITY_ID, "Python Lisboa", "https://python-lisboa.example.org",
                                                language="pt")])


def submit(conn: sqlite3.Connection, name: str, url: str, minutes: int = 0, **fields: str) -> int:
    form = {"url": url, "name": name, "description": "Growers who share.", "topics": "gardening",
            "platform": "discourse", "language": "en", "contact": "owner@example.org", **fields}
    submission, errors = validation.validate(form)
    assert submission, errors
    return submissions.store(conn, submission, f"sender-{name}", NOW + timedelta(minutes=minutes))


@pytest.fixture
def queue(submissions_store) -> dict[str, int]:
    """Three pending submissions: one hostile, one that duplicates a catalogue community, one ordinary."""
    conn = submissions.open_store(submissions_store)
    try:
        return {"hostile": submit(conn, f"{SCRIPT} Growers", "https://growers.example.org/", 0,
                                  description=f"Hello {SCRIPT}", contact="private.owner@example.org"),
                "duplicate": submit(conn, "Python Lisboa", "https://python-lisboa.example.org/", 1),
                "plain": submit(conn, "Rust Porto", "https://rust-porto.example.org/", 2)}
    finally:
        conn.close()


@pytest.fixture
def password(monkeypatch) -> str:
    monkeypatch.delenv(moderation.PASSWORD_ENV, raising=False)
    monkeypatch.setenv(moderation.PASSWORD_HASH_ENV, moderation.make_password_hash(PASSWORD))
    return PASSWORD


@pytest.fixture
def site(tmp_path, submissions_store) -> Datasette:
    return datasette_for(build_small_catalogue(tmp_path / "catalogue.db"))


class Visitor(SiteVisitor):
    """A visitor who logs in and moderates."""

    def token(self, path: str = "/-/copdir-login") -> str:
        page = BeautifulSoup(self.request("GET", path).text, "html.parser")
        field = page.find("input", attrs={"name": "csrftoken"})
        return field["value"] if field else self.client.cookies.get("ds_csrftoken", "")

    def log_in(self, password: str) -> httpx.Response:
        return self.request("POST", "/-/copdir-login", data={"password": password, "csrftoken": self.token()})

    def act(self, submission: int, action: str, **fields: str) -> httpx.Response:
        token = self.token("/moderate")
        return self.request("POST", "/moderate", data={"submission": str(submission), "action": action,
                                                        "csrftoken": token, **fields})


@pytest.fixture
def visit(site, visitors):
    return visitors(site.app(), Visitor)


@pytest.fixture
def moderator(visit, password) -> Visitor:
    visitor = visit("198.51.100.1")
    assert visitor.log_in(password).status_code == 302
    return visitor


def soup(response: httpx.Response) -> BeautifulSoup:
    return BeautifulSoup(response.text, "html.parser")


def rows(path: Path, sql: str) -> list[dict]:
    conn = sqlite3.connect(path)
    conn.row_factory = sqlite3.Row
    try:
        return [dict(row) for row in conn.execute(sql)]
    finally:
        conn.close()


def statuses(path: Path) -> dict[int, str]:
    return {row["id"]: row["status"] for row in rows(path, "select id, status from submissions")}


def logged(path: Path) -> list[tuple]:
    if not rows(path, "select name from sqlite_master where name = 'moderation_log'"):
        return []  # nobody has logged in or decided anything yet
    return [(row["who"], row["action"], row["submission_id"], row["note"])
            for row in rows(path, "select * from moderation_log order by id")]


# --- logging in -----------------------------------------------------------------------------------------------


def test_with_no_password_configured_moderation_is_off_and_says_how_to_turn_it_on(visit, monkeypatch, queue):
    monkeypatch.delenv(moderation.PASSWORD_HASH_ENV, raising=False)
    monkeypatch.delenv(moderation.PASSWORD_ENV, raising=False)
    visitor = visit()
    for path in ("/-/copdir-login", "/moderate", "/moderate/log"):
        response = visitor.request("GET", path)
        assert response.status_code == 503
        page = soup(response)
        assert moderation.PASSWORD_HASH_ENV in page.find(id="moderation-off").text
        assert "python -m catalogue.moderation" in page.find(id="moderation-off").text
        assert not page.find("input", attrs={"type": "password"})
    assert visitor.request("POST", "/-/copdir-login", data={"password": ""}).status_code == 503


@pytest.mark.parametrize("configured", ["hash", "plain"])
def test_a_wrong_password_is_refused_and_logged_and_the_right_one_opens_the_queue(visit, monkeypatch, queue,
                                                                                 submissions_store, configured):
    monkeypatch.delenv(moderation.PASSWORD_HASH_ENV, raising=False)
    monkeypatch.delenv(moderation.PASSWORD_ENV, raising=False)
    if configured == "hash":
        monkeypatch.setenv(moderation.PASSWORD_HASH_ENV, moderation.make_password_hash(PASSWORD))
    else:
        monkeypatch.setenv(moderation.PASSWORD_ENV, PASSWORD)
    visitor = visit()
    form = soup(visitor.request("GET", "/-/copdir-login")).find("form", attrs={"action": "/-/copdir-login"})
    assert form.find("input", attrs={"name": "password"})["type"] == "password"

    wrong = visitor.log_in("correct horse battery")
    assert wrong.status_code == 403 and "not right" in soup(wrong).find(id="login-error").text
    assert "ds_actor" not in visitor.client.cookies
    assert visitor.request("GET", "/moderate").status_code == 403

    right = visitor.log_in(PASSWORD)
    assert right.status_code == 302 and right.headers["location"] == "/moderate"
    cookie = right.headers["set-cookie"]
    assert "ds_actor=" in cookie and "HttpOnly" in cookie and "SameSite=lax" in cookie
    page = visitor.request("GET", "/moderate")
    assert page.status_code == 200 and "Pending submissions (3)" in page.text
    assert [(who, action) for who, action, _, _ in logged(submissions_store)] == [("anonymous", "login refused"),
                                                                           ("moderator", "login")]


def test_failed_logins_are_limited_per_address_even_when_the_password_then_is_right(visit, password, submissions_store):
    guesser = visit("203.0.113.50")
    for _ in range(moderation.FAILED_LOGINS):
        assert guesser.log_in("guess").status_code == 403
    blocked = guesser.log_in(password)
    assert blocked.status_code == 429 and "Too many wrong passwords" in soup(blocked).find(id="login-error").text
    assert "ds_actor" not in guesser.client.cookies
    assert visit("198.51.100.9").log_in(password).status_code == 302  # another address is not held back
    assert [action for _, action, _, _ in logged(submissions_store)].count("login refused") == moderation.FAILED_LOGINS


def test_logging_out_clears_the_actor_cookie(moderator, submissions_store):
    response = moderator.request("POST", "/-/copdir-logout", data={"csrftoken": moderator.token("/moderate")})
    assert response.status_code == 302
    assert moderator.request("GET", "/moderate").status_code == 403
    assert logged(submissions_store)[-1][:2] == ("moderator", "logout")


def _forged_cookies(site: Datasette) -> dict[str, str]:
    other = Datasette(secret="not the site's secret")
    return {"no cookie": "",
            "signed with another secret": other.sign({"a": {"id": "moderator"}}, "actor"),
            "unsigned": json.dumps({"a": {"id": "moderator"}}),
            "another actor of this site": site.sign({"a": {"id": "root"}}, "actor"),
            "an expired moderator cookie": site.sign({"a": {"id": "moderator"}, "e": "1"}, "actor")}


def test_anyone_but_the_moderator_gets_403_with_a_login_link_and_cannot_decide(site, visit, password, queue,
                                                                               submissions_store):
    for label, cookie in _forged_cookies(site).items():
        visitor = visit()
        if cookie:
            visitor.client.cookies.set("ds_actor", cookie, domain="copdir.test")
        page = visitor.request("GET", "/moderate")
        assert page.status_code == 403, label
        assert soup(page).find(id="moderation-forbidden").find("a")["href"] == "/-/copdir-login"
        assert "owner@example.org" not in page.text
        assert visitor.request("GET", "/moderate/log").status_code == 403, label
        token = visitor.token("/-/copdir-login")
        assert visitor.request("POST", "/moderate", data={"submission": str(queue["plain"]), "action": "approve",
                                                          "csrftoken": token}).status_code == 403, label
    assert set(statuses(submissions_store).values()) == {"pending"}
    assert logged(submissions_store) == []


# --- the queue ------------------------------------------------------------------------------------------------


def test_the_queue_shows_each_submission_escaped_newest_first_with_contact_duplicates_and_processing(
        moderator, queue, submissions_store):
    conn = sqlite3.connect(submissions_store)  # as processing (catalogue/submission_results.py) leaves its results
    conn.execute("create table submission_checks (submission_id integer, checked_at text, outcome text,"
                 " detail text, final_url text, profile text, matches text)")
    conn.execute("insert into submission_checks values (?, ?, ?, ?, ?, ?, ?)",
                 (queue["plain"], "2026-11-20T07:00:00+00:00", "ok", f"200 OK {SCRIPT}",
                  "https://rust-porto.example.org/", json.dumps({"title": SCRIPT}), "[]"))
    conn.commit()
    conn.close()

    page = moderator.request("GET", "/moderate")
    assert page.status_code == 200 and SCRIPT not in page.text
    html = soup(page)
    shown = [section["id"] for section in html.find_all("section", class_="submission")]
    assert shown == [f"submission-{queue[key]}" for key in ("plain", "duplicate", "hostile")]
    hostile = html.find(id=f"submission-{queue['hostile']}")
    assert SCRIPT in hostile.find("h3").text and not hostile.find("script")
    assert hostile.find(class_="description").text == f"Hello {SCRIPT}"
    assert hostile.find(class_="contact").text == "private.owner@example.org"
    duplicate = html.find(id=f"submission-{queue['duplicate']}")
    assert "Python Lisboa" in duplicate.find(class_="duplicates").text
    assert duplicate.find("input", attrs={"name": "community"})["value"] == COMMUNITY_ID
    processed = html.find(id=f"submission-{queue['plain']}").find(class_="check")
    assert "ok" in processed.text and SCRIPT in processed.text and not processed.find("script")
    assert "Not processed yet" in hostile.find(class_="check").text


def test_approve_reject_and_merge_change_the_status_and_are_logged(moderator, queue, submissions_store):
    assert moderator.act(queue["plain"], "approve").status_code == 302
    assert moderator.act(queue["hostile"], "reject", reason="spam").status_code == 302
    merged = moderator.act(queue["duplicate"], "merge", community=COMMUNITY_ID)
    assert merged.status_code == 302 and merged.headers["location"] == "/moderate"

    assert statuses(submissions_store) == {queue["plain"]: "approved", queue["hostile"]: "rejected",
                                    queue["duplicate"]: "merged"}
    assert logged(submissions_store)[1:] == [("moderator", "approve", queue["plain"], ""),
                                      ("moderator", "reject", queue["hostile"], "spam"),
                                      ("moderator", "merge", queue["duplicate"], f"duplicate of {COMMUNITY_ID}")]
    page = soup(moderator.request("GET", "/moderate"))
    assert page.find(id="queue-empty")
    assert "S-%06d merged." % queue["duplicate"] in page.text  # the message after the last action
    assert [cell.text for cell in page.select("#decided td.status")] == ["merged", "rejected", "approved"]
    log_page = soup(moderator.request("GET", "/moderate/log"))
    assert [cell.text for cell in log_page.select("#moderation-log td.action")] == [
        "merge", "reject", "approve", "login"]


@pytest.mark.parametrize("action, fields, says", [
    ("reject", {"reason": "  "}, "Give a reason for rejecting it."),
    ("merge", {"community": ""}, "Give the id of the catalogue community"),
    ("merge", {"community": "ffffffffffffffff"}, "There is no community 'ffffffffffffffff' in the catalogue."),
    ("delete", {}, "Choose approve, reject or merge."),
])
def test_a_decision_that_lacks_something_says_what_and_changes_nothing(moderator, queue, submissions_store, action,
                                                                       fields, says):
    response = moderator.act(queue["plain"], action, **fields)
    assert response.status_code == 400 and says in soup(response).find(id="moderation-error").text
    assert statuses(submissions_store)[queue["plain"]] == "pending" and len(logged(submissions_store)) == 1  # the login


def test_a_submission_is_decided_once(moderator, queue, submissions_store):
    moderator.act(queue["plain"], "approve")
    again = moderator.act(queue["plain"], "reject", reason="changed my mind")
    assert again.status_code == 400 and "already approved" in soup(again).find(id="moderation-error").text
    assert statuses(submissions_store)[queue["plain"]] == "approved"


def test_actions_need_the_csrf_token(moderator, queue, submissions_store):
    for token in ("", "forged-token"):
        response = moderator.request("POST", "/moderate", data={"submission": str(queue["plain"]),
                                                                "action": "approve", "csrftoken": token})
        assert response.status_code == 403
    assert statuses(submissions_store)[queue["plain"]] == "pending" and len(logged(submissions_store)) == 1


# --- into the next discovery ----------------------------------------------------------------------------------


def test_only_approved_submissions_are_observations_of_copdir_submissions(submissions_store, queue, tmp_path):
    assert moderation.approved_observations(tmp_path / "none.db") == [] and not (tmp_path / "none.db").exists()
    conn = moderation.open_store(submissions_store)
    other = submit(conn, "Gardeners", "https://discord.gg/gardeners", 3, platform="other")
    for submission_id in (queue["plain"], other):
        assert moderation.decide(conn, submission_id, moderation.Decision("approve", "approved", ""),
                                 "moderator", NOW) == ""
    conn.close()
    assert moderation.approved_observations(submissions_store) == [
        {"source": "copdir-submissions", "url": "https://rust-porto.example.org/", "name": "Rust Porto",
         "description": "Growers who share.", "platform": "discourse", "section": "", "submission_id": queue["plain"]},
        {"source": "copdir-submissions", "url": "https://discord.gg/gardeners", "name": "Gardeners",
         "description": "Growers who share.", "platform": "discord", "section": "", "submission_id": other},
    ]


def test_an_approved_submission_is_discovered_listed_and_reaches_the_next_catalogue(moderator, queue, submissions_store,
                                                                                   tmp_path, monkeypatch):
    moderator.act(queue["plain"], "approve")
    moderator.act(queue["hostile"], "reject", reason="spam")
    listed = {"source": "list-a", "url": "https://discord.gg/devcord", "name": "Devcord", "section": "Chat",
              "platform": "discord", "annotations": []}
    monkeypatch.setattr(stages, "run_spider", lambda name, out, **arguments: [listed])  # the lists, offline
    sources = tmp_path / "sources.yml"
    sources.write_text("sources:\n  - name: list-a\n    url: https://a.example/list.md\n    kind: markdown\n")
    working = open_working_db(tmp_path / "copdir.db")

    counts = stages.discover(working, sources, NOW, submissions_store)
    assert counts["submissions"] == 1 and counts["observations"] == 2 and counts["sources"] == 2
    observed = list(working.query("select source, url, name, platform from observations order by source"))
    assert observed == [{"source": "copdir-submissions", "url": "https://rust-porto.example.org/",
                         "name": "Rust Porto", "platform": "discourse"},
                        {"source": "list-a", "url": "https://discord.gg/devcord", "name": "Devcord",
                         "platform": "discord"}]
    assert working["sources"].get("copdir-submissions")["kind"] == "submissions"
    assert statuses(submissions_store)[queue["plain"]] == "listed"
    assert logged(submissions_store)[-1] == ("discover", "listed", queue["plain"], "entered discovery")
    queue_page = soup(moderator.request("GET", "/moderate"))
    assert "listed" in [cell.text for cell in queue_page.select("#decided td.status")]

    stages.discover(working, sources, NOW + timedelta(days=1), submissions_store)  # idempotent; still listed
    assert working["observations"].count == 2 and statuses(submissions_store)[queue["plain"]] == "listed"
    assert [action for _, action, _, _ in logged(submissions_store)].count("listed") == 1

    published = tmp_path / "next" / "catalogue.db"
    build_catalogue(working, published, NOW + timedelta(days=1))
    catalogue = sqlite_utils.Database(published)
    assert [row["name"] for row in catalogue.query("select name from communities order by name")] == [
        "Devcord", "Rust Porto"]
    assert catalogue["sources"].get("copdir-submissions")["listings"] == 1


def test_a_merged_submission_becomes_one_more_link_of_its_community_in_the_next_catalogue(
        queue, submissions_store, tmp_path, monkeypatch):
    listed = {"source": "list-a", "url": "https://www.meetup.com/rust-porto/", "name": "Rust Porto meetups",
              "section": "Rust", "platform": "meetup", "annotations": []}
    target = community_id(listed["url"])
    monkeypatch.setattr(stages, "run_spider", lambda name, out, **arguments: [listed])  # the lists, offline
    sources = tmp_path / "sources.yml"
    sources.write_text("sources:\n  - name: list-a\n    url: https://a.example/list.md\n    kind: markdown\n")
    working = open_working_db(tmp_path / "copdir.db")
    stages.discover(working, sources, NOW - timedelta(days=7), tmp_path / "no-submissions-yet.db")
    conn = moderation.open_store(submissions_store)
    assert moderation.decide(conn, queue["plain"], moderation.decision("merge", "their forum", target), "moderator",
                             NOW) == ""
    conn.close()

    counts = stages.discover(working, sources, NOW, submissions_store)
    stages.discover(working, sources, NOW + timedelta(days=1), submissions_store)  # idempotent

    assert counts["merged_submissions"] == 1 and counts["submissions"] == 1
    assert statuses(submissions_store)[queue["plain"]] == "linked"
    assert [row[1:] for row in logged(submissions_store) if row[1] == "linked"] == [
        ("linked", queue["plain"], "entered discovery as a link of its community")]
    assert working["merge_decisions"].count == 1
    stages.dedupe(working, NOW)
    published = tmp_path / "next" / "catalogue.db"
    build_catalogue(working, published, NOW + timedelta(days=1))
    catalogue = sqlite_utils.Database(published)
    assert list(catalogue.query("select url, community_id from links order by url")) == [
        {"url": "https://rust-porto.example.org", "community_id": target},
        {"url": "https://www.meetup.com/rust-porto", "community_id": target}]
    assert [row["id"] for row in catalogue.query("select id from communities")] == [target]
    assert catalogue["sources"].get("copdir-submissions")["listings"] == 1


def test_store_record_sources_accepts_the_submissions_source(tmp_path):
    working = open_working_db(tmp_path / "copdir.db")
    store.record_sources(working, [moderation.SOURCE])
    assert json.loads(working["sources"].get("copdir-submissions")["tags"]) == ["submitted"]


def test_a_password_hash_is_salted_and_checks_only_its_password():
    first, second = moderation.make_password_hash(PASSWORD), moderation.make_password_hash(PASSWORD)
    assert first != second and first.startswith("scrypt$")
    env = {moderation.PASSWORD_HASH_ENV: first}
    assert moderation.password_matches(PASSWORD, env) and not moderation.password_matches(PASSWORD + " ", env)
    assert not moderation.password_matches(PASSWORD, {moderation.PASSWORD_HASH_ENV: "pbkdf2$garbage"})
    assert not moderation.password_matches("", {})
