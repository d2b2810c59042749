"""The submission form (/submit): validation that says what to do, a private store, and hostile senders refused.

A small catalogue.db is built here and served by Datasette in-process with the project's settings, templates
and plugin; the private store is pointed into tmp_path with COPDIR_SUBMISSIONS_DB. Each visitor is a browser
of its own (its own cookies and network address) talking to the ASGI app, which is wrapped by the size guard as
the plugin's asgi_wrapper hook does.
"""
from __future__ import annotations

import asyncio
import json
import sqlite3
from datetime import datetime, timedelta, timezone
from pathlib import Path

import httpx
import pytest
from bs4 import BeautifulSoup
from datasette.app import Datasette

from catalogue import submissions, validation
from catalogue.datasette_plugin import asgi_wrapper
from catalogue_site import community_row, datasette_for, write_catalogue
from site_visitor import SiteVisitor

SCRIPT = "<script>alert('copdir')</script>"
VALID = {"url": "https://forum.permaculture.example.org/", "name": "Permaculture Growers",
         "description": "Gardeners who share what works.", "topics": "permaculture, gardening",
         "platform": "discourse", "language": "en", "contact": "owner@example.org"}


def _community(n: int, name: str, url: str) -> dict:
    return community_row(f"{n:016x}", name, url, days_since_activity=n)


CATALOGUE = [
    _community(1, "Python Lisboa", "https://python-lisboa.example.org"),
    _community(2, "Rust Lisboa", "https://rust-lisboa.example.org"),
    _community(3, f"{SCRIPT} Data Club", "https://data-club.example.org"),
    *(_community(n, f"Python Group {n}", f"https://example.org/python/{n}") for n in range(10, 40)),
]
PYTHON_LISBOA, RUST_LISBOA, HOSTILE = (row["id"] for row in CATALOGUE[:3])


def build_catalogue(path: Path) -> Path:
    return write_catalogue(path, CATALOGUE, [{"id": "f" * 16, "community_id": PYTHON_LISBOA,
                                              "url": "https://discord.com/invite/pylx"}])


@pytest.fixture
def site(tmp_path, submissions_store) -> Datasette:
    return datasette_for(build_catalogue(tmp_path / "catalogue.db"))


class Visitor(SiteVisitor):
    """A visitor who fills in the form."""

    def __init__(self, app, address: str) -> None:
        super().__init__(app, address)
        self.token = ""

    def open_form(self) -> BeautifulSoup:
        page = BeautifulSoup(self.request("GET", "/submit").text, "html.parser")
        self.token = page.find("input", attrs={"name": "csrftoken"})["value"]
        return page

    def submit(self, **fields: str) -> httpx.Response:
        if not self.token:
            self.open_form()
        return self.request("POST", "/submit", data={**VALID, **fields, "csrftoken": self.token})


@pytest.fixture
def visit(site, visitors):
    return visitors(asgi_wrapper(site)(site.app()), Visitor)  # as the plugin's asgi_wrapper hook wraps it


def stored(submissions_store: Path) -> list[dict]:
    if not submissions_store.exists():
        return []
    conn = sqlite3.connect(submissions_store)
    conn.row_factory = sqlite3.Row
    try:
        return [dict(row) for row in conn.execute("select * from submissions order by id")]
    finally:
        conn.close()


def soup(response: httpx.Response) -> BeautifulSoup:
    return BeautifulSoup(response.text, "html.parser")


# --- the form -------------------------------------------------------------------------------------------------


def test_the_form_has_real_fields_labels_a_hidden_honeypot_and_a_csrf_token(visit):
    page = visit().open_form()
    form = page.find("form", attrs={"action": "/submit"})
    assert form["method"] == "post"
    kinds = {field["name"]: field.get("type", field.name) for field in form.find_all(["input", "select", "textarea"]) if field.has_attr("name")}
    assert kinds == {"csrftoken": "hidden", "url": "url", "name": "text", "description": "textarea",
                     "topics": "text", "platform": "select", "language": "select", "contact": "email",
                     "website": "text"}
    for required in ("url", "name", "contact"):
        assert form.find(attrs={"name": required}).has_attr("required")
    for field in ("url", "name", "description", "topics", "platform", "language", "contact"):
        assert form.find("label", attrs={"for": field}).get_text(strip=True)
    assert [option["value"] for option in form.find("select", id="platform").find_all("option")] == list(
        validation.PLATFORMS)
    languages = [option["value"] for option in form.find("select", id="language").find_all("option")]
    assert languages[0] == "en" and languages[-1] == "other" and {"fr", "es", "zh", "ar"} <= set(languages)
    trap = form.find("input", attrs={"name": "website"})
    assert trap.find_previous("label").text == "Leave this empty"
    assert "copdir-trap" in trap.parent["class"] and ".copdir-trap { position: absolute; left: -10000px" in " ".join(style.text for style in page.find_all("style"))


def test_a_valid_submission_is_stored_as_pending_and_acknowledged_with_a_reference(visit, submissions_store):
    response = visit().submit()
    assert response.status_code == 200
    received = soup(response).find(id="submission-received")
    assert "Permaculture Growers" in received.text
    rows = stored(submissions_store)
    assert len(rows) == 1 and received.find(id="submission-reference").text == f"S-{rows[0]['id']:06d}"
    row = rows[0]
    assert row["status"] == "pending" and row["note"] is None
    assert (row["url"], row["canonical_url"]) == (VALID["url"], "https://forum.permaculture.example.org")
    assert json.loads(row["topics"]) == ["permaculture", "gardening"]
    assert (row["name"], row["platform"], row["language"], row["contact"]) == (
        "Permaculture Growers", "discourse", "en", "owner@example.org")
    assert row["client_key"] and "203.0.113.7" not in submissions_store.read_bytes().decode("latin-1")


@pytest.mark.parametrize("field, value, says", [
    ("url", "", "starting with https://"),
    ("url", "forum.example.org", "starting with https://"),
    ("url", "ftp://example.org/list", "starting with https://"),
    ("url", "javascript:alert(1)", "starting with https://"),
    ("url", "https://admin:hunter2@example.org/", "Leave out the user name and password"),
    ("url", "https://example.org/forum?api_key=s3cret", "Leave out the “api_key=” part"),
    ("url", "https://example.org/" + "a" * 2_000, "2,000 characters or fewer"),
    ("url", "https://example.org/\x00", "Remove the spaces and invisible characters"),
    ("name", "", "Enter the community's name"),
    ("name", "n" * 201, "200 characters or fewer"),
    ("name", "Growers\u202e", "Remove the control characters"),
    ("description", "d" * 5_001, "5,000 characters or fewer (it has 5,001)"),
    ("description", "bell\x07", "Remove the control characters"),
    ("topics", ", ".join(f"topic {n}" for n in range(21)), "at most 20 topics"),
    ("topics", "t" * 51, "50 characters or fewer"),
    ("platform", "myspace", "Choose where the community meets"),
    ("language", "klingon", "Choose the community's main language"),
    ("contact", "", "Enter an e-mail address"),
    ("contact", "owner at example.org", "Enter an e-mail address"),
])
def test_each_field_says_what_to_do_and_keeps_what_was_typed(visit, submissions_store, field, value, says):
    response = visit().submit(**{field: value})
    assert response.status_code == 400
    page = soup(response)
    assert says in page.find(id=f"error-{field}").text
    assert page.find("div", class_="errors", attrs={"role": "alert"})
    assert page.find(id=field).get("aria-invalid") == "true"
    kept = {name: VALID[name] for name in ("name", "topics", "contact") if name != field}
    for name, typed in kept.items():
        assert page.find(id=name)["value"] == typed
    assert stored(submissions_store) == []


def test_validation_without_the_page():
    submission, errors = validation.validate({**VALID, "topics": "Python,  python , data   science,,"})
    assert errors == {} and submission.topics == ("Python", "data science")
    submission, errors = validation.validate({**VALID, "url": "https://Discord.gg/AbC"})
    assert submission.canonical_url == "https://discord.com/invite/AbC"
    assert set(validation.validate({})[1]) == {"url", "name", "platform", "language", "contact"}


# --- hostile input --------------------------------------------------------------------------------------------


def test_script_tags_in_every_field_are_shown_and_stored_inert(visit, submissions_store):
    hostile = {field: f"{SCRIPT}{value}" for field, value in VALID.items() if field not in ("url", "platform")}
    hostile["url"] = f"https://example.org/{SCRIPT}"
    refused = visit().submit(**hostile, platform=SCRIPT)  # the contact is no address, the platform no choice
    assert refused.status_code == 400
    assert "<script>alert" not in refused.text and "&lt;script&gt;alert(" in refused.text
    assert stored(submissions_store) == []

    accepted = visit("198.51.100.20").submit(**{**hostile, "contact": "owner@example.org", "language": "en"})
    assert accepted.status_code == 200 and soup(accepted).find(id="submission-received")
    assert "<script>alert" not in accepted.text and "&lt;script&gt;alert(" in accepted.text
    row = stored(submissions_store)[0]
    assert row["name"] == hostile["name"] and row["description"] == hostile["description"]  # kept as typed


@pytest.mark.parametrize("url", ["http://127.0.0.1/", "http://169.254.169.254/latest/meta-data/",
                                 "http://[::1]:8080/", "http://10.1.2.3/", "http://2130706433/",
                                 "http://[::ffff:192.168.0.1]/", "http://localhost:8001/"])
def test_a_private_address_literal_is_refused_with_a_clear_message(visit, submissions_store, url):
    response = visit().submit(url=url)
    assert response.status_code == 400
    assert "is on a private or local network" in soup(response).find(id="error-url").text
    assert stored(submissions_store) == []


def test_a_1mb_description_is_refused_with_nothing_stored(visit, submissions_store):
    visitor = visit()
    response = visitor.submit(description="x" * 1_000_000)
    assert response.status_code == 413
    assert "too large" in soup(response).find(id="error-size").text

    async def chunks():  # no Content-Length: refused while reading
        yield f"csrftoken={visitor.token}&url=https%3A%2F%2Fexample.org&description=".encode()
        for _ in range(16):
            yield b"x" * 65_536

    chunked = visitor.request("POST", "/submit", content=chunks(),
                              headers={"content-type": "application/x-www-form-urlencoded"})
    assert chunked.status_code == 413
    assert stored(submissions_store) == []


def test_the_size_guard_refuses_before_reading_the_whole_body(site):
    inner_called, received = [], []

    async def inner(scope, receive, send):
        inner_called.append(True)

    async def receive():
        received.append(1)
        return {"type": "http.request", "body": b"x" * 65_536, "more_body": len(received) < 16}

    async def send(message):
        sent.append(message)

    scope = {"type": "http", "method": "POST", "path": "/submit", "headers": [], "query_string": b""}
    sent: list[dict] = []  # the wrapper stands before Datasette's first-request startup: it must do without
    asyncio.run(asgi_wrapper(site)(inner)(scope, receive, send))
    assert sent[0]["status"] == 413 and not inner_called and len(received) == 3

    sent.clear()
    declared = {**scope, "headers": [(b"content-length", b"1000000")]}
    asyncio.run(asgi_wrapper(site)(inner)(declared, receive, send))
    assert sent[0]["status"] == 413 and not inner_called and len(received) == 3  # not one more byte read


def test_100_submissions_in_a_minute_from_one_address_stop_at_the_limit(visit, submissions_store):
    visitor = visit("203.0.113.50")
    statuses = [visitor.submit(url=f"https://example.net/group/{n}", name=f"Spam {n}").status_code
                for n in range(100)]
    limit = submissions.RATE_LIMITS[0].count
    assert statuses == [200] * limit + [429] * (100 - limit)
    refused = soup(visitor.submit(url="https://example.net/one-more", name="One more"))
    assert "already sent 5 submissions in ten minutes" in refused.find(id="error-rate").text
    assert len(stored(submissions_store)) == limit
    assert visit("203.0.113.51").submit().status_code == 200  # another sender is not held up


def test_the_day_limit_counts_a_sender_over_24_hours(tmp_path):
    conn = submissions.open_store(tmp_path / "submissions.db")
    submission, _ = validation.validate(VALID)
    key = submissions.client_key(conn, "2001:db8::1")
    assert key == submissions.client_key(conn, "2001:db8::ffff")  # one IPv6 /64, one sender
    start = datetime(2026, 11, 21, tzinfo=timezone.utc)
    outcomes = [submissions.store(conn, submission, key, start + timedelta(hours=n)) for n in range(21)]
    assert all(isinstance(outcome, int) for outcome in outcomes[:20])
    assert outcomes[20] == submissions.RATE_LIMITS[1]
    assert isinstance(submissions.store(conn, submission, key, start + timedelta(hours=24, minutes=1)), int)
    conn.close()


def test_a_filled_honeypot_gets_the_thanks_page_and_nothing_is_stored(visit, submissions_store):
    response = visit().submit(website="https://cheap-pills.example")
    assert response.status_code == 200 and soup(response).find(id="submission-received")
    assert stored(submissions_store) == []


def test_a_post_without_the_csrf_token_is_refused(visit, submissions_store):
    no_cookie = visit().request("POST", "/submit", data=VALID)
    assert no_cookie.status_code == 403
    page = soup(no_cookie)
    assert "has expired" in page.find(id="error-csrf").text
    assert page.find(id="name")["value"] == VALID["name"]  # what was typed, to submit again

    with_cookie = visit()
    with_cookie.open_form()
    assert with_cookie.request("POST", "/submit", data={**VALID, "csrftoken": "forged"}).status_code == 403
    assert with_cookie.request("POST", "/submit", data=VALID).status_code == 403
    assert stored(submissions_store) == []


# --- duplicates -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("fields, expected", [
    ({"url": "HTTPS://Python-Lisboa.example.org/"}, PYTHON_LISBOA),  # the same address, canonically
    ({"url": "https://discord.gg/pylx"}, PYTHON_LISBOA),  # another of its links
    ({"name": "Lisboa Python"}, PYTHON_LISBOA),  # a similar name
    ({"name": f"{SCRIPT} Data Club"}, HOSTILE),  # shown inert
])
def test_possible_duplicates_are_shown_first_then_stored_when_confirmed(visit, submissions_store, fields, expected):
    visitor = visit()
    shown = visitor.submit(**fields)
    assert shown.status_code == 200
    section = soup(shown).find(id="possible-duplicates")
    assert f"/catalogue/communities/{expected}" in [a["href"] for a in section.find_all("a")]
    assert section.find("input", attrs={"name": "confirm_new", "type": "checkbox"})
    assert "It is not one of these" in section.text
    assert "<script>alert" not in shown.text
    assert stored(submissions_store) == []
    assert visitor.submit(**fields).status_code == 200 and stored(submissions_store) == []  # not confirmed: shown again

    confirmed = visitor.submit(**fields, confirm_new="1")
    assert soup(confirmed).find(id="submission-received") and len(stored(submissions_store)) == 1


def test_possible_duplicates_find_a_misspelt_name_and_leave_others_out(tmp_path):
    build_catalogue(tmp_path / "catalogue.db")
    conn = sqlite3.connect(tmp_path / "catalogue.db")
    names = {found.name for found in submissions.possible_duplicates(conn, "https://x.example", "Python Lisbon")}
    assert names == {"Python Lisboa"}
    assert submissions.possible_duplicates(conn, "https://x.example", "Gardening Club Lisboa") == []
    for hostile in ('NEAR( "* OR -', "***", ""):
        assert submissions.possible_duplicates(conn, "https://x.example", hostile) == []
    conn.close()


# --- the store is private ---------------------------------------------------------------------------------


def test_the_submissions_store_is_not_reachable_through_datasette(visit, submissions_store):
    visitor = visit()
    assert visitor.submit().status_code == 200 and submissions_store.exists()
    databases = visitor.request("GET", "/-/databases.json").json()
    assert "catalogue" in [database["name"] for database in databases]
    assert not [database for database in databases if database["name"] == "submissions" or database["path"] == str(submissions_store)]
    for path in ("/submissions", "/submissions.json", "/submissions/submissions", "/catalogue/submissions"):
        assert visitor.request("GET", path).status_code == 404, path
    query = visitor.request("GET", "/catalogue.json", params={"sql": "select * from submissions"})
    assert query.status_code == 400 and "no such table" in query.text
    attach = visitor.request("GET", "/catalogue.json", params={"sql": f"attach database '{submissions_store}' as private"})
    assert attach.status_code in (400, 403) and "owner@example.org" not in attach.text
