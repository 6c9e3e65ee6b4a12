"""Human output of the CLI: plans as colored diffs, run events as they stream."""

from __future__ import annotations

import difflib
import json
from pathlib import Path
from typing import Any

from b3os.models import RunEvent
from b3os.normalize import GraphSummary
from b3os.runs import RunSummary, describe_event
from b3os.workflow import Plan

from .output import Output, escape

__all__ = ["plan_lines", "print_event", "print_plan", "print_run_summary"]


_SYMBOL = {"create": ("+", "green"), "archive": ("-", "red"), "delete": ("-", "red")}


def _headline(plan: Any) -> tuple[str, str]:
    names = plan.action_names
    if not names:
        return "=", "dim"
    for action, look in _SYMBOL.items():
        if action in names:
            return look
    return "~", "yellow"


# A plan is read by a person: past this many lines a definition diff is cut (``--json`` has it all).
MAX_DIFF_LINES = 200


def _value(value: Any) -> str:
    return repr(value)


# At most this many changed nodes go into a definition's JSON diff (the node summary counts all).
MAX_DIFF_NODES = 50


def _changed_parts(before: Any, after: Any, graph: GraphSummary | None) -> tuple[Any, Any]:
    """Only the nodes (and definition keys) that differ: difflib is quadratic in the lines it
    compares, and a whole 5,000-node definition took minutes to diff for a one-screen answer."""
    if graph is None or not isinstance(before, dict) or not isinstance(after, dict):
        return before, after
    old_nodes, new_nodes = before.get("nodes"), after.get("nodes")
    if not isinstance(old_nodes, dict) or not isinstance(new_nodes, dict):
        return before, after
    ids = [*graph.nodes_changed, *graph.nodes_added, *graph.nodes_removed][:MAX_DIFF_NODES]
    keep = set(graph.other_changed)

    def part(definition: dict[str, Any], nodes: dict[str, Any]) -> dict[str, Any]:
        out = {k: v for k, v in definition.items() if k in keep}
        out["nodes"] = {n: nodes[n] for n in ids if n in nodes}
        return out

    return part(before, old_nodes), part(after, new_nodes)


def _json_lines(value: Any) -> list[str]:
    return (
        json.dumps(value, indent=2, sort_keys=True, ensure_ascii=False).splitlines()
        if value is not None
        else []
    )


def print_plan(console: Output, path: Path | None, plan: Any, kind: str = "workflow") -> None:
    """One object's plan; secret values are already masked in a plan's diff."""
    console.print("\n".join(plan_lines(path, plan, kind)))


def plan_lines(path: Path | None, plan: Any, kind: str = "workflow") -> list[str]:
    """``print_plan``'s lines (rich markup). Printed many at a time: one ``Console.print`` per
    line cost more than the apply's own work at N=1000 (rich renders each call on its own)."""
    lines: list[str] = []
    symbol, color = _headline(plan)
    label = plan.spec.label + (f" ({plan.state.id})" if plan.state and plan.spec.id is None else "")
    where = f"  [dim]{escape(str(path))}[/dim]" if path else ""
    noun = kind.replace("_", " ")
    if not plan.actions:
        lines.append(f"[{color}]{symbol} {noun} {escape(label)}: no changes[/]{where}")
        return lines
    lines.append(f"[bold {color}]{symbol} {noun} {escape(label)}[/]: {', '.join(plan.action_names)}{where}")
    if not isinstance(plan, Plan):
        for line in plan.diff.describe():
            lines.append(f"    [yellow]~[/] {escape(line)}")
        return lines
    diff = plan.diff
    new = plan.state is None
    for key in diff.changed:
        if key == "definition":
            summary = diff.graph.describe() if diff.graph else "changed"
            mark = "[green]+" if new else "[yellow]~"
            lines.append(f"    {mark} definition[/]: {escape(summary)}")
            if new:
                continue  # a new workflow: the node summary says it; the file has the rest
            before_def, after_def = _changed_parts(diff.before.get(key), diff.after.get(key), diff.graph)
            diff_lines = list(
                difflib.unified_diff(_json_lines(before_def), _json_lines(after_def), lineterm="", n=2)
            )[2:]  # skip the ---/+++ header
            for line in diff_lines[:MAX_DIFF_LINES]:
                style = "green" if line.startswith("+") else "red" if line.startswith("-") else "dim"
                lines.append(f"      [{style}]{escape(line)}[/]")
            if len(diff_lines) > MAX_DIFF_LINES:
                more = len(diff_lines) - MAX_DIFF_LINES
                lines.append(f"      [dim]… {more:,} more diff lines (the whole diff: --json)[/]")
        elif new or diff.before.get(key) is None:
            # nothing to compare with: the value being set, not "None -> value"
            lines.append(f"    [green]+ {key}[/]: [green]{escape(_value(diff.after.get(key)))}[/]")
        else:
            before, after = _value(diff.before.get(key)), _value(diff.after.get(key))
            lines.append(f"    [yellow]~ {key}[/]: [red]{escape(before)}[/] -> [green]{escape(after)}[/]")
    return lines


_EVENT_STYLE = {
    "node_failed": "red",
    "node_completed": "green",
    "node_skipped": "dim",
    "run_waiting": "yellow",
}


def print_event(console: Output, event: RunEvent) -> None:
    if event.type == "run_final":
        return
    style = _EVENT_STYLE.get(event.type, "cyan" if event.type.startswith("run_") else "")
    text = escape(describe_event(event))
    console.print(f"  [{style}]{text}[/]" if style else f"  {text}")


def print_run_summary(console: Output, summary: RunSummary) -> None:
    color = "green" if summary.succeeded else "red"
    console.print(f"run {escape(str(summary.run_id))}: [bold {color}]{escape(str(summary.status))}[/]")
    for node in summary.nodes:
        line = f"  {node.node_id} ({node.type}): {node.status}"
        if node.error:
            line += f" - {node.error}"
        elif node.type == "log" and isinstance(node.result, dict):
            line += f" - {node.result.get('message')}"
        console.print(escape(line))
    if summary.error:
        console.print(f"[red]{escape(summary.error)}[/]")
