"""`copdir claims verify|apply`: check owners' tokens on their sites, then write verified owners' requests.

The claims and requests live in the private store (catalogue/claims.py); the fetch is crawler/claim_check.py;
the overrides are written to the working database (catalogue/status_store.py) for the next `copdir score`.
"""
from __future__ import annotations

import asyncio
import sqlite3
from collections import Counter
from collections.abc import Callable, Mapping
from datetime import datetime
from pathlib import Path

import click

from crawler.cli.submissions_command import printable
from crawler.net import NetPolicy, Resolver, make_client
from crawler.netconfig import network_from_env


async def verify_claims(store: sqlite3.Connection, resolver: Resolver, policy: NetPolicy, now: datetime,
                        echo: Callable[[str], None], platforms: Mapping[str, str] | None = None) -> Counter:
    """Check every unverified claim once; record and count what was found. platforms: each community's platform
    as the catalogue has it, to find its platform's public description."""
    from catalogue import claims
    from crawler.claim_check import check_claim

    counts: Counter = Counter()
    async with make_client(resolver, policy) as client:
        for claim in claims.unverified(store):
            result = await check_claim(client, policy, claim.url, claim.token,
                                       (platforms or {}).get(claim.community_id), now)
            claims.record_check(store, claim.id, result.verified, result.detail, now)
            counts["verified" if result.verified else "not verified"] += 1
            echo(printable(f"claim {claim.id} ({claim.url}): "
                           f"{'verified' if result.verified else 'not verified'}: {result.detail}"))
    return counts


def apply_requests(store: sqlite3.Connection, db, now: datetime, echo: Callable[[str], None]) -> Counter:
    """Write each verified owner's pending request into the working database as an override, oldest first."""
    from catalogue import claims, status_store
    from crawler.models import OverrideKind, OwnerOverride, parse_utc

    counts: Counter = Counter()
    for request in claims.unapplied_requests(store):
        if not db["communities"].count_where("id = ?", [request.community_id]):
            echo(f"request {request.id}: community {request.community_id} is not in the working database; kept")
            counts["kept"] += 1
            continue
        if request.kind == "clear":
            status_store.clear_overrides(db, request.community_id, now)
        else:
            override = OwnerOverride(OverrideKind(request.kind), parse_utc(request.requested_at),
                                     parse_utc(request.verified_at),
                                     parse_utc(request.until) if request.until else None, request.url)
            status_store.set_override(db, request.community_id, override, f"owner claim {request.claim_id}")
        claims.mark_applied(store, request.id, now)
        counts["applied"] += 1
        echo(printable(f"request {request.id}: {request.kind} applied to {request.community_id}"))
    return counts


def _store(store_path: Path | None) -> sqlite3.Connection:
    from catalogue import claims, submissions

    path = store_path or submissions.store_path()
    if not path.exists():
        raise click.ClickException(f"{path} does not exist: no claim has been made yet "
                                   "(or pass --store, or set COPDIR_SUBMISSIONS_DB)")
    return claims.open_store(path)


STORE_OPTION = click.option("--store", "store_path", type=click.Path(path_type=Path),
                            help="The private store (default: $COPDIR_SUBMISSIONS_DB or data/submissions.db).")


def register(cli: click.Group) -> None:
    @cli.group()
    def claims() -> None:
        """Ownership claims from the site's /claim page: verify owners' tokens, apply their requests.

        Example: copdir claims verify && copdir claims apply
        """

    @claims.command("verify")
    @STORE_OPTION
    @click.option("--catalogue", type=click.Path(path_type=Path), default=Path("data/catalogue.db"),
                  show_default=True, help="The published catalogue, for each community's platform (if it exists).")
    @click.pass_context
    def verify(ctx: click.Context, store_path: Path | None, catalogue: Path) -> None:
        """Look for each unverified claim's token on its community's site, through the guarded network layer.

        A claim is verified when its page has <meta name="copdir-verification" content="TOKEN">, its host
        serves TOKEN as the body of /.well-known/copdir-verification.txt, or its platform's public description
        (Discourse, Mastodon, Lemmy, Reddit, Discord, Matrix, Telegram, Meetup) has TOKEN as a word. One line per
        claim.

        \b
        Example:
          copdir claims verify
        """
        from catalogue.claims import community_platforms

        store = _store(store_path)
        resolver, policy = network_from_env()
        try:
            platforms = community_platforms(store, catalogue)
            counts = asyncio.run(verify_claims(store, resolver, policy, ctx.obj["now"], click.echo, platforms))
        finally:
            store.close()
        click.echo(f"claims: {sum(counts.values())} checked, {counts['verified']} verified, "
                   f"{counts['not verified']} not verified")

    @claims.command("apply")
    @STORE_OPTION
    @click.option("--db", "db_path", type=click.Path(path_type=Path),
                  help="The working database (default: copdir's --db, data/copdir.db).")
    @click.pass_context
    def apply(ctx: click.Context, store_path: Path | None, db_path: Path | None) -> None:
        """Write verified owners' requests (hiatus, moved, closed, clear) into the working database.

        The next `copdir score` applies them. Each request is applied once.

        \b
        Example:
          copdir claims apply --db data/copdir.db
        """
        from catalogue.schema import open_working_db

        store = _store(store_path)
        db = open_working_db(db_path or ctx.obj["db_path"])
        try:
            counts = apply_requests(store, db, ctx.obj["now"], click.echo)
        finally:
            store.close()
            db.close()
        click.echo(f"claims: {counts['applied']} requests applied, {counts['kept']} kept")
