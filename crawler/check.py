"""The link checker: one CheckResult per URL, politely, safely, and fast on a large directory.

For each URL the checker
1. asks robots.txt (RFC 9309; once per origin and run) whether copdir may fetch it;
2. fetches it through the guarded network layer, one hop at a time, each hop waiting for a
   per-host slot (`crawler.politeness.HostGate`), retrying only what is worth retrying
   (5xx, 408, 429, time-outs, resets) with back-off and Retry-After honoured;
3. classifies the answer (`crawler.outcomes`), and looks twice at a 200: a parked domain, or a
   soft 404 compared with a made-up path on the same host.
A run starts with the canaries and watches for a wave of network-level failures across distinct
hosts: either means our own network is down, and the run stops (`OurNetworkIsDown`) rather than
blaming everyone's sites.
"""
from __future__ import annotations

import asyncio
import functools
import random
import time
import zlib
from collections import Counter, deque
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from dataclasses import replace
from datetime import datetime
from email.utils import parsedate_to_datetime
from urllib.parse import urlsplit

import httpx

from crawler import outcomes, platforms, robots, soft404
from crawler.models import CheckOutcome, CheckResult
from crawler.aiohttp_transport import AiohttpTransport
from crawler.net import Fetched, NetPolicy, Resolver, fetch_once, follow_redirects, make_client, tls_context
from crawler.politeness import HEAD_REJECTED_STATUSES, RETRY_STATUSES, CheckSettings, HostGate, backoff_delay

WORKERS_PER_SLOT = 4
Attempt = Fetched | Exception  # an answer, or the network failure that stood in for one


class OurNetworkIsDown(Exception):
    """Canaries or a wave of failures across many hosts say the fault is ours: stop, blame nobody."""


# A URL's host and origin are asked for at every hop, retry and result: parse each URL once.
@functools.lru_cache(maxsize=4096)
def _host(url: str) -> str:
    return (urlsplit(url).hostname or "").lower()


@functools.lru_cache(maxsize=4096)
def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def _last_modified(headers: httpx.Headers) -> datetime | None:
    try:
        return parsedate_to_datetime(headers["last-modified"])
    except (KeyError, TypeError, ValueError, IndexError):
        return None


def retry_after_seconds(headers: httpx.Headers) -> float | None:
    """Retry-After as seconds: delta-seconds or an HTTP date (RFC 9110 §10.2.3)."""
    value = headers.get("retry-after", "").strip()
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        moment = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    return max(0.0, (moment - datetime.now(moment.tzinfo)).total_seconds())


def _looks_like_html(fetched: Fetched) -> bool:
    content_type = fetched.headers.get("content-type", "").lower()
    return "html" in content_type or (not content_type and fetched.body[:200].lstrip().startswith(b"<"))


class OutageWatch:
    """Network-level failures over the last `window` distinct hosts; trips when most of them failed."""

    def __init__(self, window: int, share: float, min_hosts: int):
        self.window, self.share, self.min_hosts = window, share, min_hosts
        self._recent: deque[tuple[str, bool]] = deque()
        self._hosts: set[str] = set()
        self._failed = 0  # network-level failures among _recent

    def record(self, host: str, outcome: CheckOutcome) -> None:
        if host in self._hosts:  # one vote per host: a thousand dead links on one host are not an outage
            return
        failed = outcome in outcomes.NETWORK_LEVEL
        self._recent.append((host, failed))
        self._hosts.add(host)
        self._failed += failed
        if len(self._recent) > self.window:
            old, old_failed = self._recent.popleft()
            self._hosts.discard(old)
            self._failed -= old_failed

    def reason(self) -> str | None:
        seen, failed = len(self._recent), self._failed
        if seen >= self.min_hosts and failed >= self.share * seen:
            return (f"{failed} of the last {seen} distinct hosts failed at network level "
                    f"(DNS, refused, time-out): the fault is most likely ours")
        return None


class Checker:
    """Checks URLs through the guarded layer with the politeness of `settings`. Use as `async with`."""

    def __init__(self, resolver: Resolver, policy: NetPolicy, settings: CheckSettings = CheckSettings(), *,
                 inner_transport: httpx.AsyncBaseTransport | None = None,
                 clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
                 rng: random.Random | None = None, track_peaks: bool = False):
        self.resolver = resolver
        self.policy = replace(policy, max_bytes=min(policy.max_bytes, settings.max_body_bytes))
        self.settings = settings
        self.gate = HostGate(settings.per_host, settings.min_interval_s, clock, sleep,
                             peaks={} if track_peaks else None)
        self._in_flight = asyncio.Semaphore(max(1, settings.concurrency))  # all hosts together
        self._inner_transport = inner_transport
        self._clients: list[httpx.AsyncClient] = []
        self._rng = rng or random.Random()
        self._robots: dict[str, asyncio.Future[robots.RobotsRules]] = {}
        self._error_pages: dict[str, asyncio.Future[Fetched | None]] = {}
        self._probe_path = soft404.random_path()

    async def __aenter__(self) -> Checker:
        count = self.settings.client_count()
        per_client = max(4, -(-self.settings.concurrency // count) + 2)
        self._clients = [make_client(self.resolver, self.policy, max_connections=per_client,
                                     max_keepalive=per_client, inner=self._inner_transport or self._pool(per_client))
                         for _ in range(count)]
        return self

    def _pool(self, connections: int) -> httpx.AsyncBaseTransport | None:
        if not self.settings.aiohttp:
            return None  # make_client's own httpcore pool
        return AiohttpTransport(tls_context(self.policy), connections, self.policy.connect_timeout_s)

    async def __aexit__(self, *exc_info) -> None:
        for task in [*self._robots.values(), *self._error_pages.values()]:
            task.cancel()
        await asyncio.gather(*(client.aclose() for client in self._clients), return_exceptions=True)

    # --- one request, one URL ----------------------------------------------------------------

    def _client(self, host: str) -> httpx.AsyncClient:
        # A host always uses the same client, so its keep-alive connections are reused.
        return self._clients[zlib.crc32(host.encode()) % len(self._clients)]

    async def _hop(self, url: str, method: str) -> Fetched:
        host = _host(url)
        async with self.gate.slot(host, self._in_flight):
            return await fetch_once(self._client(host), self.policy, url, method, lean=True)

    async def _follow(self, url: str, method: str) -> Fetched:
        """Follow redirects one guarded hop at a time; each hop waits for its own host's slot
        and has its own deadline (a wait for a busy host is not the site's slowness)."""
        return await follow_redirects(lambda hop_url: self._hop(hop_url, method), url, self.policy.max_redirects,
                                      method)

    async def _attempts(self, url: str, method: str = "GET") -> tuple[Attempt, int]:
        """Fetch with retries for what is worth retrying; returns the last answer and the attempts made."""
        host = _host(url)
        attempt = 0
        while True:
            attempt += 1
            try:
                answer: Attempt = await self._follow(url, method)
            except Exception as exc:  # noqa: BLE001 — a network outcome, or a bug that classify re-raises
                answer = exc
            wait = self._retry_wait(answer, attempt)
            if wait is None:
                return answer, attempt
            self.gate.pause(host, wait)

    def _retry_wait(self, answer: Attempt, attempt: int) -> float | None:
        """How long to wait before trying again, or None to stop here."""
        settings = self.settings
        if isinstance(answer, Exception):
            limit = settings.timeout_attempts if isinstance(answer, (TimeoutError, httpx.TimeoutException)) \
                else settings.max_attempts
            if not outcomes.is_retryable_exception(answer) or attempt >= min(limit, settings.max_attempts):
                return None
            return backoff_delay(attempt, settings.backoff_s, self._rng)
        if answer.status not in RETRY_STATUSES or attempt >= settings.max_attempts:
            return None
        asked = retry_after_seconds(answer.headers)
        wait = asked if asked is not None else backoff_delay(attempt, settings.backoff_s, self._rng)
        return None if wait > settings.max_wait_s else wait

    async def _rules(self, url: str) -> robots.RobotsRules:
        origin = _origin(url)
        if origin not in self._robots:
            self._robots[origin] = asyncio.ensure_future(self._fetch_rules(url))
        return await asyncio.shield(self._robots[origin])

    async def _fetch_rules(self, url: str) -> robots.RobotsRules:
        answer, _ = await self._attempts(robots.robots_url(url))
        if isinstance(answer, Exception):
            return robots.rules_from_failure(url, answer)
        return robots.rules_from_answer(url, answer.status, answer.body)

    async def _error_page(self, url: str) -> Fetched | None:
        """What the host answers with 200 for a path that cannot exist, or None if it answers an error."""
        origin = _origin(url)
        if origin not in self._error_pages:
            self._error_pages[origin] = asyncio.ensure_future(self._fetch_error_page(origin))
        return await asyncio.shield(self._error_pages[origin])

    async def _fetch_error_page(self, origin: str) -> Fetched | None:
        try:
            answer = await self._follow(origin + self._probe_path, "GET")
        except Exception:  # noqa: BLE001 — no comparison possible; the page's own words still count
            return None
        return answer if answer.status == 200 else None

    async def check(self, url: str, now: datetime) -> CheckResult:
        """Check one (canonical) URL; every network outcome comes back as a value."""
        if not url.startswith(("http://", "https://")):
            return CheckResult(url, now, CheckOutcome.EXCLUDED, detail="not an http(s) URL: not checkable")
        target = platforms.probe_url(url)
        if self.settings.robots and (refusal := await self._robots_refusal(url, target, now)):
            return refusal
        answer, attempts = await self._attempts(target, self._method(url, target))
        if isinstance(answer, Fetched) and answer.status in HEAD_REJECTED_STATUSES and self._method(url, target) == "HEAD":
            answer, more = await self._attempts(target, "GET")  # the host rejects HEAD: GET tells the truth
            attempts += more
        if isinstance(answer, Exception):
            outcome, detail = outcomes.outcome_for_exception(answer)
            return CheckResult(url, now, outcome, detail=detail, attempts=attempts)
        outcome, detail = outcomes.classify(target, answer)
        if outcome in (CheckOutcome.OK, CheckOutcome.REDIRECTED) and target == url and answer.body:
            if self.settings.soft_404 and _looks_like_html(answer) and (reason := await self._soft_404(answer)):
                outcome, detail = CheckOutcome.SOFT_404, reason
        return CheckResult(
            url, now, outcome, http_status=answer.status, final_url=answer.url,
            redirects=tuple(hop for hop, _ in answer.redirects), detail=detail,
            last_modified=_last_modified(answer.headers), retry_after=retry_after_seconds(answer.headers),
            elapsed_ms=answer.elapsed_ms, attempts=attempts,
        )

    def _method(self, url: str, target: str) -> str:
        # Platform APIs and pages whose body decides (invites) are always read with GET.
        return "HEAD" if self.settings.method.upper() == "HEAD" and target == url else "GET"

    async def _robots_refusal(self, url: str, target: str, now: datetime) -> CheckResult | None:
        rules = await self._rules(target)
        if rules.allows(target, self.policy.user_agent):
            return None
        if rules.error is not None:  # robots.txt got no answer: the host's failure is the answer
            outcome, detail = outcomes.outcome_for_exception(rules.error)
            return CheckResult(url, now, outcome, detail=f"{detail} (fetching robots.txt)")
        if rules.status is not None and rules.status >= 500:
            return CheckResult(url, now, CheckOutcome.SERVER_ERROR, http_status=rules.status,
                               detail=f"robots.txt answered {rules.status}; RFC 9309 says fetch nothing there now")
        return CheckResult(url, now, CheckOutcome.BLOCKED, http_status=rules.status,
                           detail=rules.explain(target, self.policy.user_agent))

    async def _soft_404(self, answer: Fetched) -> str | None:
        page = answer.text()
        if heading := soft404.calls_itself_an_error(page):
            return f'answers 200 but the page says "{heading}"'
        path = urlsplit(answer.url).path or "/"
        if path == "/":
            return None
        error_page = await self._error_page(answer.url)
        if error_page is None:
            return None  # the host answers made-up paths with a real error: this page is real
        return soft404.same_error_page_reason(page, path, error_page.text(), self._probe_path)

    # --- a whole run -------------------------------------------------------------------------

    async def check_canaries(self, now: datetime) -> list[CheckResult]:
        """Check the canaries; raise OurNetworkIsDown when every one failed at network level."""
        results = [await self.check(url, now) for url in self.settings.canaries]
        if results and all(result.outcome in outcomes.NETWORK_LEVEL for result in results):
            said = "; ".join(f"{result.url}: {result.outcome.value}" for result in results)
            raise OurNetworkIsDown(f"every canary failed at network level ({said})")
        return results

    async def check_many(self, urls: Iterable[str], now: datetime,
                         known_failing: frozenset[str] = frozenset()) -> AsyncIterator[CheckResult]:
        """Check every URL once, hosts interleaved, yielding results as they complete.

        Raises OurNetworkIsDown (after yielding what finished) when the canaries fail or most
        distinct hosts fail at network level; a bug in the checker surfaces at once.
        known_failing: URLs whose last check already failed. They do not vote on whether our network
        is down: a run of fast rechecks is mostly such URLs, and their failing again is no news.
        """
        await self.check_canaries(now)
        ordered = interleave_by_host(urls)
        # URLs still to finish per origin: once an origin has none left, its robots.txt rules and
        # error page are dropped, so a run over 100k hosts holds only the hosts it is working on.
        left = Counter(_origin(platforms.probe_url(url)) for url in ordered)
        pending = iter(ordered)
        done: asyncio.Queue[CheckResult | BaseException | None] = asyncio.Queue()
        watch = OutageWatch(self.settings.outage_window, self.settings.outage_share, self.settings.outage_min_hosts)

        async def worker() -> None:
            try:
                for url in pending:
                    await done.put(await self.check(url, now))
            except Exception as exc:  # a bug, not an outcome: hand it to the consumer to raise
                done.put_nowait(exc)
            finally:
                done.put_nowait(None)

        # More workers than requests in flight: a worker waiting out one host's interval holds no
        # global slot, so the others keep every slot busy on other hosts.
        workers = [asyncio.create_task(worker()) for _ in range(max(1, self.settings.concurrency * WORKERS_PER_SLOT))]
        finished = 0
        try:
            while finished < len(workers):
                result = await done.get()
                if result is None:
                    finished += 1
                    continue
                if isinstance(result, BaseException):
                    raise result
                target = platforms.probe_url(result.url)
                self._finished_one(_origin(target), left)
                if result.url not in known_failing:
                    watch.record(_host(target), result.outcome)
                if reason := watch.reason():
                    raise OurNetworkIsDown(reason)
                yield result
        finally:
            for task in workers:
                task.cancel()
            await asyncio.gather(*workers, return_exceptions=True)


    def _finished_one(self, origin: str, left: Counter[str]) -> None:
        left[origin] -= 1
        if left[origin] <= 0:
            del left[origin]
            self._robots.pop(origin, None)
            self._error_pages.pop(origin, None)

    def cached_origins(self) -> int:
        """Origins whose robots.txt rules or error page are held now (tests and benchmarks read it)."""
        return len(self._robots.keys() | self._error_pages.keys())


def interleave_by_host(urls: Iterable[str]) -> list[str]:
    """Each host's first URL, then each host's second …: consecutive URLs rarely share a host,
    so workers seldom wait on one host's limit while others sit idle. Duplicates are dropped."""
    by_host: dict[str, list[str]] = {}
    seen: set[str] = set()
    for url in urls:
        if url not in seen:
            seen.add(url)
            by_host.setdefault(_host(platforms.probe_url(url)), []).append(url)
    queues = list(by_host.values())
    ordered: list[str] = []
    for depth in range(max(map(len, queues), default=0)):
        ordered.extend(queue[depth] for queue in queues if depth < len(queue))
    return ordered
