"""CoP qualities: each extractor on real saved pages (a labelled gold set with precision and recall floors), on
small pages that pin one rule each, on platform answers from the corpus, and on the sample web, whose pages must
profile to what its manifest says; then how findings are folded per link, stored, and folded per community."""
from __future__ import annotations

import asyncio
import json
from datetime import datetime, timedelta
from urllib.parse import urlsplit

import pytest
import sqlite_utils
import yaml

from catalogue import store
from catalogue.build_qualities import fold_qualities
from catalogue.schema import migrate
from conftest import REPO
from crawler import adapters
from crawler.extract.page import profile_page
from crawler.models import Event, Finding, JoinType, Profile, profile_as_dict, profile_from_dict
from crawler.qualities import cadence_from_dates, summarize
from crawler.sampleweb.app import SampleWeb, fixed_clock
from crawler.sampleweb.manifest import build_manifest
from crawler.urls import community_id
from test_page_profile import NOW, OBSERVED, REAL_PAGES, decoded

GOLD = yaml.safe_load((REPO / "tests" / "gold" / "qualities" / "real_pages.yml").read_text())
API = REPO / "tests" / "fixtures" / "api_samples"
# Floors on the labelled real pages: they may rise, never fall.
PRECISION_FLOOR = 0.95
RECALL_FLOOR = 0.85
NOT_SHOWN = {"event_cadence": "none-seen", "knowledge_base": [], "code_of_conduct": False, "moderators_visible": False,
             "mentoring": False, "membership": "unknown", "cost": "unknown"}


def qualities_of(html: str, url: str = "https://club.example.org/", observed: datetime = NOW) -> dict:
    """What copdir publishes for a page: its findings and announced events, folded as the store folds them."""
    profile = profile_page(html, url, observed)
    columns = summarize(profile.qualities, [event.starts_at for event in profile.events])
    return {"event_cadence": columns["event_cadence"], "cost": columns["cost"], "price": columns["price"],
            "membership": columns["membership"], "code_of_conduct": bool(profile.code_of_conduct),
            "knowledge_base": sorted({entry["kind"] for entry in json.loads(columns["knowledge_base"])}),
            "moderators_visible": bool(columns["moderators_visible"]), "mentoring": bool(columns["mentoring"]),
            "evidence": json.loads(columns["qualities_evidence"])}


def page(body: str, lang: str = "en") -> str:
    return f'<!doctype html><html lang="{lang}"><head><title>Club</title></head><body>{body}</body></html>'


# --- real pages -------------------------------------------------------------------------------------------------


def test_real_pages_meet_the_precision_and_recall_floors():
    true_positive = false_positive = false_negative = 0
    misses = []
    for file, url in REAL_PAGES.items():
        got = qualities_of(decoded(file), url, OBSERVED)
        labelled = {**NOT_SHOWN, **GOLD[file]}
        for quality, shown in NOT_SHOWN.items():
            said, truth = got[quality], labelled[quality]
            if said != shown and said == truth:
                true_positive += 1
            else:
                false_positive += said != shown
                false_negative += truth != shown
                if said != truth:
                    misses.append((file, quality, said, truth))
    precision = true_positive / (true_positive + false_positive)
    recall = true_positive / (true_positive + false_negative)
    assert true_positive + false_negative >= 15  # the labelled positives
    assert precision >= PRECISION_FLOOR and recall >= RECALL_FLOOR, (precision, recall, misses)


def test_evidence_says_what_was_seen_and_where():
    file = "club_sites/hundeverein-kreisunna.de.html"
    evidence = qualities_of(decoded(file), REAL_PAGES[file], OBSERVED)["evidence"]
    assert evidence["moderators"] == [{"value": "yes", "evidence": 'link "Vorstand"', "source": REAL_PAGES[file],
                                       "url": "http://www.hundeverein-kreisunna.de/vorstand.html"}]
    said = {entry["value"]: entry["evidence"] for entry in evidence["event_cadence"]}
    assert "Sonntags" in said["weekly"] and "des Monats" in said["monthly"]


# --- one rule each ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("body", "lang", "cadence"), [
    ("<p>Join our monthly meetup on data and maps.</p>", "en", "monthly"),
    ("<p>We meet every second Tuesday at the library.</p>", "en", "fortnightly"),
    ("<p>We meet every second Tuesday of the month.</p>", "en", "monthly"),
    ("<p>Weekly office hours on Zoom.</p>", "en", "weekly"),
    ("<p>See you at our annual conference in June!</p>", "en", "yearly"),
    ("<p>Quarterly community calls for all members.</p>", "en", "quarterly"),
    ("<p>Stammtisch alle zwei Wochen im Café.</p>", "de", "fortnightly"),
    ("<p>Treffen: jeden ersten Donnerstag im Monat.</p>", "de", "monthly"),
    ("<p>Reunión mensual de la comunidad.</p>", "es", "monthly"),
    ("<p>The monthly membership fee is $10.</p>", "en", "none-seen"),  # a fee, not a gathering
    ("<p>Our newsletter goes out monthly.</p>", "en", "none-seen"),
    ('<a href="https://club.example.org/events.ics">Subscribe to our calendar</a>', "en", "irregular"),
    ('<script type="application/ld+json">{"@type": "Event", "name": "Hack night", "eventSchedule": {"@type": '
     '"Schedule", "repeatFrequency": "P1W"}}</script>', "en", "weekly"),
])
def test_event_cadence_from_what_the_page_says(body, lang, cadence):
    assert qualities_of(page(body, lang))["event_cadence"] == cadence


def test_event_cadence_from_the_dates_of_announced_events():
    start = NOW + timedelta(days=5)
    monthly = "".join(f'<li><a href="/e/{i}">Meetup</a> <time datetime="{(start + timedelta(days=gap)).isoformat()}">'
                      f"</time></li>" for i, gap in enumerate((0, 28, 63, 91)))
    got = qualities_of(page(f'<ul class="events">{monthly}</ul><p>Our annual conference is in May.</p>'))
    assert got["event_cadence"] == "monthly"  # regular dates decide before words
    assert got["evidence"]["event_cadence"][0]["evidence"].startswith("4 events")


@pytest.mark.parametrize(("days", "cadence"), [
    ([0, 7, 14, 21], "weekly"), ([0, 14, 28], "fortnightly"), ([0, 28, 63, 91, 119], "monthly"),
    ([0, 91, 182], "quarterly"), ([0, 365, 730], "yearly"), ([0, 3, 40, 41], "irregular"), ([0, 7], None),
    ([0, 0, 7], None),  # two events on one day are one day
])
def test_cadence_from_dates(days, cadence):
    found = cadence_from_dates([NOW + timedelta(days=day, hours=day % 3) for day in days])
    assert (found[0] if found else None) == cadence


@pytest.mark.parametrize(("body", "cost", "price"), [
    ("<p>Membership costs $49/year.</p>", "paid", "$49/year"),
    ("<p>Mitgliedsbeitrag: 30 € pro Jahr.</p>", "paid", "30 € pro Jahr"),
    ("<p>Annual dues: €5 per month, billed yearly.</p>", "paid", "€5 per month"),
    ("<p>Joining is free. No membership fees, ever.</p>", "free", None),
    ("<p>Free tier for everyone; premium membership $5 per month.</p>", "freemium", "$5 per month"),
    ('<script type="application/ld+json">{"@type": "Offer", "price": "0", "priceCurrency": "EUR"}</script>',
     "free", None),
    ('<script type="application/ld+json">{"@type": "Offer", "price": 49, "priceCurrency": "USD"}</script>',
     "paid", "49 USD"),
    ('<a href="https://club.memberful.com/checkout?plan=1">Become a member</a>', "paid", None),
    ('<a href="https://www.patreon.com/club">Support us on Patreon</a>', "unknown", None),  # a donation
    ('<a href="https://www.patreon.com/club">Join on Patreon for member access</a>', "paid", None),
    ("<p>Our sponsors pay for the venue.</p>", "unknown", None),
])
def test_cost_and_price_as_stated(body, cost, price):
    got = qualities_of(page(body))
    assert (got["cost"], got["price"]) == (cost, price)


@pytest.mark.parametrize(("body", "membership"), [
    ('<a href="https://forms.gle/abc">Request to join</a>', "application"),
    ("<p>Registration is closed to new members.</p>", "invite-only"),
    ('<a href="https://discord.gg/abcDEF">Our Discord</a>', "open"),
    ('<a href="/join">Join us</a><p>New members are approved by a moderator.</p>', "application"),
    ("<p>Hello.</p>", "unknown"),
])
def test_membership(body, membership):
    assert qualities_of(page(body))["membership"] == membership


@pytest.mark.parametrize(("body", "kinds"), [
    ('<a href="/wiki/">Wiki</a>', ["wiki"]),
    ('<a href="https://www.youtube.com/playlist?list=PLabc">Talks</a>', ["recordings"]),
    ('<a href="https://www.youtube.com/@club">YouTube</a>', []),  # a channel in the social icons is a presence
    ('<a href="/resources/">Resources</a> <a href="https://docs.club.example.org/">Handbook</a>', ["docs", "resources"]),
    ('<a href="/privacy">Privacy policy</a> <a href="/events/1">Machine learning meetup</a>', []),
])
def test_knowledge_base(body, kinds):
    assert qualities_of(page(body))["knowledge_base"] == kinds


@pytest.mark.parametrize(("body", "moderators", "mentoring"), [
    ('<a href="/team">Our team</a>', True, False),
    ("<p>This forum is moderated by volunteers.</p>", True, False),
    ('<a href="/tf2">Team Fortress</a>', False, False),
    ("<p>New? Ask your questions in #help.</p>", False, True),
    ('<a href="/mentoring">Mentorship programme</a>', False, True),
    ('<a href="/help">Help</a> <a href="/faq">FAQ</a>', False, False),  # the site's manual
    ("<p>Weekly office hours with maintainers.</p>", False, True),
])
def test_moderators_and_mentoring(body, moderators, mentoring):
    got = qualities_of(page(body))
    assert (got["moderators_visible"], got["mentoring"]) == (moderators, mentoring)


def test_links_in_comments_and_user_posts_say_nothing_of_the_community():
    body = ('<div class="comments"><div class="comment"><a href="/wiki/">Wiki</a> Membership costs $9 per month. '
            '<a href="/team">Our team</a></div></div>')
    got = qualities_of(page(body))
    assert (got["knowledge_base"], got["cost"], got["moderators_visible"]) == ([], "unknown", False)


def test_code_of_conduct_phrases_in_other_words():
    for text in ("Community agreements", "Verhaltenskodex", "Participation guidelines", "Anti-harassment policy"):
        assert qualities_of(page(f'<a href="/c">{text}</a>'))["code_of_conduct"], text


# --- platform answers -------------------------------------------------------------------------------------------


def test_a_mastodon_servers_rules_are_its_code_of_conduct_and_its_contact_a_visible_moderator():
    result = adapters.parse("mastodon_instance", (API / "mastodon_api-v2-instance.json").read_bytes(),
                            "https://mastodon.social/api/v2/instance", NOW)
    found = {finding.quality: finding for finding in result.profile.qualities}
    assert found["code_of_conduct"].url == "https://mastodon.social/about"
    assert found["code_of_conduct"].evidence == "6 server rules in the instance API"
    assert found["moderators"].url == "https://mastodon.social/@Mastodon"
    columns = summarize(result.profile.qualities, [], result.profile.join_type, result.profile.url)
    assert (columns["membership"], columns["conduct_url"]) == ("open", "https://mastodon.social/about")


def test_discourse_staff_and_lemmy_admins_are_visible_moderators():
    about = json.dumps({"about": {"title": "Forum", "stats": {}, "moderators": [{"username": "ann"}],
                                  "admins": [{"username": "bo"}]}}).encode()
    found = adapters.parse("discourse_about", about, "https://forum.example.org/about.json", NOW).profile.qualities
    assert found == (Finding("moderators", "yes", "2 moderators and admins listed on /about.json",
                             "https://forum.example.org/about.json"),)
    site = json.dumps({"site_view": {"site": {"name": "L"}, "counts": {}, "local_site": {
        "registration_mode": "RequireApplication", "application_question": "Why do you want to join?"}},
        "admins": [{"person": {"name": "admin"}}]}).encode()
    found = adapters.parse("lemmy_site", site, "https://lemmy.example/api/v3/site", NOW).profile.qualities
    assert [(f.quality, f.value) for f in found] == [("moderators", "yes"), ("membership", "application")]


# --- the sample web ---------------------------------------------------------------------------------------------


def test_sample_web_pages_profile_to_the_qualities_the_manifest_gives_them():
    manifest = [row for row in build_manifest(REPO / "data" / "sources.yml") if row["qualities"]]
    web = SampleWeb(fixed_clock(NOW))
    wrong, judged = [], manifest[::3]
    for row in judged:
        parts = urlsplit(row["url"])
        status, headers, body = asyncio.run(web.respond(parts.hostname, parts.path or "/", parts.query))
        assert status == 200, row["url"]
        got = qualities_of(body.decode(), f"https://{parts.hostname}{parts.path or '/'}")
        got.pop("evidence")
        if got != row["qualities"]:
            wrong.append((row["url"], got, row["qualities"]))
    assert len(judged) >= 200 and wrong == [], wrong[:3]
    values = {(quality, str(row["qualities"][quality])) for row in judged for quality in ("event_cadence", "cost")}
    assert values >= {("event_cadence", value) for value in ("weekly", "fortnightly", "monthly", "irregular",
                                                              "none-seen")}
    assert values >= {("cost", value) for value in ("free", "freemium", "paid", "unknown")}


# --- stored per link, folded per community ----------------------------------------------------------------------


def test_a_weekly_meetup_that_shows_one_date_at_a_time_adds_up_across_profile_runs():
    db = sqlite_utils.Database(memory=True)
    migrate(db)
    url = "https://club.example.org/"
    cid = community_id(url)
    db["communities"].insert({"id": cid, "canonical_url": url, "name": "Club", "platform": "website"})
    for week in range(3):
        seen = NOW + timedelta(days=7 * week)
        profile = Profile(url=url, observed_at=seen, events=(Event("Hack night", seen + timedelta(days=2)),),
                          qualities=(Finding("cost", "paid", 'text "$5 per month"', url, detail="$5 per month"),))
        item = {**profile_as_dict(profile_from_dict(profile_as_dict(profile))), "community_id": cid, "origin": "page"}
        store.ingest_profiles(db, [item])
        row = db["communities"].get(cid)
        assert row["event_cadence"] == ("weekly" if week == 2 else "irregular")
    assert (row["cost"], row["price"], row["membership"]) == ("paid", "$5 per month", "unknown")
    evidence = json.loads(row["qualities_evidence"])
    assert evidence["event_cadence"][0]["source"] == "events"
    assert evidence["cost"][0] == {"value": "paid", "evidence": 'text "$5 per month"', "source": url, "url": "",
                                   "price": "$5 per month"}


def test_a_community_takes_the_most_informative_quality_of_its_links_and_the_evidence_of_each():
    def link(url: str, **columns) -> dict:
        evidence = {"cost": [{"value": columns.get("cost", "unknown"), "evidence": "text", "source": url, "url": ""}]}
        return {"event_cadence": "none-seen", "knowledge_base": "[]", "moderators_visible": 0, "mentoring": 0,
                "membership": "unknown", "cost": "unknown", "price": None, "code_of_conduct": None,
                "qualities_evidence": json.dumps(evidence), **columns}

    site = link("https://club.example.org/", cost="paid", price="€5 per month", event_cadence="irregular",
                knowledge_base='[{"kind": "wiki", "url": "https://club.example.org/wiki"}]', membership="open")
    chat = link("https://discord.gg/club", cost="free", event_cadence="monthly", moderators_visible=1,
                membership="application", code_of_conduct="https://discord.gg/rules")
    folded = fold_qualities([site, chat])
    assert (folded["cost"], folded["price"], folded["event_cadence"], folded["membership"]) == (
        "freemium", "€5 per month", "monthly", "application")
    assert (folded["moderators_visible"], folded["code_of_conduct"]) == (1, "https://discord.gg/rules")
    assert json.loads(folded["knowledge_base"]) == [{"kind": "wiki", "url": "https://club.example.org/wiki"}]
    assert [entry["source"] for entry in json.loads(folded["qualities_evidence"])["cost"]] == [
        "https://club.example.org/", "https://discord.gg/club"]
    assert fold_qualities([link("a", cost="free"), link("b")])["cost"] == "free"
    assert fold_qualities([link("a", cost="free"), link("b")])["price"] is None


def test_summarize_prefers_regular_dates_then_words_then_any_sign_of_events():
    said = [Finding("event_cadence", "yearly", "text", "u"), Finding("event_cadence", "monthly", "text", "u")]
    weekly = [NOW + timedelta(days=7 * i) for i in range(3)]
    assert summarize(said, weekly)["event_cadence"] == "weekly"
    assert summarize(said, [NOW, NOW + timedelta(days=3), NOW + timedelta(days=50)])["event_cadence"] == "monthly"
    assert summarize([], [NOW])["event_cadence"] == "irregular"
    assert summarize([], [])["event_cadence"] == "none-seen"
    assert summarize([], [], JoinType.APPLICATION, "https://lemmy.example/api/v3/site")["membership"] == "application"
    assert summarize([Finding("membership", "open", "link", "u")], [], JoinType.INVITE_ONLY)["membership"] == "open"
