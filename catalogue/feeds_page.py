"""Atom feeds and SVG badges (issue 7)."""
from __future__ import annotations

ROUTES: list[tuple[str, object]] = []
