"""`copdir backup DEST`: consistent copies of the working database, the catalogue and the submissions store."""
from __future__ import annotations

from pathlib import Path

import click


def register(cli: click.Group) -> None:
    @cli.command()
    @click.argument("destination", type=click.Path(path_type=Path, file_okay=False))
    @click.option("--catalogue", type=click.Path(path_type=Path), default=Path("data/catalogue.db"), show_default=True)
    @click.option("--store", "store_path", type=click.Path(path_type=Path),
                  help="The private submissions store (default: $COPDIR_SUBMISSIONS_DB or data/submissions.db).")
    @click.pass_context
    def backup(ctx: click.Context, destination: Path, catalogue: Path, store_path: Path | None) -> None:
        """Copy the working database, the catalogue and the submissions store into DESTINATION with SQLite's
        online backup, safe while the scheduler and the site run. Each copy is checked (quick_check) and renamed
        into place whole: DESTINATION/copdir.db, catalogue.db, submissions.db. A database that does not exist
        yet is left out and named.

        \b
        Example:
          copdir backup /var/backups/copdir/$(date +%F)
        """
        from catalogue.backup import BackupError, backup_all
        from catalogue.submissions import store_path as default_store

        sources = {"copdir": ctx.obj["db_path"], "catalogue": catalogue, "submissions": store_path or default_store()}
        try:
            copied, missing = backup_all(sources, destination)
        except (BackupError, OSError) as exc:
            raise click.ClickException(str(exc)) from exc
        for item in copied:
            click.echo(f"{item.source} → {item.target} ({item.size:,} bytes)")
        if missing:
            click.echo("not there yet, left out: " + ", ".join(missing), err=True)
        if not copied:
            raise click.ClickException("nothing to back up: none of the databases exists (check --db and --catalogue)")
        click.echo(f"backup: {len(copied)} databases copied, {len(missing)} missing")
