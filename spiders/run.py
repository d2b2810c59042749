"""Run one spider in this (child) process and write its items as JSON lines.

The CLI starts this as a child process: Twisted's reactor cannot be restarted in one process.
Usage: python -m spiders.run SPIDER OUT.jsonl [name=value ...]
"""
from __future__ import annotations

import os
import sys

from scrapy.crawler import CrawlerProcess
from scrapy.utils.project import get_project_settings

from crawler.netconfig import SAMPLE_WEB_ENV


def main(argv: list[str]) -> int:
    spider, out, *pairs = argv
    os.environ.setdefault("SCRAPY_SETTINGS_MODULE", "spiders.settings")
    settings = get_project_settings()
    settings.set("FEEDS", {out: {"format": "jsonlines", "overwrite": True}})
    if os.environ.get(SAMPLE_WEB_ENV):
        settings.set("DOWNLOAD_DELAY", 0)  # loopback simulation: politeness delays only slow the demo
        settings.set("CONCURRENT_REQUESTS_PER_DOMAIN", 16)
    process = CrawlerProcess(settings)
    crawler = process.create_crawler(spider)
    process.crawl(crawler, **dict(pair.split("=", 1) for pair in pairs))
    process.start()
    reason = crawler.stats.get_value("finish_reason")
    return 0 if reason == "finished" else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
