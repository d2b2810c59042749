"""What membership costs: free, freemium (a free tier and a paid one) or paid, with the price as stated.

From the site's own words ("membership is free", "$49/year", "Mitgliedsbeitrag: 30 € pro Jahr", "no
membership fee"), JSON-LD offers (a price of 0 is free), and links to membership paywalls (Memberful,
Skool, LaunchPass; Patreon, Circle or Mighty Networks when the link is about membership, not a donation).
"""
from __future__ import annotations

import re

from crawler.extract.dom import host_of, ld_text, ld_types
from crawler.extract.page_join import _FEE
from crawler.extract.page_links import Anchor
from crawler.extract.qualities._text import label, quote
from crawler.models import Finding

QUALITY = "cost"
_PERIOD = (r"(?:\s*(?:/|per|pro|a|an|im|por|par|al|ao|each|every)\s*"
           r"(?:month|mo|year|yr|annum|monat|jahr|mes|año|mois|an|mês|ano)\b)")
PRICE = re.compile(rf"(?:(?:R\$|US\$|A\$|C\$|[$€£])\s?\d+(?:[.,]\d{{1,2}})?"
                   rf"|\d+(?:[.,]\d{{1,2}})?\s?(?:€|eur|euros?|usd|\$|£|gbp|chf)(?!\w)){_PERIOD}?", re.IGNORECASE)
_PRICE_PER_PERIOD = re.compile(rf"{PRICE.pattern[:-1]}", re.IGNORECASE)  # the period is required
_NEGATED = re.compile(r"(?:\bno|\bkein(?:e|en)?|\bwithout|\bohne|\bfree|\bsin|\bsans|\bsem|\bgratis|\bkostenlos)\s+"
                      r"(?:\w+\s+)?$", re.IGNORECASE)
_FEE_WORDS = re.compile(rf"(?<!\w)(?:{_FEE})", re.IGNORECASE)
_FREE = re.compile(
    r"\b(free to join|free membership|membership is free|always free|(?:join|joining|registration|membership|"
    r"participation) is (?:completely |totally |always )?free|free of charge|free for (?:everyone|all|members)"
    r"|free and open to (?:all|everyone)|no (?:membership |joining |annual )?fees?|no cost|at no cost"
    r"|kostenlose? (?:mitgliedschaft|teilnahme|registrierung|anmeldung)"
    r"|(?:mitgliedschaft|teilnahme|anmeldung) ist kostenlos"
    r"|kein(?:e|en)? (?:mitglieds)?beitr[aä]ge?|membres[ií]a (?:es )?gratuita|es gratis|gratuita|gratuito"
    r"|sin costo|adh[ée]sion (?:est )?gratuite|gratuite?|sem custo|participa[cç][aã]o (?:[ée] )?gratuita)\b",
    re.IGNORECASE)
_FREEMIUM = re.compile(
    r"\b(freemium|free tier|free plan|free and (?:paid|premium)|premium (?:membership|tier|plan|members)"
    r"|pro membership|supporter membership|supporting members?|upgrade to (?:premium|pro)|paid tiers?"
    r"|f[öo]rdermitglied(?:schaft)?|membres[ií]a premium|adh[ée]sion premium|plano premium)\b", re.IGNORECASE)
# Membership paywalls: always paid; and platforms that are paywalls only when the link is about membership.
_PAYWALLS = ("memberful.com", "skool.com", "launchpass.com", "podia.com", "tiers.substack.com")
_MAYBE_PAYWALLS = ("patreon.com", "circle.so", "mightynetworks.com", "mn.co", "ko-fi.com", "buymeacoffee.com")
_MEMBERSHIP_WORDS = re.compile(r"\b(join|member(ship|s)?|subscribe|premium|access|tier|mitglied|miembro|membre)\b",
                               re.IGNORECASE)


def cost_findings(anchors: list[Anchor], text: str, ld_nodes: list[dict], url: str) -> list[Finding]:
    return [*_said(text, url), *_offers(ld_nodes, url), *_paywalls(anchors, url)]


def price_near(text: str, start: int, end: int, window: int = 60) -> str:
    """The price stated closest to text[start:end] (within window characters), as written."""
    nearby = text[max(0, start - window):end + window]
    prices = list(PRICE.finditer(nearby))
    if not prices:
        return ""
    middle = min(start, window)
    return min(prices, key=lambda match: abs(match.start() - middle)).group(0).strip()


def _said(text: str, url: str) -> list[Finding]:
    found: list[Finding] = []
    if match := _FREEMIUM.search(text):
        found.append(Finding(QUALITY, "freemium", f"text {quote(text, match)}", url,
                             detail=price_near(text, match.start(), match.end())))
    for match in [*_PRICE_PER_PERIOD.finditer(text), *_FEE_WORDS.finditer(text)]:
        if _NEGATED.search(text[max(0, match.start() - 30):match.start()]):
            found.append(Finding(QUALITY, "free", f"text {quote(text, match)}", url))
            break
        found.append(Finding(QUALITY, "paid", f"text {quote(text, match)}", url,
                             detail=price_near(text, match.start(), match.end())))
        break
    if match := _FREE.search(text):
        found.append(Finding(QUALITY, "free", f"text {quote(text, match)}", url))
    return found


def _offers(ld_nodes: list[dict], url: str) -> list[Finding]:
    found = []
    for node in ld_nodes:
        if not ({"Offer", "AggregateOffer"} & ld_types(node)):
            continue
        price = ld_text(node.get("price")) or ld_text(node.get("lowPrice"))
        currency = ld_text(node.get("priceCurrency"))
        try:
            amount = float(price.replace(",", "."))
        except ValueError:
            continue
        stated = f"{price} {currency}".strip()
        if amount == 0:
            found.append(Finding(QUALITY, "free", f"JSON-LD offer, price {stated}", url))
        else:
            found.append(Finding(QUALITY, "paid", f"JSON-LD offer, price {stated}", url, detail=stated))
    return found


def _paywalls(anchors: list[Anchor], url: str) -> list[Finding]:
    """A link out to a paywall; a page on the paywall's own host (launchpass.com/x) says its price in its text."""
    for anchor in anchors:
        host = host_of(anchor.url)
        if host == host_of(url):
            continue
        words = label(anchor.text)
        paywall = any(host == domain or host.endswith("." + domain) for domain in _PAYWALLS)
        maybe = any(host == domain or host.endswith("." + domain) for domain in _MAYBE_PAYWALLS)
        if paywall or (maybe and _MEMBERSHIP_WORDS.search(words)):
            return [Finding(QUALITY, "paid", f'membership paywall link "{words or host}"', url, anchor.url)]
    return []
