"""The no-op spider: Scrapy's ceiling on the directory site. Run with `scrapy runspider` (stock Scrapy, no project).

It follows the pagination and every listed community's link, fetching the listing pages and the community
pages, and yields no item: what is left is Scrapy's own cost per page (scheduling, downloading, robots.txt,
selecting links), the most any spider can do on this site with the same concurrency.
"""

from __future__ import annotations

import scrapy


class NoopSpider(scrapy.Spider):
    name = "noop"

    def __init__(self, start: str = "", **kwargs):
        super().__init__(**kwargs)
        self.start_urls = [start]

    def parse(self, response):
        for href in response.css("main li a::attr(href)").getall():
            yield response.follow(href, self.visit)
        following = response.css('a[rel="next"]::attr(href)').get()
        if following:
            yield response.follow(following, self.parse)

    def visit(self, response):
        return ()
