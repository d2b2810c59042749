"""The one check for the keys of a hand-edited YAML file (data/status.yml, data/schedule.yml,
data/practice_domains.yml): a key the file may not hold is an error that names the key it probably meant,
or lists the keys there are when nothing is close.
"""
from __future__ import annotations

import difflib
from collections.abc import Iterable, Sequence


def check_keys(section: str, given: Iterable, allowed: Sequence[str], error: type[Exception] = ValueError,
               noun: str = "key") -> None:
    """Raise `error` for the first key of `given` that is not in `allowed`, e.g. "schedule config, jobs: unknown
    setting 'chek' (did you mean 'check'?)"; `section` says where, `noun` what the file calls its keys."""
    for key in given:
        if key not in allowed:
            close = difflib.get_close_matches(str(key), list(allowed), n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else f"; known {noun}s: {', '.join(allowed)}"
            raise error(f"{section}: unknown {noun} {key!r}{hint}")
