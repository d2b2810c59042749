"""Moderation: maintainers log in and approve, reject or merge submissions (issue 7)."""
from __future__ import annotations

ROUTES: list[tuple[str, object]] = []
