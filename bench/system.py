"""The machine's side of the set-up: Debian packages the fixture needs, and what the machine is.

Packages are installed only when missing. dnsmasq-base is the resolver binary without the service
that would take port 53 on the host. While apt runs, a policy-rc.d (if none exists) keeps Debian from
starting nginx as a service outside the sandbox.
"""

from __future__ import annotations

import os
import platform
import shutil
import subprocess
from pathlib import Path

from bench.fixture.nginx_conf import ECHO_MODULE

POLICY_RC = Path("/usr/sbin/policy-rc.d")


def missing_packages() -> list[str]:
    wanted = []
    if not shutil.which("nginx"):
        wanted.append("nginx-light")
    if not ECHO_MODULE.exists():
        wanted.append("libnginx-mod-http-echo")
    if not shutil.which("dnsmasq"):
        wanted.append("dnsmasq-base")
    if not shutil.which("wrk"):
        wanted.append("wrk")
    for tool, package in (("unshare", "util-linux"), ("taskset", "util-linux"), ("ip", "iproute2")):
        if not shutil.which(tool) and package not in wanted:
            wanted.append(package)
    return wanted


def ensure_packages() -> None:
    wanted = missing_packages()
    if not wanted:
        return
    if os.geteuid() != 0:
        raise SystemExit(f"bench: missing {' '.join(wanted)}; install them as root (apt-get install -y …)")
    print(f"bench: installing {' '.join(wanted)} with apt-get", flush=True)
    placed_policy = not POLICY_RC.exists()
    if placed_policy:
        POLICY_RC.write_text("#!/bin/sh\n# Placed by copdir's bench while apt runs: start no services.\nexit 101\n")
        POLICY_RC.chmod(0o755)
    try:
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        subprocess.run(["apt-get", "update", "-qq"], check=True, env=env)
        if subprocess.run(["apt-get", "install", "-y", "-qq", *wanted], env=env).returncode != 0:
            # nginx-light is gone from newer Debian releases: the full nginx package serves as well.
            fallback = ["nginx" if name == "nginx-light" else name for name in wanted]
            subprocess.run(["apt-get", "install", "-y", "-qq", *fallback], check=True, env=env)
    finally:
        if placed_policy:
            POLICY_RC.unlink()
    still = [name for name in missing_packages() if name != "wrk" and name != "libnginx-mod-http-echo"]
    if still:
        raise SystemExit(f"bench: still missing after apt-get: {' '.join(still)}")


def machine() -> dict[str, str | int]:
    """What the figures were measured on."""
    memory_kb = 0
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith("MemTotal:"):
            memory_kb = int(line.split()[1])
    model = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                  if line.startswith("model name")), platform.processor() or "?")
    return {"nproc": os.cpu_count() or 0, "cpu": model, "memory_gib": round(memory_kb / 1024 / 1024, 1),
            "kernel": platform.release(), "os": _os_name()}


def _os_name() -> str:
    try:
        for line in Path("/etc/os-release").read_text().splitlines():
            if line.startswith("PRETTY_NAME="):
                return line.split("=", 1)[1].strip('"')
    except OSError:
        pass
    return platform.system()
