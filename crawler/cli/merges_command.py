"""`copdir dedupe` (find which links are one community) and `copdir merges` (review and decide)."""
from __future__ import annotations

import json

import click


def _show(row: dict) -> str:
    decided = f" [{row['decision']} by {row['decided_by']}]" if row.get("decision") else ""
    evidence = "; ".join(json.loads(row["evidence"] or "[]"))
    return (f"{row['verdict']:<9} {row['score']:>5.1f} {row['rule']:<13} {row['left_id']} {row['right_id']}{decided}\n"
            f"          {row['left_name']} <{row['left_url']}>\n          {row['right_name']} <{row['right_url']}>\n"
            f"          why: {evidence}")


def register(cli: click.Group, stage, open_db) -> None:
    @cli.command()
    @click.pass_context
    def dedupe(ctx: click.Context) -> None:
        """Find which links are one community — merges on evidence, near misses on names — and regroup.

        `copdir build` runs it first, so the catalogue is always grouped as of now.

        Example: copdir dedupe
        """
        from crawler.cli import _stages, _summary

        click.echo(_summary("dedupe", stage(_stages().dedupe, open_db(ctx), ctx.obj["now"])))

    @cli.group(invoke_without_command=True)
    @click.option("--near-misses", "verdict", flag_value="near_miss", help="Only near misses (names alike, no evidence).")
    @click.option("--merged", "verdict", flag_value="merge", help="Only merges the evidence made.")
    @click.option("--undecided", is_flag=True, help="Only pairs no maintainer has decided.")
    @click.option("--json", "as_json", is_flag=True, help="Print JSON.")
    @click.pass_context
    def merges(ctx: click.Context, verdict: str | None, undecided: bool, as_json: bool) -> None:
        """List dedupe's merges and near misses with their score and evidence; accept, reject or split.

        Decisions are kept by the pair of stable link ids, so they survive every rebuild.

        Example: copdir merges --near-misses --undecided
        """
        if ctx.invoked_subcommand:
            return
        from catalogue import merge_store

        rows = merge_store.listing(open_db(ctx), verdict, undecided)
        if as_json:
            click.echo(json.dumps(rows, indent=1))
            return
        for row in rows:
            click.echo(_show(row))
        click.echo(f"merges: {len(rows)} pairs")

    def _decide(ctx: click.Context, left: str, right: str, decision: str, by: str, note: str) -> None:
        from catalogue import merge_store

        db = open_db(ctx)
        known = {row["id"] for row in db.query("select id from communities where id in (?, ?)", [left, right])}
        if known != {left, right}:
            raise click.BadParameter(f"not a link id: {', '.join(sorted({left, right} - known))}; "
                                     "`copdir merges` lists the pairs")
        merge_store.decide(db, left, right, decision, by, ctx.obj["now"], note)
        click.echo(f"merges: {left} {right} {decision}; `copdir dedupe` (or the next build) regroups")

    @merges.command("accept")
    @click.argument("left")
    @click.argument("right")
    @click.option("--by", required=True, help="Who decides.")
    @click.option("--note", default="")
    @click.pass_context
    def accept(ctx: click.Context, left: str, right: str, by: str, note: str) -> None:
        """Join two links into one community (a near miss you have checked by hand).

        Example: copdir merges accept 3f1c9a0e5b7d2c41 9a0e5b7d2c413f1c --by alice
        """
        _decide(ctx, left, right, "accepted", by, note)

    @merges.command("reject")
    @click.argument("left")
    @click.argument("right")
    @click.option("--by", required=True, help="Who decides.")
    @click.option("--note", default="")
    @click.pass_context
    def reject(ctx: click.Context, left: str, right: str, by: str, note: str) -> None:
        """Keep two links apart, whatever the evidence says.

        Example: copdir merges reject 3f1c9a0e5b7d2c41 9a0e5b7d2c413f1c --by alice --note "two different groups"
        """
        _decide(ctx, left, right, "rejected", by, note)

    @merges.command("split")
    @click.argument("link")
    @click.option("--by", required=True, help="Who decides.")
    @click.option("--note", default="")
    @click.pass_context
    def split(ctx: click.Context, link: str, by: str, note: str) -> None:
        """Take one link out of its community: every pair joining it is rejected.

        Example: copdir merges split 3f1c9a0e5b7d2c41 --by alice
        """
        from catalogue import merge_store

        count = merge_store.split(open_db(ctx), link, by, ctx.obj["now"], note)
        click.echo(f"merges: {count} pairs with {link} rejected; `copdir dedupe` (or the next build) regroups")
