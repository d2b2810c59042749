"""What each simulated community's own page says about it: the ground truth of page profiling.

Drawn deterministically from the community's URL (and the sample web's clock, for events): the
language the page is written in and whether it declares it, its description and topics, the forum
software it runs, how to join, its code of conduct, feed, upcoming events and the links to its
presences elsewhere. `pages` renders these facts as HTML; tests profile the HTML and compare.
"""
from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from crawler.sampleweb.behaviour import weighted_pick
from crawler.sampleweb.page_qualities import QualityFacts, event_starts, quality_facts
from crawler.models import Event, JoinType, Platform
from crawler.urls import canonicalize, platform_of

# Per mille of pages, by language: mostly English, as in the real lists.
LANGUAGE_WEIGHTS = {"en": 700, "es": 100, "de": 80, "fr": 60, "pt": 60}
JOIN_WEIGHTS = {JoinType.OPEN: 450, JoinType.APPLICATION: 120, JoinType.INVITE_ONLY: 80, JoinType.PAID: 100,
                JoinType.UNKNOWN: 250}
ACTIVE_WITHIN = timedelta(days=30)  # only a community that posts announces events
FORUM_SOFTWARE = (("phpBB", "generator"), ("phpBB", "markup"), ("XenForo", "markup"), ("vBulletin", "generator"),
                  ("NodeBB", "generator"), ("Flarum", "generator"), ("MyBB", "generator"), ("bbPress", "markup"))
TOPICS = ("python", "devops", "open source", "user experience", "data science", "accessibility", "security",
          "web development", "machine learning", "civic tech", "design systems", "cloud")


@dataclass(frozen=True)
class Words:
    """What the page says, in its language."""

    tagline: str
    description: str  # {name}, {topic}
    welcome: str  # {name}
    latest: str
    post: str
    events: str
    join: str
    apply: str
    invite_only: str
    fee: str
    conduct: str
    guidelines: str
    rules: str


WORDS = {
    "en": Words("a community of practice",
                "{name} is a community of practice where practitioners share questions, events and know-how about "
                "{topic}. Newcomers are welcome to ask anything.",
                "Welcome to {name}. We meet online and in person, answer each other's questions and keep a friendly, "
                "helpful place for everyone who works on these topics.",
                "Latest posts", "Topic", "Upcoming events", "Join us", "Apply to join",
                "Membership is by invitation only.", "Membership costs $12 per month.",
                "Code of Conduct", "Community guidelines", "Forum rules"),
    "es": Words("una comunidad de práctica",
                "{name} es una comunidad de práctica donde profesionales comparten preguntas, eventos y conocimientos "
                "sobre {topic}. Las personas nuevas son bienvenidas.",
                "Bienvenida a {name}. Nos reunimos en línea y en persona, respondemos las preguntas de los demás y "
                "cuidamos un espacio amable y útil para todas las personas que trabajan en estos temas.",
                "Últimas publicaciones", "Tema", "Próximos eventos", "Únete", "Solicitar acceso",
                "La participación es solo por invitación.", "Cuota anual: 20 € al año.",
                "Código de conducta", "Normas de la comunidad", "Reglas del foro"),
    "de": Words("eine Praxisgemeinschaft",
                "{name} ist eine Praxisgemeinschaft, in der Fachleute Fragen, Veranstaltungen und Wissen rund um "
                "{topic} teilen. Neue Mitglieder sind herzlich willkommen.",
                "Willkommen bei {name}. Wir treffen uns online und vor Ort, beantworten gegenseitig unsere Fragen und "
                "pflegen einen freundlichen, hilfsbereiten Ort für alle, die an diesen Themen arbeiten.",
                "Neueste Beiträge", "Thema", "Kommende Veranstaltungen", "Mitglied werden", "Mitgliedsantrag",
                "Die Mitgliedschaft ist nur auf Einladung möglich.", "Mitgliedsbeitrag: 30 € pro Jahr.",
                "Verhaltenskodex", "Verhaltensregeln", "Forenregeln"),
    "fr": Words("une communauté de pratique",
                "{name} est une communauté de pratique où des professionnels partagent questions, événements et "
                "savoir-faire autour de {topic}. Les nouveaux venus sont les bienvenus.",
                "Bienvenue sur {name}. Nous nous retrouvons en ligne et en personne, répondons aux questions des uns "
                "et des autres et entretenons un lieu accueillant et utile pour toutes celles et ceux qui travaillent "
                "sur ces sujets.",
                "Derniers messages", "Sujet", "Prochains événements", "Rejoindre", "Candidature",
                "L'adhésion se fait uniquement sur invitation.", "Cotisation : 25 € par an.",
                "Code de conduite", "Règles de la communauté", "Règles du forum"),
    "pt": Words("uma comunidade de prática",
                "{name} é uma comunidade de prática onde profissionais compartilham perguntas, eventos e "
                "conhecimento sobre {topic}. Novos membros são bem-vindos.",
                "Boas-vindas ao {name}. Nos encontramos on-line e presencialmente, respondemos às perguntas uns "
                "dos outros e cuidamos de um espaço acolhedor e útil para todas as pessoas que trabalham com "
                "estes temas.",
                "Últimas publicações", "Tópico", "Próximos eventos", "Participe", "Candidatar-se",
                "A participação é apenas por convite.", "Anuidade de R$ 50 por ano.",
                "Código de conduta", "Diretrizes da comunidade", "Regras do fórum"),
}

PRESENCE_KINDS = ("discord", "reddit", "meetup", "slack", "telegram", "matrix", "mastodon", "github", "mailing_list",
                  "linkedin", "facebook", "forum")
_INVITES = frozenset({"discord", "slack", "matrix"})  # links that are themselves a way in
_KIND_PLATFORM = {"discord": Platform.DISCORD, "reddit": Platform.REDDIT, "meetup": Platform.MEETUP,
                  "slack": Platform.SLACK, "telegram": Platform.TELEGRAM, "matrix": Platform.MATRIX,
                  "mastodon": Platform.MASTODON, "github": Platform.GITHUB, "mailing_list": Platform.MAILING_LIST,
                  "linkedin": Platform.LINKEDIN, "facebook": Platform.FACEBOOK, "forum": Platform.FORUM}


@dataclass(frozen=True)
class PageFacts:
    url: str
    name: str
    language: str  # ISO 639-1: what the page is written in
    declares_language: bool  # `<html lang>`, og:locale and JSON-LD inLanguage, or none of them
    description: str
    topics: tuple[str, ...]
    platform: Platform  # what the page shows itself to be
    software: str  # forum software ("phpBB" …), or ""
    shown_by: str  # "generator" or "markup": how the software shows
    join_type: JoinType
    # Links to the community's own site are root-relative ("/join"): the page may be asked for by
    # http or https, and what a profiler sees is the link resolved against the URL it fetched.
    join_url: str  # "" when the page has no join link
    join_text: str
    statement: str  # what the page says about membership ("by invitation only", a fee), or ""
    presences: tuple[str, ...]  # links to the community elsewhere, as written on the page
    code_of_conduct: str
    conduct_text: str
    feed: str
    events: tuple[Event, ...]  # upcoming, soonest first
    past_event: Event | None  # announced, but before the newest post: no evidence of anything
    json_ld: bool
    event_markup: str  # "json-ld", "h-event" or "list"
    qualities: QualityFacts  # its CoP qualities beyond join type and code of conduct (page_qualities)

    @property
    def canonical_presences(self) -> tuple[str, ...]:
        return tuple(canonicalize(url) for url in self.presences)


def draw(url: str, salt: str, choices: int) -> int:
    """A number in range(choices), the same for the same URL and salt on every machine."""
    digest = hashlib.sha256(f"facts:{salt}:{url}".encode()).digest()
    return int.from_bytes(digest[:4], "big") % choices


def _weighted(url: str, salt: str, weights: dict) -> object:
    return weighted_pick(draw(url, salt, sum(weights.values())), weights)


def display_name(url: str) -> str:
    parts = urlsplit(url)
    path = parts.path.strip("/")
    if path.startswith("r/"):
        return path
    if path:
        return f"{parts.hostname}/{path.split('/')[-1]}"
    return parts.hostname or url


def slug(url: str) -> str:
    """A lower-case handle for the community's other presences: "pyladies-berlin". No digits: a
    date finder could read them as a year."""
    parts = urlsplit(url)
    words = [word for word in re.split(r"[^a-z]+", f"{parts.hostname} {parts.path}".lower())
             if word and word not in ("www", "com", "org", "net", "io", "de", "es", "r", "invite", "https", "http")]
    return "-".join(words[:3])[:40] or "community"


def facts_of(url: str, now: datetime | None = None, newest_post: datetime | None = None) -> PageFacts:
    """The facts of the page of the community at url (any spelling of it), as of now; newest_post is
    None for undated pages."""
    try:
        url = canonicalize(url)
    except ValueError:
        pass
    url = "https://" + url.split("://", 1)[-1]  # http and https spellings are one community, as for behaviour_of
    language = str(_weighted(url, "language", LANGUAGE_WEIGHTS))
    words = WORDS[language]
    name = display_name(url)
    topic = TOPICS[draw(url, "topic", len(TOPICS))]
    platform, software, shown_by = _software(url)
    join_type = JoinType(_weighted(url, "join", JOIN_WEIGHTS))
    presences = _presences(url, platform, join_type)
    join_url, join_text = _join_link(url, join_type, words)
    if join_type is JoinType.OPEN and _on_form_host(url):  # the listed page is itself a sign-up form
        join_type = JoinType.APPLICATION
    invites = [link for link in presences if _is_invite(link)]
    if join_type is JoinType.UNKNOWN and invites:  # a public invite on the page is a way in
        join_type, join_url = JoinType.OPEN, invites[0]
    conduct = draw(url, "conduct", 10)
    conduct_text = (words.conduct, words.guidelines, words.rules if software else words.conduct)[conduct % 3]
    dated = newest_post is not None
    events, past = ((), None)
    active = now is not None and newest_post is not None and now - newest_post <= ACTIVE_WITHIN
    qualities = quality_facts(url, language, join_type)
    if active and draw(url, "events", 5) < 3:
        events, past = _events(url, now, newest_post, topic, qualities.rhythm)
    return PageFacts(
        url=url, name=name, language=language, declares_language=draw(url, "declares", 5) > 0,
        description=words.description.format(name=name, topic=topic),
        topics=tuple(dict.fromkeys((topic, TOPICS[draw(url, "topic2", len(TOPICS))]))),
        platform=platform, software=software, shown_by=shown_by,
        join_type=join_type, join_url=join_url, join_text=join_text,
        # a freemium page says so in its own words (page_qualities.about), not with the bare fee
        statement={JoinType.INVITE_ONLY: words.invite_only,
                   JoinType.PAID: "" if qualities.cost == "freemium" else words.fee}.get(join_type, ""),
        presences=presences,
        code_of_conduct=f"/{('code-of-conduct', 'guidelines', 'rules')[conduct % 3]}" if conduct < 4 else "",
        conduct_text=conduct_text if conduct < 4 else "",
        feed=feed_of(url) if dated and draw(url, "feed", 10) < 7 and "?" not in url else "",
        events=events, past_event=past,
        json_ld=draw(url, "json-ld", 3) == 0,
        event_markup=("json-ld", "h-event", "list")[draw(url, "event-markup", 3)],
        qualities=qualities,
    )


FEED_SUFFIX = "/feed.xml"


def feed_of(url: str) -> str:
    """Where on its site the sample web serves a community's Atom feed (a root-relative path)."""
    return f"{urlsplit(url).path.rstrip('/')}{FEED_SUFFIX}"


def community_of_feed(url: str) -> str:
    """The community whose feed url is, or "" when url is no feed."""
    parts = urlsplit(url)
    if parts.query or not parts.path.endswith(FEED_SUFFIX):
        return ""
    return f"{parts.scheme}://{parts.netloc}{parts.path.removesuffix(FEED_SUFFIX)}"


def _software(url: str) -> tuple[Platform, str, str]:
    """What runs the page: a Discourse host runs Discourse (its APIs answer as Discourse's do); other
    forums, and one own site in eight, run other forum software."""
    platform = platform_of(url)
    if platform is Platform.DISCOURSE:
        return Platform.DISCOURSE, "Discourse", "generator"
    if platform is Platform.FORUM or (platform is Platform.WEBSITE and draw(url, "software", 8) == 0):
        software, shown_by = FORUM_SOFTWARE[draw(url, "forum", len(FORUM_SOFTWARE))]
        return Platform.FORUM, software, shown_by
    return platform, "", ""


def _join_link(url: str, join_type: JoinType, words: Words) -> tuple[str, str]:
    if join_type is JoinType.APPLICATION:
        return f"https://forms.gle/{slug(url).replace('-', '')[:12]}Form", words.apply
    if join_type in (JoinType.OPEN, JoinType.PAID):
        return "/join", words.join
    return "", ""


# Hosts of sign-up forms: some lists link a community's application form instead of the community.
FORM_HOSTS = ("docs.google.com", "forms.gle", "typeform.com", "jotform.com", "tally.so")


def _on_form_host(url: str) -> bool:
    host = urlsplit(url).hostname or ""
    return any(host == form or host.endswith("." + form) for form in FORM_HOSTS)


def _is_invite(link: str) -> bool:
    return link.startswith(("https://discord.gg/", "https://join.slack.com/", "https://matrix.to/"))


def _presences(url: str, platform: Platform, join_type: JoinType) -> tuple[str, ...]:
    """Links to one to three other presences on a third of the pages, never on the page's own platform;
    a forum only beside an own site (forum.example.org for example.org)."""
    if draw(url, "presences", 3) != 0:
        return ()
    kinds = [kind for kind in PRESENCE_KINDS if _KIND_PLATFORM[kind] is not platform
             and not (join_type is JoinType.INVITE_ONLY and kind in _INVITES)
             and (kind != "forum" or platform is Platform.WEBSITE)]
    start, count = draw(url, "first-presence", len(kinds)), 1 + draw(url, "presence-count", 3)
    return tuple(_presence_link(kind, url) for kind in (kinds * 2)[start:start + count])


def _presence_link(kind: str, url: str) -> str:
    """The link as a page would write it: not always canonical (discord.gg, http://, mixed case).

    Invite codes are letters only: a run of digits in a link could read as a date to a date finder.
    """
    handle = slug(url)
    code = "".join(chr(ord("a") + int(digit, 16)) for digit in hashlib.sha256(url.encode()).hexdigest())
    host = (urlsplit(url).hostname or "example.org").removeprefix("www.")
    return {
        "discord": f"https://discord.gg/{code[:4]}{code[4:8].upper()}",
        "reddit": f"http://reddit.com/r/{handle.replace('-', '_').title()}/",
        "meetup": f"https://www.meetup.com/{handle}-meetup/",
        "slack": f"https://join.slack.com/t/{handle}/shared_invite/zt-{code[8:20]}",
        "telegram": f"https://t.me/{handle.replace('-', '_')}",
        "matrix": f"https://matrix.to/#/#{handle}:matrix.org",
        "mastodon": f"https://mastodon.social/@{handle.replace('-', '_')}",
        "github": f"https://github.com/{handle}",
        "mailing_list": f"mailto:{handle}-subscribe@lists.{host}",
        "linkedin": f"https://www.linkedin.com/groups/9{draw(url, 'linkedin', 10**7):07d}/",  # 9…: never a year
        "facebook": f"https://www.facebook.com/groups/{handle.replace('-', '')}/",
        "forum": f"https://forum.{host}",
    }[kind]


def _events(url: str, now: datetime, newest_post: datetime, topic: str,
            rhythm: str) -> tuple[tuple[Event, ...], Event]:
    upcoming = tuple(Event(f"{topic.title()} meetup #{index + 1}", start, f"/events/{index + 1}")
                     for index, start in enumerate(event_starts(url, now, rhythm)))
    past = Event(f"{topic.title()} meetup #0", newest_post - timedelta(days=30), "/events/0")
    return upcoming, past
