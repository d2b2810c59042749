"""Scrapy spiders: one small declarative file per kind of source, on shared base spiders."""
