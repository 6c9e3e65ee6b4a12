"""The desired fleet of workflows each scenario step declares, shared by every tool.

A step is a pure function of the fleet: every tool renders the same ``Fleet`` into its own input
(files, playbook vars, a Pulumi program's data file) so that they all converge to the same state.
"""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

__all__ = ["STEPS", "Fleet", "WorkflowDecl", "big_definition", "fleet_after", "small_definition"]

# The scenario steps, in the order one sequence runs them (each starts from the previous state).
STEPS = ("create", "noop", "change", "pause", "archive")


def small_definition(label: str) -> dict[str, Any]:
    """A two-node workflow (manual trigger → log), the quickstart's shape."""
    return {
        "nodes": {
            "root": {
                "type": "manual",
                "payload": {"inputSchema": {"type": "object", "properties": {"message": {"type": "string"}}}},
                "children": ["log_message"],
            },
            "log_message": {
                "type": "log",
                "payload": {"message": f"{label}: {{{{$trigger.body.message}}}}"},
                "children": [],
            },
        }
    }


def big_definition(nodes: int, label: str) -> dict[str, Any]:
    """A ``nodes``-node workflow: a manual trigger and a chain of log nodes, fanned out in tens."""
    defs: dict[str, Any] = {
        "root": {"type": "manual", "payload": {}, "children": []},
    }
    previous = "root"
    for i in range(1, nodes):
        node_id = f"log_{i:04d}"
        defs[node_id] = {
            "type": "log",
            "payload": {"message": f"{label} step {i}: {{{{$trigger.body.message}}}}"},
            "children": [],
        }
        defs[previous]["children"].append(node_id)
        if i % 10 == 0:  # a new chain hangs off every tenth node: a wide and deep graph
            previous = node_id
    return {"nodes": defs}


@dataclass(frozen=True)
class WorkflowDecl:
    name: str
    definition: dict[str, Any]
    state: str = "published"
    description: str = "b3os-iac benchmark workflow"

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "description": self.description,
            "state": self.state,
            "definition": self.definition,
        }


@dataclass(frozen=True)
class Fleet:
    """The declared workflows; ``label`` names the fleet in reports (e.g. ``N=100``)."""

    label: str
    workflows: tuple[WorkflowDecl, ...]
    latency_ms: float = 0.0  # added by b3os-local to every request: a remote API's round trip
    only_steps: tuple[str, ...] = ()  # the reported steps this fleet runs (empty: every step)

    @classmethod
    def small(cls, n: int, prefix: str) -> Fleet:
        decls = tuple(WorkflowDecl(f"{prefix}-{i:04d}", small_definition(f"wf {i}")) for i in range(n))
        return cls(f"N={n}", decls)

    @classmethod
    def big(cls, nodes: int, prefix: str) -> Fleet:
        return cls(f"{nodes}-node", (WorkflowDecl(f"{prefix}-big", big_definition(nodes, "big")),))

    def with_latency(self, latency_ms: float, only_steps: tuple[str, ...] = ()) -> Fleet:
        return Fleet(f"{self.label} @{latency_ms:g}ms", self.workflows, latency_ms, only_steps)

    def runs_step(self, step: str) -> bool:
        return not self.only_steps or step in self.only_steps

    def __len__(self) -> int:
        return len(self.workflows)

    def write_json(self, path: Path) -> None:
        path.write_text(json.dumps([w.as_dict() for w in self.workflows]), encoding="utf-8")


def _changed(definition: dict[str, Any]) -> dict[str, Any]:
    """The same graph with one node's message edited: a real content change."""
    changed = copy.deepcopy(definition)
    node = next(n for n in changed["nodes"].values() if n["type"] == "log")
    node["payload"]["message"] = "changed: " + node["payload"]["message"]
    return changed


def fleet_after(step: str, base: Fleet) -> Fleet:
    """The fleet each step declares, starting from ``base`` (all published, as created)."""
    decls = list(base.workflows)
    if step in ("change", "pause", "archive"):  # later steps keep the change made by "change"
        decls[0] = replace(decls[0], definition=_changed(decls[0].definition))
    if step == "pause":
        decls = [replace(d, state="paused") for d in decls]
    elif step == "archive":
        decls = [replace(d, state="archived") for d in decls]
    return Fleet(base.label, tuple(decls), base.latency_ms, base.only_steps)
