"""A verified owner's word: on hiatus until a date, moved to a URL, or closed.

Only verified overrides apply (verification comes with the submission form). "Closed" and "moved"
replace what the checks say, because the owner knows; a hiatus keeps both axes as measured but says
that quiet is by choice, and it lapses on its own date.
"""
from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from crawler.models import OverrideKind, OwnerOverride, Reachability
from crawler.status.evidence import day


def in_force(overrides: Sequence[OwnerOverride], now: datetime) -> OwnerOverride | None:
    """The newest verified override that still applies at now."""
    for override in sorted(overrides, key=lambda o: o.set_at, reverse=True):
        if override.verified_at is None or override.set_at > now:
            continue
        if override.kind is OverrideKind.HIATUS and (override.until is None or override.until <= now):
            continue  # a hiatus without an end, or past it, says nothing more
        return override
    return None


def _said(override: OwnerOverride) -> str:
    note = f": “{override.note}”" if override.note else ""
    return f"its verified owner said so on {day(override.set_at)}{note}"


def owner_words(override: OwnerOverride) -> str:
    """What the community page shows: "on hiatus until 2027-03-01", "moved to …", "closed"."""
    if override.kind is OverrideKind.HIATUS:
        return f"on hiatus until {day(override.until)}"
    if override.kind is OverrideKind.MOVED:
        return f"moved to {override.url}"
    return "closed"


def reachability_override(override: OwnerOverride) -> tuple[Reachability, str, str | None] | None:
    """(reachability, reason, successor) that replaces the measured one, or None for a hiatus."""
    if override.kind is OverrideKind.CLOSED:
        return Reachability.DEAD, f"dead: closed — {_said(override)}", None
    if override.kind is OverrideKind.MOVED:
        return Reachability.MOVED, f"moved to {override.url} — {_said(override)}", override.url
    return None


def hiatus_words(override: OwnerOverride) -> str:
    return f"on hiatus until {day(override.until)} — {_said(override)}"
