"""Ownership: claiming a listing and, once verified, managing it (issue 7)."""
from __future__ import annotations

ROUTES: list[tuple[str, object]] = []
