"""How the private store's modules write it (submissions, claims, recheck requests and problem reports, moderation,
retention): times as UTC to the second, and every write that depends on what the store holds in one transaction
that takes the write lock at once.

`begin immediate` takes the lock before the first read, so a sender's count and the insert it allows cannot race
another sender's: two requests at the limit cannot both pass it.
"""
from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timezone


def stamp(moment: datetime) -> str:
    """A time as the private store keeps it: "2026-11-20T06:00:00+00:00"."""
    return moment.astimezone(timezone.utc).isoformat(timespec="seconds")


@contextmanager
def write_transaction(conn: sqlite3.Connection) -> Iterator[None]:
    """One immediate transaction: committed when the block ends (also by a return, e.g. a refusal that wrote
    nothing), rolled back when it raises."""
    conn.execute("begin immediate")
    try:
        yield
    except BaseException:
        conn.execute("rollback")
        raise
    conn.execute("commit")
