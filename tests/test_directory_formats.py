"""parse_directory on every kind of list: the real CSV, JSON and Hugo-page lists, HTML pages, hostile input.

Real lists are copies in tests/fixtures/directories (see SOURCES.md there). HTML directory pages are
written here, small, in the shapes real ones take (no HTML directory is in the corpus). The preview
reads a local file, and a URL served on loopback by the sample web through the guarded network layer.
"""
from __future__ import annotations

import codecs
import json
import os
import subprocess
import sys
from collections import Counter
from datetime import datetime, timezone
from functools import cache
from pathlib import Path

import pytest
import yaml

from conftest import REPO
from crawler.cli.preview import decode, preview
from crawler.extract.directory import NotADirectory, parse_directory, sniff_kind
from crawler.models import Observation, Platform
from crawler.netconfig import SAMPLE_WEB_ENV
from crawler.sampleweb import pages
from crawler.sampleweb.app import fixed_clock, snapshot_index
from crawler.sampleweb.behaviour import Behaviour, behaviour_of
from crawler.sampleweb.server import running
from crawler.sources import SourcesError, load_sources, parser_options
from crawler.urls import canonicalize

FIXTURES = Path(__file__).parent / "fixtures" / "directories"
LEMMY_CSV = "lemmy_awesome-lemmy-instances.csv"
MATRIX_JSON = "matrix_joinmatrix-servers.json"
CARIBBEAN_JSON = "multi_caribbean-tech-communities.json"
BASE = "https://example.org/list/"
NOW = datetime(2026, 11, 14, tzinfo=timezone.utc)


def real(name: str, kind: str, base_url: str = BASE, **options) -> tuple[Observation, ...]:
    return _real(name, kind, base_url, json.dumps(options, sort_keys=True))


@cache
def _real(name: str, kind: str, base_url: str, options: str) -> tuple[Observation, ...]:
    text = (FIXTURES / name).read_text(encoding="utf-8")
    return tuple(parse_directory(text, kind=kind, source=name, base_url=base_url, options=json.loads(options) or None))


def parse(text: str, kind: str, **options) -> list[Observation]:
    return parse_directory(text, kind=kind, source="test", base_url=BASE, options=options or None)


def by_url(observations, url: str) -> Observation:
    matches = [o for o in observations if canonicalize(o.url) == canonicalize(url)]
    assert len(matches) == 1, (url, matches)
    return matches[0]


def canonical(observations) -> set[str]:
    return {canonicalize(o.url) for o in observations}


# --- the Lemmy CSV ---------------------------------------------------------------------------------

def test_lemmy_csv_one_instance_per_row_named_by_its_link():
    rows = real(LEMMY_CSV, "csv", platform="lemmy")
    assert len(canonical(rows)) == 464
    world = by_url(rows, "https://lemmy.world")
    assert (world.name, world.platform) == ("Lemmy.World", Platform.LEMMY)
    assert "Users: 18459" in world.description and "Version: 0.19.3" in world.description


def test_lemmy_csv_platform_default_only_fills_in_what_urls_do_not_say():
    plain_rows, defaulted = real(LEMMY_CSV, "csv"), real(LEMMY_CSV, "csv", platform="lemmy")
    assert by_url(plain_rows, "https://pawb.social").platform is Platform.WEBSITE  # the host says nothing
    assert by_url(defaulted, "https://pawb.social").platform is Platform.LEMMY
    recognised = {o.url: o.platform for o in plain_rows if o.platform is not Platform.WEBSITE}  # discuss.* …
    assert recognised and {o.url: o.platform for o in defaulted if o.url in recognised} == recognised
    assert not [o for o in defaulted if o.platform is Platform.WEBSITE]


def test_lemmy_csv_and_markdown_table_list_the_same_instances():
    table = real("lemmy_awesome-lemmy-instances.md", "markdown")
    table_urls = canonical(o for o in table if o.section in ("Recommended Instances", "All Lemmy Instances"))
    assert canonical(real(LEMMY_CSV, "csv")) == table_urls


def test_a_field_mapping_names_the_columns():
    mapped = real(LEMMY_CSV, "csv", fields={"name": "Instance", "url": "Instance", "description": "Version"})
    assert canonical(mapped) == canonical(real(LEMMY_CSV, "csv"))
    assert by_url(mapped, "https://lemmy.world").description == "0.19.3-3-g25987dba3"
    with pytest.raises(NotADirectory, match="fields.url names column 'Link', but the CSV header has: Instance, NU"):
        real(LEMMY_CSV, "csv", fields={"url": "Link"})


# --- the joinmatrix servers JSON ------------------------------------------------------------------

def test_joinmatrix_servers_one_homeserver_page_each():
    servers = real(MATRIX_JSON, "json", platform="matrix")
    assert len(canonical(servers)) == 79
    tchncs = by_url(servers, "https://tchncs.de/matrix")
    assert (tchncs.name, tchncs.section, tchncs.description, tchncs.platform) == (
        "tchncs.de", "Germany", "General host.", Platform.MATRIX)
    # registration pages and Element clients are the server's forms, not the community
    assert not canonical(servers) & {canonicalize("https://element.4d2.org"), canonicalize("https://chat.tchncs.de/")}


def test_joinmatrix_info_that_is_a_post_a_profile_or_shared_gives_way_to_the_domain():
    servers = real(MATRIX_JSON, "json")
    assert by_url(servers, "https://breeze.town").name == "breeze.town"  # info is a Mastodon post
    assert by_url(servers, "https://matrix.dieandalusier.net").name == "dieandalusier.net"  # info is a Twitch page
    assert by_url(servers, "https://matrix.chatwave.org").name == "chatwave.org"  # info is the operator's site
    assert by_url(servers, "https://yatrix.org").name == "yatrix.org"  # … which is its own homeserver's page


def test_joinmatrix_flags_become_annotations():
    servers = real(MATRIX_JSON, "json")
    assert by_url(servers, "https://data.coop").annotations == ("registration closed",)
    assert by_url(servers, "https://comm.cx").annotations == ("Uses Cloudflare",)
    assert by_url(servers, "https://bark.lgbt").annotations == ()


def test_the_configured_joinmatrix_source_reads_the_same_servers():
    source = next(s for s in load_sources(REPO / "data" / "sources.yml") if s["name"] == "joinmatrix-servers")
    configured = real(MATRIX_JSON, "json", **{k: source[k] for k in ("platform", "fields")})
    assert canonical(configured) == canonical(real(MATRIX_JSON, "json"))


# --- the Caribbean communities JSON ---------------------------------------------------------------

def test_caribbean_country_and_city_are_the_section_and_focus_is_described():
    groups = real(CARIBBEAN_JSON, "json")
    gdg = by_url(groups, "https://gdg.community.dev/gdg-bridgetown/")
    assert (gdg.name, gdg.section) == ("GDG Bridgetown", "Barbados > Bridgetown")
    assert gdg.description.endswith("Focus: google technologies, developer education, events.")
    assert by_url(groups, "https://www.facebook.com/groups/barbadosgaming/").section == "Barbados"


def test_caribbean_each_labelled_link_is_a_presence_and_profiles_are_not():
    groups = real(CARIBBEAN_JSON, "json")
    haitians = {o.url: o.platform for o in groups if o.name == "Haitians in Tech"}
    assert set(haitians.values()) == {Platform.WEBSITE, Platform.SLACK}  # not its LinkedIn page or Instagram
    urls = " ".join(o.url for o in groups)
    assert "instagram.com" not in urls and "x.com/" not in urls and "linkedin.com/company" not in urls
    assert "https://www.facebook.com/bahadevsassociation/" not in urls  # a Facebook page, not a group
    assert by_url(groups, "https://www.linkedin.com/groups/9011923/").platform is Platform.LINKEDIN


# --- digital.gov community pages: Hugo front matter -----------------------------------------------

def page(slug_file: str, slug: str) -> tuple[Observation, ...]:
    return real(f"cop_digitalgov/{slug_file}.md", "markdown", f"https://digital.gov/communities/{slug}/")


def test_hugo_page_mailing_lists_and_home_come_from_front_matter():
    devops = page("devops", "devops")
    assert [(o.url, o.platform) for o in devops] == [
        ("https://github.com/18F/DevOps-Community-of-Practice/wiki/DevOps-Community-of-Practice", Platform.GITHUB),
        ("mailto:devops-today-subscribe-request@listserv.gsa.gov", Platform.MAILING_LIST)]
    assert {o.name for o in devops} == {"DevOps"}
    assert devops[0].description.startswith("The practice of operations and development staff")
    ai = page("artificial-intelligence", "artificial-intelligence")
    public = by_url(ai, "mailto:AIPUBLIC-subscribe-request@listserv.gsa.gov")
    assert public.name == "Artificial Intelligence (AI)" and public.description.endswith("Anyone is eligible to join.")
    assert by_url(ai, "https://community.max.gov/pages/viewpage.action?pageId=2172176006").platform is Platform.FORUM


def test_hugo_page_resources_are_not_communities_and_inactive_is_said():
    acquisition = page("it-acquisition", "it-acquisition")
    assert [o.url for o in acquisition] == ["https://coe.gsa.gov/communities/techacq.html",
                                            "mailto:IT-ACQ-COP-subscribe-request@LISTSERV.GSA.GOV"]
    (open_source,) = page("open-source", "open-source")
    assert (open_source.url, open_source.annotations) == ("mailto:listserv@listserv.gsa.gov", ("inactive",))
    (plain_language,) = page("plain-language-community-of-practice", "plain-language")
    assert plain_language.name == "Plain Language"  # "Join the Plain Language"


# --- HTML directory pages -------------------------------------------------------------------------

HTML_PAGE = """<!doctype html><html><head><title>Python communities</title>
<script>document.write("<li><a href='https://evil.example/'>x</a></li>")</script></head><body>
<header><nav><ul><li><a href="/">Home</a></li><li><a href="https://chat.example.net/">Chat</a></li></ul></nav></header>
<main><h1>Python communities</h1>
<p>Collected by volunteers; see <a href="https://example.org/blog/why">why</a>.</p>
<h2>Chat</h2>
<ul>
 <li><a href="https://discord.gg/python">Python Discord</a> – the largest <span title="Inactive since 2023">ⓘ</span></li>
 <li class="defunct"><a href="pyslackers.slack.com">PySlackers</a> – Slack</li>
 <li><del><a href="https://old.example.org/">Old forum</a></del></li>
 <li><a href="#top">Back to top</a> <a href="https://github.com/x"><img src="https://img.shields.io/b.svg" alt="b"></a></li>
</ul>
<h2>Meetups</h2>
<h3>Europe</h3>
<table><tr><th>Group</th><th>Links</th><th>Status</th></tr>
<tr><td>PyBerlin</td><td><a href="https://www.meetup.com/pyberlin/">Meetup</a> · <a href="https://pyberlin.de">Site</a></td>
<td>closed</td></tr>
<tr><td>PyParis</td><td><a href="https://www.meetup.com/pyparis/">Meetup</a></td><td>open</td></tr></table>
<h2>Instances</h2>
<div class="grid">
 <div class="card"><h3><a href="https://lemmy.ml">Lemmy.ml</a></h3><p>General</p></div>
 <div class="card"><h3>Beehaw</h3><p>A safe space</p><a href="https://beehaw.org">Visit</a></div>
 <div class="card"><h3>Feddit</h3><p>German</p><a href="https://feddit.de">Join</a></div>
</div></main>
<footer><a href="https://example.org/privacy">Privacy</a> <a href="https://twitter.com/py">Twitter</a></footer>
</body></html>"""


@cache
def html_page() -> tuple[Observation, ...]:
    return tuple(parse(HTML_PAGE, "html"))


def test_html_lists_tables_and_cards_under_their_headings():
    page = html_page()
    assert [(o.name, o.section) for o in page] == [
        ("Python Discord", "Chat"), ("PySlackers", "Chat"), ("Old forum", "Chat"),
        ("PyBerlin", "Meetups > Europe"), ("PyBerlin", "Meetups > Europe"), ("PyParis", "Meetups > Europe"),
        ("Lemmy.ml", "Instances"), ("Beehaw", "Instances"), ("Feddit", "Instances")]
    assert by_url(page, "https://beehaw.org").description == "A safe space"


def test_html_chrome_scripts_badges_anchors_and_prose_links_are_not_entries():
    urls = {o.url for o in html_page()}
    assert not {"https://evil.example/", "https://chat.example.net/", "https://example.org/privacy",
                "https://github.com/x", "https://example.org/blog/why"} & urls
    assert not [url for url in urls if "#" in url or "twitter" in url or "shields" in url]


def test_html_annotations_from_tooltips_classes_strikes_and_status_columns():
    page = html_page()
    assert by_url(page, "https://discord.gg/python").annotations == ("Inactive since 2023",)
    assert by_url(page, "https://pyslackers.slack.com").annotations == ("defunct",)  # scheme-less, https added
    assert by_url(page, "https://old.example.org/").annotations == ("struck through",)
    assert by_url(page, "https://pyberlin.de").annotations == ("closed",)
    assert by_url(page, "https://www.meetup.com/pyparis/").annotations == ("open",)


def test_html_relative_links_resolve_against_the_base_element():
    text = '<html><head><base href="/dir/"></head><body><ul><li><a href="forum/">Forum</a></li></ul></body></html>'
    assert [o.url for o in parse(text, "html")] == ["https://example.org/dir/forum/"]


def test_an_html_error_page_is_not_a_directory():
    text = "<html><head><title>404 Not Found</title></head><body><a href='https://x.org'>home</a></body></html>"
    with pytest.raises(NotADirectory, match="error page titled '404 Not Found'"):
        parse(text, "html")
    with pytest.raises(NotADirectory, match="expected csv but got an HTML error page"):
        parse(text, "csv")


@pytest.mark.parametrize("body", [pages.PARKED_PAGE, pages.BOT_WALL_PAGE, pages.GONE_PAGE, pages.ERROR_PAGE],
                         ids=["parked", "bot-wall", "gone", "server-error"])
def test_pages_that_stand_in_for_a_list_are_not_directories(body):
    with pytest.raises(NotADirectory, match="error page titled"):
        parse(body, "html")


# --- annotations, sections, links in Markdown -----------------------------------------------------

def test_markdown_words_and_status_columns_are_annotations():
    text = ("## Old\n- [Foo](https://foo.example.org) – Defunct since 2020\n"
            "- [Bar](https://bar.example.org) – no longer active\n\n"
            "| Name | Status |\n|---|---|\n| [Baz](https://baz.example.org) | Inactive |\n")
    assert [o.annotations for o in parse(text, "markdown")] == [("defunct",), ("inactive",), ("inactive",)]


def test_markdown_bare_urls_beside_links_and_references_beside_entries():
    text = ("- **[Front End](https://frontend.slack.com)** - Invites at http://frontenddevelopers.org/\n"
            "- Ham Radio [`#ham:m0aws.co.uk`](https://matrix.to/#/#ham:m0aws.co.uk): see [here](https://m0aws.co.uk/x/)\n"
            "- [A](https://a.example.org/) and [B](https://b.example.org/) contain info about rooms\n")
    assert [o.url for o in parse(text, "markdown")] == [
        "https://frontend.slack.com", "http://frontenddevelopers.org/", "https://matrix.to/#/#ham:m0aws.co.uk"]


def test_csv_sections_status_schemeless_links_and_badges():
    text = ("Name,Website,Slack,Country,City,Status\n"
            "Py Kingston,pykingston.example.org,[![badge](https://img.shields.io/x.svg)](https://x.example),"
            "Jamaica,Kingston,closed\n"
            "Py Lagos,https://pylagos.example.org,lagos-py.slack.com,Nigeria,,\n")
    kingston, lagos, lagos_slack = parse(text, "csv")
    assert (kingston.url, kingston.section, kingston.annotations) == (
        "https://pykingston.example.org", "Jamaica > Kingston", ("closed",))
    assert (lagos.section, lagos_slack.url, lagos_slack.platform, lagos_slack.name) == (
        "Nigeria", "https://lagos-py.slack.com", Platform.SLACK, "Py Lagos")


def test_json_groups_nested_links_and_boolean_flags():
    data = {"updated": "2024-01-01", "homepage": "https://list.example.org",
            "categories": [{"name": "Python", "communities": [
                {"title": "PyChat", "links": {"discord": "https://discord.gg/py", "twitter": "https://twitter.com/p"},
                 "active": False},
                {"title": "PyForum", "website": "forum.py.example.org", "tags": ["web", "help"]}]}]}
    chat, forum = parse(json.dumps(data), "json")
    assert (chat.url, chat.section, chat.annotations, chat.platform) == (
        "https://discord.gg/py", "Python", ("inactive",), Platform.DISCORD)
    assert (forum.url, forum.name, forum.description) == ("https://forum.py.example.org", "PyForum", "Tags: web, help.")


def test_json_lines_and_a_list_of_hosts():
    assert [o.url for o in parse('{"name": "A", "url": "https://a.example.org"}\n{"name": "B", "url": "b.example.org"}',
                                 "json")] == ["https://a.example.org", "https://b.example.org"]
    assert [o.name for o in parse('["lemmy.ml", "beehaw.org"]', "json", platform="lemmy")] == ["lemmy.ml", "beehaw.org"]


# --- hostile and malformed input ------------------------------------------------------------------

def test_ragged_csv_rows_a_bom_and_semicolons():
    text = "\ufeffName;URL;Notes\nA;https://a.example.org\nB;https://b.example.org;x;extra;more\n;;\nC\n"
    a, b = parse(text, "csv")
    assert (a.name, a.url, b.name, b.description) == ("A", "https://a.example.org", "B", "x; extra; more")


def test_tab_separated_without_a_header():
    a, b = parse("Alpha\thttps://alpha.example.org\tfirst\nBeta\thttps://beta.example.org\tsecond\n", "csv")
    assert (a.name, a.url, b.description) == ("Alpha", "https://alpha.example.org", "second")


@pytest.mark.parametrize(("text", "message"), [
    ('{"error": "not found", "status": 404}', "a JSON object with keys error, status"),
    ('"just a string"', "a JSON str"),
    ("[" * 100_000 + "]" * 100_000, "nested too deeply"),
    ('[{"name": "x", "url": "https://x.org"', "not valid JSON"),
    ("[" * 300 + '{"url": "https://deep.example.org"}' + "]" * 300, "no list of entries"),
], ids=["object", "scalar", "too-deep", "broken", "deep-but-valid"])
def test_json_that_is_not_a_list_of_entries(text, message):
    with pytest.raises(NotADirectory, match=message):
        parse(text, "json")


@pytest.mark.parametrize("kind", ["markdown", "csv", "json", "html"])
def test_a_five_megabyte_single_line_is_read_or_refused_never_a_crash(kind):
    line = {"markdown": "- [a](https://a.example.org) " + "x" * 5_000_000,
            "csv": "name,url," + "x" * 5_000_000,
            "json": '[{"name": "a", "url": "https://a.example.org", "notes": "' + "x" * 5_000_000 + '"}]',
            "html": "<ul><li><a href='https://a.example.org'>a</a> " + "<b>x</b>" * 600_000 + "</li></ul>"}[kind]
    try:
        found = parse(line, kind)
    except NotADirectory as exc:
        assert str(exc)
    else:
        assert [o.url for o in found] == ["https://a.example.org"] and len(found[0].description) <= 500


def test_broken_encodings_still_give_the_links():
    cp1252 = "Name,URL\nCaf\xe9 Devs,https://cafe.example.org\nS\xe3o Paulo Devs,https://sp.example.org\n"
    assert [o.name for o in parse(decode(cp1252.encode("cp1252")), "csv")] == ["Café Devs", "São Paulo Devs"]
    assert [o.name for o in parse(decode(codecs.BOM_UTF16_LE + cp1252.encode("utf-16-le")), "csv")] == [
        "Café Devs", "São Paulo Devs"]
    mixed = "- [Caf\xe9](https://cafe.example.org)\n".encode("cp1252") + "- [Zürich](https://zh.example.org)\n".encode()
    assert [o.url for o in parse(mixed.decode("utf-8", errors="replace"), "markdown")] == [
        "https://cafe.example.org", "https://zh.example.org"]


PNG = bytes.fromhex("89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c489") + bytes(64)


@pytest.mark.parametrize(("body", "message"), [
    (PNG, "a PNG image"),
    (b"GIF89a\x01\x00\x01\x00\x00\x00\x00", "a GIF image"),
    (bytes(range(256)) * 20, "binary data"),
    (b"", "empty"),
    (b"  \n\t\n", "empty"),
], ids=["png", "gif", "binary", "empty", "whitespace"])
@pytest.mark.parametrize("kind", ["markdown", "csv", "json", "html"])
def test_images_binary_and_empty_files_are_not_directories(body, message, kind):
    with pytest.raises(NotADirectory, match=message):
        parse(decode(body), kind)


def test_prose_without_links_is_not_a_directory():
    with pytest.raises(NotADirectory, match="no community links found in 2 lines of markdown starting 'Hello there.'"):
        parse("Hello there.\n\nNothing to see.\n", "markdown")


def test_platform_default_never_overrides_a_recognised_platform():
    text = "- [Chat](https://discord.gg/abc)\n- [Site](https://lemmy.example.org)\n- [Home](https://home.example.org)\n"
    assert [o.platform for o in parse(text, "markdown", platform="lemmy")] == [
        Platform.DISCORD, Platform.LEMMY, Platform.LEMMY]
    with pytest.raises(ValueError, match="platform 'lemmings' is not one of"):
        parse(text, "markdown", platform="lemmings")


# --- sniffing -------------------------------------------------------------------------------------

@pytest.mark.parametrize(("text", "name", "content_type", "kind"), [
    ("a,b\n1,2\n", "list.csv", "", "csv"),
    ("[]", "https://x.org/servers.json?raw=1", "text/plain", "json"),
    ("<html></html>", "https://x.org/dir", "text/html; charset=utf-8", "html"),
    ("# List\n- [a](https://a.org)", "https://raw.githubusercontent.com/o/r/main/README.md", "text/plain", "markdown"),
    ('[{"url": "https://a.org"}]', "list", "", "json"),
    ("Name,URL\nA,https://a.org\nB,https://b.org\n", "list", "", "csv"),
    ("Name;URL\nA;https://a.org\n", "list", "", "csv"),
    ("<!DOCTYPE html><html><body><ul><li>x</li></ul></body></html>", "list", "", "html"),
    ("# Awesome\n\n* [a](https://a.org), the best\n", "list", "", "markdown"),
    ("| a, b | c |\n|---|---|\n| 1, 2 | 3 |\n", "list", "", "markdown"),
], ids=["csv-ext", "json-ext", "html-type", "md-ext", "json-text", "csv-text", "semicolon", "html-text",
        "md-text", "md-table-with-commas"])
def test_sniff_kind(text, name, content_type, kind):
    assert sniff_kind(text, name, content_type) == kind


# --- sources.yml: the optional keys are checked -----------------------------------------------------

@pytest.mark.parametrize(("extra", "message"), [
    ({"platform": "lemmings"}, "platform 'lemmings' is not one of"),
    ({"kind": "csv", "fields": {"title": "Name"}}, "fields has an unknown role 'title'"),
    ({"kind": "csv", "fields": {"url": 3}}, "fields.url must be a column or key name"),
    ({"fields": {"url": "Link"}}, "fields name CSV columns or JSON keys; kind markdown has none"),
    ({"plaform": "lemmy"}, "has a key 'plaform'; did you mean 'platform'"),
    ({"tags": "slack"}, "tags must be a list"),
    ({"kind": "xml"}, "has kind 'xml'; known kinds: csv, html, json, markdown"),
])
def test_sources_options_are_validated_with_clear_errors(tmp_path, extra, message):
    entry = {"name": "x", "url": "https://x.org/list.md", "kind": "markdown", **extra}
    path = tmp_path / "sources.yml"
    path.write_text(yaml.safe_dump({"sources": [entry]}), encoding="utf-8")
    with pytest.raises(SourcesError, match=message):
        load_sources(path)


def test_every_configured_source_reads_its_sample_web_snapshot():
    snapshots = snapshot_index()
    counts = {}
    for source in load_sources(REPO / "data" / "sources.yml"):
        text = snapshots[source["url"].split("://", 1)[1]].read_text(encoding="utf-8")
        counts[source["name"]] = len(parse_directory(text, kind=source["kind"], source=source["name"],
                                                     base_url=source.get("base_url") or source["url"],
                                                     options=parser_options(source)))
    assert counts["awesome-lemmy-instances-csv"] == 464 and counts["caribbean-tech-communities"] == 43
    assert counts["joinmatrix-servers"] == 79 and counts["digitalgov-devops"] == 2
    assert min(counts.values()) >= 1


# --- preview: a local file, a URL on loopback ------------------------------------------------------

def test_preview_a_local_file_sniffs_its_kind(tmp_path):
    path = tmp_path / "instances.csv"
    path.write_bytes((FIXTURES / LEMMY_CSV).read_bytes())
    found = preview(str(path), options={"platform": "lemmy"})
    assert len(found) == 464 and Platform.WEBSITE not in {o.platform for o in found}
    assert found[0].source == str(path)
    with pytest.raises(NotADirectory, match="no such file"):
        preview(str(tmp_path / "missing.md"))


@pytest.fixture(scope="module")
def sample_web():
    with running(fixed_clock(NOW)) as (app, port):
        yield app, port


@pytest.fixture
def on_sample_web(sample_web, monkeypatch):
    app, port = sample_web
    monkeypatch.setenv(SAMPLE_WEB_ENV, f"127.0.0.1:{port}")
    return app


def test_preview_a_url_through_the_guarded_layer(on_sample_web):
    url = snapshot_url(CARIBBEAN_JSON)
    found = preview(url)  # served as text/plain: the kind comes from the .json name
    assert len(found) == 43 and on_sample_web.hits[url] == 1
    assert by_url(found, "https://www.meetup.com/PythonJamaica/").section == "Jamaica > Kingston"


def test_preview_a_url_that_answers_404(on_sample_web):
    missing = next(url for i in range(500) if behaviour_of(
        url := f"https://raw.githubusercontent.com/o/r/main/list-{i}.md") is Behaviour.NOT_FOUND)
    with pytest.raises(NotADirectory, match=r"answered 404 Not Found"):
        preview(missing)


def snapshot_url(name: str) -> str:
    rows = json.loads((REPO / "crawler" / "sampleweb" / "snapshots" / "index.json").read_text())
    return next(row["url"] for row in rows if row["file"] == name)


# --- the directory spider reads every kind -------------------------------------------------------

def test_the_directory_spider_reads_csv_json_and_hugo_pages(sample_web, tmp_path):
    _, port = sample_web
    wanted = ("awesome-lemmy-instances-csv", "caribbean-tech-communities", "joinmatrix-servers", "digitalgov-devops")
    chosen = [s for s in yaml.safe_load((REPO / "data" / "sources.yml").read_text())["sources"] if s["name"] in wanted]
    sources = tmp_path / "sources.yml"
    sources.write_text(yaml.safe_dump({"sources": chosen}), encoding="utf-8")
    out = tmp_path / "out.jsonl"
    env = {**{k: v for k, v in os.environ.items() if k != SAMPLE_WEB_ENV}, SAMPLE_WEB_ENV: f"127.0.0.1:{port}"}
    run = subprocess.run([sys.executable, "-m", "spiders.run", "directory", str(out), f"sources={sources}"],
                         cwd=REPO, env=env, capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr[-3000:]
    items = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert Counter(item["source"] for item in items) == {
        "awesome-lemmy-instances-csv": 464, "caribbean-tech-communities": 43, "joinmatrix-servers": 79,
        "digitalgov-devops": 2}
    assert {item["platform"] for item in items if item["source"] == "joinmatrix-servers"} <= {"matrix", "forum"}
