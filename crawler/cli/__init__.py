"""The `copdir` command: parse options, call one stage function, print one summary line."""
from __future__ import annotations

import dataclasses
import json
import logging
import os
import subprocess
import sys
from datetime import datetime, timezone
from pathlib import Path

import click

from crawler.cli.lazy import LazyCommands, LazyGroup
from crawler.extract.directory import KINDS, NotADirectory
from crawler.models import Platform
from crawler.netconfig import network_from_env
from crawler.sources import SourcesError

# The stages, the catalogue, page profiling and each command module are imported by the commands that use
# them: `copdir check --urls` (a link checker people run often) should not pay to load them.
MAX_LIVE_DROP_SHARE = 0.15  # catalogue.build checks that this default is its own

METADATA = Path("datasette_metadata.yml")


def _summary(stage: str, counts: dict) -> str:
    return f"{stage}: " + ", ".join(f"{value} {key}" for key, value in counts.items())


def parse_now(value: str | None) -> datetime:
    if not value:
        return datetime.now(timezone.utc)
    try:
        moment = datetime.fromisoformat(value)
    except ValueError as exc:
        raise click.BadParameter(f"{value!r} is not an ISO date or time, e.g. 2026-11-20T06:00:00+00:00") from exc
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


@click.group(cls=LazyGroup)
@click.option("--db", "db_path", type=click.Path(path_type=Path), default=Path("data/copdir.db"),
              show_default=True, envvar="COPDIR_DB", help="The working database.")
@click.option("--now", envvar="COPDIR_NOW", help="Pretend it is this time (ISO 8601); default: the clock.")
@click.option("-v", "--verbose", is_flag=True, help="Log what each stage does.")
@click.pass_context
def cli(ctx: click.Context, db_path: Path, now: str | None, verbose: bool) -> None:
    """copdir: find communities of practice, check they are alive, publish the catalogue.

    \b
    Example, the whole flow by hand:
      copdir discover && copdir profile && copdir check && copdir score && copdir build && copdir serve
    """
    logging.basicConfig(level=logging.INFO if verbose else logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    ctx.obj = {"db_path": db_path, "now": parse_now(now)}


def _db(ctx: click.Context):
    from catalogue.schema import open_working_db

    return open_working_db(ctx.obj["db_path"])


def _stage(fn, *args, **kwargs):
    from catalogue.build import BuildRefused
    from catalogue.guards import CanaryConfigError
    from crawler.cli import stages

    try:
        return fn(*args, **kwargs)
    except (stages.StageFailed, SourcesError, BuildRefused, CanaryConfigError) as exc:
        raise click.ClickException(str(exc)) from exc


def _stages():
    from crawler.cli import stages

    return stages


@cli.command()
@click.argument("source", required=False)
@click.option("--sources", type=click.Path(path_type=Path), default=Path("data/sources.yml"), show_default=True)
@click.option("--kind", type=click.Choice(sorted(KINDS)), help="With SOURCE: its format (default: sniffed).")
@click.option("--base-url", help="With SOURCE: what its relative links are relative to.")
@click.option("--platform", "platform_name", type=click.Choice([p.value for p in Platform]),
              help="With SOURCE: the platform of entries whose host does not tell (an instance list).")
@click.option("--json", "as_json", is_flag=True, help="With SOURCE: one JSON object per candidate.")
@click.pass_context
def discover(ctx: click.Context, source: str | None, sources: Path, kind: str | None, base_url: str | None,
             platform_name: str | None, as_json: bool) -> None:
    """Read every directory list in sources.yml and record the communities they name.

    With SOURCE (a URL or a local file), only preview what copdir would extract from it,
    without touching any database: how maintainers try a list before adding it to sources.yml.

    \b
    Example:
      copdir discover --sources data/sources.yml
      copdir discover https://raw.githubusercontent.com/o/r/main/README.md --json
      copdir discover instances.csv --kind csv --platform lemmy
    """
    if source is None:
        counts = _stage(_stages().discover, _db(ctx), sources, ctx.obj["now"])
        click.echo(_summary("discover", counts))
        return
    from crawler.cli.preview import preview
    from crawler.cli.render import candidate_as_dict, describe_candidate

    options = {"platform": platform_name} if platform_name else None
    try:
        candidates = preview(source, kind=kind, base_url=base_url, options=options)
    except NotADirectory as exc:
        raise click.ClickException(str(exc)) from exc
    for candidate in candidates:
        click.echo(json.dumps(candidate_as_dict(candidate), ensure_ascii=False) if as_json
                   else describe_candidate(candidate))
    if not as_json:
        click.echo(f"{len(candidates)} candidates in {source}", err=True)


@cli.command()
@click.argument("url")
@click.option("--platform", "platform_name", type=click.Choice([p.value for p in Platform]),
              help="Read it as this platform (default: from the URL).")
@click.option("--allow-private", is_flag=True,
              help="Allow loopback and private addresses: a server on your own machine or network.")
@click.option("--json", "as_json", is_flag=True, help="Print the report as one JSON object.")
@click.pass_context
def probe(ctx: click.Context, url: str, platform_name: str | None, allow_private: bool, as_json: bool) -> None:
    """Profile and check one URL now; print what copdir learns and the status it would give, and why.

    Touches no database. Owners use it to answer "why is my community shown as dead?".

    \b
    Example:
      copdir probe https://discord.gg/python
      copdir probe http://localhost:4200/ --platform discourse --allow-private --json
    """
    from crawler.cli.render import describe_probe, probe_as_dict
    from crawler.probe import run_probe

    resolver, policy = network_from_env()
    if allow_private:
        policy = dataclasses.replace(policy, allow_private=True)
    try:
        report = run_probe(url, resolver=resolver, policy=policy, now=ctx.obj["now"],
                           platform=Platform(platform_name) if platform_name else None)
    except ValueError as exc:
        raise click.ClickException(f"{url!r} is not a URL copdir can read: {exc}") from exc
    click.echo(json.dumps(probe_as_dict(report), ensure_ascii=False, indent=2) if as_json else describe_probe(report))


@cli.command()
@click.pass_context
def profile(ctx: click.Context) -> None:
    """Visit each community's page and platform answers: what it is, how to join, where else it lives, signs of life.

    Example: copdir profile
    """
    click.echo(_summary("profile", _stage(_stages().profile, _db(ctx), ctx.obj["now"])))


# Each module's `register(cli, *needs)` adds its commands when one of them is asked for (crawler/cli/lazy.py).
for lazy in [
    LazyCommands("crawler.cli.check_command", {
        "check": "Check links politely: what is due in the working DB, or the links of a file with --urls."},
        (_stage, _db)),
    LazyCommands("crawler.cli.status_command", {
        "status": "Show one community's status on both axes, why, the evidence and its history.",
        "owner": "Record what a verified owner says of their community: a hiatus, a move, a closure."}, (_db,)),
    LazyCommands("crawler.cli.merges_command", {
        "dedupe": "Find which links are one community — merges on evidence, near misses on names — and regroup.",
        "merges": "List dedupe's merges and near misses with their score and evidence; accept, reject or split."},
        (_stage, _db)),
    LazyCommands("crawler.cli.export_command", {
        "export": "Write a versioned research data package of the published catalogue."}),
    LazyCommands("crawler.cli.submissions_command", {
        "submissions": "Submissions from the site's form, kept in the private store until a moderator decides."}),
    LazyCommands("crawler.cli.claims_command", {
        "claims": "Ownership claims from the site's /claim page: verify owners' tokens, apply their requests."}),
    LazyCommands("crawler.cli.runs_command", {
        "runs": "Show the latest runs, newest first: stage, start, duration, outcome, counts and error."}, (_db,)),
    LazyCommands("crawler.cli.schedule_command", {
        "schedule": "Run the stages on their cadences (data/schedule.yml), each as a child process with a time "
                    "limit."}),
    LazyCommands("crawler.cli.backup_command", {
        "backup": "Copy the working database, the catalogue and the submissions store into DESTINATION with "
                  "SQLite's online backup, safe while the scheduler and the site run."}),
    LazyCommands("crawler.cli.classify", {
        "classify": "Map each link to practice domains, a kind (community, organisation, event, resource or other) "
                    "and a region, each with its evidence."}, (_stage, _db)),
    LazyCommands("crawler.cli.crawl_command", {
        "crawl": "Discover and profile on many machines: scrapy-redis workers sharing one frontier in Redis."},
        (_db,)),
]:
    cli.add_lazy(lazy)


@cli.command()
@click.option("--config", type=click.Path(path_type=Path), default=Path("data/status.yml"), show_default=True,
              help="The status thresholds (README, Status).")
@click.pass_context
def score(ctx: click.Context, config: Path) -> None:
    """Turn checks and signals into a status on both axes, with reasons, evidence and lifecycle.

    After a check run that found our own network down, nothing changes.

    Example: copdir score
    """
    from crawler.status.thresholds import StatusConfigError, load_thresholds

    try:
        thresholds = load_thresholds(config)
    except StatusConfigError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(_summary("score", _stage(_stages().score_all, _db(ctx), ctx.obj["now"], thresholds)))


@cli.command()
@click.option("--catalogue", type=click.Path(path_type=Path), default=Path("data/catalogue.db"), show_default=True)
@click.option("--max-drop", type=float, default=MAX_LIVE_DROP_SHARE, show_default=True,
              help="Refuse to publish if live listings fall by more than this share.")
@click.option("--canaries", type=click.Path(path_type=Path), default=Path("data/canaries.yml"), show_default=True,
              help="Listings every catalogue must have; a build without one is refused.")
@click.pass_context
def build(ctx: click.Context, catalogue: Path, max_drop: float, canaries: Path) -> None:
    """Dedupe, build catalogue.db from the working database, and publish it if it passes its guards:
    integrity, the live-count drop, the canary listings, and the site answering its key pages.

    Example: copdir build --catalogue data/catalogue.db
    """
    report = _stage(_stages().build, _db(ctx), catalogue, ctx.obj["now"], max_drop, canaries, METADATA)
    click.echo(f"build: {report.communities} communities, {report.live} live, published {report.path}")


@cli.command()
@click.option("--catalogue", type=click.Path(path_type=Path), default=Path("data/catalogue.db"), show_default=True)
@click.option("--metadata", type=click.Path(path_type=Path), default=METADATA, show_default=True)
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8001, show_default=True)
def serve(catalogue: Path, metadata: Path, host: str, port: int) -> None:
    """Serve the published catalogue with Datasette.

    Example: copdir serve --port 8001
    """
    from catalogue.publish import datasette_command

    if not catalogue.exists():
        raise click.ClickException(f"{catalogue} does not exist yet: run `copdir build` first")
    click.echo(f"serving {catalogue} at http://{host}:{port}/", err=True)
    command = datasette_command(catalogue, metadata, host, port)
    os.execv(command[0], command)  # Datasette becomes this process: systemd's stop signal reaches it directly


@cli.group("sample-web")
def sample_web() -> None:
    """The simulated web that tests, benchmarks and the demo run against (loopback only)."""


@sample_web.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8100, show_default=True)
@click.option("--clock-file", type=click.Path(path_type=Path),
              help="Read the clock from this file (an ISO time; replace the file to move the clock on); "
                   "--now until it holds one, and day 0 of the scripted scenario hosts.")
@click.pass_context
def sample_web_serve(ctx: click.Context, host: str, port: int, clock_file: Path | None) -> None:
    """Serve the sample web; its clock is --now. Point copdir at it with COPDIR_SAMPLE_WEB=HOST:PORT.

    Example: copdir --now 2026-11-14 sample-web serve --port 8100
    """
    from crawler.sampleweb.app import SampleWeb, file_clock, fixed_clock
    from crawler.sampleweb.server import serve_forever

    if host not in ("127.0.0.1", "localhost", "::1"):
        raise click.ClickException("the sample web serves loopback only")
    now = ctx.obj["now"]
    clock = file_clock(clock_file, now) if clock_file else fixed_clock(now)
    click.echo(f"sample web at http://{host}:{port}/, clock {now.isoformat()}" + (f" (then {clock_file})" if clock_file else ""))
    serve_forever(SampleWeb(clock, scenario_start=now), host, port)


@sample_web.command("manifest")
@click.option("--sources", type=click.Path(path_type=Path), default=Path("data/sources.yml"), show_default=True)
@click.option("--out", type=click.File("w"), default="-", help="Where to write the JSON manifest.")
def sample_web_manifest(sources: Path, out) -> None:
    """Write the ground truth: every community URL in the lists, its behaviour and expected status.

    Example: copdir sample-web manifest --out manifest.json
    """
    from crawler.sampleweb.manifest import build_manifest

    try:
        rows = build_manifest(sources)
    except SourcesError as exc:
        raise click.ClickException(str(exc)) from exc
    json.dump(rows, out, indent=1)
    out.write("\n")
    click.echo(f"manifest: {len(rows)} communities", err=True)


@cli.command()
@click.option("--days", default=8, show_default=True, help="Simulated days of daily checks.")
@click.option("--port", default=8001, show_default=True, help="Datasette's port.")
@click.option("--sample-web-port", default=8100, show_default=True)
@click.option("--serve/--no-serve", default=True, help="Serve the site when done.")
@click.option("--data-dir", type=click.Path(path_type=Path), default=Path("data/demo"), show_default=True)
def demo(days: int, port: int, sample_web_port: int, serve: bool, data_dir: Path) -> None:
    """Run the whole flow on the sample web, then serve the catalogue at http://127.0.0.1:8001.

    Example: copdir demo --days 8
    """
    from catalogue.build import BuildRefused
    from catalogue.publish import datasette_command
    from crawler.cli import stages
    from crawler.cli.demo import run_demo

    try:
        catalogue = run_demo(data_dir, days, sample_web_port, echo=click.echo)
    except (stages.StageFailed, SourcesError, BuildRefused, RuntimeError) as exc:
        raise click.ClickException(str(exc)) from exc
    if serve:
        os.environ["COPDIR_DEMO"] = "1"
        click.echo(f"demo: open http://127.0.0.1:{port}/ (statuses are simulated; Ctrl-C to stop)")
        sys.exit(subprocess.call(datasette_command(catalogue, METADATA, "127.0.0.1", port)))


def main() -> None:
    cli()
