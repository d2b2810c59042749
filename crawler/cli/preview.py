"""Preview what copdir would discover in one list, before it goes into data/sources.yml.

SOURCE is a local file or an http(s) URL. URLs are fetched through the guarded network layer
(`crawler.net.fetch`, with the resolver and policy `crawler.netconfig` gives this process), so a
preview obeys the same rules as a crawl. Everything that stops a preview is a NotADirectory whose
message says what happened.
"""
from __future__ import annotations

import asyncio
import codecs
import re
from pathlib import Path

import httpx

from crawler.extract.directory import NotADirectory, parse_directory, sniff_kind
from crawler.models import Observation
from crawler.net import fetch, make_client
from crawler.netconfig import network_from_env

_CHARSET = re.compile(r"charset=[\"']?([\w.:-]+)", re.I)
_BOMS = ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"),
         (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))


def preview(source: str, *, kind: str | None = None, base_url: str | None = None,
            options: dict | None = None) -> list[Observation]:
    """The Observations parse_directory finds in SOURCE; the kind is sniffed when not given."""
    if source.lower().startswith(("http://", "https://")):
        body, content_type, final_url = asyncio.run(_download(source))
        where = final_url
    else:
        body, content_type, where = _read_file(Path(source)), "", ""
    text = decode(body, content_type)
    kind = kind or sniff_kind(text, source, content_type)
    return parse_directory(text, kind=kind, source=source, base_url=base_url or where, options=options)


def decode(body: bytes, content_type: str = "") -> str:
    """Text from bytes: a BOM, else UTF-8, else the declared charset, else cp1252 (what old CSV exports use).

    Undecodable bytes become U+FFFD rather than an error, so binary data is named by parse_directory.
    """
    for bom, encoding in _BOMS:
        if body.startswith(bom):
            return body.decode(encoding, errors="replace")
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError:
        pass
    declared = _CHARSET.search(content_type)
    for encoding in ([declared.group(1)] if declared else []) + ["cp1252"]:
        try:
            return body.decode(encoding)
        except (UnicodeDecodeError, LookupError):
            continue
    return body.decode("utf-8", errors="replace")


def _read_file(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        raise NotADirectory(f"{path}: no such file; give a path to a list or an http(s) URL") from None
    except IsADirectoryError:
        raise NotADirectory(f"{path}: is a folder; give the list file inside it") from None
    except OSError as exc:
        raise NotADirectory(f"{path}: cannot be read ({exc.strerror})") from None


async def _download(url: str) -> tuple[bytes, str, str]:
    resolver, policy = network_from_env()
    async with make_client(resolver, policy) as client:
        try:
            fetched = await fetch(client, policy, url)
        except (httpx.HTTPError, TimeoutError) as exc:
            reason = str(exc) or type(exc).__name__
            raise NotADirectory(f"{url}: could not be fetched ({reason})") from exc
    if not 200 <= fetched.status < 300:
        reason = httpx.codes.get_reason_phrase(fetched.status)
        raise NotADirectory(f"{url} answered {fetched.status} {reason}".rstrip() + "; check the URL in a browser")
    if fetched.truncated:
        raise NotADirectory(f"{url}: the list is larger than {policy.max_bytes:,} bytes; "
                            f"download it and preview the file")
    return fetched.body, fetched.headers.get("content-type", ""), fetched.url
