"""Base spider for directory sources: read data/sources.yml, fetch each list, parse it purely."""
from __future__ import annotations

import dataclasses
from pathlib import Path

import scrapy

from crawler.extract.directory import KINDS, NotADirectory, parse_directory
from crawler.extract.pagination import next_page_url
from crawler.models import Observation
from crawler.sources import load_sources, parser_options


def observation_item(observation: Observation) -> dict:
    item = dataclasses.asdict(observation)
    item["platform"] = observation.platform.value
    item["annotations"] = list(observation.annotations)
    return item


MAX_LIST_PAGES = 100  # pages followed per paginated HTML list: a list is long, never endless


class SourceListSpider(scrapy.Spider):
    """Reads the sources.yml entries whose kind is in `kinds` through `parse_directory`; an HTML list's
    next pages (crawler/extract/pagination.py) are read as the same source, up to MAX_LIST_PAGES."""

    kinds: frozenset[str] = KINDS

    def __init__(self, sources: str = "data/sources.yml", only: str = "", **kwargs):
        super().__init__(**kwargs)
        self.sources = [s for s in load_sources(Path(sources)) if s["kind"] in self.kinds
                        and (not only or s["name"] in only.split(","))]

    async def start(self):
        for source in self.sources:
            yield scrapy.Request(source["url"], cb_kwargs={"source": source}, errback=self.source_failed)

    def parse(self, response, source: dict, page: int = 1):
        # Relative links in a list refer to where it is published, which may not be where we read it.
        base_url = source.get("base_url") or response.url
        # A body Scrapy could not take for text (an image, say) is read as text anyway: parse_directory names it.
        text = response.text if hasattr(response, "text") else response.body.decode("utf-8", errors="replace")
        try:
            observations = parse_directory(text, kind=source["kind"], source=source["name"], base_url=base_url,
                                           options=parser_options(source))
        except NotADirectory as exc:
            self.crawler.stats.inc_value("copdir/discover/not_a_directory")
            self.logger.error("%s", exc)
            return
        self.crawler.stats.inc_value(f"copdir/discover/source/{source['name']}", len(observations))
        for observation in observations:
            yield observation_item(observation)
        if source["kind"] == "html" and (following := self._next_page(text, response.url, source, page)):
            yield following

    def _next_page(self, text: str, page_url: str, source: dict, page: int) -> scrapy.Request | None:
        # Fetched like the first page: through the guarded download handler, robots.txt asked first. Scrapy's
        # dupefilter drops a page already read, so a list whose pages link in a circle ends.
        if not (url := next_page_url(text, page_url)):
            return None
        if page >= MAX_LIST_PAGES:
            self.crawler.stats.inc_value("copdir/discover/page_limit")
            self.logger.warning("%s: stopped after %d pages; the list goes on at %s", source["name"], page, url)
            return None
        self.crawler.stats.inc_value("copdir/discover/next_page")
        return scrapy.Request(url, callback=self.parse, cb_kwargs={"source": source, "page": page + 1},
                              errback=self.source_failed)

    def source_failed(self, failure):
        self.crawler.stats.inc_value("copdir/discover/source_failed")
        self.logger.error("could not fetch %s: %s", failure.request.url, failure.value)
