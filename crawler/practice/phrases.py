"""Find known words and phrases in text by whole words — fast enough for a million listings.

A regular expression of hundreds of alternatives tries each one at every position (about 3 ms a listing here); this
splits the text into words once and looks each run of up to MAX words up in a dict, longest first, so a phrase wins
over its own words ("computer science" is not also "science"). Words keep their inner punctuation ("node.js",
"c++", "a/b", "e-learning"); a joined word is also looked up part by part ("ai-powered" is "ai"). A plural or
possessive ending is allowed on a phrase's last word ("developers", "women's") unless the index says not.
"""
from __future__ import annotations

import re
from collections.abc import Iterable

_WORD = re.compile(r"[.]?[^\W_][\w+#]*(?:[.'/&-][^\W_][\w+#]*)*\+*")
_JOINS = re.compile(r"[-/]")


def words_of(text: str) -> list[str]:
    return _WORD.findall(text.lower())


def _forms(word: str) -> list[str]:
    forms = [word]
    for ending in ("'s", "es", "s"):
        if word.endswith(ending) and len(word) > len(ending) + 1:
            forms.append(word[:-len(ending)])
    return forms


class PhraseIndex:
    """Phrases (lower case) to the values they stand for, e.g. synonym → domain ids."""

    def __init__(self, phrases: Iterable[tuple[str, str]], plurals: bool = True):
        self.plurals = plurals
        self.values: dict[str, list[str]] = {}
        for phrase, value in phrases:
            key = " ".join(words_of(phrase)) or phrase.lower()
            self.values.setdefault(key, [])
            if value not in self.values[key]:
                self.values[key].append(value)
        self.longest = max((key.count(" ") + 1 for key in self.values), default=1)

    def _lookup(self, run: list[str]) -> str | None:
        head = " ".join(run[:-1])
        for form in _forms(run[-1]) if self.plurals else (run[-1],):
            key = f"{head} {form}" if head else form
            if key in self.values:
                return key
        return None

    def find(self, text: str) -> list[str]:
        """The phrases found in `text`, each once, in order of appearance."""
        words = words_of(text or "")
        found: dict[str, None] = {}
        i = 0
        while i < len(words):
            for n in range(min(self.longest, len(words) - i), 0, -1):
                key = self._lookup(words[i:i + n])
                if key:
                    found[key] = None
                    i += n
                    break
            else:
                if _JOINS.search(words[i]):  # "ai-powered", "ux/ui": their parts on their own
                    for part in _JOINS.split(words[i]):
                        key = self._lookup([part]) if part else None
                        if key:
                            found[key] = None
                i += 1
        return list(found)
