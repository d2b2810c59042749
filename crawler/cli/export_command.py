"""`copdir export`: a versioned research data package of the published catalogue."""
from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

if TYPE_CHECKING:  # the export module loads only when the command runs
    from catalogue.export import ExportReport


def summary_line(report: ExportReport) -> str:
    changes = ", ".join(f"{report.changes.get(kind, 0)} {label}" for kind, label in
                        (("added", "added"), ("removed", "removed"), ("status_changed", "status changes")))
    since = f" since {report.previous_version}" if report.previous_version else ""
    communities = report.rows.get("communities", 0)
    return (f"export: {report.version} — {communities} communities in {len(report.rows)} tables; "
            f"{changes}{since} → {report.path}")


def register(cli: click.Group) -> None:
    @cli.command()
    @click.option("--catalogue", type=click.Path(path_type=Path), default=Path("data/catalogue.db"),
                  show_default=True, help="The published catalogue (never the working database).")
    @click.option("--out", type=click.Path(path_type=Path), default=Path("data/exports"), show_default=True,
                  help="Where the versions are kept: each export adds one folder and points `latest` at it.")
    @click.option("--metadata", type=click.Path(path_type=Path), default=Path("datasette_metadata.yml"),
                  show_default=True, help="The data contract: licence, titles and column docs for the package.")
    @click.pass_context
    def export(ctx: click.Context, catalogue: Path, out: Path, metadata: Path) -> None:
        """Write a versioned research data package of the published catalogue.

        A Frictionless data package (datapackage.json with every table's schema, one CSV per table) plus the
        same rows as JSON Lines, the full status history, and changes.csv: communities added, removed and
        whose status changed since the previous export. The version is the export's UTC time; OUT/latest
        names the newest. A failed export leaves no half version behind.

        \b
        Example:
          copdir export --catalogue data/catalogue.db --out data/exports
        """
        from catalogue.export import ExportError, export_catalogue

        try:
            report = export_catalogue(catalogue, out, ctx.obj["now"], metadata)
        except ExportError as exc:
            raise click.ClickException(str(exc)) from exc
        click.echo(summary_line(report))
