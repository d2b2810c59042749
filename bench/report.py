"""The benchmark's verdicts and tables: targets LC-1..LC-8, a Markdown table, JSON. Pure but for `write`."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path

from bench import scoring
from bench.subjects import Row, catalogue_targets, crawl_figures

COPDIR_PRODUCTION = ("copdir", "production politeness")


@dataclass(frozen=True)
class Target:
    id: str
    goal: str
    figure: str
    met: bool | None  # None: not measured in this run

    @property
    def verdict(self) -> str:
        return {True: "met", False: "**MISSED**", None: "not measured"}[self.met]


def find(rows: list[Row], subject: str, tool: str, setting: str) -> Row | None:
    return next((row for row in rows if (row.subject, row.tool, row.setting) == (subject, tool, setting)), None)


def targets(rows: list[Row]) -> list[Target]:
    static = lambda tool, setting: find(rows, "checker-static", tool, setting)  # noqa: E731
    mix = lambda tool, setting: find(rows, "checker-mix", tool, setting)  # noqa: E731
    ours = static(*COPDIR_PRODUCTION)
    found = [
        _at_least("LC-1", "≥ 1,000 URLs/s (stretch 1,800), static set, production politeness",
                  ours, None, 1000, "URLs/s"),
        _at_least("LC-2", "≥ 10× LinkChecker with its defaults, static set",
                  ours, static("linkchecker", "defaults"), 10, "×"),
        _at_least("LC-3", "≥ 3× LinkChecker tuned (limits off), static set",
                  ours, static("linkchecker", "limits off"), 3, "×"),
        _at_least("LC-4", "≥ 0.3× lychee, raw static set (both with limits off)",
                  static("copdir", "limits off"), static("lychee", "limits off"), 0.3, "×"),
        _mix_wall(mix(*COPDIR_PRODUCTION), [mix("lychee", "copdir's limits"), mix("linkchecker", "copdir's limits")]),
        _classification(mix(*COPDIR_PRODUCTION)),
        _memory(find(rows, "checker-big", *COPDIR_PRODUCTION)),
        _polite([row for row in (ours, mix(*COPDIR_PRODUCTION)) if row]),
    ]
    return found + [_crawl(rows)] + catalogue_targets.targets(rows)


def _crawl(rows: list[Row]) -> Target:
    goal = (f"discovery + profile crawl with parsing and pipeline to SQLite ≥ {crawl_figures.GOAL_PAGES_S:.0f} pages/s "
            f"(≥ {crawl_figures.GOAL_SHARE_OF_CEILING:.0%} of the no-op ceiling)")
    ours = [find(rows, "crawl", "copdir", setting) for setting in ("discovery", "profile")]
    if None in ours:
        return Target("CR-1", goal, "—", None)
    ceiling = find(rows, "crawl", "scrapy", "no-op spider")
    figure, met = crawl_figures.cr1(sum(row.urls for row in ours), sum(row.wall.median for row in ours),
                                    ceiling.urls_per_s if ceiling else None)
    return Target("CR-1", goal, figure, met)


def _at_least(id_: str, goal: str, ours: Row | None, peer: Row | None, floor: float, unit: str) -> Target:
    if ours is None or (unit == "×" and peer is None):
        return Target(id_, goal, "—", None)
    if unit != "×":
        return Target(id_, goal, f"{ours.urls_per_s:,.0f} URLs/s", ours.urls_per_s >= floor)
    ratio = ours.urls_per_s / peer.urls_per_s if peer.urls_per_s else float("inf")
    figure = f"{ratio:.2f}× ({ours.urls_per_s:,.0f} vs {peer.urls_per_s:,.0f} URLs/s on {peer.urls:,} URLs)"
    return Target(id_, goal, figure, ratio >= floor)


def _mix_wall(ours: Row | None, peers: list[Row | None]) -> Target:
    goal = "failure mix: less time than lychee and LinkChecker at copdir's per-host limits"
    present = [peer for peer in peers if peer]
    if ours is None or not present:
        return Target("LC-5", goal, "—", None)
    # LinkChecker may run on fewer URLs: compare time per 1,000 URLs.
    per_k = lambda row: row.wall.median / row.urls * 1000  # noqa: E731
    parts = [f"copdir {per_k(ours):.1f} s"] + [f"{peer.tool} {per_k(peer):.1f} s" for peer in present]
    return Target("LC-5", goal, "per 1,000 URLs: " + ", ".join(parts),
                  all(per_k(ours) < per_k(peer) for peer in present))


def _classification(ours: Row | None) -> Target:
    goal = "100 % on deterministic classes; soft-404 and parked recall ≥ 0.95, precision ≥ 0.99"
    if ours is None or not ours.score:
        return Target("LC-6", goal, "—", None)
    return Target("LC-6", goal, _score_text(ours.score), scoring.meets_lc6(ours.score))


def _memory(ours: Row | None) -> Target:
    goal = "peak RSS ≤ 200 MB at 100k URLs"
    if ours is None:
        return Target("LC-7", goal, "— (full size only)", None)
    return Target("LC-7", goal, f"{ours.peak_rss_mb:.0f} MB at {ours.urls:,} URLs", ours.peak_rss_mb <= 200)


def _polite(rows: list[Row]) -> Target:
    goal = "never above the per-host setting, as the fixture's access log shows"
    if not rows:
        return Target("LC-8", goal, "—", None)
    parts, met = [], True
    for row in rows:
        p = row.politeness or {}
        over, under = p.get("hosts_over_in_flight"), p.get("hosts_under_gap")
        parts.append(f"{row.subject}: at most {p.get('max_in_flight')} in flight per host "
                     f"({over} of {p.get('hosts')} hosts over); shortest gap {p.get('min_gap_s')} s "
                     f"({under} hosts under the interval" + (f", e.g. {p.get('closest')})" if under else ")"))
        met = met and not over and not under
    return Target("LC-8", goal, "; ".join(parts), met)


def _score_text(score: dict) -> str:
    h = score["heuristic"]
    return (f"deterministic {_pct(score['deterministic_accuracy'])}; "
            f"soft-404 R {_num(h['soft_404']['recall'])} P {_num(h['soft_404']['precision'])}; "
            f"parked R {_num(h['parked']['recall'])} P {_num(h['parked']['precision'])}")


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.1f} %"


def _num(value: float | None) -> str:
    return "—" if value is None else f"{value:.2f}"


def markdown(rows: list[Row], found: list[Target], ceiling: dict | None, header: str) -> str:
    lines = [header, ""]
    if ceiling:
        close = ceiling.get("new_connection_rps")
        lines.append(f"Ceiling ({ceiling['tool']}, one host, 64 connections): {ceiling['keepalive_rps']:,} req/s "
                     f"keep-alive" + (f", {close:,} req/s with a new connection per request" if close else "") + ".")
        lines.append("")
    lines += ["| id | goal | figure | verdict |", "|---|---|---|---|"]
    lines += [f"| {t.id} | {t.goal} | {t.figure} | {t.verdict} |" for t in found]
    lines += ["", "| subject | tool · setting | limits given | URLs | wall s, median (min–max) | URLs/s | "
              "× ceiling | copdir ÷ this | peak RSS MB | deterministic | soft-404 R/P | parked R/P | "
              "max in flight/host | min gap s | notes |", "|" + "---|" * 15]
    keepalive = (ceiling or {}).get("keepalive_rps")
    lines += ["| " + " | ".join(_cells(row, rows, keepalive)) + " |" for row in rows]
    wrong = [(row, scoring.wrong_answers(row.score)) for row in rows if row.score and row.subject == "checker-mix"]
    if wrong:
        lines += ["", "Wrong answers on the failure mix (class → answer ×count):", ""]
        for row, answers in wrong:
            lines.append(f"- {row.label}: " + ("none" if not answers else "; ".join(answers[:8])))
    return "\n".join(lines) + "\n"


def _cells(row: Row, rows: list[Row], keepalive: float | None) -> list[str]:
    ours = find(rows, row.subject, *COPDIR_PRODUCTION)
    versus = f"{ours.urls_per_s / row.urls_per_s:.2f}×" if ours and row.urls_per_s and row is not ours else ""
    heuristic = (row.score or {}).get("heuristic", {})
    polite = row.politeness or {}
    return [row.subject, row.label, row.limits, f"{row.urls:,}",
            f"{row.wall.median:.2f} ({row.wall.low:.2f}–{row.wall.high:.2f})", f"{row.urls_per_s:,.0f}",
            f"{row.urls_per_s / keepalive:.3f}" if keepalive else "—", versus, f"{row.peak_rss_mb:.0f}",
            _pct((row.score or {}).get("deterministic_accuracy")), _rp(heuristic.get("soft_404")),
            _rp(heuristic.get("parked")), str(polite.get("max_in_flight", "—")), str(polite.get("min_gap_s", "—")),
            "; ".join(row.notes)]


def _rp(entry: dict | None) -> str:
    if not entry or not entry.get("actual"):
        return "—"
    return f"{_num(entry['recall'])}/{_num(entry['precision'])}"


def write(out: Path, stamp: str, payload: dict, table: str) -> tuple[Path, Path]:
    out.mkdir(parents=True, exist_ok=True)
    json_path = out / f"bench-{stamp}.json"
    md_path = out / f"bench-{stamp}.md"
    json_path.write_text(json.dumps(payload, indent=2, default=_jsonable) + "\n")
    md_path.write_text(table)
    return json_path, md_path


def _jsonable(value: object) -> object:
    if hasattr(value, "__dataclass_fields__"):
        return asdict(value)
    return str(value)
