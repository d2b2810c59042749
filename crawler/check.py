"""The link checker: one CheckResult per URL, mapped from httpx's answers in one table.

Politeness here is the thin version: a global concurrency limit and a per-host one.
"""
from __future__ import annotations

import asyncio
import ssl
from collections import defaultdict
from collections.abc import AsyncIterator, Iterable
from datetime import datetime
from email.utils import parsedate_to_datetime
from urllib.parse import urlsplit

import httpx

from crawler import platforms
from crawler.models import CheckOutcome, CheckResult
from crawler.net import Fetched, NameNotResolved, NetPolicy, UnsafeURL, fetch

# Exceptions to outcomes, most specific first: the first isinstance match wins.
EXCEPTION_OUTCOMES: tuple[tuple[type[BaseException], CheckOutcome], ...] = (
    (UnsafeURL, CheckOutcome.EXCLUDED),
    (NameNotResolved, CheckOutcome.DNS_FAILURE),
    (TimeoutError, CheckOutcome.TIMEOUT),
    (httpx.TimeoutException, CheckOutcome.TIMEOUT),
    (ssl.SSLError, CheckOutcome.TLS_FAILURE),
    (httpx.ConnectError, CheckOutcome.CONNECTION_REFUSED),
    (httpx.TooManyRedirects, CheckOutcome.ERROR),
    (httpx.HTTPError, CheckOutcome.ERROR),
)

# Status codes to outcomes where the body does not change the answer.
STATUS_OUTCOMES = {401: CheckOutcome.BLOCKED, 403: CheckOutcome.BLOCKED, 429: CheckOutcome.BLOCKED,
                   404: CheckOutcome.NOT_FOUND, 410: CheckOutcome.GONE}


def outcome_for_exception(exc: BaseException) -> CheckOutcome:
    for cause in _causes(exc):
        if isinstance(cause, ssl.SSLError):
            return CheckOutcome.TLS_FAILURE
    for kind, outcome in EXCEPTION_OUTCOMES:
        if isinstance(exc, kind):
            return outcome
    raise exc  # not a network outcome: a bug, let it surface


def _causes(exc: BaseException) -> Iterable[BaseException]:
    while exc is not None:
        yield exc
        exc = exc.__cause__ or exc.__context__


def classify(url: str, fetched: Fetched) -> tuple[CheckOutcome, str]:
    """The outcome of a response, and one line saying why."""
    status, text = fetched.status, fetched.text()
    if status == 404 and platforms.is_discord_api(url) and platforms.is_discord_unknown_invite(fetched.body):
        return CheckOutcome.INVITE_EXPIRED, "Discord says Unknown Invite (10006)"
    if status in (401, 403) and platforms.is_challenge(fetched.headers, text):
        return CheckOutcome.BLOCKED, f"HTTP {status}: bot challenge page"
    if status in STATUS_OUTCOMES:
        return STATUS_OUTCOMES[status], f"HTTP {status}"
    if status >= 500:
        return CheckOutcome.SERVER_ERROR, f"HTTP {status}"
    if status >= 400:
        return CheckOutcome.ERROR, f"HTTP {status}"
    if 300 <= status < 400:
        return CheckOutcome.ERROR, f"HTTP {status} without a usable Location"
    if platforms.is_parked(text):
        return CheckOutcome.PARKED, "parked or for-sale page"
    if platforms.is_slack_invite_error(text):
        return CheckOutcome.INVITE_EXPIRED, "Slack says the shared invite is no longer valid"
    if fetched.redirects:
        first_url, first_status = fetched.redirects[0]
        if first_status in (301, 308) and not platforms.same_site(url, fetched.url):
            return CheckOutcome.MOVED, f"HTTP {first_status} to {fetched.url}"
        return CheckOutcome.REDIRECTED, f"redirected to {fetched.url}"
    return CheckOutcome.OK, f"HTTP {status}"


def _last_modified(headers: httpx.Headers) -> datetime | None:
    try:
        return parsedate_to_datetime(headers["last-modified"])
    except (KeyError, TypeError, ValueError):
        return None


def _retry_after(headers: httpx.Headers) -> float | None:
    try:
        return float(headers["retry-after"])
    except (KeyError, ValueError):
        return None


async def check_url(client: httpx.AsyncClient, policy: NetPolicy, url: str, now: datetime) -> CheckResult:
    """Check one (canonical) URL; every network outcome comes back as a value."""
    if not url.startswith(("http://", "https://")):
        return CheckResult(url, now, CheckOutcome.EXCLUDED, detail="not an http(s) URL: not checkable")
    probe = platforms.probe_url(url)
    try:
        fetched = await fetch(client, policy, probe)
    except Exception as exc:  # noqa: BLE001 — mapped by the table, or re-raised there
        outcome = outcome_for_exception(exc)
        detail = "no answer within the deadline" if outcome is CheckOutcome.TIMEOUT else str(exc) or type(exc).__name__
        return CheckResult(url, now, outcome, detail=detail[:300])
    outcome, detail = classify(probe, fetched)
    return CheckResult(
        url, now, outcome, http_status=fetched.status, final_url=fetched.url,
        redirects=tuple(hop for hop, _ in fetched.redirects), detail=detail,
        last_modified=_last_modified(fetched.headers), retry_after=_retry_after(fetched.headers),
        elapsed_ms=fetched.elapsed_ms,
    )


async def check_all(client: httpx.AsyncClient, policy: NetPolicy, urls: Iterable[str], now: datetime,
                    concurrency: int = 32, per_host: int = 4) -> AsyncIterator[CheckResult]:
    """Check every URL, yielding results as they complete, at most `per_host` at once per host."""
    pending = asyncio.Queue[str]()
    for url in urls:
        pending.put_nowait(url)
    done = asyncio.Queue[CheckResult | BaseException | None]()
    host_slots: defaultdict[str, asyncio.Semaphore] = defaultdict(lambda: asyncio.Semaphore(per_host))

    async def worker() -> None:
        try:
            while not pending.empty():
                url = pending.get_nowait()
                async with host_slots[urlsplit(url).hostname or ""]:
                    await done.put(await check_url(client, policy, url, now))
        except Exception as exc:  # a bug, not an outcome: hand it to the consumer to raise
            done.put_nowait(exc)
        finally:
            done.put_nowait(None)

    workers = [asyncio.create_task(worker()) for _ in range(concurrency)]
    finished = 0
    try:
        while finished < len(workers):
            result = await done.get()
            if result is None:
                finished += 1
            elif isinstance(result, BaseException):
                raise result
            else:
                yield result
    finally:
        for task in workers:
            task.cancel()
