"""copdir's spiders on a shared frontier (`copdir crawl … --distributed`): the same parsing, handed off to Redis.

Each callback's whole output — items onto the crawl's item list, follow-up requests into the frontier —
is in Redis before the request that produced it is acknowledged (spiders/frontier.py). A worker killed
halfway through a callback therefore loses nothing: the request is fetched again and the collector keeps
one copy of each item by its stable key.
"""
from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from datetime import datetime

import scrapy

from spiders.base import SourceListSpider
from spiders.frontier import CrawlKeys, acknowledge
from spiders.profile import ProfileSpider


def item_key(item: dict) -> str:
    """What makes an item one result: the collector keeps one item per key."""
    if "source" in item:  # a directory observation: a source names a URL once per section
        parts = (item["source"], item["url"], item.get("section", ""))
    else:  # a profile answer: one per community, origin and address
        parts = (item["community_id"], item["origin"], item.get("url") or "")
    return hashlib.sha256("|".join(parts).encode()).hexdigest()[:24]


class HandOff:
    """Callbacks' output goes to Redis, then the request is acknowledged."""

    crawl_stage = ""
    worker_id = "seeder"
    redis = None  # the frontier's connection, set by the worker (spiders/shared_worker.py)

    def hand_off(self, request, output) -> list:
        server, keys = self.redis, CrawlKeys(self.crawl_stage)
        for produced in output or ():
            if isinstance(produced, scrapy.Request):
                self.crawler.engine.crawl(produced)
            else:
                server.rpush(keys.items, json.dumps({"key": item_key(produced), "item": produced}))
                self.crawler.stats.inc_value("copdir/shared/items")
        acknowledge(server, keys, self.worker_id, request)
        return []


class SharedDirectorySpider(HandOff, SourceListSpider):
    name = "shared_directory"
    crawl_stage = "discover"

    def __init__(self, sources: str = "", worker_id: str = "seeder", **kwargs):
        scrapy.Spider.__init__(self, **kwargs)
        self.worker_id = worker_id
        self.sources = []
        if sources:  # only the seeder reads sources.yml; workers take whole requests from the frontier
            SourceListSpider.__init__(self, sources=sources, **kwargs)

    def parse(self, response, source: dict, page: int = 1):
        return self.hand_off(response.request, super().parse(response, source, page))

    def source_failed(self, failure):
        return self.hand_off(failure.request, super().source_failed(failure))


class SharedProfileSpider(HandOff, ProfileSpider):
    """Each request carries the communities waiting on it: no worker knows what another has asked for."""

    name = "shared_profile"
    crawl_stage = "profile"

    def __init__(self, now: str, targets: str = "", worker_id: str = "seeder", **kwargs):
        self.seeding = bool(targets)  # only the seeder reads the targets; workers take requests from the frontier
        if self.seeding:
            super().__init__(targets=targets, now=now, **kwargs)
        else:
            scrapy.Spider.__init__(self, **kwargs)
            self.targets, self.now, self.waiting = [], datetime.fromisoformat(now), defaultdict(list)
        self.worker_id = worker_id

    async def start(self):
        # Seeding: the base spider asks once per URL however many communities want it; name them all.
        requests = [request async for request in super().start()]
        for request in requests:
            request.cb_kwargs["communities"] = list(self.waiting[request.cb_kwargs["key"]])
            yield request

    def _request(self, url, community_id, callback, kwargs, **options):
        if self.seeding:
            request = super()._request(url, community_id, callback, kwargs, **options)
        else:  # the frontier's dupefilter, not this worker's memory, says whether it was asked before
            request = scrapy.Request(url, callback=callback, errback=self.failed,
                                     cb_kwargs={"key": url, **kwargs}, **options)
        if request is not None:
            request.cb_kwargs["communities"] = [community_id]
        return request

    def parse_page(self, response, key, adapter, platform, communities=()):
        self.waiting[key] = list(communities)
        try:
            return self.hand_off(response.request, _merged(super().parse_page(response, key, adapter, platform)))
        finally:
            del self.waiting[key]

    def parse_answer(self, response, key, adapter, communities=None):
        if communities is None:  # the base parse_page reading a platform's page: inside that page's hand-off
            return super().parse_answer(response, key, adapter)
        self.waiting[key] = list(communities)
        try:
            return self.hand_off(response.request, _merged(super().parse_answer(response, key, adapter)))
        finally:
            del self.waiting[key]

    def failed(self, failure):
        return self.hand_off(failure.request, super().failed(failure))


def _merged(output):
    """One follow-up request per URL from one answer, naming every community it is for. (Two answers that
    lead to one URL: the dupefilter lets the first through, and only its communities get that answer.)"""
    requests: dict[str, scrapy.Request] = {}
    for produced in output:
        if not isinstance(produced, scrapy.Request):
            yield produced
        elif produced.url in requests:
            merged = requests[produced.url].cb_kwargs["communities"]
            merged.extend(c for c in produced.cb_kwargs["communities"] if c not in merged)
        else:
            requests[produced.url] = produced
    yield from requests.values()
