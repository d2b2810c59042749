"""The time budget: quick under 5 minutes, full under 20, end to end with every subject. Pure.

Each subject estimates its own seconds at a size from timings recorded on a quiet machine (RESULTS.md) and its
own plan (sizes, runs per step); the fixture's set-up and the ceiling come on top. The runner prints the plan
before it starts and each subject's elapsed time against its estimate as it goes.
"""

from __future__ import annotations

from bench.subjects import Subject

BUDGET_S = {"quick": 300.0, "full": 1200.0}
# Drawing the fixture sets, writing and starting nginx for their hosts, wrk's two runs, the report (14 s quick in
# 20261121T123933Z on a loaded machine; full adds the 100,000-URL set and its 10,000 hosts).
SETUP_S = {"quick": 15.0, "full": 35.0}


def estimates(subjects: list[Subject], size: str) -> dict[str, float]:
    return {subject.name: round(subject.estimate_s(size), 1) for subject in subjects}


def total_s(subjects: list[Subject], size: str) -> float:
    return SETUP_S[size] + sum(estimates(subjects, size).values())


def plan(subjects: list[Subject], size: str) -> str:
    """One line: the estimate per subject and in all, against the size's budget."""
    each = ", ".join(f"{name} {_minutes(seconds)}" for name, seconds in estimates(subjects, size).items())
    total = total_s(subjects, size)
    verdict = "within" if total <= BUDGET_S[size] else "OVER"
    return (f"estimate on a quiet machine: set-up {_minutes(SETUP_S[size])}, {each}; "
            f"{_minutes(total)} in all, {verdict} the {size} budget of {_minutes(BUDGET_S[size])}")


def elapsed(name: str, seconds: float, estimate: float) -> str:
    return f"{name} took {_minutes(seconds)} (estimated {_minutes(estimate)})"


def _minutes(seconds: float) -> str:
    return f"{seconds:.0f} s" if seconds < 120 else f"{seconds / 60:.1f} min"
