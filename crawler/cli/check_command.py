"""`copdir check`: the scheduled check of the working DB, or an ad-hoc link check of a file.

Exit codes (README, "copdir check"):
  0  the run finished (with --urls: and no link is broken)
  1  with --urls: at least one link is broken; otherwise the stage could not run (the message says why)
  2  bad usage (an unknown flag, an unreadable file)
  3  degraded: the canaries or a wave of network failures say our own network is down; no status changed
"""
from __future__ import annotations

import dataclasses
import json
import sys
from collections import Counter
from datetime import datetime
from pathlib import Path

import click

from crawler import event_loop, recheck
from crawler.check import Checker, OurNetworkIsDown
from crawler.check_config import DEFAULT_PATH, BadCheckerConfig, load_check_settings
from crawler.link_lists import links_in
from crawler.models import CheckResult
from crawler.netconfig import network_from_env
from crawler.politeness import CheckSettings

EXIT_BROKEN = 1
EXIT_DEGRADED = 3


def result_as_dict(result: CheckResult) -> dict:
    return {"url": result.url, "outcome": result.outcome.value, "http_status": result.http_status,
            "final_url": result.final_url, "redirects": list(result.redirects), "detail": result.detail,
            "elapsed_ms": result.elapsed_ms, "attempts": result.attempts, "checked_at": result.checked_at.isoformat()}


def summary_line(counts: Counter, total: int, outcome: str = "") -> str:
    by_outcome = ", ".join(f"{name} {number}" for name, number in counts.most_common())
    return f"check: {total} checked" + (f" — {by_outcome}" if by_outcome else "") + (f" [{outcome}]" if outcome else "")


class _Progress:
    """A progress bar on a terminal (stderr), nothing otherwise: logs and pipes stay clean."""

    def __init__(self, label: str):
        self.label = label
        self.bar = None

    def start(self, total: int) -> None:
        if sys.stderr.isatty() and total:
            self.bar = click.progressbar(length=total, label=self.label, file=sys.stderr, show_pos=True)
            self.bar.__enter__()

    def advance(self, done: int) -> None:
        if self.bar is not None:
            self.bar.update(done)

    def finish(self) -> None:
        if self.bar is not None:
            self.bar.__exit__(None, None, None)
            self.bar = None


async def _check_links(urls: list[str], settings: CheckSettings, allow_hosts: tuple[str, ...],
                       deadline: float | None, now: datetime, emit, progress: _Progress) -> str:
    resolver, policy = network_from_env()
    policy = dataclasses.replace(policy, allowed_hosts=policy.allowed_hosts | {h.lower() for h in allow_hosts},
                                 **({"deadline_s": deadline} if deadline else {}))
    try:
        async with Checker(resolver, policy, settings) as checker:
            async for result in checker.check_many(urls, now):  # as written: an ad-hoc list is not canonicalised
                emit(result)
                progress.advance(1)
    except OurNetworkIsDown as exc:
        return str(exc)
    return ""


def check_links_file(path: str, settings: CheckSettings, allow_hosts: tuple[str, ...], deadline: float | None,
                     as_json: bool, now: datetime) -> None:
    try:
        text = sys.stdin.read() if path == "-" else Path(path).read_text(encoding="utf-8", errors="replace")
    except OSError as exc:
        raise click.UsageError(f"cannot read {path}: {exc.strerror}") from exc
    urls = links_in(text)
    if not urls:
        raise click.UsageError(f"{path} has no http(s) links (one URL per line, or a Markdown or HTML file)")
    counts: Counter = Counter()
    broken: list[CheckResult] = []
    progress = _Progress("checking")
    progress.start(len(urls))

    def emit(result: CheckResult) -> None:
        counts[result.outcome.value] += 1
        if recheck.is_failure(result.outcome):
            broken.append(result)
        if as_json:
            click.echo(json.dumps(result_as_dict(result), ensure_ascii=False))

    # An ad-hoc list is not the directory: no canaries, but the failure-wave watch still stands.
    settings = dataclasses.replace(settings, canaries=())
    degraded = event_loop.run(_check_links(urls, settings, allow_hosts, deadline, now, emit, progress))
    progress.finish()
    if not as_json:
        for result in broken:
            click.echo(f"{result.outcome.value:<18} {result.url}  ({result.detail})")
    click.echo(summary_line(counts, sum(counts.values()), "degraded" if degraded else ""), err=True)
    if degraded:
        click.echo(f"stopped: {degraded}. Check this machine's network and run again.", err=True)
        sys.exit(EXIT_DEGRADED)
    sys.exit(EXIT_BROKEN if broken else 0)


def register(cli: click.Group, stage_runner, open_db) -> None:
    @cli.command()
    @click.option("--due/--all", "due_only", default=True, show_default=True,
                  help="Check what is due now (default), or every community.")
    @click.option("--limit", type=click.IntRange(min=1), help="Check at most this many (the most overdue first).")
    @click.option("--concurrency", type=click.IntRange(min=1), help="Requests in flight at once (default 64).")
    @click.option("--per-host", type=click.IntRange(min=1), help="Requests in flight at once per host (default 2).")
    @click.option("--min-interval", type=click.FloatRange(min=0), help="Seconds between request starts per host (0.25).")
    @click.option("--no-robots", is_flag=True, help="Do not ask robots.txt (for your own hosts only).")
    @click.option("--method", type=click.Choice(["GET", "HEAD"], case_sensitive=False),
                  help="HEAD is cheaper but cannot see parked pages, soft 404s or expired invites.")
    @click.option("--config", "config_path", type=click.Path(path_type=Path), default=DEFAULT_PATH, show_default=True,
                  help="Politeness and canaries.")
    @click.option("--urls", "urls_file", help="Check the links of this file (or - for stdin) instead of the DB.")
    @click.option("--json", "as_json", is_flag=True, help="With --urls: one JSON object per link on stdout.")
    @click.option("--allow-host", "allow_hosts", multiple=True, metavar="HOST",
                  help="With --urls: admit this private host (or *.suffix), e.g. your own server.")
    @click.option("--deadline", type=click.FloatRange(min=0.1), help="Seconds allowed per request (default 20).")
    @click.pass_context
    def check(ctx: click.Context, due_only: bool, limit: int | None, concurrency: int | None, per_host: int | None,
              min_interval: float | None, no_robots: bool, method: str | None, config_path: Path,
              urls_file: str | None, as_json: bool, allow_hosts: tuple[str, ...], deadline: float | None) -> None:
        """Check links politely: what is due in the working DB, or the links of a file with --urls.

        \b
        Example:
          copdir check                      # what is due now
          copdir check --all --limit 500    # the 500 most overdue, due or not
          copdir check --urls README.md --json > results.jsonl
        \b
        Exit codes: 0 done (with --urls: nothing broken); 1 with --urls: a link is broken,
        otherwise the stage failed; 2 bad usage; 3 degraded (our own network is down: nothing changed).
        """
        try:
            settings = load_check_settings(config_path, concurrency=concurrency, per_host=per_host,
                                           min_interval_s=min_interval, robots=False if no_robots else None,
                                           method=method.upper() if method else None)
        except BadCheckerConfig as exc:
            raise click.UsageError(str(exc)) from exc
        now = ctx.obj["now"]
        if urls_file:
            check_links_file(urls_file, settings, allow_hosts, deadline, as_json, now)
            return
        if as_json or allow_hosts or deadline:
            raise click.UsageError("--json, --allow-host and --deadline go with --urls")
        progress = _Progress("checking")
        counts = stage_runner(_run_stage, open_db(ctx), now, due_only, limit, settings, progress)
        outcome = counts.pop("outcome")
        error = counts.pop("error")
        counts.pop("run_id")
        resumed = counts.pop("resumed")
        total = counts.pop("checked")
        click.echo(summary_line(Counter(counts), total, outcome) + (" (resumed an interrupted run)" if resumed else ""))
        if outcome == "degraded":
            click.echo(f"stopped: {error}. Nothing was marked failing; check the network and run again.", err=True)
            sys.exit(EXIT_DEGRADED)


def _run_stage(db, now, due_only, limit, settings, progress: _Progress) -> dict:
    from crawler.cli import stages

    try:
        return stages.check(db, now, due_only=due_only, limit=limit, settings=settings,
                            progress=progress.advance, on_targets=progress.start)
    finally:
        progress.finish()
