"""`copdir runs`: the recent history of every stage's runs, from the working database's runs table."""
from __future__ import annotations

import json

import click


def describe(run: dict) -> str:
    duration = "running" if run["duration_s"] is None else f"{run['duration_s']:.0f} s"
    counts = ", ".join(f"{value} {key}" for key, value in run["counts"].items())
    line = f"{run['id']:>6}  {run['stage']:<13} {run['started_at'][:19]}  {duration:>8}  {run['outcome']:<9}"
    return line + (f"  {counts}" if counts else "") + (f"  — {run['error']}" if run["error"] else "")


def register(cli: click.Group, open_db) -> None:
    @cli.command()
    @click.option("--stage", help="Only this stage (discover, profile, check, score, dedupe, build, submissions, "
                                  "claims-verify, claims-apply, export).")
    @click.option("--limit", type=click.IntRange(min=1), default=20, show_default=True)
    @click.option("--json", "as_json", is_flag=True, help="One JSON object per run.")
    @click.pass_context
    def runs(ctx: click.Context, stage: str | None, limit: int, as_json: bool) -> None:
        """Show the latest runs, newest first: stage, start, duration, outcome, counts and error.

        \b
        Example:
          copdir runs --stage check --limit 5
          copdir runs --json
        """
        from catalogue import runs as run_store

        db = open_db(ctx)
        try:
            found = run_store.recent(db.conn, stage, limit)
        finally:
            db.close()
        for run in found:
            click.echo(json.dumps(run, ensure_ascii=False) if as_json else describe(run))
        failed = sum(run["outcome"] not in run_store.OK_OUTCOMES for run in found)
        if not as_json:
            click.echo(f"runs: {len(found)} shown, {failed} not ok", err=True)
