"""The submission form (issue 7): routes filled in by its module."""
from __future__ import annotations

ROUTES: list[tuple[str, object]] = []
