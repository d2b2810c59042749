"""copdir's scheduler: APScheduler 3.x in one dedicated process, each stage a child process.

The jobs, their cadences and time limits are in data/schedule.yml (crawler/schedule/config.py); how they run,
are recorded and notify is crawler/schedule/. It is `copdir schedule`, with the same options.

    python scheduler.py                 # run for ever (SIGTERM stops it cleanly)
    python scheduler.py --once          # every job once, in the flow's order; exit 0 only if all succeeded
"""
from __future__ import annotations

import sys

from crawler.cli import cli

if __name__ == "__main__":
    cli.main(["schedule", *sys.argv[1:]], prog_name="scheduler.py")
