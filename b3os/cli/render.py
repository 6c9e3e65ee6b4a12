"""Human output of the CLI: plans as colored diffs, run events as they stream."""

from __future__ import annotations

import difflib
import json
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.markup import escape

from b3os.models import RunEvent
from b3os.runs import RunSummary, describe_event
from b3os.workflow import Plan

__all__ = ["print_event", "print_plan", "print_run_summary"]

_SYMBOL = {"create": ("+", "green"), "archive": ("-", "red"), "delete": ("-", "red")}


def _headline(plan: Any) -> tuple[str, str]:
    names = plan.action_names
    if not names:
        return "=", "dim"
    for action, look in _SYMBOL.items():
        if action in names:
            return look
    return "~", "yellow"


def _json_lines(value: Any) -> list[str]:
    return (
        json.dumps(value, indent=2, sort_keys=True, ensure_ascii=False).splitlines()
        if value is not None
        else []
    )


def print_plan(console: Console, path: Path | None, plan: Any, kind: str = "workflow") -> None:
    """One object's plan; secret values are already masked in a plan's diff."""
    symbol, color = _headline(plan)
    label = plan.spec.label + (f" ({plan.state.id})" if plan.state and plan.spec.id is None else "")
    where = f"  [dim]{escape(str(path))}[/dim]" if path else ""
    noun = kind.replace("_", " ")
    if not plan.actions:
        console.print(f"[{color}]{symbol} {noun} {escape(label)}: no changes[/]{where}")
        return
    console.print(f"[bold {color}]{symbol} {noun} {escape(label)}[/]: {', '.join(plan.action_names)}{where}")
    if not isinstance(plan, Plan):
        for line in plan.diff.describe():
            console.print(f"    [yellow]~[/] {escape(line)}")
        return
    diff = plan.diff
    for key in diff.changed:
        if key == "definition":
            summary = diff.graph.describe() if diff.graph else "changed"
            console.print(f"    [yellow]~ definition[/]: {escape(summary)}")
            if diff.before.get(key) is None:
                continue  # a new workflow: the node summary says it; the file has the rest
            lines = difflib.unified_diff(
                _json_lines(diff.before.get(key)), _json_lines(diff.after.get(key)), lineterm="", n=2
            )
            for line in list(lines)[2:]:  # skip the ---/+++ header
                style = "green" if line.startswith("+") else "red" if line.startswith("-") else "dim"
                console.print(f"      [{style}]{escape(line)}[/]")
        else:
            before, after = diff.before.get(key), diff.after.get(key)
            console.print(
                f"    [yellow]~ {key}[/]: [red]{escape(repr(before))}[/] -> [green]{escape(repr(after))}[/]"
            )


_EVENT_STYLE = {
    "node_failed": "red",
    "node_completed": "green",
    "node_skipped": "dim",
    "run_waiting": "yellow",
}


def print_event(console: Console, event: RunEvent) -> None:
    if event.type == "run_final":
        return
    style = _EVENT_STYLE.get(event.type, "cyan" if event.type.startswith("run_") else "")
    text = escape(describe_event(event))
    console.print(f"  [{style}]{text}[/]" if style else f"  {text}")


def print_run_summary(console: Console, summary: RunSummary) -> None:
    color = "green" if summary.succeeded else "red"
    console.print(f"run {summary.run_id}: [bold {color}]{summary.status}[/]")
    for node in summary.nodes:
        line = f"  {node.node_id} ({node.type}): {node.status}"
        if node.error:
            line += f" - {node.error}"
        elif node.type == "log" and isinstance(node.result, dict):
            line += f" - {node.result.get('message')}"
        console.print(escape(line))
    if summary.error:
        console.print(f"[red]{escape(summary.error)}[/]")
