"""Run every tool through every scenario against one b3os-local subprocess.

One *sequence* is create → no-op → change one → pause all → archive all for one tool and one
fleet, on a freshly reset server. Repeats interleave the tools (rep 1 of every tool, then rep 2,
…) so that slow drift of the machine spreads evenly, and figures are medians over the repeats.
"""

from __future__ import annotations

import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from b3os.local import LocalServer
from bench.fleet import Fleet, fleet_after
from bench.measure import Measurement, StepFailed, measure
from bench.tools.base import Context, Tool

__all__ = ["Plan", "SequenceResult", "run_all"]


@dataclass(frozen=True)
class Plan:
    """Which fleets each tool runs, how often, and why some pairs are skipped."""

    fleets: list[Fleet]
    tools: list[Tool]
    runs: Callable[[Tool, Fleet], int]  # repeats for this pair; 0 = skipped
    skip_reason: Callable[[Tool, Fleet], str | None]


@dataclass
class SequenceResult:
    tool: str
    fleet: str
    samples: dict[str, list[Measurement]] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)


def _log(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def run_sequence(
    server: LocalServer, tool: Tool, base: Fleet, workdir: Path, env: dict[str, str]
) -> dict[str, Measurement]:
    server.reset()  # also clears injected faults
    if base.latency_ms:
        server.inject_faults(error_rate=0.0, retry_after=None, latency_ms=base.latency_ms)
    shutil.rmtree(workdir, ignore_errors=True)
    workdir.mkdir(parents=True)
    ctx = Context(workdir=workdir, env=dict(env), server=server)
    tool.setup(ctx)
    figures: dict[str, Measurement] = {}
    try:
        for step, fleet_step in tool.steps:
            if not base.runs_step(step):
                break  # a prefix of the sequence (e.g. create, no-op): later steps need the earlier ones
            cmd = tool.command(ctx, step, fleet_after(fleet_step, base))
            figures[step] = measure(server, cmd, cwd=workdir, env=ctx.env, log=workdir / f"{step}.log")
    finally:
        tool.teardown(ctx)
    return figures


def run_all(
    plan: Plan, env: dict[str, str], *, keep: Path | None = None
) -> tuple[list[SequenceResult], list[dict[str, Any]]]:
    """Every sequence of ``plan``; returns the results and the skipped pairs with their reasons."""
    results: dict[tuple[str, str], SequenceResult] = {}
    skipped: list[dict[str, Any]] = []
    todo: list[tuple[Tool, Fleet, int]] = []
    for fleet in plan.fleets:
        for tool in plan.tools:
            reason = tool.unavailable() or plan.skip_reason(tool, fleet)
            if reason:
                skipped.append({"tool": tool.name, "fleet": fleet.label, "reason": reason})
                continue
            todo.append((tool, fleet, plan.runs(tool, fleet)))
            results[(tool.name, fleet.label)] = SequenceResult(tool.name, fleet.label)
    scratch = keep or Path(tempfile.mkdtemp(prefix="b3os-bench-"))
    try:
        with LocalServer(mode="subprocess") as server:
            run_env = dict(env, B3OS_API_URL=server.url, B3OS_API_KEY=server.api_key)
            for rep in range(max((n for _, _, n in todo), default=0)):
                for tool, fleet, runs in todo:
                    if rep >= runs:
                        continue
                    result = results[(tool.name, fleet.label)]
                    if result.errors:
                        continue  # a tool that failed once is not retried: its figures would mislead
                    _log(f"{tool.name} {fleet.label} run {rep + 1}/{runs}")
                    started = time.perf_counter()
                    try:
                        figures = run_sequence(
                            server, tool, fleet, scratch / tool.name / fleet.label, run_env
                        )
                    except StepFailed as exc:
                        _log(f"{tool.name} {fleet.label} FAILED: {exc}")
                        result.errors.append(str(exc))
                        continue
                    for step, m in figures.items():
                        result.samples.setdefault(step, []).append(m)
                    _log(f"  done in {time.perf_counter() - started:.1f}s")
    finally:
        if keep is None:
            shutil.rmtree(scratch, ignore_errors=True)
    return list(results.values()), skipped


def median_of(samples: list[Measurement]) -> dict[str, Any]:
    """Medians of every figure; API call counts must not vary between repeats (kept exact)."""
    return {
        "wall_s": round(statistics.median(m.wall_s for m in samples), 4),
        "peak_rss_mb": round(statistics.median(m.peak_rss_mb for m in samples), 1),
        "cpu_s": round(statistics.median(m.cpu_s for m in samples), 3),
        "reads": int(statistics.median(m.reads for m in samples)),
        "writes": int(statistics.median(m.writes for m in samples)),
        "calls_vary": len({(m.reads, m.writes) for m in samples}) > 1,
        "by_operation": samples[-1].by_operation,
    }
