"""The shared frontier of a distributed crawl: scrapy-redis's queue, made safe against killed workers.

scrapy-redis pops a request from Redis when Scrapy schedules it, so the requests a killed worker was
downloading or parsing would vanish. Here a pop *moves* the request, in one Lua script, from the queue
into the worker's in-flight hash; the worker deletes it there once the request is handled (its
callback has yielded everything: items pushed, follow-ups queued). Each worker renews a lease while
it lives; a worker whose lease has expired is reaped by whoever notices first, and its in-flight
requests go back to the queue. So only a killed worker's in-flight requests are ever fetched again.

Requests are stored as tagged JSON (never pickle: whoever can write to Redis must not run code here).
"""
from __future__ import annotations

import base64
import enum
import hashlib
import json
from dataclasses import dataclass

from scrapy_redis.queue import Base

from crawler.models import Platform

REQUEST_TOKEN = "copdir_inflight"  # request.meta key: which in-flight entry this request acknowledges


@dataclass(frozen=True)
class CrawlKeys:
    """Every Redis key of one stage's crawl; `copdir:<stage>:*`."""

    stage: str

    def key(self, name: str) -> str:
        return f"copdir:{self.stage}:{name}"

    @property
    def queue(self) -> str:
        return self.key("requests")

    @property
    def dupefilter(self) -> str:
        return self.key("dupefilter")

    @property
    def items(self) -> str:
        return self.key("items")

    @property
    def meta(self) -> str:
        return self.key("crawl")

    @property
    def workers(self) -> str:
        return self.key("workers")

    def inflight(self, worker: str) -> str:
        return self.key(f"inflight:{worker}")

    def lease(self, worker: str) -> str:
        return self.key(f"lease:{worker}")

    def all_keys(self) -> list[str]:
        return [self.queue, self.dupefilter, self.items, self.meta, self.workers]


# --- the serializer scrapy-redis calls (`loads`/`dumps`), JSON with tags for bytes, non-str keys and platforms.

def _tag(value):
    if isinstance(value, bytes):
        return {"__b": base64.b64encode(value).decode()}
    if isinstance(value, Platform):
        return {"__platform": value.value}
    if isinstance(value, enum.Enum):
        raise TypeError(f"cannot store {value!r} in the shared frontier")
    if isinstance(value, dict):
        if all(isinstance(key, str) for key in value):
            return {key: _tag(item) for key, item in value.items()}
        return {"__pairs": [[_tag(key), _tag(item)] for key, item in value.items()]}
    if isinstance(value, (list, tuple)):
        return [_tag(item) for item in value]
    return value


def _untag(value):
    if isinstance(value, dict):
        if "__b" in value:
            return base64.b64decode(value["__b"])
        if "__platform" in value:
            return Platform(value["__platform"])
        if "__pairs" in value:
            return {_untag(key): _untag(item) for key, item in value["__pairs"]}
        return {key: _untag(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_untag(item) for item in value]
    return value


def dumps(obj) -> bytes:
    return json.dumps(_tag(obj), sort_keys=True, separators=(",", ":")).encode()


def loads(data: bytes):
    return _untag(json.loads(data))


def token_of(data: bytes) -> str:
    return hashlib.sha1(data).hexdigest()  # what the pop script names the in-flight entry (redis.sha1hex)


# Lowest score first, as scrapy-redis's PriorityQueue (score = -priority); moved, not copied.
_POP = """
local found = redis.call('ZRANGE', KEYS[1], 0, 0)
if #found == 0 then return false end
redis.call('ZREM', KEYS[1], found[1])
redis.call('HSET', KEYS[2], redis.sha1hex(found[1]), found[1])
return found[1]
"""

# A worker without a lease is gone: its in-flight requests go back to the queue, first in line.
_REAP = """
if redis.call('EXISTS', KEYS[1]) == 1 then return -1 end
local entries = redis.call('HVALS', KEYS[2])
for _, data in ipairs(entries) do redis.call('ZADD', KEYS[3], -1000000, data) end
redis.call('DEL', KEYS[2])
redis.call('SREM', KEYS[4], ARGV[1])
return #entries
"""

# Done: nothing queued and nothing in flight anywhere, read in one step (a worker pushes its follow-ups
# before it acknowledges the request that found them, so this never sees a gap between the two).
_PENDING = """
local pending = redis.call('ZCARD', KEYS[1])
for _, worker in ipairs(redis.call('SMEMBERS', KEYS[2])) do
  pending = pending + redis.call('HLEN', ARGV[1] .. worker)
end
return pending
"""


class LeasedQueue(Base):
    """scrapy-redis queue whose pops go to this worker's in-flight hash until acknowledged."""

    def __init__(self, server, spider, key, serializer=None):
        super().__init__(server, spider, key, serializer)
        self.keys = CrawlKeys(spider.crawl_stage)
        self._pop = server.register_script(_POP)

    def __len__(self) -> int:
        return self.server.zcard(self.key)

    def push(self, request) -> None:
        token = request.meta.pop(REQUEST_TOKEN, None)  # a redirect or retry of a request we hold
        self.server.execute_command("ZADD", self.key, -request.priority, self._encode_request(request))
        if token:  # queued again first, then let go: a kill in between can only mean a refetch
            self.server.hdel(self.keys.inflight(self.spider.worker_id), token)

    def pop(self, timeout: int = 0):
        data = self._pop(keys=[self.key, self.keys.inflight(self.spider.worker_id)])
        if not data:
            return None
        request = self._decode_request(data)
        request.meta[REQUEST_TOKEN] = token_of(data)
        return request


def acknowledge(server, keys: CrawlKeys, worker: str, request) -> None:
    """The request is handled: drop it from the worker's in-flight hash."""
    if token := request.meta.pop(REQUEST_TOKEN, None):
        server.hdel(keys.inflight(worker), token)


def reap_dead_workers(server, keys: CrawlKeys) -> int:
    """Re-queue the in-flight requests of every worker whose lease has expired; how many."""
    script = server.register_script(_REAP)
    requeued = 0
    for worker in server.smembers(keys.workers):
        name = worker.decode() if isinstance(worker, bytes) else worker
        moved = script(keys=[keys.lease(name), keys.inflight(name), keys.queue, keys.workers], args=[name])
        requeued += max(moved, 0)
    return requeued


def pending(server, keys: CrawlKeys) -> int:
    """Requests queued or in flight, after reaping dead workers."""
    reap_dead_workers(server, keys)
    return server.eval(_PENDING, 2, keys.queue, keys.workers, keys.key("inflight:"))
