"""Site-search subject (FT-1..3): searches through the running site, served by the project's own command.

The catalogue is the one the catalogue-load subject built (built here, untimed, if that subject did not
run). One child run with the project's Python picks the terms, times the search SQL straight on SQLite
(the floor under the site), then for each configuration starts Datasette with
`catalogue.publish.datasette_command` and datasette_metadata.yml on loopback, on the subject CPU, moves
itself to the other CPU and asks either the site's own search page, `/search?q=TERM` (HTML) and
`/search.json?q=TERM` (catalogue/search.py: what the site ships), or Datasette's table view,
`/catalogue/communities?_search=TERM` and `….json?_search=TERM` (the researchers' view, kept as the peer):

- one request at a time, for rare, middling and common terms (picked by their count in the FTS index:
  ≤ 0.1 % of rows, 0.5–5 %, ≥ 80 %), and the common term filtered to the rarest platform (the most rows a
  filter makes a page look through): p50, p95, errors (non-200, Datasette's "SQL Interrupted", or the
  search page's own "took too long");
- ten clients at once for a fixed time, rare and middling terms mixed: searches per second.

Configurations: the search page with the project's settings (publish.SETTINGS: the one FT-1..3 are judged
on); the table view with the project's settings, with Datasette's defaults (no --setting), with the
project's plus TUNED (settings on the command line), and TUNED with search URLs that skip the count and
the facets — not a setting: what the search form would have to ask for.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from bench.measure import Spread, run_once
from bench.subjects import Context, Row, Subject, catalogue_load
from bench.subjects import datasette_server as server


@dataclass(frozen=True)
class Config:
    name: str
    settings: str                    # "project": publish.SETTINGS; "defaults": no --setting at all
    extra: tuple[tuple[str, str], ...] = ()   # more --setting pairs, after the project's
    query: str = ""                  # appended to every search URL
    page: str = "table"              # "search": the site's /search page; "table": Datasette's table view

    def path(self, fmt: str, term: str, extra: str = "") -> str:
        """The URL of a search for `term` ("html" or "json"); `extra`: more arguments, "&name=value"."""
        if self.page == "search":
            return f"/search{'.json' if fmt == 'json' else ''}?q={quote(term)}{extra}{self.query}"
        return f"/catalogue/communities{'.json' if fmt == 'json' else ''}?_search={quote(term)}{extra}{self.query}"


# Settings that help beyond publish.SETTINGS, on the command line only; no setting meets FT-1..3 alone
# (RESULTS.md has before and after). HTML costs about 1 ms per row shown, so 20 rows instead of 50; a facet
# that takes more than 50 ms is dropped (at ≤ 20 ms Datasette checks its clock on every SQLite instruction,
# which costs more than it saves).
TUNED = (("default_page_size", "20"), ("facet_time_limit_ms", "50"))
NO_COUNT_NO_FACETS = "&_nocount=1&_nofacet=1"
CONFIGS = (
    Config("search page, project settings", "project", page="search"),   # what the site ships: judged
    Config("project settings", "project"),                                # the table view from here on
    Config("Datasette defaults", "defaults"),
    Config("project settings + tuned", "project", TUNED),
    Config("tuned, search URLs with _nocount=1&_nofacet=1", "project", TUNED, NO_COUNT_NO_FACETS),
)
SHIPPED = CONFIGS[0]
# Quick runs the search page and the table view with the shipped settings. Full runs, at 1M, the search page, the
# table view as shipped and its best tuning; at 100k the search page. Datasette's defaults and "project + tuned"
# cost 5 minutes at 1M and were recorded in RESULTS.md (20261121T103720Z): `--all-configs` on the child runs them.
CONFIGS_BY_SIZE = {"quick": CONFIGS[:2], "full": (CONFIGS[0], CONFIGS[1], CONFIGS[4])}
SMALLER_CATALOGUE_CONFIGS = (SHIPPED,)
SAMPLES = {"quick": {"rare": 8, "mid": 8, "common": 2, "filtered": 2},
           "full": {"rare": 40, "mid": 40, "common": 8, "filtered": 8}}  # per format
# The table view answers a common term in 1.5–5.5 s at 1M: fewer of those samples (p95 of 4 is their maximum).
TABLE_VIEW_SAMPLES = {"quick": SAMPLES["quick"], "full": {"rare": 20, "mid": 20, "common": 2, "filtered": 2}}
THROUGHPUT_S = {"quick": 4.0, "full": 10.0}
# Seconds per configuration (its index in CONFIGS) and catalogue size, from the latencies recorded on a quiet
# machine (20261121T103720Z) × the samples above, plus start-up and warm-up; "terms": picking them, the raw SQL.
RECORDED_S = {("terms", 100_000): 5.0, ("terms", 1_000_000): 30.0, (0, 100_000): 15.0, (0, 1_000_000): 21.0,
              (1, 100_000): 25.0, (1, 1_000_000): 100.0, (2, 100_000): 40.0, (2, 1_000_000): 200.0,
              (3, 100_000): 25.0, (3, 1_000_000): 90.0, (4, 100_000): 15.0, (4, 1_000_000): 44.0}
RAW_REPEATS = {"quick": 1, "full": 3}
TARGET_ROWS = 900_000   # FT-1..3 are judged at 1M links (960,000 communities once merged)
CONCURRENCY = 10
GOAL = {"p50_ms": 50.0, "p95_ms": 200.0, "common_p95_ms": 1000.0, "per_s": 100.0}
RUN_LIMIT_S = 2400


def estimate_s(size: str) -> float:
    total = 0.0
    for links in catalogue_load.LINKS[size]:
        configs = configs_for(size, links)
        total += RECORDED_S[("terms", links)] + sum(RECORDED_S[(CONFIGS.index(config), links)] for config in configs)
    return total


def configs_for(size: str, links: int) -> tuple[Config, ...]:
    return CONFIGS_BY_SIZE[size] if links == max(catalogue_load.LINKS[size]) else SMALLER_CATALOGUE_CONFIGS


def run(ctx: Context) -> list[Row]:
    return [row for links in catalogue_load.LINKS[ctx.size] for row in run_catalogue(ctx, links)]


def run_catalogue(ctx: Context, links: int) -> list[Row]:
    run_dir = ctx.out / "site-search" / str(links)
    run_dir.mkdir(parents=True, exist_ok=True)
    catalogue = catalogue_load.catalogue_dir(ctx, links) / "catalogue.db"
    configs = configs_for(ctx.size, links)
    label = "" if links == max(catalogue_load.LINKS[ctx.size]) else f", {links:,} links"
    notes = []
    if not catalogue.exists():
        print(f"  building the catalogue first ({links:,} links, not timed)", flush=True)
        built, code, error = catalogue_load.build(ctx, run_dir, links)
        if built is None:
            return [_failed(config, label, code, f"no catalogue: the build failed (exit {code}): {error}")
                    for config in configs]
        notes.append("catalogue built for this subject")
    out = run_dir / "result.json"
    out.unlink(missing_ok=True)
    print(f"  datasette · {len(configs)} configuration(s) on the catalogue of {links:,} links", flush=True)
    done = run_once([str(ctx.copdir.parent / "python"), "-m", "bench.subjects.site_search", "--catalogue",
                     str(catalogue), "--metadata", str(ctx.repo / "datasette_metadata.yml"), "--size", ctx.size,
                     "--configs", ",".join(str(CONFIGS.index(config)) for config in configs), "--out", str(out)],
                    stdout=run_dir / "stdout", stderr=run_dir / "stderr", cwd=ctx.repo, timeout_s=RUN_LIMIT_S)
    shutil.rmtree(catalogue.parent, ignore_errors=True)
    if done.exit_code != 0 or not out.exists():
        return [_failed(config, label, done.exit_code, f"failed (exit {done.exit_code})") for config in configs]
    result = json.loads(out.read_text())
    rows = []
    for measured in result["configs"]:
        load = measured["throughput"]
        shared = {key: result[key] for key in ("rows", "terms", "filter", "raw_fts", "before_configs_s")
                  if key in result}
        rows.append(Row("site-search", "datasette", measured["config"] + label, measured["settings"], load["requests"],
                        1, Spread(load["wall_s"], load["wall_s"], load["wall_s"]), load["per_s"],
                        measured["server_peak_rss_mb"], [done.exit_code], shared | measured, None,
                        notes + [f"{result['rows']:,} rows"] + verdicts(measured, result["rows"])))
    shipped = next((row for row in rows if row.setting == SHIPPED.name + label), None)
    for row in rows:
        if shipped and row is not shipped:
            row.notes.append(versus_peer(shipped.score, row.score))
    return rows


def versus_peer(ours: dict, peer: dict) -> str:
    """The site's search page against a table-view configuration (the peer): how many times faster."""
    def times(peer_value: float, our_value: float) -> str:
        return f"{peer_value / our_value:.1f}×" if our_value else "—"
    return (f"the search page is {times(peer['selective']['p50_ms'], ours['selective']['p50_ms'])} faster at p50 on "
            f"selective terms, {times(peer['latency']['common']['all']['p95_ms'], ours['latency']['common']['all']['p95_ms'])}"
            f" at p95 on the common term, {times(ours['throughput']['per_s'], peer['throughput']['per_s'])} the "
            f"searches/s of this configuration")


def _failed(config: Config, label: str, code: int, note: str) -> Row:
    return Row("site-search", "datasette", config.name + label, "—", 0, 1, Spread(0, 0, 0), 0.0, 0.0, [code], None,
               None, [note])


def verdicts(result: dict, rows: int) -> list[str]:
    selective, common, load = result["selective"], result["latency"]["common"]["all"], result["throughput"]
    ft1 = selective["p50_ms"] <= GOAL["p50_ms"] and selective["p95_ms"] <= GOAL["p95_ms"] and not selective["errors"]
    ft2 = common["p95_ms"] <= GOAL["common_p95_ms"] and not common["errors"]
    ft3 = load["per_s"] >= GOAL["per_s"] and not load["errors"]
    word = {True: "met", False: "MISSED"} if rows >= TARGET_ROWS else {True: "(1M only)", False: "(1M only)"}
    return [f"FT-1 {word[ft1]}: selective p50 {selective['p50_ms']:.0f} ms, p95 {selective['p95_ms']:.0f} ms, "
            f"{selective['errors']} errors",
            f"FT-2 {word[ft2]}: common p95 {common['p95_ms']:.0f} ms, {common['errors']} errors "
            f"({common['time_limit_errors']} time-limit)",
            f"FT-3 {word[ft3]}: {load['per_s']:.0f} searches/s at {CONCURRENCY} concurrent, {load['errors']} errors"]


SUBJECTS = (
    Subject("site-search", "searches through the running site (Datasette) on the built catalogues: 100,000 links "
            "quick; 1,000,000 and 100,000 full (FT-1..FT-3)", (), ("quick", "full"), run, estimate_s),
)


# --- the child, run with the project's Python ------------------------------------------------------------

def search_paths(config: Config, terms: dict[str, dict[str, int]], rarest_platform: str | None) -> dict:
    """{class: {"html": [path, …], "json": [path, …]}}: "filtered" is the common terms with the rarest platform."""
    wanted = {name: [(term, "") for term in found] for name, found in terms.items()}
    wanted["filtered"] = [(term, f"&platform={quote(rarest_platform)}") for term in terms.get("common", {})] \
        if rarest_platform else []
    return {name: {fmt: [config.path(fmt, term, extra) for term, extra in pairs] for fmt in ("html", "json")}
            for name, pairs in wanted.items()}


def serve_and_measure(catalogue: Path, metadata: Path, config: Config, terms: dict[str, dict[str, int]],
                      rarest_platform: str | None, size: str, log: Path) -> dict:
    from bench.subjects import search_client as client

    facets = server.metadata_facets(metadata)
    port = server.free_port()
    command = server.server_command(catalogue, metadata, port, config.settings, config.extra)
    subject_cpu = os.sched_getaffinity(0)
    with log.open("ab") as server_log:   # started on the subject CPU (the child's), then the client moves off it
        process = subprocess.Popen(command, stdout=server_log, stderr=subprocess.STDOUT, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    clock = _PhaseClock()
    try:
        server.wait_until_up(base, process)
        clock.lap("start-up")
        os.sched_setaffinity(0, server.client_cpu(subject_cpu))
        paths = search_paths(config, terms, rarest_platform)
        client.one_at_a_time(base, [path for by_format in paths.values() for some in by_format.values()
                                    for path in some], facets)   # warm-up: page cache, first-time imports
        clock.lap("warm-up")
        latency, selective = {}, []
        for name, by_format in paths.items():
            latency[name], every = {}, []
            for fmt, some in by_format.items():
                wanted = (SAMPLES if config.page == "search" else TABLE_VIEW_SAMPLES)[size][name] if some else 0
                answers = client.one_at_a_time(base, [some[i % len(some)] for i in range(wanted)], facets)
                latency[name][fmt] = client.summary(answers)
                every += answers
            latency[name]["all"] = client.summary(every)
            selective += every if name in ("rare", "mid") else []
        clock.lap("one at a time")
        mixed = [path for name in ("rare", "mid") for pair in zip(paths[name]["html"], paths[name]["json"])
                 for path in pair]
        answers, wall = client.many_at_once(base, mixed, facets, CONCURRENCY, THROUGHPUT_S[size]) if mixed \
            else ([], 0.0)
        load = client.summary(answers) | {"wall_s": round(wall, 2),
                                          "per_s": round(len(answers) / wall, 1) if wall else 0.0}
        clock.lap("throughput")
        peak = server.peak_rss_mb(process.pid)
    finally:
        os.sched_setaffinity(0, subject_cpu)
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
    settings = server.settings_of(command) + (f"; URLs end {config.query}" if config.query else "")
    return {"config": config.name, "settings": settings,
            "latency": latency, "selective": client.summary(selective), "throughput": load,
            "server_peak_rss_mb": peak, "phases_s": clock.laps}


class _PhaseClock:
    """Seconds per phase of the child's work, in order: where the subject's time goes beyond what is measured."""

    def __init__(self) -> None:
        self.laps: dict[str, float] = {}
        self.last = time.perf_counter()

    def lap(self, name: str) -> None:
        now = time.perf_counter()
        self.laps[name] = round(now - self.last, 1)
        self.last = now


def measure(catalogue: Path, metadata: Path, size: str, log: Path, configs: tuple[Config, ...] | None = None) -> dict:
    from bench.subjects.search_terms import pick_terms, rarest_platform, raw_fts

    clock = _PhaseClock()
    connection = sqlite3.connect(f"file:{catalogue}?mode=ro", uri=True)
    terms, total = pick_terms(connection)
    platform = rarest_platform(connection)
    clock.lap("picking the terms")
    floor = {name: raw_fts(connection, list(found), RAW_REPEATS[size]) for name, found in terms.items()}
    connection.close()
    clock.lap("the SQL on SQLite")
    print(f"terms and raw SQL: {clock.laps}", flush=True)
    measured = []
    for config in configs or CONFIGS_BY_SIZE[size]:
        measured.append(serve_and_measure(catalogue, metadata, config, terms, platform, size, log))
        print(f"{config.name}: {measured[-1]['throughput']['per_s']} searches/s; phases {measured[-1]['phases_s']}",
              flush=True)
    return {"rows": total, "terms": terms, "filter": f"platform={platform}", "raw_fts": floor, "configs": measured,
            "before_configs_s": clock.laps}


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description="Serve a catalogue with the project's Datasette command in each "
                                                 "configuration and measure searches through it.")
    parser.add_argument("--catalogue", type=Path, required=True)
    parser.add_argument("--metadata", type=Path, required=True)
    parser.add_argument("--size", choices=tuple(SAMPLES), default="quick")
    parser.add_argument("--configs", help="comma-separated indexes into CONFIGS (default: the size's)")
    parser.add_argument("--all-configs", action="store_true", help="every configuration, Datasette's defaults too")
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args(argv)
    configs = CONFIGS if args.all_configs else \
        tuple(CONFIGS[int(index)] for index in args.configs.split(",")) if args.configs else None
    result = measure(args.catalogue, args.metadata, args.size, args.out.with_suffix(".server.log"), configs)
    args.out.write_text(json.dumps(result, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
