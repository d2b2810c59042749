"""The working database, readable from the catalogue's own connection as the schema `working`.

The build copies with INSERT … SELECT from `working.<table>` into the catalogue: SQLite moves the rows itself,
with no Python object per row (at 1M links that is the difference between seconds and minutes).
"""
from __future__ import annotations

import sqlite_utils

WORKING = "working"
MMAP_BYTES = 1 << 34  # address space, not memory: the OS pages the file in and out as it likes


def attach_working(out: sqlite_utils.Database, working: sqlite_utils.Database) -> None:
    """Attach working's file to out's connection as `working` (once; SQLite refuses inside a transaction)."""
    if any(row[1] == WORKING for row in out.execute("pragma database_list")):
        return
    path = next(row[2] for row in working.execute("pragma database_list") if row[1] == "main")
    if not path:
        raise ValueError("the working database is in memory; the catalogue is built from a working database file")
    out.execute(f"attach database ? as {WORKING}", [path])
    # Read through memory-mapped pages: the build reads the whole working DB, much of it in key order, and
    # SQLite's own page cache for an attached file is 2 MB.
    out.execute(f"pragma {WORKING}.mmap_size = {MMAP_BYTES}")
