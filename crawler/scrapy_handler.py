"""Scrapy's HTTP(S) download handler on the guarded network layer.

Scrapy then resolves no names itself and reaches no address the layer refuses. It downloads one
hop per request: Scrapy's RedirectMiddleware follows redirects (bounded by REDIRECT_MAX_TIMES),
and each hop comes back through here, so every hop is checked.
"""
from __future__ import annotations

import httpx
from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.core.downloader.handlers.base import BaseDownloadHandler
from scrapy.exceptions import (CannotResolveHostError, DownloadConnectionRefusedError, DownloadFailedError,
                               DownloadTimeoutError, IgnoreRequest)
from scrapy.http import Headers, Response
from scrapy.responsetypes import responsetypes

from crawler.aiohttp_transport import AiohttpTransport
from crawler.net import NameNotResolved, UnsafeURL, fetch_once, make_client, tls_context
from crawler.netconfig import network_from_env


class GuardedDownloadHandler(BaseDownloadHandler):
    lazy = False

    def __init__(self, crawler: Crawler):
        super().__init__(crawler)
        self.resolver, self.policy = network_from_env()
        concurrency = crawler.settings.getint("CONCURRENT_REQUESTS", 16)
        # aiohttp's pool under the guard, as the checker has it: httpcore's pool scans itself on every request
        # and cost a crawl more than its parsing (PERFORMANCE.md, httpx's concurrency trap).
        pool = AiohttpTransport(tls_context(self.policy), concurrency, self.policy.connect_timeout_s)
        self.client = make_client(self.resolver, self.policy, inner=pool)

    async def download_request(self, request: Request) -> Response:
        headers = {k.decode(): b", ".join(v).decode("latin-1") for k, v in request.headers.items()}
        stats = self.crawler.stats
        try:
            fetched = await fetch_once(self.client, self.policy, request.url, request.method, headers, lean=True)
        except UnsafeURL as exc:
            stats.inc_value("copdir/net/refused")
            raise IgnoreRequest(str(exc)) from exc
        except NameNotResolved as exc:
            raise CannotResolveHostError(str(exc)) from exc
        except (TimeoutError, httpx.TimeoutException) as exc:
            raise DownloadTimeoutError(f"{request.url}: no answer within {self.policy.deadline_s} s") from exc
        except httpx.ConnectError as exc:
            raise DownloadConnectionRefusedError(str(exc)) from exc
        except httpx.HTTPError as exc:
            raise DownloadFailedError(f"{request.url}: {exc}") from exc
        if fetched.truncated:
            stats.inc_value("copdir/net/truncated")
        response_headers = Headers(fetched.headers.multi_items())
        cls = responsetypes.from_args(headers=response_headers, url=request.url, body=fetched.body)
        return cls(url=request.url, status=fetched.status, headers=response_headers, body=fetched.body,
                   request=request, flags=["truncated"] if fetched.truncated else None)

    async def close(self) -> None:
        await self.client.aclose()
