"""LinkChecker: a configuration file and command line for a URL list, and its CSV output read per URL.

LinkChecker has no per-host concurrency setting. It spaces requests to one host by a random pause
between 1/maxrequestspersecond and six times that, never under 0.1 s unless the server sends a
`LinkChecker` header (the fixture does, so a tuned run can go faster). `-r 0` keeps it from crawling
the pages it checks; `-v` makes it report the URLs that are fine too.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

from bench.limits import Limits

DEFAULT_THREADS = 10
DEFAULT_REQUESTS_PER_SECOND = 10
MAX_REQUESTS_PER_SECOND = 1000


def config(limits: Limits | None, timeout_s: float) -> str:
    """linkcheckerrc text: its defaults but the time-out when `limits` is None."""
    threads, rate = DEFAULT_THREADS, DEFAULT_REQUESTS_PER_SECOND
    if limits is not None:
        threads = limits.concurrency
        interval = limits.min_interval_s
        rate = MAX_REQUESTS_PER_SECOND if not interval else min(MAX_REQUESTS_PER_SECOND, 1 / interval)
    return (f"[checking]\nthreads={threads}\ntimeout={max(1, round(timeout_s))}\n"
            f"maxrequestspersecond={rate:g}\nrecursionlevel=0\n\n[output]\nstatus=0\n")


def command(binary: Path, config_file: Path, limits: Limits | None) -> list[str]:
    """LinkChecker reading the URLs on stdin and writing CSV to stdout."""
    line = [str(binary), "--config", str(config_file), "--stdin", "--recursion-level", "0", "--verbose",
            "--output", "csv", "--no-status"]
    if limits is not None and not limits.robots:
        line.append("--no-robots")
    return line


def answers(output: Path) -> dict[str, str]:
    """url → outcome in copdir's vocabulary, from LinkChecker's CSV (empty if there is none)."""
    try:
        text = output.read_text(errors="replace")
    except OSError:
        return {}
    rows = [line for line in text.splitlines() if line and not line.startswith("#")]
    found = {}
    for row in csv.DictReader(io.StringIO("\n".join(rows)), delimiter=";"):
        if row.get("urlname"):
            found[row["urlname"]] = outcome(row.get("result") or "", row.get("warningstring") or "")
    return found


def outcome(result: str, warnings: str) -> str:
    head = result.split(" ", 1)[0]
    if head.isdigit():
        code = int(head)
        if 200 <= code < 300:
            return "redirected" if "Redirected to" in warnings else "ok"
        if code in (401, 403, 429):
            return "blocked"
        return {404: "not_found", 410: "gone"}.get(code, "server_error" if code >= 500 else "error")
    for words, said in ((("NameResolutionError", "Failed to resolve"), "dns_failure"),
                        (("NewConnectionError", "Connection refused"), "connection_refused"),
                        (("Timeout", "timed out"), "timeout"),
                        (("TooManyRedirects",), "redirect_loop"),
                        (("SSLError", "certificate"), "tls_failure"),
                        (("robots.txt",), "blocked")):
        if any(word in result for word in words):
            return said
    return "error"
