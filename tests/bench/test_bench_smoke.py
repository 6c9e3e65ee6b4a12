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

from bench.report import evaluate_targets

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


def check_shape(data: dict[str, Any], tools: set[str]) -> None:
    assert data["schema"] == 1
    meta = data["meta"]
    assert meta["machine"]["nproc"] >= 1 and meta["versions"]["python"]
    assert meta["config"]["fleets"] == ["N=10"]
    assert data["errors"] == []
    rows = data["scenarios"]
    assert {r["tool"] for r in rows} == tools
    for tool in tools:
        assert STEPS <= {r["step"] for r in rows if r["tool"] == tool} or tool == "ansible_uri"
    for r in rows:
        med = r["median"]
        assert med["wall_s"] > 0 and med["peak_rss_mb"] > 0
        assert med["reads"] >= 0 and med["writes"] >= 0
        if r["tool"] != "floor":
            assert r["floor"]["wall_s"] > 0 and r["ratio_wall_vs_floor"] > 0
    floor = {r["step"]: r["median"]["writes"] for r in rows if r["tool"] == "floor"}
    assert floor == {"create": 20, "noop": 0, "change": 2, "pause": 10, "archive": 10}
    assert {t["id"] for t in data["targets"]} >= {"noop_zero_writes", "writes_equal_floor"}


def test_quick_run_of_the_fast_tools(tmp_path: Path) -> None:
    data = run_bench(tmp_path, "--tools", "floor,b3os_apply", "--no-overheads")
    check_shape(data, {"floor", "b3os_apply"})
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
    assert tools | set(skipped) == {"floor", "b3os_apply", "pulumi", "ansible", "ansible_uri"}, skipped
    check_shape(data, tools)
    for r in data["scenarios"]:
        if r["ours"] and r["step"] in ("noop", "preview"):
            assert r["median"]["writes"] == 0, (r["tool"], r["step"], r["median"]["by_operation"])
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
    assert targets["apply_vs_floor"]["met"] is None  # N=100 not measured: not claimed either way
