"""Serve the published catalogue with Datasette, with the settings a large catalogue needs."""
from __future__ import annotations

import sys
from pathlib import Path

TEMPLATES = Path(__file__).parent / "templates"
# Measured at 1M communities (bench/fixture/working_db.py, 2 loaded cores): Datasette's counts, facets and facet
# suggestions cost many times the search itself (PERFORMANCE.md). So: no suggestions; each facet bounded, so a
# slow one is left off the page instead of holding it up (an indexed facet takes ~80 ms unfiltered, ~250 ms
# under one filter, ~1 s under a term in nearly every row); and a query limit above the slowest page query
# (~1 s: a term in nearly every row, sorted by activity_rank), so searching never ends in a time-limit error
# page, while arbitrary SQL stays capped. The guards (catalogue/guards.py) check the staged catalogue with these.
# The site's own search (/search, catalogue/search.py) needs none of the table view's allowances: its SQL takes
# ≤ 10 ms for selective terms and ~50–90 ms for a term in nearly every row, its count and facets within
# facet_time_limit_ms. num_sql_threads stays at Datasette's 3: 0 (SQL on the event loop) served ~8 % more
# searches/s on one core, but lets one slow query stall every other request.
SETTINGS: dict[str, bool | int] = {
    "suggest_facets": False,
    "facet_time_limit_ms": 500,
    "facet_suggest_time_limit_ms": 50,
    "sql_time_limit_ms": 2000,
    "default_page_size": 50,
    "max_returned_rows": 1000,
    "allow_download": False,  # a database of gigabytes is for the export, not one GET
}


def _setting(value: bool | int) -> str:
    return ("on" if value else "off") if isinstance(value, bool) else str(value)


def datasette_command(catalogue: Path, metadata: Path, host: str, port: int) -> list[str]:
    command = [sys.executable, "-m", "datasette", "serve", str(catalogue), "--metadata", str(metadata),
               "--template-dir", str(TEMPLATES), "--host", host, "--port", str(port)]
    for name, value in SETTINGS.items():
        command += ["--setting", name, _setting(value)]
    return command
