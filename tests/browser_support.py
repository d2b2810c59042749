"""What the browser tests share: a small catalogue, copdir's site on a real port, headless Chromium's limits.

The fixtures that use these (browser_catalogue, browser_site, own_browser_site, chromium, browsing) are in
tests/conftest.py.

The site runs as `copdir serve` runs it (catalogue.publish.datasette_command) on a free loopback port; the
browser is Debian's /usr/bin/chromium driven by Playwright (`make browser` installs it; Playwright's own
downloaded builds are never used). Without them the browser tests skip, saying why — except under CI
(CI=1, set by .ci/run), where a missing browser is a failure, not a reason to test less.
"""
from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import sqlite_utils

from catalogue.build_qualities import QUALITY_DEFAULTS
from catalogue.publish import datasette_command
from conftest import REPO, free_port

if TYPE_CHECKING:
    from playwright.sync_api import Page

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(os.environ.get("COPDIR_ARTIFACTS") or REPO / "tests" / "artifacts" / "browser")
SERVER_READY = "Uvicorn running on"  # the line Datasette's server logs once it accepts connections
STARTUP_SECONDS = 60  # a deadline for a stuck server, not a wait: the log line ends the wait
BROWSER_TIMEOUT_MS = 15_000  # Playwright's waits (selectors, navigations, expect) give up after this

BUILT_AT = "2026-11-14T06:00:00+00:00"
ACTIVITY_RANK = {"active": 0, "quiet": 1, "dormant": 2, "unknown": 3}
REACHABILITY_RANK = {"live": 0, "moved": 1, "blocked": 2, "unknown": 3, "failing": 4, "dead": 5}
HOSTILE_NAME = "<svg onload=prompt('name')> Python Night"  # shares no word with the names the tests submit
LIVE = "live: HTTP 200 — checked 2026-11-12"


def _community(id: str, name: str, url: str, platform: str, reachability: str, activity: str, days: int | None,
               topics: list[str], description: str = "", activity_reason: str = "",
               reachability_reason: str = LIVE, **more) -> dict:
    row = {
        "id": id * 16, "name": name, "description": description, "url": url, "platform": platform,
        "reachability": reachability, "activity": activity, "successor_url": None, "last_activity": None,
        "status_since": None, "last_checked": "2026-11-12T09:00:00+00:00", "checks": 3, "sources": "awesome-lists",
        "sections": "Programming > Python" if "python" in topics else "Civic", "language": "en",
        "first_seen": "2026-09-01T00:00:00+00:00", "last_seen": BUILT_AT, "page_name": None,
        "topics": json.dumps(topics), "join_type": "open", "join_url": None, "code_of_conduct": None,
        "feeds": "[]", "page_platform": None, "presences": 0,
        "activity_rank": ACTIVITY_RANK[activity] + 10 * REACHABILITY_RANK[reachability],
        "reachability_reason": reachability_reason, "activity_reason": activity_reason, "lifecycle": "unknown",
        "days_since_activity": days, "last_activity_evidence": None, "owner_status": None,
        "stale_metrics": "[]", "status_evidence": "[]",
        **QUALITY_DEFAULTS, "price": None, "region": None, "locality": None, "region_reason": None,
    }
    row.update(more)
    row["status_reason"] = "; ".join(reason for reason in (row["activity_reason"], row["reachability_reason"])
                                     if reason)
    return row


COMMUNITIES = [
    _community("a", "Python Sheffield", "https://forum.pysheffield.example/", "discourse", "live", "active", 3,
               ["python"], "Monthly talks and a friendly forum for Python users in Sheffield.",
               "active: newest topic 2026-11-11 (3 days ago) — https://forum.pysheffield.example/latest.json,"
               " seen 2026-11-12", last_activity="2026-11-11T18:00:00+00:00", last_activity_evidence="signals:1",
               status_evidence='["signals:1", "checks:11"]', cost="free", event_cadence="monthly",
               code_of_conduct="https://forum.pysheffield.example/guidelines", membership="open",
               region="United Kingdom", locality="England",
               region_reason="list section 'Regional > UK 🇬🇧 > England' (awesome-lists)",
               qualities_evidence=json.dumps({"event_cadence": [
                   {"value": "monthly", "evidence": 'text "Monthly talks and a friendly forum"',
                    "source": "https://forum.pysheffield.example/", "url": ""}]})),
    _community("b", HOSTILE_NAME, "javascript:alert('url')", "website", "live", "active", 5, ["python"],
               "<img src=x onerror=alert('description')> Python evenings", "active: an event 5 days ago"),
    _community("c", "PyData Discord", "https://discord.gg/pydata-example", "discord", "live", "active", 10,
               ["python", "data science"], "Python for data people.", "active: 212 members online"),
    _community("d", "Python Users Lisbon", "https://www.meetup.com/python-lisbon-example/", "meetup", "live",
               "quiet", 60, ["python"], "Python meetups in Lisbon.", "quiet: newest event 60 days ago",
               last_activity="2026-09-15T18:00:00+00:00", cost="paid", price="€5 per month", event_cadence="monthly",
               region="Portugal", locality=None, region_reason="its page says 'Lisbon, PT'",
               code_of_conduct="https://www.meetup.com/python-lisbon-example/rules"),
    _community("e", "Python Tutor mailing list", "https://mail.python.example/tutor/", "mailing_list", "live",
               "dormant", 400, ["python"], "Questions about learning Python.",
               "dormant: newest archive month 2025-10 (400 days ago)"),
    _community("f", "r/learnpython", "https://www.reddit.com/r/learnpython/", "reddit", "blocked", "unknown", None,
               ["python"], "Learning Python, one question at a time.",
               reachability_reason="blocked: HTTP 403 — checked 2026-11-12 (unverifiable, never counted dead)"),
    _community("1", "Old Python Slack", "https://join.slack.com/t/oldpython-example/shared_invite/x", "slack",
               "dead", "unknown", None, ["python"], "A Python Slack that closed.",
               reachability_reason="dead: the invite has expired (Slack says so) — checked 2026-11-12"),
    _community("2", "Civic Tech Forum", "https://forum.civictech.example/", "discourse", "live", "active", 1,
               ["civic tech"], "Open government, open data.", "active: newest topic 2026-11-13", cost="free",
               event_cadence="monthly", code_of_conduct="https://forum.civictech.example/faq"),
]
# Stored in activity order, as catalogue/build.py stores them: the search yields rowid order, liveliest first.
COMMUNITIES.sort(key=lambda row: (row["activity_rank"], row["days_since_activity"] is None,
                                  row["days_since_activity"] or 0, row["id"]))
BY_NAME = {row["name"]: row for row in COMMUNITIES}

EVIDENCE = [
    {"ref": "signals:1", "community_id": "a" * 16, "kind": "newest_post", "value": "2026-11-11T18:00:00+00:00",
     "observed_at": "2026-11-12T08:00:00+00:00", "last_observed_at": None, "times_seen": 1,
     "source_url": "https://forum.pysheffield.example/latest.json", "note": "", "cited": 1},
    {"ref": "checks:11", "community_id": "a" * 16, "kind": "check", "value": "ok",
     "observed_at": "2026-11-12T09:00:00+00:00", "last_observed_at": None, "times_seen": 1,
     "source_url": "https://forum.pysheffield.example/", "note": "check: ok — HTTP 200", "cited": 1},
]


def build_catalogue(path: Path) -> None:
    """A catalogue.db shaped as catalogue/build.py writes it, small enough to read every row of."""
    db = sqlite_utils.Database(path)
    db["communities"].insert_all(COMMUNITIES, pk="id")
    db["topics"].insert_all(({"community_id": row["id"], "topic": topic} for row in COMMUNITIES
                             for topic in json.loads(row["topics"])), pk=("community_id", "topic"))
    db["evidence"].insert_all(EVIDENCE, pk="ref", foreign_keys=[("community_id", "communities", "id")])
    db["status_history"].insert({"id": 1, "community_id": "a" * 16, "changed_at": "2026-11-12T06:00:00+00:00",
                                 "reachability": "live", "activity": "active",
                                 "reason": BY_NAME["Python Sheffield"]["status_reason"],
                                 "previous_reachability": None, "previous_activity": None,
                                 "evidence": '["signals:1"]'}, pk="id")
    db["check_days"].insert_all(CHECK_DAYS, pk=("link_id", "day"))
    for column in ("cost", "membership", "event_cadence", "region"):  # the search's filters seek on them, as in a build
        db["communities"].create_index([column])
    db["communities"].enable_fts(["name", "description", "sections", "topics", "platform"], tokenize="porter")
    db["build"].insert({"built_at": BUILT_AT, "communities": len(COMMUNITIES)})
    db.close()


# Python Sheffield's checks, as catalogue/rollups.py writes them: a failed day, then answered ones.
CHECK_DAYS = [{"link_id": "a" * 16, "day": day, "checks": 1, "successes": int(ok), "failures": int(not ok),
               "blocked": 0, "first_outcome": "ok" if ok else "timeout", "last_outcome": "ok" if ok else "timeout"}
              for day, ok in (("2026-11-10", False), ("2026-11-11", True), ("2026-11-12", True))]


# --- the site on a real port -----------------------------------------------------------------------------------

@dataclass
class Site:
    url: str  # http://127.0.0.1:<port>, no trailing slash
    submissions: Path  # the private queue the server writes (COPDIR_SUBMISSIONS_DB)
    log: list[str] = field(default_factory=list)


@contextmanager
def running_site(catalogue: Path, workdir: Path) -> Iterator[Site]:
    """Datasette serving `catalogue` as `copdir serve` does, until the block ends."""
    port = free_port()
    site = Site(f"http://127.0.0.1:{port}", workdir / "submissions.db")
    command = datasette_command(catalogue, REPO / "datasette_metadata.yml", "127.0.0.1", port)
    env = {**os.environ, "COPDIR_SUBMISSIONS_DB": str(site.submissions)}
    ready = threading.Event()

    def read_log(stream) -> None:  # also keeps the pipe drained for as long as the server lives
        for line in stream:
            site.log.append(line.rstrip())
            if SERVER_READY in line:
                ready.set()
        ready.set()  # the server ended: stop waiting

    # cwd=REPO: `python -m datasette` then imports this checkout's plugin and templates.
    with subprocess.Popen(command, cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          text=True, encoding="utf-8", errors="replace") as process:
        reader = threading.Thread(target=read_log, args=(process.stdout,), daemon=True)
        reader.start()
        try:
            ready.wait(STARTUP_SECONDS)
            if process.poll() is not None or not any(SERVER_READY in line for line in site.log):
                raise RuntimeError("the site did not start:\n" + "\n".join(site.log[-30:]))
            yield site
        finally:
            process.terminate()
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
            reader.join()


# --- the browser ----------------------------------------------------------------------------------------------

def in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


def missing_browser() -> str | None:
    """Why the browser tests cannot run here, or None when they can."""
    if not os.access(CHROMIUM, os.X_OK):
        return f"no {CHROMIUM}: `make browser` installs Debian's chromium (as root)"
    if importlib.util.find_spec("playwright") is None:
        return "Playwright is not installed: pip install -e '.[test]'"
    return None


@dataclass
class Browsing:
    """One tab, what it let the page do that a user would notice (dialogs, script errors), and its screenshots."""
    page: Page
    name: str
    dialogs: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    shots: int = 0

    def shot(self, step: str) -> Path:
        """A screenshot of the whole page, kept as the test's artefact."""
        self.shots += 1
        path = ARTIFACTS / f"{self.name}-{self.shots:02d}-{step}.png"
        self.page.screenshot(path=str(path), full_page=True)
        return path
