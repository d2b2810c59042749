"""The benchmark's time budget: quick under 5 minutes and full under 20, with every subject, by its own estimates."""

import pytest

from bench import budget
from bench.subjects import Subject, checker, registry


@pytest.mark.parametrize("size", ["quick", "full"])
def test_every_subject_of_a_size_fits_its_budget(size):
    subjects = [subject for subject in registry().values() if size in subject.sizes]
    assert {"checker-static", "checker-mix", "crawl", "dedupe", "catalogue-load", "site-search"} <= \
        {subject.name for subject in subjects}
    assert budget.total_s(subjects, size) <= budget.BUDGET_S[size], budget.plan(subjects, size)


def test_the_plan_says_plainly_when_the_subjects_exceed_the_budget():
    slow = Subject("slow", "", (), ("quick",), run=lambda ctx: [], estimate_s=lambda size: 400.0)
    assert "OVER the quick budget of 5.0 min" in budget.plan([slow], "quick")
    assert "slow 6.7 min" in budget.plan([slow], "quick")


def test_a_step_that_runs_once_at_full_is_budgeted_once():
    estimate = checker._estimate("mix", {("linkchecker", "copdir's limits")}, checker.REPEATS)
    key = ("mix", "linkchecker", "copdir's limits")
    (seconds, urls), fixed = checker.RECORDED_RUN_S[key], checker.FIXED_S[key]
    once = fixed + (seconds - fixed) * checker.LINKCHECKER_MIX_CAP["full"] / urls + checker.STEP_OVERHEAD_S
    assert estimate("full") == pytest.approx(once)
