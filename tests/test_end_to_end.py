"""The whole flow through the real CLI on the sample web: discover → profile → 8 days of checks
→ score → build, then the published catalogue through Datasette."""
from __future__ import annotations

import asyncio
import itertools
import json
import os
import sqlite3
import subprocess
import sys

import pytest
from bs4 import BeautifulSoup
from datasette.app import Datasette

from conftest import REPO, free_port


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    data = tmp_path_factory.mktemp("demo")
    env = {**os.environ, "COPDIR_DEADLINE_S": "2"}
    run = subprocess.run(
        [sys.executable, "-m", "crawler", "demo", "--no-serve", "--days", "8", "--data-dir", str(data),
         "--sample-web-port", str(free_port())],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=900)
    assert run.returncode == 0, run.stderr[-3000:]
    manifest = subprocess.run([sys.executable, "-m", "crawler", "sample-web", "manifest"],
                              cwd=REPO, capture_output=True, text=True, check=True)
    db = sqlite3.connect(data / "catalogue.db")
    db.row_factory = sqlite3.Row
    communities = {row["id"]: dict(row) for row in db.execute("select * from communities")}
    links = {row["id"]: dict(row) for row in db.execute("select * from links")}
    return {"data": data, "stdout": run.stdout, "communities": communities, "links": links,
            "manifest": json.loads(manifest.stdout), "db": db}


def test_the_demo_lists_the_communities_of_the_real_lists_each_with_a_status_and_reason(demo):
    communities = demo["communities"]
    assert len(communities) >= 1200
    assert all(row["reachability"] and row["activity"] and row["status_reason"] for row in communities.values())
    sources = {source for row in communities.values() for source in (row["sources"] or "").split(",")}
    assert {"awesome-discord-communities", "awesome-subreddits", "discourse-subdomains",
            "awesome-lemmy-instances", "awesome-spanish-slack-dev-groups"} <= sources
    assert "build:" in demo["stdout"] and "day 8/8" in demo["stdout"]


def test_statuses_agree_with_the_sample_webs_ground_truth(demo):
    links = demo["links"]  # each link's own status: the manifest judges links
    judged = disagreements = 0
    wrong = []
    for row in demo["manifest"]:
        if row["expected_reachability"] is None:
            continue  # flaky and uncheckable ones are ambiguous by design
        got = links[row["community_id"]]
        judged += 1
        if (got["reachability"], got["activity"]) != (row["expected_reachability"], row["expected_activity"]):
            disagreements += 1
            wrong.append((row["url"], row["behaviour"], got["reachability"], got["activity"], got["status_reason"]))
    assert judged >= 1200
    assert wrong == [], f"{disagreements} of {judged} disagree, e.g. {wrong[:5]}"


def test_every_kind_of_failure_is_represented(demo):
    behaviours = {row["behaviour"] for row in demo["manifest"]}
    assert {"live-active", "live-quiet", "dormant", "404", "410", "nxdomain", "connection-refused", "timeout",
            "parked", "invite-expired", "moved", "403-bot-wall", "429-retry-after", "flaky"} <= behaviours
    reasons = " ".join(row["status_reason"] for row in demo["communities"].values())
    for phrase in ("Unknown Invite", "parked", "bot challenge", "HTTP 410", "dns_failure", "timeout", "moved"):
        assert phrase in reasons


def test_history_records_when_failing_communities_became_dead(demo):
    rows = demo["db"].execute(
        "select reachability, count(*) from status_history group by reachability").fetchall()
    counts = dict(rows)
    assert counts.get("failing", 0) > 0 and counts.get("dead", 0) > 0
    on_day_one = demo["db"].execute(
        "select count(*) from status_history where reachability = 'dead' and reason like '%failed checks%'"
        " and changed_at < (select min(changed_at) from status_history) || 'z'").fetchone()[0]
    assert on_day_one == 0  # a 404 is not dead after one check: it takes ≥ 6 checks over ≥ 7 days


def _get(datasette: Datasette, path: str):
    return asyncio.run(datasette.client.get(path))


def test_the_site_searches_the_catalogue_and_shows_the_demo_banner(demo, monkeypatch):
    monkeypatch.setenv("COPDIR_DEMO", "1")
    datasette = Datasette([str(demo["data"] / "catalogue.db")], metadata=json.loads(json.dumps(
        __import__("yaml").safe_load((REPO / "datasette_metadata.yml").read_text()))),
        template_dir=str(REPO / "catalogue" / "templates"), settings={"suggest_facets": False})
    home = _get(datasette, "/")
    assert home.status_code == 200 and "What do you practise?" in home.text
    assert "every status on this site is simulated" in home.text
    found = _get(datasette, "/catalogue/communities.json?_search=python&_shape=array&_col=name&_col=status_reason")
    assert found.status_code == 200
    rows = found.json()
    assert rows and all(row["status_reason"] for row in rows)
    assert any("python" in row["name"].lower() for row in rows)
    page = _get(datasette, "/catalogue/communities?_search=python")
    assert "every status on this site is simulated" in page.text


def test_profiling_fills_description_language_and_platform_for_live_communities(demo):
    working = sqlite3.connect(demo["data"] / "copdir.db")
    live = working.execute(
        "select c.page_description, c.language, coalesce(c.profile_platform, c.platform) from communities c"
        " join statuses s on s.community_id = c.id where s.reachability = 'live'").fetchall()
    filled = [row for row in live if all(row)]
    assert len(live) >= 800
    assert len(filled) >= 0.95 * len(live), f"{len(filled)} of {len(live)} live communities fully profiled"


def test_presences_are_linked_across_platforms_where_pages_link_them(demo):
    rows = demo["db"].execute("select p.platform, c.platform from presences p"
                              " join communities c on c.id = p.community_id").fetchall()
    assert len(rows) >= 100
    assert {platform for platform, _ in rows} >= {"discord", "reddit", "meetup"}
    assert any(linked != own for linked, own in rows)  # a site that links its Discord, say


def test_the_same_community_in_two_lists_under_two_addresses_is_one_row_with_both_sources(demo):
    """devsChile is listed as http://www.devschile.cl in one list and https://devschile.cl in another."""
    links = [row for row in demo["links"].values() if "devschile.cl" in row["url"]]
    assert len(links) == 2 and len({row["community_id"] for row in links}) == 1
    community = demo["communities"][links[0]["community_id"]]
    assert community["links"] == 2
    assert set(community["sources"].split(",")) == {source for row in links for source in row["sources"].split(",")}
    assert len(set(community["sources"].split(","))) >= 2


def test_the_same_name_on_different_platforms_without_shared_evidence_stays_apart(demo):
    """r/androiddev and an Android Discord share a name, nothing else: two communities (the r/trees lesson)."""
    names = {}
    for row in demo["communities"].values():
        names.setdefault(row["name"].lower().removeprefix("r/").removeprefix("/r/"), []).append(row)
    alike = [rows for rows in names.values() if len({row["platform"] for row in rows}) > 1]
    assert alike, "the corpus has names shared across platforms, each still its own community"
    pairs = [tuple(sorted((a["id"], b["id"]))) for rows in alike for a, b in itertools.combinations(rows, 2)]
    working = sqlite3.connect(demo["data"] / "copdir.db")
    verdicts = {(left, right): verdict for left, right, verdict in working.execute(
        "select left_id, right_id, verdict from merge_candidates")}
    assert all(verdicts.get(pair, "near_miss") == "near_miss" for pair in pairs)
    assert sum(pair in verdicts for pair in pairs) >= 10, "recorded as near misses, for a maintainer to review"


# --- CoP qualities on the demo (issue 10) -----------------------------------------------------------------------


def _demo_site(demo) -> Datasette:
    from catalogue.publish import SETTINGS, TEMPLATES

    metadata = __import__("yaml").safe_load((REPO / "datasette_metadata.yml").read_text())
    return Datasette([str(demo["data"] / "catalogue.db")], metadata=metadata, template_dir=str(TEMPLATES),
                     settings=SETTINGS)


def _every_result(datasette: Datasette, path: str) -> list[str]:
    found = []
    while path:
        answer = _get(datasette, path).json()
        found += [row["id"] for row in answer["results"]]
        path = answer["next"]
    return found


def _free_with_conduct_and_monthly(truth: dict | None) -> bool:
    return bool(truth) and truth["cost"] == "free" and truth["code_of_conduct"] and truth["event_cadence"] == "monthly"


def test_a_visitor_can_filter_to_free_communities_with_a_code_of_conduct_and_monthly_events(demo):
    """The sample web's pages say what they cost, link a code of conduct and announce events; its manifest says
    which do. The site's filters must find exactly those."""
    datasette = _demo_site(demo)
    found = _every_result(datasette, "/search.json?cost=free&code_of_conduct=yes&event_cadence=monthly")
    truth = {row["community_id"]: row["qualities"] for row in demo["manifest"]}
    links_of: dict[str, list[str]] = {}
    for link in demo["links"].values():
        links_of.setdefault(link["community_id"], []).append(link["id"])
    expected = {cid for cid, ids in links_of.items() if len(ids) == 1 and _free_with_conduct_and_monthly(truth[ids[0]])}
    assert len(expected) >= 10
    assert set(found) >= expected, f"missed {sorted(expected - set(found))[:5]}"
    for cid in found:  # each found community has a link that is all three; a folded one may add free links
        judged = [truth[link] for link in links_of[cid] if truth.get(link) is not None]
        if not judged:
            continue  # a moved or flaky link: its qualities are its successor's page's, or drawn by chance
        assert any(map(_free_with_conduct_and_monthly, judged)), (cid, judged)
        assert all(q["cost"] in ("free", "unknown") for q in judged), (cid, judged)
    page = BeautifulSoup(_get(datasette, f"/catalogue/communities/{sorted(expected)[0]}").text, "html.parser")
    assert page.find(id="quality-event_cadence").find_all("td")[1].get_text(strip=True) == "Meets monthly"
    assert page.find(id="quality-cost").find_all("td")[1].get_text(strip=True) == "Free"
    why = page.find(id="quality-event_cadence").find_all("td")[2].get_text(" ", strip=True)
    assert why.startswith(("text ", "3 events ")) and " — " in why  # the words or the dates (its events), and where


def test_the_demos_qualities_agree_with_the_sample_webs_truth(demo):
    """Every single-link community whose page the sample web wrote: cadence, cost and price, membership, code of
    conduct, knowledge base, moderators and mentoring as its page shows them."""
    communities = demo["communities"]
    judged, wrong = 0, []
    for row in demo["manifest"]:
        truth, got = row["qualities"], communities.get(row["community_id"])
        if truth is None or got is None or got["links"] != 1 or got["reachability"] != "live":
            continue
        judged += 1
        seen = {"event_cadence": got["event_cadence"], "cost": got["cost"], "price": got["price"],
                "membership": got["membership"], "code_of_conduct": bool(got["code_of_conduct"]),
                "knowledge_base": sorted({entry["kind"] for entry in json.loads(got["knowledge_base"])}),
                "moderators_visible": bool(got["moderators_visible"]), "mentoring": bool(got["mentoring"])}
        if got["platform"] not in ("website", "forum", "discourse"):  # a platform's API may say more than its page
            seen["membership"] = truth["membership"]
        if seen != truth:
            wrong.append((row["url"], {k: (seen[k], truth[k]) for k in truth if seen[k] != truth[k]}))
    assert judged >= 500
    assert len(wrong) <= 0.02 * judged, wrong[:5]


def test_a_paid_community_gone_quiet_is_obvious_at_a_glance(demo):
    quiet_paid = [row for row in demo["communities"].values()
                  if row["cost"] == "paid" and row["activity"] in ("quiet", "dormant")]
    assert quiet_paid, "the sample web has paid communities that have gone quiet"
    datasette = _demo_site(demo)
    row = quiet_paid[0]
    page = BeautifulSoup(_get(datasette, f"/catalogue/communities/{row['id']}").text, "html.parser")
    marker = page.find(id="paid-quiet").get_text(strip=True)
    assert marker.startswith(f"⚠ Paid membership ({row['price']}) · {row['activity']}")
    results = BeautifulSoup(_get(datasette, f"/search?cost=paid&activity={row['activity']}").text, "html.parser")
    markers = [item.select_one(".copdir-paid-quiet") for item in results.select("#search-results > li")]
    assert markers and all(marker is not None and "Paid membership" in marker.text for marker in markers)


def test_the_demo_knows_what_each_listing_practises_and_whether_it_is_a_community(demo, monkeypatch):
    communities = demo["communities"].values()
    assert all(row["kind"] in ("community", "organisation", "event", "resource", "other") and row["kind_reason"]
               for row in communities)
    assert sum(row["kind"] == "community" for row in communities) >= 0.95 * len(communities)
    by_name = {row["name"]: row for row in communities}
    assert by_name["CTO Craft Con"]["kind"] == "event" and by_name["STEMGuyana"]["kind"] == "organisation"
    assert sum(row["domains"] != "[]" for row in communities) >= 0.6 * len(communities)
    assert "government-digital" in json.loads(by_name["Plain Language Action and Information Network"]["domains"])
    assert "classify:" in demo["stdout"]
    datasette = Datasette([str(demo["data"] / "catalogue.db")], metadata=json.loads(json.dumps(
        __import__("yaml").safe_load((REPO / "datasette_metadata.yml").read_text()))),
        template_dir=str(REPO / "catalogue" / "templates"), settings={"suggest_facets": False})
    domains = _get(datasette, "/domains")
    assert domains.status_code == 200 and "Government and digital public services" in domains.text
    found = _get(datasette, "/search.json?domain=government-digital").json()
    assert found["results"] and all(row["kind"] == "community" for row in found["results"])
    assert any(reason.startswith("matches domain Government") for reason in found["results"][0]["reasons"])
