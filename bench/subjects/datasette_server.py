"""Starting the project's Datasette for the site-search subject, and reading what it used (a child's helpers)."""

from __future__ import annotations

import os
import socket
import subprocess
import time
import urllib.request
from pathlib import Path


def server_command(catalogue: Path, metadata: Path, port: int, settings: str, extra: tuple = ()) -> list[str]:
    """The project's Datasette command; settings "defaults": without its --setting pairs; then `extra` pairs."""
    from catalogue.publish import datasette_command
    command = datasette_command(catalogue, metadata, "127.0.0.1", port)
    if settings == "defaults":
        kept, skip = [], 0
        for part in command:
            if skip:
                skip -= 1
            elif part == "--setting":
                skip = 2
            else:
                kept.append(part)
        command = kept
    for name, value in extra:
        command += ["--setting", name, value]
    return command


def settings_of(command: list[str]) -> str:
    pairs = {command[i + 1]: command[i + 2] for i, part in enumerate(command) if part == "--setting"}
    return ", ".join(f"{name} {value}" for name, value in pairs.items()) or "Datasette's defaults"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_until_up(base: str, server: subprocess.Popen, limit_s: float = 120) -> None:
    deadline = time.monotonic() + limit_s
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"datasette exited with {server.returncode} before answering")
        try:
            with urllib.request.urlopen(base + "/-/versions.json", timeout=5) as answer:
                if answer.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"datasette did not answer within {limit_s:.0f} s")


def peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return round(int(line.split()[1]) / 1024, 1)
    return 0.0


def client_cpu(server_cpus: set[int]) -> set[int]:
    """A CPU the server is not on (the runner pinned this child, and so the server, to the subject CPU)."""
    others = set(range(os.cpu_count() or 1)) - server_cpus
    return {min(others)} if others else server_cpus


def metadata_facets(metadata: Path) -> int:
    """How many facets the communities table's page computes for every search."""
    import yaml
    tables = (yaml.safe_load(metadata.read_text()) or {}).get("databases", {}).get("catalogue", {}).get("tables", {})
    return len(tables.get("communities", {}).get("facets", []))
