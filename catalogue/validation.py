"""What a valid form field is (issue 7): the rules every public form shares, as pure functions.

`validate(form)` turns the submission form's posted fields into a `Submission`, or one message per field that
says what to do. `check_contact`, `check_text` and `is_public_host` are the same rules for the other forms (a
claim's contact, a problem report's description, an owner's new address). Only address *literals* can be refused
here (http://127.0.0.1/); host names are resolved and checked when a submission is processed, through the guarded
network layer (crawler/net.py).
"""
from __future__ import annotations

import ipaddress
import re
import socket
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import parse_qsl, urlsplit

from crawler.urls import canonicalize

MAX_URL = 2_000
MAX_NAME = 200
MAX_DESCRIPTION = 5_000
MAX_TOPICS = 20
MAX_TOPIC = 50
MAX_CONTACT = 254  # the longest address SMTP carries
# Every field at its longest, in 4-byte characters percent-encoded, comes to ~85 KB: a larger request is
# not an honest submission, and is refused before it is read further.
MAX_BODY_BYTES = 128 * 1024

# Where a community meets, as the form offers it; the values are the catalogue's platform names.
PLATFORMS: dict[str, str] = {
    "website": "Its own website", "forum": "A web forum", "discourse": "A Discourse forum",
    "discord": "A Discord server", "slack": "A Slack workspace", "reddit": "A subreddit",
    "lemmy": "A Lemmy community", "mastodon": "Mastodon or another fediverse server", "matrix": "A Matrix room",
    "telegram": "A Telegram group or channel", "meetup": "A Meetup group", "mailing_list": "A mailing list",
    "other": "Somewhere else",
}
# Common ISO 639-1 codes, English first, then by name; "other" for the rest.
LANGUAGES: dict[str, str] = {
    "en": "English", "ar": "Arabic", "bn": "Bengali", "ca": "Catalan", "zh": "Chinese", "cs": "Czech",
    "da": "Danish", "nl": "Dutch", "fi": "Finnish", "fr": "French", "de": "German", "el": "Greek",
    "he": "Hebrew", "hi": "Hindi", "hu": "Hungarian", "id": "Indonesian", "it": "Italian", "ja": "Japanese",
    "ko": "Korean", "ms": "Malay", "no": "Norwegian", "fa": "Persian", "pl": "Polish", "pt": "Portuguese",
    "ro": "Romanian", "ru": "Russian", "es": "Spanish", "sw": "Swahili", "sv": "Swedish", "tl": "Tagalog",
    "ta": "Tamil", "th": "Thai", "tr": "Turkish", "uk": "Ukrainian", "ur": "Urdu", "vi": "Vietnamese",
    "other": "Another language",
}

ENTER_URL = "Enter the community's address, starting with https:// — for example https://discord.gg/python."
# Query parameters that carry a secret, not a community's public address.
SECRET_PARAMS = frozenset({"password", "passwd", "pwd", "secret", "client_secret", "api_key", "apikey",
                           "access_token", "auth_token"})

# C0 and C1 controls, and the bidirectional overrides that make text read differently from what it is.
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")
_LINE_CONTROL = re.compile("[\t\n\r]")
_EMAIL = re.compile(r"^[^\s@<>()\[\],;:\"\\]+@[^\s@<>()\[\],;:\"\\/]+\.[^\s@<>()\[\],;:\"\\/.]{2,}$")
_NUMERIC_HOST = re.compile(r"^(0x[0-9a-f]*|\d+)(\.(0x[0-9a-f]*|\d+)){0,3}$", re.IGNORECASE)



@dataclass(frozen=True)
class Submission:
    url: str
    canonical_url: str
    name: str
    description: str
    topics: tuple[str, ...]
    platform: str
    language: str
    contact: str


def form_fields(body: bytes) -> dict[str, str]:
    """The posted fields of an url-encoded form, the first value of each; raises ValueError past 50 fields."""
    fields: dict[str, str] = {}
    for name, value in parse_qsl(body.decode("utf-8", errors="replace"), keep_blank_values=True,
                                 max_num_fields=50):
        fields.setdefault(name, value)
    return fields


def validate(form: Mapping[str, str]) -> tuple[Submission | None, dict[str, str]]:
    """A submission from the posted fields, or None and a message per field that is wrong."""
    def text(field: str) -> str:
        return str(form.get(field) or "").strip()

    errors: dict[str, str] = {}
    url, name, description, contact = text("url"), text("name"), text("description"), text("contact")
    canonical, errors["url"] = _check_url(url)
    errors["name"] = (check_text(name, "name", MAX_NAME) or _one_line(name, "name")
                      or ("" if name else "Enter the community's name, as its members know it."))
    errors["description"] = check_text(description, "description", MAX_DESCRIPTION)
    topics, errors["topics"] = _check_topics(text("topics"))
    platform, language = text("platform"), text("language")
    if platform not in PLATFORMS:
        errors["platform"] = "Choose where the community meets from the list (or “Somewhere else”)."
    if language not in LANGUAGES:
        errors["language"] = "Choose the community's main language from the list (or “Another language”)."
    errors["contact"] = check_contact(contact)
    errors = {field: message for field, message in errors.items() if message}
    if errors:
        return None, errors
    return Submission(url, canonical, name, description, topics, platform, language, contact), {}


def check_text(value: str, label: str, limit: int) -> str:
    if len(value) > limit:
        return f"Shorten the {label} to {limit:,} characters or fewer (it has {len(value):,})."
    if _CONTROL.search(value):
        return f"Remove the control characters (invisible formatting) from the {label}."
    return ""


def _one_line(value: str, label: str) -> str:
    return f"Put the {label} on one line." if _LINE_CONTROL.search(value) else ""


def _check_url(url: str) -> tuple[str, str]:
    """The canonical URL, and a message when the address cannot be taken."""
    if not url:
        return "", ENTER_URL
    if len(url) > MAX_URL:
        return "", f"Shorten the address to {MAX_URL:,} characters or fewer."
    if _CONTROL.search(url) or re.search(r"\s", url):
        return "", "Remove the spaces and invisible characters from the address."
    try:
        parts = urlsplit(url)
        host = (parts.hostname or "").rstrip(".")
        has_userinfo = parts.username is not None or parts.password is not None
    except ValueError:
        return "", ENTER_URL
    if parts.scheme.lower() not in ("http", "https") or not host:
        return "", ENTER_URL
    if has_userinfo:
        return "", ("Leave out the user name and password (the part before “@”): "
                    "enter the address a visitor would use.")
    secret = next((name for name, _ in parse_qsl(parts.query) if name.lower() in SECRET_PARAMS), None)
    if secret:
        return "", f"Leave out the “{secret}=” part: enter the public address a visitor would use, with no key."
    if not is_public_host(host):
        return "", (f"That address ({host}) is on a private or local network, which copdir cannot list. "
                    "Enter the community's public address.")
    try:
        return canonicalize(url), ""
    except ValueError:
        return "", ENTER_URL


def is_public_host(host: str) -> bool:
    """False for `localhost` and address literals that are not public, in any spelling a resolver accepts
    (127.0.0.1, [::1], 2130706433, 0x7f.1, ::ffff:10.0.0.1); True for every other name."""
    host = host.lower()
    if host == "localhost" or host.endswith(".localhost"):
        return False
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        if not _NUMERIC_HOST.match(host):
            return True
        try:
            address = ipaddress.IPv4Address(socket.inet_aton(host))
        except OSError:
            return True  # not an address at all; resolving it is processing's job
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        address = address.ipv4_mapped
    return address.is_global and not address.is_multicast


def _check_topics(text: str) -> tuple[tuple[str, ...], str]:
    topics: dict[str, str] = {}
    for topic in text.split(","):
        topic = " ".join(topic.split())
        if topic:
            topics.setdefault(topic.casefold(), topic)
    if _CONTROL.search(text):
        return (), "Remove the control characters (invisible formatting) from the topics."
    if len(topics) > MAX_TOPICS:
        return (), f"Enter at most {MAX_TOPICS} topics, separated by commas (there are {len(topics)})."
    if any(len(topic) > MAX_TOPIC for topic in topics.values()):
        return (), f"Shorten each topic to {MAX_TOPIC} characters or fewer; separate topics with commas."
    return tuple(topics.values()), ""


def check_contact(contact: str) -> str:
    """A message when the contact is not an e-mail address a maintainer can write to; "" when it is."""
    if len(contact) > MAX_CONTACT or not _EMAIL.match(contact) or _CONTROL.search(contact):
        return ("Enter an e-mail address where a maintainer can reach you, like name@example.org. "
                "It is never published.")
    return ""
