"""data/practice_domains.yml: the practice-domain taxonomy maintainers extend. Loaded and validated here.

Every mistake is a TaxonomyError naming the file, the entry and what to do: a duplicate id, an unknown group,
an empty synonym list, a malformed id, an unknown key (with the key it probably meant).
"""
from __future__ import annotations

import difflib
import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

import yaml

from crawler.config_file import check_keys

DEFAULT_PATH = Path("data/practice_domains.yml")
GROUP_KEYS = ("id", "name")
DOMAIN_KEYS = ("id", "name", "group", "synonyms", "hints")
HINT_KEYS = ("platforms", "hosts", "tags")
_ID = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


class TaxonomyError(ValueError):
    """practice_domains.yml is malformed; the message says where and how to fix it."""


@dataclass(frozen=True)
class Group:
    id: str
    name: str


@dataclass(frozen=True)
class Domain:
    id: str
    name: str
    group: str
    synonyms: tuple[str, ...]
    platforms: tuple[str, ...] = ()
    hosts: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()


@dataclass(frozen=True)
class Taxonomy:
    groups: tuple[Group, ...]
    domains: tuple[Domain, ...]
    fingerprint: str  # sha256 of the file: a changed taxonomy means every listing is classified again

    def domain(self, domain_id: str) -> Domain:
        return next(domain for domain in self.domains if domain.id == domain_id)


def _words(value: object, where: str, key: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(item, (str, int, float)) for item in value):
        raise TaxonomyError(f"{where}: {key} must be a list of words, e.g. {key}: [wildlife, biodiversity]")
    return tuple(dict.fromkeys(str(item).strip().lower() for item in value if str(item).strip()))


def _groups(entries: object, path: Path) -> tuple[Group, ...]:
    if not isinstance(entries, list) or not entries:
        raise TaxonomyError(f"{path}: expected a top-level 'groups:' list of {{id, name}}")
    groups: dict[str, Group] = {}
    for number, entry in enumerate(entries, start=1):
        where = f"{path}: group {number}"
        if not isinstance(entry, dict) or not entry.get("id") or not entry.get("name"):
            raise TaxonomyError(f"{where} needs an id and a name, e.g. {{id: health, name: Health and care}}")
        # {name: Arts, culture and media} is a name and a key "culture and media": quote it
        check_keys(f"{where} ({entry['id']}); a name with a comma needs quotes", entry, GROUP_KEYS, TaxonomyError)
        if str(entry["id"]) in groups:
            raise TaxonomyError(f"{where}: the group id {entry['id']!r} is used twice")
        groups[str(entry["id"])] = Group(str(entry["id"]), str(entry["name"]))
    return tuple(groups.values())


def _domain(entry: object, number: int, groups: set[str], path: Path) -> Domain:
    if not isinstance(entry, dict):
        raise TaxonomyError(f"{path}: domain {number} is not a mapping of id, name, group, synonyms")
    where = f"{path}: domain {number} ({entry.get('id', 'no id')})"
    check_keys(where, entry, DOMAIN_KEYS, TaxonomyError)
    missing = [key for key in ("id", "name", "group") if not entry.get(key)]
    if missing:
        raise TaxonomyError(f"{where} lacks {', '.join(missing)}")
    domain_id = str(entry["id"])
    if not _ID.match(domain_id):
        raise TaxonomyError(f"{where}: the id {domain_id!r} must be lower-case letters, digits and single hyphens")
    if entry["group"] not in groups:
        close = difflib.get_close_matches(str(entry["group"]), sorted(groups), n=1)
        hint = f"did you mean {close[0]!r}?" if close else f"known groups: {', '.join(sorted(groups))}"
        raise TaxonomyError(f"{where}: unknown group {entry['group']!r}; {hint} (or add it under groups:)")
    synonyms = _words(entry.get("synonyms"), where, "synonyms")
    if not synonyms:
        raise TaxonomyError(f"{where} has no synonyms: list at least one word or phrase that names the practice")
    hints = entry.get("hints") or {}
    if not isinstance(hints, dict):
        raise TaxonomyError(f"{where}: hints must be a mapping of {', '.join(HINT_KEYS)}")
    check_keys(f"{where} hints", hints, HINT_KEYS, TaxonomyError)
    return Domain(domain_id, str(entry["name"]), str(entry["group"]), synonyms,
                  _words(hints.get("platforms"), where, "platforms"), _words(hints.get("hosts"), where, "hosts"),
                  _words(hints.get("tags"), where, "tags"))


def parse_taxonomy(text: str, path: Path = DEFAULT_PATH) -> Taxonomy:
    try:
        document = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise TaxonomyError(f"{path} is not valid YAML: {exc}") from exc
    if not isinstance(document, dict):
        raise TaxonomyError(f"{path}: expected 'groups:' and 'domains:' at the top level")
    groups = _groups(document.get("groups"), path)
    entries = document.get("domains")
    if not isinstance(entries, list) or not entries:
        raise TaxonomyError(f"{path}: expected a top-level 'domains:' list")
    group_ids = {group.id for group in groups}
    domains: dict[str, Domain] = {}
    for number, entry in enumerate(entries, start=1):
        domain = _domain(entry, number, group_ids, path)
        if domain.id in domains:
            raise TaxonomyError(f"{path}: domain {number}: the id {domain.id!r} is used twice; ids must be unique")
        domains[domain.id] = domain
    return Taxonomy(groups, tuple(domains.values()), hashlib.sha256(text.encode()).hexdigest()[:16])


def load_taxonomy(path: Path = DEFAULT_PATH) -> Taxonomy:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise TaxonomyError(f"{path} not found: restore data/practice_domains.yml or pass --taxonomy") from exc
    return parse_taxonomy(text, path)
