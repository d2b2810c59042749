"""The people who hold a community together: visible moderators or organisers, and help or mentoring.

Moderators: a team, staff, moderators or organisers page linked by the site, or its text naming them
("moderated by", "our organisers", "facilitated by"). Mentoring: a help channel (#help), a mentorship
programme, office hours, "ask your questions". A bare "Help" or "FAQ" link is the site's manual, not a
place where members help each other.
"""
from __future__ import annotations

import re
from urllib.parse import unquote, urlsplit

from crawler.extract.page_links import Anchor
from crawler.extract.qualities._text import label, quote
from crawler.extract.dom import host_of
from crawler.models import Finding, Platform
from crawler.urls import platform_of

_MODERATOR_LINK = re.compile(
    r"^(the |our |das |unser |el |nuestro |l'|notre |a |nossa )?(moderators?|mods|moderation( team)?|team|staff"
    r"|organi[sz]ers?|organi[sz]ing (team|committee)|facilitators?|hosts|stewards|core team|leadership( team)?"
    r"|steering (committee|group)|board|vorstand|moderatoren|moderatorinnen|ansprechpartner(innen)?|organisatoren"
    r"|equipo|organizador(es|as)|moderador(es|as)|[ée]quipe|organisateur(s|rices)?|mod[ée]rat(eur|rice)s?"
    r"|equipe|organizadores|moderadores)( team| page)?$", re.IGNORECASE)
_MODERATOR_PATH = re.compile(r"(memberlist\.php\?mode=team|/(team|staff|moderators|organi[sz]ers|about/team"
                             r"|leadership|vorstand|equipo|equipe)(/|$|\.html?))", re.IGNORECASE)
_MODERATOR_TEXT = re.compile(
    r"\b((moderated|organi[sz]ed|facilitated|hosted|run) by (volunteers|our|the|a team)"
    r"|our (moderators|mods|organi[sz]ers"
    r"|facilitators|moderation team)|meet the (team|organi[sz]ers|moderators)|moderiert von|organisiert von"
    r"|moderado por|organizado por|anim[ée] par|organis[ée] par)\b", re.IGNORECASE)

_MENTORING = re.compile(
    r"(#help\b|#ask\b|#newcomers?\b|#beginners?\b"
    r"|\b(help|support|questions|newcomers|beginners)[ -](channel|forum|desk)"
    r"|\bmentor(ship|ing|s)?\b|\bmentee|\boffice hours\b|\bask (a |your |any |us )?(questions?|anything)\b|\bq ?& ?a\b"
    r"|\bbuddy (programme|program|system)\b|\bmentoren|\bmentoring|\bmentor[ií]as?\b|\bmentorat\b|\bmentoria\b"
    r"|\bfragen (stellen|und antworten)\b|\bpreguntas y respuestas\b|\bentraide\b"
    r"|\bperguntas e respostas\b)", re.IGNORECASE)

_HELP_LINK = re.compile(r"\b(hilfe-?(forum|kanal)|ayuda|aide)\b", re.IGNORECASE)  # as a link's label only


def moderator_findings(anchors: list[Anchor], text: str, url: str) -> list[Finding]:
    """A team or moderators page, else the text naming them: one finding is enough to show them."""
    for anchor in anchors:
        words = label(anchor.text)
        path = unquote(urlsplit(anchor.url).path + ("?" + urlsplit(anchor.url).query if urlsplit(anchor.url).query
                                                     else ""))
        if (words and _MODERATOR_LINK.match(words)) or (not words and _MODERATOR_PATH.search(path)):
            return [Finding("moderators", "yes", f'link "{words or path}"', url, anchor.url)]
    if match := _MODERATOR_TEXT.search(text):
        return [Finding("moderators", "yes", f"text {quote(text, match)}", url)]
    return []


def mentoring_findings(anchors: list[Anchor], text: str, url: str) -> list[Finding]:
    """A help channel or mentoring programme linked or named by the site."""
    page_host = host_of(url)
    for anchor in anchors:
        words = label(anchor.text)
        # Another host's "help forum" is the hosting service's (hilfe.forumieren.com), unless it is a chat room.
        elsewhere = host_of(anchor.url) != page_host and _plain_site(anchor.url)
        if words and (_MENTORING.search(words) or _HELP_LINK.search(words)) and not elsewhere:
            return [Finding("mentoring", "yes", f'link "{words}"', url, anchor.url)]
    if match := _MENTORING.search(text):
        return [Finding("mentoring", "yes", f"text {quote(text, match)}", url)]
    return []


def _plain_site(url: str) -> bool:
    try:
        return platform_of(url) is Platform.WEBSITE
    except ValueError:  # an address that cannot be read is no chat room either
        return True
