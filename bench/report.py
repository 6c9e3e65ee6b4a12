"""Turn sequence results into bench/results.json and BENCHMARKS.md (ratios from this run only)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from bench.runner import SequenceResult, median_of

__all__ = ["build_results", "evaluate_targets", "render_markdown", "write"]

TARGET_STEPS = ("create", "change", "pause", "archive")  # the floor's writes are the minimum here


def build_scenarios(
    results: list[SequenceResult], titles: dict[str, tuple[str, bool]]
) -> list[dict[str, Any]]:
    """One row per (tool, fleet, step) with medians, the samples and ratios to the floor."""
    floor = {r.fleet: r for r in results if r.tool == "floor"}
    rows = []
    for result in results:
        title, ours = titles[result.tool]
        base = floor.get(result.fleet)
        for step, samples in result.samples.items():
            med = median_of(samples)
            row: dict[str, Any] = {
                "tool": result.tool,
                "title": title,
                "ours": ours,
                "fleet": result.fleet,
                "step": step,
                "runs": len(samples),
                "median": med,
                "samples": [m.as_dict() for m in samples],
            }
            floor_step = "noop" if step == "preview" else step
            if base is not None and floor_step in base.samples and result.tool != "floor":
                fmed = median_of(base.samples[floor_step])
                row["floor"] = {"wall_s": fmed["wall_s"], "reads": fmed["reads"], "writes": fmed["writes"]}
                row["ratio_wall_vs_floor"] = (
                    round(med["wall_s"] / fmed["wall_s"], 2) if fmed["wall_s"] else None
                )
                row["writes_minus_floor"] = med["writes"] - fmed["writes"]
            rows.append(row)
    return rows


def _row(rows: list[dict[str, Any]], tool: str, fleet: str, step: str) -> dict[str, Any] | None:
    return next((r for r in rows if r["tool"] == tool and r["fleet"] == fleet and r["step"] == step), None)


def evaluate_targets(rows: list[dict[str, Any]], overheads: dict[str, Any]) -> list[dict[str, Any]]:
    """The issue's targets, each with what was measured and whether it was met (None: not measured)."""
    targets: list[dict[str, Any]] = []
    ours = sorted({(r["tool"], r["fleet"]) for r in rows if r["ours"]})

    found = [(t, f, _row(rows, t, f, s)) for t, f in ours for s in ("noop", "preview")]
    noop = [(t, f, r) for t, f, r in found if r is not None]
    bad = [f"{t} {f} {r['step']}: {r['median']['writes']}" for t, f, r in noop if r["median"]["writes"] != 0]
    targets.append(
        {
            "id": "noop_zero_writes",
            "target": "no-op runs make zero writes, every tool",
            "measured": "; ".join(bad) or f"0 writes in all {len(noop)} no-op runs",
            "met": (not bad) if noop else None,
        }
    )

    previews = [r for r in rows if r["tool"] == "pulumi" and r["step"] == "preview"]
    calls = [f"{r['fleet']}: {r['median']['reads']} reads, {r['median']['writes']} writes" for r in previews]
    targets.append(
        {
            "id": "pulumi_preview_no_calls",
            "target": "`pulumi preview`, unchanged inputs: no API calls (ideally none)",
            "measured": "; ".join(calls) or "not measured",
            "met": all(r["median"]["reads"] + r["median"]["writes"] == 0 for r in previews)
            if previews
            else None,
        }
    )

    compared = [r for r in rows if r["ours"] and r["step"] in TARGET_STEPS and "writes_minus_floor" in r]
    extra = [
        f"{r['tool']} {r['fleet']} {r['step']}: {r['writes_minus_floor']:+d}"
        for r in compared
        if r["writes_minus_floor"]
    ]
    targets.append(
        {
            "id": "writes_equal_floor",
            "target": "API writes per operation equal the floor's (create/change/pause/archive)",
            "measured": "; ".join(extra) or f"equal in all {len(compared)} comparisons",
            "met": (not extra) if compared else None,
        }
    )

    def ratio_target(tid: str, text: str, tool: str, limit: float) -> None:
        row = _row(rows, tool, "N=100", "create")
        ratio = row.get("ratio_wall_vs_floor") if row else None
        targets.append(
            {
                "id": tid,
                "target": text,
                "measured": f"{ratio}× ({row['median']['wall_s']} s vs {row['floor']['wall_s']} s)"
                if row and ratio
                else "not measured",
                "met": (ratio <= limit) if ratio is not None else None,
            }
        )

    ratio_target(
        "apply_vs_floor", "`b3os apply` creating N=100 within 1.5× the floor's wall time", "b3os_apply", 1.5
    )
    per_task = overheads.get("ansible_per_task") or {}
    ratio = per_task.get("ratio_module_vs_uri")
    targets.append(
        {
            "id": "ansible_per_task",
            "target": "Ansible per-task overhead within 1.3× of an `ansible.builtin.uri` task",
            "measured": (
                f"{ratio}× ({per_task['module']['per_task_ms']} ms vs {per_task['uri']['per_task_ms']} ms per task)"
                if ratio is not None
                else per_task.get("skipped", "not measured")
            ),
            "met": (ratio <= 1.3) if ratio is not None else None,
        }
    )
    ratio_target(
        "pulumi_up_vs_floor",
        "Pulumi `up` of 100 new workflows within 3× the floor's wall time",
        "pulumi",
        3.0,
    )
    return targets


def build_results(
    meta: dict[str, Any],
    results: list[SequenceResult],
    titles: dict[str, tuple[str, bool]],
    skipped: list[dict[str, Any]],
    overheads: dict[str, Any],
) -> dict[str, Any]:
    rows = build_scenarios(results, titles)
    errors = [{"tool": r.tool, "fleet": r.fleet, "error": e} for r in results for e in r.errors]
    return {
        "schema": 1,
        "meta": meta,
        "scenarios": rows,
        "skipped": skipped,
        "errors": errors,
        "overheads": overheads,
        "targets": evaluate_targets(rows, overheads),
    }


def _fmt(value: Any, digits: int = 2) -> str:
    if value is None:
        return "–"
    if isinstance(value, float):
        return f"{value:.{digits}f}" if value < 100 else f"{value:.0f}"
    return str(value)


def _met(value: bool | None) -> str:
    return {True: "met", False: "**missed**", None: "not measured"}[value]


def render_markdown(data: dict[str, Any], findings: str = "") -> str:
    meta = data["meta"]
    m, v, c = meta["machine"], meta["versions"], meta["config"]
    lines = [
        "# Benchmarks: b3os-iac against the floor",
        "",
        "Generated by `python -m bench` (`make bench`); the raw figures, every sample included, are in",
        "`bench/results.json`. Do not edit the tables by hand: re-run the benchmark.",
        "",
        f"- **Date:** {meta['date']}; run took {meta['duration_s']:.0f} s; mode: {'quick' if c['quick'] else 'full'}",
        f"- **Machine:** {m['nproc']} CPUs ({m['cpu_model']}), {m['memory_gb']} GB RAM, {m['os']}; "
        f"load average {meta['load_before']} before, {meta['load_after']} after",
        f"- **Versions:** Python {v['python']}, pulumi CLI {v['pulumi_cli'] or '–'} (SDK {v['pulumi_sdk'] or '–'}), "
        f"ansible-core {v['ansible_core'] or '–'}, b3os-iac {v['b3os_iac']} (commit {v['git_commit'] or '–'}), httpx {v['httpx']}",
        "- **Method:** against b3os-local in subprocess mode (its CPU is not the tool's); API calls from its request "
        "log (writes = non-GET requests except `POST /v1/workflows/validate`); each step is one process measured "
        "from a fresh wrapper: wall time, peak RSS = `getrusage(RUSAGE_CHILDREN).ru_maxrss` (the largest single "
        "process of the tool's tree), CPU = user+sys of the tree. Figures are medians of the runs shown; ratios "
        "divide by the floor's median from this same run. Each sequence (create → no-op → change one → pause all "
        "→ archive all) starts on a reset server; repeats interleave the tools.",
        f"- **Fleets:** {', '.join(c['fleets'])}; runs per pair: {c['runs_note']}",
    ]
    if c.get("latency_ms"):
        lines.append(
            f"- **Remote-API variant** (`@{c['latency_ms']:g}ms`): b3os-local sleeps {c['latency_ms']:g} ms in every "
            "request, as a remote API's round trip would; wall time is then governed by the number of sequential "
            "calls, not by the local machine."
        )
    lines += [
        "",
        "## Targets",
        "",
        "| target | measured | result |",
        "| --- | --- | --- |",
    ]
    for t in data["targets"]:
        lines.append(f"| {t['target']} | {t['measured']} | {_met(t['met'])} |")
    lines += ["", "## Scenarios", ""]
    fleets = list(dict.fromkeys(r["fleet"] for r in data["scenarios"]))
    for fleet in fleets:
        lines += [
            f"### {fleet}",
            "",
            "| tool | step | runs | wall s | × floor | reads | writes | floor writes | peak RSS MB | CPU s |",
            "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
        ]
        for r in (r for r in data["scenarios"] if r["fleet"] == fleet):
            med = r["median"]
            lines.append(
                f"| {r['title']} | {r['step']} | {r['runs']} | {_fmt(med['wall_s'])} | {_fmt(r.get('ratio_wall_vs_floor'))} | "
                f"{med['reads']} | {med['writes']} | {_fmt(r.get('floor', {}).get('writes'))} | {_fmt(med['peak_rss_mb'], 0)} | {_fmt(med['cpu_s'])} |"
            )
        lines.append("")
    if data["skipped"] or data["errors"]:
        lines += ["## Skipped and failed", ""]
        for s in data["skipped"]:
            lines.append(f"- skipped {s['tool']} at {s['fleet']}: {s['reason']}")
        for e in data["errors"]:
            first = e["error"].strip().splitlines()[0] if e["error"].strip() else "?"
            lines.append(f"- FAILED {e['tool']} at {e['fleet']}: {first}")
        lines.append("")
    lines += ["## Overheads", ""]
    lines += _overheads_md(data["overheads"])
    if findings:
        lines += ["", findings.strip(), ""]
    return "\n".join(lines).rstrip() + "\n"


def _overheads_md(o: dict[str, Any]) -> list[str]:
    out: list[str] = []
    a = o.get("ansible_per_task") or {}
    if "module" in a:
        out.append(
            f"- **Ansible per task** ({a['tasks']} no-op tasks in a loop minus the same play with an empty loop, "
            f"median of {a['runs']}): `b3os.b3os.workflow` {a['module']['per_task_ms']} ms "
            f"({a['module']['reads_per_task']:.0f} reads/task) vs `ansible.builtin.uri` GET {a['uri']['per_task_ms']} ms "
            f"({a['uri']['reads_per_task']:.0f} read/task): **{a['ratio_module_vs_uri']}×**; "
            f"ansible-playbook start-up {a['module']['startup_s']} s."
        )
    elif a:
        out.append(f"- **Ansible per task:** {a.get('skipped')}")
    p = o.get("pulumi_per_resource") or {}
    if p:
        out.append(f"- **Pulumi per resource:** {p.get('note')}")
        for key, value in p.items():
            if key != "note":
                out.append(f"  - {key}: {_fmt(value)}")
    i = o.get("import_time") or {}
    if "import_ms_median" in i:
        out.append(
            f"- **Import time** of {' + '.join(i['modules'])} (fresh interpreter, median of {i['runs']}): "
            f"{i['import_ms_median']} ms (target {i['target_ms']} ms: {'met' if i['meets_target'] else 'missed'}); "
            f"interpreter start-up {i['interpreter_startup_ms_median']} ms; heavy modules loaded: "
            f"{', '.join(i['heavy_modules_loaded']) or 'none'}."
        )
    elif i:
        out.append(f"- **Import time:** {i.get('skipped') or i.get('error')}")
    lb = o.get("local_throughput") or {}
    if lb:
        if "skipped" in lb or "error" in lb:
            out.append(f"- **b3os-local throughput:** {lb.get('skipped') or lb.get('error')}")
        else:
            out.append("- **b3os-local throughput** (`bench/local_bench.py` `run()`, its own server):")
            for key, value in lb.items():
                shown = json.dumps(value, ensure_ascii=False) if isinstance(value, dict | list) else value
                out.append(f"  - {key}: {shown}")
    return out


def write(data: dict[str, Any], results_path: Path, markdown_path: Path, findings: str = "") -> None:
    results_path.write_text(json.dumps(data, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    markdown_path.write_text(render_markdown(data, findings), encoding="utf-8")
