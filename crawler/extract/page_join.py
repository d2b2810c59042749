"""How a prospective member gets in: the join link and whether joining is open, by application,
by invitation only, or paid. From link texts and what the site itself says (not what its users post).
"""
from __future__ import annotations

import re

from crawler.extract.dom import host_of
from crawler.extract.page_links import Anchor
from crawler.models import JoinType

MAX_JOIN_TEXT_WORDS = 8  # "Join" is a button, not a paragraph that mentions joining

# Strongest first: a fee matters more to a newcomer than how to sign up.
PRECEDENCE = (JoinType.PAID, JoinType.APPLICATION, JoinType.INVITE_ONLY, JoinType.OPEN)

_OPEN_TEXT = re.compile(
    r"\b(join|sign ?up|register|create (an |your )?account|get (an |your )?invite|registrieren|registrierung"
    r"|\w*mitglied werden|beitreten|[uú]nete|unirse|registrarse|reg[ií]strate|rejoindre|rejoignez"
    r"|s'inscrire|inscrivez|inscription|inscreva|cadastre|junte-se|participe)\b", re.IGNORECASE)
_APPLICATION_TEXT = re.compile(
    r"\b(apply|application form|membership application|request (to join|an? invit(e|ation)|invite|access|membership)"
    r"|request invite|mitgliedsantrag|aufnahmeantrag|antrag|solicitar|solicitud|candidature|postuler"
    r"|demande d'adh[eé]sion|candidatar|candidatura)\b", re.IGNORECASE)
_JOIN_PATH = re.compile(r"/(join|signup|sign-up|register|registration|registrieren|mitglied-werden)(/|$|\.)"
                        r"|ucp\.php\?mode=register|member\.php\?action=register|register\.php", re.IGNORECASE)
# Links that are themselves a way in: chat invites, and invite apps (slackin on Heroku, LaunchPass …)
_INVITE_URL = re.compile(
    r"^https?://((www\.)?discord(app)?\.com/invite/|discord\.gg/|join\.slack\.com/|t\.me/(\+|joinchat/)"
    r"|matrix\.to/#/|chat\.whatsapp\.com/)|^https?://[^/]*slack[^/]*\.herokuapp\.com|launchpass\.com/",
    re.IGNORECASE)
_FORM_HOSTS = ("docs.google.com", "forms.gle", "typeform.com", "tally.so", "jotform.com", "airtable.com",
               "forms.office.com")

# What the site says in its own words.
_PRICE = (r"(?:[$€£]\s?\d+(?:[.,]\d{1,2})?|\d+(?:[.,]\d{1,2})?\s?(?:€|eur|euro|usd|\$|£|gbp|chf|r\$))"
          r"\s*(?:/|per|pro|a|an|im|por|par|al|ao|each)\s*"
          r"(?:month|mo|year|yr|annum|monat|jahr|mes|año|mois|an|mês|ano)\b")
_FEE = (r"membership fees?|annual fees?|monthly fees?|yearly fees?|subscription fees?|membership dues|annual dues"
        r"|mitgliedsbeitr[aä]ge?|jahresbeitr[aä]ge?|monatsbeitr[aä]ge?|cuota (?:de socio|anual|mensual)|cotisation"
        r"|mensalidade|anuidade|paid membership|bezahlte mitgliedschaft")
_PAID = re.compile(rf"(?<!\w)(?P<no>(?:no|kein(?:e|en)?|without|ohne|free|sin|sans|sem|gratis|kostenlos)\s+"
                   rf"(?:\w+\s+)?)?(?:{_PRICE}|{_FEE})", re.IGNORECASE)
_INVITE_ONLY = re.compile(
    r"\b(invite[- ]only|invitation[- ]only|by invitation|by invite only|nur (auf|mit|per) einladung"
    r"|s[oó]lo (por|con) invitaci[oó]n|sur invitation|(apenas|somente) (por|com) convite"
    r"|registrations? (is |are )?(currently )?closed|closed to new members|not accepting new members"
    r"|registrierung (ist )?(derzeit )?geschlossen)\b", re.IGNORECASE)
_APPLICATION_STATEMENT = re.compile(
    r"\b(request to join|apply to join|application form|membership application|approved by (a |an )?"
    r"(moderator|admin|administrator)|mitgliedsantrag|aufnahmeantrag|solicitud de (ingreso|membres[ií]a))\b",
    re.IGNORECASE)


def join_info(anchors: list[Anchor], own_text: str) -> tuple[str, JoinType]:
    """The join link (absolute, or "") and how joining works; UNKNOWN when the page does not say."""
    links = [(kind, anchor.url) for kind, anchor in _join_links(anchors)]
    said = _statements(own_text)
    for kind in PRECEDENCE:
        if kind in said or any(link_kind is kind for link_kind, _ in links):
            url = next((url for link_kind, url in links if link_kind is kind), links[0][1] if links else "")
            return url, kind
    return "", JoinType.UNKNOWN


def _join_links(anchors: list[Anchor]) -> list[tuple[JoinType, Anchor]]:
    """The site's own http(s) links that are a way in, each with how joining works by it, in page order."""
    found = []
    for anchor in anchors:
        if anchor.user_content or not anchor.url.startswith(("http://", "https://")):
            continue
        if kind := _link_kind(anchor):
            found.append((kind, anchor))
    return found


def _link_kind(anchor: Anchor) -> JoinType | None:
    words = anchor.text if len(anchor.text.split()) <= MAX_JOIN_TEXT_WORDS else ""
    host = host_of(anchor.url)
    is_form = any(host == form or host.endswith("." + form) for form in _FORM_HOSTS)
    if _APPLICATION_TEXT.search(words):
        return JoinType.APPLICATION
    if _INVITE_URL.search(anchor.url):
        return JoinType.OPEN
    if _OPEN_TEXT.search(words) or (not words and _JOIN_PATH.search(anchor.url)):
        return JoinType.APPLICATION if is_form else JoinType.OPEN
    return None


def _statements(text: str) -> set[JoinType]:
    said: set[JoinType] = set()
    if any(not match["no"] for match in _PAID.finditer(text)):
        said.add(JoinType.PAID)
    if _APPLICATION_STATEMENT.search(text):
        said.add(JoinType.APPLICATION)
    if _INVITE_ONLY.search(text):
        said.add(JoinType.INVITE_ONLY)
    return said


def join_evidence(anchors: list[Anchor], own_text: str) -> list[tuple[JoinType, str, str]]:
    """Every sign of how joining works, as (kind, what was seen, link or ""): the links first, then what the
    site says. Used for the membership quality, which shows its evidence."""
    found = [(kind, f'link "{anchor.text or anchor.url}"', anchor.url) for kind, anchor in _join_links(anchors)]
    for kind, pattern in ((JoinType.APPLICATION, _APPLICATION_STATEMENT), (JoinType.INVITE_ONLY, _INVITE_ONLY)):
        if match := pattern.search(own_text):
            found.append((kind, f'text "{match.group(0)}"', ""))
    return found
