"""How hard the checker may press on anyone's host: limits, pauses, retries and back-off.

`CheckSettings` holds every knob with production defaults; `HostGate` enforces the per-host ones.
The clock and sleep are injectable so tests run the rules without waiting.
"""
from __future__ import annotations

import asyncio
import contextlib
import random
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field

# Answers worth asking again: the server said "later" or failed in passing (RFC 9110 §15.5.9, §15.6).
RETRY_STATUSES = frozenset({408, 429, 500, 502, 503, 504})
# Answers to HEAD that many servers give wrongly; GET then tells the truth.
HEAD_REJECTED_STATUSES = frozenset({400, 403, 404, 405, 406, 501})


@dataclass(frozen=True)
class CheckSettings:
    """The checker's knobs. Defaults are production politeness; `data/checker.yml` and flags override."""

    concurrency: int = 64  # requests in flight at once, all hosts together
    per_host: int = 2  # requests in flight at once to one host
    min_interval_s: float = 0.25  # at least this long between two request starts on one host, and after an answer
    max_attempts: int = 3  # per URL, first try included; only retryable answers are retried
    timeout_attempts: int = 2  # a time-out already cost a whole deadline: try once more at most
    backoff_s: float = 1.0  # first retry waits this long, doubling each time (with jitter) …
    max_wait_s: float = 30.0  # … and a Retry-After longer than this ends the check for this run
    robots: bool = True  # honour robots.txt (RFC 9309) before fetching a page
    soft_404: bool = True  # compare 200 answers with a made-up path on the same host
    method: str = "GET"  # "HEAD" is cheaper but cannot see parked, soft-404 or expired-invite pages
    clients: int = 0  # httpx clients to spread hosts over; 0: one (aiohttp) or one per 16 in flight (httpcore)
    aiohttp: bool = True  # aiohttp's pool under httpx's API (crawler/aiohttp_transport.py); False: httpcore
    canaries: tuple[str, ...] = ()  # checked first: if all fail at network level, ours is down
    outage_window: int = 100  # distinct hosts watched for a network-level failure wave …
    outage_share: float = 0.8  # … this share of them failing at network level stops the run …
    outage_min_hosts: int = 40  # … once at least this many distinct hosts were seen
    max_body_bytes: int = 512_000  # a check needs the top of a page, not all of it

    def client_count(self) -> int:
        # httpcore: several small pools instead of one big one, as it slows when one pool grows;
        # aiohttp's pool does not, and one client spares the per-client overhead.
        if self.clients:
            return self.clients
        return 1 if self.aiohttp else max(1, min(16, self.concurrency // 16))


def backoff_delay(attempt: int, base_s: float, rng: random.Random | None = None) -> float:
    """Exponential back-off with jitter in the upper half: attempt 1 waits ½–1 × base, attempt 2 1–2 × base …"""
    ceiling = base_s * (2 ** (attempt - 1))
    return ceiling * (0.5 + (rng or random).random() / 2)


@dataclass
class _Host:
    slots: asyncio.Semaphore
    door: asyncio.Lock = field(default_factory=asyncio.Lock)  # one request at a time through the start
    next_start: float = 0.0
    paused_until: float = 0.0
    users: int = 0  # callers waiting for or holding a slot; an idle host's state can be dropped
    in_flight: int = 0


SWEEP_EVERY = 1000  # slot requests between sweeps of idle hosts, so 100k hosts do not pile up state


@dataclass
class HostGate:
    """At most `per_host` requests in flight per host, starts `min_interval_s` apart (and that long
    after each answer), and pauses."""

    per_host: int
    min_interval_s: float
    clock: Callable[[], float] = time.monotonic
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep
    peaks: dict[str, int] | None = None  # when a dict is given: most requests ever in flight per host
    _hosts: dict[str, _Host] = field(default_factory=dict)
    _since_sweep: int = 0

    def _host(self, host: str) -> _Host:
        if host not in self._hosts:
            self._hosts[host] = _Host(asyncio.Semaphore(max(1, self.per_host)))
        return self._hosts[host]

    @contextlib.asynccontextmanager
    async def slot(self, host: str, shared: asyncio.Semaphore | None = None) -> AsyncIterator[None]:
        """Wait for a request slot on host, then (if given) for one of the `shared` slots of all hosts.

        The interval counts from when the request really starts, after the shared slot: were it
        counted from the host's turn, a request that then waited for a shared slot would reach
        the server right before the next one.
        """
        self._maybe_sweep()
        state = self._host(host)
        state.users += 1
        try:
            async with state.slots:
                async with state.door:
                    while (start := max(state.next_start, state.paused_until)) > (now := self.clock()):
                        await self.sleep(start - now)
                    if shared is not None:
                        await shared.acquire()
                    state.next_start = self.clock() + self.min_interval_s
                state.in_flight += 1
                if self.peaks is not None:
                    self.peaks[host] = max(self.peaks.get(host, 0), state.in_flight)
                try:
                    yield
                finally:
                    state.in_flight -= 1
                    # Also an interval after each answer: the server surely saw the request by then,
                    # so a request that was slow to go out (a new connection, a busy loop) is not
                    # followed at once by the next.
                    state.next_start = max(state.next_start, self.clock() + self.min_interval_s)
                    if shared is not None:
                        shared.release()
        finally:
            state.users -= 1

    def pause(self, host: str, seconds: float) -> None:
        """Nobody starts a request to host for `seconds` (a Retry-After, a back-off)."""
        state = self._host(host)
        state.paused_until = max(state.paused_until, self.clock() + seconds)

    def _maybe_sweep(self) -> None:
        self._since_sweep += 1
        if self._since_sweep < SWEEP_EVERY:
            return
        self._since_sweep = 0
        now = self.clock()
        idle = [host for host, state in self._hosts.items()
                if state.users == 0 and max(state.next_start, state.paused_until) <= now]
        for host in idle:
            del self._hosts[host]
