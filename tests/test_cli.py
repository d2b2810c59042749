"""The CLI: every command documented in the README and in its own help; mistakes give clear errors."""
from __future__ import annotations

import click
from click.testing import CliRunner

from conftest import REPO
from crawler.cli import cli


def _commands(group: click.Group, prefix: str = "copdir"):
    for name, command in group.commands.items():
        if isinstance(command, click.Group):
            yield from _commands(command, f"{prefix} {name}")
        else:
            yield f"{prefix} {name}", command


def test_every_command_is_documented_in_the_readme_with_an_example():
    readme = (REPO / "README.md").read_text()
    for name, command in _commands(cli):
        assert f"`{name}`" in readme, f"{name} is missing from the README"
        assert "Example:" in (command.help or ""), f"{name} has no example in its help"


def test_a_malformed_sources_file_is_a_clear_error(tmp_path):
    sources = tmp_path / "sources.yml"
    sources.write_text("sources:\n  - name: x\n    kind: markdown\n")
    result = CliRunner().invoke(cli, ["--db", str(tmp_path / "w.db"), "discover", "--sources", str(sources)])
    assert result.exit_code == 1
    assert "entry 1 lacks url" in result.output


def test_a_bad_now_is_a_usage_error():
    result = CliRunner().invoke(cli, ["--now", "yesterday", "score"])
    assert result.exit_code == 2
    assert "not an ISO date" in result.output


def test_build_refuses_an_empty_catalogue_and_publishes_nothing(tmp_path):
    catalogue = tmp_path / "catalogue.db"
    result = CliRunner().invoke(cli, ["--db", str(tmp_path / "w.db"), "build", "--catalogue", str(catalogue)])
    assert result.exit_code == 1
    assert "no communities" in result.output and "copdir discover" in result.output
    assert not catalogue.exists()
