"""A community's language when neither its page nor its platform declares one.

Chat servers have no page to read (Discord's invite page is a script), but the lists that name
them often say "Language: English", and a list of Spanish-speaking groups says so in its tags.
Detection from a short description is a coin toss, so the list's word comes first.
"""
from __future__ import annotations

import re
from collections.abc import Iterable

# Names lists use for a language, in English and in the language itself, → ISO 639-1.
LANGUAGE_NAMES = {
    "english": "en", "spanish": "es", "español": "es", "espanol": "es", "german": "de", "deutsch": "de",
    "french": "fr", "français": "fr", "francais": "fr", "portuguese": "pt", "português": "pt",
    "italian": "it", "italiano": "it", "dutch": "nl", "nederlands": "nl", "russian": "ru", "polish": "pl",
    "turkish": "tr", "japanese": "ja", "chinese": "zh", "korean": "ko", "arabic": "ar", "hindi": "hi",
    "indonesian": "id", "vietnamese": "vi", "swedish": "sv", "norwegian": "no", "danish": "da",
    "finnish": "fi", "czech": "cs", "ukrainian": "uk", "greek": "el", "hebrew": "he", "persian": "fa",
}
_DECLARED = re.compile(r"\blanguages?\s*:\s*([A-Za-zÀ-ÿ]+)", re.I)


def language_named_in(text: str) -> str:
    """"… – Language: English" → "en"; the first language named, or ""."""
    match = _DECLARED.search(text)
    return LANGUAGE_NAMES.get(match[1].lower(), "") if match else ""


def language_of_tags(tags: Iterable[str]) -> str:
    """A source tagged "spanish" lists Spanish-speaking communities."""
    found = {LANGUAGE_NAMES[tag.lower()] for tag in tags if tag.lower() in LANGUAGE_NAMES}
    return found.pop() if len(found) == 1 else ""


def language_from_listings(descriptions: Iterable[str], source_tags: Iterable[Iterable[str]]) -> str:
    """What the lists say of a community's language: an explicit "Language:" first, then a source's tags."""
    for description in descriptions:
        if language := language_named_in(description or ""):
            return language
    for tags in source_tags:
        if language := language_of_tags(tags):
            return language
    return ""
