#!/usr/bin/env python3
"""copdir's benchmark in one command: fixtures up, the ceiling first, every subject in turn, a verdict.

    python bench/run_all.py --size quick                       # under 5 minutes (`make bench`)
    python bench/run_all.py --size full                        # under 20 minutes
    python bench/run_all.py --size quick --subjects checker-mix --tools copdir,lychee

Needs root: the fixture web runs in its own network namespace (see bench/README.md). Outside it, this
script installs what is missing (Debian packages, the peers' virtual environment), then re-executes
itself inside the sandbox, where nothing can reach beyond loopback.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
sys.path.insert(0, str(REPO))

from bench import background, budget, ceiling, report, system  # noqa: E402
from bench.fixture import sandbox, sets, web  # noqa: E402
from bench.fixture.nginx_conf import ECHO_MODULE  # noqa: E402
from bench.peers import install  # noqa: E402
from bench.measure import Spread, cpus  # noqa: E402
from bench.subjects import Context, Row, Subject, registry  # noqa: E402

RESULTS = BENCH / "RESULTS.md"


def failed_row(subject: str, error: Exception) -> Row:
    """A subject that raised: a row that says so, so the table shows the gap instead of the run losing everything."""
    return Row(subject, "copdir", "the subject failed", "—", 0, 0, Spread(0, 0, 0), 0.0, 0.0, [1],
               notes=[f"FAILED: {type(error).__name__}: {error}"])


def parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size", choices=("quick", "full"), default="quick")
    parser.add_argument("--subjects", help="comma-separated subject names (default: all for this size)")
    parser.add_argument("--tools", help="comma-separated tools to run within the subjects (copdir, lychee, linkchecker)")
    parser.add_argument("--out", type=Path, default=BENCH / "results")
    parser.add_argument("--copdir", type=Path, default=REPO / ".venv" / "bin" / "copdir")
    parser.add_argument("--repeats", type=int, help="runs per step instead of the subject's own (for trying things out)")
    parser.add_argument("--no-record", action="store_true", help="do not append to bench/RESULTS.md")
    parser.add_argument("--fresh-fixtures", action="store_true",
                        help="make the generated fixtures (dedupe entries, working DBs) afresh, as a fresh clone does, "
                             "instead of copying them from bench/.cache")
    return parser.parse_args(argv)


def chosen_subjects(names: str | None, size: str) -> list[Subject]:
    known = registry()
    if names is None:
        return [subject for subject in known.values() if size in subject.sizes]
    wanted = [name.strip() for name in names.split(",") if name.strip()]
    unknown = [name for name in wanted if name not in known]
    if unknown:
        raise SystemExit(f"bench: unknown subject(s) {', '.join(unknown)}; known: {', '.join(known)}")
    return [known[name] for name in wanted if size in known[name].sizes]


def main(argv: list[str]) -> int:
    args = parse(argv)
    subjects = chosen_subjects(args.subjects, args.size)
    if not args.copdir.exists():
        raise SystemExit(f"bench: no copdir at {args.copdir}; run `make install` or pass --copdir PATH")
    if not sandbox.inside():
        system.ensure_packages()
        install.ensure()
        sandbox.reexec_inside(Path(__file__), argv)
    return run_inside(args, subjects)


def run_inside(args: argparse.Namespace, subjects: list[Subject]) -> int:
    started = time.monotonic()
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    workdir = Path(tempfile.mkdtemp(prefix="copdir-bench-"))
    sandbox.seal(workdir)
    needed = ["static"] + sorted({name for subject in subjects for name in subject.fixtures} - {"static"})
    phases = {}   # seconds of the runner's own work around the subjects: drawing and serving the fixture, the ceiling
    built = {name: sets.build(name, args.size) for name in needed}
    web.write_site(list(built.values()), workdir, echo=ECHO_MODULE.exists())
    fixture = web.FixtureWeb(workdir)
    fixture.start()
    phases["fixture web"] = round(time.monotonic() - started, 1)
    try:
        fixture_cpu, subject_cpu = cpus()
        served = ", ".join(f"{name}: {len(built_set.manifest()):,} URLs" for name, built_set in built.items())
        print(f"bench: fixture web up on loopback ({served}) in {phases['fixture web']:.0f} s; "
              f"fixture on CPU {fixture_cpu}, subjects on CPU {subject_cpu}", flush=True)
        limit = ceiling.measure(built["static"].hosts[0].name)
        phases["ceiling"] = round(time.monotonic() - started - phases["fixture web"], 1)
        print(f"bench: ceiling ({limit['tool']}): {limit['keepalive_rps']} req/s keep-alive, "
              f"{limit['new_connection_rps']} req/s new connection per request", flush=True)
        ctx = Context(args.size, args.out / "raw", built, fixture, args.copdir.resolve(), REPO, install.peers(),
                      frozenset(args.tools.split(",")) if args.tools else None, args.repeats, args.fresh_fixtures)
        print(f"bench: {budget.plan(subjects, args.size)}", flush=True)
        rows, timings = [], {}
        for index, subject in enumerate(subjects):
            if index == background.starts_at(subjects):
                # The fixture web's CPU is (nearly) idle from here on: the later subjects' set-up (1M dedupe entries,
                # working DBs) runs there meanwhile, at idle priority.
                for later in subjects[index:]:
                    if later.prepare:
                        later.prepare(ctx)
            if not any(later.uses_web for later in subjects[index:]):
                background.promote()
            print(f"bench: {subject.name} — {subject.description}", flush=True)
            subject_started = time.monotonic()
            try:
                rows += subject.run(ctx)
            except Exception as error:  # one subject's failure must not lose the others' figures
                print(f"bench: {subject.name} FAILED: {type(error).__name__}: {error}", flush=True)
                rows.append(failed_row(subject.name, error))
            timings[subject.name] = round(time.monotonic() - subject_started, 1)
            print(f"bench: {budget.elapsed(subject.name, timings[subject.name], subject.estimate_s(args.size))}",
                  flush=True)
    finally:
        fixture.stop()
    print(f"bench: {background.summary()}", flush=True)
    found = report.targets(rows)
    versions = web.versions() | install.versions(install.peers()) | copdir_versions(args.copdir)
    machine = system.machine()
    elapsed = time.monotonic() - started
    command = f"python bench/run_all.py --size {args.size}" + (f" --subjects {args.subjects}" if args.subjects else "") \
        + (f" --tools {args.tools}" if args.tools else "")
    header = (f"## {stamp} · `{command}` · {elapsed / 60:.1f} min\n\n"
              f"Machine: {machine['nproc']} CPUs ({machine['cpu']}), {machine['memory_gib']} GiB, kernel "
              f"{machine['kernel']}, {machine['os']}. Versions: " + ", ".join(f"{k} {v}" for k, v in versions.items())
              + (". No echo module: delays and slow bodies were not simulated." if not ECHO_MODULE.exists() else ".")
              + "\n\nTime per subject: " + ", ".join(f"{name} {seconds:.0f} s" for name, seconds in timings.items())
              + f" (the budget: {budget.BUDGET_S[args.size] / 60:.0f} min); before them: "
              + ", ".join(f"{name} {seconds:.0f} s" for name, seconds in phases.items())
              + f"; {background.summary()}.")
    table = report.markdown(rows, found, limit, header)
    payload = {"stamp": stamp, "command": command, "size": args.size, "elapsed_s": round(elapsed, 1),
               "machine": machine, "versions": versions, "ceiling": limit, "timings_s": timings, "phases_s": phases,
               "background_s": {job.name: {"took": round(job.took_s, 1), "waited": round(job.waited_s, 1)}
                                for job in background.jobs()},
               "targets": [target.__dict__ | {"verdict": target.verdict} for target in found], "rows": rows}
    json_path, md_path = report.write(args.out, stamp, payload, table)
    print("\n" + table)
    if not args.no_record:
        with RESULTS.open("a") as results:
            results.write("\n" + table)
    print(f"bench: done in {elapsed / 60:.1f} min; {json_path}, {md_path}"
          + ("" if args.no_record else f", appended to {RESULTS.relative_to(REPO)}"), flush=True)
    shutil.rmtree(workdir, ignore_errors=True)
    return 0


def copdir_versions(copdir: Path) -> dict[str, str]:
    python = copdir.parent / "python"
    script = "import importlib.metadata as m; print(m.version('copdir'), m.version('httpx'))"
    done = subprocess.run([str(python), "-c", script], capture_output=True, text=True)
    copdir_version, httpx_version = (done.stdout.split() + ["?", "?"])[:2]
    revision = subprocess.run(["git", "-C", str(REPO), "describe", "--always", "--dirty"],
                              capture_output=True, text=True).stdout.strip() or "?"
    return {"copdir": f"{copdir_version} ({revision})", "httpx": httpx_version}


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
