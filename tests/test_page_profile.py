"""profile_page: what a prospective member learns from a community's page.

On real saved pages (tests/fixtures/pages, see SOURCES.md there; every expectation below was checked
by reading the page), on small pages written to pin one rule each, on hostile input, and on the
sample web, whose pages must profile to what the sample web meant them to say.
"""
from __future__ import annotations

import asyncio
import re
from datetime import datetime, timezone
from urllib.parse import urljoin, urlsplit

import pytest
from w3lib.encoding import html_to_unicode

from conftest import REPO
from crawler.extract.page import profile_page
from crawler.extract.page_links import MAX_PRESENCES
from crawler.models import Event, JoinType, Platform, Profile
from crawler.sampleweb import pages, platform_api
from crawler.sampleweb.app import SampleWeb, fixed_clock
from crawler.sampleweb.behaviour import Behaviour, shows_dated_posts
from crawler.sampleweb.manifest import build_manifest
from crawler.sampleweb.page_facts import facts_of
from crawler.urls import platform_of

PAGES = REPO / "tests" / "fixtures" / "pages"
OBSERVED = datetime(2022, 1, 1, tzinfo=timezone.utc)
NOW = datetime(2026, 11, 14, 9, 30, tzinfo=timezone.utc)

# Each saved page and the URL it was saved from (its canonical link, or the source repo's test table).
REAL_PAGES = {
    "club_sites/facebook.com.visitaustria.html": "https://www.facebook.com/visitaustria/",
    "club_sites/github.com.html": "https://github.com/adbar/htmldate",
    "club_sites/hundeverein-kreisunna.de.html": "http://www.hundeverein-kreisunna.de/termine.html",
    "club_sites/hundeverein-querfurt.de.html":
        "http://www.hundeverein-querfurt.de/index.php?option=com_content&view=article&id=54&Itemid=50",
    "club_sites/pferde.projekte.de.html": "https://www.pferde-fuer-unsere-kinder.de/unsere-projekte/",
    "forums/foren.myoos.de.html": "https://foren.myoos.de/viewtopic.php?t=167",
    "forums/pocketpc.ch.auslieferung.html":
        "https://www.pocketpc.ch/windows-phone-7-allgemein/122760-microsoft-beginnt-auslieferung-vorbereitungsupdate-34.html",
    "forums/reddit.com.init.html":
        "https://www.reddit.com/r/Python/comments/1bbbwk/whats_your_opinion_on_what_to_include_in_init_py/",
    "forums/selbstversorger.de-Huhn.html": "https://www.selbstversorger.de/eier-legen-huehner/",
    "forums/villagersandheroes.com.forums.patchnotes.html":
        "https://villagersandheroes.com/forums/threads/patchnotes-4-47-4-tagundnachtgleiche-bugfix-build.3976/",
    "forums/wolfsrebellen-netz.forumieren.com.regeln.html": "https://wolfsrebellen-netz.forumieren.com/t7-forums-regeln",
}


def decoded(file: str) -> str:
    """The page as Scrapy's response.text decodes it when no charset header came with it."""
    _, text = html_to_unicode(None, (PAGES / file).read_bytes())
    return text


@pytest.fixture(scope="module")
def real() -> dict[str, Profile]:
    return {file.split("/")[1]: profile_page(decoded(file), url, OBSERVED) for file, url in REAL_PAGES.items()}


def newest(profile: Profile) -> datetime | None:
    return next((datetime.fromisoformat(s.value) for s in profile.signals if s.kind == "newest_post"), None)


# --- real pages ---------------------------------------------------------------------------------


@pytest.mark.parametrize(("page", "name"), [
    ("facebook.com.visitaustria.html", "Visit Austria"),  # "Visit Austria - Startseite | Facebook"
    ("github.com.html", "adbar/htmldate"),  # og:site_name "GitHub" is the platform's, not the project's
    ("hundeverein-kreisunna.de.html", "Hunde Verein Kreis Unna 1990 e. V."),
    ("hundeverein-querfurt.de.html", "Querfurter Hundesportverein e.V."),
    ("pferde.projekte.de.html", "Pferde für unsere Kinder"),  # og:site_name; title "Unsere Projekte | …"
    ("foren.myoos.de.html", "MyOOS Community Forum"),  # the title segment naming the host, not the topic
    ("pocketpc.ch.auslieferung.html", "PocketPC.ch"),  # a thread page: the site's feed names the site
    ("reddit.com.init.html", "r/Python"),
    ("selbstversorger.de-Huhn.html", "Selbstversorger.de"),
    ("villagersandheroes.com.forums.patchnotes.html", "Villagers & Heroes Forums"),
    ("wolfsrebellen-netz.forumieren.com.regeln.html", "wolfsrebellen-netz.forumieren.com"),
])
def test_the_name_is_the_communitys_not_the_pages_or_the_platforms(real, page, name):
    assert real[page].name == name


@pytest.mark.parametrize(("page", "language"), [
    ("hundeverein-kreisunna.de.html", "de"),  # declares nothing: detected from its German text
    ("hundeverein-querfurt.de.html", "de"),  # xml:lang="de_DE" and Content-Language
    ("pferde.projekte.de.html", "de"),  # lang="de-DE"
    ("foren.myoos.de.html", "de"), ("pocketpc.ch.auslieferung.html", "de"),
    ("selbstversorger.de-Huhn.html", "de"), ("wolfsrebellen-netz.forumieren.com.regeln.html", "de"),
    ("facebook.com.visitaustria.html", "de"),  # Facebook's German interface says lang="de"
    ("github.com.html", "en"), ("reddit.com.init.html", "en"),
    ("villagersandheroes.com.forums.patchnotes.html", "en"),  # lang="en-US" on a German thread: declared wins
])
def test_the_language_is_what_the_page_declares_or_else_what_its_text_is_written_in(real, page, language):
    assert real[page].language == language


@pytest.mark.parametrize(("page", "platform"), [
    ("foren.myoos.de.html", Platform.FORUM),  # phpBB: <body id="phpbb">
    ("pocketpc.ch.auslieferung.html", Platform.FORUM),  # vBulletin: id="vbulletin_html"
    ("villagersandheroes.com.forums.patchnotes.html", Platform.FORUM),  # XenForo: <html id="XF">
    ("wolfsrebellen-netz.forumieren.com.regeln.html", Platform.FORUM),  # a Forumotion board on forumieren.com
    # a WordPress article whose theme styles `#bbpress-forums`: a stylesheet is no forum
    ("selbstversorger.de-Huhn.html", Platform.WEBSITE),
    ("hundeverein-querfurt.de.html", Platform.WEBSITE),  # Joomla
    ("github.com.html", Platform.GITHUB), ("reddit.com.init.html", Platform.REDDIT),
])
def test_the_platform_comes_from_the_software_the_page_runs_on(real, page, platform):
    assert real[page].platform is platform


def test_bbpress_markup_shows_a_forum():
    html = """<html><body><div id="bbpress-forums" class="bbpress-wrapper"><ul class="bbp-forums">
    <li class="bbp-forum-info"><a class="bbp-forum-title" href="/forums/forum/allgemein/">Allgemein</a></li>
    </ul></div></body></html>"""
    assert profile_page(html, "https://www.example.org/forums/", OBSERVED).platform is Platform.FORUM


@pytest.mark.parametrize(("page", "start"), [
    ("hundeverein-querfurt.de.html", "Querfurter Hundesportverein e.V. - Bei uns sind Hunde aller Rassen"),
    ("pferde.projekte.de.html", "Die positiven Effekte des Pferdes wirken vielschichtig"),
    ("selbstversorger.de-Huhn.html", "Wenn man sich Hühner zulegt"),
    ("github.com.html", "Find the creation date of web pages using common structural patterns"),
    ("villagersandheroes.com.forums.patchnotes.html", "Patch Notes 4.47.4 Verbesserungen und Balance"),  # lines joined
    # no meta description: the first paragraph that reads like prose
    ("hundeverein-kreisunna.de.html", "Am 2. Mittwoch und am 4. Sonntag des Monats findet zu den üblichen"),
])
def test_descriptions_come_from_metadata_or_the_first_real_paragraph(real, page, start):
    description = real[page].description
    assert description.startswith(start)
    assert "  " not in description and "\n" not in description and len(description) <= 500


def test_a_long_description_is_cut_at_a_word_with_an_ellipsis():
    long = "Practitioners share questions and know-how. " * 40
    description = profile_page(f'<meta name="description" content="{long}">', "https://e.org", NOW).description
    assert len(description) <= 500 and description.endswith("…")
    assert long.startswith(description[:-1]) and long[len(description) - 1] == " "  # cut between words


def test_keywords_become_topics(real):
    assert real["hundeverein-querfurt.de.html"].topics == (
        "hundeverein", "hundesportverein", "fährtenarbeit", "unterordnung", "schutzdienst", "agility",
        "hunderassen", "mischlinge", "welpen", "hundeerziehung")


@pytest.mark.parametrize(("page", "feeds"), [
    ("pferde.projekte.de.html", ("https://www.pferde-fuer-unsere-kinder.de/feed/",
                                 "https://www.pferde-fuer-unsere-kinder.de/comments/feed/")),
    ("pocketpc.ch.auslieferung.html", ("https://www.pocketpc.ch/external.php?type=RSS2",
                                       "https://www.pocketpc.ch/external.php?type=RSS2&forumids=286")),
    ("github.com.html", ("https://github.com/adbar/htmldate/commits/master.atom",)),
    # relative hrefs, made absolute, without phpBB's session id (`?sid=c613f07a…`)
    ("foren.myoos.de.html", ("https://foren.myoos.de/app.php/feed", "https://foren.myoos.de/app.php/feed?t=167")),
    ("hundeverein-querfurt.de.html", ()),
])
def test_feeds_are_the_pages_rss_and_atom_links_made_absolute(real, page, feeds):
    assert real[page].feeds == feeds


@pytest.mark.parametrize(("page", "rules"), [
    ("foren.myoos.de.html", "https://foren.myoos.de/viewforum.php?f=11"),  # "Hinweise und Forenregeln"
    ("wolfsrebellen-netz.forumieren.com.regeln.html", "https://wolfsrebellen-netz.forumieren.com/f27-forums-regeln"),
    ("pocketpc.ch.auslieferung.html", "http://www.pocketpc.ch/c/386-netiquette.html?i="),  # "Netiquette"
    ("hundeverein-kreisunna.de.html", "http://www.hundeverein-kreisunna.de/ordnung.html"),  # "Platzordnung"
    ("facebook.com.visitaustria.html", "https://www.facebook.com/visitaustria/app/208195102528120/?ref=page_internal"),
    ("hundeverein-querfurt.de.html", ""), ("selbstversorger.de-Huhn.html", ""),
    ("github.com.html", ""),  # "Terms" and "Privacy" are no code of conduct
])
def test_the_code_of_conduct_or_rules_link(real, page, rules):
    assert real[page].code_of_conduct == rules


@pytest.mark.parametrize(("page", "join_url", "join_type"), [
    ("foren.myoos.de.html", "https://foren.myoos.de/ucp.php?mode=register", JoinType.OPEN),  # "Registrieren"
    ("pocketpc.ch.auslieferung.html", "https://www.pocketpc.ch/register.php", JoinType.OPEN),
    ("wolfsrebellen-netz.forumieren.com.regeln.html", "https://wolfsrebellen-netz.forumieren.com/register",
     JoinType.OPEN),  # "registrieren Sie sich"
    ("pferde.projekte.de.html",
     "https://www.pferde-fuer-unsere-kinder.de/unterstuetzer-werden/vereinsmitgliedschaft/", JoinType.OPEN),
    ("villagersandheroes.com.forums.patchnotes.html", "https://villagersandheroes.com/forums/login/", JoinType.OPEN),
    ("hundeverein-querfurt.de.html", "", JoinType.UNKNOWN), ("hundeverein-kreisunna.de.html", "", JoinType.UNKNOWN),
    ("selbstversorger.de-Huhn.html", "", JoinType.UNKNOWN),
])
def test_how_to_join(real, page, join_url, join_type):
    assert (real[page].join_url, real[page].join_type) == (join_url, join_type)


@pytest.mark.parametrize(("page", "presences"), [
    # the footer's "GitHub Project"; not the mailing lists linked in the post, nor the poster's Facebook
    ("foren.myoos.de.html", ("https://github.com/r23/myoos",)),
    ("villagersandheroes.com.forums.patchnotes.html", ("https://villagersandheroes.com/discord",)),  # "Discord Server"
    # Facebook page, Instagram, Twitter, YouTube behind a redirect: no community lives there; an XDA
    # forum thread linked in a post is someone else's
    ("pocketpc.ch.auslieferung.html", ()),
    ("wolfsrebellen-netz.forumieren.com.regeln.html", ()),  # Twitter account and tweet buttons
    ("github.com.html", ()),  # GitHub's own "Community forum" is the platform's chrome
    ("reddit.com.init.html", ()), ("hundeverein-querfurt.de.html", ()),
])
def test_presences_elsewhere_exclude_posts_share_buttons_and_platform_chrome(real, page, presences):
    assert real[page].presences == presences


@pytest.mark.parametrize(("page", "moment"), [
    ("foren.myoos.de.html", "2009-01-21T00:00:00+00:00"),  # the post, "21.01.2009, 05:42" (read by htmldate)
    ("villagersandheroes.com.forums.patchnotes.html", "2020-10-06T16:38:55+00:00"),  # the newest <time>
    ("selbstversorger.de-Huhn.html", "2021-09-08T12:49:55+00:00"),  # article:modified_time
    ("facebook.com.visitaustria.html", "2017-10-08T09:12:00+00:00"),  # the newest post's data-utime
    ("pocketpc.ch.auslieferung.html", "2011-02-21T16:47:28+00:00"),  # the thread's JSON-LD datePublished
    ("wolfsrebellen-netz.forumieren.com.regeln.html", "2013-10-26T00:00:00+00:00"),  # the first post
    # Own sites with no date in their markup: their news in prose, read by htmldate's extensive search.
    ("hundeverein-querfurt.de.html", "2016-12-04T00:00:00+00:00"),  # "4. Dezember 2016", the newest item
    ("hundeverein-kreisunna.de.html", "2017-03-29T00:00:00+00:00"),  # "ab 29.03.2017"
])
def test_the_newest_dated_post(real, page, moment):
    assert newest(real[page]) == datetime.fromisoformat(moment)


@pytest.mark.parametrize("page", [
    "github.com.html",  # its only dates are in a README code sample
    # A session's expiry in a script is no evidence of life, nor is "Created Jan 25, 2008" in a platform page's prose.
    "reddit.com.init.html",
])
def test_dates_that_are_no_post_give_no_signal(real, page):
    assert newest(real[page]) is None


def test_a_date_after_the_visit_is_never_the_newest_post():
    early = profile_page(decoded("forums/selbstversorger.de-Huhn.html"), REAL_PAGES["forums/selbstversorger.de-Huhn.html"],
                         datetime(2021, 9, 8, 10, tzinfo=timezone.utc))
    assert newest(early) == datetime(2021, 9, 8, 9, 30, 24, tzinfo=timezone.utc)  # published, not yet modified
    html = '<time datetime="2031-01-01">soon</time><time datetime="1999-12-31">old</time><time datetime="0000-00-00">'
    assert newest(profile_page(html, "https://example.org", NOW)) is None


# --- rules pinned on small pages ----------------------------------------------------------------


def page(body: str, head: str = "", lang: str = "en") -> str:
    return f'<!doctype html><html lang="{lang}"><head><title>Example Makers</title>{head}</head><body>{body}</body></html>'


@pytest.mark.parametrize(("body", "lang", "join_url", "join_type"), [
    ('<a href="/join">Join us</a>', "en", "https://example.org/join", JoinType.OPEN),
    ('<a href="https://discord.gg/AbC123">Chat with us</a>', "en", "https://discord.gg/AbC123", JoinType.OPEN),
    ('<a href="https://forms.gle/xyz">Apply to join</a>', "en", "https://forms.gle/xyz", JoinType.APPLICATION),
    ('<a href="https://docs.google.com/forms/d/e/1/viewform">Sign up</a>', "en",
     "https://docs.google.com/forms/d/e/1/viewform", JoinType.APPLICATION),  # a form to fill in, not open
    ('<p>Membership is by invitation only.</p>', "en", "", JoinType.INVITE_ONLY),
    ('<a href="/join">Join</a><p>Membership costs $12 per month.</p>', "en", "https://example.org/join", JoinType.PAID),
    ('<a href="/mitglied">Mitglied werden</a><p>Mitgliedsbeitrag: 30 € pro Jahr</p>', "de",
     "https://example.org/mitglied", JoinType.PAID),
    ('<a href="/join">Join</a><p>There is no membership fee.</p>', "en", "https://example.org/join", JoinType.OPEN),
    ('<a href="/alta">Únete</a>', "es", "https://example.org/alta", JoinType.OPEN),
    ('<p>Nothing about joining here.</p>', "en", "", JoinType.UNKNOWN),
    # what a commenter writes is not the community's word
    ('<div class="comments"><p>Only $5 a month at <a href="https://discord.gg/spam">my server</a></p></div>', "en",
     "", JoinType.UNKNOWN),
])
def test_join_link_and_type(body, lang, join_url, join_type):
    profile = profile_page(page(body, lang=lang), "https://example.org/", NOW)
    assert (profile.join_url, profile.join_type) == (join_url, join_type)


def test_presences_are_canonical_deduplicated_and_not_the_page_itself():
    body = """<nav><a href="https://discord.gg/AbC123">Discord</a> <a href="https://discord.com/invite/AbC123">Chat</a>
    <a href="http://reddit.com/r/ExampleMakers/">Reddit</a> <a href="https://www.meetup.com/de-DE/example-makers/events/1/">Meetup</a>
    <a href="https://t.me/ExampleMakers">Telegram</a> <a href="https://matrix.to/#/#makers:matrix.org?via=matrix.org">Matrix</a>
    <a href="https://www.linkedin.com/groups/9123456/">LinkedIn</a> <a href="https://www.facebook.com/groups/makers/">FB</a>
    <a href="https://github.com/Example-Makers">GitHub</a> <a href="mailto:makers-subscribe@lists.example.org">List</a>
    <a href="https://example.org/">Home</a> <a href="https://forum.example.org/">Forum</a>
    <a href="https://www.facebook.com/sharer/sharer.php?u=https%3A%2F%2Fexample.org">Share</a>
    <a href="https://twitter.com/intent/tweet?url=https%3A%2F%2Fexample.org">Tweet</a>
    <a href="mailto:info@example.org">Contact</a> <a href="https://www.discourse.org">Powered by Discourse</a></nav>
    <link rel="me" href="https://fosstodon.org/@makers"><a rel="me" href="https://social.example/users/makers">us</a>"""
    assert profile_page(page(body), "https://example.org", NOW).presences == (
        "https://discord.com/invite/AbC123", "https://www.reddit.com/r/examplemakers", "https://www.meetup.com/example-makers",
        "https://t.me/examplemakers", "https://matrix.to/#/#makers:matrix.org", "https://www.linkedin.com/groups/9123456",
        "https://www.facebook.com/groups/makers", "https://github.com/example-makers", "mailto:makers-subscribe@lists.example.org",
        "https://forum.example.org", "https://fosstodon.org/@makers", "https://social.example/users/makers")


def test_json_ld_same_as_links_are_presences_too():
    head = ('<script type="application/ld+json">{"@context": "https://schema.org", "@type": "Organization", '
            '"name": "Example Makers", "sameAs": ["https://discord.gg/AbC123", "https://twitter.com/makers"]}</script>')
    assert profile_page(page("", head), "https://example.org", NOW).presences == ("https://discord.com/invite/AbC123",)


def test_upcoming_events_from_json_ld_microformats_and_event_lists():
    head = """<script type="application/ld+json">[{"@type": "Event", "name": "Spring meetup",
      "startDate": "2026-12-01T18:00:00+01:00", "url": "/events/spring"},
      {"@type": "Event", "name": "Held already", "startDate": "2026-10-01T18:00:00Z"}]</script>"""
    body = """<div class="h-event"><a class="p-name u-url" href="/events/hack">Hack night</a>
      <time class="dt-start" datetime="2026-11-20T19:00:00Z">20 Nov</time></div>
      <section id="termine"><ul><li><a href="/termine/1">Sommerfest</a> <time datetime="2027-06-01">1. Juni</time></li>
      <li><time datetime="2026-11-14">heute</time> Stammtisch</li></ul></section>
      <ul class="posts"><li><time datetime="2026-11-30T10:00:00Z">a post scheduled? no: not an events list</time></li></ul>"""
    profile = profile_page(page(body, head), "https://example.org/", NOW)
    assert profile.events == (
        Event("Stammtisch", datetime(2026, 11, 14, tzinfo=timezone.utc), ""),  # all day today: not over yet
        Event("Hack night", datetime(2026, 11, 20, 19, tzinfo=timezone.utc), "https://example.org/events/hack"),
        Event("Spring meetup", datetime(2026, 12, 1, 17, tzinfo=timezone.utc), "https://example.org/events/spring"),
        Event("Sommerfest", datetime(2027, 6, 1, tzinfo=timezone.utc), "https://example.org/termine/1"),
    )
    upcoming = [s.value for s in profile.signals if s.kind == "upcoming_event"]
    assert upcoming == [event.starts_at.isoformat() for event in profile.events]
    assert newest(profile) == datetime(2026, 11, 14, tzinfo=timezone.utc)  # future times are no post


def test_names_lose_boilerplate_and_platform_suffixes():
    def name(title: str, url: str = "https://www.example.org/") -> str:
        return profile_page(f"<html><head><title>{title}</title></head></html>", url, NOW).name

    assert name("Home | Example Makers") == "Example Makers"
    assert name("Startseite - Example Makers") == "Example Makers"
    assert name("Example Makers – Forum") == "Example Makers"
    assert name("A thread title - Seite 3 - Example Makers") == "Example Makers"  # the segment naming the host
    assert name("   Example\n\t Makers  ") == "Example Makers"
    assert len(name("Word " * 100)) <= 120


def test_language_from_og_locale_header_or_json_ld_and_detection_needs_enough_text():
    html = "<html><head><title>x</title>{}</head><body><p>{}</p></body></html>"
    assert profile_page(html.format('<meta property="og:locale" content="pt_BR">', ""), "https://e.org", NOW).language == "pt"
    assert profile_page(html.format("", ""), "https://e.org", NOW, {"Content-Language": "fr-FR"}).language == "fr"
    ld = '<script type="application/ld+json">{"@type": "WebSite", "inLanguage": "es-ES"}</script>'
    assert profile_page(html.format(ld, ""), "https://e.org", NOW).language == "es"
    assert profile_page(html.format("", "Hola"), "https://e.org", NOW).language == ""  # too short to tell
    spanish = "Somos una comunidad de personas que desarrollan software libre y comparten lo que aprenden cada semana."
    assert profile_page(html.format("", spanish * 2), "https://e.org", NOW).language == "es"


def test_topics_from_keywords_json_ld_and_article_tags_are_cleaned_and_bounded():
    head = ("<meta name='keywords' content='Python, python ,  Data  Science;#devops|12|x'>"
            "<meta property='article:tag' content='Civic Tech'>"
            '<script type="application/ld+json">{"@type": "WebSite", "keywords": ["Open Source"], '
            '"about": {"@type": "Thing", "name": "Accessibility"}}</script>')
    assert profile_page(page("", head), "https://e.org", NOW).topics == (
        "python", "data science", "devops", "civic tech", "open source", "accessibility")
    many = "<meta name='keywords' content='{}'>".format(", ".join(f"topic {i}" for i in range(50)))
    assert len(profile_page(page("", many), "https://e.org", NOW).topics) == 15


def test_utf8_read_as_latin1_is_repaired():
    text = "Das gefällt dem Verein für Hundesport in München an der Straße 1 seit vielen Jahren."
    mojibake = page(f"<p>{text}</p>").encode("utf-8").decode("latin-1")
    assert profile_page(mojibake, "https://e.org", NOW).description == text


# --- hostile input ------------------------------------------------------------------------------

HOSTILE = {
    "empty": "", "blank": " \n\t ", "plain text": "just some text, no markup",
    "nul bytes": "a\x00b<html>\x00<title>Ex\x00ample</title>",
    "lone surrogates": "<html><title>\ud800 bad</title><body><p>\udfff</p></body></html>",
    "xml declaration": '<?xml version="1.0" encoding="ISO-8859-1"?><html><head><title>Decl</title></head></html>',
    "deep nesting": "<html><body>" + "<div>" * 50_000 + "deep" + "</div>" * 50_000 + "</body></html>",
    "unclosed tags": "<body" * 400_000,
    "endless attribute": '<html><body><a href="x' + "a" * 2_000_000,
    "nested json-ld": '<script type="application/ld+json">' + "[" * 100_000 + "</script>",
    "broken json-ld": '<script type="application/ld+json">{"@type": "Event", "startDate": </script>',
    "bad dates": '<time datetime="0000-00-00"></time><time datetime="9999-12-31T23:59:59+14:00"></time>'
                 '<time datetime="2024-13-45"></time><time datetime="' + "9" * 1000 + '"></time>'
                 '<meta property="article:modified_time" content="-1">',
    "bad urls": '<a href="http://[::1">x</a><a href="https://exa mple.com:99999/">y</a><a href="mailto:@@">z</a>'
                '<a href="//">w</a><link rel="alternate" type="application/rss+xml" href="http://[bad">'
                '<base href="javascript:alert(1)">',
    "two html roots": '<html xml:lang="de" /><head><title>Verein</title></head><body><p>Text</p></body></html>',
    "a page of a url": "http://example.org/",  # must never be fetched
}


@pytest.mark.parametrize("html", HOSTILE.values(), ids=HOSTILE.keys())
def test_hostile_pages_give_a_profile_and_never_raise(html):
    profile = profile_page(html, "https://example.org/", NOW)
    assert profile.url == "https://example.org/" and profile.observed_at == NOW
    assert all(EARLIEST <= datetime.fromisoformat(s.value) <= NOW for s in profile.signals if s.kind == "newest_post")


EARLIEST = datetime(2000, 1, 1, tzinfo=timezone.utc)


@pytest.mark.parametrize("url", ["http://[::1", "", "not a url", "https://exa mple.org/"])
def test_a_broken_page_url_gives_a_profile_too(url):
    html = page('<a href="/join">Join</a> <a href="https://discord.gg/AbC123">Discord</a>')
    profile = profile_page(html, url, NOW)
    assert profile.name == "Example Makers" and profile.presences == ("https://discord.com/invite/AbC123",)


def test_a_two_megabyte_page_of_links_gives_a_bounded_profile():
    links = "".join(f'<a href="https://discord.gg/code{i}">Join server {i}</a><a href="/t/{i}">topic {i}</a>'
                    for i in range(25_000))
    html = f"<html><head><title>Link farm</title></head><body>{links}</body></html>"
    assert len(html) > 1_500_000
    profile = profile_page(html, "https://example.org/", NOW)
    assert len(profile.presences) == MAX_PRESENCES
    assert profile.join_url == "https://discord.gg/code0" and profile.join_type is JoinType.OPEN


# --- the sample web -----------------------------------------------------------------------------

LIVE = {Behaviour.LIVE_ACTIVE.value, Behaviour.LIVE_QUIET.value, Behaviour.DORMANT.value}


def served_by_pages(url: str) -> bool:
    """A page `crawler.sampleweb.pages` writes (not a platform page of platform_api, not an invite app)."""
    parts = urlsplit(url)
    app_url = f"https://{parts.hostname}{parts.path or '/'}"
    return (platform_of(url) not in (Platform.DISCORD, Platform.SLACK)
            and platform_api.answer(app_url, parts.query, NOW, 0) is None)


@pytest.fixture(scope="module")
def sample_pages() -> list[tuple[str, str, Profile, object]]:
    """A few hundred live communities of the real lists: (app URL, page, profile, the facts it was written from)."""
    manifest = build_manifest(REPO / "data" / "sources.yml")
    live = [row for row in manifest if row["behaviour"] in LIVE and row["url"].startswith(("http://", "https://"))
            and served_by_pages(row["url"])]
    sampled = live[:: max(1, len(live) // 300)]
    web = SampleWeb(fixed_clock(NOW))
    found = []
    for row in sampled:
        parts = urlsplit(row["url"])
        path = parts.path or "/"
        status, headers, body = asyncio.run(web.respond(parts.hostname, path, parts.query))
        assert status == 200, row
        app_url = f"https://{parts.hostname}{path}"
        behaviour = Behaviour(row["behaviour"])
        dated = pages.newest_post(app_url, behaviour, NOW) if shows_dated_posts(app_url) else None
        found.append((app_url, body.decode(), profile_page(body.decode(), app_url, NOW, headers),
                      facts_of(app_url, NOW, dated)))
    assert len(found) >= 200
    return found


def test_sample_web_pages_profile_to_the_description_language_and_platform_they_were_written_with(sample_pages):
    agree = [(url, profile.description == facts.description and profile.language == facts.language
              and profile.platform is facts.platform and profile.name == facts.name)
             for url, _, profile, facts in sample_pages]
    wrong = [url for url, ok in agree if not ok]
    assert len(wrong) <= 0.05 * len(agree), wrong[:10]
    undeclared = [facts for *_, facts in sample_pages if not facts.declares_language]
    assert len(undeclared) >= 20  # detection from the text is exercised, not just lang="…"
    assert {facts.language for *_, facts in sample_pages} == {"en", "es", "de", "fr", "pt"}
    assert {facts.software for *_, facts in sample_pages} >= {"", "Discourse", "phpBB"}


def test_sample_web_pages_profile_to_their_presences_join_rules_feeds_and_events(sample_pages):
    def expected(url: str, facts) -> tuple:
        return (facts.canonical_presences, facts.join_type, urljoin(url, facts.join_url) if facts.join_url else "",
                urljoin(url, facts.code_of_conduct) if facts.code_of_conduct else "",
                (urljoin(url, facts.feed),) if facts.feed else (),
                tuple(Event(event.name, event.starts_at, urljoin(url, event.url)) for event in facts.events),
                facts.topics)

    def got(profile: Profile) -> tuple:
        return (profile.presences, profile.join_type, profile.join_url, profile.code_of_conduct, profile.feeds,
                profile.events, profile.topics)

    wrong = [(url, got(profile), expected(url, facts)) for url, _, profile, facts in sample_pages
             if got(profile) != expected(url, facts)]
    assert wrong == [], "\n".join(map(str, wrong))
    linked = [facts for *_, facts in sample_pages if facts.presences]
    assert len(linked) >= 40
    assert len({platform_of(link) for facts in linked for link in facts.canonical_presences}) >= 8
    assert {facts.join_type for *_, facts in sample_pages} == set(JoinType)
    assert sum(bool(facts.events) for *_, facts in sample_pages) >= 10


def test_sample_web_pages_show_their_newest_post_and_no_event_as_one(sample_pages):
    for url, html, profile, facts in sample_pages:
        posted = [datetime.fromisoformat(value) for value in re.findall(r'<time datetime="([^"]+)"', html)]
        assert newest(profile) == (max(posted) if posted else None), url


def test_the_sample_web_serves_the_feeds_its_pages_link_and_no_others(sample_pages):
    web = SampleWeb(fixed_clock(NOW))
    with_feed = next(profile for _, _, profile, _ in sample_pages if profile.feeds)
    feed = urlsplit(with_feed.feeds[0])
    status, headers, body = asyncio.run(web.respond(feed.hostname, feed.path, ""))
    assert status == 200 and headers["content-type"].startswith("application/atom+xml")
    assert body.startswith(b"<?xml") and body.count(b"<entry>") == 5
    without = urlsplit(next(url for url, html, profile, _ in sample_pages
                            if not profile.feeds and '<time datetime="' in html))
    status, _, _ = asyncio.run(web.respond(without.hostname, without.path.rstrip("/") + "/feed.xml", ""))
    assert status == 404
