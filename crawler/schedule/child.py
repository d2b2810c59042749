"""One stage as a child process in its own process group, with a time limit and a clean stop.

A stage is a child because Twisted's reactor cannot be restarted in-process and a stuck stage must not stall
the scheduler; its own process group, so that the spiders it starts in turn go with it. At the time limit the
whole group gets SIGTERM, then SIGKILL after the grace period. When the scheduler is asked to stop, the running
child gets SIGTERM at once and the grace period to finish: the stages write in transactions (README,
"Scheduled runs"), so a child stopped midway leaves the working database as it was before its open transaction.
"""
from __future__ import annotations

import os
import signal
import subprocess
import tempfile
import threading
import time
from dataclasses import dataclass

POLL_S = 0.2
OUTPUT_TAIL_LINES = 15


@dataclass(frozen=True)
class ChildResult:
    exit_code: int | None
    outcome: str  # ok, failed, timed-out or abandoned
    output: str  # the last lines it printed (stdout and stderr)

    def summary_line(self) -> str:
        """The stage's closing summary (every command ends with one), or ''."""
        lines = [line for line in self.output.splitlines() if line.strip()]
        return lines[-1] if lines else ""


def _signal_group(process: subprocess.Popen, signum: int) -> None:
    try:
        os.killpg(process.pid, signum)
    except (ProcessLookupError, PermissionError):
        pass  # the group is gone already


def _end_group(process: subprocess.Popen, grace_s: float) -> int | None:
    """SIGTERM to the group, up to grace_s to exit, then SIGKILL. Returns the child's exit code."""
    _signal_group(process, signal.SIGTERM)
    try:
        return process.wait(timeout=grace_s)
    except subprocess.TimeoutExpired:
        _signal_group(process, signal.SIGKILL)
        return process.wait()
    finally:
        _signal_group(process, signal.SIGKILL)  # anything the child started and left behind


def run_child(command: list[str], time_limit_s: float, stop: threading.Event, grace_s: float,
              env: dict[str, str] | None = None) -> ChildResult:
    """Run command to its end, its time limit, or until stop is set."""
    with tempfile.TemporaryFile() as output:
        process = subprocess.Popen(command, stdout=output, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                   start_new_session=True, env=env)
        deadline = time.monotonic() + time_limit_s
        outcome = ""
        while (code := process.poll()) is None:
            if stop.wait(POLL_S):
                code = _end_group(process, grace_s)
                outcome = "ok" if code == 0 else "abandoned"  # it finished its work within the grace period
                break
            if time.monotonic() >= deadline:
                code = _end_group(process, grace_s)
                outcome = "timed-out"
                break
        else:
            _signal_group(process, signal.SIGKILL)  # a grandchild that outlived the child
        output.seek(0)
        tail = output.read().decode("utf-8", "replace").splitlines()[-OUTPUT_TAIL_LINES:]
    return ChildResult(code, outcome or ("ok" if code == 0 else "failed"), "\n".join(tail))
