"""The crawl subject's arithmetic (CR-1): pages the fixture served, rates, recall, ratios, the verdict. Pure.

Pages are what the fixture's nginx logged during a run (robots.txt included: every spider asks for it),
so every spider is counted the same way; `scrapy bench` serves itself and is counted by its own stats.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

GOAL_PAGES_S = 150.0
GOAL_SHARE_OF_CEILING = 0.55


def served(log_text: str) -> dict[str, int]:
    """Requests in a slice of the fixture's access log ($msec $request_time $host $status $connection "…")."""
    found = {"requests": 0, "robots": 0, "errors": 0}
    for line in log_text.splitlines():
        parts = line.split(" ", 5)
        if len(parts) < 6:
            continue
        found["requests"] += 1
        found["robots"] += "/robots.txt" in parts[5]
        found["errors"] += not parts[3].startswith(("2", "3"))
    return found


def scrapy_stats(log_text: str) -> dict[str, float]:
    """The few numbers needed from the stats Scrapy dumps when a crawl closes."""
    wanted = {"downloader/response_count": "responses", "elapsed_time_seconds": "elapsed_s",
              "item_scraped_count": "items"}
    found = {}
    for key, name in wanted.items():
        match = re.search(rf"'{re.escape(key)}': ([\d.]+)", log_text)
        if match:
            found[name] = float(match.group(1))
    return found


def cli_counts(output: str) -> dict[str, int]:
    """`discover: 1000 observations, 1000 new_communities, 0 skipped …` → {"observations": 1000, …}."""
    line = next((line for line in output.splitlines() if re.match(r"^\w+: \d", line)), "")
    return {key: int(value) for value, key in re.findall(r"(\d+) (\w+)", line)}


def recall(found_urls: list[str], listed_urls: list[str]) -> float:
    """Share of the listed communities found, matched by host (each community has a host of its own)."""
    listed = {urlsplit(url).hostname for url in listed_urls}
    found = {urlsplit(url).hostname for url in found_urls} & listed
    return round(len(found) / len(listed), 4) if listed else 0.0


def rate(count: float, seconds: float) -> float:
    return round(count / seconds, 1) if seconds else 0.0


def ratio(ours: float, reference: float | None) -> float | None:
    return round(ours / reference, 2) if reference else None


def cr1(pages: int, seconds: float, ceiling_pages_s: float | None) -> tuple[str, bool | None]:
    """CR-1 on discovery + profile together: (figure, met). Both the floor and the share of the ceiling count."""
    if not seconds:
        return "—", None
    per_s = pages / seconds
    share = per_s / ceiling_pages_s if ceiling_pages_s else None
    figure = f"{per_s:,.0f} pages/s ({pages:,} pages in {seconds:.1f} s)" + \
        (f", {share:.2f}× the no-op ceiling ({ceiling_pages_s:,.0f} pages/s)" if share is not None else
         ", no-op ceiling not measured")
    met = per_s >= GOAL_PAGES_S and (share is None or share >= GOAL_SHARE_OF_CEILING)
    return figure, met
