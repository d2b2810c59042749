"""A running site picks up a newly published catalogue without a restart and without failing a request.

`copdir build` publishes by renaming a new file over data/catalogue.db (catalogue/build.py). Datasette keeps
one read connection per SQL thread, opened once, so it would go on answering from the old file (still there
for it: an open handle outlives the rename). This Database looks at the path's inode at most once a second
(a stat, before a query); when it changed, each SQL thread opens the new file on its next query and closes its
old handle. A query already running finishes on the old file, and nothing is ever served half-swapped: the
rename is atomic and a connection sees one file or the other.

`per_file` keeps what a page reads once from the file (the site's search: its columns, its practice vocabulary)
until a new file is read: values from the old file are never used for the new one.
"""
from __future__ import annotations

import asyncio
import itertools
import logging
import os
import threading
import time
from collections.abc import Awaitable, Callable
from typing import TypeVar

from datasette.database import Database

log = logging.getLogger(__name__)

RECHECK_ENV = "COPDIR_CATALOGUE_RECHECK_S"
RECHECK_S = 1.0  # how often the server looks for a newly published file, unless RECHECK_ENV says otherwise
_held = threading.local()  # per SQL thread: {database key: (generation, connection)}
_keys = itertools.count()  # never reused, unlike id(): a thread may outlive a Database
T = TypeVar("T")


def _identity(path: str) -> tuple[int, int] | None:
    try:
        found = os.stat(path)
    except FileNotFoundError:  # never during os.replace; the file removed by hand: keep what we have
        return None
    return found.st_dev, found.st_ino


class CatalogueDatabase(Database):
    """Datasette's Database for the published catalogue, reopened when a new file is published."""

    clock = staticmethod(time.monotonic)

    def __init__(self, ds, path: str, is_mutable: bool = True):
        super().__init__(ds, path=path, is_mutable=is_mutable)
        self._identity = _identity(path)
        self._recheck_s = float(os.environ.get(RECHECK_ENV) or RECHECK_S)
        self._generation = 0
        self._looked_at = self.clock()
        self._lock = threading.Lock()
        self._key = next(_keys)
        self._per_file: dict[str, tuple[int, object]] = {}

    def notice_new_file(self) -> None:
        now = self.clock()
        if now - self._looked_at < self._recheck_s:
            return
        self._looked_at = now
        identity = _identity(self.path)
        if identity is not None and identity != self._identity:
            self._identity = identity
            self._generation += 1
            log.info("%s: a new catalogue was published; reading it from now on", self.path)

    async def per_file(self, name: str, load: Callable[[Database], Awaitable[T]]) -> T:
        """`await load(self)`, read once per published file: after a new file is noticed it is read again.

        A value is stored under the file generation seen before it was read; if a new file was noticed while it
        was read, the next call sees a newer generation and reads it again, so a mixed value lasts one request."""
        self.notice_new_file()
        generation = self._generation
        found = self._per_file.get(name)
        if found is not None and found[0] == generation:
            return found[1]  # type: ignore[return-value]
        value = await load(self)
        self._per_file[name] = (generation, value)
        return value

    def _connection(self, generation: int):
        """This thread's connection to the current file, replacing (and closing) one to an older file."""
        held = getattr(_held, "connections", None)
        if held is None:
            held = _held.connections = {}
        current = held.get(self._key)
        if current and current[0] == generation:
            return current[1]
        if current:
            current[1].close()
            with self._lock:
                self._all_file_connections.remove(current[1])
        conn = self.connect()
        self.ds._prepare_connection(conn, self.name)
        held[self._key] = (generation, conn)
        return conn

    async def execute_fn(self, fn):
        self.notice_new_file()
        generation = self._generation
        if self.ds.executor is None:  # Datasette's non-threaded mode: one connection, on the event loop
            return fn(self._connection(generation))
        return await asyncio.get_running_loop().run_in_executor(
            self.ds.executor, lambda: fn(self._connection(generation)))


def install(datasette, name: str) -> None:
    """Serve database `name` through a CatalogueDatabase (called at start-up, before any request)."""
    existing = datasette.databases.get(name)
    if existing is None or not existing.path or isinstance(existing, CatalogueDatabase) or existing.is_memory:
        return
    datasette.remove_database(name)
    datasette.add_database(CatalogueDatabase(datasette, existing.path, existing.is_mutable), name=name)
