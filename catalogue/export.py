"""`copdir export`: a versioned research data package of the published catalogue.

Each export is a folder `<out>/<version>/` (version: a UTC stamp that sorts in time order) holding a
Frictionless Data Package (v1): datapackage.json with a Table Schema per table, one CSV per public table,
the same rows as JSON Lines, and a change log against the previous export. It reads only the published
catalogue.db, read-only, so nothing private can reach it. It is written into a hidden folder and renamed
into place at the end: a killed export leaves no half version. `<out>/latest` is a text file naming the
newest version, replaced atomically after the rename.
"""
from __future__ import annotations

import csv
import hashlib
import html
import json
import logging
import os
import re
import shutil
import sqlite3
import tempfile
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

import yaml

log = logging.getLogger(__name__)

DEFAULT_METADATA = Path(__file__).resolve().parents[1] / "datasette_metadata.yml"
PACKAGE_NAME = "copdir-catalogue"
VERSION_FORMAT = "%Y-%m-%dT%H%M%SZ"  # fixed width, so names sort in time order
VERSION_PATTERN = re.compile(r"\d{4}-\d{2}-\d{2}T\d{6}Z")
LATEST = "latest"
PARTIAL_PREFIX = ".partial-"
NOT_EXPORTED = {"build"}  # the build stamp goes into the package's description instead
# OWASP's advice on CSV injection: a cell starting with one of these is run as a formula by spreadsheets.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
CHANGE_FIELDS = [
    {"name": "community_id", "type": "string", "description": "The community (communities.id; for a removed one, "
                                                              "its id in the previous export)."},
    {"name": "change", "type": "string", "constraints": {"enum": ["added", "removed", "status_changed"]},
     "description": "added, removed, or status_changed (either status axis changed)."},
    {"name": "name", "type": "string", "description": "Its name (as last exported, for a removed one)."},
    {"name": "url", "type": "string", "description": "Its canonical URL."},
    {"name": "platform", "type": "string", "description": "Its platform."},
    {"name": "reachability_before", "type": "string", "description": "Reachability in the previous export."},
    {"name": "activity_before", "type": "string", "description": "Activity in the previous export."},
    {"name": "reachability_after", "type": "string", "description": "Reachability in this export."},
    {"name": "activity_after", "type": "string", "description": "Activity in this export."},
]


class ExportError(Exception):
    """The export could not be made; nothing was published and `latest` is unchanged."""


@dataclass(frozen=True)
class ExportReport:
    version: str
    path: Path
    previous_version: str | None
    rows: dict[str, int]  # rows written per table
    changes: dict[str, int] = field(default_factory=dict)  # added / removed / status_changed


# --- reading the published catalogue -------------------------------------------------------------

def _open_read_only(path: Path) -> sqlite3.Connection:
    if not path.is_file():
        raise ExportError(f"{path} does not exist: run `copdir build` first")
    conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, isolation_level=None)
    try:
        conn.execute("begin")  # one read transaction: every table from the same snapshot
        tables = public_tables(conn)
    except sqlite3.DatabaseError as exc:
        conn.close()
        raise ExportError(f"{path} is not a readable SQLite database: {exc}") from exc
    if "communities" not in tables:
        conn.close()
        raise ExportError(f"{path} has no communities table: is it a catalogue built by `copdir build`?")
    return conn


def public_tables(conn: sqlite3.Connection) -> list[str]:
    """The tables to export, in creation order: not FTS tables or their shadow tables, not `build`."""
    rows = conn.execute("select name, sql from sqlite_master where type = 'table' order by rowid").fetchall()
    virtual = [name for name, sql in rows if (sql or "").upper().startswith("CREATE VIRTUAL TABLE")]
    return [name for name, _ in rows
            if name not in NOT_EXPORTED and name not in virtual and not name.startswith(("sqlite_", "_"))
            and not any(name.startswith(table + "_") for table in virtual)]


def _quote(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


def _field_type(declared: str) -> str:
    """The Table Schema type for a column's declared SQLite type (SQLite's affinity rules)."""
    declared = declared.upper()
    if "INT" in declared:
        return "integer"
    if any(word in declared for word in ("REAL", "FLOA", "DOUB")):
        return "number"
    return "string"


def table_schema(conn: sqlite3.Connection, table: str, exported: list[str], docs: dict[str, str]) -> dict:
    """A Table Schema from the table's own declaration: fields, primary key, foreign keys to exported tables."""
    columns = conn.execute(f"pragma table_info({_quote(table)})").fetchall()
    fields = [{"name": name, "type": _field_type(declared), **({"description": docs[name]} if name in docs else {})}
              for _, name, declared, *_ in columns]
    schema: dict = {"fields": fields}
    primary_key = [name for _, name, _, _, _, position in sorted(columns, key=lambda c: c[5]) if position]
    if primary_key:
        schema["primaryKey"] = primary_key
    foreign_keys = [{"fields": [source], "reference": {"resource": target, "fields": [to]}}
                    for _, _, target, source, to, *_ in conn.execute(f"pragma foreign_key_list({_quote(table)})")
                    if target in exported]
    if foreign_keys:
        schema["foreignKeys"] = foreign_keys
    return schema


def _rows(conn: sqlite3.Connection, table: str, names: list[str], key: list[str]) -> Iterator[dict]:
    """The table's rows one at a time, in a stable order (its primary key, else insertion order)."""
    order = ", ".join(map(_quote, key)) or "rowid"
    cursor = conn.execute(f"select {', '.join(map(_quote, names))} from {_quote(table)} order by {order}")
    for row in cursor:
        yield dict(zip(names, row))


# --- writing CSV and JSON Lines ------------------------------------------------------------------

def csv_cell(value: object) -> object:
    """A value as a spreadsheet-safe CSV cell: text that a spreadsheet would run as a formula gets a leading
    apostrophe; numbers (even -3) and empty values are left as they are."""
    if value.__class__ is str and value.startswith(FORMULA_STARTS):  # not isinstance: the hot path of an export
        return "'" + value
    return "" if value is None else value


_to_json = json.JSONEncoder(ensure_ascii=False).encode  # made once: json.dumps with options builds one per call


def _write_rows(rows: Iterable[dict], names: list[str], folder: Path, stem: str) -> int:
    """Stream rows into <stem>.csv (neutralised) and <stem>.jsonl (original values); return how many."""
    count = 0
    with open(folder / f"{stem}.csv", "w", newline="", encoding="utf-8") as csv_file, \
            open(folder / f"{stem}.jsonl", "w", encoding="utf-8") as jsonl_file:
        writer = csv.writer(csv_file)
        writer.writerow(names)
        for row in rows:
            writer.writerow([csv_cell(row[name]) for name in names])
            jsonl_file.write(_to_json(row) + "\n")
            count += 1
    return count


# --- the change log ------------------------------------------------------------------------------

def _in_id_order(rows: Iterable[dict], what: str) -> Iterator[dict]:
    last = None
    for row in rows:
        if last is not None and row["id"] <= last:
            raise ExportError(f"the {what}'s communities are not in id order (at {row['id']}); "
                              "move that export aside and export again")
        last = row["id"]
        yield row


def _change(kind: str, before: dict | None, after: dict | None) -> dict:
    known = after or before
    return {"community_id": known["id"], "change": kind, "name": known.get("name"), "url": known.get("url"),
            "platform": known.get("platform"),
            "reachability_before": before.get("reachability") if before else None,
            "activity_before": before.get("activity") if before else None,
            "reachability_after": after["reachability"] if after else None,
            "activity_after": after["activity"] if after else None}


def diff_communities(previous: Iterable[dict], current: Iterable[dict]) -> Iterator[dict]:
    """The change log between two id-ordered streams of communities: added, removed, status changed.

    A merge join, so neither side is held in memory."""
    before = _in_id_order(previous, "previous export")
    after = _in_id_order(current, "catalogue")
    old, new = next(before, None), next(after, None)
    while old is not None or new is not None:
        if new is None or (old is not None and old["id"] < new["id"]):
            yield _change("removed", old, None)
            old = next(before, None)
        elif old is None or new["id"] < old["id"]:
            yield _change("added", None, new)
            new = next(after, None)
        else:
            if (old.get("reachability"), old.get("activity")) != (new["reachability"], new["activity"]):
                yield _change("status_changed", old, new)
            old, new = next(before, None), next(after, None)


def _exported_communities(version_dir: Path) -> Iterator[dict]:
    path = version_dir / "communities.jsonl"
    if not path.is_file():
        raise ExportError(f"the previous export {version_dir} has no communities.jsonl; move it aside")
    with open(path, encoding="utf-8") as lines:
        for number, line in enumerate(lines, start=1):
            try:
                row = json.loads(line)
            except json.JSONDecodeError:
                row = None
            if not isinstance(row, dict) or "id" not in row:
                raise ExportError(f"{path} is damaged at line {number}; move that export aside")
            yield row


def _counted(changes: Iterable[dict], counts: Counter) -> Iterator[dict]:
    for change in changes:
        counts[change["change"]] += 1
        yield change


# --- the package descriptor ----------------------------------------------------------------------

def _contract(metadata_path: Path) -> dict:
    """The published data contract (datasette_metadata.yml): licence, titles, table and column docs."""
    try:
        return yaml.safe_load(metadata_path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise ExportError(f"cannot read the data contract {metadata_path} (licence and column docs): {exc}") from exc


def _plain(text: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", "", text)).strip()


def _file_facts(path: Path) -> dict:
    with open(path, "rb") as data:
        digest = hashlib.file_digest(data, "sha256").hexdigest()
    return {"bytes": path.stat().st_size, "hash": f"sha256:{digest}"}


def _resource(name: str, schema: dict, folder: Path, doc: dict) -> dict:
    description = doc.get("description") or _plain(doc.get("description_html", ""))
    return {"name": name, "path": f"{name}.csv", "profile": "tabular-data-resource", "format": "csv",
            "mediatype": "text/csv", "encoding": "utf-8", **({"title": doc["title"]} if "title" in doc else {}),
            **({"description": description} if description else {}), **_file_facts(folder / f"{name}.csv"),
            "schema": schema}


def _built_at(conn: sqlite3.Connection) -> str | None:
    if not conn.execute("select 1 from sqlite_master where type = 'table' and name = 'build'").fetchone():
        return None
    found = conn.execute("select built_at from build order by rowid desc limit 1").fetchone()
    return found[0] if found else None


def _sources(conn: sqlite3.Connection, tables: list[str]) -> list[dict]:
    """The directory lists the catalogue is drawn from, as the package's sources."""
    if "sources" not in tables:
        return []
    return [{"title": name, "path": url} for name, url in conn.execute("select name, url from sources order by name")]


def _descriptor(contract: dict, version: str, created: datetime, built_at: str | None,
                sources: list[dict], resources: list[dict]) -> dict:
    licence = contract.get("license", "CC-BY-4.0")
    description = (f"copdir's catalogue as built {built_at or 'at an unknown time'}. Each CSV has a JSON Lines twin "
                   "(<name>.jsonl) with the same rows and their original values; in the CSV files, text that a "
                   "spreadsheet would run as a formula (starting with = + - @, tab or CR) carries a leading "
                   "apostrophe. changes.csv lists what changed since the previous export.")
    return {"profile": "tabular-data-package", "name": PACKAGE_NAME,
            "title": contract.get("title", "copdir catalogue"), "description": description, "version": version,
            "created": created.strftime("%Y-%m-%dT%H:%M:%SZ"),
            **({"homepage": contract["about_url"]} if contract.get("about_url") else {}),
            "licenses": [{"name": licence, **({"path": contract["license_url"]} if "license_url" in contract else {})}],
            "sources": sources or [{"title": contract.get("source", "copdir's directory lists")}],
            "resources": resources}


# --- versions ------------------------------------------------------------------------------------

def _utc(moment: datetime) -> datetime:
    """The moment in UTC; a naive time is taken as UTC already."""
    return moment.astimezone(timezone.utc) if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def version_of(now: datetime) -> str:
    """The export's version: its UTC time, in a form whose names sort in time order."""
    return _utc(now).strftime(VERSION_FORMAT)


def existing_versions(out_dir: Path) -> list[str]:
    """The complete exports in out_dir, oldest first (a version folder appears only when complete)."""
    if not out_dir.is_dir():
        return []
    return sorted(entry.name for entry in out_dir.iterdir()
                  if entry.is_dir() and VERSION_PATTERN.fullmatch(entry.name))


def _point_latest(out_dir: Path, version: str) -> None:
    pointer = out_dir / f".{LATEST}.tmp"
    pointer.write_text(version + "\n", encoding="utf-8")
    os.replace(pointer, out_dir / LATEST)


def _remove_leftovers(out_dir: Path) -> None:
    """A killed export leaves its hidden work folder behind; the next export clears it."""
    for entry in out_dir.glob(PARTIAL_PREFIX + "*"):
        shutil.rmtree(entry, ignore_errors=True)


def _write_tables(conn: sqlite3.Connection, work: Path, docs: dict) -> tuple[dict[str, int], list[dict]]:
    """Every public table as CSV and JSON Lines; returns rows per table and their resources."""
    tables = public_tables(conn)
    rows, resources = {}, []
    for table in tables:
        schema = table_schema(conn, table, tables, docs.get(table, {}).get("columns", {}))
        names = [column["name"] for column in schema["fields"]]
        rows[table] = _write_rows(_rows(conn, table, names, schema.get("primaryKey", [])), names, work, table)
        resources.append(_resource(table, schema, work, docs.get(table, {})))
        log.info("exported %s: %d rows", table, rows[table])
    return rows, resources


def _write_changes(conn: sqlite3.Connection, work: Path, previous: Path | None) -> tuple[Counter, dict]:
    """The change log against the previous export (everything is added in the first); its counts and resource."""
    current = _rows(conn, "communities", ["id", "name", "url", "platform", "reachability", "activity"], ["id"])
    counts: Counter = Counter()
    changes = diff_communities(_exported_communities(previous) if previous else iter(()), current)
    _write_rows(_counted(changes, counts), [column["name"] for column in CHANGE_FIELDS], work, "changes")
    since = f"since export {previous.name}" if previous else "the first export: every community is added"
    doc = {"title": "Changes", "description": f"Communities added, removed, and whose status changed ({since}), "
                                              "by stable id."}
    return counts, _resource("changes", {"fields": CHANGE_FIELDS, "primaryKey": ["community_id"]}, work, doc)


def export_catalogue(catalogue_path: Path, out_dir: Path, now: datetime,
                     metadata_path: Path = DEFAULT_METADATA) -> ExportReport:
    """Export the published catalogue as version `version_of(now)` in out_dir and point `latest` at it."""
    version = version_of(now)
    versions = existing_versions(out_dir)
    previous = versions[-1] if versions else None
    if previous and previous >= version:
        raise ExportError(f"export {previous} already exists and is not older than {version}; "
                          "exports are made in time order (check --now)")
    contract = _contract(metadata_path)
    conn = _open_read_only(catalogue_path)
    out_dir.mkdir(parents=True, exist_ok=True)
    _remove_leftovers(out_dir)
    work = Path(tempfile.mkdtemp(prefix=f"{PARTIAL_PREFIX}{version}-", dir=out_dir))
    try:
        docs = contract.get("databases", {}).get("catalogue", {}).get("tables", {})
        rows, resources = _write_tables(conn, work, docs)
        if "changes" in rows:  # the change log's name is part of the contract; a table must not shadow it
            raise ExportError("the catalogue has a table named `changes`, the name of the export's change log")
        counts, changes = _write_changes(conn, work, out_dir / previous if previous else None)
        descriptor = _descriptor(contract, version, _utc(now), _built_at(conn), _sources(conn, list(rows)),
                                 resources + [changes])
        (work / "datapackage.json").write_text(json.dumps(descriptor, indent=1, ensure_ascii=False) + "\n",
                                               encoding="utf-8")
        work.chmod(0o755)  # mkdtemp makes it private; a published version is for everyone to read
        os.rename(work, out_dir / version)  # the commit point: the version appears whole or not at all
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    finally:
        conn.close()
    _point_latest(out_dir, version)
    return ExportReport(version, out_dir / version, previous, rows, dict(counts))
