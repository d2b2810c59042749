"""`copdir submissions process`: probe, profile and match each pending submission, for the moderator.

This is where both sides meet: the probe (crawler/submission_probe.py) fetches, the private store and the
catalogue (catalogue/submissions.py, catalogue/submission_results.py) are read and written.
"""
from __future__ import annotations

import asyncio
import re
import sqlite3
from collections import Counter
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import click

from catalogue.retention import retention_days
from crawler.net import NetPolicy, Resolver, make_client
from crawler.netconfig import network_from_env

# What a terminal would act on rather than print: a page's name may carry escape sequences.
_UNPRINTABLE = re.compile("[\x00-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def printable(text: str) -> str:
    return _UNPRINTABLE.sub("?", text)


async def process_pending(store: sqlite3.Connection, catalogue: sqlite3.Connection, resolver: Resolver,
                          policy: NetPolicy, now: datetime, echo: Callable[[str], None],
                          limit: int | None = None) -> Counter:
    """Probe every pending submission not yet processed, record what was found, and count the outcomes."""
    from catalogue import submission_results
    from crawler.submission_probe import profile_fields, probe_submission

    counts: Counter = Counter()
    async with make_client(resolver, policy) as client:
        for pending in submission_results.unprocessed(store, limit):
            probe = await probe_submission(client, policy, pending.url, now)
            profile = profile_fields(probe.profile)
            matches = submission_results.catalogue_matches(
                catalogue, [pending.canonical_url, probe.final_url if probe.profile else ""],
                [pending.name, profile.get("name", "")])
            submission_results.record(store, pending.id, now, probe.outcome.value, probe.detail, probe.final_url,
                                      profile, matches)
            counts[probe.outcome.value] += 1
            known = ("; may already be " + ", ".join(f"{m.name} ({m.reason})" for m in matches)) if matches else ""
            echo(printable(f"submission {pending.id}: {probe.detail}{known}"))
    return counts


def apply_rechecks(store: sqlite3.Connection, db_path: Path, now: datetime, echo: Callable[[str], None]) -> Counter:
    """Make the links of each community with a pending recheck request due at the next `copdir check`."""
    from catalogue import community_requests
    from catalogue.schema import open_working_db

    counts: Counter = Counter()
    pending = community_requests.pending_rechecks(store)
    if pending and not db_path.exists():
        echo(f"{len(pending)} recheck requests kept: there is no working database at {db_path} (pass --db)")
        return Counter(kept=len(pending))
    if not pending:
        return counts
    db = open_working_db(db_path)
    try:
        for recheck in pending:
            links = community_requests.make_due(db, recheck.community_id, now)
            community_requests.mark_scheduled(store, recheck.id, links > 0, now)
            counts["due" if links else "not found"] += 1
            echo(printable(f"recheck {recheck.id}: {links} links of {recheck.community_id} due at the next check"
                           if links else f"recheck {recheck.id}: {recheck.community_id} is not in the working database"))
    finally:
        db.close()
    return counts


def summary_line(counts: Counter, rechecks: Counter | None = None, forgotten: int = 0) -> str:
    rechecks = rechecks or Counter()
    return (f"submissions: {sum(counts.values())} processed, {counts['answered']} answered, "
            f"{counts['refused']} refused, {counts['no_answer']} with no answer; "
            f"rechecks: {rechecks['due']} made due, {rechecks['not found'] + rechecks['kept']} not; "
            f"{forgotten} sender keys past {retention_days()} days forgotten")


def register(cli: click.Group) -> None:
    @cli.group()
    def submissions() -> None:
        """Submissions from the site's form, kept in the private store until a moderator decides.

        Example: copdir submissions process
        """

    @submissions.command("process")
    @click.option("--store", "store_path", type=click.Path(path_type=Path),
                  help="The private submissions store (default: $COPDIR_SUBMISSIONS_DB or data/submissions.db).")
    @click.option("--catalogue", type=click.Path(path_type=Path), default=Path("data/catalogue.db"),
                  show_default=True, help="The published catalogue, to find what a submission may already be.")
    @click.option("--limit", type=click.IntRange(min=1), help="Process at most this many submissions.")
    @click.pass_context
    def process(ctx: click.Context, store_path: Path | None, catalogue: Path, limit: int | None) -> None:
        """Probe each pending submission's URL, profile the page it reaches and match it against the catalogue.

        The URL is fetched through the guarded network layer: a private, loopback or cloud-metadata address
        at any redirect hop is refused, not fetched. One line per submission says what happened; the result
        is stored in the private store's `submission_checks` for the moderation page. Each submission is
        processed once, each recheck request applied once (to the working database, --db).

        \b
        Example:
          copdir submissions process --catalogue data/catalogue.db
        """
        from catalogue import community_requests, submission_results, submissions as store_module
        from catalogue.retention import forget_senders

        store_path = store_path or store_module.store_path()
        if not store_path.exists():
            raise click.ClickException(f"{store_path} does not exist: no submission has been made yet "
                                       "(or pass --store, or set COPDIR_SUBMISSIONS_DB)")
        if not catalogue.exists():
            raise click.ClickException(f"{catalogue} does not exist yet: run `copdir build` first, "
                                       "or pass --catalogue")
        store = community_requests.open_store(store_path)
        published = submission_results.open_catalogue(catalogue)
        resolver, policy = network_from_env()
        try:
            counts = asyncio.run(process_pending(store, published, resolver, policy, ctx.obj["now"], click.echo,
                                                 limit))
            rechecks = apply_rechecks(store, ctx.obj["db_path"], ctx.obj["now"], click.echo)
            forgotten = forget_senders(store, ctx.obj["now"])
        finally:
            store.close()
            published.close()
        click.echo(summary_line(counts, rechecks, sum(forgotten.values())))
