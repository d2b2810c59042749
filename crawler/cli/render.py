"""How the CLI shows a directory candidate and a probe report: as text for people, as JSON for tools."""
from __future__ import annotations

import dataclasses
import enum
from datetime import datetime

from crawler.models import Observation, Profile
from crawler.probe import ProbeReport


def _plain(value):
    """JSON-ready: enums by value, times as ISO strings, tuples as lists, dataclasses as dicts."""
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, datetime):
        return value.isoformat()
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, (list, tuple)):
        return [_plain(item) for item in value]
    return value


def candidate_as_dict(candidate: Observation) -> dict:
    row = _plain(candidate)
    row.pop("source", None)  # a preview has no source name yet
    return row


def describe_candidate(candidate: Observation) -> str:
    notes = f"  [{', '.join(candidate.annotations)}]" if candidate.annotations else ""
    section = f"  ({candidate.section})" if candidate.section else ""
    return f"{candidate.platform.value:<13} {candidate.name} — {candidate.url}{section}{notes}"


def probe_as_dict(report: ProbeReport) -> dict:
    return {**_plain(report), "reason": report.status.reason}


def _profile_lines(profile: Profile) -> list[str]:
    fields = [("name", profile.name), ("description", profile.description[:200]), ("language", profile.language),
              ("platform (page)", profile.platform.value if profile.platform else ""),
              ("topics", ", ".join(profile.topics)), ("join", f"{profile.join_type.value} {profile.join_url}".strip()),
              ("code of conduct", profile.code_of_conduct), ("feeds", ", ".join(profile.feeds)),
              ("other presences", ", ".join(profile.presences))]
    lines = [f"  {label + ':':<17}{value}" for label, value in fields if value and value != "unknown"]
    lines += [f"  event:           {event.starts_at:%Y-%m-%d %H:%M} {event.name}" for event in profile.events]
    lines += [f"  signal:          {signal.kind} = {signal.value}  ({signal.source_url})" for signal in profile.signals]
    return lines


def describe_probe(report: ProbeReport) -> str:
    check = report.check
    lines = [f"{report.url}", f"  canonical:       {report.canonical_url}", f"  platform:        {report.platform.value}",
             f"  check:           {check.outcome.value}"
             + (f" (HTTP {check.http_status})" if check.http_status else "") + f" — {check.detail}"]
    if check.redirects:
        lines.append(f"  redirects:       {' -> '.join(check.redirects)} -> {check.final_url}")
    lines.append("fetched:")
    lines += [f"  {answer.adapter:<16} {answer.status if answer.status is not None else '—':<4} {answer.url}"
              + (f"  ({answer.note})" if answer.note else "") for answer in report.answers]
    lines.append("learned:")
    lines += _profile_lines(report.profile) if report.profile else ["  nothing: no page or platform answer to read"]
    lines.append(f"status it would get now: {report.status.reachability.value} / {report.status.activity.value}")
    lines += [f"  because {reason}" for reason in report.status.reasons]
    lines.append("  (one check; a listing is only called dead after repeated failures over days)")
    return "\n".join(lines)
