"""Dedupe subject (DD-1): catalogue.dedupe.find_candidates on entries with injected duplicates and traps.

The runner (standard library only) starts one child per run with the project's Python:

    .venv/bin/python -m bench.subjects.dedupe --entries 100000 --out result.json

The child draws the entries (bench/fixture/dedupe_set.py, not timed), times find_candidates, scores its
merges against the truth and reports its own peak RSS (VmHWM: it starts afresh at exec, where ru_maxrss
would start from the forking runner's size), and its RSS just before find_candidates.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from bench.measure import Spread, run_once
from bench.subjects import Context, Row, Subject

TARGET_ENTRIES = 100_000   # DD-1's size
# (entries, runs) per size: 1M entries take a minute to draw and half a minute to dedupe, so one run.
PLAN = {"quick": ((TARGET_ENTRIES, 1),), "full": ((TARGET_ENTRIES, 3), (1_000_000, 1))}
RUN_LIMIT_S = 900
GOAL = {"seconds": 30.0, "rss_mb": 1024.0, "precision": 0.95, "recall": 0.95}
# Seconds per run on a quiet machine (RESULTS.md): drawing the entries, find_candidates, scoring, start-up.
RECORDED_RUN_S = {TARGET_ENTRIES: 12.0, 1_000_000: 100.0}


def estimate_s(size: str) -> float:
    return sum(RECORDED_RUN_S.get(entries, entries / 10_000) * runs for entries, runs in PLAN[size])


def run(ctx: Context) -> list[Row]:
    return [run_size(ctx, entries, ctx.repeats or runs) for entries, runs in PLAN[ctx.size]]


def run_size(ctx: Context, entries: int, repeats: int) -> Row:
    run_dir = ctx.out / "dedupe" / str(entries)
    run_dir.mkdir(parents=True, exist_ok=True)
    python = str(ctx.copdir.parent / "python")
    print(f"  copdir · find_candidates: {entries:,} entries × {repeats}", end="", flush=True)
    results, codes, notes = [], [], []
    for attempt in range(repeats):
        out = run_dir / f"result-{attempt}.json"
        out.unlink(missing_ok=True)
        done = run_once([python, "-m", "bench.subjects.dedupe", "--entries", str(entries), "--out", str(out)],
                        stdout=run_dir / f"stdout-{attempt}", stderr=run_dir / f"stderr-{attempt}", cwd=ctx.repo,
                        timeout_s=RUN_LIMIT_S)
        codes.append(done.exit_code)
        if done.exit_code == 0 and out.exists():
            results.append(json.loads(out.read_text()))
            print(f" {results[-1]['find_candidates_s']:.1f}s", end="", flush=True)
        else:
            notes.append(f"run {attempt + 1} failed (exit {done.exit_code}): {_last_line(done.stderr)}")
    print(flush=True)
    if not results:
        return Row("dedupe", "copdir", "find_candidates, default thresholds", "—", entries, repeats,
                   Spread(0, 0, 0), 0.0, 0.0, codes, None, None, notes)
    walls = [result["find_candidates_s"] for result in results]
    median = sorted(results, key=lambda result: result["find_candidates_s"])[len(results) // 2]
    peak = max(result["peak_rss_mb"] for result in results)
    notes.append(verdict(median["find_candidates_s"], peak, median["score"], entries, median["near_misses"]))
    if repeats == 1 and not ctx.repeats:
        notes.append(f"one run (time budget); RSS before find_candidates {median['rss_before_mb']:.0f} MB "
                     f"(the entries themselves)")
    spread = Spread.of(walls)
    return Row("dedupe", "copdir", "find_candidates, default thresholds", median["thresholds"], entries, repeats,
               spread, round(entries / spread.median, 1) if spread.median else 0.0, peak, codes,
               median | {"peak_rss_mb": peak}, None, notes)


def verdict(seconds: float, rss_mb: float, score: dict, entries: int, near_misses: int) -> str:
    # Near misses are not in the goal, but a blocking that finds more pairs can bury a maintainer in them.
    figures = (f"{seconds:.1f} s, {rss_mb:.0f} MB, precision {score['precision']:.3f}, recall {score['recall']:.3f}, "
               f"{near_misses:,} near misses")
    if entries != TARGET_ENTRIES:
        return f"DD-1 is set for {TARGET_ENTRIES:,} entries; here {figures}"
    met = (seconds <= GOAL["seconds"] and rss_mb <= GOAL["rss_mb"] and score["precision"] >= GOAL["precision"]
           and score["recall"] >= GOAL["recall"])
    return f"DD-1 {'met' if met else 'MISSED'}: {figures}"


def _last_line(path: Path) -> str:
    lines = path.read_text(errors="replace").strip().splitlines() if path.exists() else []
    return lines[-1][:200] if lines else "no output"


SUBJECTS = (
    Subject("dedupe", "find_candidates on 100,000 entries (3 runs full, 1 quick) and 1,000,000 (full, one run), "
            "with injected duplicates and traps (DD-1)", (), ("quick", "full"), run, estimate_s),
)


# --- the child, run with the project's Python ------------------------------------------------------------

def _rss_mb(field: str) -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return round(int(line.split()[1]) / 1024, 1)
    return 0.0


def measure(entries: int) -> dict:
    from dataclasses import asdict

    from bench.fixture import dedupe_set
    from bench.subjects.dedupe_scoring import score
    from catalogue.dedupe import DEFAULT_DEDUPE, MERGE, Entry, find_candidates

    started = time.perf_counter()
    truth = dedupe_set.build(entries)
    items = [Entry(item.id, item.name, item.url, item.platform, frozenset(item.links)) for item in truth.items]
    generated_s = time.perf_counter() - started
    before_mb = _rss_mb("VmRSS")
    started = time.perf_counter()
    candidates = find_candidates(items)
    elapsed = time.perf_counter() - started
    peak_mb = _rss_mb("VmHWM")
    merges = [(c.left, c.right, c.rule) for c in candidates if c.verdict == MERGE]
    rules: dict[str, int] = {}
    for c in candidates:
        rules[f"{c.verdict} {c.rule}"] = rules.get(f"{c.verdict} {c.rule}", 0) + 1
    return {"entries": len(items), "find_candidates_s": round(elapsed, 3), "generate_s": round(generated_s, 2),
            "peak_rss_mb": peak_mb, "rss_before_mb": before_mb, "candidates": len(candidates),
            "merges": len(merges), "near_misses": len(candidates) - len(merges), "by_rule": rules,
            "thresholds": ", ".join(f"{k} {v}" for k, v in asdict(DEFAULT_DEDUPE).items()),
            "score": score(truth, merges, {item.id: item.name for item in items})}


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description="One timed run of catalogue.dedupe.find_candidates.")
    parser.add_argument("--entries", type=int, required=True)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args(argv)
    args.out.write_text(json.dumps(measure(args.entries), indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
