"""Catalogue-load subject (ST-1): the real catalogue/build.py on a generated working database.

The runner (standard library only) starts one child with the project's Python:

    .venv/bin/python -m bench.subjects.catalogue_load --links 1000000 --dir DIR --out result.json

The child writes a working database of that many links (bench/fixture/working_db.py; set-up, not timed),
then times `catalogue.build.build_catalogue` on it as `copdir build` calls it, with the site's metadata —
the whole build: every public table, the indexes, FTS, the guards (but the canaries: the generated links
are not the real ones) and the atomic publish. A clock wrapped around the build's calls (insert_all per
table, create_index, enable_fts, the evidence, the guards) says where the time went; it changes nothing.
The catalogue it publishes stays in DIR for the site-search subject; the working database is deleted.
"""

from __future__ import annotations

import argparse
import functools
import json
import sys
import threading
import time
from pathlib import Path

from bench import background
from bench.measure import Spread, run_once
from bench.subjects import Context, Row, Subject

TARGET_LINKS = 1_000_000   # ST-1's size
# The catalogues built per size, biggest first; site-search searches each of them.
LINKS = {"quick": (100_000,), "full": (TARGET_LINKS, 100_000)}
RUN_LIMIT_S = 1800
GOAL_S = 90.0
SETTING = "build_catalogue on a generated working DB"
# The build's seconds per 1M links on a quiet machine (RESULTS.md, 20261121T103720Z; 287 s in 144141Z, a slower
# day). The working DB is made in the background (bench/background.py) while the crawl and dedupe run: not counted.
RECORDED_BUILD_S = 155.0
_prepared: dict[int, background.Job] = {}   # links → the background generation of its working DB


def catalogue_dir(ctx: Context, links: int) -> Path:
    """Where the catalogue of that many links is built and waits for the site-search subject: in this run's own
    working directory (runs side by side do not share it; it goes when the run ends)."""
    return ctx.web.workdir / f"catalogue-{links}"


def estimate_s(size: str) -> float:
    return sum(5.0 + RECORDED_BUILD_S * links / 1_000_000 for links in LINKS[size])


def prepare(ctx: Context) -> None:
    """Generate the working DBs in the background, one after the other, on the fixture's CPU (idle by then)."""
    python = str(ctx.copdir.parent / "python")
    for links in LINKS[ctx.size]:
        working = catalogue_dir(ctx, links) / "copdir.db"
        working.parent.mkdir(parents=True, exist_ok=True)
        _prepared[links] = background.submit(f"working DB {links:,} links", [
            python, "-m", "bench.fixture.working_db", "--links", str(links), "--out", str(working)]
            + (["--fresh"] if ctx.fresh_fixtures else []), ctx.repo)


def build(ctx: Context, run_dir: Path, links: int) -> tuple[dict | None, int, str]:
    """Build the catalogue of `links` links in its directory: (the child's result, exit code, error line)."""
    out = run_dir / f"result-{links}.json"
    out.unlink(missing_ok=True)
    python = str(ctx.copdir.parent / "python")
    command = [python, "-m", "bench.subjects.catalogue_load", "--links", str(links), "--dir", str(catalogue_dir(ctx, links)),
               "--metadata", str(ctx.repo / "datasette_metadata.yml"), "--out", str(out)]
    if links in _prepared:
        generated = _prepared.pop(links).result()
        if generated.returncode != 0:
            return None, generated.returncode, (generated.stderr.strip().splitlines() or ["no output"])[-1][:200]
        command += ["--working", str(catalogue_dir(ctx, links) / "copdir.db")]
    done = run_once(command, stdout=run_dir / f"stdout-{links}", stderr=run_dir / f"stderr-{links}", cwd=ctx.repo,
                    timeout_s=RUN_LIMIT_S)
    if done.exit_code == 0 and out.exists():
        return json.loads(out.read_text()), 0, ""
    lines = done.stderr.read_text(errors="replace").strip().splitlines() if done.stderr.exists() else []
    return None, done.exit_code, lines[-1][:200] if lines else "no output"


def run(ctx: Context) -> list[Row]:
    run_dir = ctx.out / "catalogue-load"
    run_dir.mkdir(parents=True, exist_ok=True)
    return [run_size(ctx, run_dir, links) for links in LINKS[ctx.size]]


def run_size(ctx: Context, run_dir: Path, links: int) -> Row:
    print(f"  copdir · {SETTING}: {links:,} links × 1", end="", flush=True)
    result, code, error = build(ctx, run_dir, links)
    if result is None:
        print(" failed", flush=True)
        return Row("catalogue-load", "copdir", SETTING, "—", links, 1, Spread(0, 0, 0), 0.0, 0.0, [code], None,
                   None, [f"failed (exit {code}): {error}"])
    seconds, rows_s = result["build_s"], result["st1_s"]
    print(f" {seconds:.1f}s, rows with FTS {rows_s:.1f}s (set-up {result['generate_s']:.0f}s"
          f"{', in the background' if result['prepared'] else ''})", flush=True)
    slowest = sorted(result["steps"].items(), key=lambda item: -item[1])[:5]
    judged = f"ST-1 {'met' if rows_s <= GOAL_S else 'MISSED'}" if links == TARGET_LINKS else \
        f"ST-1 is set for {TARGET_LINKS:,} links; here"
    notes = [f"{judged}: {rows_s:.0f} s to load {links:,} links and {result['communities']:,} communities with FTS "
             f"({' + '.join(ST1_STEPS)}); the whole build, guards included, {seconds:.0f} s",
             "slowest steps: " + ", ".join(f"{step} {value:.0f} s" for step, value in slowest),
             f"peak RSS {result['peak_rss_mb']:.0f} MB, of it memory-mapped working-DB pages (page cache, shared); "
             f"private memory at most {result['peak_anon_mb']:.0f} MB",
             "one run (time budget: the 1M build takes minutes)"]
    if result.get("from_cache"):
        notes.append("working DB from bench/.cache")
    return Row("catalogue-load", "copdir", SETTING, "real build.py", links, 1,
               Spread(seconds, seconds, seconds), round(links / seconds, 1), result["peak_rss_mb"], [code],
               result, None, notes)


SUBJECTS = (
    Subject("catalogue-load", "the real catalogue build with FTS on 100,000 links quick; 1,000,000 and 100,000 "
            "full (ST-1)", (), ("quick", "full"), run, estimate_s, prepare=prepare),
)


# --- the child, run with the project's Python ------------------------------------------------------------

class StepClock:
    """Time per labelled call; a call made inside another timed call counts for the outer one only."""

    def __init__(self) -> None:
        self.totals: dict[str, float] = {}
        self.depth = 0

    def wrap(self, owner: object, attribute: str, label) -> None:
        original = getattr(owner, attribute)

        @functools.wraps(original)
        def timed(*args, **kwargs):
            self.depth += 1
            started = time.perf_counter()
            try:
                return original(*args, **kwargs)
            finally:
                self.depth -= 1
                if self.depth == 0:
                    name = label(*args)
                    self.totals[name] = self.totals.get(name, 0.0) + time.perf_counter() - started

        setattr(owner, attribute, timed)


# The build's own calls a clock is put around, where it has them (build.py changes; the clock follows).
BUILD_STEPS = {"write_check_rollups": "check roll-ups and uptime", "write_links": "links",
               "write_communities": "communities", "_copy_tables": "listings, presences, events, history, sources",
               "write_evidence": "evidence table", "check_all": "guards (at once)", "_sync": "sync to disk"}
# ST-1 is the load of the catalogue's rows (links, communities) with FTS; the rest of the build is reported beside it.
ST1_STEPS = ("links", "communities", "FTS")


def timed_build(working: Path, published: Path, metadata: Path | None) -> tuple[float, dict[str, float], object]:
    import sqlite_utils
    from sqlite_utils.db import Database, Table

    from bench.fixture.working_db import BUILT_AT
    from catalogue import build

    clock = StepClock()
    clock.wrap(Table, "insert_all", lambda table, *_: f"insert {table.name}")
    clock.wrap(Table, "create_index", lambda *_: "create indexes")
    clock.wrap(Table, "enable_fts", lambda *_: "FTS")
    clock.wrap(Database, "execute", lambda *_: "other SQL")
    for attribute, label in BUILD_STEPS.items():
        if callable(getattr(build, attribute, None)):
            clock.wrap(build, attribute, lambda *_, label=label: label)
    started = time.perf_counter()
    report = build.build_catalogue(sqlite_utils.Database(working), published, BUILT_AT, metadata=metadata)
    elapsed = time.perf_counter() - started
    steps = dict(clock.totals)
    steps["commit, publish, rest"] = elapsed - sum(steps.values())
    return elapsed, {step: round(value, 2) for step, value in steps.items()}, report


def _status_mb(field: str) -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return round(int(line.split()[1]) / 1024, 1)
    return 0.0


class AnonPeak:
    """The peak of private (anonymous) memory, sampled: VmHWM also counts the working DB's memory-mapped pages."""

    def __init__(self, every_s: float = 0.2) -> None:
        self.peak, self.every_s, self.done = 0.0, every_s, threading.Event()
        self.thread = threading.Thread(target=self._sample, daemon=True)

    def _sample(self) -> None:
        while not self.done.wait(self.every_s):
            self.peak = max(self.peak, _status_mb("RssAnon"))

    def __enter__(self) -> "AnonPeak":
        self.thread.start()
        return self

    def __exit__(self, *_) -> None:
        self.done.set()
        self.thread.join()


def measure(links: int, directory: Path, metadata: Path | None, prepared: Path | None = None) -> dict:
    from bench.fixture import working_db

    directory.mkdir(parents=True, exist_ok=True)
    working, published = prepared or directory / "copdir.db", directory / "catalogue.db"
    published.unlink(missing_ok=True)
    if prepared:   # generated ahead, in the background (working_db's main)
        made = json.loads(prepared.with_suffix(".json").read_text())
        rows, generated, from_cache = made["rows"], made["generate_s"], made.get("from_cache", False)
    else:
        started = time.perf_counter()
        rows = working_db.write(working, links)
        generated, from_cache = time.perf_counter() - started, False
    Path("/proc/self/clear_refs").write_text("5")  # peak RSS from here on: the build's, not the set-up's
    with AnonPeak() as anon:
        elapsed, steps, report = timed_build(working, published, metadata)
    peak = _status_mb("VmHWM")
    working.unlink()
    for leftover in working.parent.glob(f"{working.name}-*"):
        leftover.unlink()
    working.with_suffix(".json").unlink(missing_ok=True)
    return {"links": links, "communities": report.communities, "live": report.live, "build_s": round(elapsed, 2),
            "generate_s": round(generated, 1), "working_rows": rows, "steps": steps, "peak_rss_mb": peak,
            "peak_anon_mb": anon.peak, "st1_s": round(sum(steps.get(step, 0.0) for step in ST1_STEPS), 2),
            "catalogue_mb": round(published.stat().st_size / 2**20), "catalogue": str(published),
            "prepared": prepared is not None, "from_cache": from_cache}


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description="Generate a working DB and time the real catalogue build on it.")
    parser.add_argument("--links", type=int, required=True)
    parser.add_argument("--dir", type=Path, required=True, help="where catalogue.db is left for site search")
    parser.add_argument("--metadata", type=Path, help="the site's metadata: the build then checks the site answers")
    parser.add_argument("--working", type=Path, help="a working DB generated ahead (bench.fixture.working_db)")
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args(argv)
    args.out.write_text(json.dumps(measure(args.links, args.dir, args.metadata, args.working), indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
