"""When a community was created, from its platform: Reddit's created_utc and Lemmy's published.

Real answers come from tests/fixtures/api_samples (copies of shared/corpus). The corpus has no
Lemmy HTTP API answer, so the Lemmy bodies are built in the API's shape around the creation times
of the same community and instance as their real ActivityPub actors (the corpus's substitute).
"""
from __future__ import annotations

import json
from datetime import datetime, timezone

import pytest

from conftest import REPO
from crawler.adapters import parse

SAMPLES = REPO / "tests" / "fixtures" / "api_samples"
NOW = datetime(2026, 1, 15, tzinfo=timezone.utc)


def sample(name: str) -> dict:
    return json.loads((SAMPLES / name).read_text())


def created(adapter: str, body: dict, url: str = "https://example.org/x", status: int = 200) -> str | None:
    signals = parse(adapter, json.dumps(body).encode(), url, NOW, status).profile.signals
    found = [signal for signal in signals if signal.kind == "created"]
    assert len(found) <= 1 and all(signal.source_url == url and signal.observed_at == NOW for signal in found)
    return found[0].value if found else None


# --- Reddit ---------------------------------------------------------------------------------------


def test_a_subreddit_says_when_it_was_created():
    about = sample("reddit_r-announcements_about.json")
    assert created("reddit_about", about, "https://www.reddit.com/r/announcements/about.json") == (
        "2009-06-17T16:28:21+00:00")  # created_utc 1245256101; "created" is Reddit's legacy local time


def test_a_listed_subreddit_says_when_it_was_created():
    listing = sample("reddit_api-info_sr_name_listing.json")
    assert created("reddit_info", listing, "https://www.reddit.com/api/info.json?sr_name=redditdev") == (
        "2008-06-18T15:16:17+00:00")
    assert created("reddit_info", listing, "https://www.reddit.com/api/info.json?sr_name=reddit.com") == (
        "2006-01-17T22:45:05+00:00")


@pytest.mark.parametrize("value", [4102444800, 0, 946684799, -1, "soon", None, True, [], 1e308, float("nan")])
def test_an_implausible_subreddit_creation_time_is_left_out(value):
    about = sample("reddit_r-announcements_about.json")
    about["data"]["created_utc"] = value  # 2100, 1970, a second before 2000, nonsense
    assert created("reddit_about", about) is None
    assert about["data"]["subscribers"] == 47456009  # the rest of the answer still counts


def test_a_subreddit_that_cannot_be_seen_has_no_creation_time():
    refused = {"reason": "private", "message": "Forbidden", "error": 403, "created_utc": 1245256101}
    assert created("reddit_about", refused, status=403) is None
    assert created("reddit_about", sample("reddit_r-announcements_about.json"), status=404) is None


# --- Lemmy ----------------------------------------------------------------------------------------

COMMUNITY_PUBLISHED = sample("activitypub_lemmy-community-group.json")["published"]  # /c/tenforward
SITE_PUBLISHED = sample("activitypub_lemmy-instance-application.json")["published"]  # enterprise.lemmy.ml


def community(published: object) -> dict:
    return {"community_view": {
        "community": {"id": 2, "name": "tenforward", "title": "Ten Forward", "removed": False, "deleted": False,
                      "published": published, "actor_id": "https://enterprise.lemmy.ml/c/tenforward"},
        "counts": {"subscribers": 12, "users_active_month": 3}}}


def site(published: object) -> dict:
    return {"site_view": {"site": {"id": 1, "name": "Enterprise", "published": published},
                          "local_site": {"registration_mode": "Open"}, "counts": {"users": 40}}}


def test_a_lemmy_community_and_its_instance_say_when_they_began():
    assert created("lemmy_community", community(COMMUNITY_PUBLISHED)) == "2019-06-02T16:43:50.799554+00:00"
    assert created("lemmy_site", site(SITE_PUBLISHED)) == "2022-01-19T21:52:11.110741+00:00"


def test_lemmy_before_0_19_writes_utc_without_a_zone():
    assert created("lemmy_community", community(COMMUNITY_PUBLISHED.rstrip("Z"))) == (
        "2019-06-02T16:43:50.799554+00:00")
    assert created("lemmy_site", site("2022-01-19T21:52:11.110741")) == "2022-01-19T21:52:11.110741+00:00"


@pytest.mark.parametrize("value", ["2099-01-01T00:00:00Z", "1970-01-01T00:00:00Z", "yesterday", "", None, 12.5, {}])
def test_an_implausible_lemmy_creation_time_is_left_out(value):
    assert created("lemmy_community", community(value)) is None
    assert created("lemmy_site", site(value)) is None


def test_a_lemmy_community_that_is_not_there_has_no_creation_time():
    assert created("lemmy_community", community(COMMUNITY_PUBLISHED), status=404) is None
    assert created("lemmy_community", {"error": "couldnt_find_community"}, status=404) is None
