"""Item pipelines, in flow order. They count in namespaced stats and drop only true duplicates."""
from __future__ import annotations

from scrapy.exceptions import DropItem


class DropDuplicateObservations:
    """The same URL twice in the same section of the same source is one observation."""

    def __init__(self, stats) -> None:
        self.stats = stats
        self.seen: set[tuple[str, str, str]] = set()

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler.stats)

    def process_item(self, item: dict) -> dict:
        if "source" not in item:  # profile items are keyed by community, not deduplicated here
            return item
        key = (item["source"], item["url"], item.get("section", ""))
        if key in self.seen:
            self.stats.inc_value("copdir/discover/duplicate")
            raise DropItem(f"duplicate {item['url']} in {item['source']}")
        self.seen.add(key)
        self.stats.inc_value("copdir/discover/observations")
        return item
