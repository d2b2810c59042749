"""One way to run the checker's event loop: uvloop where it is installed, asyncio's own otherwise.

A link check is mostly event-loop work (sockets, timers, task switches); uvloop does that work in C.
"""
from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from typing import Any, TypeVar

T = TypeVar("T")


def run(main: Coroutine[Any, Any, T]) -> T:
    try:
        import uvloop
    except ImportError:  # not on every platform (Windows); asyncio's loop is correct, only slower
        return asyncio.run(main)
    return uvloop.run(main)
