"""JSON directory lists → `Observation`s.

Reads an array of records, an object holding one (`{"communities": [...]}`), records grouped by
category (`{"Python": [...]}`, `[{"name": "Python", "communities": [...]}]`), an object of records
keyed by name, an array of URLs or host names, and JSON Lines. Which key is the name, the link,
the description, the section or the status is read from the keys' names (`fields:` in
data/sources.yml can name them instead); an entry's labelled links (`links: [{label, url}]`,
`{"discord": "…"}`) each become an Observation. Pure.
"""
from __future__ import annotations

import json
from collections.abc import Iterator
from itertools import islice

from crawler.extract.markdown_inline import is_not_community, resolve_url
from crawler.extract.records import (
    SECTION_WORDS, Record, join_notes, key_word, links_in, plain, platform_named, prefer_own_links,
    record_observations, role_of, status_notes, url_rank,
)
from crawler.models import Observation

MAX_DEPTH = 24
MAX_RECORDS = 200_000
# Keys that hold the list itself, not a category of it: no section of their own.
CONTAINER_WORDS = frozenset(
    "data items entries results records rows list communities community groups servers instances "
    "directory nodes features children members values categories sections".split()
)
# Keys about the list file itself, not entries.
META_WORDS = frozenset(
    "meta metadata info about license licence schema version updated generated source sources contributors "
    "maintainers authors author config settings".split()
)


def parse_json_list(text: str, *, source: str, base_url: str, fields: dict | None = None) -> list[Observation]:
    """Every community link in a JSON list, once per (canonical URL, section)."""
    data = load_json(text)
    roles = _mapped_roles(fields or {})
    records = prefer_own_links(list(islice(_walk(data, (), 0, roles), MAX_RECORDS)))
    seen: set[tuple[str, str]] = set()
    observations: list[Observation] = []
    for record in records:
        observations += record_observations(record, source=source, base_url=base_url, seen=seen)
    return observations


def load_json(text: str) -> object:
    """A JSON document, or JSON Lines as a list; ValueError saying where the syntax breaks."""
    text = text.lstrip("\ufeff")
    try:
        return json.loads(text)
    except RecursionError:
        raise ValueError("the JSON is nested too deeply to be a list of entries") from None
    except json.JSONDecodeError as exc:
        if exc.msg == "Extra data" and (lines := _json_lines(text)) is not None:
            return lines
        raise ValueError(f"not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}") from None


def _json_lines(text: str) -> list | None:
    items = []
    for line in text.splitlines():
        if line.strip():
            try:
                items.append(json.loads(line))
            except (json.JSONDecodeError, RecursionError):
                return None
    return items


def _mapped_roles(fields: dict) -> dict[str, list[str]]:
    """`fields: {url: info, section: [country, city]}` → key paths by role (`a.b` reaches into objects)."""
    return {role: [str(key) for key in ([keys] if isinstance(keys, str) else keys)] for role, keys in fields.items()}


def _walk(value: object, section: tuple[str, ...], depth: int, roles: dict) -> Iterator[Record]:
    if depth > MAX_DEPTH:
        return
    if isinstance(value, list):
        for item in value:
            if isinstance(item, dict):
                yield from _entry_or_group(item, section, depth + 1, roles, name="")
            elif isinstance(item, str) and (found := links_in(item)):
                yield Record(links=found, section=section)  # a list of URLs or host names
            elif isinstance(item, list):
                yield from _walk(item, section, depth + 1, roles)
    elif isinstance(value, dict):
        if _is_entry(value, roles) and not _entry_lists(value, roles):
            yield _record(value, section, roles, name="")
            return
        for key, child in value.items():
            word = key_word(key)
            if word in META_WORDS or not isinstance(child, (list, dict)) or role_of(key) == "links":
                continue
            if isinstance(child, dict) and _is_entry(child, roles) and not _entry_lists(child, roles):
                yield _record(child, section, roles, name=str(key))  # {"Python Discord": {"url": …}}
            else:
                label = () if word in CONTAINER_WORDS else (str(key),)
                yield from _walk(child, section + label, depth + 1, roles)


def _entry_or_group(item: dict, section: tuple[str, ...], depth: int, roles: dict, name: str) -> Iterator[Record]:
    """An entry, a category holding entries (`{"name": "Python", "communities": [...]}`), or both."""
    groups = _entry_lists(item, roles)
    if _is_entry(item, roles):
        yield _record(item, section, roles, name)
    if groups:
        label = plain(_first(item, "name", roles)) or plain(_first(item, "section", roles))
        for key in groups:
            sub = () if key_word(key) in CONTAINER_WORDS else (str(key),)
            yield from _walk(item[key], section + ((label,) if label else ()) + sub, depth, roles)


def _entry_lists(obj: dict, roles: dict, depth: int = 0) -> list[str]:
    """The keys of obj holding a list of entries, or of groups of entries (not the entry's own links)."""
    return [key for key, child in obj.items() if isinstance(child, list) and role_of(key) != "links"
            and key not in _keys_of(roles) and any(
                isinstance(c, dict) and (_is_entry(c, roles) or (depth < 3 and _entry_lists(c, roles, depth + 1)))
                for c in child[:50])]


def _keys_of(roles: dict) -> set[str]:
    return {key.split(".")[0] for keys in roles.values() for key in keys}


def _is_entry(obj: dict, roles: dict) -> bool:
    return bool(_own_links(obj, roles))


def _get(obj: dict, path: str) -> object:
    for part in path.split("."):
        if not isinstance(obj, dict) or part not in obj:
            return None
        obj = obj[part]
    return obj


def _keys(obj: dict, role: str, roles: dict) -> list[str]:
    """The keys of obj playing role: those the mapping names, else those whose names say so."""
    if role in roles:
        return [key for key in roles[role] if _get(obj, key) is not None]
    if role in ("url", "links") and ({"url", "links"} & set(roles)):
        return []  # a mapping names the links: no guessing beside it
    keys = [key for key in obj if role_of(key) == role]
    if role == "section":
        return sorted(keys, key=_section_rank)
    return sorted(keys, key=url_rank) if role == "url" else keys


def _first(obj: dict, role: str, roles: dict) -> object:
    keys = _keys(obj, role, roles)
    return _get(obj, keys[0]) if keys else None


def _own_links(obj: dict, roles: dict) -> list[tuple[str, str]]:
    """The entry's main link (the best URL key that holds one), then its labelled links."""
    links: list[tuple[str, str]] = []
    for key in _keys(obj, "url", roles):  # a Twitch page as `info` is not the entry: its `domain` is
        if isinstance(value := _get(obj, key), str) and (found := [link for link in links_in(value)
                                                                   if not _is_profile(link[1])]):
            links += found[:1]
            break
    for key in _keys(obj, "links", roles):
        links += _labelled_links(key, _get(obj, key))
    if not links and not {"url", "links"} & set(roles):  # no key names a link: the first value that is a URL
        links = next(([("", value)] for key, value in obj.items() if role_of(key) != "skip" and isinstance(value, str)
                      and value.lower().startswith(("http://", "https://"))), [])
    return links


def _alternates(obj: dict, roles: dict) -> list[str]:
    """The entry's URL keys after the first that holds a link, as written."""
    found = [value for key in _keys(obj, "url", roles) if isinstance(value := _get(obj, key), str) and links_in(value)
             and not _is_profile(value)]
    return found[1:]


def _is_profile(written: str) -> bool:
    url = resolve_url(written, "")
    return url is not None and is_not_community(url)


def _labelled_links(key: str, value: object, nested: bool = False) -> list[tuple[str, str]]:
    """`links: [{label, url}]`, `links: {"discord": url}`, `urls: [url, …]`, `discord: url`."""
    if isinstance(value, str):
        return [(text or key, url) for text, url in links_in(value)]
    if isinstance(value, dict):
        if any(role_of(k) == "url" for k in value):  # one labelled link: {"label": …, "url": …}
            value = [value]
        elif nested:
            return []  # links are one level deep; anything deeper is not a link list
        else:
            return [link for k, v in value.items() if role_of(k) != "skip" for link in _labelled_links(k, v, True)]
    found = []
    for item in value if isinstance(value, list) else []:
        if isinstance(item, str):
            found += [(text, url) for text, url in links_in(item)]
        elif isinstance(item, dict):
            url = next((item[k] for k in sorted(item, key=url_rank) if role_of(k) == "url" and isinstance(item[k], str)),
                       None)
            label = next((str(item[k]) for k in item if key_word(k) in ("label", "name", "title", "type", "platform",
                                                                         "kind", "service")), "")
            if url and not (label and role_of(label) == "skip"):  # {"label": "Twitter", "url": …}
                found += [(label or text, link) for text, link in links_in(url)]
    return found


def _record(obj: dict, section: tuple[str, ...], roles: dict, name: str) -> Record:
    record = Record(name=plain(_first(obj, "name", roles)) or name, links=_own_links(obj, roles),
                    alternates=_alternates(obj, roles))
    described = [plain(_get(obj, key)) for key in _keys(obj, "description", roles)]
    described += [f"{key.split('.')[-1].replace('_', ' ').capitalize()}: {plain(_get(obj, key))}"
                  for key in _keys(obj, "topics", roles)]
    record.description = " ".join(text if text.endswith((".", "!", "?", "…")) else text + "."
                                  for text in described if text).strip()
    record.section = section + tuple(
        plain(_get(obj, key)) for key in _keys(obj, "section", roles) if plain(_get(obj, key)))
    record.annotations = join_notes(*(status_notes(key.split(".")[-1], _get(obj, key))
                                      for key in _keys(obj, "annotations", roles)))
    record.platform = next((p for key in _keys(obj, "platform", roles)
                            if isinstance(_get(obj, key), str) and (p := platform_named(_get(obj, key)))), None)
    return record


def _section_rank(key: str) -> int:
    word = key_word(key.split(".")[-1])
    return SECTION_WORDS.index(word) if word in SECTION_WORDS else -1
