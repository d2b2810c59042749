"""Scrapy settings for every copdir spider. Network access goes through crawler.net only."""
from crawler.net import USER_AGENT

BOT_NAME = "copdir"
SPIDER_MODULES = ["spiders"]
USER_AGENT = USER_AGENT
ROBOTSTXT_OBEY = True
DOWNLOADER_MIDDLEWARES = {  # RFC 9309's reading of robots.txt errors replaces Scrapy's "allow on error"
    "scrapy.downloadermiddlewares.robotstxt.RobotsTxtMiddleware": None,
    "spiders.robots.Rfc9309RobotsTxtMiddleware": 100,
}
TWISTED_REACTOR = "twisted.internet.asyncioreactor.AsyncioSelectorReactor"
DOWNLOAD_HANDLERS = {
    "http": "crawler.scrapy_handler.GuardedDownloadHandler",
    "https": "crawler.scrapy_handler.GuardedDownloadHandler",
}
# The guarded layer asks for identity encoding and inflates, bounded, whatever comes anyway.
COMPRESSION_ENABLED = False
CONCURRENT_REQUESTS = 32
CONCURRENT_REQUESTS_PER_DOMAIN = 4
DOWNLOAD_DELAY = 1.0  # per host, politely; the sample web (loopback) runs with 0
REDIRECT_MAX_TIMES = 5
RETRY_TIMES = 1
COOKIES_ENABLED = False
TELNETCONSOLE_ENABLED = False
LOG_LEVEL = "INFO"
FEED_EXPORT_ENCODING = "utf-8"
ITEM_PIPELINES = {"spiders.pipelines.DropDuplicateObservations": 100}
# Scrapy reads a generator callback's source again for every response, to warn of a `return value` in it (its
# cache holds bound methods weakly, so it never hits): milliseconds a page. tests/test_spider_callbacks.py checks ours.
WARN_ON_GENERATOR_RETURN_VALUE = False
