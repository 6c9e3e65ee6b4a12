"""Turn sequence results into bench/results.json and BENCHMARKS.md (ratios from this run only)."""

from __future__ import annotations

import json
import re
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

    previews = [
        r for r in rows if r["tool"] in ("pulumi", "pulumi_native") and r["step"] in ("preview", "noop")
    ]
    calls = [
        f"{r['tool']} {r['fleet']} {r['step']}: {r['median']['reads']}r/{r['median']['writes']}w"
        for r in previews
        if r["median"]["reads"] + r["median"]["writes"]
    ]
    calls = calls or ([f"0 calls in all {len(previews)} runs"] if previews else [])
    targets.append(
        {
            "id": "pulumi_preview_no_calls",
            "target": "Pulumi no-op `preview` and `up` (dynamic and native): zero API calls",
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

    def pair(tool: str, other: str, fleet: str, step: str) -> tuple[float | None, str]:
        row, base = _row(rows, tool, fleet, step), _row(rows, other, fleet, step)
        if row is None or base is None or not base["median"]["wall_s"]:
            return None, "not measured"
        ratio = round(row["median"]["wall_s"] / base["median"]["wall_s"], 2)
        return ratio, f"{ratio}× ({row['median']['wall_s']:.2f} s vs {base['median']['wall_s']:.2f} s)"

    def ratio_target(tid: str, text: str, ratio_text: tuple[float | None, str], limit: float) -> None:
        ratio, measured = ratio_text
        targets.append(
            {
                "id": tid,
                "target": text,
                "measured": measured,
                "met": (ratio <= limit) if ratio is not None else None,
            }
        )

    def largest_at_20ms(tool: str, default: str) -> str:
        """The largest remote-API (20 ms) fleet ``tool`` ran: the slow tools run a smaller N."""
        found = sorted(
            (int(m.group(1)), r["fleet"])
            for r in rows
            if r["tool"] == tool and (m := re.fullmatch(r"N=(\d+) @20ms", r["fleet"]))
        )
        return found[-1][1] if found else default

    for ms in (20.0, 100.0):
        fleet = f"N=100 @{ms:g}ms"
        for step, floor_name in (("create", "parallel floor"), ("noop", "parallel no-op floor")):
            ratio_target(
                f"apply_{step}_{ms:g}ms",
                f"`b3os apply` N=100 at {ms:g} ms, {'create' if step == 'create' else 'no-op'}: "
                f"≤ 1.5× the {floor_name}",
                pair("b3os_apply", "floor", fleet, step),
                1.5,
            )
    big = sorted(
        (int(m.group(1)), r["fleet"])
        for r in rows
        if (m := re.fullmatch(r"N=(\d+) @20ms", r["fleet"])) and int(m.group(1)) >= 1000
    )
    big_fleet = big[-1][1] if big else "N=1000 @20ms"
    ratio_target(
        "apply_create_1000",
        f"`b3os apply` {big_fleet}, create: ≤ 1.5× the parallel floor",
        pair("b3os_apply", "floor", big_fleet, "create"),
        1.5,
    )
    rss = [r["median"]["peak_rss_mb"] for r in rows if r["tool"] == "b3os_apply" and r["fleet"] == big_fleet]
    targets.append(
        {
            "id": "apply_rss_1000",
            "target": f"`b3os apply` {big_fleet}: peak RSS ≤ 150 MB",
            "measured": f"{max(rss):.0f} MB" if rss else "not measured",
            "met": (max(rss) <= 150) if rss else None,
        }
    )
    bulk_fleet = "N=100 @20ms" if _row(rows, "ansible_bulk", "N=100 @20ms", "create") else "N=100"
    ratio, measured = pair("ansible_bulk", "b3os_apply", bulk_fleet, "create")
    noop_ratio, _ = pair("ansible_bulk", "b3os_apply", bulk_fleet, "noop")
    ratio_target(
        "ansible_bulk_vs_apply",
        f"Ansible `b3os.b3os.workflows` applying 100 ({bulk_fleet}, create) ≤ 2× `b3os apply` of the same",
        (ratio, measured + (f"; no-op {noop_ratio}×" if noop_ratio is not None else "")),
        2.0,
    )
    per_task = overheads.get("ansible_per_task") or {}
    ratio = per_task.get("ratio_module_vs_uri")
    targets.append(
        {
            "id": "ansible_per_task",
            "target": "Ansible `b3os.b3os.workflow` per-task overhead ≤ 1.1× an `ansible.builtin.uri` task",
            "measured": (
                f"{ratio}× ({per_task['module']['per_task_ms']} ms vs {per_task['uri']['per_task_ms']} ms per task)"
                if ratio is not None
                else per_task.get("skipped", "not measured")
            ),
            "met": (ratio <= 1.1) if ratio is not None else None,
        }
    )
    imp = overheads.get("import_time") or {}
    targets.append(
        {
            "id": "import_time",
            "target": f"`import b3os.client, b3os.models` ≤ {imp.get('target_ms', 100.0):g} ms cold",
            "measured": f"{imp['import_ms_median']} ms (median of {imp['runs']})"
            if "import_ms_median" in imp
            else (imp.get("skipped") or imp.get("error") or "not measured"),
            "met": imp.get("meets_target") if "import_ms_median" in imp else None,
        }
    )
    pulumi_fleet = largest_at_20ms("pulumi", "N=50 @20ms")
    ratio_target(
        "pulumi_vs_null",
        f"Pulumi `up` of new workflows ({pulumi_fleet}) ≤ 1.3× the same program on a do-nothing dynamic provider",
        pair("pulumi", "pulumi_null", pulumi_fleet, "create"),
        1.3,
    )
    native_fleet = largest_at_20ms("pulumi_native", pulumi_fleet)
    ratio, measured = pair("pulumi_native", "pulumi", native_fleet, "create")
    null_ratio, _ = pair("pulumi_native", "pulumi_null", native_fleet, "create")
    targets.append(
        {
            "id": "pulumi_native_vs_dynamic",
            "target": f"Pulumi native provider `up` ({native_fleet}, create) vs the dynamic provider (reported, no limit)",
            "measured": measured
            + (f"; {null_ratio}× the do-nothing provider" if null_ratio is not None else ""),
            "met": None,
            "info": ratio is not None,
        }
    )
    return targets


def requests_per_workflow(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Requests per workflow of a create and a no-op, from b3os-local's request log (exact)."""
    out = []
    for r in rows:
        size = re.fullmatch(r"N=(\d+)(?: @.*)?", r["fleet"])
        if (
            not size
            or r["step"] not in ("create", "noop")
            or r["tool"] not in ("floor", "b3os_apply", "ansible_bulk")
        ):
            continue
        n = int(size.group(1))
        if "@" in r["fleet"] and n < 1000:
            continue  # the same counts as the loopback fleet of that size: latency changes no count
        med = r["median"]
        out.append(
            {
                "tool": r["tool"],
                "fleet": r["fleet"],
                "step": r["step"],
                "reads": med["reads"],
                "writes": med["writes"],
                "per_workflow": round((med["reads"] + med["writes"]) / n, 2),
                "by_operation": med.get("by_operation", {}),
            }
        )
    return out


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


def _met(value: bool | None, info: bool = False) -> str:
    if info:
        return "reported"
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
    if c.get("label"):
        lines.insert(2, f"> **{c['label']}**\n")
    latencies = c.get("latencies_ms") or ([c["latency_ms"]] if c.get("latency_ms") else [])
    if latencies:
        shown = ", ".join(f"`@{ms:g}ms`" for ms in latencies)
        lines.append(
            f"- **Remote-API variants** ({shown}): b3os-local sleeps that long in every request, as a remote "
            "API's round trip would; wall time is then governed by the number of calls in sequence, not by the "
            "local machine. They run create, no-op (and Pulumi's preview) only: the targets' steps."
        )
    lines += [
        "",
        "## Targets",
        "",
        "| target | measured | result |",
        "| --- | --- | --- |",
    ]
    for t in data["targets"]:
        lines.append(f"| {t['target']} | {t['measured']} | {_met(t['met'], bool(t.get('info')))} |")
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
    lines += _requests_md(data["overheads"].get("requests_per_workflow") or [])
    if findings:
        lines += ["", findings.strip(), ""]
    return "\n".join(lines).rstrip() + "\n"


WHY_MINIMUM = (
    "Why this is the minimum: a listing item carries no definition, so a tool without its own state must "
    "list the organization (pages of 100, to map names to ids; `b3os apply` lists live and archived "
    "workflows, 2 listings at least) and GET each listed workflow to compare content: a no-op costs "
    "1 read per workflow + 1 per 100 for the listing, and no write. A create costs 2 writes (POST, then "
    "publish: B3OS has no create-and-publish) after the listing shows the name is free; `b3os apply` adds "
    "1 `POST /v1/workflows/validate` per new or changed definition (3 requests per workflow) so that bad "
    "input anywhere means no write at all: that read is a design choice, not an API necessity. Only a tool "
    "that trusts its own state (Pulumi) can skip the reads, at the price of not seeing out-of-band edits "
    "until a refresh."
)


def _requests_md(rows: list[dict[str, Any]]) -> list[str]:
    if not rows:
        return []
    out = [
        "",
        "### Requests per workflow (b3os-local's request log, exact)",
        "",
        "| tool | fleet | step | reads | writes | requests / workflow | by operation |",
        "| --- | --- | --- | ---: | ---: | ---: | --- |",
    ]
    for r in rows:
        ops = ", ".join(f"{k} ×{v}" for k, v in sorted(r["by_operation"].items()))
        out.append(
            f"| {r['tool']} | {r['fleet']} | {r['step']} | {r['reads']} | {r['writes']} | {r['per_workflow']} | {ops} |"
        )
    out += ["", WHY_MINIMUM, ""]
    return out


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
