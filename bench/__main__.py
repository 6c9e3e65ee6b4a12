"""``python -m bench``: every scenario and overhead, written to bench/results.json and BENCHMARKS.md.

python -m bench                 # the full run (N=10,100,500 and a 200-node workflow)
python -m bench --quick         # N=10 only, one run each: the harness smoke test
python -m bench --n 10,100 --tools floor,b3os_apply --runs 5
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path
from typing import Any

from bench import machine, report
from bench.fleet import Fleet
from bench.runner import Plan, run_all
from bench.tools.ansible import AnsibleCollection, AnsibleUri
from bench.tools.base import Tool
from bench.tools.cli import Cli
from bench.tools.floor import Floor
from bench.tools.pulumi import Pulumi

ROOT = Path(__file__).resolve().parent.parent
SLOW = ("pulumi", "ansible", "ansible_uri")  # one process per resource step / per task
# Repeats at N>=100 of the slow tools (the time budget); --slow-runs overrides them all.
SLOW_RUNS = {"pulumi": 2, "ansible": 1, "ansible_uri": 1}
LATENCY_TOOLS = ("floor", "b3os_apply")


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(
        prog="python -m bench", description=__doc__.splitlines()[0] if __doc__ else None
    )
    p.add_argument("--quick", action="store_true", help="N=10 only, one run, small overhead loops")
    p.add_argument("--n", default="10,100,500", help="fleet sizes, comma-separated (default 10,100,500)")
    p.add_argument("--big-nodes", type=int, default=200, help="nodes of the one big workflow (0: none)")
    p.add_argument("--runs", type=int, default=3, help="repeats per tool and fleet (medians)")
    p.add_argument("--slow-runs", type=int, default=None, help="repeats of Pulumi/Ansible at N>=100 (2/1)")
    p.add_argument("--slow-max-n", type=int, default=100, help="largest N for Pulumi/Ansible (time budget)")
    p.add_argument(
        "--latency-ms", type=float, default=20.0, help="remote-API variant: ms added per request (0: none)"
    )
    p.add_argument("--latency-n", type=int, default=100, help="fleet size of the remote-API variant")
    p.add_argument(
        "--tools", default=None, help="comma-separated subset: floor,b3os_apply,pulumi,ansible,ansible_uri"
    )
    p.add_argument("--no-overheads", action="store_true", help="skip the per-task/import/throughput figures")
    p.add_argument("--results", type=Path, default=ROOT / "bench" / "results.json")
    p.add_argument("--markdown", type=Path, default=ROOT / "BENCHMARKS.md")
    p.add_argument(
        "--keep", type=Path, default=None, help="keep every tool's inputs and logs in this directory"
    )
    p.add_argument(
        "--render-only", action="store_true", help="re-render the markdown from an existing results file"
    )
    args = p.parse_args(argv)
    if args.quick:
        args.n, args.big_nodes, args.runs, args.slow_runs, args.latency_ms = "10", 0, 1, 1, 0.0
    return args


def make_tools(selected: str | None) -> list[Tool]:
    venv_bin = Path(sys.executable).parent
    tools: list[Tool] = [
        Floor(),
        Cli(str(venv_bin / "b3os")),
        Pulumi(),
        AnsibleCollection(str(venv_bin / "ansible-playbook")),
        AnsibleUri(str(venv_bin / "ansible-playbook")),
    ]
    if selected:
        wanted = [t.strip() for t in selected.split(",") if t.strip()]
        unknown = set(wanted) - {t.name for t in tools}
        if unknown:
            raise SystemExit(f"unknown tool(s): {', '.join(sorted(unknown))}")
        tools = [t for t in tools if t.name in wanted]
        if "floor" not in wanted:
            tools.insert(0, Floor())  # ratios need the floor of the same run
    return tools


def make_plan(args: argparse.Namespace, tools: list[Tool]) -> Plan:
    sizes = [int(n) for n in args.n.split(",") if n.strip()]
    fleets = [Fleet.small(n, "bench") for n in sizes]
    if args.big_nodes:
        fleets.append(Fleet.big(args.big_nodes, "bench"))
    if args.latency_ms:
        fleets.append(Fleet.small(args.latency_n, "bench").with_latency(args.latency_ms))

    def n_of(fleet: Fleet) -> int:
        return len(fleet)

    def runs(tool: Tool, fleet: Fleet) -> int:
        if fleet.latency_ms:
            return 1  # dominated by the injected sleeps: one run is as good as three
        if tool.name in SLOW and n_of(fleet) >= 100:
            return args.slow_runs if args.slow_runs is not None else SLOW_RUNS[tool.name]
        return int(args.runs)

    def skip(tool: Tool, fleet: Fleet) -> str | None:
        if fleet.latency_ms and tool.name not in LATENCY_TOOLS:
            return "the remote-API (latency) variant runs the floor and `b3os apply` only (time budget)"
        if tool.name in SLOW and n_of(fleet) > args.slow_max_n:
            return (
                f"N={n_of(fleet)} is above --slow-max-n={args.slow_max_n}: its cost grows linearly with N "
                "(see N=100), and it would take the full run past ~20 minutes on this machine"
            )
        return None

    return Plan(fleets=fleets, tools=tools, runs=runs, skip_reason=skip)


def overheads(
    args: argparse.Namespace, tools: list[Tool], env: dict[str, str], scratch: Path
) -> dict[str, Any]:
    from bench.overheads import ansible_overheads, import_time, local_throughput

    names = {t.name for t in tools}
    out: dict[str, Any] = {}
    out["ansible_per_task"] = ansible_overheads(args, names, env, scratch)
    out["import_time"] = import_time(args)
    out["local_throughput"] = local_throughput(args)
    return out


def findings(quick: bool) -> str:
    """bench/FINDINGS.md: the hand-written analysis that BENCHMARKS.md carries below the tables."""
    path = ROOT / "bench" / "FINDINGS.md"
    return path.read_text(encoding="utf-8") if path.exists() and not quick else ""


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.render_only:
        import json

        data = json.loads(args.results.read_text(encoding="utf-8"))
        args.markdown.write_text(
            report.render_markdown(data, findings(data["meta"]["config"]["quick"])), encoding="utf-8"
        )
        return 0
    tools = make_tools(args.tools)
    plan = make_plan(args, tools)
    started = time.perf_counter()
    load_before = round(os.getloadavg()[0], 2)
    env = dict(os.environ)
    results, skipped = run_all(plan, env, keep=args.keep)
    extra: dict[str, Any] = {}
    if not args.no_overheads:
        import tempfile

        with tempfile.TemporaryDirectory(prefix="b3os-bench-overheads-") as tmp:
            extra = overheads(args, tools, env, Path(tmp))
    from bench.overheads import pulumi_per_resource

    meta = machine.describe()
    meta.update(
        duration_s=round(time.perf_counter() - started, 1),
        load_before=load_before,
        load_after=round(os.getloadavg()[0], 2),
        config={
            "quick": args.quick,
            "fleets": [f.label for f in plan.fleets],
            "runs": args.runs,
            "slow_runs": args.slow_runs,
            "slow_max_n": args.slow_max_n,
            "tools": [t.name for t in tools],
            "latency_ms": args.latency_ms,
            "runs_note": (
                f"{args.runs}; at N≥100 Pulumi {args.slow_runs or SLOW_RUNS['pulumi']}, "
                f"Ansible {args.slow_runs or SLOW_RUNS['ansible']}; the latency variant 1"
            ),
        },
    )
    titles = {t.name: (t.title, t.ours) for t in tools}
    data = report.build_results(meta, results, titles, skipped, extra)
    data["overheads"]["pulumi_per_resource"] = pulumi_per_resource(data["scenarios"])
    data["targets"] = report.evaluate_targets(data["scenarios"], data["overheads"])
    args.results.parent.mkdir(parents=True, exist_ok=True)
    report.write(data, args.results, args.markdown, findings(args.quick))
    print(f"wrote {args.results} and {args.markdown} in {meta['duration_s']:.0f} s", file=sys.stderr)
    return 1 if data["errors"] else 0


if __name__ == "__main__":
    sys.exit(main())
