"""`copdir status` (one community's status, reasons, evidence and history, today or on a past date)
and `copdir owner` (record a verified owner's hiatus, move or closure)."""
from __future__ import annotations

import json
from datetime import datetime

import click

from crawler.models import OverrideKind, OwnerOverride


def _find_community(db, key: str) -> dict:
    """A community by id, or by any spelling of its URL."""
    from crawler.urls import canonicalize, community_id

    candidates = [key]
    if "/" in key:
        try:
            canonical = canonicalize(key)
        except ValueError:
            canonical = ""
        other_scheme = canonical.replace("http://", "https://", 1) if canonical.startswith("http://") else \
            canonical.replace("https://", "http://", 1)
        candidates += [community_id(url) for url in (canonical, other_scheme) if url]
    row = next((found for cid in candidates
                for found in db.query("select id, name, canonical_url from communities where id = ?", [cid])), None)
    if row is None:
        raise click.ClickException(f"no community {key!r} in the working database; give its id or its URL")
    return row


def _evidence_rows(db, refs: list[str]) -> list[dict]:
    found = []
    for ref in refs:
        table, _, key = ref.partition(":")
        if table == "signals":
            row = next(db.query("select kind, value, observed_at, last_observed_at, times_seen, source_url"
                                " from signals where id = ?", [key]), None)
        elif table == "checks":
            row = next(db.query("select 'check' as kind, outcome || ' — ' || coalesce(detail, '') as value,"
                                " checked_at as observed_at, url as source_url from checks where id = ?", [key]), None)
        elif table == "owner_overrides":
            row = next(db.query("select 'owner ' || kind as kind, coalesce(until, url, '') as value,"
                                " set_at as observed_at, '' as source_url from owner_overrides where id = ?", [key]), None)
        else:
            row = None
        if row:
            found.append({"ref": ref, **row})
    return found


def _report(db, community: dict, on: datetime | None) -> dict:
    from catalogue import status_store

    cid = community["id"]
    if on is not None:
        rows = status_store.status_on(db, on, cid)
        status = rows[0] if rows else None
        history = list(db.query("select * from status_history where community_id = ? and changed_at < ?"
                                " order by changed_at, id", [cid, on.isoformat()]))
    else:
        status = next(db.query("select * from statuses where community_id = ?", [cid]), None)
        history = list(db.query("select * from status_history where community_id = ? order by changed_at, id", [cid]))
    evidence = _evidence_rows(db, json.loads(status["evidence"] or "[]")) if status else []
    return {"community": community, "on": on.date().isoformat() if on else None, "status": status,
            "evidence": evidence, "history": history}


def _print(report: dict) -> None:
    community, status = report["community"], report["status"]
    click.echo(f"{community['name']}  {community['canonical_url']}  [{community['id']}]")
    if status is None:
        click.echo("  not scored yet" + (f" on {report['on']}" if report["on"] else "") + "; run `copdir score`")
        return
    when = f" on {report['on']}" if report["on"] else ""
    click.echo(f"  {status['reachability']} · {status['activity']}{when}")
    if status.get("lifecycle"):
        click.echo(f"  lifecycle: {status['lifecycle']}" + (f" · {status['override']}" if status.get("override") else ""))
    click.echo(f"  why: {status['reason']}")
    for note in json.loads(status.get("stale") or "[]"):
        click.echo(f"  not trusted: {note[1]}")
    if report["evidence"]:
        click.echo("  evidence:")
        for row in report["evidence"]:
            click.echo(f"    {row['ref']:<22} {row['kind']:<18} {row['value']}  ({row['observed_at'][:10]}, "
                       f"{row['source_url']})")
    click.echo("  history:")
    for row in report["history"]:
        click.echo(f"    {row['changed_at'][:16]}  {row['reachability']:<8} {row['activity']:<8} {row['reason']}")


def register(cli: click.Group, open_db) -> None:
    @cli.command()
    @click.argument("community")
    @click.option("--on", "on_date", help="The status as it stood at the end of this day (YYYY-MM-DD).")
    @click.option("--json", "as_json", is_flag=True, help="Print JSON.")
    @click.pass_context
    def status(ctx: click.Context, community: str, on_date: str | None, as_json: bool) -> None:
        """Show one community's status on both axes, why, the evidence and its history.

        Example: copdir status https://forum.example.org/ --on 2026-10-01
        """
        from crawler.cli import parse_now

        db = open_db(ctx)
        report = _report(db, _find_community(db, community), parse_now(on_date) if on_date else None)
        if as_json:
            click.echo(json.dumps(report, indent=1, default=str))
        else:
            _print(report)

    @cli.group()
    def owner() -> None:
        """Record what a verified owner says of their community: a hiatus, a move, a closure.

        Example: copdir owner set https://forum.example.org/ --closed --verified-by alice

        The owner's claim is verified first (a meta tag or /.well-known file with their token); until the
        submission site does that, a maintainer records it here with --verified-by.
        """

    @owner.command("set")
    @click.argument("community")
    @click.option("--hiatus-until", help="On hiatus until this date (YYYY-MM-DD): quiet by choice.")
    @click.option("--moved-to", help="It lives on at this URL.")
    @click.option("--closed", is_flag=True, help="Its owner closed it.")
    @click.option("--note", default="", help="The owner's own words, shown on its page.")
    @click.option("--verified-by", required=True, help="Who verified the owner (a maintainer or 'meta-tag', …).")
    @click.pass_context
    def owner_set(ctx: click.Context, community: str, hiatus_until: str | None, moved_to: str | None, closed: bool,
                  note: str, verified_by: str) -> None:
        """Example: copdir owner set https://forum.example.org/ --hiatus-until 2027-03-01 --verified-by alice"""
        from catalogue import status_store
        from crawler.cli import parse_now
        from crawler.urls import canonicalize

        chosen = [name for name, given in (("--hiatus-until", hiatus_until), ("--moved-to", moved_to),
                                            ("--closed", closed)) if given]
        if len(chosen) != 1:
            raise click.UsageError("give exactly one of --hiatus-until, --moved-to, --closed")
        now = ctx.obj["now"]
        until = parse_now(hiatus_until) if hiatus_until else None
        if until is not None and until <= now:
            raise click.BadParameter(f"{hiatus_until} is not in the future", param_hint="--hiatus-until")
        url = ""
        if moved_to:
            try:
                url = canonicalize(moved_to)
            except ValueError as exc:
                raise click.BadParameter(f"{moved_to!r} is not an http(s) URL", param_hint="--moved-to") from exc
        kind = OverrideKind.HIATUS if until else OverrideKind.MOVED if url else OverrideKind.CLOSED
        db = open_db(ctx)
        found = _find_community(db, community)
        ref = status_store.set_override(db, found["id"], OwnerOverride(kind, now, now, until, url, note), verified_by)
        click.echo(f"owner: {kind.value} recorded for {found['name']} (owner_overrides:{ref}); "
                   "`copdir score` applies it")

    @owner.command("clear")
    @click.argument("community")
    @click.pass_context
    def owner_clear(ctx: click.Context, community: str) -> None:
        """Withdraw the owner's override; the measured status applies again at the next `copdir score`.

        Example: copdir owner clear https://forum.example.org/
        """
        from catalogue import status_store

        db = open_db(ctx)
        found = _find_community(db, community)
        cleared = status_store.clear_overrides(db, found["id"], ctx.obj["now"])
        click.echo(f"owner: {cleared} override(s) withdrawn for {found['name']}")
