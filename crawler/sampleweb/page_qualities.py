"""The community-of-practice qualities a simulated community page shows, and the truth copdir must find there.

Drawn deterministically from the community's URL, like the rest of `page_facts`: how often it meets (a rhythm
its upcoming events keep, and on some pages say in words), a wiki or recorded talks, its moderators page, a
help channel with mentors, and what membership costs — free, freemium (a free tier and a supporter
membership) or paid, with the price — beside the join type and code of conduct `page_facts` already draws.
`expected` is the truth the manifest publishes; `about` and `links` render it into the page.
"""
from __future__ import annotations

import hashlib
import html
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from urllib.parse import urlsplit

from crawler.models import JoinType
from crawler.urls import HTTPS_ONLY_DOMAINS

RHYTHMS = ("weekly", "fortnightly", "monthly", "irregular")
EVENT_GAPS_DAYS = {"weekly": (7,), "fortnightly": (14,), "monthly": (28, 35)}  # monthly: the first Tuesday, say
REGULAR_EVENTS = 3  # a regular rhythm shows its next three dates


@dataclass(frozen=True)
class QualityWords:
    rhythm: dict[str, str]  # what the page says of its rhythm, per rhythm
    free: str
    freemium: str  # a free tier and a supporter membership, with its price
    freemium_price: str
    fee_price: str  # the price in `page_facts.Words.fee`, as written there
    mentoring: str
    moderators: str
    wiki: str
    recordings: str


QUALITY_WORDS = {
    "en": QualityWords({"weekly": "We meet every week.", "fortnightly": "We meet every two weeks.",
                        "monthly": "We meet every month."},
                       "Membership is free.", "Free to join; a supporter membership costs $5 per month.",
                       "$5 per month", "$12 per month", "New here? Ask your questions in #help, where mentors answer.",
                       "Moderators", "Wiki", "Recordings of past talks"),
    "es": QualityWords({"weekly": "Reunión semanal.", "fortnightly": "Reunión cada dos semanas.",
                        "monthly": "Reunión mensual."},
                       "La membresía es gratuita.", "Entrar es gratis; la membresía premium cuesta 5 € al mes.",
                       "5 € al mes", "20 € al año", "¿Eres nueva? Pregunta en el canal #help.",
                       "Moderadores", "Wiki", "Grabaciones"),
    "de": QualityWords({"weekly": "Treffen: wöchentlich.", "fortnightly": "Treffen: alle zwei Wochen.",
                        "monthly": "Treffen: monatlich."},
                       "Die Mitgliedschaft ist kostenlos.",
                       "Die Teilnahme ist kostenlos; eine Fördermitgliedschaft kostet 5 € pro Monat.",
                       "5 € pro Monat", "30 € pro Jahr", "Neu hier? Stell deine Fragen im Kanal #help.",
                       "Moderatoren", "Wiki", "Aufzeichnungen"),
    "fr": QualityWords({"weekly": "Rencontre hebdomadaire.", "fortnightly": "Rencontre toutes les deux semaines.",
                        "monthly": "Rencontre mensuelle."},
                       "L'adhésion est gratuite.",
                       "L'adhésion est gratuite ; l'adhésion premium coûte 5 € par mois.",
                       "5 € par mois", "25 € par an", "Nouveau ici ? Posez vos questions dans #help.",
                       "Modérateurs", "Wiki", "Enregistrements"),
    "pt": QualityWords({"weekly": "Encontro semanal.", "fortnightly": "Encontro quinzenal.",
                        "monthly": "Encontro mensal."},
                       "A participação é gratuita.",
                       "A participação é gratuita; o plano premium tem mensalidade de R$ 10 por mês.",
                       "R$ 10 por mês", "R$ 50 por ano", "Novo por aqui? Pergunte no canal #help.",
                       "Moderadores", "Wiki", "Gravações"),
}


@dataclass(frozen=True)
class QualityFacts:
    rhythm: str  # one of RHYTHMS: how its events are spaced, when it has any
    says_rhythm: bool  # the page says it in words too
    knowledge: tuple[tuple[str, str, str], ...]  # (kind, link, text)
    moderators: bool  # links a moderators page
    mentoring: bool  # names a help channel with mentors
    cost: str  # free, freemium, paid or unknown
    price: str | None  # as written on the page
    cost_statement: str  # what the page says of cost, or "" (a paid page's fee is page_facts' statement)


def draw(url: str, salt: str, choices: int) -> int:
    digest = hashlib.sha256(f"qualities:{salt}:{url}".encode()).digest()
    return int.from_bytes(digest[:4], "big") % choices


def quality_facts(url: str, language: str, join_type: JoinType) -> QualityFacts:
    """A page hosted by a platform (GitHub, Reddit …) has no footer of its own: no wiki or moderators links there."""
    words = QUALITY_WORDS[language]
    on_platform = platform_hosted(url)
    rhythm = RHYTHMS[draw(url, "rhythm", len(RHYTHMS))]
    code = "".join(chr(ord("a") + int(digit, 16)) for digit in hashlib.sha256(url.encode()).hexdigest()[:16])
    knowledge = {0: (("wiki", "/wiki/", words.wiki),),
                 1: (("recordings", f"https://www.youtube.com/playlist?list=PL{code}", words.recordings),),
                 2: (("wiki", "/wiki/", words.wiki),
                     ("recordings", f"https://www.youtube.com/playlist?list=PL{code}", words.recordings))}
    if join_type is JoinType.PAID:
        freemium = draw(url, "freemium", 3) == 0
        cost, price = ("freemium", words.freemium_price) if freemium else ("paid", words.fee_price)
        statement = words.freemium if freemium else ""
    elif draw(url, "free", 2) == 0:
        cost, price, statement = "free", None, words.free
    else:
        cost, price, statement = "unknown", None, ""
    return QualityFacts(rhythm=rhythm, says_rhythm=rhythm != "irregular" and draw(url, "says-rhythm", 2) == 0,
                        knowledge=() if on_platform else knowledge.get(draw(url, "knowledge", 5), ()),
                        moderators=not on_platform and draw(url, "moderators", 3) == 0,
                        mentoring=draw(url, "mentoring", 3) == 0,
                        cost=cost, price=price, cost_statement=statement)


def event_starts(url: str, now: datetime, rhythm: str) -> list[datetime]:
    """The upcoming events' starts at 18:00 UTC: three keeping a regular rhythm, or one or two irregular ones."""
    first = (now + timedelta(days=3 + draw(url, "first-event", 7))).replace(hour=18, minute=0, second=0,
                                                                            microsecond=0, tzinfo=timezone.utc)
    if rhythm not in EVENT_GAPS_DAYS:
        return [first + timedelta(days=(9 + draw(url, "gap", 7)) * index) for index in range(1 + draw(url, "count", 2))]
    gaps = EVENT_GAPS_DAYS[rhythm]
    starts = [first]
    for index in range(REGULAR_EVENTS - 1):
        starts.append(starts[-1] + timedelta(days=gaps[(index + draw(url, "gap-phase", 2)) % len(gaps)]))
    return starts


MEMBERSHIP_OF_JOIN = {JoinType.OPEN: "open", JoinType.PAID: "open", JoinType.APPLICATION: "application",
                      JoinType.INVITE_ONLY: "invite-only", JoinType.UNKNOWN: "unknown"}


def platform_hosted(url: str) -> bool:
    host = urlsplit(url).hostname or ""
    return any(host == domain or host.endswith("." + domain) for domain in HTTPS_ONLY_DOMAINS)


def expected(url: str, qualities: QualityFacts, has_events: bool, join_type: JoinType, code_of_conduct: str) -> dict:
    """What profiling must conclude from the page: the truth of the manifest. On a platform-hosted page a join
    link is the platform's sign-up, not the community's: its membership is the platform adapter's to say."""
    if has_events or qualities.says_rhythm:
        cadence = qualities.rhythm
    else:
        cadence = "none-seen"
    return {"event_cadence": cadence, "cost": qualities.cost, "price": qualities.price,
            "membership": "unknown" if platform_hosted(url) else MEMBERSHIP_OF_JOIN[join_type],
            "code_of_conduct": bool(code_of_conduct),
            "knowledge_base": sorted({kind for kind, _, _ in qualities.knowledge}),
            "moderators_visible": qualities.moderators, "mentoring": qualities.mentoring}


def _e(text: str) -> str:
    return html.escape(text, quote=True)


def about(qualities: QualityFacts, language: str) -> str:
    """What the page says of its rhythm, its cost and its help channel."""
    words = QUALITY_WORDS[language]
    said = [words.rhythm[qualities.rhythm]] if qualities.says_rhythm else []
    said += [qualities.cost_statement] if qualities.cost_statement else []
    said += [words.mentoring] if qualities.mentoring else []
    return "".join(f"<p>{_e(sentence)}</p>" for sentence in said)


def links(qualities: QualityFacts, language: str) -> str:
    """Footer links to its wiki, recordings and moderators."""
    found = [(link, text) for _, link, text in qualities.knowledge]
    found += [("/team", QUALITY_WORDS[language].moderators)] if qualities.moderators else []
    return "".join(f'<a href="{_e(link)}">{_e(text)}</a> · ' for link, text in found)
