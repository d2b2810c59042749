"""The schedule's cadences and limits, with their defaults; `data/schedule.yml` overrides any of them.

Read like data/status.yml (crawler/status/thresholds.py): every key optional, a misspelt one is an error that
names the right one.
"""
from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

from crawler.config_file import check_keys, load_config

DEFAULT_SCHEDULE_CONFIG = Path("data/schedule.yml")
_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smhd]?)\s*$")
_UNIT_S = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400}


class ScheduleConfigError(ValueError):
    """data/schedule.yml says something the scheduler does not know."""


@dataclass(frozen=True)
class JobConfig:
    every: timedelta
    time_limit: timedelta
    enabled: bool = True


DEFAULT_JOBS: Mapping[str, JobConfig] = {
    "discover": JobConfig(timedelta(days=7), timedelta(hours=2)),
    "profile": JobConfig(timedelta(days=1), timedelta(hours=3)),
    "check": JobConfig(timedelta(minutes=10), timedelta(hours=1)),
    "submissions": JobConfig(timedelta(minutes=10), timedelta(minutes=15)),
    "export": JobConfig(timedelta(days=7), timedelta(hours=1)),
}


@dataclass(frozen=True)
class ScheduleConfig:
    jobs: Mapping[str, JobConfig] = field(default_factory=lambda: dict(DEFAULT_JOBS))
    jitter: timedelta = timedelta(minutes=1)
    misfire_grace_time: timedelta = timedelta(hours=1)
    stop_grace: timedelta = timedelta(seconds=30)
    startup_delay: timedelta = timedelta(minutes=1)

    def enabled(self) -> list[str]:
        """The enabled jobs, in the order of the flow."""
        return [name for name, job in self.jobs.items() if job.enabled]


def parse_duration(value: object, where: str) -> timedelta:
    """30s, 15m, 6h, 7d, or a number of seconds."""
    match = _DURATION.match(str(value)) if isinstance(value, (int, float, str)) and value is not True else None
    if not match:
        raise ScheduleConfigError(f"{where}: {value!r} is not a duration; write it like 30s, 15m, 6h or 7d")
    seconds = float(match[1]) * _UNIT_S[match[2]]
    return timedelta(seconds=seconds)


def _check_keys(section: str, given: Mapping, allowed: list[str]) -> None:
    check_keys(section, given, allowed, ScheduleConfigError, noun="setting")


def schedule_from_mapping(config: Mapping) -> ScheduleConfig:
    if not isinstance(config, Mapping):
        raise ScheduleConfigError("schedule config: expected a mapping at the top")
    top = [f.name for f in dataclasses.fields(ScheduleConfig)]
    _check_keys("schedule config", config, top)
    jobs = dict(DEFAULT_JOBS)
    given_jobs = config.get("jobs") or {}
    if not isinstance(given_jobs, Mapping):
        raise ScheduleConfigError("schedule config, jobs: expected one mapping per job")
    _check_keys("schedule config, jobs", given_jobs, list(DEFAULT_JOBS))
    for name, values in given_jobs.items():
        values = values or {}
        if not isinstance(values, Mapping):
            raise ScheduleConfigError(f"schedule config, jobs.{name}: expected a mapping like {{every: 1d}}")
        _check_keys(f"schedule config, jobs.{name}", values, ["every", "time_limit", "enabled"])
        job = jobs[name]
        if "every" in values:
            job = dataclasses.replace(job, every=parse_duration(values["every"], f"jobs.{name}.every"))
        if "time_limit" in values:
            job = dataclasses.replace(job, time_limit=parse_duration(values["time_limit"], f"jobs.{name}.time_limit"))
        if "enabled" in values:
            if not isinstance(values["enabled"], bool):
                raise ScheduleConfigError(f"jobs.{name}.enabled: write true or false")
            job = dataclasses.replace(job, enabled=values["enabled"])
        if job.every.total_seconds() <= 0 or job.time_limit.total_seconds() <= 0:
            raise ScheduleConfigError(f"jobs.{name}: every and time_limit must be longer than zero")
        jobs[name] = job
    durations = {key: parse_duration(config[key], key) for key in top if key != "jobs" and key in config}
    return ScheduleConfig(jobs=jobs, **durations)


def load_schedule(path: Path = DEFAULT_SCHEDULE_CONFIG) -> ScheduleConfig:
    """The schedule in path, or the defaults when it does not exist."""
    return load_config(path, ScheduleConfig(), schedule_from_mapping, ScheduleConfigError)
