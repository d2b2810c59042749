"""Small helpers the quality extractors share: quoting what was seen, bounded."""
from __future__ import annotations

import re

MAX_QUOTE = 80  # characters of a phrase quoted as evidence
MAX_LINK_WORDS = 8  # a link's text longer than this is a sentence, not a label


def quote(text: str, match: re.Match[str], around: int = 25) -> str:
    """The matched phrase with a little context, as evidence: '"… every second Tuesday at …"'."""
    start, end = max(0, match.start() - around), min(len(text), match.end() + around)
    snippet = text[start:end].strip()
    if start > 0:
        snippet = "…" + snippet.split(" ", 1)[-1] if " " in snippet else "…" + snippet
    if end < len(text):
        snippet = snippet.rsplit(" ", 1)[0] + "…" if " " in snippet else snippet + "…"
    return f'"{snippet[:MAX_QUOTE]}"'


def label(text: str) -> str:
    """A link's text when it is short enough to be a label, else ""."""
    return text if len(text.split()) <= MAX_LINK_WORDS else ""
