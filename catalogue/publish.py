"""Serve the published catalogue with Datasette, with the settings a large catalogue needs."""
from __future__ import annotations

import sys
from pathlib import Path

TEMPLATES = Path(__file__).parent / "templates"
# Facet counting and suggestions dominate Datasette's time on big tables (PERFORMANCE.md).
SETTINGS = {"suggest_facets": "off", "facet_time_limit_ms": "300", "sql_time_limit_ms": "1000",
            "default_page_size": "50"}


def datasette_command(catalogue: Path, metadata: Path, host: str, port: int) -> list[str]:
    command = [sys.executable, "-m", "datasette", "serve", str(catalogue), "--metadata", str(metadata),
               "--template-dir", str(TEMPLATES), "--host", host, "--port", str(port)]
    for name, value in SETTINGS.items():
        command += ["--setting", name, value]
    return command
