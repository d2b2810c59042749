"""The run-health page for maintainers (issue 8), /moderate/runs, behind the moderator's login.

It reads the working database's `runs` table, opened read-only from the path in COPDIR_WORKING_DB: the working
database is never mounted in Datasette (that would publish it). The catalogue's own `build` row says when the
catalogue was built, to tell whether it is stale.
"""
from __future__ import annotations

import asyncio
import os
import sqlite3
from datetime import datetime, timezone
from pathlib import Path

from datasette.utils.asgi import Response

from catalogue import runs
from catalogue.moderation_page import CATALOGUE, _refused
from crawler.models import parse_utc

WORKING_DB_ENV = "COPDIR_WORKING_DB"


def _read_health(path: Path, now: datetime, built_at: datetime | None) -> dict:
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return runs.health(conn, now, built_at)
    finally:
        conn.close()


async def _built_at(datasette) -> datetime | None:
    if CATALOGUE not in datasette.databases:
        return None
    db = datasette.get_database(CATALOGUE)
    if "build" not in await db.table_names():
        return None
    found = (await db.execute("select built_at from build order by rowid desc limit 1")).rows
    return parse_utc(str(found[0]["built_at"])) if found and found[0]["built_at"] else None


async def run_health(datasette, request) -> Response:
    if refused := await _refused(datasette, request):
        return refused
    setting = os.environ.get(WORKING_DB_ENV, "")
    view: dict = {"working_db_env": WORKING_DB_ENV}
    if not setting or not Path(setting).exists():
        view["off"] = (f"Run health needs the working database: set {WORKING_DB_ENV} to its path (for example "
                       f"/srv/copdir/data/copdir.db) in the site's environment and restart it. It is opened "
                       "read-only and never published.")
        status = 503
    else:
        try:
            view.update(await asyncio.to_thread(_read_health, Path(setting), datetime.now(timezone.utc),
                                                await _built_at(datasette)))
            status = 200
        except sqlite3.Error as exc:
            view["off"] = f"The working database could not be read: {exc}"
            status = 503
    html = await datasette.render_template("run_health.html", {"health": view}, request=request,
                                           view_name="moderate")
    return Response.html(html, status=status)


ROUTES: list[tuple[str, object]] = [(r"^/moderate/runs$", run_health)]
