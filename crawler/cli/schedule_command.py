"""`copdir schedule`: the scheduler service, or (`--once`) every job once for cron and CI."""
from __future__ import annotations

import logging
import sys
from pathlib import Path

import click


def register(cli: click.Group) -> None:
    @cli.command()
    @click.option("--once", is_flag=True, help="Run every enabled job once, in order, and exit with its status.")
    @click.option("--config", type=click.Path(path_type=Path), default=Path("data/schedule.yml"), show_default=True,
                  help="Cadences, time limits, jitter and grace periods.")
    @click.option("--catalogue", type=click.Path(path_type=Path), default=Path("data/catalogue.db"), show_default=True)
    @click.option("--sources", type=click.Path(path_type=Path), default=Path("data/sources.yml"), show_default=True)
    @click.option("--exports", type=click.Path(path_type=Path), default=Path("data/exports"), show_default=True)
    @click.option("--store", "store_path", type=click.Path(path_type=Path),
                  help="The private submissions store (default: $COPDIR_SUBMISSIONS_DB or data/submissions.db).")
    @click.pass_context
    def schedule(ctx: click.Context, once: bool, config: Path, catalogue: Path, sources: Path, exports: Path,
                 store_path: Path | None) -> None:
        """Run the stages on their cadences (data/schedule.yml), each as a child process with a time limit.

        Every run is recorded (`copdir runs`); a failed, timed-out, abandoned or degraded run and a refused
        publish are logged and sent to COPDIR_NOTIFY_WEBHOOK and/or by e-mail (COPDIR_SMTP_*). SIGTERM lets
        the running stage finish within stop_grace, then stops. With --once: discover → profile → check →
        score → build → submissions → export once, one line per stage; exit 0 only if all succeeded.
        `python scheduler.py` is the same command.

        \b
        Example:
          copdir schedule
          copdir schedule --once
        """
        from crawler.notify import Notifier
        from crawler.schedule import service
        from crawler.schedule.config import ScheduleConfigError, load_schedule
        from crawler.schedule.jobs import JobRunner, Paths

        try:
            settings = load_schedule(config)
        except ScheduleConfigError as exc:
            raise click.ClickException(str(exc)) from exc
        logging.getLogger("copdir").setLevel(logging.INFO)  # each stage's line and every notice, to the journal
        paths = Paths(ctx.obj["db_path"], catalogue, sources, exports, store_path)
        runner = JobRunner(settings, paths, Notifier.from_env())
        if not once:
            sys.exit(service.serve(runner))
        results = service.run_once(runner)
        for line in service.summary_lines(results):
            click.echo(line)
        if not service.once_succeeded(results):
            sys.exit(1)
