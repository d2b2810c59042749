"""Link-checker subjects: copdir's checker side by side with lychee and LinkChecker on the same URLs.

Every tool gets the same time-out. "copdir's limits" gives a peer copdir's production per-host
concurrency, per-host interval and total concurrency, read from `copdir check --help`; "limits off"
lifts the per-host limits and robots.txt for everyone, keeping copdir's total concurrency.
"""

from __future__ import annotations

import json
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from bench import scoring
from bench.fixture.accesslog import politeness
from bench.fixture.sets import DOMAIN, FixtureSet
from bench.limits import Limits
from bench.measure import Run, Spread, run_once
from bench.peers import linkchecker, lychee
from bench.subjects import Context, Row, Subject

TIMEOUT_S = 5.0           # per request, for every tool: hung hosts cost a time-out each
RUN_LIMIT_S = 900         # a run still going after this is killed and reported
REPEATS = {"quick": 1, "full": 3}                # runs per step; quick must stay under 5 minutes
# Budget (quick < 5 min, full < 20 min): steps whose runs barely differ, or whose target is far, run once.
# LinkChecker varies ±7 %, far from the LC-2/3 bars; lychee at copdir's limits paces itself (8.24–8.27 s,
# 61.52–61.56 s in 20261121T060548Z); copdir with limits off (LC-4) was at 0.14× against a 0.3× bar.
ONCE = {"quick": 1, "full": 1}
LINKCHECKER_CAP = {"quick": 100, "full": 500}      # LinkChecker checks 10–80 URLs/s: whole hosts, fewer URLs
LINKCHECKER_MIX_CAP = {"quick": 50, "full": 250}   # on the mix it waits out every hang: 63 s for 492 URLs
# Seconds per run and the URLs they were for, on a quiet machine (RESULTS.md, 20261121T060548Z; copdir on the big
# set from 20261121T063652Z, after the checker's last speed-up): estimates.
RECORDED_RUN_S = {
    ("static", "copdir", "production politeness"): (12, 10_000), ("static", "copdir", "limits off"): (11, 10_000),
    ("static", "lychee", "defaults"): (2, 10_000), ("static", "lychee", "copdir's limits"): (8.5, 10_000),
    ("static", "lychee", "limits off"): (2, 10_000), ("static", "linkchecker", "defaults"): (21, 500),
    ("static", "linkchecker", "limits off"): (9, 500), ("mix", "copdir", "production politeness"): (21, 10_000),
    ("mix", "lychee", "copdir's limits"): (62, 10_000), ("mix", "linkchecker", "copdir's limits"): (63, 492),
    ("big", "copdir", "production politeness"): (135, 100_000), ("big", "lychee", "defaults"): (20, 100_000),
}
# Of those seconds, what a run waits whatever its size: the time-outs of hung hosts, with retries (the mix).
FIXED_S = {("mix", "lychee", "copdir's limits"): 25.0, ("mix", "linkchecker", "copdir's limits"): 30.0}
SET_URLS = {("static", "quick"): 10_000, ("static", "full"): 10_000, ("mix", "quick"): 2_000,
            ("mix", "full"): 10_000, ("big", "full"): 100_000}
STEP_OVERHEAD_S = 1.5   # start-up, reading the access log, scoring

# What copdir documents today, used only if `copdir check --help` cannot be read.
COPDIR_FALLBACK = Limits(concurrency=64, per_host=2, min_interval_s=0.25, timeout_s=TIMEOUT_S)
LYCHEE_DEFAULTS = Limits(concurrency=128, per_host=10, min_interval_s=0.05, timeout_s=TIMEOUT_S)
LINKCHECKER_DEFAULTS = Limits(concurrency=10, per_host=None, min_interval_s=0.1, timeout_s=TIMEOUT_S)


@dataclass(frozen=True)
class Invocation:
    command: list[str]
    answers: Path               # the file holding the tool's per-URL results
    stdin: Path | None = None
    cwd: Path | None = None


@dataclass(frozen=True)
class Step:
    tool: str
    setting: str
    limits: Limits              # what it was told, as the table shows it
    promise: Limits | None      # what the fixture's log is checked against (LC-8); None: measured only
    invoke: Callable[[Context, Path, Path], Invocation]   # (context, URL file, run directory)
    read: Callable[[Path], dict[str, str]]
    cap: dict[str, int] | None = None
    runs: dict[str, int] | None = None   # instead of the subject's runs per step (the time budget)


def copdir_defaults(copdir: Path) -> tuple[Limits, str]:
    """copdir's production politeness as its help states it, and where the figures came from."""
    try:
        text = subprocess.run([str(copdir), "check", "--help"], capture_output=True, text=True, timeout=60).stdout
    except (OSError, subprocess.TimeoutExpired):
        text = ""
    text = " ".join(text.split())
    found = {option: _default_of(text, option) for option in ("--concurrency", "--per-host", "--min-interval")}
    if None in found.values():
        return COPDIR_FALLBACK, "copdir check --help did not state every default; using the documented ones"
    return Limits(int(found["--concurrency"]), int(found["--per-host"]), found["--min-interval"],
                  TIMEOUT_S), "from copdir check --help"


def _default_of(help_text: str, option: str) -> float | None:
    described = re.search(rf"{option} [A-Z ]+?(?= [A-Z(])(.*?)(?= --[a-z]|$)", help_text)
    if not described:
        return None
    value = re.search(r"default:?\s*([\d.]+)|\(([\d.]+)\)", described.group(1))
    return float(value.group(1) or value.group(2)) if value else None


def steps(ctx: Context, production: Limits) -> list[Step]:
    same = Limits(production.concurrency, production.per_host, production.min_interval_s, TIMEOUT_S)
    off = Limits(production.concurrency, 1000, 0.0, TIMEOUT_S, robots=False)
    cap = LINKCHECKER_CAP
    return [
        Step("copdir", "production politeness", same, same, _copdir(None), copdir_answers),
        Step("copdir", "limits off", off, None, _copdir(off), copdir_answers, runs=ONCE),
        Step("lychee", "defaults", LYCHEE_DEFAULTS, LYCHEE_DEFAULTS, _lychee(None), lychee.answers),
        Step("lychee", "copdir's limits", same, same, _lychee(same), lychee.answers, runs=ONCE),
        Step("lychee", "limits off", off, None, _lychee(off), lychee.answers),
        Step("linkchecker", "defaults", LINKCHECKER_DEFAULTS, LINKCHECKER_DEFAULTS, _linkchecker(None),
             linkchecker.answers, cap, ONCE),
        Step("linkchecker", "copdir's limits", same, same, _linkchecker(same), linkchecker.answers,
             LINKCHECKER_MIX_CAP, ONCE),
        Step("linkchecker", "limits off", off, None, _linkchecker(off), linkchecker.answers, cap, ONCE),
    ]


def _copdir(limits: Limits | None) -> Callable[[Context, Path, Path], Invocation]:
    def invoke(ctx: Context, urls: Path, run_dir: Path) -> Invocation:
        line = [str(ctx.copdir), "check", "--urls", str(urls), "--json", "--allow-host", f"*.{DOMAIN}",
                "--deadline", f"{TIMEOUT_S:g}"]
        if limits is not None:  # None: production politeness, copdir's own defaults
            line += ["--concurrency", str(limits.concurrency), "--per-host", str(limits.per_host),
                     "--min-interval", f"{limits.min_interval_s:g}"] + ([] if limits.robots else ["--no-robots"])
        # From the repository, so copdir reads its own data/checker.yml as in production.
        return Invocation(line, run_dir / "stdout", cwd=ctx.repo)
    return invoke


def copdir_answers(output: Path) -> dict[str, str]:
    found = {}
    for line in output.read_text(errors="replace").splitlines() if output.exists() else []:
        try:
            record = json.loads(line)
        except ValueError:
            continue
        if isinstance(record, dict) and "url" in record:
            found[record["url"]] = str(record.get("outcome"))
    return found


def _lychee(limits: Limits | None) -> Callable[[Context, Path, Path], Invocation]:
    def invoke(ctx: Context, urls: Path, run_dir: Path) -> Invocation:
        report = run_dir / "lychee.json"
        report.unlink(missing_ok=True)
        return Invocation(lychee.command(ctx.peers.lychee, urls, report, limits, TIMEOUT_S), report)
    return invoke


def _linkchecker(limits: Limits | None) -> Callable[[Context, Path, Path], Invocation]:
    def invoke(ctx: Context, urls: Path, run_dir: Path) -> Invocation:
        config = run_dir / "linkcheckerrc"
        config.write_text(linkchecker.config(limits, TIMEOUT_S))
        config.chmod(0o644)  # LinkChecker drops root for nobody before it reads it
        return Invocation(linkchecker.command(ctx.peers.linkchecker, config, limits), run_dir / "stdout", stdin=urls)
    return invoke


def run_step(ctx: Context, subject: str, fixture: FixtureSet, step: Step, repeats: int) -> Row:
    """Run one step `repeats` times; score and politeness come from the median run."""
    notes = []
    cap = (step.cap or {}).get(ctx.size)
    if cap and len(fixture.manifest()) > cap:
        fixture = fixture.subset(cap)
        notes.append(f"first {len(fixture.manifest())} URLs (whole hosts) of the set: it is slow")
    manifest = fixture.manifest()
    run_dir = ctx.out / subject / f"{step.tool}-{_slug(step.setting)}"
    run_dir.mkdir(parents=True, exist_ok=True)
    urls = run_dir / "urls.txt"
    urls.write_text("".join(f"{url}\n" for url in manifest))
    urls.chmod(0o644)
    print(f"  {step.tool} · {step.setting}: {len(manifest)} URLs × {repeats}", end="", flush=True)
    outcomes: list[tuple[Run, dict[str, str], str]] = []
    for attempt in range(repeats):
        invocation = step.invoke(ctx, urls, run_dir)
        offset = ctx.web.log_offset()
        run = run_once(invocation.command, stdout=run_dir / "stdout", stderr=run_dir / f"stderr-{attempt}",
                       stdin=invocation.stdin, cwd=invocation.cwd, timeout_s=RUN_LIMIT_S)
        log = ctx.web.log_since(offset)
        (run_dir / f"access-{attempt}.log").write_text(log)  # what the fixture saw, for reading later
        outcomes.append((run, step.read(invocation.answers), log))
        print(f" {run.wall_s:.1f}s", end="", flush=True)
        if run.timed_out:
            notes.append(f"run {attempt + 1} killed after {RUN_LIMIT_S} s")
    print(flush=True)
    walls = [run.wall_s for run, _, _ in outcomes]
    median_run, answers, log = sorted(outcomes, key=lambda item: item[0].wall_s)[len(outcomes) // 2]
    scored = scoring.score(manifest, answers)
    if scored["answered"] < len(manifest):
        notes.append(f"{len(manifest) - scored['answered']} URLs missing from its output")
    promise = step.promise
    polite = politeness(log, per_host=promise.per_host if promise else None,
                        min_interval_s=promise.min_interval_s if promise else None)
    spread = Spread.of(walls)
    return Row(subject, step.tool, step.setting, step.limits.describe(), len(manifest), repeats, spread,
               round(len(manifest) / spread.median, 1) if spread.median else 0.0,
               max(run.peak_rss_mb for run, _, _ in outcomes), [run.exit_code for run, _, _ in outcomes],
               scored, polite.as_dict() | {"checked_against": promise.describe() if promise else None}, notes)


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def _runner(fixture_name: str, wanted: set[tuple[str, str]], repeats: dict[str, int]
            ) -> Callable[[Context], list[Row]]:
    def run(ctx: Context) -> list[Row]:
        production, source = copdir_defaults(ctx.copdir)
        print(f"  copdir's production politeness ({source}): {production.describe()}", flush=True)
        subject = f"checker-{fixture_name}"
        chosen = [step for step in steps(ctx, production)
                  if (step.tool, step.setting) in wanted and (ctx.tools is None or step.tool in ctx.tools)]
        rows = []
        for step in chosen:
            count = ctx.repeats or (step.runs or repeats)[ctx.size]
            rows.append(run_step(ctx, subject, ctx.sets[fixture_name], step, count))
            if count < repeats[ctx.size]:
                rows[-1].notes.append(f"{count} run (time budget; the subject's other steps {repeats[ctx.size]})")
        return rows
    return run


def _estimate(fixture_name: str, wanted: set[tuple[str, str]], repeats: dict[str, int]) -> Callable[[str], float]:
    """Seconds for the subject at a size: each step's recorded seconds per URL × its URLs × its runs."""
    def estimate(size: str) -> float:
        total = 0.0
        for step in steps(None, COPDIR_FALLBACK):
            if (step.tool, step.setting) not in wanted:
                continue
            key = (fixture_name, step.tool, step.setting)
            (seconds, measured_urls), fixed = RECORDED_RUN_S[key], FIXED_S.get(key, 0.0)
            urls = min(SET_URLS[(fixture_name, size)], (step.cap or {}).get(size, 10**9))
            run_s = fixed + (seconds - fixed) * urls / measured_urls + STEP_OVERHEAD_S
            total += run_s * (step.runs or repeats)[size]
        return total
    return estimate


PRODUCTION = ("copdir", "production politeness")
# Raw speed needs every setting; the mix is about wall time at the same limits and about classes.
STATIC_STEPS = {PRODUCTION, ("copdir", "limits off"), ("lychee", "defaults"), ("lychee", "copdir's limits"),
                ("lychee", "limits off"), ("linkchecker", "defaults"), ("linkchecker", "limits off")}
MIX_STEPS = {PRODUCTION, ("lychee", "copdir's limits"), ("linkchecker", "copdir's limits")}
BIG_STEPS = {PRODUCTION, ("lychee", "defaults")}

SUBJECTS = (
    Subject("checker-static", "10,000 URLs over 1,000 hosts, all answering 200 (LC-1..LC-4, LC-8)",
            ("static",), ("quick", "full"), _runner("static", STATIC_STEPS, REPEATS),
            _estimate("static", STATIC_STEPS, REPEATS), uses_web=True),
    Subject("checker-mix", "the failure mix with ground truth: 2,000 URLs quick, 10,000 full (LC-5, LC-6, LC-8)",
            ("mix",), ("quick", "full"), _runner("mix", MIX_STEPS, REPEATS), _estimate("mix", MIX_STEPS, REPEATS),
            uses_web=True),
    Subject("checker-big", "100,000 URLs over 10,000 hosts, for peak memory (LC-7); one run each",
            ("big",), ("full",), _runner("big", BIG_STEPS, {"full": 1}), _estimate("big", BIG_STEPS, {"full": 1}),
            uses_web=True),
)
