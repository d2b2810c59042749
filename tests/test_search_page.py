"""The site's search page (/search and /search.json): liveliest first, filters, pages, hostile input.

A small catalogue.db is built here as the real build makes it — communities stored in activity order
(rowid order = activity_rank, days since activity with unknown last, id), a topics table, the FTS index
over name, description, sections, topics and platform with the porter tokenizer — and served by Datasette
in-process with the project's settings, metadata, templates and plugin.
"""
from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
import sqlite_utils
from bs4 import BeautifulSoup
from datasette.app import Datasette
from datasette.database import Database, QueryInterrupted

from catalogue import search
from catalogue_site import datasette_for, get

ACTIVITY_RANK = {"active": 0, "quiet": 1, "dormant": 2, "unknown": 3}
REACHABILITY_RANK = {"live": 0, "moved": 1, "blocked": 2, "unknown": 3, "failing": 4, "dead": 5}
STATUSES = [("live", "active"), ("live", "quiet"), ("live", "dormant"), ("blocked", "unknown"), ("dead", "unknown")]
PLATFORMS = ["discord", "slack", "forum", "reddit"]
HOSTILE_NAME = "<script>alert('name')</script> Python Night"
COSTS = ["free", "paid", "freemium", "unknown", "free"]
CADENCES = ["monthly", "weekly", "none-seen"]
MEMBERSHIPS = ["open", "application", "unknown", "invite-only"]


def _community(n: int, name: str, description: str, platform: str, reachability: str, activity: str,
               language: str, topics: list[str], url: str | None = None) -> dict:
    days = None if activity == "unknown" else n % 400
    return {
        "id": f"{n:016x}", "name": name, "description": description, "url": url or f"https://example.org/c/{n}",
        "platform": platform, "reachability": reachability, "activity": activity,
        "activity_reason": f"{activity}: newest post {days} days before the build" if days is not None else "",
        "reachability_reason": f"{reachability}: HTTP 200 — checked 2026-11-20", "status_reason": "",
        "days_since_activity": days, "language": language, "topics": json.dumps(topics),
        "sections": "Programming > Python" if "python" in topics else "Civic", "sources": "awesome-lists",
        "activity_rank": ACTIVITY_RANK[activity] + 10 * REACHABILITY_RANK[reachability],
        # CoP qualities, spread over the rows so that every combination of the filters below occurs
        "cost": COSTS[n % len(COSTS)], "price": "$10 per month" if COSTS[n % len(COSTS)] == "paid" else None,
        "event_cadence": CADENCES[n % len(CADENCES)], "membership": MEMBERSHIPS[n % len(MEMBERSHIPS)],
        "code_of_conduct": f"https://example.org/c/{n}/conduct" if n % 2 else None,
        "last_activity": f"2026-{1 + n % 9:02d}-15T00:00:00+00:00" if days is not None else None,
    }


def _communities() -> list[dict]:
    rows = []
    for n in range(60):  # 60 Python communities over every platform, status and language
        reachability, activity = STATUSES[n % len(STATUSES)]
        rows.append(_community(n, f"Python Group {n}", "A friendly community for Python users.",
                               PLATFORMS[n % len(PLATFORMS)], reachability, activity, ["en", "fr", "de"][n % 3],
                               ["python", "data science" if n % 2 else "web"]))
    for n in range(60, 75):
        rows.append(_community(n, f"Civic Tech {n}", "Open government meetups.", "meetup", "live", "active", "en",
                               ["civic tech"]))
    rows.append(_community(75, HOSTILE_NAME, "<img src=x onerror=alert('description')> Python", "website", "live",
                           "active", "en", ["python"], url="javascript:alert('url')"))
    rows.append(_community(76, "Node.js Lisboa", "JavaScript on the server, or near it.", "discord", "live", "quiet",
                           "pt", ["javascript"]))
    # Stored in activity order, as catalogue/build.py stores them: rowid 1 is the liveliest.
    return sorted(rows, key=lambda row: (row["activity_rank"], row["days_since_activity"] is None,
                                         row["days_since_activity"] or 0, row["id"]))


COMMUNITIES = _communities()
BY_ID = {row["id"]: row for row in COMMUNITIES}


def build_catalogue(path: Path) -> None:
    db = sqlite_utils.Database(path)
    db["communities"].insert_all(COMMUNITIES, pk="id")
    db["topics"].insert_all(({"community_id": row["id"], "topic": topic} for row in COMMUNITIES
                             for topic in json.loads(row["topics"])), pk=("community_id", "topic"))
    for column in ("platform", "reachability", "activity", "activity_rank", "language", "cost", "membership",
                   "event_cadence"):
        db["communities"].create_index([column])
    db["topics"].create_index(["topic"])
    db["communities"].enable_fts(["name", "description", "sections", "topics", "platform"], tokenize="porter")
    db.close()


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Datasette:
    path = tmp_path_factory.mktemp("search") / "catalogue.db"
    build_catalogue(path)
    return datasette_for(path)


def found(site: Datasette, path: str) -> dict:
    return get(site, path).json()


def ids(answer: dict) -> list[str]:
    return [row["id"] for row in answer["results"]]


def every_page(site: Datasette, path: str) -> list[str]:
    """The ids of every result, following `next` until there is none."""
    seen, answer = [], found(site, path)
    while True:
        seen += ids(answer)
        if not answer["next"]:
            return seen
        answer = found(site, answer["next"])


def python_ids(**where: str) -> list[str]:
    """The ids a search for "python" should find, in activity order."""
    return [row["id"] for row in COMMUNITIES if "python" in (row["name"] + row["description"]).lower()
            and all(row[key] == value for key, value in where.items())]


def pages_of(ids: list[str], size: int = 20) -> list[set[str]]:
    """The ids page by page, each page as a set: pages run in activity order, each is ranked within itself."""
    return [set(ids[start:start + size]) for start in range(0, len(ids), size)]


def in_page_order(answer: dict, liveliest: list[str]) -> list[str]:
    """The page's liveliest communities as the page ranks them: by what its reasons say (active, free, a code of
    conduct, open to join, the searched practice), ties in activity order."""
    reasons = {row["id"]: row["reasons"] for row in answer["results"]}

    def score(id: str) -> int:
        said = reasons[id]
        return (2 * ("active" in said) + sum(word in said for word in ("free", "code of conduct", "open to join"))
                + 3 * any(reason.startswith("matches domain") for reason in said))

    return sorted(liveliest, key=lambda id: -score(id))


def test_results_come_liveliest_first_with_both_status_axes_and_why(site):
    answer = found(site, "/search.json?q=python")
    assert answer["total"] == {"count": 61, "exact": True, "matches": 61, "scanned": None, "label": "61 communities"}
    first = answer["results"]
    assert ids(answer) == in_page_order(answer, python_ids()[:20])
    assert [row["activity"] for row in first[:3]] == ["active"] * 3

    soup = BeautifulSoup(get(site, "/search?q=python").text, "html.parser")
    items = soup.select("#search-results > li")
    assert len(items) == 20
    link = items[0].find("a", class_="copdir-name")
    assert link["href"] == f"/catalogue/communities/{first[0]['id']}" and link.text == first[0]["name"]
    text = items[0].get_text(" ", strip=True)
    assert "Active · live" in text and first[0]["activity_reason"] in text and first[0]["platform"] in text
    assert "last active" in text
    assert soup.find(id="search-total").get_text(" ", strip=True).startswith("61 communities")


def test_every_page_follows_on_without_repeats_or_gaps(site):
    assert pages_of(every_page(site, "/search.json?q=python")) == pages_of(python_ids())
    html_ids, path = [], "/search?q=python"
    while path:
        soup = BeautifulSoup(get(site, path).text, "html.parser")
        html_ids += [a["href"].rsplit("/", 1)[1] for a in soup.select("#search-results a.copdir-name")]
        next_link = soup.find(id="search-next")
        path = next_link["href"] if next_link else None
        assert path is None or path.startswith("/search?")
    assert html_ids == every_page(site, "/search.json?q=python")  # the HTML pages are the JSON pages


@pytest.mark.parametrize("where", [{"platform": "discord"}, {"activity": "dormant"}, {"reachability": "dead"},
                                   {"language": "fr"}, {"platform": "slack", "language": "de"}])
def test_filters_keep_only_what_they_name(site, where):
    query = "".join(f"&{key}={value}" for key, value in where.items())
    expected = python_ids(**where)
    answer = found(site, "/search.json?q=python" + query)
    assert answer["total"]["count"] == len(expected) and answer["total"]["exact"]
    assert pages_of(every_page(site, "/search.json?q=python" + query)) == pages_of(expected)
    assert [chosen["name"] for chosen in answer["filters"]] == list(where)


def _has_conduct(row: dict) -> bool:
    return row["code_of_conduct"] is not None


@pytest.mark.parametrize("query", ["q=python&", ""])
def test_a_visitor_can_filter_to_free_communities_with_a_code_of_conduct_and_monthly_events(site, query):
    expected = [row["id"] for row in COMMUNITIES if row["cost"] == "free" and _has_conduct(row)
                and row["event_cadence"] == "monthly" and (not query or "python" in row["name"].lower())]
    path = f"/search.json?{query}cost=free&code_of_conduct=yes&event_cadence=monthly"
    assert len(expected) >= 3 and pages_of(every_page(site, path)) == pages_of(expected)
    answer = found(site, path)
    assert answer["total"]["count"] == len(expected)
    assert all(row["cost"] == "free" and row["code_of_conduct"] and row["event_cadence"] == "monthly"
               for row in answer["results"])
    without = [row["id"] for row in COMMUNITIES if not _has_conduct(row) and row["membership"] == "application"
               and "python" in row["name"].lower()]
    assert pages_of(every_page(site, "/search.json?q=python&code_of_conduct=no&membership=application")) == pages_of(without)
    assert found(site, "/search.json?q=python&code_of_conduct=maybe")["total"]["count"] == 0


def test_quality_facets_count_cost_membership_cadence_and_code_of_conduct(site):
    answer = found(site, "/search.json?q=python")
    facets = {facet["name"]: {value["value"]: value["count"] for value in facet["values"]} for facet in answer["facets"]}
    python = [row for row in COMMUNITIES if "python" in (row["name"] + row["description"]).lower()]
    assert facets["cost"] == {cost: sum(row["cost"] == cost for row in python) for cost in set(COSTS)}
    assert facets["code_of_conduct"] == {"yes": sum(map(_has_conduct, python)),
                                         "no": sum(not _has_conduct(row) for row in python)}
    assert set(facets["event_cadence"]) == set(CADENCES) and set(facets["membership"]) == set(MEMBERSHIPS)
    soup = BeautifulSoup(get(site, "/search?q=python").text, "html.parser")
    conduct = soup.select_one('#search-facets ul[data-facet="code_of_conduct"]')
    has_one = next(a for a in conduct.find_all("a") if a.text == "has one")
    assert parse_qs(urlsplit(has_one["href"]).query) == {"q": ["python"], "code_of_conduct": ["yes"]}


def test_a_paid_community_gone_quiet_is_marked_in_the_results(site):
    soup = BeautifulSoup(get(site, "/search?q=python&cost=paid").text, "html.parser")
    for item, row in zip(soup.select("#search-results > li"), found(site, "/search.json?q=python&cost=paid")["results"]):
        marker = item.select_one(".copdir-paid-quiet")
        source = next(c for c in COMMUNITIES if c["id"] == row["id"])
        if source["activity"] in ("quiet", "dormant"):
            assert marker.text == f"⚠ Paid membership ($10 per month) · {source['activity']} since " \
                                  f"{source['last_activity'][:10]}"
        else:
            assert marker is None
        assert "Paid membership ($10 per month)" in item.select_one(".copdir-qualities").text
    assert any(c["cost"] == "paid" and c["activity"] == "quiet" for c in COMMUNITIES)


def test_topic_filter_uses_the_topics_table_and_filters_work_without_words(site):
    data_science = [row["id"] for row in COMMUNITIES if "data science" in json.loads(row["topics"])]
    assert pages_of(every_page(site, "/search.json?q=python&topic=Data%20Science")) == pages_of(data_science)
    assert pages_of(every_page(site, "/search.json?topic=data%20science")) == pages_of(data_science)
    assert pages_of(every_page(site, "/search.json?q=python&platform=Discord")) == pages_of(python_ids(platform="discord"))
    meetups = [row["id"] for row in COMMUNITIES if row["platform"] == "meetup"]
    assert pages_of(every_page(site, "/search.json?platform=meetup")) == pages_of(meetups)
    assert found(site, "/search.json?q=python&platform=nowhere")["total"]["count"] == 0


def test_facet_links_filter_and_a_chosen_value_can_be_removed(site):
    soup = BeautifulSoup(get(site, "/search?q=python").text, "html.parser")
    platform = soup.select_one('#search-facets ul[data-facet="platform"]')
    discord = next(a for a in platform.find_all("a") if a.text == "discord")
    assert parse_qs(urlsplit(discord["href"]).query) == {"q": ["python"], "platform": ["discord"]}
    assert discord.find_next("span").text == str(len(python_ids(platform="discord")))

    filtered = BeautifulSoup(get(site, discord["href"]).text, "html.parser")
    assert "Platform: discord" in filtered.find(id="search-filters").text
    remove = filtered.find("a", attrs={"aria-label": "Remove the platform filter"})
    assert remove["href"] == "/search?q=python"
    topics = [a.text for a in filtered.select('#search-facets ul[data-facet="topic"] a')]
    assert "python" in topics


def test_facets_over_many_results_say_what_they_counted(site, monkeypatch):
    monkeypatch.setattr(search, "FACET_SAMPLE", 10)
    answer = found(site, "/search.json?q=python")
    assert answer["facets_over"] == 10
    platforms = next(facet for facet in answer["facets"] if facet["name"] == "platform")["values"]
    assert sum(value["count"] for value in platforms) == 10
    soup = BeautifulSoup(get(site, "/search?q=python").text, "html.parser")
    assert soup.find(id="facets-label").text == "Counted over the first 10 results, the liveliest."


def test_a_filtered_search_looks_through_a_bounded_number_of_matches_and_can_go_on(site, monkeypatch):
    monkeypatch.setattr(search, "SCAN_LIMIT", 8)
    answer = found(site, "/search.json?q=python&platform=reddit")
    assert not answer["total"]["exact"]
    assert answer["total"]["label"].startswith("At least ")
    assert pages_of(every_page(site, "/search.json?q=python&platform=reddit")) == pages_of(python_ids(platform="reddit"))
    # A filter on a status jumps to where that status begins, however far into the matches: the dead ones
    # are the last, yet the first page is all of them that its 8 matches hold.
    dead = found(site, "/search.json?q=python&reachability=dead")
    assert set(ids(dead)) == set(python_ids(reachability="dead")[:8])


@pytest.mark.parametrize("text", ['"', "NEAR(", "NEAR(python group)", "*", "python*", "OR", "python OR",
                                  "-", "python -group", "name:python", "python AND", '"python', ")(", "^python",
                                  "python" * 60, "a\x00b", "python " * 30])
def test_hostile_text_is_searched_as_words_never_as_syntax(site, text):
    from urllib.parse import quote
    answer = found(site, "/search.json?q=" + quote(text))
    assert not answer["timed_out"]
    get(site, "/search?q=" + quote(text))


def test_bytes_that_are_not_text_are_no_error(site):
    assert found(site, "/search.json?q=%ED%A0%80%FF%00&platform=%FF")["total"]["count"] == 0
    get(site, "/search?q=python&after=99999999999999999999999&platform=%C0")


def test_operators_do_not_change_what_the_words_find(site):
    # "-" excludes nothing, "OR" is the word "or", "*" is no prefix: every word must be there as typed.
    assert every_page(site, "/search.json?q=python%20-group") == every_page(site, "/search.json?q=python%20group")
    assert found(site, "/search.json?q=python%20OR%20civic")["total"]["count"] == 0
    assert found(site, "/search.json?q=pyth*")["total"]["count"] == 0
    assert ids(found(site, "/search.json?q=node.js")) == ["000000000000004c"]  # the phrase "node js"
    assert found(site, "/search.json?q=NEAR(")["total"]["count"] == 1  # "near" is in a description


@pytest.mark.parametrize("text", ["", "   ", "!!!", "* - ( )", '""'])
def test_no_word_asks_for_a_word(site, text):
    from urllib.parse import quote
    answer = found(site, "/search.json?q=" + quote(text))
    assert answer["message"] == search.TYPE_A_WORD and answer["results"] == [] and answer["total"] is None
    soup = BeautifulSoup(get(site, "/search?q=" + quote(text)).text, "html.parser")
    assert soup.find(id="search-message").text == search.TYPE_A_WORD
    assert soup.find(id="search-results") is None


def test_names_descriptions_and_addresses_from_lists_render_inert(site):
    html = get(site, "/search?q=python&platform=website").text
    assert "<script>alert" not in html and "<img src=x" not in html
    assert "&lt;script&gt;alert(&#39;name&#39;)&lt;/script&gt; Python Night" in html
    soup = BeautifulSoup(html, "html.parser")
    assert not [a for a in soup.find_all("a") if a["href"].lower().startswith("javascript")]
    assert soup.find(string="javascript:alert('url')") is not None  # shown as text, not a link
    typed = get(site, "/search?q=%3Cscript%3Ealert(1)%3C/script%3E").text
    assert "<script>alert(1)" not in typed and "&lt;script&gt;alert(1)&lt;/script&gt;" in typed
    answer = found(site, "/search.json?q=python&platform=website")
    assert answer["results"][0]["name"] == HOSTILE_NAME  # JSON carries the data as it is, for scripts


def test_json_answers_have_a_stable_shape_for_scripts(site):
    answer = found(site, "/search.json?q=python&language=en")
    assert set(answer) >= {"q", "query", "filters", "total", "results", "facets", "facets_over", "next", "message",
                           "timed_out"}
    assert answer["query"] == '"python"'
    assert set(answer["results"][0]) == {"id", "name", "page", "url", "platform", "reachability", "activity",
                                         "activity_reason", "reachability_reason", "days_since_activity",
                                         "language", "description", "cost", "price", "event_cadence", "membership",
                                         "code_of_conduct", "marker", "kind", "reasons", "domains", "region",
                                         "locality", "join_type"}
    assert answer["next"].startswith("/search.json?q=python&language=en&after=")
    facet = answer["facets"][0]
    assert set(facet) == {"name", "title", "values"}
    assert set(facet["values"][0]) == {"value", "label", "count", "selected", "url"}
    assert all(value["url"].startswith("/search.json?") for facet in answer["facets"] for value in facet["values"])


def test_a_search_that_runs_out_of_time_says_so(site, monkeypatch):
    real = Database.execute

    async def slow(self, sql, *args, **kwargs):
        if "communities_fts" in sql:
            raise QueryInterrupted(None, sql, None)
        return await real(self, sql, *args, **kwargs)

    monkeypatch.setattr(Database, "execute", slow)
    answer = get(site, "/search.json?q=python", status=503).json()
    assert answer["timed_out"] and "took too long" in answer["message"]
    soup = BeautifulSoup(get(site, "/search?q=python", status=503).text, "html.parser")
    assert "took too long" in soup.find(id="search-timed-out").text


def test_the_home_page_asks_what_you_practise_and_searches_here(site):
    soup = BeautifulSoup(get(site, "/").text, "html.parser")
    form = soup.find("form", action="/search")
    assert form is not None and form.find("input", attrs={"name": "q"}) is not None
    assert "What do you practise?" in form.get_text()
