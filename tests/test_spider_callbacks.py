"""Scrapy's per-response check for generator callbacks that `return` a value is off (spiders/settings.py: it
re-reads the callback's source on every response); this test does that check once for every copdir spider."""
from __future__ import annotations

import inspect

import scrapy
from scrapy.utils.misc import is_generator_with_return_value

from spiders import base, directory, profile, shared_spiders

SPIDERS = [base.SourceListSpider, directory.DirectorySpider, profile.ProfileSpider,
           shared_spiders.SharedDirectorySpider, shared_spiders.SharedProfileSpider]


def _callbacks(spider: type[scrapy.Spider]):
    for name, member in inspect.getmembers(spider, inspect.isfunction):
        if member.__module__.startswith("spiders.") and inspect.isgeneratorfunction(member):
            yield f"{spider.__name__}.{name}", member


def test_no_spider_callback_is_a_generator_that_returns_a_value():
    found = {name: member for spider in SPIDERS for name, member in _callbacks(spider)}
    assert {"SourceListSpider.parse", "ProfileSpider.parse_page", "ProfileSpider.parse_answer"} <= set(found)
    assert [name for name, member in found.items() if is_generator_with_return_value(member)] == []


def test_the_check_finds_a_generator_that_returns_a_value():
    def parse(response):
        yield {"url": response}
        return "lost"

    assert is_generator_with_return_value(parse)
