"""Profile spider: visit each community's public page (or platform API) and learn about it."""
from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import scrapy

from crawler import platforms
from crawler.extract.page import profile_discord_invite, profile_html


class ProfileSpider(scrapy.Spider):
    name = "profile"

    def __init__(self, targets: str, now: str, **kwargs):
        super().__init__(**kwargs)
        self.targets = json.loads(Path(targets).read_text())
        self.now = datetime.fromisoformat(now)

    async def start(self):
        for target in self.targets:
            if not target["url"].startswith(("http://", "https://")):
                continue  # mailto: lists and handles have no page to visit
            probe = platforms.probe_url(target["url"])
            if platforms.DISCORD_INVITE.match(target["url"]):
                callback = self.parse_discord
            elif probe == target["url"]:
                callback = self.parse_page
            else:
                continue  # a platform API with nothing to profile yet (Matrix directory)
            yield scrapy.Request(probe, callback=callback, errback=self.failed,
                                 cb_kwargs={"community_id": target["id"]})

    def parse_page(self, response, community_id: str):
        if not hasattr(response, "text"):
            self.crawler.stats.inc_value("copdir/profile/not_html")
            return
        yield {"community_id": community_id, **profile_html(response.text, response.url, self.now)}

    def parse_discord(self, response, community_id: str):
        yield {"community_id": community_id, **profile_discord_invite(response.text, response.url, self.now)}

    def failed(self, failure):
        self.crawler.stats.inc_value("copdir/profile/unreachable")
