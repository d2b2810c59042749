"""A loopback web of many small community sites for the distributed crawl tests, with an access log.

Every name reaches it through the sample web's resolver seam (COPDIR_SAMPLE_WEB=127.0.0.1:PORT); it
answers by the Host header. Each community page links its own feed, and the first host's first page has
moved (301 to `/c0-home`), so a request comes back to the frontier mid-crawl; robots.txt is absent (404). Each
answer takes a little while, so requests overlap and a worker can be killed with some in flight. The log
records, per request, when it arrived and when its answer started to be written (before any byte is
sent, so a client can never see an answer before its logged end).
"""
from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from crawler.sampleweb.behaviour import host_behaviour

ANSWER_DELAY_S = 0.1
GATE_LIMIT_S = 300
SLACK_HOST = "join.slack.com"
SLACK_PAGE = ("<!doctype html><html lang='en'><head><title>Join Practice on Slack</title>"
              "<meta name='description' content='Practitioners of the craft, on Slack.'></head><body></body></html>")


@dataclass(frozen=True)
class Hit:
    host: str
    path: str
    start: float
    end: float


def community_hosts(count: int) -> list[str]:
    """Host names the sample web's resolver answers plainly (it refuses or fails some names by design)."""
    names = (f"site{i}.crawl.example" for i in range(10 * count))
    return [name for name in names if host_behaviour(name) is None][:count]


def moved_page(hosts: int) -> tuple[str, str]:
    """The one community page that redirects, and where to."""
    host = community_hosts(hosts)[0]
    return f"https://{host}/c0", f"https://{host}/c0-home"


def community_urls(hosts: int, per_host: int) -> list[str]:
    return [f"https://{host}/c{j}" for host in community_hosts(hosts) for j in range(per_host)]


def _page(host: str, path: str) -> str:
    return (f"<!doctype html><html lang='en'><head><title>Community {path[1:]} at {host}</title>"
            f"<meta name='description' content='A community of practice at {host}{path}.'>"
            f"<link rel='alternate' type='application/rss+xml' href='/feed-{path[1:]}.xml'></head>"
            f"<body><h1>Community {path[1:]}</h1><p>Practitioners meet here.</p></body></html>")


def _feed(host: str, path: str) -> str:
    return ("<?xml version='1.0'?><rss version='2.0'><channel>"
            f"<title>Community {path[6:-4]} at {host}</title>"
            f"<link>https://{host}/</link><item><title>Meet-up</title><link>https://{host}/news/1</link>"
            "<pubDate>Fri, 13 Nov 2026 10:00:00 GMT</pubDate></item></channel></rss>")


class CrawlWeb:
    def __init__(self) -> None:
        self.hits: list[Hit] = []
        self._lock = threading.Lock()
        self.gate = threading.Event()  # answers wait while it is clear: a test holds the crawl still
        self.gate.set()
        web = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 - the name http.server calls
                start = time.monotonic()
                host = (self.headers.get("Host") or "").split(":")[0]
                web.gate.wait(GATE_LIMIT_S)
                time.sleep(ANSWER_DELAY_S)
                if host == SLACK_HOST and self.path != "/robots.txt":  # a platform's page: read by its adapter too
                    status, kind, body = 200, "text/html; charset=utf-8", SLACK_PAGE
                elif self.path == "/c0" and host == community_hosts(1)[0]:
                    status, kind, body = 301, "text/plain", "moved"
                elif self.path.startswith("/feed-"):
                    status, kind, body = 200, "application/rss+xml", _feed(host, self.path)
                elif self.path.startswith("/c"):
                    status, kind, body = 200, "text/html; charset=utf-8", _page(host, self.path.removesuffix("-home"))
                else:
                    status, kind, body = 404, "text/plain", "not here"
                with web._lock:
                    web.hits.append(Hit(host, self.path, start, time.monotonic()))
                data = body.encode()
                self.send_response(status)
                self.send_header("Content-Type", kind)
                if status == 301:
                    self.send_header("Location", f"https://{host}/c0-home")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> "CrawlWeb":
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()

    def log(self) -> list[Hit]:
        with self._lock:
            return list(self.hits)
