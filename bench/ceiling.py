"""The machine's ceiling: how many requests per second nginx answers here, measured from the subject CPU.

wrk (Debian's `wrk`) with keep-alive and with a new connection per request; without wrk, a small
asyncio keep-alive client, which measures Python's ceiling more than nginx's, and says so.
"""

from __future__ import annotations

import asyncio
import re
import shutil
import subprocess
import time

from bench.measure import cpus

CONNECTIONS = 64


def measure(host: str, path: str = "/about", seconds: int = 5) -> dict:
    _, subject_cpu = cpus()
    if shutil.which("wrk"):
        def wrk(duration: int, *extra: str) -> list[str]:
            return ["taskset", "-c", subject_cpu, "wrk", "-t1", f"-c{CONNECTIONS}", f"-d{duration}s",
                    "-H", f"Host: {host}", *extra, f"http://127.0.0.1{path}"]
        _wrk(wrk(1))  # warm-up: the first second is slower
        return {"tool": "wrk", "keepalive_rps": _wrk(wrk(seconds)),
                "new_connection_rps": _wrk(wrk(seconds, "-H", "Connection: close"))}
    rps = asyncio.run(_python_ceiling(host, path, seconds))
    return {"tool": "python asyncio client (wrk absent)", "keepalive_rps": rps, "new_connection_rps": None}


def _wrk(command: list[str]) -> float | None:
    done = subprocess.run(command, capture_output=True, text=True, timeout=120)
    found = re.search(r"Requests/sec:\s*([\d.]+)", done.stdout)
    return round(float(found.group(1))) if found else None


async def _python_ceiling(host: str, path: str, seconds: int) -> float:
    request = f"GET {path} HTTP/1.1\r\nHost: {host}\r\n\r\n".encode()
    stop = time.monotonic() + seconds
    counts = []

    async def client() -> None:
        reader, writer = await asyncio.open_connection("127.0.0.1", 80)
        done = 0
        while time.monotonic() < stop:
            writer.write(request)
            headers = await reader.readuntil(b"\r\n\r\n")
            length = int(re.search(rb"Content-Length: (\d+)", headers).group(1))
            await reader.readexactly(length)
            done += 1
        writer.close()
        counts.append(done)

    await asyncio.gather(*(client() for _ in range(CONNECTIONS)))
    return round(sum(counts) / seconds)
