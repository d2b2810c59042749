"""Per-host politeness across every worker of a distributed crawl, held in Redis.

On one machine Scrapy's download slots keep copdir polite (DOWNLOAD_DELAY between requests to a
host, CONCURRENT_REQUESTS_PER_DOMAIN at once). With several workers each would be polite alone and
the host would see their sum. So before each download a worker takes a slot for the host in Redis,
in one Lua script: at most `per_host` requests in flight to the host, and each start at least
`interval` after the previous start *and* the previous end, whichever worker made them. Counting from
the end too keeps the interval as the host sees it, however late a worker's request leaves. Slots
are released when the answer (or the failure) comes back; a killed worker's slots expire after a lease
longer than any download may last.
"""
from __future__ import annotations

import asyncio
import uuid
from urllib.parse import urlsplit

from scrapy.exceptions import NotConfigured
from scrapy_redis.connection import get_redis_from_settings

SLOT_TOKEN = "copdir_host_slot"

# Returns 0 when taken, else how many milliseconds to wait before asking again. Redis's clock is the one
# clock all workers share.
_TAKE = """
local now_t = redis.call('TIME')
local now = tonumber(now_t[1]) * 1000 + math.floor(tonumber(now_t[2]) / 1000)
local per_host, interval, lease = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
if redis.call('ZCARD', KEYS[1]) >= per_host then return 50 end
local last = tonumber(redis.call('GET', KEYS[2]) or '0')
if now < last + interval then return last + interval - now end
redis.call('ZADD', KEYS[1], now + lease, ARGV[4])
redis.call('SET', KEYS[2], now, 'PX', interval + lease)
return 0
"""

_RELEASE = """
local now_t = redis.call('TIME')
local now = tonumber(now_t[1]) * 1000 + math.floor(tonumber(now_t[2]) / 1000)
if redis.call('ZREM', KEYS[1], ARGV[1]) == 1 then
  redis.call('SET', KEYS[2], now, 'PX', tonumber(ARGV[2]) + 1000)
end
return 0
"""


def host_keys(host: str) -> list[str]:
    # Across stages and crawls: politeness is owed to the host, whatever copdir is doing there.
    return [f"copdir:host:{host}:in-flight", f"copdir:host:{host}:last"]


class SharedHostSlots:
    """Downloader middleware: take the host's slot in Redis before a download, give it back after."""

    def __init__(self, server, per_host: int, interval_s: float, lease_s: float, stats) -> None:
        self.server, self.stats = server, stats
        self.per_host, self.interval_ms, self.lease_ms = per_host, int(interval_s * 1000), int(lease_s * 1000)
        self._take = server.register_script(_TAKE)
        self._release = server.register_script(_RELEASE)

    @classmethod
    def from_crawler(cls, crawler):
        settings = crawler.settings
        if not settings.get("COPDIR_HOST_SLOTS"):
            raise NotConfigured("not a distributed crawl")
        return cls(get_redis_from_settings(settings), settings.getint("COPDIR_HOST_PER_HOST"),
                   settings.getfloat("COPDIR_HOST_INTERVAL_S"), settings.getfloat("COPDIR_HOST_SLOT_LEASE_S"),
                   crawler.stats)

    async def process_request(self, request):
        host = urlsplit(request.url).hostname or ""
        token = uuid.uuid4().hex
        while wait_ms := self._take(keys=host_keys(host),
                                    args=[self.per_host, self.interval_ms, self.lease_ms, token]):
            self.stats.inc_value("copdir/host_slots/waited")
            await asyncio.sleep(wait_ms / 1000)
        request.meta[SLOT_TOKEN] = (host, token)
        return None

    def _give_back(self, request) -> None:
        if taken := request.meta.pop(SLOT_TOKEN, None):
            host, token = taken
            self._release(keys=host_keys(host), args=[token, self.interval_ms])

    def process_response(self, request, response):
        self._give_back(request)
        return response

    def process_exception(self, request, exception):
        self._give_back(request)
        return None
