"""A click group that imports a command's module only when that command runs or shows its help.

`copdir check --urls` is a link checker people run often, and the benchmark measures its memory:
it should not import Scrapy, scrapy-redis, the scheduler or the classifiers (a second of start-up
and ~50 MB) for commands it does not run. `copdir --help` lists every command from the summaries
given here, loading none; tests/test_cli.py checks that each summary is its command's own.
"""
from __future__ import annotations

import importlib
from collections.abc import Mapping
from dataclasses import dataclass

import click


@dataclass(frozen=True)
class LazyCommands:
    """The commands that `module.register(group, *needs)` adds, each with the first sentence of its help."""

    module: str
    summaries: Mapping[str, str]
    needs: tuple = ()


class LazyGroup(click.Group):
    """A click group whose commands may be registered lazily with `add_lazy`."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.lazy: dict[str, LazyCommands] = {}

    def add_lazy(self, commands: LazyCommands) -> None:
        for name in commands.summaries:
            self.lazy[name] = commands

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(self.commands.keys() | self.lazy.keys())

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in self.commands and cmd_name in self.lazy:
            entry = self.lazy[cmd_name]
            importlib.import_module(entry.module).register(self, *entry.needs)
            missing = [name for name in entry.summaries if name not in self.commands]
            if missing:
                raise RuntimeError(f"{entry.module}.register added no command {', '.join(missing)}")
        return self.commands.get(cmd_name)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """click's listing, with a stand-in carrying the summary for each command not loaded yet."""
        rows = []
        for name in self.list_commands(ctx):
            command = self.commands.get(name) or click.Command(name, help=self.lazy[name].summaries[name])
            if not command.hidden:
                rows.append((name, command))
        if rows:
            limit = formatter.width - 6 - max(len(name) for name, _ in rows)
            with formatter.section("Commands"):
                formatter.write_dl([(name, command.get_short_help_str(limit)) for name, command in rows])
