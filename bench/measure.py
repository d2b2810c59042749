"""Run one command once, pinned to the subject's CPU: wall time, peak RSS, exit code, output files."""

from __future__ import annotations

import os
import signal
import statistics
import subprocess
import threading
import time
from dataclasses import dataclass
from pathlib import Path


def cpus() -> tuple[str, str]:
    """(fixture CPU, subject CPU): the first two this process may use, or the same one on a 1-CPU box."""
    allowed = sorted(os.sched_getaffinity(0))
    return str(allowed[0]), str(allowed[1] if len(allowed) > 1 else allowed[0])


class PeakMemory(threading.Thread):
    """Polls the high-water RSS (VmHWM) of a process and its descendants until told to stop.

    Not ru_maxrss: a child's ru_maxrss starts from the runner's own RSS at fork time, which holds
    the 100k-URL manifests. VmHWM starts afresh at exec; polling misses at most the last interval.
    """

    def __init__(self, root: int, every_s: float = 0.05) -> None:
        super().__init__(daemon=True)
        self.root, self.every_s = root, every_s
        self.peaks: dict[int, int] = {}
        self.done = threading.Event()

    def run(self) -> None:
        while not self.done.is_set():
            for pid in _tree(self.root):
                kb = _vm_hwm_kb(pid)
                if kb is not None:
                    self.peaks[pid] = max(kb, self.peaks.get(pid, 0))
            self.done.wait(self.every_s)

    def stop(self) -> float:
        """Peak RSS of the tree in MB: the sum of each process's own peak (an upper bound)."""
        self.done.set()
        self.join()
        return round(sum(self.peaks.values()) / 1024, 1)


def _tree(root: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            parent = int(stat.rsplit(")", 1)[1].split()[1])
            children.setdefault(parent, []).append(int(entry.name))
    found, todo = [], [root]
    while todo:
        pid = todo.pop()
        found.append(pid)
        todo.extend(children.get(pid, []))
    return found


def _vm_hwm_kb(pid: int) -> int | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except (OSError, ValueError):
        return None
    return None


@dataclass(frozen=True)
class Run:
    wall_s: float
    peak_rss_mb: float
    exit_code: int
    timed_out: bool
    stdout: Path
    stderr: Path


def run_once(command: list[str], *, stdout: Path, stderr: Path, stdin: Path | None = None,
             cwd: Path | None = None, timeout_s: float = 1800, env: dict[str, str] | None = None) -> Run:
    """Run `command` on the subject CPU, polling its memory, and wait for it."""
    _, subject_cpu = cpus()
    timed_out = threading.Event()
    with (open(stdin or os.devnull, "rb") as source, open(stdout, "wb") as out, open(stderr, "wb") as err):
        start = time.perf_counter()
        process = subprocess.Popen(["taskset", "-c", subject_cpu, *command], stdin=source, stdout=out,
                                   stderr=err, cwd=cwd, env=env, start_new_session=True)

        def kill() -> None:
            timed_out.set()
            os.killpg(process.pid, signal.SIGKILL)

        timer = threading.Timer(timeout_s, kill)
        timer.start()
        memory = PeakMemory(process.pid)
        memory.start()
        try:
            _, status = os.waitpid(process.pid, 0)
        finally:
            timer.cancel()
        wall = time.perf_counter() - start
        peak_mb = memory.stop()
    process.returncode = os.waitstatus_to_exitcode(status)  # tell Popen it was reaped
    _kill_leftovers(process.pid)
    return Run(round(wall, 3), peak_mb, process.returncode, timed_out.is_set(), stdout, stderr)


def _kill_leftovers(group: int) -> None:
    """A checker's own children outliving it would skew the next run."""
    try:
        os.killpg(group, signal.SIGKILL)
    except ProcessLookupError:
        pass


@dataclass(frozen=True)
class Spread:
    median: float
    low: float
    high: float

    @classmethod
    def of(cls, values: list[float]) -> Spread:
        return cls(round(statistics.median(values), 3), min(values), max(values))
