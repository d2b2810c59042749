"""The checker's settings file (`data/checker.yml`): politeness and canaries, read and validated.

Every key under `politeness:` is a field of `crawler.politeness.CheckSettings`; a misspelt key is
an error that names the closest real one, because a silently ignored politeness setting is how
a checker ends up hammering someone's host.
"""
from __future__ import annotations

import dataclasses
import difflib
from pathlib import Path

import yaml

from crawler.politeness import CheckSettings

DEFAULT_PATH = Path("data/checker.yml")
_FIELDS = {field.name: field for field in dataclasses.fields(CheckSettings)}
_NOT_IN_FILE = {"canaries"}  # a list of its own at the top level


class BadCheckerConfig(ValueError):
    """The settings file cannot be used; the message says where and what to do."""


def _convert(name: str, value, where: str):
    default = getattr(CheckSettings(), name)
    kind = type(default)
    if kind is bool:
        if not isinstance(value, bool):
            raise BadCheckerConfig(f"{where}: {name} must be true or false, not {value!r}")
        return value
    if kind in (int, float):
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not value >= 0:  # NaN too
            raise BadCheckerConfig(f"{where}: {name} must be a number ≥ 0, not {value!r}")
        if kind is int and isinstance(value, float) and not value.is_integer():  # 2.5 must not quietly become 2
            raise BadCheckerConfig(f"{where}: {name} must be a whole number, not {value!r}")
        return kind(value)
    return str(value)


def load_check_settings(path: Path = DEFAULT_PATH, **overrides) -> CheckSettings:
    """Settings from path (defaults when it does not exist), then overrides that are not None."""
    values: dict = {}
    if path.exists():
        try:
            document = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        except yaml.YAMLError as exc:
            raise BadCheckerConfig(f"{path}: not valid YAML ({exc}); fix the file or remove it") from exc
        except (OSError, UnicodeDecodeError) as exc:
            raise BadCheckerConfig(f"{path}: cannot be read as UTF-8 text ({exc})") from exc
        if not isinstance(document, dict):
            raise BadCheckerConfig(f"{path}: expected 'politeness:' and 'canaries:' at the top level")
        for key in set(document) - {"politeness", "canaries"}:
            raise BadCheckerConfig(f"{path}: unknown key {key!r}; the file has 'politeness:' and 'canaries:'")
        politeness = document.get("politeness") or {}
        if not isinstance(politeness, dict):
            raise BadCheckerConfig(f"{path}: politeness must be a mapping of settings, e.g. 'per_host: 2'")
        for name, value in politeness.items():
            if name not in _FIELDS or name in _NOT_IN_FILE:
                close = difflib.get_close_matches(str(name), [n for n in _FIELDS if n not in _NOT_IN_FILE], n=1)
                hint = f" (did you mean {close[0]!r}?)" if close else ""
                raise BadCheckerConfig(f"{path}: politeness has no setting {name!r}{hint}")
            values[name] = _convert(name, value, str(path))
        canaries = document.get("canaries") or []
        if not isinstance(canaries, list) or not all(isinstance(url, str) and url.startswith(("http://", "https://"))
                                                     for url in canaries):
            raise BadCheckerConfig(f"{path}: canaries must be a list of http(s) URLs")
        values["canaries"] = tuple(canaries)
    values.update({name: value for name, value in overrides.items() if value is not None})
    settings = CheckSettings(**values)
    if settings.method.upper() not in ("GET", "HEAD"):
        raise BadCheckerConfig(f"method must be GET or HEAD, not {settings.method!r}")
    return settings
