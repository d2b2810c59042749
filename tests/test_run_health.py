"""The run-health page: the moderator sees the last run of each stage, this week's failures, the latest refused
publish and a stale catalogue; nobody else sees any of it, and the working database is never published."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from catalogue import store
from catalogue.run_health_page import WORKING_DB_ENV
from catalogue.schema import open_working_db
from test_moderation import moderator, password, site, soup, visit  # noqa: F401 (fixtures)

SCRIPT = "<script>alert('runs')</script>"


@pytest.fixture
def working_db(tmp_path, monkeypatch):
    path = tmp_path / "copdir.db"
    db = open_working_db(path)
    now = datetime.now(timezone.utc)
    for stage, outcome, error, days in [("check", "ok", "", 0), ("check", "timed-out", "ran past its time limit", 1),
                                        ("build", "refused", f"the live count fell by 40 % {SCRIPT}", 2),
                                        ("build", "ok", "", 0), ("profile", "failed", "old failure", 9)]:
        run = store.start_run(db, stage, now - timedelta(days=days))
        store.finish_run(db, run, now - timedelta(days=days) + timedelta(minutes=3), outcome, {"checked": 5}, error)
    db.close()
    monkeypatch.setenv(WORKING_DB_ENV, str(path))
    return path


def test_the_moderator_sees_last_runs_failures_the_refusal_and_a_stale_catalogue(moderator, working_db):
    response = moderator.request("GET", "/moderate/runs")
    assert response.status_code == 200
    page = soup(response)
    last = {row.select_one(".stage").text: row.select_one(".outcome").text for row in page.select("#last-runs .run")}
    assert last == {"check": "ok", "build": "ok", "profile": "failed"}
    failures = [(row.select_one(".stage").text, row.select_one(".outcome").text) for row in page.select("#failures .run")]
    assert failures == [("check", "timed-out"), ("build", "refused")]  # newest first; 9 days old is past the window
    assert "the live count fell by 40 %" in page.select_one("#refusal").text
    assert SCRIPT in page.select_one("#refusal").text and "<script>alert" not in response.text  # shown, inert
    assert "The catalogue is stale" in page.select_one("#catalogue-age").text  # the test catalogue has no build


def test_nobody_else_sees_run_health_and_the_working_db_is_not_served(visit, password, working_db):
    stranger = visit()
    assert stranger.request("GET", "/moderate/runs").status_code == 403
    assert "runs" not in stranger.request("GET", "/-/databases.json").text
    assert stranger.request("GET", "/copdir/runs.json").status_code == 404


def test_without_the_working_db_the_page_says_what_to_set(moderator, monkeypatch):
    monkeypatch.delenv(WORKING_DB_ENV, raising=False)
    response = moderator.request("GET", "/moderate/runs")
    assert response.status_code == 503 and WORKING_DB_ENV in response.text
