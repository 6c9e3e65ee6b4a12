"""The machine and the versions a benchmark ran with, so figures are never read out of context."""

from __future__ import annotations

import os
import platform
import shutil
import subprocess
import sys
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _memory_gb() -> float | None:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return round(int(line.split()[1]) / 1024 / 1024, 1)
    except OSError:
        pass
    return None


def _dist(name: str) -> str | None:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return None


def _output(cmd: list[str]) -> str | None:
    if shutil.which(cmd[0]) is None:
        return None
    try:
        proc = subprocess.run(
            cmd,
            capture_output=True,
            text=True,
            timeout=60,
            env={**os.environ, "PULUMI_SKIP_UPDATE_CHECK": "1"},
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    return proc.stdout.strip() or None if proc.returncode == 0 else None


def describe() -> dict[str, Any]:
    from b3os import __version__

    return {
        "date": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "machine": {
            "nproc": os.cpu_count(),
            "memory_gb": _memory_gb(),
            "cpu_model": _cpu_model(),
            "os": f"{platform.system()} {platform.release()}",
        },
        "versions": {
            "python": sys.version.split()[0],
            "pulumi_cli": _output(["pulumi", "version"]),
            "pulumi_sdk": _dist("pulumi"),
            "ansible_core": _dist("ansible-core"),
            "b3os_iac": __version__,
            "httpx": _dist("httpx"),
            "git_commit": _output(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"]),
        },
    }
