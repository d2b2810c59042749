"""JSON list columns of the working database (a link's topics and domains, a list's tags), read forgivingly.

A column that is empty, not JSON, or JSON but not a list reads as an empty list: one bad value must not stop a
build or a classify run over a million links.
"""
from __future__ import annotations

import json


def stored_list(text: str | None) -> list:
    """The list a JSON column holds; [] for None, "", bad JSON or anything that is not a list."""
    try:
        value = json.loads(text or "[]")
    except ValueError:
        return []
    return value if isinstance(value, list) else []
