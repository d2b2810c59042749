"""parse_markdown_list on real directory lists (tests/fixtures/directories, see SOURCES.md there)."""
from __future__ import annotations

import random
from functools import cache
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from crawler.extract.markdown_list import parse_markdown_list
from crawler.models import Observation, Platform
from crawler.urls import canonicalize

FIXTURES = Path(__file__).parent / "fixtures" / "directories"
GITHUB = "https://github.com"
# Each list with the address it is published at, which its relative links resolve against.
LISTS = {
    "discord_awesome-discord-communities.md": f"{GITHUB}/mhxion/awesome-discord-communities/blob/main/README.md",
    "discourse_discourse-subdomains.md": f"{GITHUB}/BetterMeetHQ/Discourse-Subdomains/blob/main/README.md",
    "lemmy_awesome-lemmy-instances.md": f"{GITHUB}/maltfield/awesome-lemmy-instances/blob/main/README.md",
    "matrix_joinmatrix-popular-rooms.md": "https://joinmatrix.org/guide/popular-rooms/",
    "multi_awesome-tech-communities.md": f"{GITHUB}/MartinRosenberg/Awesome-Tech-Communities/blob/main/README.md",
    "reddit_awesome-subreddits.md": f"{GITHUB}/iCHAIT/awesome-subreddits/blob/master/README.md",
    "slack_awesome-slack-communities.md": f"{GITHUB}/filipelinhares/awesome-slack/blob/master/README.md",
    "slack_awesome-spanish-slack-dev-groups.md":
        f"{GITHUB}/comunidad-tecnologica/awesome-spanish-slack-dev-groups/blob/master/README.md",
    "cop_digitalgov/_index.md": "https://digital.gov/communities/",
    "cop_digitalgov/other-government-communities.md": "https://digital.gov/communities/other-government-communities/",
}
LIST_META = ("table of contents", "contents", "license", "sources", "roadmap", "information", "contribute",
             "attribution", "other links", "other lists")


@cache
def parsed(name: str) -> tuple[Observation, ...]:
    text = (FIXTURES / name).read_text(encoding="utf-8")
    return tuple(parse_markdown_list(text, source=name.removesuffix(".md"), base_url=LISTS[name]))


def canonical_urls(observations) -> set[str]:
    return {canonicalize(o.url) for o in observations}


def find(name: str, url: str, section: str | None = None) -> Observation:
    matches = [o for o in parsed(name) if o.url == url and (section is None or o.section == section)]
    assert len(matches) == 1, f"{url} in {name}: {matches}"
    return matches[0]


def urls_of(name: str) -> set[str]:
    return {o.url for o in parsed(name)}


# --- counts: a regression either way (lost entries, or noise let in) fails -----------------------------

def _platform_count(name: str, platform: Platform) -> int:
    return len(canonical_urls(o for o in parsed(name) if o.platform is platform))


def _table_count(name: str) -> int:
    return len(canonical_urls(o for o in parsed(name) if o.section in ("Recommended Instances", "All Lemmy Instances")))


@pytest.mark.parametrize(
    ("name", "count", "floor", "ceiling"),
    [
        # 274 servers, 270 of them as discord.com/invite links, 2 listed twice in different sections
        ("discord_awesome-discord-communities.md", lambda n: _platform_count(n, Platform.DISCORD), 265, 272),
        ("discord_awesome-discord-communities.md", lambda n: len(parsed(n)), 270, 276),
        ("discourse_discourse-subdomains.md", lambda n: len(parsed(n)), 104, 108),
        ("lemmy_awesome-lemmy-instances.md", _table_count, 455, 466),
        ("lemmy_awesome-lemmy-instances.md", lambda n: len(canonical_urls(parsed(n))), 455, 475),
        ("reddit_awesome-subreddits.md", lambda n: _platform_count(n, Platform.REDDIT), 175, 182),
        ("reddit_awesome-subreddits.md", lambda n: len(parsed(n)), 175, 186),
        ("slack_awesome-slack-communities.md", lambda n: len(parsed(n)), 43, 47),
        ("slack_awesome-spanish-slack-dev-groups.md", lambda n: len(parsed(n)), 70, 75),
        ("matrix_joinmatrix-popular-rooms.md", lambda n: _platform_count(n, Platform.MATRIX), 18, 21),
        ("matrix_joinmatrix-popular-rooms.md", lambda n: len(parsed(n)), 22, 30),
        # ~349 communities, several links each (Website, Meetup, Slack …)
        ("multi_awesome-tech-communities.md", lambda n: len({o.name for o in parsed(n)}), 320, 360),
        ("multi_awesome-tech-communities.md", lambda n: len(canonical_urls(parsed(n))), 450, 560),
        ("multi_awesome-tech-communities.md", lambda n: _platform_count(n, Platform.SLACK), 130, 180),
        ("multi_awesome-tech-communities.md", lambda n: _platform_count(n, Platform.MEETUP), 40, 60),
        ("cop_digitalgov/_index.md", lambda n: len(parsed(n)), 22, 23),
        ("cop_digitalgov/other-government-communities.md", lambda n: len(parsed(n)), 9, 13),
    ],
)
def test_counts_per_list(name, count, floor, ceiling):
    assert floor <= count(name) <= ceiling


def test_union_of_all_markdown_lists_has_at_least_1300_distinct_urls():
    union = set().union(*(canonical_urls(parsed(name)) for name in LISTS))
    assert len(union) >= 1300


# --- specific entries ---------------------------------------------------------------------------------

def test_discourse_remarks_are_annotations():
    apigee = find("discourse_discourse-subdomains.md", "https://community.apigee.com/")
    assert (apigee.name, apigee.section, apigee.annotations) == ("community.apigee.com", "Community", ("(dysfunctional)",))
    leanpub = find("discourse_discourse-subdomains.md", "https://community.leanpub.com/")
    assert leanpub.annotations == ("(auth required)",)
    assert find("discourse_discourse-subdomains.md", "https://community.brave.com/").annotations == ()


def test_discord_entry_is_the_invite_with_following_lines_as_description():
    devcord = find("discord_awesome-discord-communities.md", "https://discord.com/invite/devcord")
    assert (devcord.name, devcord.section, devcord.platform) == (
        "Devcord", "Programming in General > Support Communities", Platform.DISCORD)
    assert devcord.description.startswith("Notable Channels: #javascript, #frontend")
    assert devcord.description.endswith("Language: English")
    # its homepage and git badges are not the community
    assert not urls_of("discord_awesome-discord-communities.md") & {"https://devcord.com/", "https://github.com/devcord"}
    # a server whose invite goes through its own domain is still listed
    assert find("discord_awesome-discord-communities.md", "https://join.javadiscord.net").name == "Java"


def test_discord_server_listed_in_two_sections_keeps_both():
    sections = {o.section for o in parsed("discord_awesome-discord-communities.md")
                if o.url == "https://discord.com/invite/SrJEYjq"}
    assert len(sections) == 2


def test_tech_community_gives_one_observation_per_platform_link_named_after_the_entry():
    orlando = [o for o in parsed("multi_awesome-tech-communities.md") if o.name == "Orlando Devs"]
    assert {o.url for o in orlando} == {
        "https://orlandodevs.com/", "https://github.com/OrlandoDevs", "https://orlandodevs.com/slack"}
    assert {o.section for o in orlando} == {"Regional > USA > Florida"}
    assert orlando[0].description.startswith("Orlando – An open community and online chat for Software Developers")
    github = find("multi_awesome-tech-communities.md", "https://github.com/OrlandoDevs")
    assert github.annotations == ("Inactive since 2022-10-25.",)
    assert github.platform is Platform.GITHUB


def test_tech_struck_through_slack_and_tooltip():
    refresh = find("multi_awesome-tech-communities.md", "http://slack.refreshaustin.org/")
    assert (refresh.name, refresh.platform, refresh.annotations) == ("Refresh Austin", Platform.SLACK, ("struck through",))
    azdevs = find("multi_awesome-tech-communities.md", "https://azdevs.org/signin")
    assert azdevs.annotations[0] == "struck through"
    assert azdevs.annotations[1].startswith("The Slack is active (as of 2024-03-10), but currently the only way")


def test_tech_inactive_details_block():
    angular = find("multi_awesome-tech-communities.md", "https://www.meetup.com/RockyMountainAngular/")
    assert angular.section == "Regional > USA > Colorado > Inactive"
    assert angular.annotations == ("Inactive since 2020-12-17.", "listed under Inactive")
    assert angular.platform is Platform.MEETUP
    gainesville = find("multi_awesome-tech-communities.md", "https://discord.gg/F32yXXb")
    assert (gainesville.section, gainesville.annotations) == ("Regional > USA > Florida > Not tech-specific", ())
    ottawa = find("multi_awesome-tech-communities.md", "https://ottawastartups.slack.com/")
    assert ottawa.section == "Regional > Other countries > Canada > Apparently inactive"  # no flag emoji
    assert ottawa.annotations == ("listed under Apparently inactive",)


def test_tech_keeps_groups_and_drops_profiles():
    facebook_group = find("multi_awesome-tech-communities.md", "https://www.facebook.com/groups/873973386288785/")
    assert (facebook_group.name, facebook_group.platform) == ("{az}devs", Platform.FACEBOOK)
    assert find("multi_awesome-tech-communities.md", "https://www.linkedin.com/groups/6705840/").name == "AWS Chicago"
    urls = urls_of("multi_awesome-tech-communities.md")
    assert "https://www.facebook.com/SWFLCoders/" not in urls
    assert "https://www.linkedin.com/company/philly-startup-leaders/" not in urls
    assert not [u for u in urls if any(host in u for host in ("twitter.com", "youtube.com", "instagram.com",
                                                               "patreon.com", "eventbrite."))]
    names = {o.name for o in parsed("multi_awesome-tech-communities.md")}
    assert not names & {"Website", "Slack", "Meetup", "GitHub", "`Slack`", "archived"}


def test_tech_archive_snapshot_kept_in_entries_but_not_in_sources():
    urls = urls_of("multi_awesome-tech-communities.md")
    assert "https://web.archive.org/web/20200809053204/https://azdevs.org/" in urls  # an entry's own link
    assert not [u for u in urls if "denvertech.community" in u]  # listed under Information > Sources
    assert "https://github.com/thisdot/tech-community-slacks" not in urls


def test_subreddit_section_is_its_heading_path():
    django = find("reddit_awesome-subreddits.md", "https://www.reddit.com/r/django/")
    assert (django.name, django.section, django.platform) == ("django", "Back End Development > Django", Platform.REDDIT)
    assert django.description == "News and links for Django developers."
    assert find("reddit_awesome-subreddits.md", "https://www.reddit.com/r/cpp").section == "Programming Languages > C++"


def test_lemmy_instance_in_two_tables_once_per_table():
    feddit = [o for o in parsed("lemmy_awesome-lemmy-instances.md") if o.url == "https://feddit.nl"]
    assert [o.section for o in feddit] == ["Recommended Instances", "All Lemmy Instances"]
    assert feddit[0].name == "feddit.nl"
    assert "Users: 370" in feddit[0].description


def test_matrix_room_named_by_its_entry():
    cybersec = find("matrix_joinmatrix-popular-rooms.md", "https://matrix.to/#/#cyber-space:matrix.org")
    assert (cybersec.name, cybersec.section, cybersec.platform) == (
        "Cybersec", "Technology > Privacy & Security", Platform.MATRIX)
    room = find("matrix_joinmatrix-popular-rooms.md", "https://matrix.to/#/!XvLsfIFskBFvyfBuel:pixie.town?via=tchncs.de")
    assert room.name == "Privacy Guides"
    stickers = find("matrix_joinmatrix-popular-rooms.md", "https://matrix.to/#/#stickers-and-emojis:tastytea.de")
    assert stickers.description == "a collection of rooms serving MSC2545 sticker packs."


def test_hugo_link_shortcodes_resolve_against_the_page():
    ab = find("cop_digitalgov/_index.md", "https://digital.gov/communities/a-b-testing/")
    assert (ab.name, ab.section) == ("A/B Testing", "Our Communities")
    assert ab.description.startswith("Using analytics-driven A/B testing practices")
    assert find("cop_digitalgov/_index.md", "https://digital.gov/communities/open-data/").name == "Open Data"


def test_html_list_inside_markdown():
    name = "cop_digitalgov/other-government-communities.md"
    listserv = find(name, "mailto:listserv@listserv.gsa.gov")
    assert (listserv.name, listserv.platform) == ("Digital Service listserv", Platform.MAILING_LIST)
    cio = find(name, "https://cio.gov/about/groups/accessibility-cop/")
    assert cio.name == "Accessibility Community of Practice"
    assert find(name, "https://www.linkedin.com/groups/Federal-Intranet-Content-Managers-56612/about").platform \
        is Platform.LINKEDIN
    assert not [u for u in urls_of(name) if "twitter.com" in u]


def test_scheme_less_link_gets_https():
    romania = find("slack_awesome-slack-communities.md", "https://weworkremotely.slack.com/")
    assert (romania.name, romania.section) == ("Remote workers in Romania", "Regional")


def test_spanish_slack_invite():
    codemotion = [o for o in parsed("slack_awesome-spanish-slack-dev-groups.md") if o.name == "Codemotion Madrid"]
    assert len(codemotion) == 1
    assert (codemotion[0].section, codemotion[0].platform) == ("España", Platform.SLACK)


# --- what is never an entry ---------------------------------------------------------------------------

@pytest.mark.parametrize("name", list(LISTS))
def test_no_toc_badges_images_or_list_files(name):
    for o in parsed(name):
        assert o.url.startswith(("http://", "https://", "mailto:")), o
        assert not urlsplit(o.url).path.lower().endswith((".md", ".png", ".webp", ".svg", ".jpg")), o
        assert not any(host in o.url for host in ("shields.io", "awesome.re", "travis-ci.", "rawgit.com")), o
        assert "/images/" not in o.url and "badges.md" not in o.url and "FAQ.md" not in o.url, o
        assert not {part.lower() for part in o.section.split(" > ")} & set(LIST_META), o
        assert o.name and len(o.description) <= 500, o


@pytest.mark.parametrize("name", list(LISTS))
def test_same_url_at_most_once_per_section(name):
    keys = [(canonicalize(o.url), o.section) for o in parsed(name)]
    assert len(keys) == len(set(keys))


# --- robustness ---------------------------------------------------------------------------------------

def parse(text: str) -> list[Observation]:
    return parse_markdown_list(text, source="test", base_url="https://example.org/list/")


def test_empty_and_blank_text():
    assert parse("") == []
    assert parse("\n\n   \n") == []


def test_table_with_missing_and_extra_cells():
    text = ("| Name | Users | Notes |\n|---|---|\n| [A](https://a.example.org) |\n| [B](https://b.example.org) | 3 | x | y |\n"
            "| no link |\n|\n")
    observations = parse(text)
    assert [o.name for o in observations] == ["A", "B"]
    assert observations[1].description == "Users: 3; Notes: x; y"


def test_unclosed_details_ends_at_next_heading():
    text = ("## Old\n- <details>\n  <summary>Inactive</summary>\n  - [X](https://x.example.org) - gone\n"
            "## New\n- [Y](https://y.example.org)\n")
    x, y = parse(text)
    assert (x.section, x.annotations, x.description) == ("Old > Inactive", ("listed under Inactive",), "gone")
    assert (y.section, y.annotations) == ("New", ())


def test_relative_links_resolve_or_are_skipped():
    text = "- [Page](../other/) \n- [File](FAQ.md)\n- [Img](images/a.png)\n- [Top](#top)\n- [Host](forum.example.org/)\n"
    assert [o.url for o in parse(text)] == ["https://example.org/other/", "https://forum.example.org/"]


@pytest.mark.parametrize(
    "text",
    [
        "x" * 1_000_000,
        "- " + "[" * 1_000_000,
        "- [a](" + "(" * 1_000_000,
        "| " + "[a](https://a.example.org) | " * 1_000 + "|" * 1_000_000,
        "- **" + "*a " * 333_000,
        "<ul><li><a href='https://a.example.org'>" + "<" * 1_000_000,
        "<!--" * 250_000,
        "~~[a](https://a.example.org) " * 1_000 + "~~" * 400_000,
        "- [a](https://a.example.org)[ⓘ](## \"" + "a" * 1_000_000,
    ],
    ids=["plain", "brackets", "parens", "row", "emphasis", "unclosed-html", "comments", "strikes", "tooltip"],
)
def test_a_one_megabyte_line_does_not_break_the_parser(text):
    assert isinstance(parse(text), list)


def test_malformed_markdown_and_html_does_not_raise():
    pieces = ["- ", "* ", "1. ", "| ", " |", "|---|", "# ", "[", "]", "(", ")", "](", "**", "__", "~~", "`", "\\",
              "<details>", "</details>", "<summary>", "</summary>", "<li>", "</li>", "<a href='", "'>", "</a>",
              "<!--", "-->", "{{< link \"", ".md\" >}}", "[ⓘ](## \"", "\"", "https://", "x.org", "mailto:", "#", "\n",
              "\n\n", "ⓘ", "🇺🇸", "---\n", "```\n", "[![b](https://img.shields.io/x.svg)](https://x.org)", "http://[::1"]
    rng = random.Random(20240611)
    for _ in range(300):
        parse("".join(rng.choice(pieces) for _ in range(rng.randint(1, 60))))
