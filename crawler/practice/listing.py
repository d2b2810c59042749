"""The text copdir knows about one listing, as the domain mapper and the kind classifier read it."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ListingText:
    """One address (a link) with what the lists and its own page say of it. Every field may be empty."""

    name: str = ""
    description: str = ""
    platform: str = "website"
    url: str = ""
    sections: tuple[tuple[str, str], ...] = ()  # (section, the list's name), one per listing
    source_tags: tuple[tuple[str, str], ...] = ()  # (tag, the list's name)
    topics: tuple[str, ...] = ()
    page_title: str = ""
    page_description: str = ""
    page_place: str = ""  # where its page or platform says it is ("US-AL", "Birmingham, Alabama, US")
