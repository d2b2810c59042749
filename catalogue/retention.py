"""How long the private store keeps what identifies a sender (issue 7).

Rate limits need a sender's keyed address hash (`client_key`) for a day at most, and failed logins for fifteen
minutes; after RETENTION neither is kept. `forget_senders` blanks the key on older submissions, claims, recheck
requests and problem reports (the rows themselves stay: moderators and owners need them) and deletes older
failed-login records, so the store neither grows for ever nor keeps addresses longer than needed.
`copdir submissions process` runs it.
"""
from __future__ import annotations

import sqlite3
from datetime import datetime, timedelta

from catalogue.store_writes import stamp, write_transaction

RETENTION = timedelta(days=30)
# table → its time column; a table not made yet (no claim so far) is skipped
KEYED = {"submissions": "submitted_at", "claims": "created_at", "recheck_requests": "requested_at",
         "problem_reports": "reported_at"}


def forget_senders(conn: sqlite3.Connection, now: datetime, keep: timedelta = RETENTION) -> dict[str, int]:
    """Blank sender keys and delete failed logins older than `keep`; how many rows of each table changed."""
    cutoff = stamp(now - keep)
    tables = {row[0] for row in conn.execute("select name from sqlite_master where type = 'table'")}
    counts: dict[str, int] = {}
    with write_transaction(conn):
        for table, column in KEYED.items():
            if table in tables:  # names from KEYED, never from input
                counts[table] = conn.execute(f"update {table} set client_key = '' where {column} < ?"
                                             " and client_key != ''", (cutoff,)).rowcount
        if "login_failures" in tables:
            counts["login_failures"] = conn.execute("delete from login_failures where failed_at < ?",
                                                    (cutoff,)).rowcount
    return counts


def retention_days() -> int:
    return RETENTION // timedelta(days=1)

