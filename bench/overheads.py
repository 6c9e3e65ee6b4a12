"""Per-unit overheads: an Ansible task of b3os.b3os.workflow vs an ``ansible.builtin.uri`` GET,
and the Pulumi per-resource cost (derived from the scenario figures).

Per-task cost = (wall of a loop of K no-op tasks − wall of the same play with an empty loop) / K,
so that ansible-playbook's own start-up is not counted; medians over the repeats.
"""

from __future__ import annotations

import re
import shutil
import statistics
from pathlib import Path
from typing import Any

from b3os.client import Client
from b3os.local import LocalServer
from bench.fleet import Fleet
from bench.measure import Measurement, measure
from bench.tools.ansible import OVERHEAD_MODULE_PLAY, OVERHEAD_URI_PLAY, ansible_env, write_vars

__all__ = ["ansible_per_task", "per_unit_slope"]


def _publish_fleet(server: LocalServer, fleet: Fleet) -> list[str]:
    ids = []
    with Client(base_url=server.url, api_key=server.api_key) as client:
        for wf in fleet.workflows:
            created = client.create_workflow(wf.name, wf.description, wf.definition)
            client.publish(created.id)
            ids.append(created.id)
    return ids


def ansible_per_task(
    server: LocalServer, playbook_bin: str, workdir: Path, env: dict[str, str], *, tasks: int, runs: int
) -> dict[str, Any]:
    """Median per-task wall time of the module (no-op) and of a uri GET, and their ratio."""
    server.reset()
    shutil.rmtree(workdir, ignore_errors=True)
    workdir.mkdir(parents=True)
    fleet = Fleet.small(tasks, "overhead")
    ids = _publish_fleet(server, fleet)
    run_env = ansible_env(workdir, dict(env, B3OS_API_URL=server.url, B3OS_API_KEY=server.api_key))
    plays = {"module": OVERHEAD_MODULE_PLAY, "uri": OVERHEAD_URI_PLAY}
    for kind, text in plays.items():
        (workdir / f"{kind}.yml").write_text(text, encoding="utf-8")
    full = write_vars(workdir, fleet, [{"id": i} for i in ids])
    empty = workdir / "empty.json"
    empty.write_text('{"workflows": []}', encoding="utf-8")
    samples: dict[str, list[tuple[Measurement, Measurement]]] = {kind: [] for kind in plays}
    for _ in range(runs):
        for kind in plays:
            cmd = [playbook_bin, str(workdir / f"{kind}.yml"), "-e"]
            base = measure(server, [*cmd, f"@{empty}"], cwd=workdir, env=run_env, log=workdir / "base.log")
            loop = measure(server, [*cmd, f"@{full}"], cwd=workdir, env=run_env, log=workdir / "loop.log")
            samples[kind].append((base, loop))
    out: dict[str, Any] = {"tasks": tasks, "runs": runs}
    for kind, pairs in samples.items():
        per_task = statistics.median((loop.wall_s - base.wall_s) / tasks for base, loop in pairs)
        last = pairs[-1][1]
        out[kind] = {
            "per_task_ms": round(per_task * 1000, 1),
            "startup_s": round(statistics.median(base.wall_s for base, _ in pairs), 3),
            "reads_per_task": last.reads / tasks,
            "writes_per_task": last.writes / tasks,
        }
    out["ratio_module_vs_uri"] = round(out["module"]["per_task_ms"] / out["uri"]["per_task_ms"], 2)
    return out


def per_unit_slope(points: dict[int, float]) -> float | None:
    """Seconds per unit between the smallest and largest N measured (None with fewer than two)."""
    if len(points) < 2:
        return None
    low, high = min(points), max(points)
    return (points[high] - points[low]) / (high - low)


def ansible_overheads(args: Any, names: set[str], env: dict[str, str], scratch: Path) -> dict[str, Any]:
    """The module-vs-uri per-task figure, on its own b3os-local (skipped without the collection)."""
    import sys

    from bench.tools.ansible import AnsibleCollection

    playbook = str(Path(sys.executable).parent / "ansible-playbook")
    if "ansible" not in names:
        return {"skipped": "the ansible tool was not selected"}
    reason = AnsibleCollection(playbook).unavailable()
    if reason:
        return {"skipped": reason}
    tasks, runs = (3, 1) if args.quick else (20, 3)
    with LocalServer(mode="subprocess") as server:
        return ansible_per_task(server, playbook, scratch / "ansible-overhead", env, tasks=tasks, runs=runs)


def import_time(args: Any) -> dict[str, Any]:
    from bench import import_time as it

    try:
        return it.run(runs=3 if args.quick else it.RUNS)
    except Exception as exc:  # another engineer's module: its failure must not void the run
        return {"error": f"bench/import_time.py run() failed: {exc!r}"}


def local_throughput(args: Any) -> dict[str, Any]:
    if args.quick:
        return {"skipped": "not run in --quick mode"}
    try:
        from bench import local_bench
    except ImportError:
        return {"skipped": "bench/local_bench.py (b3os-local throughput) has not landed"}
    try:
        result: dict[str, Any] = local_bench.run()
        return result
    except Exception as exc:  # another engineer's module: its failure must not void the run
        return {"error": f"bench/local_bench.py run() failed: {exc!r}"}


def pulumi_per_resource(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """Pulumi's cost per resource from the scenario rows: slopes over N, net of the floor's."""

    def points(tool: str, step: str) -> dict[int, float]:
        out = {}
        for r in rows:
            size = re.fullmatch(r"N=(\d+)", r["fleet"])  # plain fleets only (not the latency variant)
            if r["tool"] == tool and r["step"] == step and size:
                out[int(size.group(1))] = r["median"]["wall_s"]
        return out

    pulumi_create = points("pulumi", "create")
    if not pulumi_create:
        return {}
    result: dict[str, Any] = {}
    slopes = {
        "create_ms_per_resource": per_unit_slope(pulumi_create),
        "floor_create_ms_per_workflow": per_unit_slope(points("floor", "create")),
        "noop_up_ms_per_resource": per_unit_slope(points("pulumi", "noop")),
        "preview_ms_per_resource": per_unit_slope(points("pulumi", "preview")),
        "pause_ms_per_resource": per_unit_slope(points("pulumi", "pause")),
    }
    for key, slope in slopes.items():
        result[key] = round(slope * 1000, 1) if slope is not None else None
    if result["create_ms_per_resource"] is not None and result["floor_create_ms_per_workflow"] is not None:
        result["create_overhead_ms_per_resource"] = round(
            result["create_ms_per_resource"] - result["floor_create_ms_per_workflow"], 1
        )
    n = sorted(pulumi_create)
    result["note"] = (
        f"slope of wall time over N = {', '.join(map(str, n))} (ms per resource); the overhead is the "
        "create slope minus the floor's (the API work both must do)"
        if len(n) > 1
        else "needs two fleet sizes (not in --quick)"
    )
    return result
