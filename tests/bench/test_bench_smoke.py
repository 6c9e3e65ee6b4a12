"""The benchmark harness cannot rot: ``python -m bench --quick`` runs and writes well-formed results.

Not timed tests: figures are only checked for shape; the one behaviour asserted is that no-op
runs make zero writes (and that the targets notice when they do not).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from bench.__main__ import TOOL_NAMES
from bench.report import evaluate_targets, requests_per_workflow

ROOT = Path(__file__).resolve().parents[2]
STEPS = {"create", "noop", "change", "pause", "archive"}


def run_bench(tmp_path: Path, *args: str) -> dict[str, Any]:
    results, markdown = tmp_path / "results.json", tmp_path / "BENCHMARKS.md"
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "bench",
            "--quick",
            "--results",
            str(results),
            "--markdown",
            str(markdown),
            *args,
        ],
        cwd=ROOT,
        env=dict(os.environ, PATH=f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"),
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stderr[-4000:]
    data: dict[str, Any] = json.loads(results.read_text())
    text = markdown.read_text()
    assert "## Targets" in text and "### N=10" in text
    return data


# The new scenarios at tiny N: a remote-API variant (create, no-op) and the CLI's large fleet.
TINY_VARIANTS = ("--latency-ms", "5", "--latency-n", "4", "--latency-slow-n", "2", "--big-n", "6")
TINY_FLEETS = ["N=10", "N=4 @5ms", "N=2 @5ms", "N=6 @5ms"]


def check_shape(data: dict[str, Any], tools: set[str], fleets: list[str] | None = None) -> None:
    assert data["schema"] == 1
    meta = data["meta"]
    assert meta["machine"]["nproc"] >= 1 and meta["versions"]["python"]
    assert meta["config"]["fleets"] == (fleets or ["N=10"])
    assert data["errors"] == []
    rows = data["scenarios"]
    assert {r["tool"] for r in rows} == tools
    for tool in tools:
        steps = {r["step"] for r in rows if r["tool"] == tool and r["fleet"] == "N=10"}
        assert STEPS <= steps or tool == "ansible_uri"
    for r in rows:
        if "@" in r["fleet"]:  # the remote-API variants run the targets' steps only
            assert r["step"] in {"create", "noop", "preview"}, r
    for r in rows:
        med = r["median"]
        assert med["wall_s"] > 0 and med["peak_rss_mb"] > 0
        assert med["reads"] >= 0 and med["writes"] >= 0
        if r["tool"] != "floor":
            assert r["floor"]["wall_s"] > 0 and r["ratio_wall_vs_floor"] > 0
    floor = {r["step"]: r["median"]["writes"] for r in rows if r["tool"] == "floor" and r["fleet"] == "N=10"}
    assert floor == {"create": 20, "noop": 0, "change": 2, "pause": 10, "archive": 10}
    # The no-op floor reads what a content-comparing tool must: one listing page and one GET each.
    noop_floor = next(
        r for r in rows if r["tool"] == "floor" and r["fleet"] == "N=10" and r["step"] == "noop"
    )
    assert noop_floor["median"]["by_operation"] == {"GET /v1/workflows": 1, "GET /v1/workflows/{id}": 10}
    assert {t["id"] for t in data["targets"]} >= {"noop_zero_writes", "writes_equal_floor"}


def test_quick_run_of_the_fast_tools(tmp_path: Path) -> None:
    data = run_bench(tmp_path, "--tools", "floor,floor_seq,b3os_apply", "--no-overheads", *TINY_VARIANTS)
    check_shape(data, {"floor", "floor_seq", "b3os_apply"}, TINY_FLEETS)
    # The sequential floor makes exactly the parallel floor's calls: only the wall time differs.
    for seq in (r for r in data["scenarios"] if r["tool"] == "floor_seq"):
        assert (seq["median"]["reads"], seq["median"]["writes"]) == (
            seq["floor"]["reads"],
            seq["floor"]["writes"],
        )
    big = {r["step"] for r in data["scenarios"] if r["fleet"] == "N=6 @5ms"}
    assert big == {"create", "noop"}
    assert {s["tool"] for s in data["skipped"] if s["fleet"] == "N=6 @5ms"} == {"floor_seq"}
    per_wf = {
        (r["tool"], r["step"]): r for r in data["overheads"]["requests_per_workflow"] if r["fleet"] == "N=10"
    }
    assert per_wf[("floor", "create")]["per_workflow"] == 2.0
    assert per_wf[("b3os_apply", "noop")]["writes"] == 0
    noop = next(r for r in data["scenarios"] if r["tool"] == "b3os_apply" and r["step"] == "noop")
    assert noop["median"]["writes"] == 0, noop["median"]["by_operation"]
    targets = {t["id"]: t for t in data["targets"]}
    assert targets["noop_zero_writes"]["met"] is True
    assert targets["writes_equal_floor"]["met"] is True


@pytest.mark.slow
@pytest.mark.pulumi
@pytest.mark.ansible
def test_quick_run_of_every_tool(tmp_path: Path) -> None:
    data = run_bench(tmp_path)
    tools = {r["tool"] for r in data["scenarios"]}
    skipped = {s["tool"]: s["reason"] for s in data["skipped"]}
    assert tools | set(skipped) == set(TOOL_NAMES), skipped
    check_shape(data, tools)
    for r in data["scenarios"]:
        if r["ours"] and r["step"] in ("noop", "preview"):
            assert r["median"]["writes"] == 0, (r["tool"], r["step"], r["median"]["by_operation"])
    for r in data["scenarios"]:
        if r["tool"] == "pulumi_null":  # the engine's own cost: the do-nothing provider calls nothing
            assert r["median"]["reads"] + r["median"]["writes"] == 0, r["median"]["by_operation"]
    uri_rerun = next(
        (r for r in data["scenarios"] if r["tool"] == "ansible_uri" and r["step"] == "noop"), None
    )
    if uri_rerun is not None:  # the naive playbook is not idempotent: its re-run creates duplicates
        assert uri_rerun["median"]["writes"] == 20


def test_targets_flag_a_noop_that_writes() -> None:
    def row(tool: str, step: str, writes: int, **extra: Any) -> dict[str, Any]:
        return {
            "tool": tool,
            "fleet": "N=10",
            "step": step,
            "ours": tool != "floor",
            "median": {"reads": 0, "writes": writes, "wall_s": 1.0},
            **extra,
        }

    rows = [
        row("floor", "noop", 0),
        row("floor", "create", 20),
        row("b3os_apply", "noop", 1, writes_minus_floor=1),
        row("b3os_apply", "create", 22, writes_minus_floor=2),
    ]
    targets = {t["id"]: t for t in evaluate_targets(rows, {})}
    assert targets["noop_zero_writes"]["met"] is False
    assert "b3os_apply N=10 noop: 1" in targets["noop_zero_writes"]["measured"]
    assert targets["writes_equal_floor"]["met"] is False
    assert targets["apply_create_20ms"]["met"] is None  # N=100 @20ms not measured: not claimed either way


def _timed(tool: str, fleet: str, step: str, wall: float, **median: Any) -> dict[str, Any]:
    return {
        "tool": tool,
        "fleet": fleet,
        "step": step,
        "ours": tool not in ("floor", "floor_seq", "pulumi_null"),
        "median": {"reads": 0, "writes": 0, "wall_s": wall, "peak_rss_mb": 50.0, **median},
    }


def test_ratio_targets_are_judged_against_the_right_baseline() -> None:
    rows = [
        _timed("floor", "N=100 @20ms", "create", 1.0),
        _timed("b3os_apply", "N=100 @20ms", "create", 1.4),  # 1.4× the parallel floor: met
        _timed("floor", "N=100 @20ms", "noop", 1.0),
        _timed("b3os_apply", "N=100 @20ms", "noop", 1.6),  # 1.6×: missed
        _timed("ansible_bulk", "N=100 @20ms", "create", 3.0),  # 2.14× b3os apply: missed
        _timed("floor", "N=1000 @20ms", "create", 10.0),
        _timed("b3os_apply", "N=1000 @20ms", "create", 12.0, peak_rss_mb=151.0),
        _timed("pulumi", "N=10 @20ms", "create", 2.5),
        _timed("pulumi_null", "N=10 @20ms", "create", 2.0),  # 1.25×: met
        _timed("pulumi_native", "N=10 @20ms", "create", 2.2),
    ]
    overheads = {
        "import_time": {"import_ms_median": 120.0, "runs": 3, "target_ms": 100.0, "meets_target": False}
    }
    targets = {t["id"]: t for t in evaluate_targets(rows, overheads)}
    assert targets["apply_create_20ms"]["met"] is True
    assert targets["apply_noop_20ms"]["met"] is False
    assert targets["apply_create_100ms"]["met"] is None
    assert targets["apply_create_1000"]["met"] is True
    assert targets["apply_rss_1000"]["met"] is False and "151 MB" in targets["apply_rss_1000"]["measured"]
    assert targets["ansible_bulk_vs_apply"]["met"] is False
    assert targets["pulumi_vs_null"]["met"] is True and "N=10 @20ms" in targets["pulumi_vs_null"]["target"]
    assert targets["pulumi_native_vs_dynamic"]["measured"].startswith("0.88×")
    assert targets["import_time"]["met"] is False


def test_requests_per_workflow_counts_reads_and_writes() -> None:
    rows = [
        _timed(
            "b3os_apply", "N=10", "create", 1.0, reads=12, writes=20, by_operation={"POST /v1/workflows": 10}
        ),
        _timed("b3os_apply", "N=10 @20ms", "create", 1.0, reads=12, writes=20),  # same counts: not repeated
        _timed("b3os_apply", "N=1000 @20ms", "noop", 1.0, reads=1010, writes=0),
    ]
    out = {(r["fleet"], r["step"]): r["per_workflow"] for r in requests_per_workflow(rows)}
    assert out == {("N=10", "create"): 3.2, ("N=1000 @20ms", "noop"): 1.01}
