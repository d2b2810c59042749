"""The links of an ad-hoc list for `copdir check --urls`: every http(s) link, in order, each once."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from crawler.link_lists import links_in

FIXTURES = Path(__file__).parent / "fixtures" / "checker"
SPANISH_SLACK = (FIXTURES / "slack_awesome-spanish-slack-dev-groups.md").read_text(encoding="utf-8")
DIGITALGOV = (FIXTURES / "digitalgov_other-government-communities.md").read_text(encoding="utf-8")


def test_a_plain_list_gives_one_link_per_line_in_order():
    text = "https://b.example.org/\n\nhttp://a.example.org/x\n  https://c.example.org/y?z=1  \n# a comment\n"
    assert links_in(text) == ["https://b.example.org/", "http://a.example.org/x", "https://c.example.org/y?z=1"]


def test_markdown_inline_links_with_titles_give_only_the_target():
    text = ('- [Rust Berlin](https://rust.berlin/ "The Berlin Rust meetup")\n'
            "- [Go Paris](https://www.meetup.com/golang-paris/ 'Go in Paris')\n"
            "- [Lisbon JS](https://lisbonjs.example.org (a paren title))\n")
    assert links_in(text) == ["https://rust.berlin/", "https://www.meetup.com/golang-paris/",
                              "https://lisbonjs.example.org"]


def test_markdown_reference_definitions_and_autolinks():
    text = ("Join [the forum][forum] or the chat <https://chat.example.org/room>.\n\n"
            '[forum]: https://forum.example.org/ "Our forum"\n'
            "[wiki]: <https://wiki.example.org/Main_Page>\n")
    assert links_in(text) == ["https://chat.example.org/room", "https://forum.example.org/",
                              "https://wiki.example.org/Main_Page"]


def test_markdown_targets_keep_their_balanced_parentheses():
    text = "- [Go](https://en.wikipedia.org/wiki/Go_(programming_language)) is a language.\n"
    assert links_in(text) == ["https://en.wikipedia.org/wiki/Go_(programming_language)"]


@pytest.mark.parametrize(("prose", "url"), [
    ("See https://forum.example.org/t/welcome.", "https://forum.example.org/t/welcome"),
    ("Chat: https://chat.example.org/, or mail us!", "https://chat.example.org/"),
    ("(see https://forum.example.org/about)", "https://forum.example.org/about"),
    ("(the wiki: https://en.wikipedia.org/wiki/Go_(game))", "https://en.wikipedia.org/wiki/Go_(game)"),
    ("Is it https://forum.example.org/faq?", "https://forum.example.org/faq"),
    ("**https://bold.example.org/** and _https://em.example.org/x_", "https://bold.example.org/"),
    ("Search https://example.org/find?q=rust&lang=de; then join.", "https://example.org/find?q=rust&lang=de"),
])
def test_bare_urls_in_prose_lose_trailing_punctuation_and_unbalanced_parentheses(prose, url):
    assert links_in(prose)[0] == url


def test_html_anchors_links_and_iframes_in_document_order_without_relative_or_mailto():
    page = """<!doctype html><html><head><link rel="alternate" href="https://forum.example.org/feed.xml">
    </head><body><a href="/about">About</a> <a href="mailto:hello@example.org">Mail</a>
    <a href="https://chat.example.org/?a=1&amp;b=2">Chat</a>
    <iframe src="https://video.example.org/embed/1"></iframe> <a href="#top">Top</a>
    <a href="  https://forum.example.org/  ">Forum</a> <a href="javascript:void(0)">x</a></body></html>"""
    assert links_in(page) == ["https://forum.example.org/feed.xml", "https://chat.example.org/?a=1&b=2",
                              "https://video.example.org/embed/1", "https://forum.example.org/"]


def test_an_html_fragment_without_a_doctype_is_read_as_html():
    fragment = '<ul><li><a href="https://a.example.org/">A</a></li><li><a href="https://b.example.org/">B</a></li></ul>'
    assert links_in(fragment) == ["https://a.example.org/", "https://b.example.org/"]


def test_duplicates_come_once_at_their_first_place():
    text = ("- [A](https://a.example.org/)\n- [B](https://b.example.org/)\n"
            "- [A again](https://a.example.org/) and https://b.example.org/ in prose\n- https://c.example.org/\n")
    assert links_in(text) == ["https://a.example.org/", "https://b.example.org/", "https://c.example.org/"]


def test_order_is_where_each_link_is_written_even_when_one_starts_with_another():
    text = ("Chat <https://example.org/chat-rooms>, then [the chat](https://example.org/chat)"
            " and https://example.org/c\n")
    assert links_in(text) == ["https://example.org/chat-rooms", "https://example.org/chat", "https://example.org/c"]


@pytest.mark.parametrize("text", ["", "no links here", "ftp://files.example.org/ and mailto:x@example.org",
                                  "<html><body><a href='/x'>x</a></body></html>", "\x00\x01<<<>>>"])
def test_nothing_to_check_gives_an_empty_list(text):
    assert links_in(text) == []


def _markdown_targets(text: str) -> list[str]:
    return list(dict.fromkeys(re.findall(r"\]\((https?://[^\s)]+)\)", text)))


def test_a_real_markdown_list_gives_every_link_it_lists():
    found = links_in(SPANISH_SLACK)
    targets = _markdown_targets(SPANISH_SLACK)
    assert len(targets) == 75
    assert set(targets) <= set(found)
    assert len(found) == len(targets)
    assert found[:3] == ["https://cdn.rawgit.com/sindresorhus/awesome/d7305f38d29fed78fa85652e3a63e154dd8e8829/"
                         "media/badge.svg", "https://github.com/sindresorhus/awesome",
                         "https://launchpass.com/cloud-espanol"]
    assert "https://publicslack.com/slacks/canariasdev/invites/new" in found
    assert found[-1] == "http://owu.herokuapp.com/"


def test_a_real_markdown_list_that_opens_with_an_html_banner_still_gives_its_markdown_links():
    banner = ('<p align="center"><a href="https://comunidad-tecnologica.example.org/">'
              '<img src="https://comunidad-tecnologica.example.org/logo.svg"></a></p>\n\n')
    found = links_in(banner + SPANISH_SLACK)
    assert found[0] == "https://comunidad-tecnologica.example.org/"
    assert set(_markdown_targets(SPANISH_SLACK)) <= set(found)


def test_a_real_markdown_page_with_raw_html_lists_gives_its_anchors_and_skips_mail_and_shortcodes():
    found = links_in(DIGITALGOV)
    anchors = list(dict.fromkeys(re.findall(r'href="(https?://[^"]+)"', DIGITALGOV)))
    assert len(anchors) >= 12
    assert found == anchors
    assert found[0] == "http://18f.github.io/API-All-the-X/"
    assert "https://groups.google.com/forum/?nomobile=true#!forum/government-open-source" in found
    assert not any("mailto" in url or "{{" in url for url in found)
