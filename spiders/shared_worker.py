"""One worker of a distributed crawl: copdir's spider on scrapy-redis's scheduler, in this (child) process.

Usage: python -m spiders.shared_worker STAGE REDIS_URL WORKER_ID PER_HOST INTERVAL_S CONCURRENCY

The worker takes requests from the stage's shared frontier until nothing is queued and nothing is in
flight in any live worker, then exits 0. While it lives it renews its lease; when it is idle it reaps
workers whose lease has expired (their in-flight requests go back to the queue).

Of scrapy-redis (0.9.1) it uses the scheduler, the dupefilter and the connection settings, not RedisSpider:
that reads start URLs through start_requests(), which Scrapy 2.16 removed (rmax/scrapy-redis#305, #317).
The seeder queues whole requests instead (crawler/cli/crawl_stages.py). scrapy-redis still logs two
ScrapyDeprecationWarnings under Scrapy 2.19 (Spider.log, a `spider` argument to the stats); harmless.
"""
from __future__ import annotations

import logging
import os
import sys

from redis import Redis
from scrapy import signals
from scrapy.crawler import CrawlerProcess
from scrapy.exceptions import DontCloseSpider
from scrapy.utils.project import get_project_settings
from twisted.internet import task

from crawler.netconfig import DEADLINE_ENV
from spiders.frontier import CrawlKeys, acknowledge, pending
from spiders.shared_spiders import SharedDirectorySpider, SharedProfileSpider

logger = logging.getLogger(__name__)

SPIDERS = {"discover": SharedDirectorySpider, "profile": SharedProfileSpider}
LEASE_ENV = "COPDIR_WORKER_LEASE_S"
DEFAULT_LEASE_S = 30.0  # a worker silent this long is taken for dead; it renews every third of it


class WorkerLease:
    """Extension: register the worker, renew its lease, reap the dead and close when the crawl is done."""

    def __init__(self, crawler, server: Redis, lease_s: float) -> None:
        self.crawler, self.server, self.lease_ms = crawler, server, int(lease_s * 1000)
        self.renewal = task.LoopingCall(self.renew)
        crawler.signals.connect(self.opened, signal=signals.spider_opened)
        crawler.signals.connect(self.idle, signal=signals.spider_idle)
        crawler.signals.connect(self.closed, signal=signals.spider_closed)
        crawler.signals.connect(self.dropped, signal=signals.request_dropped)

    @classmethod
    def from_crawler(cls, crawler):
        settings = crawler.settings
        return cls(crawler, Redis.from_url(settings["REDIS_URL"]), settings.getfloat("COPDIR_WORKER_LEASE_S"))

    @property
    def spider(self):
        return self.crawler.spider

    def renew(self) -> None:
        keys = CrawlKeys(self.spider.crawl_stage)
        self.server.set(keys.lease(self.spider.worker_id), 1, px=self.lease_ms)
        self.server.sadd(keys.workers, self.spider.worker_id)

    def opened(self, spider) -> None:
        spider.redis = self.server
        self.renewal.start(self.lease_ms / 3000, now=True)

    def idle(self, spider) -> None:
        keys = CrawlKeys(spider.crawl_stage)
        # Idle: everything this worker took has been handled, acknowledged or not.
        self.server.delete(keys.inflight(spider.worker_id))
        if not self.server.exists(keys.meta):
            return  # collected (or never seeded): nothing left to wait for
        if pending(self.server, keys):
            raise DontCloseSpider("requests queued or in flight in other workers")

    def dropped(self, request, spider) -> None:
        # A redirect or retry of a request this worker holds, refused by the dupefilter: the request is handled.
        acknowledge(self.server, CrawlKeys(spider.crawl_stage), spider.worker_id, request)

    def closed(self, spider, reason) -> None:
        if self.renewal.running:
            self.renewal.stop()
        keys = CrawlKeys(spider.crawl_stage)
        if reason == "finished":  # a clean exit: nothing in flight, so no lease for anyone to wait out
            self.server.delete(keys.lease(spider.worker_id))
            self.server.srem(keys.workers, spider.worker_id)


def worker_settings(stage: str, redis_url: str, per_host: int, interval_s: float, concurrency: int):
    settings = get_project_settings()
    lease_s = float(os.environ.get(LEASE_ENV, DEFAULT_LEASE_S))
    deadline_s = float(os.environ.get(DEADLINE_ENV, "20"))
    keys = CrawlKeys(stage)
    settings.setdict({
        "REDIS_URL": redis_url,
        # What this worker takes from the frontier at once (some wait for their host's slot): no more than it
        # can soon download, so that other workers find work too.
        "CONCURRENT_REQUESTS": concurrency,
        "SCHEDULER": "scrapy_redis.scheduler.Scheduler",
        "SCHEDULER_PERSIST": True,  # the frontier belongs to the crawl, not to this worker
        "SCHEDULER_QUEUE_CLASS": "spiders.frontier.LeasedQueue",
        "SCHEDULER_QUEUE_KEY": keys.queue,
        "SCHEDULER_DUPEFILTER_KEY": keys.dupefilter,
        "DUPEFILTER_CLASS": "scrapy_redis.dupefilter.RFPDupeFilter",
        "SCHEDULER_SERIALIZER": "spiders.frontier",
        # Politeness is the shared host slots' job; Scrapy's own slots would only delay after the slot is taken.
        "DOWNLOAD_DELAY": 0,
        "CONCURRENT_REQUESTS_PER_DOMAIN": max(per_host, 1),
        "COPDIR_HOST_SLOTS": True,
        "COPDIR_HOST_PER_HOST": per_host,
        "COPDIR_HOST_INTERVAL_S": interval_s,
        "COPDIR_HOST_SLOT_LEASE_S": deadline_s * 2 + 10,  # past any download's deadline, with its retry
        "COPDIR_WORKER_LEASE_S": lease_s,
        "ITEM_PIPELINES": {},  # items go to Redis from the callbacks (spiders/shared_spiders.py)
        "EXTENSIONS": {"spiders.shared_worker.WorkerLease": 100},
        "REMOTE_CONTROL_ENABLED": False,  # no listening port on a worker
    }, priority="cmdline")
    settings["DOWNLOADER_MIDDLEWARES"] = {**settings.getdict("DOWNLOADER_MIDDLEWARES"),
                                          "spiders.host_slots.SharedHostSlots": 950}
    return settings


def main(argv: list[str]) -> int:
    stage, redis_url, worker_id, per_host, interval_s, concurrency = argv
    os.environ.setdefault("SCRAPY_SETTINGS_MODULE", "spiders.settings")
    server = Redis.from_url(redis_url)
    crawl = {key.decode(): value.decode() for key, value in server.hgetall(CrawlKeys(stage).meta).items()}
    if not crawl:
        print(f"no {stage} crawl is open in {redis_url}: seed one with `copdir crawl {stage} --distributed URL`",
              file=sys.stderr)
        return 3
    process = CrawlerProcess(worker_settings(stage, redis_url, int(per_host), float(interval_s), int(concurrency)))
    crawler = process.create_crawler(SPIDERS[stage])
    arguments = {"now": crawl["now"]} if stage == "profile" else {}
    process.crawl(crawler, worker_id=worker_id, **arguments)
    process.start()
    return 0 if crawler.stats.get_value("finish_reason") == "finished" else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
