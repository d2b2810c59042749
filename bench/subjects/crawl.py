"""Crawl subject (CR-1): copdir's discovery and profile spiders against Scrapy's own ceilings, on the directory site.

Steps, each on the same fixture (bench/fixture/directory_site.py, written into the running fixture web):

- `scrapy bench`: Scrapy's own benchmark on its own local server, a reference point from outside the fixture;
- no-op spider (`noop_spider.py`, stock Scrapy): follows the pagination and every community link, yields nothing;
- copdir discovery: `copdir discover` on a sources.yml naming the directory's first page, as a user lists it; the
  directory spider follows the list's `rel="next"` pagination as the no-op spider does, parsing and ingesting
  into a working DB;
- copdir profile: `copdir profile` on that working DB: every community's page, sitemap and feed, into SQLite.

copdir runs as a user runs it, through its CLI, with COPDIR_SAMPLE_WEB pointing the project's resolver seam
(crawler/netconfig.py) at the fixture's nginx: every name answers with 127.0.0.1:80, loopback is allowed, and
the spiders run with the sample web's settings (no download delay, 16 per host). The no-op spider gets the same
concurrency (32, 16 per host, no delay, robots.txt obeyed) and resolves through the sandbox's dnsmasq.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
from dataclasses import dataclass
from pathlib import Path

from bench.fixture.sets import NGINX_ADDRESS
from bench.measure import Run, Spread, run_once
from bench.subjects import Context, Row, Subject
from bench.subjects import crawl_figures as figures

COMMUNITIES = {"quick": 200, "full": 500}
REPEATS = {"quick": 1, "full": 3}
ONCE = {"quick": 1, "full": 1}   # `scrapy bench` is a reference point, its runs alike: once (the time budget)
# Seconds per run (20261121T123448Z, 500 communities, a loaded machine): fixed start-up + per community.
RECORDED_RUN_S = {"scrapy bench": (7.0, 0.0), "no-op spider": (2.0, 0.006), "discovery": (5.0, 0.001),
                  "profile": (1.5, 0.045)}
SCRAPY_BENCH_S = 5            # `scrapy bench` crawls its own server for this long (CLOSESPIDER_TIMEOUT)
RUN_LIMIT_S = 600
NOW = "2026-11-21T06:00:00+00:00"
NOOP = Path(__file__).with_name("noop_spider.py")
SAME_CONCURRENCY = ("CONCURRENT_REQUESTS=32", "CONCURRENT_REQUESTS_PER_DOMAIN=16", "DOWNLOAD_DELAY=0",
                    "ROBOTSTXT_OBEY=True", "COOKIES_ENABLED=False", "TELNETCONSOLE_ENABLED=False",
                    "TWISTED_REACTOR=twisted.internet.asyncioreactor.AsyncioSelectorReactor", "LOG_LEVEL=INFO")
COPDIR_LIMITS = "32 total, 16/host, no delay, robots.txt obeyed (COPDIR_SAMPLE_WEB: the sample web's settings)"
NOOP_LIMITS = "32 total, 16/host, no delay, robots.txt obeyed (the same, as Scrapy settings)"


@dataclass(frozen=True)
class Measured:
    run: Run
    pages: int
    items: int
    recall: float | None
    extra: dict


def run(ctx: Context) -> list[Row]:
    run_dir = ctx.out / "crawl"
    shutil.rmtree(run_dir, ignore_errors=True)
    run_dir.mkdir(parents=True)
    python, scrapy = str(ctx.copdir.parent / "python"), str(ctx.copdir.parent / "scrapy")
    manifest_path = run_dir / "site.json"
    written = run_once([python, "-m", "bench.fixture.directory_site", "--www", str(ctx.web.workdir / "www"),
                        "--communities", str(COMMUNITIES[ctx.size]), "--manifest", str(manifest_path)],
                       stdout=run_dir / "site.stdout", stderr=run_dir / "site.stderr", cwd=ctx.repo)
    if written.exit_code != 0:
        note = f"the directory site could not be written (exit {written.exit_code}): see {run_dir / 'site.stderr'}"
        return [Row("crawl", "copdir", "discovery + profile", "—", 0, 0, Spread(0, 0, 0), 0.0, 0.0,
                    [written.exit_code], None, None, [note])]
    manifest = json.loads(manifest_path.read_text())
    listed = [entry["url"] for entry in manifest["entries"]]
    sources = run_dir / "sources.yml"
    sources.write_text(f"sources:\n  - {{name: bench-directory, url: '{manifest['pages'][0]}', kind: html}}\n")
    print(f"  directory site: {len(manifest['pages'])} pages listing {len(listed):,} communities", flush=True)
    env = {key: value for key, value in os.environ.items() if key != "SCRAPY_SETTINGS_MODULE"}
    copdir_env = env | {"COPDIR_SAMPLE_WEB": f"{NGINX_ADDRESS}:80", "COPDIR_SUBMISSIONS_DB": str(run_dir / "none.db")}

    def scrapy_bench(step_dir: Path, attempt: int) -> Measured:
        done = run_once([scrapy, "bench", "-s", f"CLOSESPIDER_TIMEOUT={SCRAPY_BENCH_S}", "-s", "LOGSTATS_INTERVAL=60"],
                        stdout=step_dir / "stdout", stderr=step_dir / f"stderr-{attempt}", cwd=step_dir, env=env,
                        timeout_s=RUN_LIMIT_S)
        stats = figures.scrapy_stats(done.stderr.read_text(errors="replace"))
        return Measured(done, int(stats.get("responses", 0)), 0, None, stats)

    def noop(step_dir: Path, attempt: int) -> Measured:
        settings = [part for setting in SAME_CONCURRENCY for part in ("-s", setting)]
        return _served(ctx, step_dir, attempt, [scrapy, "runspider", str(NOOP), "-a", f"start={manifest['pages'][0]}",
                                                *settings], env, None)

    def discovery(step_dir: Path, attempt: int) -> Measured:
        db = step_dir / "copdir.db"
        _remove_database(db)
        found = _served(ctx, step_dir, attempt, [str(ctx.copdir), "--db", str(db), "--now", NOW, "discover",
                                                 "--sources", str(sources)], copdir_env, "observations")
        _copy_database(db, run_dir / "discovered.db")
        return Measured(found.run, found.pages, found.items, figures.recall(_urls(db), listed), found.extra)

    def profile(step_dir: Path, attempt: int) -> Measured:
        db = step_dir / "copdir.db"
        _copy_database(run_dir / "discovered.db", db)   # set-up, not timed: the same communities every run
        found = _served(ctx, step_dir, attempt, [str(ctx.copdir), "--db", str(db), "--now", NOW, "profile"],
                        copdir_env, "profiles")
        return Measured(found.run, found.pages, found.items, figures.recall(_urls(db, profiled=True), listed),
                        found.extra)

    steps = [("scrapy", "scrapy bench", f"its own server, {SCRAPY_BENCH_S} s", scrapy_bench, ONCE),
             ("scrapy", "no-op spider", NOOP_LIMITS, noop, REPEATS),
             ("copdir", "discovery", COPDIR_LIMITS, discovery, REPEATS),
             ("copdir", "profile", COPDIR_LIMITS, profile, REPEATS)]
    rows = []
    for tool, setting, limits, measure, runs in steps:
        if ctx.tools is not None and tool not in ctx.tools:
            continue
        if setting == "profile" and not (run_dir / "discovered.db").exists():
            continue
        step_dir = run_dir / setting.replace(" ", "-")
        step_dir.mkdir(exist_ok=True)
        count = ctx.repeats or runs[ctx.size]
        print(f"  {tool} · {setting}: × {count}", end="", flush=True)
        measured = []
        for attempt in range(count):
            measured.append(measure(step_dir, attempt))
            print(f" {measured[-1].run.wall_s:.1f}s", end="", flush=True)
        print(flush=True)
        rows.append(_row(tool, setting, limits, measured))
        if count < REPEATS[ctx.size]:
            rows[-1].notes.append(f"{count} run (time budget; the other steps {REPEATS[ctx.size]})")
    return _with_ratios(rows, len(listed))


def estimate_s(size: str) -> float:
    runs = {"scrapy bench": ONCE[size]}
    return 3.0 + sum((fixed + per * COMMUNITIES[size]) * runs.get(step, REPEATS[size])
                     for step, (fixed, per) in RECORDED_RUN_S.items())


def _served(ctx: Context, step_dir: Path, attempt: int, command: list[str], env: dict, items_key: str | None
            ) -> Measured:
    offset = ctx.web.log_offset()
    done = run_once(command, stdout=step_dir / f"stdout-{attempt}", stderr=step_dir / f"stderr-{attempt}",
                    cwd=ctx.repo if items_key else step_dir, env=env, timeout_s=RUN_LIMIT_S)
    log = ctx.web.log_since(offset)
    (step_dir / f"access-{attempt}.log").write_text(log)
    counted = figures.served(log)
    output = done.stdout.read_text(errors="replace")
    items = figures.cli_counts(output).get(items_key, 0) if items_key else 0
    return Measured(done, counted["requests"], items, None, counted | {"output": output.strip()[-300:]})


def _remove_database(db: Path) -> None:
    """The database and its WAL and shared-memory files: a stale -wal beside a fresh copy would corrupt it."""
    for leftover in db.parent.glob(db.name + "*"):
        leftover.unlink()


def _copy_database(source: Path, target: Path) -> None:
    """A consistent copy, through SQLite's backup: a file copy would miss what is still in the source's WAL."""
    _remove_database(target)
    reading, writing = sqlite3.connect(source), sqlite3.connect(target)
    try:
        reading.backup(writing)
    finally:
        writing.close()
        reading.close()


def _urls(db: Path, profiled: bool = False) -> list[str]:
    if not db.exists():
        return []
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as connection:
        where = " where profiled_at is not null" if profiled else ""
        return [url for (url,) in connection.execute(f"select canonical_url from communities{where}")]


def _row(tool: str, setting: str, limits: str, measured: list[Measured]) -> Row:
    walls = [m.extra.get("elapsed_s", m.run.wall_s) if setting == "scrapy bench" else m.run.wall_s for m in measured]
    spread = Spread.of(walls)
    median = sorted(zip(walls, measured), key=lambda pair: pair[0])[len(measured) // 2][1]
    score = {"pages": median.pages, "items": median.items, "items_per_s": figures.rate(median.items, spread.median),
             "recall": median.recall, "robots": median.extra.get("robots"), "errors": median.extra.get("errors"),
             "pages_per_run": [m.pages for m in measured]}
    notes = [f"run {i + 1} exited {m.run.exit_code}: {m.extra.get('output', '')[-160:]}"
             for i, m in enumerate(measured) if m.run.exit_code != 0]
    return Row("crawl", tool, setting, limits, median.pages, len(measured), spread,
               figures.rate(median.pages, spread.median), max(m.run.peak_rss_mb for m in measured),
               [m.run.exit_code for m in measured], score, None, notes)


def _with_ratios(rows: list[Row], listed: int) -> list[Row]:
    """Each row's pages/s against the no-op ceiling and `scrapy bench`, and what it found, in its notes."""
    rate_of = {row.setting: row.urls_per_s for row in rows}
    for row in rows:
        parts = []
        if row.setting == "scrapy bench":
            parts.append("its own local server (scrapy.utils.benchserver), pages and time from its stats")
        if row.score["items"]:
            parts.append(f"{row.score['items']:,} items, {row.score['items_per_s']:,.0f} items/s")
        if row.score["recall"] is not None:
            parts.append(f"recall {row.score['recall']:.3f} of {listed:,} listed")
        for reference in ("no-op spider", "scrapy bench"):
            share = figures.ratio(row.urls_per_s, rate_of.get(reference))
            if share is not None and row.setting != reference:
                parts.append(f"{share:.2f}× {reference}")
        row.score["ratios"] = {ref: figures.ratio(row.urls_per_s, rate_of.get(ref))
                               for ref in ("no-op spider", "scrapy bench")}
        row.notes[:0] = parts
    return rows


SUBJECTS = (
    Subject("crawl", "Scrapy's bench and a no-op spider, then copdir's discovery and profile spiders, on a paginated "
            "directory site of 200 communities quick, 500 full (CR-1)", (), ("quick", "full"), run, estimate_s,
            uses_web=True, light_on_web=True),
)
