"""A community's last 90 days at a glance: one strip per axis, coloured by state, drawn as inline SVG.

Three strips, one cell per UTC day up to the catalogue's build: what the checks found that day (from
`check_days`, over all the community's links: any success is "answered", else any failure "failed", else a
refusal "blocked"), and the reachability and activity in force that day (from `status_history`, each change
holding until the next). The same runs of days are the chart's text alternative: each strip's title, the
SVG's description, and a table under it. No script, no external resource; ElementTree escapes every value.
"""
from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

from catalogue.feeds import xml_text
from crawler.models import parse_utc

DAYS = 90
CELL = 6  # px per day
ROW, GAP, LABELS = 16, 6, 110  # strip height, space between strips, width of the strip names
SVG = "http://www.w3.org/2000/svg"
NO_DATA = "no data"

COLOURS = {
    "answered": "#2e8540", "failed": "#d83933", "blocked": "#9c6ade", NO_DATA: "#e6e6e6",
    "live": "#2e8540", "moved": "#0071bc", "unknown": "#bdbdbd", "failing": "#f0a30a", "dead": "#d83933",
    "active": "#2e8540", "quiet": "#8cc63f", "dormant": "#a67c52",
}
STRIPS = (("checks", "Checks"), ("reachability", "Reachability"), ("activity", "Activity"))


@dataclass(frozen=True)
class Run:
    state: str
    first: date
    last: date

    @property
    def label(self) -> str:
        days = (self.last - self.first).days + 1
        span = self.first.isoformat() if days == 1 else f"{self.first} – {self.last}"
        return f"{self.state}: {span} ({days} day{'s' if days > 1 else ''})"


@dataclass(frozen=True)
class Chart:
    first: date
    last: date
    strips: tuple[tuple[str, str, tuple[Run, ...]], ...]  # (key, title, runs)

    @property
    def description(self) -> str:
        return "; ".join(f"{title}: " + ", ".join(run.label for run in runs) for _, title, runs in self.strips)


def _runs(states: list[str], first: date) -> tuple[Run, ...]:
    runs: list[Run] = []
    for offset, state in enumerate(states):
        day = first + timedelta(days=offset)
        if runs and runs[-1].state == state:
            runs[-1] = Run(state, runs[-1].first, day)
        else:
            runs.append(Run(state, day, day))
    return tuple(runs)


def _day(value: object) -> date | None:
    moment = parse_utc(str(value)) if value else None
    return moment.date() if moment else None


def check_state(successes: int, failures: int, blocked: int) -> str:
    if successes:
        return "answered"
    if failures:
        return "failed"
    return "blocked" if blocked else NO_DATA


def history_chart(history: Iterable[dict], check_days: Iterable[dict], last: date, days: int = DAYS) -> Chart:
    """The chart's runs from status_history rows (any order, with changed_at) and check_days rows (day,
    successes, failures, blocked; several links may share a day) over the `days` days ending on `last`."""
    first = last - timedelta(days=days - 1)
    per_day: dict[date, list[int]] = {}
    for row in check_days:
        day = _day(row.get("day"))
        if day is not None and first <= day <= last:
            counts = per_day.setdefault(day, [0, 0, 0])
            for index, key in enumerate(("successes", "failures", "blocked")):
                counts[index] += int(row.get(key) or 0)
    dates = [first + timedelta(days=offset) for offset in range(days)]
    checks = [check_state(*per_day.get(day, (0, 0, 0))) for day in dates]

    changes = sorted(((_day(row.get("changed_at")), index, row) for index, row in enumerate(history)
                      if _day(row.get("changed_at"))), key=lambda item: (item[0], item[1]))
    axes: dict[str, list[str]] = {}
    for axis in ("reachability", "activity"):
        states, current, position = [], NO_DATA, 0
        for day in dates:
            while position < len(changes) and changes[position][0] <= day:
                current = str(changes[position][2].get(axis) or "unknown")
                position += 1
            states.append(current)
        axes[axis] = states
    series = {"checks": checks, **axes}
    return Chart(first, last, tuple((key, title, _runs(series[key], first)) for key, title in STRIPS))


def _add(parent: ET.Element, tag: str, text: object = None, **attributes: object) -> ET.Element:
    element = ET.SubElement(parent, tag, {name.replace("_", "-"): xml_text(value) for name, value in attributes.items()})
    if text is not None:
        element.text = xml_text(text)
    return element


def chart_svg(chart: Chart, chart_id: str = "history-chart") -> str:
    """The chart as inline SVG: role="img" with a title and a description that say every run in words."""
    days = (chart.last - chart.first).days + 1
    width = LABELS + days * CELL
    height = len(chart.strips) * (ROW + GAP) + 14
    root = ET.Element("svg", {"xmlns": SVG, "width": str(width), "height": str(height),
                              "viewBox": f"0 0 {width} {height}", "role": "img", "id": chart_id,
                              "aria-labelledby": f"{chart_id}-title {chart_id}-desc"})
    _add(root, "title", f"Checks, reachability and activity from {chart.first} to {chart.last}", id=f"{chart_id}-title")
    _add(root, "desc", chart.description, id=f"{chart_id}-desc")
    font = {"font_family": "Verdana,DejaVu Sans,sans-serif", "font_size": "11", "fill": "#333333"}
    for row, (key, title, runs) in enumerate(chart.strips):
        top = row * (ROW + GAP)
        _add(root, "text", title, x="0", y=str(top + ROW - 4), **font)
        strip = _add(root, "g", **{"class": f"copdir-strip copdir-strip-{key}", "data-strip": key})
        for run in runs:
            x = LABELS + (run.first - chart.first).days * CELL
            cell = _add(strip, "rect", x=str(x), y=str(top), width=str(((run.last - run.first).days + 1) * CELL),
                        height=str(ROW), fill=COLOURS.get(run.state, COLOURS["unknown"]),
                        data_state=run.state)
            _add(cell, "title", f"{title} — {run.label}")
    baseline = len(chart.strips) * (ROW + GAP) + 10
    middle = chart.first + timedelta(days=days // 2)
    for day, x, anchor in ((chart.first, LABELS, "start"), (middle, LABELS + (days // 2) * CELL, "middle"),
                           (chart.last, width, "end")):
        _add(root, "text", day.isoformat(), x=str(x), y=str(baseline), text_anchor=anchor,
             **{**font, "font_size": "10"})
    return ET.tostring(root, encoding="unicode")
