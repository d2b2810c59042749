"""Hand-edited YAML config files (data/status.yml, data/schedule.yml, data/practice_domains.yml): reading one, and
the one check for their keys. Every mistake is the file's own error type, with a message that says where.

A misspelt key is an error that names the key it probably meant, or lists the keys there are when nothing is
close: a setting that silently does nothing is worse than a refusal.
"""
from __future__ import annotations

import difflib
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import TypeVar

import yaml

Config = TypeVar("Config")


def check_keys(section: str, given: Iterable, allowed: Sequence[str], error: type[Exception] = ValueError,
               noun: str = "key") -> None:
    """Raise `error` for the first key of `given` that is not in `allowed`, e.g. "schedule config, jobs: unknown
    setting 'chek' (did you mean 'check'?)"; `section` says where, `noun` what the file calls its keys."""
    for key in given:
        if key not in allowed:
            close = difflib.get_close_matches(str(key), list(allowed), n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else f"; known {noun}s: {', '.join(allowed)}"
            raise error(f"{section}: unknown {noun} {key!r}{hint}")


def load_config(path: Path, default: Config, from_mapping: Callable[[Mapping], Config],
                error: type[Exception]) -> Config:
    """What the file at path says, read by from_mapping; `default` when there is no file. Its errors, and YAML
    that does not parse, are `error` starting with the file's path."""
    if not path.exists():
        return default
    try:
        config = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        raise error(f"{path}: not valid YAML: {exc}") from exc
    try:
        return from_mapping(config)
    except error as exc:
        raise error(f"{path}: {exc}") from exc
