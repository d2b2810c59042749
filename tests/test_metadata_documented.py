"""datasette_metadata.yml documents the catalogue the real build writes: every table, view and column, the licence and
the sources, and every canned query runs against it.

The catalogue is the region test's (tests/test_region_catalogue.py): listings ingested, profiled, scored, classified
and built by catalogue/build.py, so a column the build gains without a line of documentation fails here.
"""
from __future__ import annotations

import re
from pathlib import Path

import pytest
import sqlite_utils
import yaml

from test_region_catalogue import build_region_catalogue

REPO = Path(__file__).resolve().parent.parent
# Values for the canned queries' parameters, by name.
PARAMETERS = {"date": "2026-11-20", "month": "2026-11", "listed_before": "2026-12-01", "region": "United States"}


@pytest.fixture(scope="module")
def catalogue(tmp_path_factory) -> sqlite_utils.Database:
    return sqlite_utils.Database(build_region_catalogue(tmp_path_factory.mktemp("documented"))["path"])


@pytest.fixture(scope="module")
def metadata() -> dict:
    return yaml.safe_load((REPO / "datasette_metadata.yml").read_text(encoding="utf-8"))


def public_tables(db: sqlite_utils.Database) -> list[str]:
    # The full-text index's own tables are SQLite's machinery, not data a reader browses.
    return [name for name in db.table_names() + db.view_names() if not name.startswith("communities_fts")]


def undocumented(db: sqlite_utils.Database, metadata: dict) -> list[str]:
    documented = metadata["databases"]["catalogue"]["tables"]
    missing = []
    for name in public_tables(db):
        table = documented.get(name) or {}
        if not table.get("title") or not (table.get("description") or table.get("description_html")):
            missing.append(f"{name}: no title or description")
        columns = table.get("columns") or {}
        missing += [f"{name}.{column.name}" for column in db[name].columns
                    if not str(columns.get(column.name) or "").strip()]
    return missing


def test_every_public_table_view_and_column_is_documented(catalogue, metadata):
    assert len(public_tables(catalogue)) >= 15
    assert undocumented(catalogue, metadata) == [], "document these in datasette_metadata.yml"


def test_a_column_added_to_the_build_without_documentation_is_caught(catalogue, metadata, tmp_path):
    copy = sqlite_utils.Database(tmp_path / "catalogue.db")
    catalogue.conn.backup(copy.conn)
    copy["communities"].add_column("secret_score", float)
    assert undocumented(copy, metadata) == ["communities.secret_score"]


def test_the_documentation_names_no_table_or_column_the_build_does_not_write(catalogue, metadata):
    tables = set(public_tables(catalogue))
    documented = metadata["databases"]["catalogue"]["tables"]
    assert sorted(set(documented) - tables) == []
    stale = [f"{name}.{column}" for name, table in documented.items() for column in table.get("columns") or {}
             if column not in {c.name for c in catalogue[name].columns}]
    assert stale == []


def test_every_canned_query_runs_against_the_built_catalogue(catalogue, metadata):
    queries = metadata["databases"]["catalogue"]["queries"]
    assert "communities_in_region" in queries
    for name, query in queries.items():
        assert query.get("title") and query.get("description"), name
        parameters = {key: PARAMETERS[key] for key in re.findall(r"(?<!:):(\w+)", query["sql"])}
        rows = catalogue.execute(query["sql"], parameters).fetchall()
        if name == "communities_in_region":
            assert {row[1] for row in rows} == {"Magic City Tech", "Tampa Devs"}


def test_the_licence_and_the_sources_are_stated(metadata, catalogue):
    assert metadata["license"] and metadata["license_url"].startswith("https://")
    assert metadata["source"] and metadata["source_url"] == "/catalogue/sources"
    assert catalogue["sources"].count >= 1
