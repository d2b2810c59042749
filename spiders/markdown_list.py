"""Markdown directory lists: awesome-lists, bullet lists under headings, tables."""
from crawler.extract.markdown_list import parse_markdown_list
from spiders.base import SourceListSpider


class MarkdownListSpider(SourceListSpider):
    name = "markdown_list"
    kind = "markdown"
    parser = staticmethod(parse_markdown_list)
