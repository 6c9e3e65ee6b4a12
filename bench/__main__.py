"""``python -m bench``: every scenario and overhead, written to bench/results.json and BENCHMARKS.md.

python -m bench                 # the full run (N=10,100,500, a 200-node workflow, @20/100 ms, N=1000)
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
from bench.tools.ansible import AnsibleBulk, AnsibleCollection, AnsibleUri
from bench.tools.base import Tool
from bench.tools.cli import Cli
from bench.tools.floor import Floor, SequentialFloor
from bench.tools.pulumi import NativePulumi, NullPulumi, Pulumi

ROOT = Path(__file__).resolve().parent.parent
# One process per resource step / per task: run at small N only (--slow-max-n, --latency-slow-n).
SLOW = ("pulumi", "pulumi_native", "pulumi_null", "ansible", "ansible_uri")
# Repeats at N>=100 of the slow tools (the time budget); --slow-runs overrides them all.
SLOW_RUNS = {"pulumi": 2, "pulumi_native": 2, "pulumi_null": 2, "ansible": 1, "ansible_uri": 1}
# The steps of a remote-API variant: what the targets are about (a sequence's prefix).
LATENCY_STEPS = ("create", "preview", "noop")
# The N=1000 remote-API variant: the CLI and its floor only (the others are linear in N).
BIG_N_TOOLS = ("floor", "b3os_apply")


def tool_env() -> dict[str, str]:
    """The tools' environment: as on a user's machine, with bytecode cached. pip compiles what it
    installs (the floor's httpx has its .pyc), but an environment with PYTHONDONTWRITEBYTECODE=1
    (some CI images, this one) would make every process of ours compile b3os from source again:
    ~150 ms per CLI run, Ansible task and Pulumi plugin, which no installed user pays."""
    import compileall

    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    for package in ("b3os", "pulumi_b3os"):
        compileall.compile_dir(ROOT / package, quiet=1)
    return env


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
        "--latency-ms",
        default=None,
        help="remote-API variants: ms added per request, comma-separated (default 20,100; 0: none)",
    )
    p.add_argument("--latency-n", type=int, default=100, help="fleet size of the remote-API variants")
    p.add_argument(
        "--latency-slow-n",
        type=int,
        default=50,
        help="fleet size of the remote-API variants for Pulumi/Ansible (default 50)",
    )
    p.add_argument(
        "--big-n",
        type=int,
        default=None,
        help="the CLI's large fleet, at the first latency (default 1000; 0: none)",
    )
    p.add_argument(
        "--tools",
        default=None,
        help="comma-separated subset of: " + ",".join(TOOL_NAMES),
    )
    p.add_argument("--no-overheads", action="store_true", help="skip the per-task/import/throughput figures")
    p.add_argument(
        "--label", default="", help="a note printed at the top of BENCHMARKS.md (e.g. reduced run)"
    )
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
        args.n, args.big_nodes, args.runs, args.slow_runs = "10", 0, 1, 1
    if args.latency_ms is None:
        args.latency_ms = "0" if args.quick else "20,100"
    if args.big_n is None:
        args.big_n = 0 if args.quick else 1000
    args.latencies = [float(x) for x in str(args.latency_ms).split(",") if x.strip() and float(x) > 0]
    return args


TOOL_NAMES = (
    "floor",
    "floor_seq",
    "b3os_apply",
    "ansible_bulk",
    "pulumi",
    "pulumi_native",
    "pulumi_null",
    "ansible",
    "ansible_uri",
)


def make_tools(selected: str | None) -> list[Tool]:
    venv_bin = Path(sys.executable).parent
    playbook = str(venv_bin / "ansible-playbook")
    tools: list[Tool] = [
        Floor(),
        SequentialFloor(),
        Cli(str(venv_bin / "b3os")),
        AnsibleBulk(playbook),
        Pulumi(),
        NativePulumi(),
        NullPulumi(),
        AnsibleCollection(playbook),
        AnsibleUri(playbook),
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
    big: set[str] = set()
    for ms in args.latencies:
        for n in dict.fromkeys((args.latency_n, args.latency_slow_n)):
            fleets.append(Fleet.small(n, "bench").with_latency(ms, LATENCY_STEPS))
    if args.big_n and args.latencies:
        fleet = Fleet.small(args.big_n, "bench").with_latency(args.latencies[0], ("create", "noop"))
        fleets.append(fleet)
        big.add(fleet.label)

    def runs(tool: Tool, fleet: Fleet) -> int:
        if fleet.latency_ms:
            return 1  # dominated by the injected sleeps: one run is as good as three
        if tool.name in SLOW and len(fleet) >= 100:
            return args.slow_runs if args.slow_runs is not None else SLOW_RUNS[tool.name]
        return int(args.runs)

    def skip(tool: Tool, fleet: Fleet) -> str | None:
        if fleet.label in big:
            if tool.name not in BIG_N_TOOLS:
                return f"{fleet.label} runs the floor and `b3os apply` only (time budget)"
            return None
        if fleet.latency_ms and tool.name in SLOW and len(fleet) > args.latency_slow_n:
            return f"the remote-API variant of this tool runs at N={args.latency_slow_n} (--latency-slow-n)"
        if tool.name in SLOW and len(fleet) > args.slow_max_n:
            return (
                f"N={len(fleet)} is above --slow-max-n={args.slow_max_n}: its cost grows linearly with N "
                "(see the smaller N), and it would take the run past the time budget"
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
    env = tool_env()
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
            "latency_ms": args.latencies[0] if args.latencies else 0.0,
            "latencies_ms": args.latencies,
            "label": args.label,
            "runs_note": (
                f"{args.runs}; at N≥100 Pulumi {args.slow_runs or SLOW_RUNS['pulumi']}, "
                f"Ansible {args.slow_runs or SLOW_RUNS['ansible']}; the latency variants 1"
            ),
        },
    )
    titles = {t.name: (t.title, t.ours) for t in tools}
    data = report.build_results(meta, results, titles, skipped, extra)
    data["overheads"]["pulumi_per_resource"] = pulumi_per_resource(data["scenarios"])
    data["overheads"]["requests_per_workflow"] = report.requests_per_workflow(data["scenarios"])
    data["targets"] = report.evaluate_targets(data["scenarios"], data["overheads"])
    args.results.parent.mkdir(parents=True, exist_ok=True)
    report.write(data, args.results, args.markdown, findings(args.quick))
    print(f"wrote {args.results} and {args.markdown} in {meta['duration_s']:.0f} s", file=sys.stderr)
    return 1 if data["errors"] else 0


if __name__ == "__main__":
    sys.exit(main())
