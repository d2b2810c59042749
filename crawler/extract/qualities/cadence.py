"""How often a community meets, from what its page says: "monthly meetup", "every second Tuesday",
"weekly office hours", "annual conference", a schema.org Event's `eventSchedule`, a calendar to subscribe to.

The dates of the events themselves (page, Meetup, JSON-LD, kept over time in `events`) are read by
`crawler.qualities.cadence_from_dates`. A cadence word counts only next to a gathering ("monthly meetup",
"wir treffen uns monatlich"): "monthly fee" or "annual report" say nothing about events.
"""
from __future__ import annotations

import re

from crawler.extract.dom import ld_text, ld_types
from crawler.extract.page_links import Anchor
from crawler.extract.qualities._text import label, quote
from crawler.models import Event, Finding

QUALITY = "event_cadence"
# The values, most frequent first; `crawler.qualities` documents them.
_WEEKDAY = (r"(mon|tues|wednes|thurs|fri|satur|sun)day|montag|dienstag|mittwoch|donnerstag|freitag|samstag|sonntag"
            r"|lunes|martes|mi[eé]rcoles|jueves|viernes|s[aá]bado|domingo|lundi|mardi|mercredi|jeudi|vendredi|samedi"
            r"|dimanche|segunda|ter[cç]a|quarta|quinta|sexta")
_ORDINAL = (r"first|second|third|fourth|last|1st|2nd|3rd|4th|ersten|zweiten|dritten|vierten|letzten|primer|segundo"
            r"|tercer|cuarto|[uú]ltimo|premier|deuxi[eè]me|troisi[eè]me|quatri[eè]me|dernier|primeira|[uú]ltima")
_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (value, re.compile(pattern, re.IGNORECASE)) for value, pattern in (
        ("fortnightly", r"\b(fortnightly|bi-?weekly|every (other|second|two) weeks?|twice a month"
                        r"|alle (zwei|2) wochen|14-?t[aä]gig|vierzehnt[aä]gig|cada (dos|2) semanas|quinzenal(mente)?"
                        r"|toutes les (deux|2) semaines"
                        rf"|every (other|second) ({_WEEKDAY})s?(?! of (the|each|every) month))\b"),
        ("monthly", rf"\b(\d\.\s?({_WEEKDAY})\b[^.]{{0,40}}\bdes monats|monthly|every month|each month|once a month"
                    rf"|every ({_ORDINAL}) ({_WEEKDAY})|monatlich|jeden monat|einmal im monat"
                    rf"|jeden ({_ORDINAL}) ({_WEEKDAY})|mensual(es|mente)?|cada mes|una vez al mes|mensuel(le)?s?"
                    r"|chaque mois|tous les mois|une fois par mois|mensalmente|mensa(l|is)|todo m[eê]s"
                    r"|uma vez por m[eê]s)\b"),
        ("weekly", rf"\b(weekly|every week|each week|once a week|every ({_WEEKDAY})s?|w[oö]chentlich|jede woche"
                   rf"|jeden ({_WEEKDAY})|(montag|dienstag|mittwoch|donnerstag|freitag|samstag|sonntag)s"
                   r"|semanal(es|mente)?|cada semana|todas las semanas|hebdomadaires?|chaque semaine"
                   r"|toutes les semaines|toda semana|todas as semanas)\b"),
        ("quarterly", r"\b(quarterly|every (three|3) months|once a quarter|viertelj[aä]hrlich"
                      r"|trimestral(es|mente)?|trimestriel(le)?s?)\b"),
        ("yearly", r"\b(annual|annually|yearly|every year|once a year|j[aä]hrlich(e|en)?|jahrestreffen"
                   r"|anual(es|mente)?|annuel(le)?s?|chaque ann[eé]e)\b"),
        ("one-off", r"\b(one-off|one-time event|single event|einmalige? veranstaltung|evento [uú]nico)\b"),
    ))
# What makes a cadence word about gatherings (within a few words of it).
_GATHERING = re.compile(
    r"\b(meet(s|ing|ings|up|ups)?|events?|calls?|sessions?|office hours|hangouts?|talks?|workshops?|conferences?"
    r"|gatherings?|summits?|webinars?|lightning talks|coffee|drinks|hack ?nights?|study groups?|book clubs?"
    r"|unconference|trainings?|trainingszeiten|[uü]bungsstunden?|proben?|treffen|treff|stammtisch"
    r"|veranstaltung(en)?|zusammenkunft|reuni[oó]n(es)?|encuentros?|eventos?"
    r"|quedadas?|charlas?|r[eé]unions?|rencontres?|[eé]v[eé]nements?|ap[eé]ros?|encontros?|reuni[aã]o|reuni[oõ]es)\b",
    re.IGNORECASE)
_NOT_EVENTS = re.compile(r"^[ :-]*(fees?|dues|subscriptions?|plans?|billing|newsletters?|reports?|beitr[aä]ge?|cuotas?"
                         r"|cotisations?|payments?|donations?|membership|pricing)\b", re.IGNORECASE)
_CONTEXT = 45  # characters either side where the gathering must be named
_CALENDAR = re.compile(r"(\.ics($|\?)|^webcal:|calendar\.google\.com/calendar/(ical|embed|u/\d/r\?cid|r\?cid)"
                       r"|/calendar/?$|/kalender/?$|/ical/?)", re.IGNORECASE)
# schema.org Schedule.repeatFrequency (ISO 8601 durations, or words)
_REPEAT = {"P1W": "weekly", "P7D": "weekly", "P2W": "fortnightly", "P14D": "fortnightly", "P1M": "monthly",
           "P3M": "quarterly", "P1Y": "yearly", "WEEKLY": "weekly", "MONTHLY": "monthly", "YEARLY": "yearly",
           "DAILY": "weekly"}


def page_cadence(text: str, ld_nodes: list[dict], events: tuple[Event, ...], anchors: list[Anchor],
                 url: str) -> list[Finding]:
    """Cadence statements in the page's own text, event schedules in its JSON-LD, and calendar links."""
    found = [*_said(text, url), *_scheduled(ld_nodes, url)]
    calendar = next((anchor for anchor in anchors if _CALENDAR.search(anchor.url)), None)
    if calendar and not found:
        # A calendar to subscribe to says there are events, not how often: "irregular" until dates tell more.
        found.append(Finding(QUALITY, "irregular", f'calendar link "{label(calendar.text) or calendar.url}"', url,
                             calendar.url))
    return found


def _said(text: str, url: str) -> list[Finding]:
    found: list[Finding] = []
    for value, pattern in _PATTERNS:
        for match in pattern.finditer(text):
            before, after = text[max(0, match.start() - _CONTEXT):match.start()], text[match.end():match.end()
                                                                                       + _CONTEXT]
            weekday = re.search(_WEEKDAY, match.group(0), re.IGNORECASE)
            if _NOT_EVENTS.search(after) or not (weekday or _GATHERING.search(before) or _GATHERING.search(after)):
                continue
            found.append(Finding(QUALITY, value, f"text {quote(text, match)}", url))
            break  # one quote per value is evidence enough
    return found


def _scheduled(ld_nodes: list[dict], url: str) -> list[Finding]:
    found = []
    for node in ld_nodes:
        if "Schedule" not in ld_types(node):
            continue
        frequency = ld_text(node.get("repeatFrequency")).upper()
        if value := _REPEAT.get(frequency):
            found.append(Finding(QUALITY, value, f"JSON-LD eventSchedule repeatFrequency {frequency}", url))
    return found
