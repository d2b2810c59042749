"""The catalogue's targets (DD-1, ST-1, FT-1..FT-3) from the dedupe, catalogue-load and site-search rows.

bench/report.py's `targets(rows)` can add these to the checker's: `found += catalogue_targets.targets(rows)`.
Site-search is judged on the site's own search page (/search, catalogue/search.py) with the project's
settings — what a person's search goes to; the table view's rows are its peer. Each target is judged only
at its own size (100k entries, 1M links); a quick run's rows are figures, "not measured" here.
"""

from __future__ import annotations

from bench.subjects import Row
from bench.subjects import catalogue_load
from bench.subjects.catalogue_load import TARGET_LINKS
from bench.subjects.dedupe import GOAL as DEDUPE_GOAL, TARGET_ENTRIES
from bench.subjects.site_search import CONCURRENCY, GOAL as SEARCH_GOAL, SHIPPED as SHIPPED_CONFIG, TARGET_ROWS

SHIPPED = SHIPPED_CONFIG.name


def _row(rows: list[Row], subject: str, setting: str | None = None, minimum: int = 0) -> Row | None:
    """The subject's row, if it ran at the target's size (quick sizes are figures, not verdicts)."""
    return next((row for row in rows if row.subject == subject and row.score and row.urls >= minimum
                 and (setting is None or row.setting == setting)), None)


def targets(rows: list[Row]) -> list:
    from bench.report import Target  # bench.report imports bench.subjects: imported late, not at load

    found = []
    dedupe = next((row for row in rows if row.subject == "dedupe" and row.score and row.urls == TARGET_ENTRIES), None)
    goal = "≤ 30 s and ≤ 1 GB for 100k entries, precision and recall ≥ 0.95"
    if dedupe:
        score = dedupe.score["score"]
        met = (dedupe.wall.median <= DEDUPE_GOAL["seconds"] and dedupe.peak_rss_mb <= DEDUPE_GOAL["rss_mb"]
               and score["precision"] >= DEDUPE_GOAL["precision"] and score["recall"] >= DEDUPE_GOAL["recall"])
        found.append(Target("DD-1", goal, f"{dedupe.wall.median:.1f} s, {dedupe.peak_rss_mb:.0f} MB, precision "
                            f"{score['precision']:.3f}, recall {score['recall']:.3f} on {dedupe.urls:,} entries", met))
    else:
        found.append(Target("DD-1", goal, "—", None))
    load = _row(rows, "catalogue-load", minimum=TARGET_LINKS)
    goal = "≤ 90 s to load 1M catalogue rows with FTS"
    found.append(Target("ST-1", goal, f"{load.score['st1_s']:.0f} s to load {load.urls:,} links and "
                        f"{load.score['communities']:,} communities with FTS; the whole build {load.wall.median:.0f} s",
                        load.score["st1_s"] <= catalogue_load.GOAL_S)
                 if load else Target("ST-1", goal, "—", None))
    search = _row(rows, "site-search", SHIPPED)
    found += _search(search if search and search.score["rows"] >= TARGET_ROWS else None, Target)
    return found


def _search(row: Row | None, target) -> list:
    goals = {"FT-1": "selective terms through the site: p50 ≤ 50 ms, p95 ≤ 200 ms",
             "FT-2": "a term in nearly every row: p95 ≤ 1 s, no time-limit errors",
             "FT-3": f"≥ 100 searches/s at {CONCURRENCY} concurrent"}
    if row is None:
        return [target(key, goal, "—", None) for key, goal in goals.items()]
    result = row.score
    selective, common, load = result["selective"], result["latency"]["common"]["all"], result["throughput"]
    rows = f"at {result['rows']:,} rows"
    return [
        target("FT-1", goals["FT-1"], f"p50 {selective['p50_ms']:.0f} ms, p95 {selective['p95_ms']:.0f} ms, "
               f"{selective['errors']} errors {rows}", selective["p50_ms"] <= SEARCH_GOAL["p50_ms"]
               and selective["p95_ms"] <= SEARCH_GOAL["p95_ms"] and not selective["errors"]),
        target("FT-2", goals["FT-2"], f"p95 {common['p95_ms']:.0f} ms, {common['time_limit_errors']} time-limit "
               f"errors {rows}", common["p95_ms"] <= SEARCH_GOAL["common_p95_ms"] and not common["errors"]),
        target("FT-3", goals["FT-3"], f"{load['per_s']:.0f} searches/s, {load['errors']} errors {rows}",
               load["per_s"] >= SEARCH_GOAL["per_s"] and not load["errors"]),
    ]
