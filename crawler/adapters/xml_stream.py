"""Reading hostile XML (feeds, sitemaps) as a stream: the standard library's expat, fed in chunks.

A document that declares entities is refused outright (no billion laughs, no external entities); a
reader can refuse a document too (raise Refused); a truncated or broken document keeps whatever the
reader saw before the break. Element text is kept only up to a bound.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Protocol
from xml.parsers import expat

CHUNK_BYTES = 65_536


class Refused(Exception):
    """Stop reading: the document declares entities, or is not what the reader reads."""


class Reader(Protocol):
    def start(self, name: str, attributes: dict[str, str]) -> None: ...
    def end(self, name: str) -> None: ...
    def data(self, chunk: str) -> None: ...


class BoundedText:
    """The text of the element being read, at most `limit` characters of it."""

    def __init__(self, limit: int):
        self.limit = limit
        self._parts: list[str] = []
        self._size = 0

    def add(self, chunk: str) -> None:
        if self._size < self.limit:
            self._parts.append(chunk)
            self._size += len(chunk)

    def take(self) -> str:
        """The text so far, stripped, and start afresh."""
        value = "".join(self._parts)[:self.limit].strip()
        self.clear()
        return value

    def clear(self) -> None:
        self._parts, self._size = [], 0


def _refuse(*_: object) -> None:
    raise Refused


def stream(xml: bytes, reader: Reader, enough: Callable[[], bool] = lambda: False) -> bool:
    """Feed xml to reader until it ends, breaks, or `enough()`; False when refused."""
    parser = expat.ParserCreate()
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    parser.EntityDeclHandler = _refuse
    parser.StartElementHandler, parser.EndElementHandler = reader.start, reader.end
    parser.CharacterDataHandler = reader.data
    parser.buffer_text = True
    try:
        for offset in range(0, len(xml), CHUNK_BYTES):
            parser.Parse(xml[offset:offset + CHUNK_BYTES], False)
            if enough():
                break
    except Refused:
        return False
    except expat.ExpatError:
        pass  # truncated or broken: keep what was read before the break
    return True
