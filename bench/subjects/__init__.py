"""The registry of benchmark subjects: one small module each, all sharing fixtures set up once.

A subject names the fixture sets it needs and runs its steps against them, returning one `Row` per
step, and estimates its own time per size (bench/budget.py). To add one, write a module with a
`SUBJECTS` tuple and list it in `registry()`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from bench.fixture.sets import FixtureSet
from bench.fixture.web import FixtureWeb
from bench.measure import Spread
from bench.peers.install import Peers


@dataclass
class Context:
    size: str                      # quick | full
    out: Path                      # where this run's outputs go
    sets: dict[str, FixtureSet]    # the fixture sets, by name
    web: FixtureWeb
    copdir: Path
    repo: Path
    peers: Peers
    tools: frozenset[str] | None   # only these tools' steps (None: all)
    repeats: int | None = None     # overrides each subject's own number of runs per step
    fresh_fixtures: bool = False   # make generated fixtures afresh, not copied from bench/.cache (fixture/cache.py)


@dataclass
class Row:
    """One step of a subject, run `runs` times."""
    subject: str
    tool: str
    setting: str
    limits: str
    urls: int
    runs: int
    wall: Spread
    urls_per_s: float
    peak_rss_mb: float
    exit_codes: list[int]
    score: dict | None = None
    politeness: dict | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def label(self) -> str:
        return f"{self.tool} · {self.setting}"


@dataclass(frozen=True)
class Subject:
    name: str
    description: str
    fixtures: tuple[str, ...]
    sizes: tuple[str, ...]
    run: Callable[[Context], list[Row]]
    estimate_s: Callable[[str], float]     # seconds for a size, from recorded timings (bench/budget.py adds them)
    uses_web: bool = False                 # needs the fixture web's CPU quiet (crawls it)
    # Asks the fixture web for few requests/s (a crawl: ~150 pages/s against nginx's 30,000+): set-up may run
    # beside it on the fixture's CPU, at idle priority, which yields the CPU to nginx the moment it wakes.
    light_on_web: bool = False
    # Set-up that may run in the background on the fixture's CPU once no subject but a light one uses the web.
    prepare: Callable[[Context], None] | None = None


def registry() -> dict[str, Subject]:
    from bench.subjects import catalogue_load, checker, crawl, dedupe, site_search
    modules = (checker, crawl, dedupe, catalogue_load, site_search)
    return {subject.name: subject for module in modules for subject in module.SUBJECTS}
