"""One measured step: run a tool's command in a fresh wrapper process and count its API calls."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from b3os.local import LocalServer
from tests.support import Calls

__all__ = ["Measurement", "StepFailed", "measure"]

ROOT = Path(__file__).resolve().parent.parent


class StepFailed(RuntimeError):
    """A tool's command failed: the benchmark of that sequence is void."""


@dataclass(frozen=True)
class Measurement:
    wall_s: float
    peak_rss_mb: float
    cpu_s: float  # user+sys of the tool's tree (b3os-local runs in its own process: not included)
    reads: int
    writes: int
    by_operation: dict[str, int] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {
            "wall_s": round(self.wall_s, 4),
            "peak_rss_mb": round(self.peak_rss_mb, 1),
            "cpu_s": round(self.cpu_s, 3),
            "reads": self.reads,
            "writes": self.writes,
            "by_operation": dict(sorted(self.by_operation.items())),
        }


def measure(
    server: LocalServer,
    cmd: Sequence[str],
    *,
    cwd: Path,
    env: Mapping[str, str],
    log: Path,
) -> Measurement:
    """Run ``cmd`` (exit 0 expected) and return its figures; the request log is cleared first."""
    server.clear_requests()
    wrapper = [sys.executable, "-m", "bench._rusage", str(log), "--", *cmd]
    child_env = dict(env)
    child_env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH", "")]))
    proc = subprocess.run(wrapper, cwd=cwd, env=child_env, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        raise StepFailed(f"{cmd[0]}: the measuring wrapper failed: {proc.stderr.strip()[-2000:]}")
    figures = json.loads(proc.stdout.strip().splitlines()[-1])
    if figures["rc"] != 0:
        tail = log.read_text(errors="replace")[-3000:]
        raise StepFailed(f"{' '.join(cmd[:3])} exited {figures['rc']}; its output ends:\n{tail}")
    calls = Calls.of(server.requests())
    return Measurement(
        wall_s=figures["wall_s"],
        peak_rss_mb=figures["peak_rss_mb"],
        cpu_s=figures["cpu_s"],
        reads=calls.reads,
        writes=calls.writes,
        by_operation=dict(calls.by_operation),
    )
