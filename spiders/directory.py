"""Directory lists of every kind sources.yml names: Markdown, CSV, JSON and HTML."""
from spiders.base import SourceListSpider


class DirectorySpider(SourceListSpider):
    name = "directory"
