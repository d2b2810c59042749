"""The settings every checker in a comparison is given, so each runs under the same rules."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Limits:
    concurrency: int               # requests in flight at once, all hosts together
    per_host: int | None           # requests in flight at once per host; None: the tool's default
    min_interval_s: float | None   # between request starts on one host; None: the tool's default
    timeout_s: float               # per request
    robots: bool = True            # honour robots.txt (for the tools that can)

    def describe(self) -> str:
        per_host = "tool default" if self.per_host is None else str(self.per_host)
        interval = "tool default" if self.min_interval_s is None else f"{self.min_interval_s:g} s"
        robots = "" if self.robots else ", no robots"
        return f"{self.concurrency} total, {per_host}/host, interval {interval}, time-out {self.timeout_s:g} s{robots}"
