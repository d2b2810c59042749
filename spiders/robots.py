"""robots.txt as RFC 9309 reads it, on top of Scrapy's middleware.

Scrapy parses whatever body comes back and allows everything when robots.txt cannot be fetched.
RFC 9309 §2.3.1 says otherwise: a 4xx answer means "no rules" (allow), but a 5xx answer or an
unreachable server means "assume complete disallow" until it answers again. 429 is treated as
unreachable, as the major crawlers do: the host is asking us to slow down, not inviting us in.
"""
from __future__ import annotations

import logging

from scrapy.downloadermiddlewares.robotstxt import RobotsTxtMiddleware
from scrapy.http import Request, Response
from scrapy.robotstxt import RobotParser

from crawler.robots import is_unreachable

logger = logging.getLogger(__name__)


class DisallowAll(RobotParser):
    """The rules of a host whose robots.txt is unreachable: nothing may be fetched."""

    def __init__(self, reason: str) -> None:
        self.reason = reason

    @classmethod
    def from_crawler(cls, crawler, robotstxt_body):  # pragma: no cover - never built from a body
        raise NotImplementedError

    def allowed(self, url, user_agent) -> bool:
        return False


class Rfc9309RobotsTxtMiddleware(RobotsTxtMiddleware):
    async def _parse_robots(self, response: Response, netloc: str, request: Request) -> None:
        if is_unreachable(response.status):
            self._stats.inc_value("copdir/robots/unreachable")
            logger.warning("robots.txt of %s answered %s: fetching nothing there this run", netloc, response.status)
            self._settle(netloc, DisallowAll(f"robots.txt answered {response.status}"))
        elif 400 <= response.status < 500:
            self._stats.inc_value("copdir/robots/none")
            self._settle(netloc, None)  # no rules: everything allowed
        else:
            await super()._parse_robots(response, netloc, request)

    def _robots_error(self, exc: Exception, netloc: str) -> None:
        self._stats.inc_value("copdir/robots/unreachable")
        logger.warning("robots.txt of %s unreachable (%s): fetching nothing there this run", netloc, exc)
        self._settle(netloc, DisallowAll(f"robots.txt unreachable: {exc}"))

    def _settle(self, netloc: str, parser: RobotParser | None) -> None:
        pending = self._parsers[netloc]
        self._parsers[netloc] = parser
        pending.callback(parser)  # wake the requests waiting for this host's rules
