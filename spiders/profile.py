"""Profile spider: visit each community's public page and its platform's public answers.

For every community it fetches the page (when there is a page a person would see) and the
endpoints its platform adapter names; a page that reveals a platform (a Discourse generator
tag) or a feed leads to that platform's endpoints too. Every answer becomes one item: a
`Profile` as a dict plus the community id and where it came from; the store merges them.
"""
from __future__ import annotations

import json
from collections import defaultdict
from datetime import datetime
from pathlib import Path
from urllib.parse import urlsplit

import scrapy

from crawler import adapters
from crawler.extract.page import profile_page
from crawler.models import Platform, Profile, profile_as_dict

# Hosts whose web page is a script-only shell or a bare address: the adapter's answer is the profile.
# (A Matrix *homeserver's* own site is a page like any other; a matrix.to room link is not.)
NO_USEFUL_PAGE_HOSTS = frozenset({"discord.com", "matrix.to", "www.reddit.com", "reddit.com"})

ANSWERED_FAILURES = list(range(400, 600))


class ProfileSpider(scrapy.Spider):
    name = "profile"

    def __init__(self, targets: str, now: str, **kwargs):
        super().__init__(**kwargs)
        self.targets = json.loads(Path(targets).read_text())
        self.now = datetime.fromisoformat(now)
        # One request per URL, however many communities share it (a host's NodeInfo, say).
        self.waiting: dict[str, list[str]] = defaultdict(list)

    async def start(self):
        for target in self.targets:
            platform = Platform(target.get("platform") or "website")
            url = target["url"]
            if url.startswith(("http://", "https://")) and urlsplit(url).hostname not in NO_USEFUL_PAGE_HOSTS:
                # A Slack join page, a t.me preview or a Meetup group page is also a platform's answer.
                kwargs = {"adapter": adapters.page_adapter(url, platform), "platform": platform}
                if request := self._request(url, target["id"], self.parse_page, kwargs):
                    yield request
            for endpoint in adapters.endpoints_for(url, platform):
                if request := self._endpoint_request(endpoint, target["id"]):
                    yield request

    def _request(self, url: str, community_id: str, callback, kwargs: dict, **options) -> scrapy.Request | None:
        first = url not in self.waiting
        if community_id not in self.waiting[url]:
            self.waiting[url].append(community_id)
        if not first:
            return None
        # `key` survives redirects (response.url changes, the communities waiting on it do not).
        return scrapy.Request(url, callback=callback, errback=self.failed, cb_kwargs={"key": url, **kwargs}, **options)

    def _endpoint_request(self, endpoint: adapters.Endpoint, community_id: str) -> scrapy.Request | None:
        # Platforms explain refusals in the body (Discord's 10006, Reddit's "private"): every 4xx and 5xx reaches
        # the adapter. Redirects are still followed (http → https, /sitemap.xml → /sitemap_index.xml).
        return self._request(endpoint.url, community_id, self.parse_answer, {"adapter": endpoint.adapter},
                             meta={"handle_httpstatus_list": ANSWERED_FAILURES})

    def _items(self, url: str, profile: Profile, origin: str):
        for community_id in list(self.waiting.get(url, ())):
            yield {"community_id": community_id, "origin": origin, **profile_as_dict(profile)}

    def parse_page(self, response, key: str, adapter: str | None, platform: Platform):
        if adapter:
            yield from self.parse_answer(response, key, adapter)
            if adapter == adapters.FEED:
                return  # a feed listed as the community: its adapter has read all there is
        if not hasattr(response, "text"):
            self.crawler.stats.inc_value("copdir/profile/not_html")
            return
        headers = {name.decode().lower(): values[0].decode("latin-1")
                   for name, values in response.headers.items() if values}
        profile = profile_page(response.text, response.url, self.now, headers)
        yield from self._items(key, profile, "page")
        for community_id in list(self.waiting.get(key, ())):  # a copy: following may add to it
            for endpoint in adapters.after_page(profile, platform):
                if request := self._endpoint_request(endpoint, community_id):
                    yield request

    def parse_answer(self, response, key: str, adapter: str):
        result = adapters.parse(adapter, response.body, response.url, self.now, response.status)
        self.crawler.stats.inc_value(f"copdir/profile/answer/{adapter}")
        yield from self._items(key, result.profile, f"adapter:{adapter}")
        for community_id in list(self.waiting.get(key, ())):  # a copy: following may add to it
            for endpoint in result.follow:
                if request := self._endpoint_request(endpoint, community_id):
                    yield request

    def failed(self, failure):
        reason = "robots_disallowed" if "robots.txt" in str(failure.value) else "unreachable"
        self.crawler.stats.inc_value(f"copdir/profile/{reason}")
