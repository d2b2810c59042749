"""`copdir crawl discover|profile|worker|collect --distributed REDIS_URL`: the crawl beyond one machine.

The machine with the working database runs `copdir crawl STAGE`: it seeds the stage's frontier in Redis,
runs local workers (`--workers`, default 1), waits until the crawl is done and collects the results
(crawler/cli/crawl_stages.py). Every other machine runs `copdir crawl worker STAGE` against the same Redis.
"""
from __future__ import annotations

import os
import subprocess
from pathlib import Path

import click

from spiders.settings import CONCURRENT_REQUESTS, CONCURRENT_REQUESTS_PER_DOMAIN, DOWNLOAD_DELAY

REDIS_OPTION = click.option("--distributed", "redis_url", required=True, envvar="COPDIR_REDIS_URL", metavar="REDIS_URL",
                            help="The Redis every worker shares, e.g. redis://crawl-redis:6379/0 ($COPDIR_REDIS_URL).")
PER_HOST_OPTION = click.option("--per-host", default=CONCURRENT_REQUESTS_PER_DOMAIN, show_default=True,
                               help="Requests in flight to one host, across all workers.")
INTERVAL_OPTION = click.option("--interval", default=DOWNLOAD_DELAY, show_default=True, type=float,
                               help="Seconds between requests to one host (start to start and end to start), "
                                    "across all workers.")
CONCURRENCY_OPTION = click.option("--concurrency", default=CONCURRENT_REQUESTS, show_default=True,
                                  help="Requests each worker takes from the frontier at once.")
STAGE_ARGUMENT = click.argument("stage", type=click.Choice(["discover", "profile"]))


def _summary(stage: str, counts: dict) -> str:
    return f"crawl {stage}: " + ", ".join(f"{value} {key}" for key, value in counts.items())


def register(cli: click.Group, db_of) -> None:
    from crawler.cli import crawl_stages as stages

    def failing(fn, *args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except stages.CrawlFailed as exc:
            raise click.ClickException(str(exc)) from exc

    @cli.group()
    def crawl() -> None:
        """Discover and profile on many machines: scrapy-redis workers sharing one frontier in Redis.

        \b
        Example, on the machine with the working database, then on each other machine:
          copdir crawl profile --distributed redis://crawl-redis:6379/0
          copdir crawl worker profile --distributed redis://crawl-redis:6379/0
        """

    def coordinate(ctx: click.Context, stage: str, redis_url: str, workers: int, per_host: int, interval: float,
                   concurrency: int, sources: Path, time_limit: float) -> None:
        server = failing(stages.connect, redis_url)
        db = db_of(ctx)
        seeded = failing(stages.seed, server, stage, db, ctx.obj["now"], sources)
        click.echo(f"crawl {stage}: {seeded['queued']} of {seeded['start_requests']} start requests queued in {redis_url}")
        local = [subprocess.Popen(stages.worker_command(stage, redis_url, per_host, interval, concurrency), env=os.environ.copy())
                 for _ in range(workers)]
        try:
            failing(stages.wait_until_done, server, stage, time_limit, local)
            for worker in local:
                worker.wait()
        finally:
            for worker in local:
                if worker.poll() is None:
                    worker.terminate()
        click.echo(_summary(stage, failing(stages.collect, server, stage, db, ctx.obj["now"])))

    for stage_name in ("discover", "profile"):
        @crawl.command(stage_name)
        @REDIS_OPTION
        @click.option("--workers", default=1, show_default=True, help="Workers to run on this machine (0: none).")
        @PER_HOST_OPTION
        @INTERVAL_OPTION
        @CONCURRENCY_OPTION
        @click.option("--sources", type=click.Path(path_type=Path), default=Path("data/sources.yml"), show_default=True)
        @click.option("--time-limit", default=86400.0, show_default=True, help="Seconds to wait for the crawl.")
        @click.pass_context
        def run(ctx, redis_url, workers, per_host, interval, concurrency, sources, time_limit, stage=stage_name):
            coordinate(ctx, stage, redis_url, workers, per_host, interval, concurrency, sources, time_limit)

        run.help = (f"Seed the shared {stage_name} crawl, run --workers here, wait for every worker, collect once "
                    "into the working database. Seeding twice, or while the crawl runs, queues nothing twice.\n\n"
                    f"Example: copdir crawl {stage_name} --distributed redis://crawl-redis:6379/0 --workers 2")

    @crawl.command("worker")
    @STAGE_ARGUMENT
    @REDIS_OPTION
    @PER_HOST_OPTION
    @INTERVAL_OPTION
    @CONCURRENCY_OPTION
    @click.option("--wait", default=60.0, show_default=True, help="Seconds to wait for the crawl to be seeded.")
    def worker(stage: str, redis_url: str, per_host: int, interval: float, concurrency: int, wait: float) -> None:
        """Work on the shared crawl of STAGE until nothing is queued or in flight; needs no database.

        Run as many as you like, on any machine that reaches the Redis and the web.

        Example: copdir crawl worker profile --distributed redis://crawl-redis:6379/0
        """
        server = failing(stages.connect, redis_url)
        if not stages.wait_for_crawl(server, stage, wait):
            raise click.ClickException(f"no {stage} crawl was seeded in {redis_url} within {wait:.0f} s: "
                                       f"run `copdir crawl {stage} --distributed {redis_url}` where the database is")
        command = stages.worker_command(stage, redis_url, per_host, interval, concurrency)
        os.execv(command[0], command)  # this process becomes the worker: a signal to it reaches the crawl

    @crawl.command("collect")
    @STAGE_ARGUMENT
    @REDIS_OPTION
    @click.pass_context
    def collect(ctx: click.Context, stage: str, redis_url: str) -> None:
        """Collect a finished crawl into the working database (when its `copdir crawl STAGE` was stopped).

        Example: copdir crawl collect profile --distributed redis://crawl-redis:6379/0
        """
        server = failing(stages.connect, redis_url)
        click.echo(_summary(stage, failing(stages.collect, server, stage, db_of(ctx), ctx.obj["now"])))
