"""Base spider for directory sources: read data/sources.yml, fetch each list, parse it purely."""
from __future__ import annotations

import dataclasses
from collections.abc import Callable
from pathlib import Path

import scrapy

from crawler.models import Observation
from crawler.sources import load_sources

Parser = Callable[..., list[Observation]]


def observation_item(observation: Observation) -> dict:
    item = dataclasses.asdict(observation)
    item["platform"] = observation.platform.value
    item["annotations"] = list(observation.annotations)
    return item


class SourceListSpider(scrapy.Spider):
    """Subclasses set `name`, `kind` (which sources.yml entries they read) and `parser`."""

    kind: str = ""
    parser: Parser

    def __init__(self, sources: str = "data/sources.yml", only: str = "", **kwargs):
        super().__init__(**kwargs)
        self.sources = [s for s in load_sources(Path(sources)) if s["kind"] == self.kind
                        and (not only or s["name"] in only.split(","))]

    async def start(self):
        for source in self.sources:
            yield scrapy.Request(source["url"], cb_kwargs={"source": source}, errback=self.source_failed)

    def parse(self, response, source: dict):
        # Relative links in a list refer to where it is published, which may not be where we read it.
        base_url = source.get("base_url") or response.url
        observations = type(self).parser(response.text, source=source["name"], base_url=base_url)
        self.crawler.stats.set_value(f"copdir/discover/source/{source['name']}", len(observations))
        for observation in observations:
            yield observation_item(observation)

    def source_failed(self, failure):
        self.crawler.stats.inc_value("copdir/discover/source_failed")
        self.logger.error("could not fetch %s: %s", failure.request.url, failure.value)
