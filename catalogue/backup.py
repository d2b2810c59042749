"""Back up copdir's databases with SQLite's online backup API: a consistent copy while stages and the site
keep reading and writing (a plain `cp` of a WAL database can catch it between a write and its checkpoint)."""
from __future__ import annotations

import os
import sqlite3
from dataclasses import dataclass
from pathlib import Path

PAGES_PER_STEP = 1024  # copied between lock releases, so writers are never held up for long


class BackupError(Exception):
    """A copy could not be made or did not pass its integrity check; the message says which and why."""


@dataclass(frozen=True)
class Copied:
    name: str
    source: Path
    target: Path
    size: int


def backup_one(source: Path, target: Path) -> int:
    """Copy source to target (via a temporary file, renamed into place once checked); return its size."""
    partial = target.with_name(target.name + ".partial")
    partial.unlink(missing_ok=True)
    reader = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    writer = sqlite3.connect(partial)
    try:
        reader.backup(writer, pages=PAGES_PER_STEP)
        verdict = writer.execute("pragma quick_check").fetchone()[0]
        writer.execute("pragma journal_mode = delete")  # the copy is one self-contained file
    except sqlite3.Error as exc:
        writer.close()
        partial.unlink(missing_ok=True)
        raise BackupError(f"could not copy {source}: {exc}") from exc
    finally:
        reader.close()
    writer.close()
    if verdict != "ok":
        partial.unlink(missing_ok=True)
        raise BackupError(f"the copy of {source} failed its integrity check ({verdict}); the original may be damaged")
    os.replace(partial, target)
    return target.stat().st_size


def backup_all(sources: dict[str, Path], destination: Path) -> tuple[list[Copied], list[str]]:
    """Back up each existing database into destination as NAME.db; return what was copied and what was missing."""
    destination.mkdir(parents=True, exist_ok=True)
    copied, missing = [], []
    for name, source in sources.items():
        if not source.exists():
            missing.append(f"{name} ({source})")
            continue
        target = destination / f"{name}.db"
        copied.append(Copied(name, source, target, backup_one(source, target)))
    return copied, missing
