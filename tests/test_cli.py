"""The CLI: every command documented in the README and in its own help; mistakes give clear errors."""
from __future__ import annotations

import json
import subprocess
import sys
from datetime import datetime, timezone

import click
import pytest
from click.testing import CliRunner

from conftest import REPO
from crawler.cli import cli


def _commands(group: click.Group, prefix: str = "copdir"):
    context = click.Context(group)
    for name in group.list_commands(context):
        command = group.get_command(context, name)
        if isinstance(command, click.Group):
            yield from _commands(command, f"{prefix} {name}")
        else:
            yield f"{prefix} {name}", command


def test_every_command_is_documented_in_the_readme_with_an_example():
    readme = (REPO / "README.md").read_text()
    for name, command in _commands(cli):
        assert f"`{name}`" in readme, f"{name} is missing from the README"
        assert "Example:" in (command.help or ""), f"{name} has no example in its help"


def test_a_malformed_sources_file_is_a_clear_error(tmp_path):
    sources = tmp_path / "sources.yml"
    sources.write_text("sources:\n  - name: x\n    kind: markdown\n")
    result = CliRunner().invoke(cli, ["--db", str(tmp_path / "w.db"), "discover", "--sources", str(sources)])
    assert result.exit_code == 1
    assert "entry 1 lacks url" in result.output


def test_a_bad_now_is_a_usage_error():
    result = CliRunner().invoke(cli, ["--now", "yesterday", "score"])
    assert result.exit_code == 2
    assert "not an ISO date" in result.output


def test_build_refuses_an_empty_catalogue_and_publishes_nothing(tmp_path):
    catalogue = tmp_path / "catalogue.db"
    result = CliRunner().invoke(cli, ["--db", str(tmp_path / "w.db"), "build", "--catalogue", str(catalogue)])
    assert result.exit_code == 1
    assert "no communities" in result.output and "copdir discover" in result.output
    assert not catalogue.exists()


DIRECTORIES = REPO / "tests" / "fixtures" / "directories"


def test_discover_previews_a_local_list_as_json_lines_without_touching_a_database(tmp_path):
    result = CliRunner().invoke(cli, ["--db", str(tmp_path / "w.db"), "discover",
                                      str(DIRECTORIES / "lemmy_awesome-lemmy-instances.csv"), "--json",
                                      "--platform", "lemmy"])
    assert result.exit_code == 0, result.output
    candidates = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(candidates) >= 450
    assert {"name", "url", "description", "platform", "section", "annotations"} <= set(candidates[0])
    world = next(c for c in candidates if c["url"].rstrip("/") == "https://lemmy.world")
    assert (world["name"], world["platform"]) == ("Lemmy.World", "lemmy")
    assert not (tmp_path / "w.db").exists()


def test_discover_shows_annotations_in_its_human_preview():
    result = CliRunner().invoke(cli, ["discover", str(DIRECTORIES / "discourse_discourse-subdomains.md")])
    assert result.exit_code == 0, result.output
    assert "dysfunctional" in result.stdout
    assert "candidates in" in result.stderr


@pytest.mark.parametrize("content, says", [
    (b"", "empty"),
    (b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 40, "png image, not a text list"),
    (b"Just some prose about communities, with no links at all.\n", "no"),
])
def test_discover_says_clearly_when_a_file_is_not_a_directory(tmp_path, content, says):
    path = tmp_path / "list.md"
    path.write_bytes(content)
    result = CliRunner().invoke(cli, ["discover", str(path)])
    assert result.exit_code == 1
    assert says in result.output.lower(), result.output
    assert "Traceback" not in result.output


@pytest.fixture(scope="module")
def sample_web():
    from crawler.sampleweb.app import fixed_clock
    from crawler.sampleweb.server import running

    with running(fixed_clock(datetime(2026, 11, 14, 6, tzinfo=timezone.utc))) as (app, port):
        yield app, port


def _manifest_url(behaviour: str, host: str) -> str:
    from crawler.sampleweb.manifest import build_manifest

    return next(row["url"] for row in build_manifest(REPO / "data" / "sources.yml")
                if row["behaviour"] == behaviour and f"//{host}/" in row["url"])


def probe(port: int, *args: str):
    env = {"COPDIR_SAMPLE_WEB": f"127.0.0.1:{port}", "COPDIR_DEADLINE_S": "5"}
    return CliRunner(env=env).invoke(cli, ["--now", "2026-11-14T06:00:00+00:00", "probe", *args])


def test_probe_explains_what_it_learned_about_an_active_subreddit(sample_web):
    _, port = sample_web
    url = _manifest_url("live-active", "www.reddit.com")
    result = probe(port, url, "--json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["check"]["outcome"] == "ok"
    assert (report["status"]["reachability"], report["status"]["activity"]) == ("live", "active")
    kinds = {signal["kind"] for signal in report["profile"]["signals"]}
    assert {"members", "newest_post"} <= kinds
    assert any(answer["url"].endswith("/about.json") and answer["status"] == 200 for answer in report["answers"])


def test_probe_says_why_an_expired_discord_invite_is_dead(sample_web):
    _, port = sample_web
    result = probe(port, _manifest_url("invite-expired", "discord.com"))
    assert result.exit_code == 0, result.output
    assert "invite_expired" in result.stdout
    assert "status it would get now: dead" in result.stdout
    assert "Unknown Invite" in result.stdout


def test_probe_refuses_a_private_address_unless_allowed(sample_web):
    _, port = sample_web
    refused = CliRunner().invoke(cli, ["probe", f"http://127.0.0.1:{port}/club"])
    assert refused.exit_code == 0
    assert "excluded" in refused.stdout and "loopback" in refused.stdout
    allowed = CliRunner().invoke(cli, ["probe", f"http://127.0.0.1:{port}/club", "--allow-private"])
    assert "excluded" not in allowed.stdout, allowed.stdout
    assert f"page             200  http://127.0.0.1:{port}/club" in allowed.stdout  # it reached the server


def test_probe_of_something_that_is_not_a_url_is_a_clear_error():
    result = CliRunner().invoke(cli, ["probe", "not a url at all"])
    assert result.exit_code == 1
    assert "is not a URL copdir can read" in result.output


def test_the_build_guard_default_shown_by_the_cli_is_the_catalogues_own():
    import catalogue.build
    import crawler.cli

    assert crawler.cli.MAX_LIVE_DROP_SHARE == catalogue.build.MAX_LIVE_DROP_SHARE


# --- copdir check ------------------------------------------------------------------------------


def _check_urls(port: int, path, *args: str, sample_web: bool = True):
    env = {"COPDIR_SAMPLE_WEB": f"127.0.0.1:{port}", "COPDIR_DEADLINE_S": "2"} if sample_web else {}
    return CliRunner(env=env).invoke(cli, ["--now", "2026-11-14T06:00:00+00:00", "check", "--urls", str(path),
                                           "--min-interval", "0", *args])


def test_check_urls_prints_one_json_object_per_link_and_exits_1_when_one_is_broken(sample_web, tmp_path):
    _, port = sample_web
    live = _manifest_url("live-active", "www.reddit.com")
    expired = _manifest_url("invite-expired", "discord.com")
    listing = tmp_path / "list.md"
    listing.write_text(f"# Our list\n\n- [Live]({live}) — a subreddit\n- [Gone]({expired})\n- [Live again]({live})\n")
    result = _check_urls(port, listing, "--json")
    assert result.exit_code == 1, result.output
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert {row["url"]: row["outcome"] for row in rows} == {live: "ok", expired: "invite_expired"}  # each once
    assert all(row["detail"] and row["checked_at"] for row in rows)
    assert "check: 2 checked — " in result.stderr and "invite_expired 1" in result.stderr


def test_check_urls_exits_0_when_every_link_works_and_names_only_the_broken_ones_in_text(sample_web, tmp_path):
    _, port = sample_web
    listing = tmp_path / "urls.txt"
    listing.write_text(_manifest_url("live-active", "www.reddit.com") + "\n")
    result = _check_urls(port, listing)
    assert result.exit_code == 0, result.output
    assert result.stdout == ""  # nothing broken to list
    assert "check: 1 checked — ok 1" in result.stderr


@pytest.mark.parametrize("content, says", [(None, "cannot read"), ("no links here, only words", "no http(s) links")])
def test_check_urls_says_what_is_wrong_with_the_file(tmp_path, content, says):
    path = tmp_path / "list.md"
    if content is not None:
        path.write_text(content)
    result = CliRunner().invoke(cli, ["check", "--urls", str(path)])
    assert result.exit_code == 2 and says in result.output


def test_allow_host_admits_a_named_private_host_and_nothing_else(sample_web, tmp_path):
    _, port = sample_web
    listing = tmp_path / "urls.txt"
    listing.write_text(f"http://127.0.0.1:{port}/club\nhttp://169.254.169.254/latest/meta-data/\n")
    refused = _check_urls(port, listing, "--json", "--no-robots", sample_web=False)
    assert {json.loads(line)["outcome"] for line in refused.stdout.splitlines()} == {"excluded"}
    allowed = _check_urls(port, listing, "--json", "--no-robots", "--allow-host", "127.0.0.1",
                          "--allow-host", "169.254.169.254", sample_web=False)
    outcomes = {json.loads(line)["url"]: json.loads(line) for line in allowed.stdout.splitlines()}
    assert outcomes[f"http://127.0.0.1:{port}/club"]["http_status"] is not None  # it reached the server
    metadata = outcomes["http://169.254.169.254/latest/meta-data/"]
    assert metadata["outcome"] == "excluded" and "link-local" in metadata["detail"]  # never, even when named


def test_check_of_the_working_db_says_degraded_and_exits_3_when_the_canaries_fail(tmp_path):
    import socket

    config = tmp_path / "checker.yml"
    config.write_text("canaries: [https://www.python.org/, https://www.debian.org/]\n")
    db = tmp_path / "copdir.db"
    with socket.socket() as closed:  # bound, never listening: as if our network were down
        closed.bind(("127.0.0.1", 0))
        env = {"COPDIR_SAMPLE_WEB": f"127.0.0.1:{closed.getsockname()[1]}", "COPDIR_DB": str(db)}
        result = CliRunner(env=env).invoke(cli, ["check", "--config", str(config)])
    assert result.exit_code == 3, result.output
    assert "[degraded]" in result.stdout and "every canary failed" in result.stderr


# --- what `copdir check` loads ------------------------------------------------------------------

HEAVY_MODULES = ("scrapy", "twisted", "scrapy_redis", "redis", "apscheduler", "crawler.practice", "catalogue.build",
                 "datasette")
# Runs the CLI as `copdir` does, then writes the names of every module it imported.
RECORD_MODULES = """
import json, sys
from crawler.cli import cli
try:
    cli.main(sys.argv[2:], prog_name="copdir")
finally:
    with open(sys.argv[1], "w") as out:
        json.dump(sorted(sys.modules), out)
"""


def _modules_loaded_by(tmp_path, *args: str) -> tuple[subprocess.CompletedProcess, set[str]]:
    record = tmp_path / "modules.json"
    done = subprocess.run([sys.executable, "-c", RECORD_MODULES, str(record), *args], cwd=REPO, capture_output=True,
                          text=True, timeout=120, env={"PYTHONPATH": str(REPO), "PATH": "/usr/bin:/bin"})
    return done, set(json.loads(record.read_text()))


def _heavy(modules: set[str]) -> list[str]:
    return sorted(name for name in modules if name.split(".")[0] in HEAVY_MODULES or name in HEAVY_MODULES
                  or any(name.startswith(heavy + ".") for heavy in HEAVY_MODULES))


def test_check_urls_loads_no_crawl_scheduler_or_catalogue_module(loopback_site, tmp_path):
    loopback_site.pages["/club"] = b"<html><title>Our club</title><body><h1>Welcome</h1></body></html>"
    listing = tmp_path / "urls.txt"
    listing.write_text(f"http://127.0.0.1:{loopback_site.port}/club\n")
    done, modules = _modules_loaded_by(tmp_path, "check", "--urls", str(listing), "--json", "--allow-host",
                                       "127.0.0.1", "--min-interval", "0")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["outcome"] == "ok"
    assert f"127.0.0.1:{loopback_site.port}/club" in loopback_site.asked
    assert "crawler.check" in modules
    assert _heavy(modules) == []


def test_help_lists_every_command_without_loading_their_modules(tmp_path):
    done, modules = _modules_loaded_by(tmp_path, "--help")
    assert done.returncode == 0, done.stderr
    listed = done.stdout.split("Commands:")[1]
    for name in ("check", "crawl", "schedule", "classify", "merges", "owner", "backup", "discover", "sample-web"):
        assert f"\n  {name} " in listed, name
    assert not [name for name in modules if name.endswith("_command") or name == "crawler.cli.classify"]
    assert _heavy(modules) == []


def test_each_lazy_commands_summary_is_the_first_sentence_of_its_own_help():
    context = click.Context(cli)
    for name, lazy in cli.lazy.items():
        command = cli.get_command(context, name)
        assert command is not None, f"{lazy.module} registers no {name}"
        assert command.get_short_help_str(limit=1000) == lazy.summaries[name], name
    assert sorted(cli.commands) == cli.list_commands(context)  # nothing registered that the listing missed


def test_a_lazily_loaded_command_shows_its_own_help(tmp_path):
    done, modules = _modules_loaded_by(tmp_path, "check", "--help")
    assert done.returncode == 0, done.stderr
    assert "--per-host" in done.stdout and "Exit codes" in done.stdout
    assert "crawler.cli.check_command" in modules and _heavy(modules) == []
