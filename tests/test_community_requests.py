"""Recheck requests and problem reports: public forms, a private store, a throttle per community, the moderation
queue for reports, and the crawler side that makes a recheck due at the next check run.

The site is Datasette in-process, wrapped as `copdir serve` wraps it (tests/catalogue_site.py); the private store
is in tmp_path (COPDIR_SUBMISSIONS_DB). Each visitor has its own cookies and network address.
"""
from __future__ import annotations

import asyncio
import sqlite3
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from click.testing import CliRunner

from catalogue import claims, community_requests, moderation, store as working_store
from catalogue.retention import forget_senders
from catalogue.schema import open_working_db
from catalogue_site import SCRIPT, FormVisitor, community_row, site_app, write_catalogue
from crawler.cli import cli

LISTED, HOSTILE, OTHER = "a" * 16, "b" * 16, "c" * 16
NOW = datetime(2026, 11, 21, 12, 0, tzinfo=timezone.utc)
PASSWORD = "correct horse battery staple"


@pytest.fixture
def catalogue(tmp_path) -> Path:
    return write_catalogue(tmp_path / "catalogue.db", [
        community_row(LISTED, "Permaculture Growers", "https://growers.example.org/"),
        community_row(HOSTILE, f"{SCRIPT} Club", "https://club.example.org/"),
        community_row(OTHER, "Rust Lisboa", "https://rust-lisboa.example.org/")])


@pytest.fixture
def visit(catalogue, submissions_store, visitors):
    return visitors(site_app(catalogue), FormVisitor)


def rows(path: Path, sql: str) -> list[tuple]:
    if not path.exists():
        return []
    conn = sqlite3.connect(path)
    try:
        return conn.execute(sql).fetchall()
    finally:
        conn.close()


def ask_recheck(visitor: FormVisitor, community: str = LISTED, **fields: str):
    form = visitor.page(f"/recheck?community={community}")
    if form.find(id="recheck-form") is None:  # one is pending: post anyway, with the token of a page that has a form
        form = visitor.page(f"/report?community={community}")
    return visitor.post("/recheck", form, community=community, **fields)


def report(visitor: FormVisitor, community: str = LISTED, **fields: str):
    form = visitor.page(f"/report?community={community}")
    return visitor.post("/report", form, **{"community": community, "category": "wrong_status",
                                            "description": "It moved to a new forum in October.", **fields})


def soup(response) -> BeautifulSoup:
    return BeautifulSoup(response.text, "html.parser")


# --- recheck requests ---------------------------------------------------------------------------------------


def test_a_recheck_request_is_stored_privately_and_the_page_says_it_happens_at_the_next_check(visit, submissions_store):
    visitor = visit()
    form = visitor.page(f"/recheck?community={LISTED}")
    assert form.find(id="recheck-community").get_text() == "Permaculture Growers"
    assert form.find("input", attrs={"name": "website"})  # the honeypot

    answer = ask_recheck(visitor)

    assert answer.status_code == 200
    said = soup(answer).find(id="recheck-received").get_text(" ", strip=True)
    assert said.startswith("Recheck requested at 20") and "It happens at the next check run" in said
    stored = rows(submissions_store, "select community_id, requested_by, status, client_key from recheck_requests")
    assert [row[:3] for row in stored] == [(LISTED, "public", "pending")]
    assert stored[0][3] and "203.0.113.7" not in submissions_store.read_bytes().decode("latin-1")
    again = visit("198.51.100.9").page(f"/recheck?community={LISTED}")
    assert "it happens at the next check run" in again.find(id="recheck-pending").get_text()
    assert again.find(id="recheck-form") is None  # nothing to ask while one is pending


def test_a_community_gets_one_pending_recheck_and_then_one_an_hour_whoever_asks(visit, submissions_store):
    assert ask_recheck(visit()).status_code == 200
    refused = ask_recheck(visit("198.51.100.9"))  # someone else, same community
    assert refused.status_code == 429
    assert "already requested" in soup(refused).find(id="recheck-error").get_text()
    assert ask_recheck(visit("198.51.100.9"), OTHER).status_code == 200  # another community is not held back

    conn = community_requests.open_store(submissions_store)
    try:
        first = community_requests.latest_recheck(conn, LISTED)
        community_requests.mark_scheduled(conn, first.id, True, NOW)
        asked_at = datetime.fromisoformat(first.requested_at)
        soon = community_requests.request_recheck(conn, LISTED, "public", "k", asked_at + timedelta(minutes=59))
        later = community_requests.request_recheck(conn, LISTED, "public", "k", asked_at + timedelta(minutes=61))
    finally:
        conn.close()
    assert isinstance(soon, community_requests.Refused) and "at most once an hour" in soon.message
    assert isinstance(later, community_requests.Recheck) and later.status == "pending"


def test_within_the_cooldown_the_page_says_when_to_ask_again_and_links_back_instead_of_a_form(visit,
                                                                                               submissions_store):
    assert ask_recheck(visit()).status_code == 200
    conn = community_requests.open_store(submissions_store)
    try:  # the check run took it: no longer pending, but asked for less than an hour ago
        community_requests.mark_scheduled(conn, community_requests.latest_recheck(conn, LISTED).id, True, NOW)
    finally:
        conn.close()
    visitor = visit("198.51.100.9")
    page = visitor.page(f"/recheck?community={LISTED}")
    assert "ask again after" in page.find(id="recheck-wait").get_text()
    assert page.find(id="recheck-form") is None
    refused = ask_recheck(visitor)  # a form kept open in another tab, posted anyway
    assert refused.status_code == 429
    page = soup(refused)
    assert "ask again after" in page.find(id="recheck-error").get_text()
    assert page.find(id="recheck-form") is None
    back = page.find(id="recheck-back").a
    assert back["href"] == f"/catalogue/communities/{LISTED}" and back.get_text() == "Back to Permaculture Growers"


@pytest.mark.parametrize("how", ["no csrf token", "unknown community", "honeypot"])
def test_a_recheck_request_that_is_not_a_persons_is_refused_and_nothing_stored(visit, submissions_store, how):
    visitor = visit()
    if how == "no csrf token":
        visitor.page(f"/recheck?community={LISTED}")
        answer = visitor.request("POST", "/recheck", data={"community": LISTED})
        assert answer.status_code == 403
    elif how == "unknown community":
        form = visitor.page(f"/recheck?community={LISTED}")
        answer = visitor.post("/recheck", form, community="0" * 16)
        assert answer.status_code == 404 and "no such community" in answer.text
    else:
        answer = ask_recheck(visitor, website="https://spam.example/")
        assert answer.status_code == 200 and soup(answer).find(id="recheck-received")  # a bot learns nothing
    assert rows(submissions_store, "select * from recheck_requests") == []


def test_rechecks_and_reports_from_one_address_are_rate_limited(visit, submissions_store):
    visitor = visit()
    limit = community_requests.REQUEST_RATE_LIMITS[0].count
    answers = [report(visitor).status_code for _ in range(limit)] + [ask_recheck(visitor).status_code]
    assert answers == [200] * limit + [429]
    assert len(rows(submissions_store, "select * from problem_reports")) == limit
    assert rows(submissions_store, "select * from recheck_requests") == []


# --- problem reports ----------------------------------------------------------------------------------------


def test_a_problem_report_has_a_category_and_a_description_and_stays_private(visit, submissions_store):
    visitor = visit()
    form = visitor.page(f"/report?community={LISTED}")
    options = [option["value"] for option in form.find("select", attrs={"name": "category"}).find_all("option")]
    assert options == ["", *community_requests.REPORT_CATEGORIES]
    assert set(community_requests.REPORT_CATEGORIES) == {"wrong_status", "wrong_details", "not_a_community",
                                                         "spam_or_harmful", "other"}

    missing = report(visitor, category="", description="")
    assert missing.status_code == 400
    assert soup(missing).find(id="error-category").get_text().startswith("Choose what is wrong")
    assert soup(missing).find(id="error-description").get_text().startswith("Say what is wrong")
    too_long = report(visitor, description="x" * 2_001)
    assert too_long.status_code == 400 and "Shorten the description to 2,000" in too_long.text
    assert rows(submissions_store, "select * from problem_reports") == []

    received = report(visitor, description=f"{SCRIPT} spam")
    assert received.status_code == 200
    assert soup(received).find(id="report-received").get_text().startswith("Thank you: your report is R-000001")
    assert rows(submissions_store, "select community_id, category, description, status from problem_reports") == [
        (LISTED, "wrong_status", f"{SCRIPT} spam", "open")]
    catalogue_json = visitor.request("GET", "/catalogue.json").json()
    assert "problem_reports" not in str(catalogue_json)  # the private store is never one of the site's tables


def moderator(visit) -> FormVisitor:
    visitor = visit("198.51.100.1")
    login = visitor.page("/-/copdir-login")
    assert visitor.post("/-/copdir-login", login, password=PASSWORD).status_code == 302
    return visitor


def test_a_moderator_resolves_or_dismisses_reports_and_the_log_says_so(visit, submissions_store, monkeypatch):
    monkeypatch.setenv(moderation.PASSWORD_ENV, PASSWORD)
    report(visit(), description=f"{SCRIPT} is not a community")
    report(visit("192.0.2.8"), HOSTILE, category="spam_or_harmful", description="Spam links.")
    stranger = visit("192.0.2.9")
    queue = stranger.page("/moderate", 403)
    assert "is not a community" not in queue.get_text()

    mod = moderator(visit)
    queue = mod.page("/moderate")
    first = queue.find(id="report-1")
    assert first.find(class_="description").get_text() == f"{SCRIPT} is not a community"  # text, never markup
    assert not queue.find_all("script", string=lambda text: text and "alert(" in text)
    assert mod.post("/moderate", queue, report="1", action="resolve", note="listing fixed").status_code == 302
    assert mod.post("/moderate", mod.page("/moderate"), report="2", action="dismiss").status_code == 302
    again = mod.post("/moderate", mod.page("/moderate"), report="2", action="resolve")
    assert again.status_code == 400 and "R-000002 is not an open report" in again.text
    assert stranger.post("/moderate", stranger.page("/moderate", 403), report="1", action="resolve").status_code == 403

    assert mod.page("/moderate").find(id="reports-empty")
    assert rows(submissions_store, "select status, note from problem_reports order by id") == [
        ("resolved", "listing fixed"), ("dismissed", "")]
    logged = rows(submissions_store, "select who, action, note from moderation_log where action like 'report%'")
    assert logged == [("moderator", "report resolved", "R-000001: listing fixed"),
                      ("moderator", "report dismissed", "R-000002")]


# --- the size guard, before asgi-csrf reads a body -----------------------------------------------------------


@pytest.mark.parametrize("path", ["/recheck", "/report", "/claim", "/owner", "/moderate", "/-/copdir-login"])
def test_an_oversized_post_to_any_form_is_refused_with_413_before_its_body_is_read(catalogue, submissions_store, path):
    app, chunks_read = site_app(catalogue), []

    async def receive():  # a 4 MB body in 64 KB chunks
        chunks_read.append(1)
        return {"type": "http.request", "body": b"x" * 65_536, "more_body": len(chunks_read) < 64}

    sent: list[dict] = []

    async def send(message):
        sent.append(message)

    scope = {"type": "http", "method": "POST", "path": path, "raw_path": path.encode(), "query_string": b"",
             "headers": [(b"content-type", b"application/x-www-form-urlencoded")], "client": ("203.0.113.7", 1),
             "server": ("copdir.test", 80), "scheme": "http", "root_path": "", "http_version": "1.1",
             "asgi": {"version": "3.0"}}
    asyncio.run(app(scope, receive, send))

    assert sent[0]["status"] == 413
    body = b"".join(message.get("body", b"") for message in sent[1:]).decode()
    assert "too large" in body
    assert len(chunks_read) <= 2  # stopped at the form's limit (at most 16 KB), never the whole body
    assert rows(submissions_store, "select count(*) from recheck_requests") in ([], [(0,)])


# --- an owner's recheck ------------------------------------------------------------------------------------------


def test_a_verified_owner_asks_for_a_recheck_under_the_same_throttle(visit, submissions_store):
    visitor = visit()
    claimed = visitor.post("/claim", visitor.page(f"/claim?community={LISTED}"), community=LISTED,
                           contact="owner@example.org")
    owner_link = soup(claimed).find(id="owner-link").get_text()
    owner_path = owner_link[owner_link.index("/owner"):]
    conn = claims.open_store(submissions_store)
    claims.record_check(conn, 1, True, "token found in the meta tag", NOW)
    conn.close()

    page = visitor.page(owner_path)
    recheck_form = page.find(id="owner-recheck")
    key = recheck_form.find("input", attrs={"name": "key"})["value"]
    asked = visitor.post("/owner", page, claim="1", key=key, action="recheck")
    assert asked.status_code == 200
    assert "it happens at the next check run" in soup(asked).find(id="owner-received").get_text()
    refused = visitor.post("/owner", visitor.page(owner_path), claim="1", key=key, action="recheck")
    assert refused.status_code == 429 and "already requested" in soup(refused).find(id="owner-error").get_text()
    assert rows(submissions_store, "select community_id, requested_by, client_key from recheck_requests") == [
        (LISTED, "owner claim 1", "")]


# --- the crawler side: the next check run takes it ------------------------------------------------------------


def test_processing_makes_every_link_of_the_community_due_at_the_next_check_once(visit, catalogue, submissions_store,
                                                                                tmp_path):
    working = tmp_path / "copdir.db"
    db = open_working_db(working)
    later = (NOW + timedelta(days=1)).isoformat()
    for link in (LISTED, "d" * 16, OTHER):
        db["communities"].insert({"id": link, "canonical_url": f"https://{link}.example/", "name": link})
        db["check_schedule"].insert({"community_id": link, "url": f"https://{link}.example/", "due_at": later,
                                     "failures": 0, "last_outcome": "ok", "last_checked_at": NOW.isoformat()})
    db["community_links"].insert_all([{"link_id": "d" * 16, "community_id": LISTED}], pk="link_id")
    assert working_store.check_targets(db, NOW, due_only=True) == []
    db.close()
    ask_recheck(visit())
    ask_recheck(visit(), HOSTILE)  # not in the working database
    command = ["--db", str(working), "--now", NOW.isoformat(), "submissions", "process", "--store",
               str(submissions_store), "--catalogue", str(catalogue)]

    first = CliRunner().invoke(cli, command)
    again = CliRunner().invoke(cli, command)

    assert first.exit_code == 0, first.output
    assert f"recheck 1: 2 links of {LISTED} due at the next check" in first.output
    assert f"recheck 2: {HOSTILE} is not in the working database" in first.output
    assert "rechecks: 1 made due, 1 not" in first.output.splitlines()[-1]
    assert "rechecks: 0 made due, 0 not" in again.output.splitlines()[-1]
    db = open_working_db(working)
    assert sorted(row["id"] for row in working_store.check_targets(db, NOW, due_only=True)) == [LISTED, "d" * 16]
    db.close()
    assert rows(submissions_store, "select status from recheck_requests order by id") == [("scheduled",), ("not_found",)]
    page = visit("192.0.2.50").page(f"/recheck?community={LISTED}")
    assert "made due at" in page.find(id="recheck-last").get_text()


def test_sender_keys_and_failed_logins_are_forgotten_after_30_days(submissions_store):
    conn = community_requests.open_store(submissions_store)
    old, recent = NOW - timedelta(days=31), NOW - timedelta(days=29)
    for moment in (old, recent):
        community_requests.report_problem(conn, LISTED, "other", "x", f"key-{moment.day}", moment)
        moderation.record_failed_login(conn, f"key-{moment.day}", moment)

    forgotten = forget_senders(conn, NOW)

    assert forgotten["problem_reports"] == 1 and forgotten["login_failures"] == 1
    assert [row[0] for row in conn.execute("select client_key from problem_reports order by id")] == [
        "", f"key-{recent.day}"]  # the reports themselves stay
    assert conn.execute("select count(*) from login_failures").fetchone()[0] == 1
    conn.close()
