"""Per-URL classification scored against the fixture's ground truth (LC-6). Pure.

Every tool's answers are first mapped to copdir's outcome vocabulary (bench/peers/* do that for the
peers); a URL is right when that outcome is the one its class expects (fixture.sets.EXPECTED).
"""

from __future__ import annotations

from collections import Counter, defaultdict

from bench.fixture.sets import EXPECTED, HEURISTIC_CLASSES

MISSING = "missing"  # the tool said nothing about this URL

RECALL_FLOOR = 0.95
PRECISION_FLOOR = 0.99


def score(manifest: dict[str, str], answers: dict[str, str]) -> dict:
    """Accuracy on deterministic classes, recall/precision on soft-404 and parked, and the confusions."""
    by_class: dict[str, Counter] = defaultdict(Counter)
    for url, cls in manifest.items():
        by_class[cls][answers.get(url, MISSING)] += 1
    deterministic = [cls for cls in by_class if cls not in HEURISTIC_CLASSES]
    right = sum(by_class[cls][EXPECTED[cls]] for cls in deterministic)
    total = sum(sum(by_class[cls].values()) for cls in deterministic)
    heuristic = {}
    for cls in sorted(HEURISTIC_CLASSES):
        outcome = EXPECTED[cls]
        true_positive = by_class[cls][outcome]
        claimed = sum(1 for url, said in answers.items() if said == outcome and url in manifest)
        actual = sum(by_class[cls].values())
        heuristic[cls] = {
            "recall": _ratio(true_positive, actual),
            "precision": _ratio(true_positive, claimed),
            "claimed": claimed, "actual": actual,
        }
    return {
        "urls": len(manifest),
        "answered": sum(1 for url in manifest if url in answers),
        "deterministic_accuracy": _ratio(right, total),
        "deterministic_wrong": total - right,
        "heuristic": heuristic,
        "confusion": {cls: dict(by_class[cls].most_common()) for cls in sorted(by_class)},
    }


def meets_lc6(scored: dict) -> bool:
    heuristic = scored["heuristic"]
    return (scored["deterministic_accuracy"] == 1.0 and all(
        entry["actual"] == 0 or ((entry["recall"] or 0) >= RECALL_FLOOR and (entry["precision"] or 0) >= PRECISION_FLOOR)
        for entry in heuristic.values()))


def wrong_answers(scored: dict) -> list[str]:
    """'class → answer ×n' for every confusion, worst first: what a reader needs to fix."""
    lines = []
    for cls, answers in scored["confusion"].items():
        for answer, count in answers.items():
            if answer != EXPECTED[cls]:
                lines.append((count, f"{cls} → {answer} ×{count}"))
    return [text for _, text in sorted(lines, reverse=True)]


def _ratio(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None
