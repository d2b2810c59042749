"""The community page's 90-day chart as a pure function: runs of days per strip, and the SVG drawn from them."""
from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import date

from catalogue.history_chart import chart_svg, history_chart

LAST = date(2026, 11, 14)
SVG = "{http://www.w3.org/2000/svg}"


def runs(chart, key: str) -> list[tuple[str, str, str]]:
    strip = next(runs for strip_key, _, runs in chart.strips if strip_key == key)
    return [(run.state, run.first.isoformat(), run.last.isoformat()) for run in strip]


def test_a_change_before_the_window_holds_from_its_first_day_until_the_next():
    history = [{"changed_at": "2026-11-10T06:00:00+00:00", "reachability": "failing", "activity": "active"},
               {"changed_at": "2025-01-01T06:00:00+00:00", "reachability": "live", "activity": "quiet"}]
    chart = history_chart(history, [], LAST)
    assert runs(chart, "reachability") == [("live", "2026-08-17", "2026-11-09"), ("failing", "2026-11-10", "2026-11-14")]
    assert runs(chart, "activity") == [("quiet", "2026-08-17", "2026-11-09"), ("active", "2026-11-10", "2026-11-14")]


def test_a_day_is_answered_if_any_link_answered_it_and_blocked_is_not_failed():
    days = [{"day": "2026-11-13", "successes": 0, "failures": 2, "blocked": 0},
            {"day": "2026-11-13", "successes": 1, "failures": 0, "blocked": 0},  # another link, same day
            {"day": "2026-11-14", "successes": 0, "failures": 0, "blocked": 3},
            {"day": "2026-01-01", "successes": 0, "failures": 9, "blocked": 0}]  # outside the window
    chart = history_chart([], days, LAST)
    assert runs(chart, "checks") == [("no data", "2026-08-17", "2026-11-12"), ("answered", "2026-11-13", "2026-11-13"),
                                     ("blocked", "2026-11-14", "2026-11-14")]


def test_the_svg_escapes_what_the_data_says_and_names_every_run():
    history = [{"changed_at": "2026-11-01", "reachability": "<script>alert(1)</script>", "activity": "a&b"}]
    svg = chart_svg(history_chart(history, [], LAST))
    assert "<script>" not in svg and "&lt;script&gt;" in svg
    root = ET.fromstring(svg)  # well-formed: nothing in the data broke out of its attribute or text
    assert root.get("role") == "img" and root.get("aria-labelledby") == "history-chart-title history-chart-desc"
    assert "a&b: 2026-11-01 – 2026-11-14 (14 days)" in root.find(f"{SVG}desc").text
    widths = [int(rect.get("width")) for rect in root.iter(f"{SVG}rect") if rect.get("data-state")]
    assert sum(widths) == 3 * 90 * 6  # three strips, 90 days each, every day drawn once
